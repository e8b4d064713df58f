"""Every value is real: abs, sign and powers of an argument SymPy cannot prove real.

SymPy evaluates abs(exp(u)) to exp(re(u)) as it builds it when u (arccosh(x), a minimum) is not
provably real, and sign(exp(u)) to exp(I im(u)); the printer had no rule for re, im and arg, and
their derivatives stayed unevaluated (fuzz: scalar:360:245, scalar:57:947). Each is checked
against its derivative worked out here by hand and against central differences.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import symback
from tests.helpers import check_gradient


def cbrt_fabs_exp_fmin(y):
    return np.cbrt(np.fabs(math.exp(np.fmin(y, np.exp(y)))))  # fmin(y, e**y) is y


def abs_exp_arccosh(x):
    return abs(np.exp(np.arccosh(x)))


def sign_exp_arccosh(x):
    return np.sign(np.exp(np.arccosh(x))) * x


def fabs_exp_max_power(x, y):
    return np.fabs(np.exp(np.maximum(x, 0.5 * x)) ** y)


def abs_arccosh_nested(x):
    return np.abs(np.arccosh(2.2 + abs(math.log(0.3 + np.logaddexp(x, 0.0), np.cosh(x)))))


def _d_arccosh(u):
    return 1.0 / math.sqrt(u * u - 1.0)


def _nested_exact(x):
    # u = log(s) / log(cosh x) with s = 0.3 + log(1 + e**x); value arccosh(2.2 + |u|) > 0
    s = 0.3 + math.log1p(math.exp(x))
    c = math.log(math.cosh(x))
    u = math.log(s) / c
    du = (math.exp(x) / (1 + math.exp(x)) / s) / c - math.log(s) * math.tanh(x) / c**2
    return (_d_arccosh(2.2 + abs(u)) * math.copysign(1.0, u) * du,)


CASES = [
    (cbrt_fabs_exp_fmin, (0.4,), lambda y: (math.exp(y / 3) / 3,)),
    (cbrt_fabs_exp_fmin, (-1.3,), lambda y: (math.exp(y / 3) / 3,)),
    (abs_exp_arccosh, (1.7,), lambda x: (math.exp(math.acosh(x)) * _d_arccosh(x),)),
    (sign_exp_arccosh, (2.5,), lambda x: (1.0,)),
    (
        fabs_exp_max_power,
        (0.8, 1.3),
        lambda x, y: (y * math.exp(x * y), x * math.exp(x * y)),
    ),
    (
        fabs_exp_max_power,
        (-0.6, -0.7),
        lambda x, y: (0.5 * y * math.exp(0.5 * x * y), 0.5 * x * math.exp(0.5 * x * y)),
    ),
    (abs_arccosh_nested, (0.7,), _nested_exact),
]


@pytest.mark.parametrize("f, args, exact", CASES, ids=[f"{c[0].__name__}-{c[1][0]}" for c in CASES])
def test_abs_of_a_value_sympy_cannot_prove_real(f, args, exact):
    wrt = tuple(range(len(args)))
    got = symback.grad(f, wrt=wrt)(*args)
    np.testing.assert_allclose(np.array(got, dtype=float), exact(*args), rtol=1e-12, atol=0)
    check_gradient(f, args, wrt=wrt, rtol=1e-6)
