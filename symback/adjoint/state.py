"""The backward walk's state: one typed object that every construct's module reads and grows.

The walk over the SSA statements (reverse.py) hands this object to plain functions, one
module per construct: statements (elementwise and array primitives), branches, loops, writes
into arrays, stacks. Terms waiting to be summed into an adjoint are `Term`s; what is known of
shapes in a specialised gradient (specialise.py) is asked of it with the functions below.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Callable

from .. import code, ir
from ..naming import Namer
from .shapes import Shape, broadcast


@dataclass(frozen=True)
class Term:
    """One term of an adjoint sum, as a tree."""

    expr: ast.expr
    is_sum: bool = False
    wrap: str = ""  # "", "unbroadcast" (sum back to the operand's shape), "spread" (broadcast)
    # see ops.arrays.Contribution: (g, the index as np.s_[...], the subscript or None)
    scatter: tuple[ast.expr, ast.expr, ast.expr | None] | None = None
    actual: Shape | None = None  # specialised: the shape it is held at (None: its operand's)
    outer: tuple[ast.expr, ast.expr] | None = None  # see ops.arrays.Contribution
    mutable: bool = False  # a written array's adjoint, which only this term holds (writes.py)
    view: bool = False  # may be a view of another array (see ops.arrays.Contribution)

    @property
    def bare(self) -> bool:
        """A name or a number: as cheap to repeat as to bind to a name."""
        return not self.wrap and code.is_bare(self.expr)

    @property
    def name(self) -> str | None:
        """The name it is, if it is one."""
        return self.expr.id if isinstance(self.expr, ast.Name) else None

    @property
    def uses(self) -> frozenset[str]:
        return frozenset(code.names_in(self.expr))


def named(adjoint: str, mutable: bool = False) -> Term:
    """A term that is an adjoint's name."""
    return Term(code.name(adjoint), mutable=mutable)


@dataclass
class Sweep:
    """Everything the backward walk knows and has made so far."""

    fn: ir.Function
    wrt: tuple[str, ...]
    names: dict[str, str]  # the module's names: np, math, the helpers
    namer: Namer
    active: set[str]  # the values the gradient flows through
    # walks a block backwards (reverse.walk; here so that construct modules need not import it)
    walk: Callable[[Sweep, tuple], None]
    # Specialised (specialise.py): the shapes of top-level values from a first call; every
    # floating value float64; the values known to be floats or float arrays
    shapes: dict[str, Shape] | None = None
    float64: bool = False
    floating: frozenset[str] = frozenset()
    fresh: frozenset[str] = frozenset()  # values whose adjoints must not read them
    terms: dict[str, list[Term]] = field(default_factory=dict)  # value -> terms still to sum
    lines: list = field(default_factory=list)  # the backward lines made so far
    held: dict[str, Shape] = field(default_factory=dict)  # adjoints held smaller than values
    views: set[str] = field(default_factory=set)  # adjoints that are views of other arrays
    returned: set[str] = field(default_factory=set)  # adjoints already handed out as gradients
    helpers: set[str] = field(default_factory=set)  # module helpers the lines call
    # id(statement) -> the inner calls it reads by name: (name, call, computed here)
    kept: dict[int, list] = field(default_factory=dict)
    # (id(block), call) -> (its name, the statement computing it): a later statement of
    # the block walked first hands the call over to an earlier one that also reads it
    kept_in_block: dict[tuple, tuple] = field(default_factory=dict)
    block_id: int = 0  # the block being walked
    depth: int = 0  # inside how many branches or loops the walk is
    # loop -> carried value -> the stack its values are saved on (loops.py)
    stacks: dict[int, dict[str, str]] = field(default_factory=dict)
    # each loop being walked: the names it defines, and the totals it owns (loops.py)
    loop_scopes: tuple[tuple[frozenset, dict], ...] = ()
    # element writes (writes.py): written arrays, names that may share memory, the undo log
    buffers: set[str] = field(default_factory=set)
    sharing: dict = field(default_factory=dict)
    writes: object = None  # writes.WriteLog, or None when nothing is written
    # lists used as stacks (stacks.py)
    tapes: object = None  # stacks.Tapes
    stacks_used: set[str] = field(default_factory=set)
    stack_adjoints: dict[str, str] = field(default_factory=dict)

    def add(self, value: str, term: Term) -> None:
        """Send a term to `value`'s adjoint."""
        self.terms.setdefault(value, []).append(term)


# -- known shapes ---------------------------------------------------------------------------


def known(sweep: Sweep, stmt) -> bool:
    """Are the shapes of the statement's value and operands known (so specialised)?"""
    return sweep.shapes is not None and all(
        n in sweep.shapes for n in (stmt.target, *stmt.operands)
    )


def holding(sweep: Sweep, name: str | ast.expr) -> Shape | None:
    """The shape `name` (or a bare adjoint) is held at: a value's own, or an adjoint's (None:
    not known)."""
    if not isinstance(name, str):
        if code.is_number(name):
            return ()
        name = name.id
    return sweep.held.get(name, sweep.shapes.get(name))


def is_scalar(sweep: Sweep, name: str) -> bool:
    return sweep.shapes is not None and holding(sweep, name) == ()


def held_shape(sweep: Sweep, names) -> Shape:
    """The shape a product of these names (adjoints, values) is held at."""
    return broadcast(*(holding(sweep, n) for n in names))


def held_terms(sweep: Sweep, value: str, terms: list[Term]) -> Shape | None:
    """The shape a sum of terms is held at, when some are held smaller than `value`."""
    if sweep.shapes is None or all(t.actual is None for t in terms):
        return None
    whole = sweep.shapes.get(value)
    if whole is None:
        return None
    return broadcast(*(whole if t.actual is None else t.actual for t in terms))
