"""What kind of mistake a wrong gradient makes: a table of detectors, each a small named function.

Every detector looks at the points where a parameter's gradient is wrong and names a mistake
only if it explains the user's values at all of them (one point can fit anything). Detectors
are tried in table order, simplest explanation first; the first that fits wins.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .compare import LOOSE, Sample, Tolerance
from .formula import Term
from .report import Finding


@dataclass(frozen=True)
class Evidence:
    """All a detector may look at."""

    wrt: tuple[str, ...]
    samples: tuple[Sample, ...]
    tolerance: Tolerance
    # counts a factor may be (an array's size or length) -> what it counts
    sizes: dict[int, str]
    # additive terms of each parameter's right gradient
    terms: dict[str, tuple[Term, ...]]


Detector = Callable[[Evidence, str, list], "Finding | None"]


def _pairs(name: str, at: list[Sample]) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """(expected, got) at each point, or None if the user returned nothing for `name`."""
    pairs = [(s.expected[name], s.got[name]) for s in at]
    return None if any(g is None for _, g in pairs) else pairs


def _same_shape(pairs) -> bool:
    return all(np.shape(e) == np.shape(g) for e, g in pairs)


def _fit(pairs) -> float | None:
    """The least-squares k with got = k * expected over all points (None if expected is 0)."""
    num = den = 0.0
    for e, g in pairs:
        ok = np.isfinite(e) & np.isfinite(g)
        num += float(np.sum(g[ok] * e[ok]))
        den += float(np.sum(e[ok] * e[ok]))
    return num / den if den > 0 else None


def describe_factor(k: float, sizes: dict[int, str]) -> tuple[str, str, str]:
    """(kind, amount, reasons) for values k times the right ones: "is <amount> the right ..."."""
    if _near(k, -1.0):
        return "sign", "minus", "the sign is wrong"
    if _near(k, 0.0):
        return "factor", "zero instead of", "a lost factor or term?"
    reasons = []
    for n, what in sorted(sizes.items()):
        if n > 1 and _near(abs(k), n):
            reasons.append(f"missing 1/N: mean vs sum? (here N is {n}, {what})")
        elif n > 1 and _near(abs(k), 1.0 / n):
            reasons.append(f"an extra 1/N: sum vs mean? (here N is {n}, {what})")
    if _near(abs(k), 2.0):
        reasons.append("factor 2 from the square: d(x**2) = 2*x*dx, so was x**2/2 meant?")
    elif _near(abs(k), 0.5):
        reasons.append("factor 2 from the square: d(x**2) = 2*x*dx, and the 2 was dropped")
    if k < 0:
        reasons.insert(0, "the sign is wrong")
    amount = ("minus " if k < 0 else "") + _short(abs(k)) + (" times" if abs(k) >= 1 else " of")
    return "factor", amount, "; and ".join(reasons) if k < 0 else "; or ".join(reasons)


def constant_factor(ev: Evidence, name: str, at: list[Sample]) -> Finding | None:
    """got = k * expected with one k at every point: a sign, a 1/N, a 2 from a square."""
    pairs = _pairs(name, at)
    if pairs is None or not _same_shape(pairs):
        return None
    k = _fit(pairs)
    if k is None or _near(k, 1.0) or not all(ev.tolerance.matches(k * e, g) for e, g in pairs):
        return None
    kind, amount, reasons = describe_factor(k, ev.sizes)
    message = f"is {amount} the right gradient at every point tested"
    return Finding(kind, (name,), message + (f": {reasons}" if reasons else ""))


def some_elements_factor(ev: Evidence, name: str, at: list[Sample]) -> Finding | None:
    """Right except at some elements, which are all k times the right value."""
    pairs = _pairs(name, at)
    if pairs is None or not _same_shape(pairs) or np.ndim(pairs[0][0]) == 0:
        return None
    masks = [ev.tolerance.wrong(e, g) for e, g in pairs]
    k = _fit([(e[m], g[m]) for (e, g), m in zip(pairs, masks)])
    if k is None or _near(k, 1.0):
        return None
    if not all(ev.tolerance.matches(np.where(m, k * e, e), g) for (e, g), m in zip(pairs, masks)):
        return None
    kind, amount, reasons = describe_factor(k, ev.sizes)
    where = ", ".join(f"{name}[{', '.join(map(str, i))}]" for i in np.argwhere(masks[0])[:6])
    message = (
        f"is right except at {where} (at the first wrong point), where it is {amount} "
        "the right value"
    )
    return Finding(kind, (name,), message + (f": {reasons}" if reasons else ""))


def imprecise(ev: Evidence, name: str, at: list[Sample]) -> Finding | None:
    """Right to a few digits, but no better: low precision or an approximation."""
    pairs = _pairs(name, at)
    if pairs is None or not all(LOOSE.matches(e, g) for e, g in pairs):
        return None
    error = max(
        float(np.nanmax(np.abs(g - e))) / max(float(np.nanmax(np.abs(e))), 1e-300) for e, g in pairs
    )
    digits = max(1, int(-np.log10(error))) if error > 0 else 16
    return Finding(
        "imprecise",
        (name,),
        f"is close to the right gradient but agrees only to about {digits} significant "
        f"digits (relative error {error:.1g}): float32 arithmetic, a cancellation, or a "
        "finite difference instead of a derivative?",
    )


def transposed(ev: Evidence, name: str, at: list[Sample]) -> Finding | None:
    """got.T = expected: the matrix gradient came out transposed."""
    pairs = _pairs(name, at)
    if pairs is None or any(np.ndim(e) < 2 for e, _ in pairs):
        return None
    if not all(ev.tolerance.matches(e, np.transpose(g)) for e, g in pairs):
        return None
    shape = np.shape(pairs[0][0])
    return Finding(
        "transposed",
        (name,),
        f"is transposed: it equals the transpose of the right gradient (which has {name}'s "
        f"shape {shape}); return its .T",
    )


def reshaped(ev: Evidence, name: str, at: list[Sample]) -> Finding | None:
    """The right values in the wrong shape (row-major, or column-major after a transpose)."""
    pairs = _pairs(name, at)
    if pairs is None or _same_shape(pairs) or any(np.size(e) != np.size(g) for e, g in pairs):
        return None
    shape, got_shape = np.shape(pairs[0][0]), np.shape(pairs[0][1])
    for order, how in (
        ("C", ""),
        ("F", " and order (column-major: a transpose got flattened)"),
    ):
        if all(ev.tolerance.matches(e, np.reshape(g, np.shape(e), order=order)) for e, g in pairs):
            return Finding(
                "reshaped",
                (name,),
                f"has the right values in the wrong shape{how}: shape {got_shape} instead of "
                f"{shape}; each gradient must have its parameter's shape",
            )
    return None


def wrong_axis(ev: Evidence, name: str, at: list[Sample]) -> Finding | None:
    """A sum or mean over an axis: the right gradient reduced (and maybe broadcast back)."""
    pairs = _pairs(name, at)
    if pairs is None or any(np.ndim(e) < 2 for e, _ in pairs):
        return None
    ndim = np.ndim(pairs[0][0])
    for axis, (how, reduce) in itertools.product(
        range(ndim), (("averaged", np.mean), ("summed", np.sum))
    ):

        def candidate(e, g, axis=axis, reduce=reduce):
            reduced = reduce(e, axis=axis, keepdims=True)
            if np.shape(g) == np.shape(e):
                return np.broadcast_to(reduced, np.shape(e))
            return reduced.reshape(np.shape(g)) if reduced.size == np.size(g) else None

        if all(ev.tolerance.matches(candidate(e, g), g) for e, g in pairs):
            broadcast = np.shape(pairs[0][1]) == np.shape(pairs[0][0])
            return Finding(
                "axis",
                (name,),
                f"equals the right gradient {how} over axis {axis}"
                + (" and broadcast back" if broadcast else "")
                + ": a sum or mean over the wrong axis?",
            )
    return _whole_lines(ev, name, pairs)


def _whole_lines(ev: Evidence, name: str, pairs) -> Finding | None:
    """Errors confined to whole rows (or columns): the other lines are right."""
    if not _same_shape(pairs) or np.ndim(pairs[0][0]) != 2:
        return None
    masks = [ev.tolerance.wrong(e, g) for e, g in pairs]
    for axis, what in ((0, "rows"), (1, "columns")):
        lines = [m.all(axis=1 - axis) for m in masks]
        partial = [m.any(axis=1 - axis) & ~m.all(axis=1 - axis) for m in masks]
        count = masks[0].shape[axis]
        if (
            count > 1
            and not any(p.any() for p in partial)
            and all(0 < w.sum() < count for w in lines)
        ):
            which = ", ".join(str(i) for i in np.flatnonzero(lines[0]))
            return Finding(
                "axis",
                (name,),
                f"is wrong only in whole {what} (at the given point: {what} {which}) and right "
                "in the others: an axis mix-up?",
            )
    return None


def term_mistake(ev: Evidence, name: str, at: list[Sample]) -> Finding | None:
    """got - expected = c * term for one additive term of the right gradient: a lost term, ..."""
    pairs = _pairs(name, at)
    if pairs is None or not _same_shape(pairs):
        return None
    for term in ev.terms.get(name, ()):
        values = [term.values(s.arguments, np.shape(s.expected[name])) for s in at]
        if any(v is None for v in values):
            continue
        if all(ev.tolerance.matches(np.zeros_like(v), v) for v in values):
            continue  # the term is zero here: it cannot explain anything
        c = _fit([(v, g - e) for v, (e, g) in zip(values, pairs)])
        if c is None or not all(
            ev.tolerance.matches(e + c * v, g) for v, (e, g) in zip(values, pairs)
        ):
            continue
        return _term_finding(name, term.text, c, ev.sizes)
    return None


def _term_finding(name: str, term: str, c: float, sizes: dict[int, str]) -> Finding:
    if _near(c, -1.0):
        return Finding("missing term", (name,), f"is missing the term {term}", term)
    if _near(c, -2.0):
        return Finding("term sign", (name,), f"has the term {term} with the wrong sign", term)
    _, amount, reasons = describe_factor(1.0 + c, sizes)
    message = f"has the term {term}, but {amount} what it should be"
    return Finding("term factor", (name,), message + (f": {reasons}" if reasons else ""), term)


def swapped(ev: Evidence, first: str, second: str, at: list[Sample]) -> Finding | None:
    """The gradient for one parameter returned in the other's place, and vice versa."""
    for s in at:
        got_first, got_second = s.got[first], s.got[second]
        if not (
            ev.tolerance.matches(s.expected[second], got_first)
            and ev.tolerance.matches(s.expected[first], got_second)
        ):
            return None
    return Finding(
        "swapped",
        (first, second),
        f"are swapped: the gradient returned for {first} is the one for {second}, and vice "
        "versa; return them in the order of wrt",
    )


def point_only(ev: Evidence, name: str) -> Finding | None:
    """Right at the given point, wrong at random points near it."""
    given = [s for s in ev.samples if s.given]
    others = [s for s in ev.samples if not s.given]
    wrong = sum(s.wrong[name] for s in others)
    if not given or given[0].wrong[name] or not wrong:
        return None
    return Finding(
        "point only",
        (name,),
        f"is right at the given point but wrong at {wrong} of {len(others)} random points "
        "near it, so it is not the gradient: hard-coded numbers, or a term that vanishes at "
        "the given point?",
    )


# One row per kind of mistake, simplest explanation first.
PARAMETER_DETECTORS: tuple[tuple[str, Detector], ...] = (
    ("constant factor or sign", constant_factor),
    ("transposed", transposed),
    ("reshaped", reshaped),
    ("wrong axis", wrong_axis),
    ("missing or wrong term", term_mistake),
    ("some elements off by a factor", some_elements_factor),
    ("imprecise", imprecise),
)
PAIR_DETECTORS = (("swapped parameters", swapped),)


def diagnose(ev: Evidence) -> list[Finding]:
    """The findings for every wrong parameter: a named mistake, or "unexplained"."""
    wrong = [n for n in ev.wrt if any(s.wrong[n] for s in ev.samples)]
    findings: list[Finding] = []
    explained: set[str] = set()
    for (_, detect), (a, b) in itertools.product(PAIR_DETECTORS, itertools.combinations(wrong, 2)):
        if a in explained or b in explained:
            continue
        found = detect(ev, a, b, [s for s in ev.samples if s.wrong[a] or s.wrong[b]])
        if found is not None:
            findings.append(found)
            explained |= {a, b}
    for name in wrong:
        if name in explained:
            continue
        at = [s for s in ev.samples if s.wrong[name]]
        lucky = point_only(ev, name)
        if lucky is not None:
            findings.append(lucky)
        for _, detect in PARAMETER_DETECTORS:
            found = detect(ev, name, at)
            if found is not None:
                findings.append(found)
                break
        else:
            if lucky is None:
                findings.append(_unexplained(name, at))
    return _merged(findings)


def _merged(findings: list[Finding]) -> list[Finding]:
    """One finding for several parameters with the same mistake, said the same way."""
    out: list[Finding] = []
    for f in findings:
        same = next(
            (g for g in out if (g.kind, g.message, g.term) == (f.kind, f.message, f.term)),
            None,
        )
        if same is None:
            out.append(f)
        else:
            out[out.index(same)] = Finding(
                f.kind, same.parameters + f.parameters, f.message, f.term
            )
    return out


def _unexplained(name: str, at: list[Sample]) -> Finding:
    s = at[0]
    e, g = s.expected[name], s.got[name]
    if g is None:
        return Finding("missing", (name,), "no gradient was returned for it")
    if np.shape(e) != np.shape(g):
        return Finding(
            "shape",
            (name,),
            f"has shape {np.shape(g)}, but {name} has shape {np.shape(e)}; each gradient "
            "must have its parameter's shape",
        )
    return Finding(
        "unexplained",
        (name,),
        "differs from the right gradient in a way that is not a constant factor, a sign, a "
        "transpose, an axis, swapped parameters or a missing term: compare it with the "
        "right gradient below, term by term",
    )


def _near(value: float, target: float, rtol: float = 1e-3) -> bool:
    return abs(value - target) <= rtol * max(abs(target), 1e-3)


def _short(value: float) -> str:
    for q in range(1, 13):
        if _near(value * q, round(value * q)) and round(value * q) != 0:
            p = round(value * q)
            return str(p) if q == 1 else f"{p}/{q}"
    return f"{value:.4g}"
