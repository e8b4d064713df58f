"""Reference gradients independent of symback: the complex step, else Richardson differences."""

from __future__ import annotations

import numpy as np

from .program import Program

STEP = 1e-30  # the complex step: no cancellation, so it can be tiny


def _complex_step(program: Program) -> list[float]:
    from .functions import complex_namespace

    space: dict = {}
    exec(compile(program.source, f"<complex {program.name}>", "exec"), space)
    space.update(complex_namespace())  # after the module's own imports, which it replaces
    fn = space[program.name]
    grads = []
    for i in range(len(program.point)):
        args = [np.complex128(v) for v in program.point]
        args[i] += STEP * 1j
        grads.append(float(np.imag(fn(*args))) / STEP)
    return grads


def _difference(fn, args: list, i: int, index, h: float) -> float:
    """The central difference along one entry of argument i."""
    up, down = [np.copy(a) for a in args], [np.copy(a) for a in args]
    if np.ndim(args[i]) == 0:
        up[i], down[i] = args[i] + h, args[i] - h
    else:
        up[i][index] += h
        down[i][index] -= h
    return (float(np.sum(fn(*up))) - float(np.sum(fn(*down)))) / (2 * h)


def _extrapolated(fn, args, i, index) -> tuple[float, float]:
    """One entry's Richardson-extrapolated difference and its error estimate; the step
    shrinks while a step leaves the function's domain (a chain can magnify it)."""
    h = 1e-5 * max(1.0, abs(float(np.asarray(args[i])[index])))
    for _ in range(6):
        try:
            coarse, fine, finer = (_difference(fn, args, i, index, h / k) for k in (1, 2, 4))
        except (ValueError, OverflowError, ZeroDivisionError, FloatingPointError):
            coarse = fine = finer = np.nan
        if np.isfinite([coarse, fine, finer]).all():
            best = (4 * finer - fine) / 3
            return best, abs(best - (4 * fine - coarse) / 3)
        h /= 10
    raise Unavailable(f"no finite difference of argument {i} at {index}")


class Unavailable(Exception):
    """The reference cannot be computed at this point (the fuzzer's limit, not symback's)."""


def _richardson(fn, point) -> tuple[list, list]:
    """Per argument entry, extrapolated central differences and an estimate of their error."""
    args = [np.asarray(p, dtype=float) if np.ndim(p) else float(p) for p in point]
    grads, errors = [], []
    for i, a in enumerate(args):
        g, e = np.zeros(np.shape(a)), np.zeros(np.shape(a))
        for index in np.ndindex(np.shape(a)):
            g[index], e[index] = _extrapolated(fn, args, i, index)
        grads.append(g if np.ndim(a) else float(g))
        errors.append(e if np.ndim(a) else float(e))
    return grads, errors


def reference_gradient(program: Program, fn) -> tuple[list, list]:
    """(gradient per parameter, absolute tolerance per parameter) at the program's point."""
    value = np.asarray(fn(*program.point), dtype=float)
    if program.analytic:
        try:
            grads = _complex_step(program)
        except TypeError:  # a call refused complex input after all: fall back
            grads = None
        if grads is not None:
            scale = max([1.0, float(np.max(np.abs(value)))] + [abs(g) for g in grads])
            return grads, [1e-9 * scale] * len(grads)
    grads, errors = _richardson(fn, program.point)
    scale = max(
        [1.0, float(np.max(np.abs(value), initial=0.0))]
        + [float(np.max(np.abs(g), initial=0.0)) for g in grads]
    )
    return grads, [1e-6 * scale + 20 * np.asarray(e) for e in errors]
