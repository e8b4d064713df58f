"""Common subexpressions: one pass over a gradient's whole tree, forward and backward together.

A value the program computes twice (`np.exp(s)` summed in the forward pass and kept for the
backward one; `np.linalg.solve(A.T, g)` in two parameters' gradients) is computed once. Values
are numbered: a key per expression, from its structure and the versions of the names it reads
(a name bound once to a pure value has that value's key), so that a write into an array, or
into one sharing its memory, makes the values read before it different from those after.

Two walks over the same tree keep the same numbers. The first finds which values come again
where the first one can be read (later in the same block, or in a block inside it); the second
names each such value once (the line binding it, or a temporary just before the line using it)
and reads that name where it comes again. A line repeating a whole value goes, and its name is
read as the first's. Only pure calls (sharing.py) are merged, nothing is computed ahead of a
condition (`a if c else b`), nor moved out of a branch or a loop.
"""

from __future__ import annotations

import ast
import dataclasses

from .. import code
from ..naming import Namer
from .sharing import (
    OPAQUE_NODES,
    Calls,
    Facts,
    Numbers,
    Scoped,
    fresh,
    stable_target,
    whole_function,
)


def common_subexpressions(
    program: code.GradientProgram, names: dict[str, str], kept: set[str]
) -> code.GradientProgram:
    """`program` with each repeated pure value computed once; `kept` names (the gradients,
    the value, the auxiliary value's names) keep their lines."""
    fn = program.function
    params = {p.name for p in fn.params}
    helpers = {v: k for k, v in names.items() if k not in ("np", "math")}
    calls = Calls(names["np"], names["math"], helpers)
    items = list(program.forward) + list(program.backward)
    facts = whole_function(items, params, calls)
    collect = _Collect(facts)
    hoisted = collect.run(items)
    taken = set(fn.user_names) | set(names.values()) | params
    for item in items:
        taken |= item.reads | item.targets
    rewrite = _Rewrite(facts, hoisted, set(kept) | params, Namer(taken), collect.memo)
    forward = rewrite.items(program.forward, ())
    backward = rewrite.items(program.backward, ())
    if not rewrite.changed:
        return program
    merged = program.merged + tuple(sorted(rewrite.renames.items()))
    return dataclasses.replace(program, forward=forward, backward=backward, merged=merged)


def _mode(line: code.Line, facts: Facts) -> str:
    """How much of the line may be rewritten: "whole" (it binds a stable name: its value may
    be merged too), "inside" (a value copied into an array, or a new array: what it reads
    shares no memory with the target), or "" (a line that changes something, or whose target
    may share memory with what it reads)."""
    if id(line) in facts.effects:
        return ""
    if line.statement:
        return "inside" if isinstance(line.node, (ast.Assign, ast.AugAssign)) else ""
    if stable_target(line, facts) is not None:
        return "whole"
    node = line.node
    if isinstance(node.targets[0], ast.Name) and fresh(node.value, facts.calls):
        return "sub"
    return ""


def _candidates(value: ast.expr, keys, with_root: bool, calls: Calls) -> list[tuple]:
    """The values inside `value` worth a name of their own, in preorder, each with its place
    (its index in a preorder walk, the same in both walks) and where its subtree ends."""
    out: list[tuple] = []
    _visit_candidates(value, with_root, keys, calls, out, [0])
    return out


def _visit_candidates(n: ast.AST, take: bool, keys, calls: Calls, out: list, index: list):
    # (a function of its own: a closure calling itself is a reference cycle, garbage per line)
    if isinstance(n, OPAQUE_NODES):
        return
    here = index[0]
    index[0] += 1
    entry = None
    if take and _worth_a_name(n, keys, calls):
        entry = len(out)
        out.append((n, here, here))
    for field_name in n._fields:  # (ast.iter_child_nodes, without its generators)
        value = getattr(n, field_name, None)
        if isinstance(value, ast.AST):
            _visit_candidates(value, True, keys, calls, out, index)
        elif isinstance(value, list):
            for child in value:
                if isinstance(child, ast.AST):
                    _visit_candidates(child, True, keys, calls, out, index)
    if entry is not None:
        out[entry] = (n, here, index[0])


def _worth_a_name(n: ast.AST, keys, calls: Calls) -> bool:
    """A call or a matrix product: elementwise arithmetic on arrays costs about as much to
    compute again as to keep alive (the sweep keeps it for the adjoint on numbers only), and
    a function of shapes (np.shape, np.zeros_like) is read where it is used."""
    if isinstance(n, ast.Call):
        if calls.of_shapes(n):
            return False
    elif not (isinstance(n, ast.BinOp) and isinstance(n.op, ast.MatMult)):
        return False
    _, pure, named = keys[id(n)]
    return pure and named


class _Walk:
    """Lines in execution order, with the numbers kept and the place of each line.

    Both walks meet the same lines in the same state, so what the first finds of a line (its
    values' keys, its candidates) the second reads from `memo`, by the line's id."""

    def __init__(self, facts: Facts, memo: dict | None = None):
        self.facts = facts
        self.numbers = Numbers(facts)
        self.scopes = [self.numbers.numbers]  # what a block's end forgets
        self.memo: dict[int, list] = {} if memo is None else memo

    def keys(self, line: code.Line):
        found = self.memo.get(id(line))
        if found is None:
            keys = self.numbers.keys(line.node)
            # (a line without a call or a matrix product has no value worth a name)
            found = self.memo[id(line)] = [keys, None if self.numbers.named_values else []]
        return found[0]

    def candidates(self, line: code.Line, mode: str) -> list[tuple]:
        found = self.memo[id(line)]
        if found[1] is None:
            keys = found[0]
            found[1] = _candidates(line.node.value, keys, mode == "inside", self.facts.calls)
        return found[1]

    def items(self, items, path: tuple) -> tuple:
        out: list = []
        for item in items:
            self.numbers.order += 1
            if isinstance(item, code.Block):
                out.append(self.head(self.block(item, path)))
                continue
            keys = self.keys(item)
            out += self.line(item, keys, path)
            self.numbers.after(item, keys)
        return tuple(out)

    def block(self, block: code.Block, path: tuple) -> code.Block:
        order = self.numbers.order
        self.numbers.bump(block)
        parts = []
        for i, items in enumerate((block.body, block.orelse)):
            for scope in self.scopes:
                scope.enter()
            parts.append(self.items(items, path + ((order, i),)))
            for scope in self.scopes:
                scope.leave()
        self.numbers.bump(block)
        return code.with_body(block, *parts)

    def head(self, block: code.Block) -> code.Block:
        return block

    def line(self, line: code.Line, keys, path: tuple) -> list:
        raise NotImplementedError


class _Collect(_Walk):
    """The first walk: which occurrences of a value come again where they can be read."""

    def __init__(self, facts: Facts):
        super().__init__(facts)
        self.seen: dict[int, list[tuple[tuple[int, int], tuple]]] = {}
        self.bound = Scoped()  # values met in the blocks open
        self.scopes.append(self.bound)

    def run(self, items) -> set[tuple[int, int]]:
        self.items(items, ())
        hoisted = set()
        for occurrences in self.seen.values():
            later: set[tuple] = set()
            for place, path in reversed(occurrences):
                if path in later:
                    hoisted.add(place)
                later.update(path[:i] for i in range(len(path) + 1))
        return hoisted

    def line(self, line: code.Line, keys, path: tuple) -> list:
        mode = _mode(line, self.facts)
        if not mode:
            return []
        order = self.numbers.order
        value = line.node.value
        if mode == "whole" and not code.is_bare(value):
            key = keys[id(value)][0]
            self.seen.setdefault(key, []).append(((order, -1), path))
            if key in self.bound:
                return []  # the line goes: what it reads is not read there
            self.bound.set(key, True)
        inside_repeat = -1  # the end of a value found before: what it reads is not read
        for node, index, end in self.candidates(line, mode):
            if index < inside_repeat:
                continue
            key = keys[id(node)][0]
            self.seen.setdefault(key, []).append(((order, index), path))
            if key in self.bound:
                inside_repeat = end
            else:
                self.bound.set(key, True)
        return []


class _Rewrite(_Walk):
    """The second walk: each repeated value named once and read where it comes again."""

    def __init__(self, facts: Facts, hoisted: set, kept: set[str], namer: Namer, memo: dict):
        super().__init__(facts, memo)
        self.hoisted = hoisted
        self.kept = kept
        self.namer = namer
        self.available = Scoped()  # a value's key -> the name holding it
        self.scopes.append(self.available)
        self.renames: dict[str, str] = {}
        self.changed = False  # (a value read by name, a line gone)

    def head(self, block: code.Block) -> code.Block:
        if not self.renames or not block.head_reads & self.renames.keys():
            return block
        fields = {}
        for attr in ("test", "iter"):
            if hasattr(block, attr):
                fields[attr] = self._renamed(getattr(block, attr))
        return dataclasses.replace(block, **fields)

    def line(self, line: code.Line, keys, path: tuple) -> list:
        mode = _mode(line, self.facts)
        if not mode:
            return [self._renamed_line(line)]
        order = self.numbers.order
        node, value = line.node, line.node.value
        target = node.targets[0].id if mode == "whole" else None
        key = keys[id(value)][0] if mode == "whole" and not code.is_bare(value) else None
        holder = self.available.get(key) if key is not None else None
        if holder is not None and target not in self.kept:
            self.renames[target] = holder  # the same value: the line goes
            self.changed = True
            return []
        if holder is not None and holder not in self.kept:
            self.changed = True
            self.kept.add(holder)  # returned once: another returned name does not read it
            return [
                self._renamed_line(
                    dataclasses.replace(line, node=_with_value(node, code.name(holder)))
                )
            ]
        candidates = self.candidates(line, mode)
        named = any(
            (order, i) in self.hoisted or keys[id(n)][0] in self.available for n, i, _ in candidates
        )
        if named:
            places = {id(n): (order, i) for n, i, _ in candidates}
            before: list[code.Line] = []
            new_value = self._value(value, keys, places, before, line.line)
        if key is not None and holder is None:
            self.available.set(key, target)
        if not named:  # nothing inside is read by name, or to be: the line as it is
            return [self._renamed_line(line)]
        new = dataclasses.replace(line, node=_with_value(node, new_value))
        return before + [self._renamed_line(new)]

    def _value(self, n: ast.AST, keys, places: dict, before: list, line) -> ast.AST:
        """`n` reading each value available by its name, repeated ones bound first (to a
        temporary appended to `before`)."""
        place = places.get(id(n))
        if place is not None:
            holder = self.available.get(keys[id(n)][0])
            if holder is not None:
                self.changed = True
                return code.name(holder)
        if isinstance(n, ast.Name):
            return code.name(self.renames[n.id]) if n.id in self.renames else n
        if isinstance(n, OPAQUE_NODES):
            return self._renamed(n)
        new = _children_mapped(n, lambda c: self._value(c, keys, places, before, line))
        if place is not None and place in self.hoisted:
            temp = self.namer.numbered("t")
            self.changed = True
            before.append(code.assign(temp, new, line))
            self.available.set(keys[id(n)][0], temp)
            return code.name(temp)
        return new

    def _renamed(self, node: ast.AST) -> ast.AST:
        renames = self.renames
        if not renames:
            return node
        return code.rebuilt(
            node,
            lambda n: (
                code.name(renames[n.id]) if isinstance(n, ast.Name) and n.id in renames else None
            ),
        )

    def _renamed_line(self, line: code.Line) -> code.Line:
        if not self.renames or not (line.reads & self.renames.keys()):
            return line
        return dataclasses.replace(line, node=self._renamed(line.node))


def _with_value(node: ast.stmt, value: ast.expr) -> ast.stmt:
    fields = dict(ast.iter_fields(node))
    fields["value"] = value
    return type(node)(**fields)


def _children_mapped(n: ast.AST, visit) -> ast.AST:
    changed, fields = False, {}
    for key, value in ast.iter_fields(n):
        if isinstance(value, ast.AST):
            fields[key] = visit(value)
            changed |= fields[key] is not value
        elif isinstance(value, list):
            fields[key] = [visit(v) if isinstance(v, ast.AST) else v for v in value]
            changed |= any(a is not b for a, b in zip(fields[key], value))
        else:
            fields[key] = value
    return type(n)(**fields) if changed else n
