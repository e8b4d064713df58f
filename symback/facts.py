"""What a first call learned about a function's values: the facts a specialised gradient
is written for (specialise.py finds them; the sweep and the passes read them)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Facts:
    """Frozen, as black's Mode: every pass reads the same facts."""

    shapes: dict[str, tuple[int, ...]]  # the top-level values' shapes
    floats: frozenset[str] = frozenset()  # values that are Python floats (spelled with math)
    floating: frozenset[str] = frozenset()  # floats or float arrays (floats in their formulas)
    float64: bool = False  # every floating value is float64 (no complex, no float32)
    arrays: dict[str, tuple[int, ...]] = field(default_factory=dict)  # float64 arrays' shapes
    scalar_known: bool = False  # the output is known to be a scalar
    # the loops over a range that every call through the guard runs alike: line -> (start,
    # stop, step) (optimize/vector_loops.py)
    ranges: dict[int, tuple[int, int, int]] = field(default_factory=dict)
