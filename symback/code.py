"""The output tree: generated statements and blocks, and the names each one reads and binds.

A generated line holds an `ast` statement, never text: passes read the names a line uses
from its tree, and text is made once, by the printer (backend/printer.py, backend/emit.py).
Elementwise derivatives are built as trees (backend/formulas.py), array rules build theirs with
Python's operators (ops/build.py): nothing is parsed back from text.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from functools import cached_property


@dataclass(frozen=True)
class Line:
    """One generated statement: `target = value`, or a statement changing a value in place
    (`x[i] = v`, `x += v`, `s.append(v)`, `np.add.at(x, i, v)`, `break`)."""

    node: ast.stmt
    line: int | None = None  # the user's line it came from
    effect: bool = False  # kept even when nothing reads what it binds (a pop, an undo)
    # an expression statement: the name of the object the call changes (a call's effect is
    # not in its syntax); "" for none
    changes: str = ""

    @property
    def statement(self) -> bool:
        """Does it change a value in place (rather than bind names to a new value)?"""
        return not (isinstance(self.node, ast.Assign) and _plain(self.node.targets[0]))

    @cached_property  # (a walk of the tree: passes ask for it many times)
    def targets(self) -> frozenset[str]:
        """The names it binds or changes."""
        node = self.node
        if isinstance(node, ast.Assign):
            return frozenset(_bound(node.targets[0]))
        if isinstance(node, ast.AugAssign):
            return frozenset(_bound(node.target))
        return frozenset({self.changes} - {""})

    @property
    def target(self) -> str:
        """The one name it binds or changes ("" for none)."""
        return ", ".join(sorted(self.targets))

    @property
    def value(self) -> ast.expr | None:
        """The assigned value, or the call of an expression statement."""
        return getattr(self.node, "value", None)

    @property
    def reads(self) -> frozenset[str]:
        """Every name it reads (an updated name too: `x[i] = v` and `x += v` read x)."""
        return self._walked[0]

    @property
    def calls(self) -> tuple[ast.Call, ...]:
        """Every call in it."""
        return self._walked[1]

    @cached_property  # (one walk for both: passes ask for them of every line)
    def _walked(self) -> tuple[frozenset[str], tuple[ast.Call, ...]]:
        node = self.node
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and _plain(node.targets[0]):
            node = node.value  # (what it binds it does not read)
        nodes = _nodes(node)
        names = frozenset([n.id for n in nodes if n.__class__ is ast.Name])
        return names, tuple([n for n in nodes if n.__class__ is ast.Call])


@dataclass(frozen=True, kw_only=True)
class Block:
    """A compound statement of generated code; If, For and While say which."""

    body: tuple[Line | Block, ...]
    orelse: tuple[Line | Block, ...] = ()
    line: int | None = None

    @cached_property
    def targets(self) -> frozenset[str]:
        out: frozenset[str] = frozenset()
        for item in self.body + self.orelse:
            out |= item.targets
        return out

    @property
    def effect(self) -> bool:
        return any(item.effect for item in self.body + self.orelse)

    @property
    def head_reads(self) -> frozenset[str]:
        return frozenset()

    @cached_property
    def reads(self) -> frozenset[str]:
        out = self.head_reads
        for item in self.body + self.orelse:
            out |= item.reads
        return out


@dataclass(frozen=True, kw_only=True)
class _Tested(Block):
    """A block headed by a condition."""

    test: ast.expr

    @property
    def head_reads(self) -> frozenset[str]:
        return frozenset(names_in(self.test))


class If(_Tested):
    """`if test: body else: orelse`."""


@dataclass(frozen=True, kw_only=True)
class For(Block):
    """`for index in iter: body`."""

    index: ast.expr  # the loop variable (a name, or `_`)
    iter: ast.expr

    @property
    def head_reads(self) -> frozenset[str]:
        return frozenset(names_in(self.iter))


class While(_Tested):
    """`while test: body`."""


Item = Line | Block


def with_body(block: Block, body, orelse=None) -> Block:
    """The block with other statements inside (its kind and head kept)."""
    return replace(
        block, body=tuple(body), orelse=block.orelse if orelse is None else tuple(orelse)
    )


@dataclass(frozen=True)
class GradientProgram:
    """The forward and backward passes of a gradient, ready to emit as a function."""

    function: object  # the ir.Function it differentiates
    wrt: tuple[str, ...]
    forward: tuple[Item, ...]
    backward: tuple[Item, ...]
    gradients: tuple[str, ...]  # the name holding each wrt parameter's gradient
    helpers: frozenset[str] = frozenset()  # module-level helpers the lines call
    # (name, the name read in its place): lines the common-subexpression pass merged into
    # an earlier one computing the same value (a probe of the forward pass reads them so)
    merged: tuple[tuple[str, str], ...] = ()


# -- building trees -------------------------------------------------------------------------


# One context object for every name read, as Python's own parser shares it: a gradient's tree
# holds a hundred thousand names, and an object each is as many more for the collector.
LOAD = ast.Load()


def name(id_: str) -> ast.Name:
    return ast.Name(id_, LOAD)


def number(value: float | int) -> ast.expr:
    """A number literal; a negative one as `-literal`, as it is written."""
    if value < 0 or (value == 0 and str(value).startswith("-")):
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def attr(base: ast.expr | str, *names: str) -> ast.expr:
    node = name(base) if isinstance(base, str) else base
    for n in names:
        node = ast.Attribute(node, n, LOAD)
    return node


def call(func: ast.expr | str, *args: ast.expr, **keywords: ast.expr) -> ast.Call:
    func = name(func) if isinstance(func, str) else func
    kws = [ast.keyword(k, v) for k, v in keywords.items()]
    return ast.Call(func, list(args), kws)


def literal(value) -> ast.expr:
    """A Python value (a number, a tuple of numbers, None) as code."""
    if isinstance(value, tuple):
        return ast.Tuple([literal(v) for v in value], LOAD)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number(value)
    return ast.Constant(value)


def binop(left: ast.expr, op: ast.operator, right: ast.expr) -> ast.expr:
    return ast.BinOp(left, op, right)


def assign(target: str | tuple[str, ...], value: ast.expr, line=None, effect=False) -> Line:
    """`target = value` (a tuple of names: `a, b = value`)."""
    if isinstance(target, tuple):
        node_target = ast.Tuple([ast.Name(t, ast.Store()) for t in target], ast.Store())
    else:
        node_target = ast.Name(target, ast.Store())
    return Line(ast.Assign([node_target], value), line, effect)


def set_item(array: str, index: ast.expr, value: ast.expr, line=None, op=None) -> Line:
    """`array[index] = value` (op ast.Add(): `+=`)."""
    target = ast.Subscript(name(array), index, ast.Store())
    if op is None:
        return Line(ast.Assign([target], value), line)
    return Line(ast.AugAssign(target, op, value), line)


def augment(target: str, op: ast.operator, value: ast.expr, line=None) -> Line:
    """`target op= value`."""
    return Line(ast.AugAssign(ast.Name(target, ast.Store()), op, value), line)


def effect(changes: str, value: ast.expr, line=None, kept=False) -> Line:
    """An expression statement (a call) that changes the object named `changes`."""
    return Line(ast.Expr(value), line, kept, changes)


def stop(line=None) -> Line:
    """`break`."""
    return Line(ast.Break(), line, True)


def names_in(node: ast.AST) -> set[str]:
    """Every name a tree reads or binds."""
    return {n.id for n in _nodes(node) if n.__class__ is ast.Name}


def _nodes(node: ast.AST) -> list[ast.AST]:
    """Every node of a tree. (A walk of our own: ast.walk's generators cost about three
    times as much, and every pass asks names_in of every line.)"""
    out = []
    todo = [node]
    while todo:
        n = todo.pop()
        out.append(n)
        if n.__class__ is ast.Name or n.__class__ is ast.Constant:
            continue
        for field_ in n._fields:
            value = getattr(n, field_, None)
            if isinstance(value, ast.AST):
                todo.append(value)
            elif isinstance(value, list):
                todo.extend(v for v in value if isinstance(v, ast.AST))
    return out


def is_number(node: ast.expr) -> bool:
    """A number literal (maybe negated)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (int, float))
        and not isinstance(node.value, bool)
    )


def number_value(node: ast.expr) -> float:
    if isinstance(node, ast.UnaryOp):
        return -node.operand.value
    return node.value


def is_bare(node: ast.expr) -> bool:
    """A name or a number: as cheap to repeat as to bind to a name."""
    return isinstance(node, ast.Name) or is_number(node)


# -- rewriting trees ------------------------------------------------------------------------


def element_positions(subscript: ast.expr) -> list[ast.expr] | None:
    """The positions of a subscript that names single positions along its axes (`i`,
    `i + 1, j`): no slice, new axis, `...` or starred part; None for any other."""
    parts = subscript.elts if isinstance(subscript, ast.Tuple) else [subscript]
    for part in parts:
        for n in ast.walk(part):
            if isinstance(n, (ast.Slice, ast.Starred)):
                return None
            if isinstance(n, ast.Constant) and (n.value is None or n.value is Ellipsis):
                return None
    return list(parts)


def rebuilt(tree: ast.AST, new) -> ast.AST:
    """`tree` with each node for which `new(node)` is not None replaced by that; the nodes
    on the way to a replaced one are new, the rest shared (trees are never changed in
    place once built: every pass makes new nodes)."""
    found = new(tree)
    if found is not None:
        return found
    changed, fields = False, {}
    for key, value in ast.iter_fields(tree):
        if isinstance(value, ast.AST):
            fields[key] = rebuilt(value, new)
            changed |= fields[key] is not value
        elif isinstance(value, list):
            fields[key] = [rebuilt(v, new) if isinstance(v, ast.AST) else v for v in value]
            changed |= any(a is not b for a, b in zip(fields[key], value))
        else:
            fields[key] = value
    return type(tree)(**fields) if changed else tree


def structure(node) -> tuple | str:
    """A key for a tree, equal for trees equal as `ast.dump` shows them (positions aside):
    a tuple of class names and the reprs of the values (1 and 1.0 differ). Cheaper than a
    dump, and leaves no garbage cycle behind (ast.dump's inner function is one)."""
    if isinstance(node, ast.AST):
        return (node.__class__.__name__, *[structure(getattr(node, f, None)) for f in node._fields])
    if isinstance(node, list):
        return tuple([structure(v) for v in node])
    return repr(node)


def replaced(tree: ast.AST, old: ast.expr, new: ast.expr) -> ast.AST:
    """`tree` with each subtree equal to `old` replaced by `new`."""
    return rebuilt(tree, lambda node: new if same(node, old) else None)


def same(a: ast.AST, b: ast.AST) -> bool:
    """Are two trees equal as `ast.dump` shows them (positions aside)? Compared node by
    node, so that most pairs differ at their first node (dumping each costs its size)."""
    if type(a) is not type(b):
        return False
    for (_, x), (_, y) in zip(ast.iter_fields(a), ast.iter_fields(b)):
        if isinstance(x, ast.AST) or isinstance(y, ast.AST):
            if not (isinstance(x, ast.AST) and isinstance(y, ast.AST) and same(x, y)):
                return False
        elif isinstance(x, list) and isinstance(y, list):
            if len(x) != len(y) or not all(_same_value(u, v) for u, v in zip(x, y)):
                return False
        elif not _same_value(x, y):
            return False
    return True


def _same_value(x, y) -> bool:
    if isinstance(x, ast.AST) and isinstance(y, ast.AST):
        return same(x, y)
    return type(x) is type(y) and repr(x) == repr(y)  # (as dump shows them: -0.0 is not 0.0)


def replaced_node(tree: ast.AST, old: ast.AST, new: ast.AST) -> ast.AST:
    """A copy of `tree` with the node `old` (that very node) replaced by `new`."""
    return rebuilt(tree, lambda node: new if node is old else None)


def _plain(target: ast.expr) -> bool:
    """A name or a tuple of names (not an element or a slice)."""
    if isinstance(target, ast.Tuple):
        return all(isinstance(e, ast.Name) for e in target.elts)
    return isinstance(target, ast.Name)


def _bound(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Tuple):
        return [n for e in target.elts for n in _bound(e)]
    while isinstance(target, (ast.Subscript, ast.Attribute)):
        target = target.value
    return [target.id] if isinstance(target, ast.Name) else []
