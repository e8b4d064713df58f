"""Array operations on the graph: reductions, index reads and matrix products, each edge's
local gradient and what it sends back (the rest are refused: "explain cannot show ...")."""

from __future__ import annotations

import ast

import numpy as np

from ..backend.load import compiled_expression
from ..backend.printer import print_code
from ..errors import SymbackError
from ..ops.arrays import PRIMITIVES_BY_OP
from .graph import BLOCKED, FLOWS, UNUSED, Edge
from .unroll import Step, place

# Reductions: the local gradient with respect to each element, from how many elements
# each result adds up (`count`).
REDUCTIONS = {
    "sum": (lambda count: 1.0, lambda count: "1"),
    "mean": (lambda count: 1 / count, lambda count: f"1 / {count}"),
}


def shown_as(op: str) -> str:
    """How explain draws a primitive, from its record (ops/primitive.py EXPLAINED): a
    reduction ("sum", "mean"), an index read whose local gradient is 1 at the elements read
    and 0 elsewhere ("selection"), a matrix product ("product"); "" if it does not."""
    row = PRIMITIVES_BY_OP.get(op)
    return "" if row is None else row.explain


# v = a @ b sends the upstream gradient g back through the product, by the operands' ndim:
# (what a gets, what b gets), each as (a function of g, a, b; its formula).
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


class ArrayEdges:
    """Methods of the backward walk for ir.Primitive statements."""

    def primitive(self, step: Step, operands, upstream, code: str) -> tuple[Edge, ...]:
        stmt = step.stmt
        kind = shown_as(stmt.op)
        if kind == "selection":
            return self.selection(step, operands, upstream, code)
        if kind == "product":
            return self.matmul(step, operands, upstream)
        params = dict(stmt.params)
        if kind not in REDUCTIONS or set(params) - {"axis", "keepdims"}:
            raise SymbackError(
                f"explain cannot show np.{stmt.op} yet"
                + (f" with {', '.join(sorted(params))}" if kind in REDUCTIONS else ""),
                place(self.fn.filename, stmt.line),
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
        local_of, formula_of = REDUCTIONS[shown_as(step.stmt.op)]
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
                place(self.fn.filename, stmt.line),
                hint="symback.grad differentiates it; explain covers x[...] of a name",
            )
        if operands[0] is None or isinstance(step.arguments[0], (tuple, list)):
            # (a constant; a tuple of arrays, whose items are no elements of one shape)
            return tuple(Edge(o, BLOCKED) for o in operands if o is not None)
        scope = {self.modules["np"]: np, **dict(zip(stmt.operands, step.arguments))}
        probe = "_index_of_" + "_".join(scope)  # a name none of the index's own names is
        scope[probe] = _INDEX_OF  # (x[x > 0] reads x in its index too)
        index_of = ast.Subscript(ast.Name(probe, ast.Load()), code.slice, ast.Load())
        index = eval(compiled_expression(index_of, "index"), scope)
        x = step.arguments[0]
        local = np.zeros(np.shape(x))
        np.add.at(local, index, 1.0)
        edges = [Edge(o, BLOCKED) for o in operands[1:] if o is not None]
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
                place(self.fn.filename, step.stmt.line),
                hint="symback.grad differentiates it; explain a 2-D case",
            )
        shown = [o if o is not None else constant_text(v) for o, v in zip(operands, step.arguments)]
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


class _IndexOf:
    """`_INDEX_OF[i, 1:]` is the index `(i, slice(1, None))`: what x[...] reads."""

    def __getitem__(self, index):
        return index


_INDEX_OF = _IndexOf()


def constant_text(value) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)
