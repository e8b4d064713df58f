"""Forms whose derivation once hung or crashed, and the bounded rewrites that replaced SymPy's
solve, factor, cancel and expand (adjoint/algebra.py).

exp of exp grew past 6 GB (sympy.solve on v = exp(0.6065 x)); a power whose base or exponent
holds an exponential raised NotImplementedError or AttributeError from sympy.solve; abs of a
value SymPy cannot prove real differentiated through re and im, which nothing prints. Each is
checked against its derivative worked out here by hand, and against central differences.
"""

from __future__ import annotations

import logging
import math
import random

import numpy as np
import pytest
import sympy as sp

import symback
from fuzz.program import load
from symback.adjoint import algebra
from symback.ops import symbols
from tests.helpers import check_gradient

# ---------------------------------------------------------------- the forms that failed


def exp_exp_math(x):
    return math.exp(math.exp(x - 0.5))


def tanh_exp_math(x):
    return math.tanh(math.exp(0.5 - x))


def exp_exp_np(x):
    return np.exp(np.exp(x + 1.0))


def exp_neg_power(x, y):
    return np.exp(-x) ** y


def one_plus_exp_power(x, y):
    return (1 + np.exp(x)) ** y


def np_power_exp(x, y):
    return np.power(np.exp(x), y)


def constant_to_exp(x):
    return 1.5 ** np.exp(x)


def variable_to_exp(x, y):
    return y ** np.exp(x)


def abs_of_log(x):
    return abs(math.log(x))


def abs_of_arccosh(x):
    return np.abs(np.arccosh(x))


def power_of_shifted_abs(w, v):
    return (0.3 + abs(w)) ** v


def exp_four_deep(x):
    return np.exp(np.exp(np.exp(np.exp(x - 3.0))))


def exp_of_eight_product(a, b, c, d, e, g, h, k):
    return np.exp(a * b * c * d * e * g * h * k)


def _sech2(z):
    return 1.0 - math.tanh(z) ** 2


# (function, arguments, exact gradient with respect to every argument, by hand)
CASES = [
    (exp_exp_math, (0.3,), lambda x: (math.exp(math.exp(x - 0.5)) * math.exp(x - 0.5),)),
    (exp_exp_math, (-2.0,), lambda x: (math.exp(math.exp(x - 0.5)) * math.exp(x - 0.5),)),
    (tanh_exp_math, (0.7,), lambda x: (-_sech2(math.exp(0.5 - x)) * math.exp(0.5 - x),)),
    (exp_exp_np, (-0.4,), lambda x: (math.exp(math.exp(x + 1.0)) * math.exp(x + 1.0),)),
    (
        exp_neg_power,
        (0.8, 1.7),
        lambda x, y: (-y * math.exp(-x * y), -x * math.exp(-x * y)),
    ),
    (
        one_plus_exp_power,
        (0.4, -1.3),
        lambda x, y: (
            y * (1 + math.exp(x)) ** (y - 1) * math.exp(x),
            (1 + math.exp(x)) ** y * math.log(1 + math.exp(x)),
        ),
    ),
    (np_power_exp, (-0.6, 2.2), lambda x, y: (y * math.exp(x * y), x * math.exp(x * y))),
    (constant_to_exp, (0.9,), lambda x: (1.5 ** math.exp(x) * math.log(1.5) * math.exp(x),)),
    (
        variable_to_exp,
        (0.5, 1.8),
        lambda x, y: (
            y ** math.exp(x) * math.log(y) * math.exp(x),
            math.exp(x) * y ** (math.exp(x) - 1),
        ),
    ),
    (abs_of_log, (0.4,), lambda x: (-1 / x,)),
    (abs_of_log, (2.5,), lambda x: (1 / x,)),
    (abs_of_arccosh, (1.7,), lambda x: (1 / math.sqrt(x * x - 1),)),
    (
        power_of_shifted_abs,
        (-0.7, 1.4),
        lambda w, v: (-v * (0.3 + abs(w)) ** (v - 1), (0.3 + abs(w)) ** v * math.log(1.0)),
    ),
    (
        exp_four_deep,
        (0.2,),
        lambda x: (
            math.prod(
                (math.exp(x - 3.0), *(_nested_exp(x - 3.0, k) for k in (2, 3, 4))),
            ),
        ),
    ),
]


def test_eight_operands_probe_a_bounded_sample():
    # the check of a formula reading the forward value probed all 11**8 combinations of its
    # operands' probe values (a hang): a fixed sample now. d/da = b c ... k exp(a b ... k)
    args = (0.9, -0.8, 1.1, 0.7, -1.2, 0.95, 1.05, 0.6)
    got = symback.grad(exp_of_eight_product, wrt=tuple(range(8)))(*args)
    product = math.prod(args)
    np.testing.assert_allclose(got, [product / x * math.exp(product) for x in args], rtol=1e-13)


def _nested_exp(z, depth):
    for _ in range(depth):
        z = math.exp(z)
    return z


@pytest.mark.parametrize("f, args, exact", CASES, ids=[f"{c[0].__name__}-{c[1][0]}" for c in CASES])
def test_form_that_failed_has_the_exact_gradient(f, args, exact, caplog):
    wrt = tuple(range(len(args)))
    with caplog.at_level(logging.DEBUG, logger="symback.adjoint.derivatives"):
        got = symback.grad(f, wrt=wrt)(*args)
    expected = exact(*args)
    if f is power_of_shifted_abs:  # d/dv = value * log(0.3 + |w|), worked out here
        w, v = args
        expected = (expected[0], (0.3 + abs(w)) ** v * math.log(0.3 + abs(w)))
    np.testing.assert_allclose(np.array(got, dtype=float), expected, rtol=1e-12, atol=0)
    assert not caplog.records, "a rewrite failed and fell back: " + caplog.text
    check_gradient(f, args, wrt=wrt, rtol=1e-6)


# ---------------------------------------------------------------- random nested programs

UNARY = ("np.exp", "np.tanh", "np.sin", "np.cos", "np.arctan", "np.sinh", "np.arcsinh")
GUARDED = ("np.log", "np.sqrt", "np.log1p")  # see 1 + u**2: positive
SIGNED = ("abs", "np.cbrt")  # no complex step through these: checked by differences only


def _nested(rng: random.Random, names: list[str], depth: int) -> str:
    """A random expression, bounded for arguments in [-1, 1]: exponentials see a tanh."""
    if depth == 0 or rng.random() < 0.2:
        return rng.choice(names)
    r = rng.random()
    inner = _nested(rng, names, depth - 1)
    if r < 0.3:
        fn = rng.choice(UNARY)
        return f"{fn}(np.tanh({inner}))" if fn in ("np.exp", "np.sinh") else f"{fn}({inner})"
    if r < 0.45:
        return f"{rng.choice(GUARDED)}(1.0 + {inner} ** 2)"
    if r < 0.55:
        return f"{rng.choice(SIGNED)}({inner} + {rng.choice((0.5, 1.5, 2.5))})"
    other = _nested(rng, names, depth - 1)
    k = rng.random()
    if k < 0.25:  # a variable exponent of an exponential, and exponentials as exponents
        return f"np.exp(np.tanh({inner})) ** np.tanh({other})"
    if k < 0.45:
        return f"(1.0 + np.exp(np.tanh({inner}))) ** np.sin({other})"
    if k < 0.6:
        return f"{rng.choice((1.5, 0.7))} ** np.exp(np.tanh({inner}))"
    if k < 0.75:
        return f"np.power(1.2 + np.sin({inner}), np.exp(np.tanh({other})))"
    if k < 0.9:
        return f"np.exp(np.exp(np.tanh({inner}) - {rng.choice((0.5, 1.0))}))"
    return f"({inner}) * ({other}) + {rng.choice((0.1, 2.0))}"


def random_program(seed: int, size: int) -> str:
    rng = random.Random(seed)
    names = ["x", "y", "z"]
    body = []
    for i in range(size):
        body.append(f"    v{i} = np.tanh({_nested(rng, names[-4:] + ['x', 'y', 'z'], 3)})")
        names.append(f"v{i}")
    result = " + ".join(names[-3:])
    return (
        "import numpy as np\n\n\ndef f(x, y, z):\n" + "\n".join(body) + f"\n    return {result}\n"
    )


@pytest.mark.parametrize("seed", range(12))
def test_random_nested_program(seed, caplog):
    source = random_program(seed, 6 + seed % 7)
    f = load(source, "f")
    args = tuple(random.Random(-seed).uniform(-1, 1) for _ in range(3))
    with caplog.at_level(logging.DEBUG, logger="symback.adjoint.derivatives"):
        check_gradient(f, args, wrt=(0, 1, 2), rtol=1e-5, atol=1e-7, directions=1)
    assert not caplog.records, source + "\na rewrite fell back: " + caplog.text


# ---------------------------------------------------------------- the rewrites themselves

a0, a1, v = symbols.operand(0), symbols.operand(1), symbols.VALUE


def _same_function(left: sp.Expr, right: sp.Expr, at=(0.3, 0.7, 1.9)) -> None:
    """left and right agree at a few points (a0, a1 and a2 = 0.9 together)."""
    names = sorted(left.free_symbols | right.free_symbols, key=str)
    for point in at:
        values = {s: sp.Float(point + 0.1 * k) for k, s in enumerate(names)}
        lhs, rhs = complex(left.xreplace(values).evalf()), complex(right.xreplace(values).evalf())
        assert abs(lhs - rhs) <= 1e-12 * max(1.0, abs(rhs)), (left, right, point)


@pytest.mark.parametrize(
    "expr, derivative_wrt_a0, reads_v",
    [
        (sp.exp(a0 * a1), a1 * sp.exp(a0 * a1), a1 * v),
        (sp.tanh(a0), 1 - sp.tanh(a0) ** 2, 1 - v**2),
        (sp.sqrt(a0), 1 / (2 * sp.sqrt(a0)), 1 / (2 * v)),
        (a0 * sp.exp(a1), sp.exp(a1) * a0 * a1, v * a1),  # a product's factors
        (1 / a0, -1 / a0**2, -(v**2)),
        (sp.exp(a0), sp.exp(2 * a0) + sp.exp(-a0), v**2 + 1 / v),
        (a0**3, 3 * a0**2, 3 * a0**2),  # not a whole power of v: left alone
        (a0**-2, -2 * a0**-3, -2 * a0**-3),  # ... nor a division by v
    ],
)
def test_read_value(expr, derivative_wrt_a0, reads_v):
    got = algebra.read_value(derivative_wrt_a0, expr, v)
    assert got == reads_v
    _same_function(got.xreplace({v: expr}), derivative_wrt_a0)


def test_ratio_common_factor_and_division():
    assert algebra.ratio(2 * a0 - 4 * a1, 2 * a1 - a0) == -2
    assert algebra.ratio(a0 + 1, a0 + 2) is None
    assert algebra.whole(algebra.ratio(2.0 * a0, a0)) == 2
    s = sp.Function("s")(a0)
    factored = algebra.common_factor(s - s**2 + a1 * s**3)
    assert factored == s * (1 - s + a1 * s**2)
    quotient = algebra.divide_by_sum(-400 * a0 * (a1 - a0**2), 200 * a1 - 200 * a0**2)
    assert quotient == -2 * a0
    assert algebra.divide_by_sum(a0 * (a1 + 1), a1 + 2) is None


def test_size_is_bounded_by_its_limit():
    deep = a0
    for _ in range(50):
        deep = sp.exp(deep) + a1
    assert algebra.size(deep, 10) == 10
    assert algebra.size(a0 + a1, 100) == 3
