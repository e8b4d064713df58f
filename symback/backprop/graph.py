"""The explained graph as data: nodes, edges and what flows along them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .unroll import Branch, LoopRun

# What a node is.
PARAMETER, ELEMENTWISE, PRIMITIVE, OPAQUE = (
    "parameter",
    "elementwise",
    "primitive",
    "opaque",
)

# How much gradient crosses an edge: three different absences, named (DESIGN.md 4.3).
FLOWS = "flows"  # upstream * local reaches the operand
ZERO = "zero"  # the local gradient is identically zero (np.where's condition, ...)
BLOCKED = "blocked"  # a step without a gradient: floor, round, sign, comparisons
UNUSED = "unused"  # the node does not influence the output, so nothing flows back


@dataclass(frozen=True)
class Edge:
    """Operand `operand` of a node v: the local gradient dv/du and the product it sends back."""

    operand: str
    flow: str  # FLOWS, ZERO, BLOCKED or UNUSED
    formula: str = ""  # dv/du over the graph's names ("" when there is none)
    local: object = None  # dv/du evaluated (None for BLOCKED)
    product: object = None  # dL/dv * dv/du in u's shape (None unless it FLOWS)
    reduced: bool = False  # the product was summed over broadcast axes to fit u's shape
    spread: bool = False  # a reduction over some axes: dL/dv was spread back along them


@dataclass(frozen=True)
class Node:
    """One value of the graph: an input or one SSA statement, forward and backward."""

    name: str  # SSA name: the user's name, `y_1` for y's second value, `t1` a temporary
    kind: str  # PARAMETER, ELEMENTWISE, PRIMITIVE or OPAQUE
    line: int | None  # the user's line (None for an input)
    code: str  # the forward expression over graph names ("" for an input)
    value: object
    upstream: object  # dL/d(node); None when no gradient reaches it
    edges: tuple[Edge, ...] = ()
    uses: tuple[tuple[str, object], ...] = ()  # (consumer, product) summed into upstream
    affects_output: bool = True
    op: str = ""  # the primitive's operation (sum, mean, getitem)
    iteration: tuple[tuple[int, int], ...] = ()  # (loop run, 0-based iteration), outermost first


@dataclass(frozen=True)
class Trace:
    """The whole graph of one call: nodes in forward order, inputs first."""

    function: str
    filename: str
    nodes: tuple[Node, ...]
    output: str  # the output's node
    symbol: str = ""  # the output in dL/dv notation: L, f, s
    branches: tuple[Branch, ...] = ()  # the `if`s passed, in order
    loops: tuple[LoopRun, ...] = ()  # the loops run, in order

    def __post_init__(self):
        if not self.symbol:
            object.__setattr__(self, "symbol", self.output)

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    @property
    def parameters(self) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if n.kind == PARAMETER)

    @property
    def gradients(self) -> dict[str, object]:
        """dL/d(input) for every input, in the input's shape (zeros where nothing flows)."""
        return {n.name: _gradient(n) for n in self.parameters}


def _gradient(node: Node):
    if node.upstream is not None:
        return node.upstream
    value = np.zeros_like(node.value, dtype=float)
    return value[()] if value.ndim == 0 else value
