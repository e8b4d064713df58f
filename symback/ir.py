"""The SSA intermediate representation: frozen statements binding one name each."""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import sympy

from .code import names_in as code_names  # (code.py imports nothing of symback's)


@dataclass(frozen=True)
class Elementwise:
    """`target = expr(operands)`, applied elementwise with NumPy broadcasting.

    `expr` is written over the placeholder symbols `ops.symbols.operand(i)` so that
    statements of the same shape share one cached derivative; `operands[i]` is the SSA
    name bound to placeholder i. `code` is the forward computation as the user wrote it.
    """

    target: str
    expr: sympy.Expr
    operands: tuple[str, ...]
    code: ast.expr
    line: int
    # the calls and sums inside `code` (np.exp(x) in np.exp(x) * w, 2.0 + x in t / (2.0 + x)):
    # (value over placeholders, code), so that an adjoint reading one reads it computed once
    # in the forward pass (a sum on numbers only: adjoint/reverse.py)
    calls: tuple[tuple[sympy.Expr, ast.expr], ...] = ()


@dataclass(frozen=True)
class Primitive:
    """`target = op(operands, **params)`: an array operation with a hand-written adjoint."""

    target: str
    op: str
    operands: tuple[str, ...]
    # static arguments (literals: axis, keepdims, ...); an index ("index" as np.s_[...],
    # "subscript" as between brackets) and pass-through arguments ("extra") as code trees
    params: tuple[tuple[str, object], ...]
    code: ast.expr
    line: int


@dataclass(frozen=True)
class Opaque:
    """`target = code`: a value the gradient does not flow through (floor, comparisons, ...).
    `asserted`: `assert code, message` instead, run in the forward pass, binding nothing."""

    target: str
    operands: tuple[str, ...]
    code: ast.expr
    line: int
    asserted: bool = False
    message: ast.expr | None = None


@dataclass(frozen=True)
class If:
    """`if cond: then else: orelse`, then each merged name takes its branch's value."""

    cond: str
    then: tuple["Statement", ...]
    orelse: tuple["Statement", ...]
    outputs: tuple[tuple[str, str, str], ...]  # (merged name, then value, else value)
    line: int
    # names the else branch reads that the condition showed share no memory with arrays
    # written since they were made (a result that was a copy, not a view: frontend/views.py)
    unshared: tuple[str, ...] = ()

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(m for m, _, _ in self.outputs)


@dataclass(frozen=True)
class Loop:
    """`for index in header: body` or `while header: body`, with loop-carried names.

    Each carried triple (before, entry, end): the body reads the name's value under
    `entry`, which holds `before` on the first iteration and `end` (the value the body
    computed) on the next; after the loop `entry` holds the final value. `exit`, when the
    loop may stop early (`break`), names a flag the body computes: the loop stops after an
    iteration that set it, once the carried values are updated."""

    kind: str  # "for" or "while"
    index: str | None  # for: the loop variable's SSA name
    header: ast.expr  # for: the iterable, range(...); while: the condition
    header_operands: tuple[str, ...]
    carried: tuple[tuple[str, str, str], ...]
    body: tuple["Statement", ...]
    line: int
    exit: str | None = None

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(entry for _, entry, _ in self.carried)


@dataclass(frozen=True)
class Write:
    """`array[index] op value`, op one of `=`, `+=`, `-=`: an in-place write into a local array
    (op `add.at`: np.add.at(array, index, value), which adds twice at an index named twice).

    `target` names the array after the write. It is the same memory as `array`, but the SSA
    form keeps the two apart, so that reads before and after the write are different values.
    `index` is the index as written between the brackets, over SSA names."""

    target: str
    array: str
    value: str
    index_operands: tuple[str, ...]  # the SSA names the index reads (no gradient flows)
    index: ast.expr
    op: str
    line: int
    place: object = field(default=None, compare=False)  # errors.Place of the written element
    # the elements are already in `array`, written through a view of it (`value`, which is
    # array[index]: frontend/views.py): the forward code writes nothing and logs nothing, and
    # the old elements of `array` outside the view are what the new value keeps
    through: bool = False

    @property
    def operands(self) -> tuple[str, ...]:
        return (self.array, self.value, *self.index_operands)

    def index_value(self, np: str) -> ast.expr:
        """The index as a value, `np.s_[...]` (`np` names numpy); np.add.at's as it is."""
        if self.op == "add.at":
            return copy.deepcopy(self.index)
        np_s = ast.Attribute(_name(np), "s_", ast.Load())
        return ast.Subscript(np_s, copy.deepcopy(self.index), ast.Load())

    @property
    def code(self) -> ast.stmt:
        """The write as forward code."""
        value = _name(self.value)
        if self.op == "add.at":  # (numpy under any name: only the names read matter here)
            add_at = ast.Attribute(
                ast.Attribute(_name("numpy"), "add", ast.Load()), "at", ast.Load()
            )
            return ast.Expr(ast.Call(add_at, [_name(self.array), self.index, value], []))
        element = ast.Subscript(_name(self.array), self.index, ast.Store())
        if self.op == "=":
            return ast.Assign([element], value)
        return ast.AugAssign(element, _UPDATES[self.op](), value)


@dataclass(frozen=True)
class Push:
    """`stack.append(value)`: a list used as a stack, which gradient code keeps its saved
    values on. `target` names the stack: the same list, one item longer (not a new value)."""

    target: str
    value: str
    line: int

    @property
    def operands(self) -> tuple[str, ...]:
        return (self.target, self.value)

    @property
    def code(self) -> ast.expr:
        append = ast.Attribute(_name(self.target), "append", ast.Load())
        return ast.Call(append, [_name(self.value)], [])


@dataclass(frozen=True)
class Pop:
    """`target = stack.pop()`: the value last pushed onto the stack, taken off it; with a
    `default`, `stack.pop() if stack else default` (a constant, taken when it is empty)."""

    target: str
    stack: str
    line: int
    default: str | None = None

    @property
    def operands(self) -> tuple[str, ...]:
        return (self.stack,) if self.default is None else (self.stack, self.default)

    @property
    def code(self) -> ast.expr:
        pop = ast.Call(ast.Attribute(_name(self.stack), "pop", ast.Load()), [], [])
        if self.default is None:
            return pop
        return ast.IfExp(_name(self.stack), pop, _name(self.default))

    def text(self, stack: str) -> str:
        """The pop as code, from `stack`."""
        if self.default is None:
            return f"{stack}.pop()"
        return f"{stack}.pop() if {stack} else {self.default}"


Statement = Elementwise | Primitive | Opaque | If | Loop | Write | Push | Pop

_UPDATES = {"+=": ast.Add, "-=": ast.Sub}  # Write.op -> the augmented assignment's operator


def _name(name: str) -> ast.Name:
    return ast.Name(name, ast.Load())


def every_statement(stmts: Iterable[Statement]) -> Iterator[Statement]:
    """Every statement, those inside branches and loops too, each compound one first."""
    for s in stmts:
        yield s
        if isinstance(s, If):
            yield from every_statement(s.then + s.orelse)
        elif isinstance(s, Loop):
            yield from every_statement(s.body)


def names_in(code: ast.AST) -> set[str]:
    """Every name that appears in a piece of code."""
    return code_names(code)


def reads(s: "Statement") -> set[str]:
    """Every name a statement reads, inside its branches and loop bodies too."""
    if isinstance(s, If):
        out = {s.cond} | {n for _, a, b in s.outputs for n in (a, b)}
        for inner in s.then + s.orelse:
            out |= reads(inner)
        return out
    if isinstance(s, Loop):
        out = set(s.header_operands) | {n for triple in s.carried for n in triple}
        for inner in s.body:
            out |= reads(inner)
        return out
    return set(s.operands) | names_in(s.code)


@dataclass(frozen=True)
class ModuleRef:
    """The module a file is imported as (`pkg.model`), which the module `symback gen` writes
    imports to read the file's constants at call time; `name` is None where the file's name
    cannot be imported (`my-model.py`)."""

    name: str | None
    filename: str


def live_holders(fn: "Function") -> dict[str, object]:
    """The objects generated code reads constants from that are bound where it is loaded
    (not imported by it): name in the module -> object."""
    return {name: h for name, h in fn.holders if not isinstance(h, ModuleRef)}


@dataclass(frozen=True)
class Parameter:
    name: str
    default: ast.expr | None = None  # a constant expression, printed as is
    kind: str = "positional"  # positional, keyword_only, var_positional, var_keyword


@dataclass(frozen=True)
class Function:
    """A lowered function: parameters, straight-line body, the scalar output and its aux."""

    name: str
    filename: str
    params: tuple[Parameter, ...]
    body: tuple[Statement, ...]
    output: str
    output_line: int
    aux: ast.expr | None = None  # has_aux: the second returned value, over SSA names
    user_names: frozenset[str] = field(default=frozenset())
    boolean: frozenset[str] = field(default=frozenset())  # names holding comparison results
    custom: tuple[tuple[str, object], ...] = ()  # defgrad functions the code calls, by name
    # what the code reads constants from at call time, by its name in the module: a live
    # module or frontend.resolve.Outside (bound where the code is loaded), or a
    # frontend.static.ModuleRef (imported by the module `symback gen` writes)
    holders: tuple[tuple[str, object], ...] = ()

    def dump(self) -> str:
        """A readable listing, one statement a line."""
        rows = [f"def {self.name}({', '.join(p.name for p in self.params)}):"]
        for s in self.body:
            rhs = ast.unparse(s.code)
            kind = type(s).__name__.lower()
            rows.append(f"    {s.target} = {rhs}    # {kind}, line {s.line}")
        rows.append(f"    return {self.output}")
        return "\n".join(rows)
