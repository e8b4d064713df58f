"""The computation graph evaluated by hand: forward values, then upstream x local gradients.

The graph is the one call's dynamic graph (unroll.py): the branch taken, every loop
iteration as nodes of its own. Nodes are named for people: the user's variable when one
node carries it (`y` rather than the merged `y_2`), tagged with the iteration (`s[i=2]`).
"""

from __future__ import annotations

import sys
from collections import Counter

import numpy as np

from .. import code, ir
from ..adjoint.derivatives import local_derivatives
from ..backend import formulas
from ..backend.formulas import fill
from ..backend.helpers import module_names
from ..backend.printer import print_code
from ..errors import NonScalarOutputError, SymbackError, SymbackInternalError
from .arrays import ArrayEdges, constant_text
from .graph import (
    BLOCKED,
    ELEMENTWISE,
    FLOWS,
    OPAQUE,
    PARAMETER,
    PRIMITIVE,
    UNUSED,
    ZERO,
    Edge,
    Node,
    Trace,
)
from .unroll import ArgumentError, Path, Step, display_code, place, unroll, user_name

__all__ = [
    "ArgumentError",
    "BLOCKED",
    "ELEMENTWISE",
    "FLOWS",
    "OPAQUE",
    "PARAMETER",
    "PRIMITIVE",
    "UNUSED",
    "ZERO",
    "Edge",
    "Node",
    "Trace",
    "trace",
]


# Statements explain refuses: (kind, what it is, what to explain instead).
_NOT_SHOWN = (
    (ir.Write, "writes into an array element", "builds the array with np.stack or arithmetic"),
    (ir.Push, "lists used as stacks", "keeps the values in names or arrays"),
)


def trace(fn: ir.Function, arguments: dict[str, object]) -> Trace:
    """Run `fn` at `arguments` on the path its values choose, then walk back (upstream = 1)."""
    for kind, what, instead in _NOT_SHOWN:
        stmt = next((s for s in ir.every_statement(fn.body) if isinstance(s, kind)), None)
        if stmt is not None:
            raise SymbackError(
                f"explain does not show {what} yet",
                place(fn.filename, stmt.line),
                hint=f"symback.grad differentiates it; explain a version that {instead}",
            )
    path = unroll(fn, arguments)
    if path.output is None:  # a loop counter or a flag: no node of the graph
        raise SymbackError(
            f"{fn.name} returns a value that is not computed from its inputs",
            place(fn.filename, fn.output_line),
            hint="explain shows how a float result is computed from the inputs",
        )
    values: dict[tuple, object] = {(p.name, ()): arguments[p.name] for p in fn.params}
    values.update({step.node: step.value for step in path.steps})
    output_value = values[path.output]
    if np.ndim(output_value) != 0:
        raise NonScalarOutputError(
            f"{fn.name} returned an array of shape {np.shape(output_value)}; explain shows "
            "the gradient of a scalar output",
            place(fn.filename, fn.output_line),
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


class _Backward(ArrayEdges):
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
        derivatives = local_derivatives(stmt.expr, len(stmt.operands))
        shown = {  # each placeholder as shown: the node's name, or the constant
            f"a{i}": code.name(o) if o is not None else _constant(v)
            for i, (o, v) in enumerate(zip(operands, step.arguments))
        }
        shown["np"] = code.name("np")
        scope = {f"a{i}": v for i, v in enumerate(step.arguments)}
        scope["np"] = np
        shown["exp_or_inf"], scope["exp_or_inf"] = code.name("exp"), np.exp  # (the sigmoid's)
        if "scipy.special" in sys.modules:  # (scipy.special's derivatives: digamma)
            shown["special"] = code.name("special")
            scope["special"] = sys.modules["scipy.special"]
        locals_: dict[str, list] = {}  # per node: (formula, value) of each place it is read
        for operand, derivative in zip(operands, derivatives):
            if operand is None:  # a loop counter: a number of the iteration, not a node
                continue
            if derivative is None:
                locals_.setdefault(operand, [])
                continue
            formula = print_code(fill(formulas.formula(derivative), shown))
            with np.errstate(all="ignore"):  # kinks: the printed formula selects with where
                local = eval(formulas.compiled(derivative), dict(scope))
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

    def edge(self, operand: str, formula: str, local, upstream) -> Edge:
        if upstream is None:
            return Edge(operand, UNUSED, formula, local)
        with np.errstate(all="ignore"):
            product = upstream * local
        shape = np.shape(self.values[operand])
        fitted = unbroadcast(product, shape)
        reduced = np.size(product) > np.size(fitted)
        return Edge(operand, FLOWS, formula, local, fitted, reduced)


def _constant(value):
    """A constant operand as shown in a formula: a number as a literal, else its text."""
    if isinstance(value, (bool, int, float, np.integer, np.floating)):
        return code.literal(value.item() if isinstance(value, np.generic) else value)
    return code.name(constant_text(value))


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
