"""Elementwise derivative knowledge as a table: one row per operation, everything about it together.

A row names the functions it covers (fully qualified: `numpy.exp`, `math.exp`, `builtins.abs`),
builds the SymPy expression the derivative is taken of, and says from which interval its
test samples each argument (`domain`) and which points it must stay away from (`kinks`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from .functions import (
    Cbrt,
    Clip,
    Digamma,
    ExpOrInf,
    LogAddExp,
    LogAddExp2,
    LogGamma,
    LogNdtr,
    Magnitude,
    Maximum,
    Minimum,
    Ndtr,
    Polygamma,
    Remainder,
    Sigmoid,
    SpecialErf,
    SpecialErfc,
    Where,
    power,
)

# NumPy's elementwise functions and constants that `math` has, by their `math` names: on a
# Python float a `math` call costs ~0.05 us, a NumPy one ~1 us.
MATH_SPELLING = {
    **{f: f for f in ("exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tan")},
    **{f: f for f in ("sinh", "cosh", "tanh", "log2", "log10", "pi", "e")},
    **{f"arc{f}": f"a{f}" for f in ("sin", "cos", "tan", "sinh", "cosh", "tanh")},
}
# ... and those Python has as builtins (in printed derivatives, such as the sigmoid's)
BUILTIN_SPELLING = {"minimum": "min", "maximum": "max", "abs": "abs"}


@dataclass(frozen=True)
class Elementwise:
    names: tuple[str, ...]
    build: Callable[..., sp.Expr]
    domain: tuple[tuple[float, float], ...]  # one sampling interval per argument
    kinks: tuple[
        float, ...
    ] = ()  # tests keep (first arg - second arg, or first arg) away from these
    arity: int = 1
    optional: int = 0  # how many trailing arguments may be left out

    @property
    def arities(self) -> range:
        return range(self.arity - self.optional, self.arity + 1)


def _both(name: str, math_name: str | None = None) -> tuple[str, ...]:
    return ("numpy." + name, "math." + (math_name or name))


def _log(x, base=None):
    return sp.log(x) if base is None else sp.log(x) / sp.log(base)


# made once: SymPy evaluates log(10) by factoring 10 (2 ms), again whenever its cache of
# recent results has let it go, as it does between the log10 calls of a long program
_LOG_2, _LOG_10 = sp.log(2), sp.log(10)


def _abs(x):
    """abs(x), every value being real: SymPy's Abs of an argument it cannot prove real
    evaluates through re, im and arg (abs(exp(log(a) / log(b)))); Magnitude does not."""
    out = sp.Abs(x)
    return Magnitude(x) if out.has(sp.re, sp.im, sp.arg) else out


WIDE = (-3.0, 3.0)
POSITIVE = (0.2, 3.0)
UNIT = (-0.9, 0.9)
BOOLEAN = (0.0, 0.0)  # a condition: tests pass a random boolean array

ELEMENTWISE_TABLE: tuple[Elementwise, ...] = (
    Elementwise(_both("exp"), sp.exp, (WIDE,)),
    Elementwise(_both("expm1"), lambda x: sp.exp(x) - 1, (WIDE,)),
    Elementwise(("numpy.exp2",), lambda x: 2**x, (WIDE,)),
    Elementwise(("numpy.log",), sp.log, (POSITIVE,)),
    Elementwise(("math.log",), _log, (POSITIVE, (1.5, 4.0)), arity=2, optional=1),
    Elementwise(_both("log1p"), lambda x: sp.log(1 + x), ((-0.8, 3.0),)),
    Elementwise(_both("log2"), lambda x: sp.log(x) / _LOG_2, (POSITIVE,)),
    Elementwise(_both("log10"), lambda x: sp.log(x) / _LOG_10, (POSITIVE,)),
    Elementwise(_both("sqrt"), sp.sqrt, (POSITIVE,)),
    Elementwise(("numpy.cbrt", "math.cbrt"), Cbrt, (WIDE,), kinks=(0.0,)),
    Elementwise(("numpy.square",), lambda x: x**2, (WIDE,)),
    Elementwise(("numpy.reciprocal",), lambda x: 1 / x, (POSITIVE,)),
    Elementwise(("numpy.negative",), lambda x: -x, (WIDE,)),
    Elementwise(
        ("numpy.positive", "builtins.float", "numpy.copy", "numpy.asarray"), lambda x: x, (WIDE,)
    ),
    Elementwise(_both("sin"), sp.sin, (WIDE,)),
    Elementwise(_both("cos"), sp.cos, (WIDE,)),
    Elementwise(_both("tan"), sp.tan, ((-1.2, 1.2),)),
    Elementwise(_both("arcsin", "asin"), sp.asin, (UNIT,)),
    Elementwise(_both("arccos", "acos"), sp.acos, (UNIT,)),
    Elementwise(_both("arctan", "atan"), sp.atan, (WIDE,)),
    Elementwise(_both("sinh"), sp.sinh, (WIDE,)),
    Elementwise(_both("cosh"), sp.cosh, (WIDE,)),
    Elementwise(_both("tanh"), sp.tanh, (WIDE,)),
    Elementwise(_both("arcsinh", "asinh"), sp.asinh, (WIDE,)),
    Elementwise(_both("arccosh", "acosh"), sp.acosh, ((1.2, 4.0),)),
    Elementwise(_both("arctanh", "atanh"), sp.atanh, (UNIT,)),
    Elementwise(
        _both("deg2rad", "radians") + ("numpy.radians",), lambda x: x * sp.pi / 180, (WIDE,)
    ),
    Elementwise(
        _both("rad2deg", "degrees") + ("numpy.degrees",), lambda x: x * 180 / sp.pi, (WIDE,)
    ),
    Elementwise(("math.erf",), sp.erf, (WIDE,)),
    Elementwise(("math.erfc",), sp.erfc, (WIDE,)),
    Elementwise(
        ("numpy.abs", "numpy.absolute", "numpy.fabs", "math.fabs", "builtins.abs"),
        _abs,
        (WIDE,),
        kinks=(0.0,),
    ),
    Elementwise(_both("arctan2", "atan2"), sp.atan2, (WIDE, POSITIVE), arity=2),
    Elementwise(_both("hypot"), lambda a, b: sp.sqrt(a**2 + b**2), (WIDE, WIDE), arity=2),
    Elementwise(
        ("numpy.power", "numpy.float_power", "math.pow", "builtins.pow"),
        power,
        (POSITIVE, WIDE),
        arity=2,
    ),
    Elementwise(("numpy.add",), lambda a, b: a + b, (WIDE, WIDE), arity=2),
    Elementwise(("numpy.subtract",), lambda a, b: a - b, (WIDE, WIDE), arity=2),
    Elementwise(("numpy.multiply",), lambda a, b: a * b, (WIDE, WIDE), arity=2),
    Elementwise(
        ("numpy.divide", "numpy.true_divide"), lambda a, b: a / b, (WIDE, POSITIVE), arity=2
    ),
    Elementwise(
        ("numpy.maximum", "numpy.fmax", "builtins.max"),
        Maximum,
        (WIDE, WIDE),
        kinks=(0.0,),
        arity=2,
    ),
    Elementwise(
        ("numpy.minimum", "numpy.fmin", "builtins.min"),
        Minimum,
        (WIDE, WIDE),
        kinks=(0.0,),
        arity=2,
    ),
    # (a / b between 2 and 3 in the test: the floor stays 2, no jump nearby)
    Elementwise(("numpy.mod", "numpy.remainder"), Remainder, ((2.2, 2.8), (1.0, 1.05)), arity=2),
    Elementwise(("numpy.conj", "numpy.conjugate"), lambda x: x, (WIDE,)),  # of real input
    Elementwise(("numpy.logaddexp",), LogAddExp, (WIDE, WIDE), arity=2),
    Elementwise(("numpy.logaddexp2",), LogAddExp2, (WIDE, WIDE), arity=2),
    Elementwise(("numpy.clip",), Clip, (WIDE, (-1.0, -0.5), (0.5, 1.0)), kinks=(0.0,), arity=3),
    Elementwise(("numpy.where",), Where, (BOOLEAN, WIDE, WIDE), arity=3),
    # scipy.special, where the user's function calls it (never imported by symback itself)
    Elementwise(("scipy.special.expit",), Sigmoid, (WIDE,)),
    Elementwise(("scipy.special.logit",), lambda p: sp.log(p / (1 - p)), ((0.1, 0.9),)),
    Elementwise(("scipy.special.erf",), SpecialErf, (WIDE,)),
    Elementwise(("scipy.special.erfc",), SpecialErfc, (WIDE,)),
    Elementwise(("scipy.special.ndtr",), Ndtr, (WIDE,)),
    Elementwise(("scipy.special.log_ndtr",), LogNdtr, (WIDE,)),
    Elementwise(("scipy.special.gammaln",), LogGamma, (POSITIVE,)),
    Elementwise(("scipy.special.digamma", "scipy.special.psi"), Digamma, (POSITIVE,)),
    Elementwise(("scipy.special.xlogy",), lambda x, y: x * sp.log(y), (WIDE, POSITIVE), arity=2),
    Elementwise(
        ("scipy.special.xlog1py",), lambda x, y: x * sp.log(1 + y), (WIDE, POSITIVE), arity=2
    ),
)

# symback's own elementwise helpers, met when differentiating generated code (Hessians); not
# in the table above, which lists what users write (docs/supported.md, tests/test_rules.py)
HELPER_ELEMENTWISE: tuple[Elementwise, ...] = (
    Elementwise(("symback.exp_or_inf",), sp.exp, (WIDE,)),
    # (the derivatives of gammaln and digamma: polygamma(n, x), n a literal order)
    Elementwise(("scipy.special.polygamma",), Polygamma, ((1.0, 1.0), POSITIVE), arity=2),
)

ELEMENTWISE: dict[str, Elementwise] = {
    name: row for row in ELEMENTWISE_TABLE + HELPER_ELEMENTWISE for name in row.names
}

# Functions returning masks (booleans): `&`, `|`, `~` and np.where take them as they take
# comparisons
MASKS: frozenset[str] = frozenset(
    {
        "numpy.isnan",
        "numpy.isfinite",
        "numpy.isinf",
        "numpy.logical_and",
        "numpy.logical_or",
        "numpy.logical_not",
        "numpy.greater",
        "numpy.less",
        "numpy.greater_equal",
        "numpy.less_equal",
        "numpy.equal",
        "numpy.not_equal",
        "math.isnan",
        "math.isfinite",
        "builtins.bool",
    }
)
# Functions whose derivative is zero wherever it exists: the gradient does not flow through them.
NON_DIFFERENTIABLE: frozenset[str] = MASKS | frozenset(
    {
        "numpy.floor",
        "numpy.ceil",
        "numpy.round",
        "numpy.around",
        "numpy.rint",
        "numpy.trunc",
        "numpy.fix",
        "numpy.sign",
        "numpy.heaviside",
        "numpy.argsort",
        "numpy.imag",  # of a real array: zeros
        "numpy.angle",  # of a real number: 0 or pi
        "math.floor",
        "math.ceil",
        "math.trunc",
        "builtins.round",
        "builtins.int",
    }
)

# Names that some supported versions of Python or NumPy lack or deprecate (when each came or
# goes): matched where they exist, called only where the user's own code calls them, skipped
# by the tests where absent, and marked in docs/supported.md.
VERSIONED: dict[str, str] = {
    "math.cbrt": "Python 3.11 and later",
    "numpy.fix": "deprecated from NumPy 2.5: numpy.trunc is the same",
    "numpy.row_stack": "deprecated in NumPy 2.0, gone from 2.5: numpy.vstack is the same",
}

# Functions of their arguments' shapes (constant arrays, sizes) or memory only (whether
# two arrays share it, which gradient code asks: frontend/views.py): no gradient flows.
SHAPE_ONLY: frozenset[str] = frozenset(
    {
        "numpy.may_share_memory",
        "numpy.zeros",
        "numpy.ones",
        "numpy.arange",
        "numpy.empty",
        "numpy.empty_like",
        "numpy.eye",
        "numpy.identity",
        "numpy.zeros_like",
        "numpy.ones_like",
        "numpy.shape",
        "numpy.size",
        "numpy.ndim",
        "builtins.len",
        # indices of a shape (i, j = np.triu_indices(n, 1)): integers
        "numpy.triu_indices",
        "numpy.tril_indices",
        "numpy.diag_indices",
        "numpy.triu_indices_from",
        "numpy.tril_indices_from",
        "numpy.diag_indices_from",
        "numpy.indices",
        "numpy.unravel_index",
        "numpy.ravel_multi_index",
    }
)

# How derivative formulas print: SymPy function -> the function called, named over the
# placeholders `np`, `math` and `exp_or_inf` (backend/formulas.py).
# erf has no NumPy form; it only appears where the user's code called math.erf.
PRINTED_FUNCTIONS: dict[type, str] = {
    sp.exp: "np.exp",
    ExpOrInf: "exp_or_inf",
    sp.log: "np.log",
    sp.sin: "np.sin",
    sp.cos: "np.cos",
    sp.tan: "np.tan",
    sp.asin: "np.arcsin",
    sp.acos: "np.arccos",
    sp.atan: "np.arctan",
    sp.sinh: "np.sinh",
    sp.cosh: "np.cosh",
    sp.tanh: "np.tanh",
    sp.asinh: "np.arcsinh",
    sp.acosh: "np.arccosh",
    sp.atanh: "np.arctanh",
    sp.atan2: "np.arctan2",
    sp.Abs: "np.abs",
    Magnitude: "np.abs",
    sp.sign: "np.sign",
    sp.Heaviside: "np.heaviside",
    sp.floor: "np.floor",
    Remainder: "np.mod",
    sp.erf: "math.erf",
    sp.erfc: "math.erfc",
    Cbrt: "np.cbrt",
    Maximum: "np.maximum",
    Minimum: "np.minimum",
    Clip: "np.clip",
    Where: "np.where",
    LogAddExp: "np.logaddexp",
    LogAddExp2: "np.logaddexp2",
    LogNdtr: "special.log_ndtr",
    SpecialErf: "special.erf",
    SpecialErfc: "special.erfc",
    Ndtr: "special.ndtr",
    Polygamma: "special.polygamma",
    Digamma: "special.digamma",
    LogGamma: "special.gammaln",
}
