"""The backward walk's methods for a specialised gradient: values whose shapes are known.

specialise.py gives the backward walk the shapes of the top-level values at a first call. An
adjoint there may be held smaller than its value (a reduction's adjoint stays a number), and
terms are summed back over exactly the axes broadcasting added (shapes.sum_to). These methods
say what is known, what shape a name is held at, and make an adjoint whole where a rule needs
it; `scattered` writes several slices' gradients into one buffer.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from .. import code
from .shapes import Shape, broadcast, without_negation

if TYPE_CHECKING:
    from .reverse import Term


class KnownShapes:
    """Methods of the backward walk (adjoint/reverse.py) for known shapes."""

    def known(self, stmt) -> bool:
        """Are the shapes of the statement's value and operands known (so specialised)?"""
        return (
            self.shapes is not None
            and self.depth == 0
            and all(n in self.shapes for n in (stmt.target, *stmt.operands))
        )

    def holding(self, name: str | ast.expr) -> Shape | None:
        """The shape `name` (or a bare adjoint) is held at: a value's own, or an adjoint's
        (None: not known)."""
        if not isinstance(name, str):
            if code.is_number(name):
                return ()
            name = name.id
        return self.held.get(name, self.shapes.get(name))

    def is_scalar(self, name: str) -> bool:
        return self.shapes is not None and self.holding(name) == ()

    def held_shape(self, names) -> Shape:
        """The shape a product of these names (adjoints, values) is held at."""
        return broadcast(*(self.holding(n) for n in names))

    def full(self, adjoint: ast.expr, value: str) -> ast.expr:
        """The adjoint (a bare one) at its value's whole shape: a broadcast view where it is
        held smaller."""
        if self.shapes is None:
            return adjoint
        held, shape = self.holding(adjoint), self.shapes.get(value)
        if held is None or shape is None or held == shape:
            return adjoint
        base = f"{adjoint.id}_full" if isinstance(adjoint, ast.Name) else "d"
        name = self.namer.numbered(base)
        view = code.call(code.attr(self.names["np"], "broadcast_to"), adjoint, code.literal(shape))
        self.lines.append(code.assign(name, view))
        self.views.add(name)
        return code.name(name)

    def scattered(self, name: str, value: str, terms: list[Term], line) -> bool:
        """Several slices' gradients (x[1:], x[:-1]): one zero array, each slice added in
        place (those of one slice summed first), rather than a zero array per slice.
        Emits the lines and says whether it did. Only in specialised code: the general code
        stays free of in-place writes, so that symback can differentiate it again."""
        if (
            self.shapes is None
            or len(terms) < 2
            or any(t.scatter is None or t.scatter[2] is None for t in terms)
        ):
            return False
        groups: dict[str, list[Term]] = {}
        # (grouped by the subscript as printed: one slice, however its tree was built)
        for t in terms:
            groups.setdefault(ast.dump(t.scatter[2]), []).append(t)
        rows = {_row(g[0].scatter[2]): g for g in groups.values()}
        shape = self.shapes.get(value)
        np = self.names["np"]
        if (
            shape
            and None not in rows
            and len(rows) == len(groups)
            and sorted(rows) == list(range(shape[0]))
        ):
            # every row read (an unrolled loop over x[0], x[1], ...): their gradients stacked,
            # by np.array (rows of one shape: np.stack's result, without its Python overhead)
            stacked = [joined([t.scatter[0] for t in rows[k]]) for k in sorted(rows)]
            array = code.call(code.attr(np, "array"), ast.List(stacked, ast.Load()))
            self.lines.append(code.assign(name, array, line))
            return True
        for i, group in enumerate(groups.values()):
            g = joined([t.scatter[0] for t in group])
            subscript = group[0].scatter[2]
            if i == 0 and self.float64 and shape is not None:  # the zeros' dtype is known
                zeros = code.call(code.attr(np, "zeros"), code.literal(shape))
                self.lines.append(code.assign(name, zeros, line))
                self.lines.append(code.set_item(name, subscript, g, line))
                continue
            if i == 0:
                scatter = code.call(self.names["scatter"], g, code.name(value), group[0].scatter[1])
                self.lines.append(code.assign(name, scatter, line))
            else:
                self.lines.append(code.set_item(name, subscript, g, line, ast.Add()))
        if not (self.float64 and shape is not None):
            self.helpers.add("scatter")
        return True

    def held_terms(self, value: str, terms: list[Term]) -> Shape | None:
        """The shape a sum of terms is held at, when some are held smaller than `value`."""
        if self.shapes is None or all(t.actual is None for t in terms):
            return None
        whole = self.shapes.get(value)
        if whole is None:
            return None
        return broadcast(*(whole if t.actual is None else t.actual for t in terms))


def _row(subscript: ast.expr) -> int | None:
    """The row a subscript reads, when it is one whole number (x[2])."""
    if isinstance(subscript, ast.Constant) and type(subscript.value) is int:
        return subscript.value if subscript.value >= 0 else None
    return None


def joined(parts: list[ast.expr], grouped: list[bool] | None = None) -> ast.expr:
    """Terms as one sum, `a - b` rather than `a + -b`; a term that is itself a sum joins
    the chain (`a + b - c`) unless it is `grouped` (`a + (b - c)`)."""
    grouped = grouped or [False] * len(parts)
    out = parts[0]
    for p, group in zip(parts[1:], grouped[1:]):
        signed = [(True, p)] if group else _signed_terms(p)
        for k, (plus, term) in enumerate(signed):
            positive = None if k else without_negation(term, _LEFT_FIRST)
            if positive is not None:
                plus, term = not plus, positive
            out = ast.BinOp(out, ast.Add() if plus else ast.Sub(), term)
    return out


_LEFT_FIRST = (ast.Mult, ast.Div, ast.MatMult)


def _signed_terms(expr: ast.expr) -> list[tuple[bool, ast.expr]]:
    """A sum `a - b + c` as its terms with their signs, left to right."""
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Sub)):
        return _signed_terms(expr.left) + [(isinstance(expr.op, ast.Add), expr.right)]
    return [(True, expr)]
