"""The table's functions as programs spell them, and their twins for the complex step."""

from __future__ import annotations

import builtins
import cmath
import math
import random
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from symback.ops.elementwise import ELEMENTWISE_TABLE, Elementwise

OPEN = 3.0  # an end of a table row's sampling interval at or past +-3 means "unbounded"


@dataclass(frozen=True)
class Fn:
    """One spelling of a table row: the text written (np.exp, math.exp, abs) and its object."""

    text: str
    qualified: str
    row: Elementwise
    call: object

    @property
    def kinked(self) -> bool:
        return bool(self.row.kinks)


def _resolve(qualified: str):
    module, _, name = qualified.rpartition(".")
    space = {"numpy": np, "math": math, "builtins": builtins}.get(module)
    return getattr(space, name, None) if space is not None else None


def _spelling(qualified: str) -> str:
    module, _, name = qualified.rpartition(".")
    return {"numpy": "np." + name, "math": "math." + name, "builtins": name}[module]


@lru_cache(maxsize=None)
def functions() -> tuple[Fn, ...]:
    """Every user-facing spelling of every row of the elementwise table this Python has."""
    found = []
    for row in ELEMENTWISE_TABLE:
        for name in row.names:
            call = _resolve(name)
            if call is not None and name.split(".")[0] in ("numpy", "math", "builtins"):
                found.append(Fn(_spelling(name), name, row, call))
    return tuple(found)


# -- the complex-step namespace: the same program, run on complex numbers ---------------------


def _complex_twin(fn: Fn):
    """The function a complex-step run calls for `fn`: its row's NumPy spelling, else cmath's."""
    for other in fn.row.names:
        if other.startswith("numpy."):
            return _resolve(other)
    return getattr(cmath, fn.qualified.rpartition(".")[2], None)


class _ComplexMath:
    """Stands in for `math` in a complex-step run."""

    def __getattr__(self, name):
        for fn in functions():
            if fn.qualified == "math." + name:
                twin = _complex_twin(fn)
                if twin is not None:
                    return twin
        if hasattr(math, name) and not callable(getattr(math, name)):
            return getattr(math, name)  # pi, e
        raise TypeError(f"math.{name} has no complex form")


def complex_namespace() -> dict:
    """Globals under which a program's source runs on complex input (for the complex step)."""
    space = {"np": np, "math": _ComplexMath()}
    for fn in functions():
        if fn.qualified.startswith("builtins."):
            twin = _complex_twin(fn)
            if twin is not None:
                space[fn.text] = twin
    return space


@lru_cache(maxsize=None)
def complex_steps(fn: Fn) -> bool:
    """Whether the complex step through `fn` gives its derivative (abs, cbrt ... do not)."""
    twin = _complex_twin(fn)
    if twin is None or fn.row.domain[0] == (0.0, 0.0):
        return False
    rng = random.Random(fn.text)
    for _ in range(2):
        args = [rng.uniform(lo + 0.1 * (hi - lo), hi - 0.1 * (hi - lo)) for lo, hi in fn.row.domain]
        args = args[: fn.row.arity]
        for i in range(len(args)):
            h = 1e-6
            up, down, z = list(args), list(args), [complex(a) for a in args]
            up[i] += h
            down[i] -= h
            z[i] += 1e-30j
            try:
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    step = complex(twin(*z)).imag / 1e-30
                    central = (float(fn.call(*up)) - float(fn.call(*down))) / (2 * h)
            except (TypeError, ValueError, AttributeError):
                return False
            if not math.isclose(step, central, rel_tol=1e-5, abs_tol=1e-7):
                return False
    return True


def interval(row: Elementwise, i: int) -> tuple[float, float]:
    """Where argument i must lie: the row's sampling interval, an end at +-3 or past it open."""
    lo, hi = row.domain[i]
    return (-math.inf if lo <= -OPEN else lo, math.inf if hi >= OPEN else hi)
