"""Check one program: symback's value and gradient against the function and a reference."""

from __future__ import annotations

import time
import traceback
import warnings
from dataclasses import dataclass

import numpy as np

import symback

from .program import Program
from .reference import Unavailable, reference_gradient

RTOL = 1e-6


@dataclass
class Outcome:
    """What happened to one program: correct, wrong, crash, refused, hang, or unchecked (no
    reference could be computed)."""

    status: str
    seconds: float = 0.0  # generation and first call of value_and_grad
    detail: str = ""


def _same_value(got, own) -> bool:
    """Bit for bit: same type of result, same bits (nan equal to nan)."""
    got_a, own_a = np.asarray(got), np.asarray(own)
    if got_a.shape != own_a.shape or got_a.dtype != own_a.dtype:
        return False
    return got_a.tobytes() == own_a.tobytes() or bool(np.array_equal(got_a, own_a, equal_nan=True))


def _close(got, want, tolerance) -> tuple[bool, float]:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if got.shape != want.shape:
        return False, np.inf
    excess = np.abs(got - want) - (RTOL * np.abs(want) + tolerance)
    worst = float(np.max(excess, initial=-np.inf))
    return bool(np.all(np.isfinite(got)) and worst <= 0), worst


def check(program: Program, plain_too: bool = True) -> Outcome:
    """Run symback on `program` at its point and compare; never raises.

    value_and_grad is always checked; symback.grad (a second generation) when `plain_too`.
    """
    fn = program.function()
    wrt = program.params
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value, grads = symback.value_and_grad(fn, wrt=wrt)(*program.point)
            seconds = time.perf_counter() - start
            plain = symback.grad(fn, wrt=wrt)(*program.point) if plain_too else grads
    except symback.SymbackError as error:
        return Outcome("refused", time.perf_counter() - start, str(error).splitlines()[0])
    except Exception:  # anything else reaching the user is a bug
        return Outcome("crash", time.perf_counter() - start, traceback.format_exc(limit=-6))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        own = fn(*program.point)
        try:
            want, tolerance = reference_gradient(program, fn)
        except Unavailable as why:
            return Outcome("unchecked", seconds, str(why))
        except Exception:  # the fuzzer's own bug (its program or reference): say so
            return Outcome("unchecked", seconds, traceback.format_exc(limit=-4))
    if not _same_value(value, own):
        return Outcome(
            "wrong", seconds, f"value_and_grad's value {value!r} != the function's {own!r}"
        )
    problems = []
    pairs = (("grad", plain), ("value_and_grad", grads)) if plain_too else (("grad", grads),)
    for which, got in pairs:
        for name, g, w, tol in zip(wrt, got, want, tolerance):
            ok, worst = _close(g, w, tol)
            if not ok:
                problems.append(
                    f"{which} d/d{name}: got {g!r}, reference {w!r} (excess {worst:.3g})"
                )
    if problems:
        return Outcome("wrong", seconds, "\n".join(problems[: 2 * len(wrt)]))
    return Outcome("correct", seconds)
