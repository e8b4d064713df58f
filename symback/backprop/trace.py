"""The computation graph evaluated by hand: forward values, then upstream x local gradients.

The graph is the one call's dynamic graph (unroll.py): the branch taken, every loop
iteration as nodes of its own. Nodes are named for people: the user's variable when one
node carries it (`y` rather than the merged `y_2`), tagged with the iteration (`s[i=2]`).
"""

from __future__ import annotations

import ast
import linecache
from collections import Counter
from dataclasses import dataclass

import numpy as np

from .. import ir
from ..adjoint.derivatives import local_derivatives
from ..adjoint.naming import module_names
from ..backend.printer import print_code
from ..errors import NonScalarOutputError, Place, SymbackError, SymbackInternalError
from .unroll import ArgumentError, Branch, LoopRun, Path, Step, display_code, unroll, user_name

__all__ = ["ArgumentError", "Edge", "Node", "Trace", "trace"]


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


# Reductions: the local gradient with respect to each element, from how many elements
# each result adds up (`count`).
REDUCTIONS = {
    "sum": (lambda count: 1.0, lambda count: "1"),
    "mean": (lambda count: 1 / count, lambda count: f"1 / {count}"),
}


# Array reads whose local gradient is 1 at the elements read and 0 elsewhere.
SELECTIONS = frozenset({"getitem", "gather"})

# Matrix products: np.dot is a @ b for vectors and matrices.
PRODUCTS = frozenset({"matmul", "dot"})

# v = a @ b sends the upstream gradient g back through the product, by the operands' ndim:
# (what a gets, what b gets), each as (value, formula over g, a and b).
MATMUL_RULES = {
    (2, 2): (
        (lambda g, a, b: g @ b.T, "{g} @ {b}.T"),
        (lambda g, a, b: a.T @ g, "{a}.T @ {g}"),
    ),
    (2, 1): (
        (lambda g, a, b: np.outer(g, b), "np.outer({g}, {b})"),
        (lambda g, a, b: a.T @ g, "{a}.T @ {g}"),
    ),
    (1, 2): (
        (lambda g, a, b: b @ g, "{b} @ {g}"),
        (lambda g, a, b: np.outer(a, g), "np.outer({a}, {g})"),
    ),
    (1, 1): (
        (lambda g, a, b: g * b, "{g} * {b}"),
        (lambda g, a, b: g * a, "{g} * {a}"),
    ),
}


def trace(fn: ir.Function, arguments: dict[str, object]) -> Trace:
    """Run `fn` at `arguments` on the path its values choose, then walk back (upstream = 1)."""
    path = unroll(fn, arguments)
    if path.output is None:  # a loop counter or a flag: no node of the graph
        raise SymbackError(
            f"{fn.name} returns a value that is not computed from its inputs",
            _place(fn.filename, fn.output_line),
            hint="explain shows how a float result is computed from the inputs",
        )
    values: dict[tuple, object] = {(p.name, ()): arguments[p.name] for p in fn.params}
    values.update({step.node: step.value for step in path.steps})
    output_value = values[path.output]
    if np.ndim(output_value) != 0:
        raise NonScalarOutputError(
            f"{fn.name} returned an array of shape {np.shape(output_value)}; explain shows "
            "the gradient of a scalar output",
            _place(fn.filename, fn.output_line),
            hint="return a scalar, e.g. np.sum(...) or np.mean(...) of the array",
        )
    return _Backward(fn, path, values).run()


def node_names(fn: ir.Function, path: Path) -> dict[tuple, str]:
    """Each node's name: the user's variable and the iteration (`s[i=2]`) when that is
    unique in the call, else the SSA name (`s_3[i=2]`); inputs keep their own names."""
    runs = {run.number: run for run in path.loops}

    def tag(iteration) -> str:
        if not iteration:
            return ""
        return "[" + ", ".join(runs[r].tags[k] for r, k in iteration) + "]"

    inputs = {(p.name, ()): p.name for p in fn.params}
    exact = {s.node: s.node[0] + tag(s.iteration) for s in path.steps}
    wanted = {
        s.node: (user_name(s.node[0], fn) or s.node[0]) + tag(s.iteration) for s in path.steps
    }
    count = Counter(list(inputs.values()) + list(wanted.values()))
    names = {node: wanted[node] if count[wanted[node]] == 1 else exact[node] for node in wanted}
    if len(set(names.values()) | set(inputs.values())) < len(names) + len(inputs):
        names = exact  # (a user's name that looks like an SSA name: keep them all apart)
    return {**inputs, **names}


def _symbol(fn: ir.Function, output: str, names: dict[tuple, str]) -> str:
    """How dL/dv writes the output: its user's name, unless another node has that name."""
    taken = set(names.values()) - {output}
    for candidate in (user_name(output.split("[")[0], fn), fn.name):
        if candidate and candidate not in taken:
            return candidate
    return output


class _Backward:
    """The backward walk: each reached node sends dL/dv * dv/du to each operand u."""

    def __init__(self, fn: ir.Function, path: Path, values: dict[tuple, object]):
        self.fn = fn
        self.path = path
        self.names = node_names(fn, path)
        self.values = {self.names[node]: value for node, value in values.items()}
        self.output = self.names[path.output]
        self.uses: dict[str, list[tuple[str, object]]] = {self.output: [("", 1.0)]}
        self.affects = self.affecting()
        self.modules = module_names(fn.user_names)

    def run(self) -> Trace:
        statements = []
        for step in reversed(self.path.steps):
            statements.append(self.statement(step))
        inputs = [self.parameter(p.name) for p in self.fn.params]
        nodes = tuple(inputs + statements[::-1])
        return Trace(
            self.fn.name,
            self.fn.filename,
            nodes,
            self.output,
            _symbol(self.fn, self.output, self.names),
            self.path.branches,
            self.path.loops,
        )

    def affecting(self) -> set[str]:
        """The nodes any path leads from to the output or to a decision, gradient or not."""
        reach = {self.output} | {self.names[n] for n in self.path.control}
        for step in reversed(self.path.steps):
            if self.names[step.node] in reach:
                reach.update(self.names[o] for o in step.operands if o is not None)
        return reach

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

    def statement(self, step: Step) -> Node:
        stmt, name = step.stmt, self.names[step.node]
        operands = tuple(None if o is None else self.names[o] for o in step.operands)
        renamed = {o: n for o, n in zip(stmt.operands, operands) if n is not None}
        constants = {o: v for o, n, v in zip(stmt.operands, operands, step.arguments) if n is None}
        code = display_code(stmt.code, renamed, constants)
        upstream = self.upstream(name)
        if isinstance(stmt, ir.Elementwise):
            edges, op = self.elementwise(step, operands, upstream), ""
        elif isinstance(stmt, ir.Primitive):
            edges, op = self.primitive(step, operands, upstream, code), stmt.op
        elif isinstance(stmt, ir.Opaque):
            edges, op = tuple(Edge(o, BLOCKED) for o in dict.fromkeys(operands) if o), ""
        else:  # never guess a gradient
            raise SymbackInternalError(f"explain has no rule for {type(stmt).__name__}")
        for edge in edges:
            if edge.flow == FLOWS:
                self.uses.setdefault(edge.operand, []).append((name, edge.product))
        kind = {ir.Elementwise: ELEMENTWISE, ir.Primitive: PRIMITIVE}.get(type(stmt), OPAQUE)
        return Node(
            name,
            kind,
            stmt.line,
            code,
            step.value,
            upstream,
            edges,
            tuple(u for u in self.uses.get(name, ()) if u[0]),
            name in self.affects,
            op,
            step.iteration,
        )

    def elementwise(self, step: Step, operands, upstream) -> tuple[Edge, ...]:
        stmt = step.stmt
        templates = local_derivatives(stmt.expr, len(stmt.operands))
        by_field = {f"a{i}": f"_a{i}" for i in range(len(stmt.operands))}
        named = {
            f"a{i}": o if o is not None else _constant_text(v)
            for i, (o, v) in enumerate(zip(operands, step.arguments))
        }
        scope = {f"_a{i}": v for i, v in enumerate(step.arguments)}
        scope["np"] = np
        locals_: dict[str, list] = {}  # per node: (formula, value) of each place it is read
        for operand, template in zip(operands, templates):
            if operand is None:  # a loop counter: a number of the iteration, not a node
                continue
            if template is None:
                locals_.setdefault(operand, [])
                continue
            formula = template.format(np="np", **named)
            with np.errstate(all="ignore"):  # kinks: the printed formula selects with where
                local = eval(template.format(np="np", **by_field), dict(scope))
            locals_.setdefault(operand, []).append((formula, local))
        edges = []
        for operand, parts in locals_.items():
            if not parts:
                edges.append(Edge(operand, ZERO, "0", 0.0))
                continue
            # a node read twice (`s * 2 + x` where s is x): one edge, the reads' sum
            formula = " + ".join(f"({f})" if len(parts) > 1 and " " in f else f for f, _ in parts)
            local = parts[0][1]
            for _, more in parts[1:]:
                local = local + more
            edges.append(self.edge(operand, formula, local, upstream))
        return tuple(edges)

    def primitive(self, step: Step, operands, upstream, code: str) -> tuple[Edge, ...]:
        stmt = step.stmt
        if stmt.op in SELECTIONS:
            return self.selection(step, operands, upstream, code)
        if stmt.op in PRODUCTS:
            return self.matmul(step, operands, upstream)
        params = dict(stmt.params)
        if stmt.op not in REDUCTIONS or set(params) - {"axis", "keepdims"}:
            raise SymbackError(
                f"explain cannot show np.{stmt.op} yet"
                + (f" with {', '.join(sorted(params))}" if stmt.op in REDUCTIONS else ""),
                _place(self.fn.filename, stmt.line),
                hint="symback.grad differentiates it; explain covers sum and mean (over all "
                "or some axes), indexing and @",
            )
        return self.reduction(step, operands[0], upstream, params)

    def reduction(self, step: Step, operand, upstream, params) -> tuple[Edge, ...]:
        """`v = np.sum(x, axis)` or np.mean: each element's local gradient is 1 (or 1 / the
        count averaged); dL/dv goes back to every element it was reduced from."""
        x = step.arguments[0]
        shape = np.shape(x)
        axis = params.get("axis")
        axes = tuple(range(len(shape))) if axis is None else np.atleast_1d(axis).tolist()
        axes = tuple(sorted(a % len(shape) for a in axes))
        count = int(np.prod([shape[a] for a in axes]))
        local_of, formula_of = REDUCTIONS[step.stmt.op]
        local = np.full(shape, local_of(count))
        if operand is None:
            return ()
        if upstream is None:
            return (Edge(operand, UNUSED, formula_of(count), local),)
        g = np.asarray(upstream, dtype=float)
        if not params.get("keepdims") and g.ndim < len(shape):
            g = np.expand_dims(g, axes)
        with np.errstate(all="ignore"):
            product = np.array(np.broadcast_to(g, shape) * local)
        partial = axis is not None and len(axes) < len(shape)
        return (Edge(operand, FLOWS, formula_of(count), local, product, spread=partial),)

    def selection(self, step: Step, operands, upstream, formula: str) -> tuple[Edge, ...]:
        """`v = x[index]`: 1 at the elements read, 0 elsewhere; the product puts dL/dv there."""
        stmt, code = step.stmt, step.stmt.code
        if not (isinstance(code, ast.Subscript) and isinstance(code.value, ast.Name)):
            raise SymbackError(
                f"explain cannot show this indexing ({print_code(code)}) yet",
                _place(self.fn.filename, stmt.line),
                hint="symback.grad differentiates it; explain covers x[...] of a name",
            )
        scope = {self.modules["np"]: np, **dict(zip(stmt.operands, step.arguments))}
        probe = "_index_of_" + "_".join(scope)  # a name none of the index's own names is
        scope[probe] = _INDEX_OF  # (x[x > 0] reads x in its index too)
        index = eval(print_code(ast.Subscript(ast.Name(probe), code.slice)), scope)
        x = step.arguments[0]
        local = np.zeros(np.shape(x))
        np.add.at(local, index, 1.0)
        edges = [Edge(o, BLOCKED) for o in operands[1:] if o is not None]
        if operands[0] is None:
            return tuple(edges)
        if upstream is None:
            return (Edge(operands[0], UNUSED, formula, local), *edges)
        product = np.zeros(np.shape(x))
        np.add.at(product, index, upstream)
        return (Edge(operands[0], FLOWS, formula, local, product), *edges)

    def matmul(self, step: Step, operands, upstream) -> tuple[Edge, ...]:
        """`v = a @ b`: the upstream gradient goes back through the product (a Jacobian, not
        an elementwise factor); the edge's formula says how, with {g} for dL/dv."""
        a, b = step.arguments
        rules = MATMUL_RULES.get((np.ndim(a), np.ndim(b)))
        if rules is None:
            raise SymbackError(
                f"explain shows @ of vectors and matrices, not of shapes {np.shape(a)} and "
                f"{np.shape(b)}",
                _place(self.fn.filename, step.stmt.line),
                hint="symback.grad differentiates it; explain a 2-D case",
            )
        shown = [
            o if o is not None else _constant_text(v) for o, v in zip(operands, step.arguments)
        ]
        parts: dict[str, list] = {}
        for operand, (rule, formula) in zip(operands, rules):
            if operand is None:
                continue
            text = formula.format(g="{g}", a=shown[0], b=shown[1])
            product = None if upstream is None else rule(np.asarray(upstream), a, b)
            parts.setdefault(operand, []).append((text, product))
        edges = []
        for operand, reads in parts.items():  # (x @ x: both reads, added)
            formula = " + ".join(text for text, _ in reads)
            if upstream is None:
                edges.append(Edge(operand, UNUSED, formula))
                continue
            total = reads[0][1]
            for _, more in reads[1:]:
                total = total + more
            edges.append(Edge(operand, FLOWS, formula, None, total))
        return tuple(edges)

    def edge(self, operand: str, formula: str, local, upstream) -> Edge:
        if upstream is None:
            return Edge(operand, UNUSED, formula, local)
        with np.errstate(all="ignore"):
            product = upstream * local
        shape = np.shape(self.values[operand])
        fitted = unbroadcast(product, shape)
        reduced = np.size(product) > np.size(fitted)
        return Edge(operand, FLOWS, formula, local, fitted, reduced)


class _IndexOf:
    """`_INDEX_OF[i, 1:]` is the index `(i, slice(1, None))`: what x[...] reads."""

    def __getitem__(self, index):
        return index


_INDEX_OF = _IndexOf()


def _constant_text(value) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


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


def _gradient(node: Node):
    if node.upstream is not None:
        return node.upstream
    value = np.zeros_like(node.value, dtype=float)
    return value[()] if value.ndim == 0 else value


def _place(filename: str, line: int) -> Place:
    text = linecache.getline(filename, line)
    indent = len(text) - len(text.lstrip())
    return Place(filename, line, indent, text)
