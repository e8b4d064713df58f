"""The backward walk's methods for a specialised gradient: values whose shapes are known.

specialise.py gives the backward walk the shapes of the top-level values at a first call. An
adjoint there may be held smaller than its value (a reduction's adjoint stays a number), and
terms are summed back over exactly the axes broadcasting added (shapes.sum_to). These methods
say what is known, what shape a name is held at, and make an adjoint whole where a rule needs
it; `scattered` writes several slices' gradients into one buffer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import ir
from ..backend.printer import is_number
from .shapes import Shape, broadcast

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

    def holding(self, name: str) -> Shape | None:
        """The shape `name` is held at: a value's own, or an adjoint's (None: not known)."""
        if is_number(name):
            return ()
        return self.held.get(name, self.shapes.get(name))

    def is_scalar(self, name: str) -> bool:
        return self.shapes is not None and self.holding(name) == ()

    def held_shape(self, names) -> Shape:
        """The shape a product of these names (adjoints, values) is held at."""
        return broadcast(*(self.holding(n) for n in names))

    def full(self, adjoint: str, value: str) -> str:
        """The adjoint at its value's whole shape: a broadcast view where it is held smaller."""
        if self.shapes is None:
            return adjoint
        held, shape = self.holding(adjoint), self.shapes.get(value)
        if held is None or shape is None or held == shape:
            return adjoint
        name = self.namer.numbered(f"{adjoint}_full" if adjoint.isidentifier() else "d")
        np = self.names["np"]
        text = f"{np}.broadcast_to({adjoint}, {shape!r})"
        self.lines.append(ir.Line(name, text, frozenset({adjoint}) - {""}))
        self.views.add(name)
        return name

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
        for t in terms:
            groups.setdefault(t.scatter[2], []).append(t)
        rows = {int(k): g for k, g in groups.items() if k.isdigit()}
        shape = self.shapes.get(value)
        if shape and len(rows) == len(groups) and sorted(rows) == list(range(shape[0])):
            # every row read (an unrolled loop over x[0], x[1], ...): their gradients stacked,
            # by np.array (rows of one shape: np.stack's result, without its Python overhead)
            stacked = ", ".join(joined([t.scatter[0] for t in rows[k]]) for k in sorted(rows))
            text = f"{self.names['np']}.array([{stacked}])"
            self.lines.append(ir.Line(name, text, union(terms), line))
            return True
        for i, (subscript, group) in enumerate(groups.items()):
            g = joined([t.scatter[0] for t in group])
            uses = union(group)
            if i == 0 and self.float64 and shape is not None:  # the zeros' dtype is known
                zeros = f"{self.names['np']}.zeros({shape!r})"
                self.lines.append(ir.Line(name, zeros, frozenset(), line))
                text = f"{name}[{subscript}] = {g}"
                self.lines.append(ir.Line(name, text, uses | {name}, line, statement=True))
                continue
            if i == 0:
                text = f"{self.names['scatter']}({g}, {value}, {group[0].scatter[1]})"
                self.lines.append(ir.Line(name, text, uses, line))
            else:
                text = f"{name}[{subscript}] += {g}"
                self.lines.append(ir.Line(name, text, uses | {name}, line, statement=True))
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


def joined(parts: list[str]) -> str:
    """Printed terms as one sum: `a - b` rather than `a + -b`."""
    out = parts[0]
    for p in parts[1:]:
        out += f" - {p[1:]}" if p.startswith("-") else f" + {p}"
    return out


def union(terms: list[Term]) -> frozenset[str]:
    out: frozenset[str] = frozenset()
    for t in terms:
        out |= t.uses
    return out
