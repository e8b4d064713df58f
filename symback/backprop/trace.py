"""The computation graph evaluated by hand: forward values, then upstream x local gradients."""

from __future__ import annotations

import linecache
import math
from dataclasses import dataclass

import numpy as np

from .. import ir
from ..adjoint.derivatives import local_derivatives
from ..adjoint.naming import module_names
from ..backend.printer import print_code
from ..errors import NonScalarOutputError, Place, SymbackError, SymbackInternalError


class ArgumentError(SymbackError):
    """The values given do not fit the function: a missing argument, shapes that clash, ..."""


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
    op: str = ""  # the primitive's operation (sum, mean)


@dataclass(frozen=True)
class Trace:
    """The whole graph of one call: nodes in forward order, inputs first."""

    function: str
    filename: str
    nodes: tuple[Node, ...]
    output: str

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    @property
    def parameters(self) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if n.kind == PARAMETER)

    @property
    def gradients(self) -> dict[str, object]:
        """dL/d(input) for every input, in the input's shape (zeros where nothing flows)."""
        return {n.name: _gradient(n) for n in self.parameters}


# Local gradients of the array primitives with respect to each element of their operand.
PRIMITIVE_LOCALS = {
    "sum": (lambda x: np.ones(np.shape(x)), lambda x: "1"),
    "mean": (
        lambda x: np.full(np.shape(x), 1 / np.size(x)),
        lambda x: f"1 / {np.size(x)}",
    ),
}


def trace(fn: ir.Function, arguments: dict[str, object]) -> Trace:
    """Evaluate `fn` at `arguments` forward, then walk back from its output (upstream = 1)."""
    what = {ir.If: "branches", ir.Loop: "loops", ir.Write: "writes into an array element"}
    compound = next((s for s in fn.body if type(s) in what), None)
    if compound is not None:
        raise SymbackError(
            f"explain shows straight-line code; this function {what[type(compound)]}",
            _place(fn.filename, compound.line),
            hint="explain each piece of straight-line computation as a function of its own",
        )
    values = _forward(fn, arguments)
    output_value = values[fn.output]
    if np.ndim(output_value) != 0:
        raise NonScalarOutputError(
            f"{fn.name} returned an array of shape {np.shape(output_value)}; explain shows "
            "the gradient of a scalar output",
            _place(fn.filename, fn.output_line),
            hint="return a scalar, e.g. np.sum(...) or np.mean(...) of the array",
        )
    return _Backward(fn, values).run()


def _forward(fn: ir.Function, arguments: dict[str, object]) -> dict[str, object]:
    """Each node's value: the inputs, then every statement's printed code, in order."""
    modules = module_names(fn.user_names)
    namespace: dict[str, object] = {modules["np"]: np, modules["math"]: math}
    namespace.update(arguments)
    values = dict(arguments)
    for stmt in fn.body:
        text = print_code(stmt.code)
        try:
            values[stmt.target] = namespace[stmt.target] = eval(text, namespace)
        except Exception as exc:  # the user's values fail in the user's code
            raise ArgumentError(
                f"evaluating {fn.name} at these values failed: {type(exc).__name__}: {exc}",
                _place(fn.filename, stmt.line),
                hint="check the values passed (shapes must broadcast, domains must fit)",
            ) from exc
    return values


class _Backward:
    """The backward walk: each reached node sends dL/dv * dv/du to each operand u."""

    def __init__(self, fn: ir.Function, values: dict[str, object]):
        self.fn = fn
        self.values = values
        self.uses: dict[str, list[tuple[str, object]]] = {fn.output: [("", 1.0)]}
        self.affects = _affecting(fn)

    def run(self) -> Trace:
        statements = []
        for stmt in reversed(self.fn.body):
            statements.append(self.statement(stmt))
        inputs = [self.parameter(p.name) for p in self.fn.params]
        nodes = tuple(inputs + statements[::-1])
        return Trace(self.fn.name, self.fn.filename, nodes, self.fn.output)

    def upstream(self, name: str):
        uses = self.uses.get(name)
        if not uses:
            return None
        total = uses[0][1]
        for _, product in uses[1:]:
            total = total + product
        return total

    def parameter(self, name: str) -> Node:
        value, upstream = self.values[name], self.upstream(name)
        uses = tuple(u for u in self.uses.get(name, ()) if u[0])
        return Node(name, PARAMETER, None, "", value, upstream, (), uses, name in self.affects)

    def statement(self, stmt: ir.Statement) -> Node:
        upstream = self.upstream(stmt.target)
        if isinstance(stmt, ir.Elementwise):
            edges, op = self.elementwise(stmt, upstream), ""
        elif isinstance(stmt, ir.Primitive):
            edges, op = self.primitive(stmt, upstream), stmt.op
        elif isinstance(stmt, ir.Opaque):
            edges, op = tuple(Edge(o, BLOCKED) for o in stmt.operands), ""
        else:  # never guess a gradient
            raise SymbackInternalError(f"explain has no rule for {type(stmt).__name__}")
        for edge in edges:
            if edge.flow == FLOWS:
                self.uses.setdefault(edge.operand, []).append((stmt.target, edge.product))
        kind = {ir.Elementwise: ELEMENTWISE, ir.Primitive: PRIMITIVE}.get(type(stmt), OPAQUE)
        return Node(
            stmt.target,
            kind,
            stmt.line,
            print_code(stmt.code),
            self.values[stmt.target],
            upstream,
            edges,
            tuple(u for u in self.uses.get(stmt.target, ()) if u[0]),
            stmt.target in self.affects,
            op,
        )

    def elementwise(self, stmt: ir.Elementwise, upstream) -> tuple[Edge, ...]:
        templates = local_derivatives(stmt.expr, len(stmt.operands))
        by_field = {f"a{i}": f"_a{i}" for i in range(len(stmt.operands))}
        named = {f"a{i}": o for i, o in enumerate(stmt.operands)}
        scope = {f"_a{i}": self.values[o] for i, o in enumerate(stmt.operands)}
        scope["np"] = np
        edges = []
        for operand, template in zip(stmt.operands, templates):
            if template is None:
                edges.append(Edge(operand, ZERO, "0", 0.0))
                continue
            formula = template.format(np="np", **named)
            with np.errstate(all="ignore"):  # kinks: the printed formula selects with where
                local = eval(template.format(np="np", **by_field), dict(scope))
            edges.append(self.edge(operand, formula, local, upstream))
        return tuple(edges)

    def primitive(self, stmt: ir.Primitive, upstream) -> tuple[Edge, ...]:
        if stmt.op not in PRIMITIVE_LOCALS:
            raise SymbackError(
                f"explain cannot show np.{stmt.op} yet",
                _place(self.fn.filename, stmt.line),
                hint="symback.grad differentiates it; explain covers sum and mean",
            )
        local_of, formula_of = PRIMITIVE_LOCALS[stmt.op]
        (operand,) = stmt.operands
        x = self.values[operand]
        return (self.edge(operand, formula_of(x), local_of(x), upstream),)

    def edge(self, operand: str, formula: str, local, upstream) -> Edge:
        if upstream is None:
            return Edge(operand, UNUSED, formula, local)
        with np.errstate(all="ignore"):
            product = upstream * local
        shape = np.shape(self.values[operand])
        fitted = unbroadcast(product, shape)
        reduced = np.size(product) > np.size(fitted)
        return Edge(operand, FLOWS, formula, local, fitted, reduced)


def unbroadcast(value, shape: tuple[int, ...]):
    """`value` summed over the axes broadcasting added or widened, or spread, to `shape`."""
    value_shape = np.shape(value)
    if value_shape == shape:
        return value
    out = np.asarray(value)
    while out.ndim > len(shape):
        out = out.sum(axis=0)
    widened = tuple(i for i, n in enumerate(shape) if n == 1 and out.shape[i] != 1)
    if widened:
        out = out.sum(axis=widened, keepdims=True)
    if out.shape != shape:
        out = np.broadcast_to(out, shape)  # a smaller value (a scalar gradient) spread out
    out = np.array(out, dtype=np.result_type(out, float))
    return out[()] if shape == () else out


def _affecting(fn: ir.Function) -> set[str]:
    """The names any path leads from to the output, gradient or not."""
    reach = {fn.output}
    for stmt in reversed(fn.body):
        if stmt.target in reach:
            reach.update(stmt.operands)
    return reach


def _gradient(node: Node):
    if node.upstream is not None:
        return node.upstream
    value = np.zeros_like(node.value, dtype=float)
    return value[()] if value.ndim == 0 else value


def _place(filename: str, line: int) -> Place:
    text = linecache.getline(filename, line)
    indent = len(text) - len(text.lstrip())
    return Place(filename, line, indent, text)
