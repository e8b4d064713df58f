"""What an array primitive's adjoint rule reads (Context) and returns (Contribution).

An adjoint is a small function of the statement (its operands `x0, x1, ...`, its value `v`,
its upstream adjoint `bar`, its static arguments such as `axis`) returning, for each array
operand, the tree of the gradient sent to it, or None. Rules build trees with Python's
operators over `Expr`s (build.py): `np.expand_dims(c.bar, axis)`, where `np` and the helpers
(`helper.unbroadcast`) stand for the names the generated module gives them; helpers are
emitted into the generated module only when used (backend/helper_code.py).
"""

from __future__ import annotations

import ast
from dataclasses import KW_ONLY, dataclass, field
from typing import Callable

from .build import Expr, np, tree


@dataclass(frozen=True)
class Context:
    """What an adjoint rule may read about one primitive statement."""

    bar: Expr  # the upstream adjoint (a name or a number)
    operands: tuple[Expr, ...]  # the array operands
    value: Expr  # the statement's own value
    # static arguments: axis, keepdims, axes, ... as Python values; the index ("index", as
    # np.s_[...]) and pass-through arguments ("extra") as Exprs, the subscript (between
    # brackets) as a tree
    params: dict
    shapes: tuple[tuple[int, ...], ...] | None = None  # the operands', where known (specialised)

    @property
    def ndims(self) -> tuple[int, ...] | None:
        return None if self.shapes is None else tuple(len(s) for s in self.shapes)

    @property
    def x(self) -> Expr:
        return self.operands[0]

    @property
    def index(self) -> Expr:
        """getitem's index, as a value (`np.s_[...]`)."""
        return self.params["index"]

    @property
    def seeded(self) -> bool:
        """Is the upstream the number 1.0 (the output's own adjoint)?"""
        node = self.bar.node
        return isinstance(node, ast.Constant) and repr(node.value) == "1.0"

    def expanded_bar(self) -> Expr:
        """bar with the reduced axes put back (size 1), so that it broadcasts against x."""
        axis = self.params.get("axis")
        if axis is None or self.params.get("keepdims"):
            return self.bar
        return np.expand_dims(self.bar, axis)


@dataclass(frozen=True)
class Contribution:
    """A gradient sent to one operand (a tree; None for UNSUPPORTED): `spread` marks a
    reduced gradient to broadcast back."""

    value: ast.expr | None
    spread: bool = False
    # getitem's adjoint as (g, index as np.s_[...], subscript for a basic index or None),
    # so that a loop can add g at the index in place
    scatter: tuple[ast.expr, ast.expr, ast.expr | None] | None = None
    # the gradient is np.outer(a, b): a sum of several is one matrix product
    outer: tuple[ast.expr, ast.expr] | None = None
    # the gradient may be a view of another array (bar[:, 2:]): handed out as a parameter's
    # gradient on its own, it is copied, so that it neither aliases nor is read-only
    view: bool = False

    def __post_init__(self):  # (rules hand over Exprs: kept as their trees)
        if self.value is not None:
            object.__setattr__(self, "value", tree(self.value))
        for name in ("scatter", "outer"):
            parts = getattr(self, name)
            if parts is not None:
                object.__setattr__(self, name, tuple(p if p is None else tree(p) for p in parts))


# A rule's answer for an operand the gradient may depend on but the rule cannot handle yet:
# the backward walk refuses it if that operand is active (never a silent zero).
UNSUPPORTED = Contribution(None)


Rule = Callable[[Context], tuple[Contribution | None, ...]]


@dataclass(frozen=True)
class Example:
    """A call the spec test (tests/test_rules.py) differentiates, to first and second order:
    `call` over the arrays a, b, c (shaped `shapes`, drawn from `domain`), as a user writes it;
    a helper's call names the helper itself (`unbroadcast(a, np.ones(3))`)."""

    call: str
    shapes: tuple[tuple[int, ...], ...]
    domain: tuple[float, float] = (-1.0, 1.0)
    # the operands whose gradient the rule refuses (UNSUPPORTED): the test expects an error
    refused: tuple[int, ...] = ()
    # why the gradient code cannot be differentiated again (a rule it calls refuses an
    # operand); empty: second derivatives are checked too
    first_order_only: str = ""


def example(call: str, *shapes: tuple[int, ...], **kw) -> Example:
    """An Example, its shapes given one after the other."""
    return Example(call, shapes, **kw)


@dataclass(frozen=True)
class ArrayPrimitive:
    """One row of the table in arrays.py: an operation, how it is called, its adjoint."""

    op: str
    names: tuple[str, ...]  # qualified function names
    arrays: int  # how many leading positional arguments are differentiable arrays
    adjoint: Rule
    static: tuple[str, ...] = ()  # literal arguments the adjoint needs, by keyword
    methods: tuple[str, ...] = ()  # `x.sum(...)`-style spellings
    helpers: tuple[str, ...] = field(default=())  # module helpers the adjoint calls
    positional: tuple[str, ...] = ()  # which of `static` may also come by position, in order
    passthrough: int = 0  # how many more arguments (a shape, an index) go to the forward code
    # only; their printed code is in the adjoint's params["extra"]
    varargs: bool = False  # the method takes its tuple argument spread out: x.reshape(3, 4)
    # how the arrays come: "leading" (the first `arrays` arguments), "sequence" (one list or
    # tuple of them, as np.stack takes), "after_subscripts" (np.einsum("ij,j->i", A, x)),
    # "after_shape" (np.full(shape, fill): the shape goes to the forward code only)
    layout: str = "leading"
    written: str = ""  # how the user writes an operation that has no name of its own
    _: KW_ONLY
    # The result may be a view of this operand (the same memory, as np.flip(x) is of x), so
    # that an element write into either changes the other: frontend/stale.py refuses a read
    # of it after such a write. None: the result is always a new array.
    view: int | None = None
    # The result is a view of that operand for every input shape: True, or a function of the
    # static arguments (ops/views.py). Then a read after a write into the base reads the view
    # taken again from the written base (frontend/views.py); a result that may be a copy is
    # refused there instead.
    always_view: object = False
    # How a write into the result writes its base (ops/views.py: "index"); "": refused.
    through: str = ""
    # With no `axis`, the result is a number whatever the operand's shape (np.sum, np.std,
    # not np.linalg.det of a stack of matrices): the output needs no check of its shape.
    scalar: bool = False
    # The adjoint sends the upstream back unchanged (or times a constant) along the reduced
    # axes: where shapes are known, the sweep leaves that spread to broadcasting.
    spread_by_broadcasting: bool = False
    # What the spec test calls: a row is tested by being added (at least one example).
    examples: tuple[Example, ...] = ()
    # How `symback explain` draws the operation on the graph (backprop/arrays.py): one of
    # EXPLAINED; "" for operations it refuses to draw ("explain cannot show np.xxx yet").
    explain: str = ""
    # The operands after the first are an index (x[i], x[[0, 2]]): their values, not only
    # their shapes, fix the result's shape (specialise.py).
    indexed: bool = False
    # The names of the parts of the tuple it returns (np.linalg.eigh: eigenvalues,
    # eigenvectors): each part taken (`eigh(A)[1]`, `.eigenvectors`, `w, v = eigh(A)`) is a
    # statement of its own, its part in params["part"]; the tuple itself is refused.
    parts: tuple[str, ...] = ()
    # (keyword, value) with which it returns one array, not the tuple (compute_uv=False)
    one_value_when: tuple = ()
    # It returns a list of pieces (np.split), as many as its literal argument of this name
    # says (a number of sections, or a list of places to cut: one piece more); parts names
    # what one piece is
    pieces: str = ""
    # Keywords whose arguments are differentiable arrays (special.logsumexp's b=): given,
    # they follow the other arrays among the operands, their names in params["by_keyword"]
    array_keywords: tuple[str, ...] = ()
    # (keyword, value) with which it returns a tuple of `parts`, not one array
    # (return_sign=True)
    tuple_when: tuple = ()
    # A join that also takes one array for its sequence, the items along its first axis
    # (np.vstack(A)): params["whole"] is then True
    whole: bool = False

    def single(self, keywords) -> bool:
        """Does a call with these keywords (ast.keyword) return one array, not its tuple?"""
        if not (self.one_value_when or self.tuple_when):
            return False
        key, value = self.one_value_when or self.tuple_when
        given = any(
            k.arg == key and isinstance(k.value, ast.Constant) and k.value.value == value
            for k in keywords
        )
        return given if self.one_value_when else not given

    @property
    def spelled(self) -> str:
        """The operation as users write it, for messages: np.linalg.norm, x.flatten()."""
        if self.names:
            module, _, name = self.names[0].partition(".")
            return f"{'np' if module == 'numpy' else module}.{name}"
        return f"x.{self.methods[0]}()" if self.methods else self.op

    def array_operands(self, operands: tuple[str, ...], params: dict) -> tuple[str, ...]:
        """The differentiable array operands of a statement of this operation; the rest
        (an index, a shape) go to the forward code only, and their values matter. Arrays
        given by keyword (array_keywords) follow the others, in the order written."""
        count = self.arrays or params.get("count", len(operands))
        return operands[: count + len(params.get("by_keyword", ()))]


# What explain draws: a reduction adding up (or averaging) elements, an index read, a matrix
# product.
EXPLAINED = ("sum", "mean", "selection", "product")


def validate(table: tuple[ArrayPrimitive, ...], helpers: tuple[ArrayPrimitive, ...]) -> None:
    """Check the records when the tables load: a view names an array operand, every row has
    an example for the spec test, and every helper a rule calls has a record of its own (its
    adjoint), so that the gradient code can be differentiated again (Hessians)."""
    ops = [row.op for row in table + helpers]
    duplicated = sorted({op for op in ops if ops.count(op) > 1})
    if duplicated:
        raise ValueError(f"operations recorded twice: {duplicated}")
    helper_names = {name for row in helpers for name in row.names}
    for row in table + helpers:
        place = f"the record of {row.op!r}"
        if row.explain and row.explain not in EXPLAINED:
            raise ValueError(f"{place}: explain={row.explain!r} is not one of {EXPLAINED}")
        if row.view is not None and not 0 <= row.view < max(row.arrays, 1):
            raise ValueError(f"{place}: view={row.view} is not one of its array operands")
        if (row.always_view or row.through) and row.view is None:
            raise ValueError(f"{place}: always_view or through without view=")
        if not row.examples:
            raise ValueError(f"{place}: no example for the spec test (tests/test_rules.py)")
        counts = range(row.arrays, row.arrays + len(row.array_keywords) + 1)
        if row.layout == "leading" and any(len(e.shapes) not in counts for e in row.examples):
            raise ValueError(f"{place}: an example's shapes are not one per array operand")
        for helper in row.helpers:
            if f"symback.{helper}" not in helper_names:
                raise ValueError(f"{place}: helper {helper!r} has no record (no adjoint)")
    for row in helpers:
        if not all(name.startswith("symback.") for name in row.names):
            raise ValueError(f"the helper record {row.op!r} names a user function")


# Literal arguments several operations take.
REDUCE = ("axis", "keepdims")
AXIS = ("axis",)
DIAGONAL = ("offset", "axis1", "axis2")
