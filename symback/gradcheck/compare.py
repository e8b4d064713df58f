"""Where and how gradients are compared: random test points, tolerances, per-element tables."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from .report import Element, ParameterResult

# The tries for each random point: (relative size, how exact zeros move). A zero is often
# the edge of a domain (sqrt, log), so after two tries in both directions it moves up only.
PERTURBATIONS = ((0.2, "both"), (0.2, "both"), (0.05, "up"), (0.01, "up"))
ZERO_NUDGE = 0.05  # how far an exact zero moves (relative steps leave it at zero)


@dataclass(frozen=True)
class Tolerance:
    """How far the user's gradient may be from the right one: |got - expected| <= bound."""

    rtol: float  # relative to the element
    # relative to the largest element (rounding in sums scales with it)
    scale_rtol: float
    atol: float

    def bound(self, expected: np.ndarray, reference_error: Any = 0.0) -> np.ndarray:
        finite = np.abs(expected[np.isfinite(expected)])
        scale = float(finite.max()) if finite.size else 0.0
        return (
            self.atol
            + self.rtol * np.abs(expected)
            + self.scale_rtol * scale
            + np.nan_to_num(np.asarray(reference_error, dtype=np.float64))
        )

    def wrong(self, expected, got, reference_error: Any = 0.0) -> np.ndarray:
        """Per element: wrong? NaN in `expected` (undefined) is never wrong; NaN in `got` is."""
        expected, got = np.asarray(expected, np.float64), np.asarray(got, np.float64)
        with np.errstate(all="ignore"):
            within = np.abs(got - expected) <= self.bound(expected, reference_error)
        return ~(within | np.isnan(expected))

    def matches(self, expected, got) -> bool:
        """Same shape, and every defined element within tolerance."""
        if got is None or np.shape(expected) != np.shape(got):
            return False
        return not self.wrong(expected, got).any()


FLOAT64 = Tolerance(rtol=1e-6, scale_rtol=1e-8, atol=1e-12)
FLOAT32 = Tolerance(rtol=1e-3, scale_rtol=1e-4, atol=1e-6)
LOOSE = Tolerance(rtol=1e-3, scale_rtol=1e-3, atol=1e-9)  # "close, but not close enough"


@dataclass(frozen=True)
class Sample:
    """One point where the gradients were compared: the arguments, the truth, the user's result."""

    arguments: dict[str, Any]  # every parameter's value
    expected: dict[str, np.ndarray]  # the right gradient, per wrt parameter (float64)
    got: dict[str, np.ndarray | None]  # the user's result, per wrt parameter (float64)
    wrong: dict[str, bool]  # per wrt parameter: is the user's result wrong here?
    given: bool = False  # the user's own point, not a random one


class ReferenceTable:
    """One parameter at the given point: both references, how they compare, and the truth."""

    def __init__(self, name, shape, exact, numerical, error):
        self.name, self.shape = name, shape
        self.exact, self.numerical, self.error = exact, numerical, error
        if exact is None:
            self.undefined = ~np.isfinite(numerical)
            self.disagree = np.zeros(shape, dtype=bool)
            self.difference = 0.0
            self.truth, self.reference_error = numerical, error
            return
        good = np.isfinite(exact) & np.isfinite(numerical)
        self.undefined = ~np.isfinite(exact) & ~np.isfinite(numerical)
        scale = float(np.max(np.abs(exact[good]), initial=0.0))
        difference = np.abs(exact - numerical)
        bound = 1e-5 * np.abs(exact) + 1e-7 * scale + 2 * error + 1e-10
        self.disagree = (good & (difference > bound)) | (
            np.isfinite(exact) ^ np.isfinite(numerical)
        )
        self.difference = float(np.max(difference[good], initial=0.0))
        self.truth, self.reference_error = np.where(self.undefined, np.nan, exact), 0.0

    @property
    def undefined_everywhere(self) -> bool:
        return bool(np.all(self.undefined))

    def compare(self, got, tolerance: Tolerance) -> ParameterResult:
        undefined = tuple(np.argwhere(self.undefined).tolist())
        if self.disagree.any() and got is not None and np.shape(got) == self.shape:
            rows = [_element(i, self.truth, got, self) for i in _indices(self.disagree)]
            return ParameterResult(
                self.name,
                self.shape,
                "references disagree",
                0,
                int(np.size(self.truth)),
                tuple(rows),
                undefined=_tuples(undefined),
                disagree=_tuples(np.argwhere(self.disagree).tolist()),
            )
        result = compare(
            self.name,
            self.shape,
            self.truth,
            got,
            tolerance,
            self.reference_error,
            self,
        )
        return result if not undefined else _replace(result, undefined=_tuples(undefined))


def compare(
    name,
    shape,
    truth,
    got,
    tolerance,
    reference_error=0.0,
    table=None,
    at="the given point",
) -> ParameterResult:
    """One parameter's gradient compared element by element, the worst elements first."""
    total = int(np.prod(shape, dtype=int))
    if got is None:
        return ParameterResult(name, shape, "missing", total, total, at=at)
    if np.shape(got) != tuple(shape):
        return ParameterResult(
            name, shape, "wrong shape", total, total, at=at, got_shape=np.shape(got)
        )
    wrong = tolerance.wrong(truth, got, reference_error)
    error = np.nan_to_num(np.abs(got - truth), nan=np.inf)  # a NaN is the worst there is
    order = sorted(_indices(wrong), key=lambda i: -error[i])
    count = len(order)
    status = (
        "all right"
        if not count
        else "all wrong" if count == np.sum(~np.isnan(truth)) else "some wrong"
    )
    return ParameterResult(
        name,
        shape,
        status,
        count,
        total,
        tuple(_element(i, truth, got, table) for i in order),
        at=at,
    )


def _element(index, truth, got, table) -> Element:
    expected, value = float(truth[index]), float(got[index])
    error = abs(value - expected)
    with np.errstate(all="ignore"):
        relative = error / abs(expected) if expected != 0 else (0.0 if error == 0 else np.inf)

    def pick(a):
        return None if a is None else float(np.asarray(a)[index])

    return Element(
        tuple(index),
        expected,
        value,
        error,
        float(relative),
        exact=None if table is None else pick(table.exact),
        numerical=None if table is None else pick(table.numerical),
        numerical_error=None if table is None else pick(table.error),
    )


def first_wrong(result: ParameterResult, name, samples, tolerance) -> ParameterResult:
    """Where the given point is right but a random point is not, show that point's table."""
    if result.status != "all right":
        return result
    for k, s in enumerate(samples[1:], 1):
        if s.wrong[name]:
            at = compare(
                name,
                result.shape,
                s.expected[name],
                s.got[name],
                tolerance,
                at=f"random point {k}",
            )
            return _replace(at, status="right at the given point only", undefined=result.undefined)
    return result


def _indices(mask: np.ndarray) -> list[tuple[int, ...]]:
    return [tuple(i) for i in np.argwhere(mask).tolist()]


def _tuples(rows) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(r) for r in rows)


def _replace(result: ParameterResult, **changes) -> ParameterResult:
    return dataclasses.replace(result, **changes)


def choose_tolerance(given, names, low_precision: bool, rtol, atol) -> Tolerance:
    """float32 inputs or results get a float32 tolerance; explicit rtol/atol override it."""
    low = low_precision or any(
        np.issubdtype(np.asarray(given[n]).dtype, np.floating)
        and np.asarray(given[n]).dtype.itemsize < 8
        for n in names
    )
    base = FLOAT32 if low else FLOAT64
    if rtol is not None:
        base = Tolerance(rtol=rtol, scale_rtol=rtol * 1e-2, atol=base.atol)
    if atol is not None:
        base = Tolerance(rtol=base.rtol, scale_rtol=base.scale_rtol, atol=atol)
    return base


def perturb(given: dict, rng, size: float, zeros: str) -> dict:
    """Every float argument moved by up to `size` of itself (exact zeros by a small nudge)."""
    out = {}
    for name, value in given.items():
        is_float_array = isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating)
        is_float = isinstance(value, (float, np.floating))
        if not (is_float_array or is_float):
            out[name] = copy.deepcopy(value)
            continue
        x = np.asarray(value, dtype=np.float64)
        step = size * np.abs(x) * rng.uniform(-1.0, 1.0, x.shape)
        nudge = ZERO_NUDGE * rng.uniform(-1.0 if zeros == "both" else 0.1, 1.0, x.shape)
        step = np.where(x == 0, nudge, step)
        moved = x + step
        out[name] = moved.astype(value.dtype) if is_float_array else type(value)(moved)
    return out


def as_float(value: Any) -> Any:
    """A parameter differentiated with respect to holds floats: 2 -> 2.0, [1, 2] -> array."""
    if isinstance(value, (bool, np.bool_)):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, (list, tuple)):
        return np.asarray(value, dtype=np.float64)
    if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.integer):
        return value.astype(np.float64)
    return copy.deepcopy(value)
