"""Array primitives with hand-written adjoints: one row per operation."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Spread:
    """Adjoint that spreads a reduced gradient back over the operand's shape.

    The operand's adjoint is `np.broadcast_to(scale, np.shape(operand))`, where `scale` is
    a format string over `{bar}` (the reduction's adjoint) and `{x}` (the operand).
    """

    scale: str


@dataclass(frozen=True)
class ArrayPrimitive:
    op: str
    names: tuple[str, ...]
    adjoint: Spread
    min_args: int = 1
    max_args: int = 1


PRIMITIVE_TABLE: tuple[ArrayPrimitive, ...] = (
    ArrayPrimitive("sum", ("numpy.sum",), Spread("{bar}")),
    ArrayPrimitive("mean", ("numpy.mean", "numpy.average"), Spread("{bar} / {np}.size({x})")),
)

PRIMITIVES: dict[str, ArrayPrimitive] = {
    name: row for row in PRIMITIVE_TABLE for name in row.names
}
PRIMITIVES_BY_OP: dict[str, ArrayPrimitive] = {row.op: row for row in PRIMITIVE_TABLE}
