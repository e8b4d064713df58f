"""Numerics: naive forms users write get gradients that do not overflow, and where-branches and
kinks give the documented values without RuntimeWarnings (docs/conventions.md, "Numerics").

Each pattern is checked at moderate inputs against central differences and at extreme ones
(|x| = 800, 1000, where exp overflows, and 40, where 1 + exp(-x) rounds to 1) against the
exact gradient, worked out here in closed form and computed so that it cannot overflow.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import sympy as sp

import symback
from symback.adjoint.stable import stable_forms, trustworthy
from symback.ops import symbols
from tests.helpers import check_gradient

MODERATE = np.array([1.0, -0.5, 0.3, 2.5, -1.7])
EXTREME = [
    np.array([800.0, -800.0, 1.0]),
    np.array([1000.0, 0.0, -1000.0]),
    np.array([800.0, 799.0, -3.0]),
    np.array([-800.0, -801.0, -799.0]),
    np.array([40.0, -40.0, 30.0, -30.0]),
]


def sigmoid(x):
    """1 / (1 + exp(-x)) without overflow: exp of minus |x| only."""
    x = np.asarray(x, dtype=float)
    small = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + small), small / (1 + small))


def softmax(x, axis=None):
    shifted = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return shifted / np.sum(shifted, axis=axis, keepdims=True)


def quietly(fn, *args):
    """fn(*args), with the user's own forward-pass overflow warnings silenced."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args)


def assert_exact(got, exact, rtol=1e-12, atol=0.0):
    assert np.all(np.isfinite(got)), f"not finite: {got}"
    np.testing.assert_allclose(got, exact, rtol=rtol, atol=atol)


# ---------------------------------------------------------------- softplus, sigmoid


def softplus(x):
    return np.sum(np.log(1 + np.exp(x)))


def softplus_one_last(x):
    return np.sum(np.log(np.exp(x) + 1))


def softplus_log1p(x):
    return np.sum(np.log1p(np.exp(x)))


def softplus_scaled(x):
    return np.sum(2.0 * np.log(1 + np.exp(x)))


def log_sigmoid(x):
    return np.sum(x - np.log(1 + np.exp(x)))


def log_sigmoid_neg(x):
    return np.sum(-np.log(1 + np.exp(-x)))


def sigmoid_sum(x):
    return np.sum(1 / (1 + np.exp(-x)))


def sigmoid_exp_over(x):
    return np.sum(np.exp(x) / (1 + np.exp(x)))


def swish(x):
    return np.sum(x / (1 + np.exp(-x)))


def softplus_steep(x):
    return np.sum(3.0 * np.log(1 + np.exp(2.0 * x)))


def softplus_offset(x):
    return np.sum(np.log(2.0 + np.exp(x)))


def log_cosh(x):
    return np.sum(np.log(np.cosh(x)))


# (function, its exact gradient, absolute tolerance): v * (1 - v), the textbook derivative of
# a sigmoid the user computed as 1 / (1 + exp(-x)), is exact to within rounding of v near 1
ELEMENTWISE_CASES = [
    (softplus, sigmoid, 0.0),
    (softplus_one_last, sigmoid, 0.0),
    (softplus_log1p, sigmoid, 0.0),
    (softplus_scaled, lambda x: 2 * sigmoid(x), 0.0),
    (log_sigmoid, lambda x: sigmoid(-x), 0.0),
    (log_sigmoid_neg, lambda x: sigmoid(-x), 0.0),
    (sigmoid_sum, lambda x: sigmoid(x) * sigmoid(-x), 1e-16),
    (sigmoid_exp_over, lambda x: sigmoid(x) * sigmoid(-x), 0.0),
    (swish, lambda x: sigmoid(x) + x * sigmoid(x) * sigmoid(-x), 0.0),
    (softplus_steep, lambda x: 6.0 * sigmoid(2.0 * x), 0.0),
    (softplus_offset, lambda x: sigmoid(x - np.log(2.0)), 1e-15),
    (log_cosh, np.tanh, 0.0),
]


@pytest.mark.parametrize(
    "f, exact, atol", ELEMENTWISE_CASES, ids=lambda c: getattr(c, "__name__", "")
)
def test_elementwise_form_at_moderate_inputs(f, exact, atol):
    g = check_gradient(f, (MODERATE,))
    assert_exact(g, exact(MODERATE), atol=atol)


@pytest.mark.parametrize(
    "f, exact, atol", ELEMENTWISE_CASES, ids=lambda c: getattr(c, "__name__", "")
)
@pytest.mark.parametrize("x", EXTREME, ids=lambda x: str(x[0]))
def test_elementwise_form_at_extreme_inputs(f, exact, atol, x):
    assert_exact(quietly(symback.grad(f), x), exact(x), atol=atol)


def test_softplus_gradient_is_the_users_value_bit_for_bit():
    # the value stays the user's, overflow included; only the gradient is stable
    x = np.array([1000.0, 1.0, -1000.0])
    value, g = quietly(symback.value_and_grad(softplus), x)
    assert value == quietly(softplus, x) == np.inf
    assert_exact(g, sigmoid(x))


def softplus_math(x):
    return math.log(1 + math.exp(x))


@pytest.mark.parametrize("x", [0.7, -2.0, 700.0, -700.0, 40.0, -40.0])
def test_scalar_softplus_with_math(x):
    assert_exact(symback.grad(softplus_math)(x), sigmoid(x))


def test_stable_forms_rewrites():
    a = symbols.operand(0)
    naive = sp.exp(a) / (1 + sp.exp(a))
    stable = stable_forms(naive)
    assert not stable.has(sp.exp), stable  # the sigmoid, no bare exponential left
    x = np.linspace(-5, 5, 11)
    formula = sp.lambdify(a, naive, "numpy")
    np.testing.assert_allclose(formula(x), sigmoid(x), rtol=1e-14)


def test_a_formula_through_an_overflowed_forward_value_is_not_trusted():
    # d/dx log(1 + exp(x)) written as exp(x - v) through v = log(1 + exp(x)) is 0 at
    # x = 1000 (v = inf) where the truth is 1: the check must reject it
    a, v = symbols.operand(0), symbols.VALUE
    forward = sp.log(1 + sp.exp(a))
    truth = stable_forms(sp.diff(forward, a))
    assert not trustworthy(sp.exp(a - v), truth, forward, set())
    assert not trustworthy((sp.exp(v) - 1) * sp.exp(-v), truth, forward, set())
    # v * (1 - v) through a forward 1 / (1 + exp(-x)) is fine: v is 0 or 1 at overflow
    sig = 1 / (1 + sp.exp(-a))
    assert trustworthy(v * (1 - v), stable_forms(sp.diff(sig, a)), sig, set())


# ---------------------------------------------------------------- log-sum-exp, softmax


def logsumexp(x):
    return np.log(np.sum(np.exp(x)))


def logsumexp_rows(x):
    return np.sum(np.log(np.sum(np.exp(x), axis=1, keepdims=True)))


def logsumexp_weighted(x, w):
    return np.sum(w * np.log(np.sum(np.exp(x), axis=1)))


def cross_entropy(z, y):
    return np.log(np.sum(np.exp(z))) - np.sum(y * z)


def softmax_weighted(x, w):
    e = np.exp(x)
    p = e / np.sum(e, axis=-1, keepdims=True)
    return np.sum(p * w)


def softmax_written_twice(x, w):
    p = np.exp(x) / np.sum(np.exp(x))
    return np.sum(p * w)


def softmax_exp_reused(x, w):
    e = np.exp(x)
    p = e / np.sum(e)
    return np.sum(p * w) + 1e-3 * np.sum(e)


def softmax_in_expression(x, w):
    e = np.exp(x)
    return np.sum(e / np.sum(e) * w)


def softmax_twice_in_expression(x, w):
    return np.sum(np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True) * w)


def softmax_in_expression_exp_reused(x, w):
    e = np.exp(x)
    return np.sum(w * (e / np.sum(e)) + 1e-3 * e)


@pytest.mark.parametrize("x", EXTREME, ids=lambda x: str(x[0]))
def test_logsumexp(x):
    check_gradient(logsumexp, (MODERATE,))
    value, g = quietly(symback.value_and_grad(logsumexp), x)
    assert np.array_equal(value, quietly(logsumexp, x))  # the user's value, inf included
    assert_exact(g, softmax(x))


def test_logsumexp_along_an_axis_and_inside_an_expression():
    X = np.stack([EXTREME[0], EXTREME[2], EXTREME[3]])
    w = np.array([1.0, -2.0, 0.5])
    check_gradient(logsumexp_rows, (X / 1000,))
    check_gradient(logsumexp_weighted, (X / 1000, w))
    assert_exact(quietly(symback.grad(logsumexp_rows), X), softmax(X, axis=1))
    exact = w[:, None] * softmax(X, axis=1)
    assert_exact(quietly(symback.grad(logsumexp_weighted), X, w), exact)


def soft_maximum(x, beta=2.0):
    return np.log(np.sum(np.exp(beta * x))) / beta


def logsumexp_in_loop(x, n: int = 3):
    s = 0.0
    for i in range(1, n + 1):
        s = s + np.log(np.sum(np.exp(x / i)))
    return s


def logsumexp_or_softmax(x, w):
    if np.sum(x) > 0:
        e = np.exp(x)
        r = np.sum(e / np.sum(e) * w)
    else:
        r = np.log(np.sum(np.exp(x)))
    return r


@pytest.mark.parametrize("x", EXTREME, ids=lambda x: str(x[0]))
def test_logsumexp_of_an_expression_in_loops_and_branches(x):
    check_gradient(soft_maximum, (MODERATE,))
    check_gradient(logsumexp_in_loop, (MODERATE,))
    w = np.linspace(-1.0, 2.0, x.size)
    check_gradient(logsumexp_or_softmax, (x / 1000 + 0.1, w))  # away from the branch's edge
    check_gradient(logsumexp_or_softmax, (x / 1000 - 0.1, w))
    assert_exact(quietly(symback.grad(soft_maximum), x), softmax(2.0 * x))
    exact = sum(softmax(x / i) / i for i in (1, 2, 3))
    assert_exact(quietly(symback.grad(logsumexp_in_loop), x), exact, atol=1e-15)
    for z in (x, -x):
        p = softmax(z)
        exact = p * (w - np.sum(w * p)) if np.sum(z) > 0 else p
        assert_exact(quietly(symback.grad(logsumexp_or_softmax), z, w), exact, atol=1e-15)


@pytest.mark.parametrize("z", EXTREME, ids=lambda x: str(x[0]))
def test_cross_entropy(z):
    y = np.zeros_like(z)
    y[1] = 1.0
    check_gradient(cross_entropy, (z / 1000, y))
    assert_exact(quietly(symback.grad(cross_entropy), z, y), softmax(z) - y, atol=1e-15)


SOFTMAX_CASES = [
    softmax_weighted,
    softmax_written_twice,
    softmax_exp_reused,
    softmax_in_expression,
    softmax_twice_in_expression,
    softmax_in_expression_exp_reused,
]


@pytest.mark.parametrize("f", SOFTMAX_CASES)
@pytest.mark.parametrize("x", EXTREME, ids=lambda x: str(x[0]))
def test_softmax(f, x):
    w = np.linspace(-1.0, 2.0, x.size)
    check_gradient(f, (x / 1000, w))
    p = softmax(x)
    exact = p * (w - np.sum(w * p))  # d/dx sum(softmax(x) * w)
    if f in (softmax_exp_reused, softmax_in_expression_exp_reused):
        exact = exact + 1e-3 * np.exp(np.minimum(x, 700))
        x = np.minimum(x, 700)  # its second term's own gradient, exp(x), must stay finite
    assert_exact(quietly(symback.grad(f), x, w), exact, atol=1e-15)


def test_user_shifted_logsumexp_keeps_its_own_adjoint():
    # already stable as written: its adjoint reads the forward values (nothing recomputed)
    def shifted(x):
        m = np.max(x)
        return m + np.log(np.sum(np.exp(x - m)))

    x = EXTREME[2]
    g = symback.grad(shifted)
    assert "_softmax" not in g.source
    assert_exact(g(x), softmax(x), atol=1e-15)


def test_hessians_through_logsumexp_and_softmax():
    x = np.array([0.3, -1.0, 2.0])
    p = softmax(x)
    np.testing.assert_allclose(
        symback.hessian(logsumexp)(x), np.diag(p) - np.outer(p, p), atol=1e-14
    )
    w = np.array([1.0, 2.0, 3.0])
    # d2/dx2 sum(softmax(x) w): with c = w - p.w, H = diag(p c) - p (p c)^T - (p c) p^T
    pc = p * (w - p @ w)
    exact = np.diag(pc) - np.outer(p, pc) - np.outer(pc, p)
    np.testing.assert_allclose(symback.hessian(softmax_weighted)(x, w), exact, atol=1e-14)


# ---------------------------------------------------------------- where, sqrt(0), norm


def where_sqrt(x):
    return np.sum(np.where(x > 0, np.sqrt(x), 0.0))


def where_sqrt_else(x):
    return np.sum(np.where(x <= 0, 0.0, np.sqrt(x)))


def where_log(x):
    return np.sum(np.where(x > 0, np.log(x), 0.0))


def where_power(x):
    return np.sum(np.where(x > 0, x**0.75, 0.0))


def where_arcsin(x):
    return np.sum(np.where(x < 1.0, np.arcsin(x), 1.5707963267948966))


def sqrt_square(x):
    return np.sum(np.sqrt(x**2))


def norm(x):
    return np.linalg.norm(x)


def warnings_of(fn, *args) -> set[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn(*args)
    return {str(w.message) for w in caught}


X_WITH_ZEROS = np.array([0.0, 1.0, 0.0, 4.0, 2.25])


@pytest.mark.parametrize(
    "f, exact",
    [
        (where_sqrt, lambda x: np.where(x > 0, 0.5 / np.sqrt(np.maximum(x, 1e-300)), 0.0)),
        (where_sqrt_else, lambda x: np.where(x > 0, 0.5 / np.sqrt(np.maximum(x, 1e-300)), 0.0)),
        (where_power, lambda x: np.where(x > 0, 0.75 * np.maximum(x, 1e-300) ** -0.25, 0.0)),
    ],
    ids=["sqrt", "sqrt_in_else", "power"],
)
def test_where_branch_singular_at_zero_gives_finite_gradient_without_warnings(f, exact):
    check_gradient(f, (np.array([0.5, 1.0, 2.0, 0.3]),))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        g = symback.grad(f)(X_WITH_ZEROS)
    assert_exact(g, exact(X_WITH_ZEROS))


def test_where_branch_singular_at_one():
    # arcsin' = 1 / sqrt(1 - x**2) is inf at 1: the unselected elements read 0.5 instead
    check_gradient(where_arcsin, (np.array([0.5, 0.2, -0.3]),))
    x = np.array([1.0, 0.5, 0.0, -0.5, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        g = symback.grad(where_arcsin)(x)
    assert_exact(g, np.where(x < 1, 1 / np.sqrt(1 - np.minimum(x, 0.5) ** 2), 0.0))


def test_where_log_warns_only_where_the_users_function_does():
    x = np.array([0.0, 2.0, -1.0, 0.5])
    g = symback.grad(where_log)
    assert warnings_of(g, x) <= warnings_of(where_log, x)  # log(0), log(-1): the user's own
    assert_exact(quietly(g, x), np.array([0.0, 0.5, 0.0, 2.0]))


def test_kinks_at_zero_follow_the_convention():
    # |x| written sqrt(x**2), and the Euclidean norm: 0 at x = 0, no warning (the subgradient
    # of least norm, as abs); away from 0 the true gradient
    x = np.array([0.0, -2.0, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert_exact(symback.grad(sqrt_square)(x), np.array([0.0, -1.0, 1.0]))
        assert_exact(symback.grad(norm)(np.zeros(3)), np.zeros(3))
    assert_exact(symback.grad(norm)(x), x / np.sqrt(13.0))


def test_sqrt_of_a_sum_at_zero_is_not_a_silent_number():
    # sqrt(sum(x**2)) at x = 0 has no gradient; symback's is nan (inf * 0), never a
    # plausible finite value; np.linalg.norm is the spelling with the 0 convention
    def length(x):
        return np.sqrt(np.sum(x**2))

    assert not np.any(np.isfinite(quietly(symback.grad(length), np.zeros(3))))


def _power_of_a_product(x, y):
    return (x * y) ** 2.5


def _log_base_squared(x, y, b):
    return math.log(math.pow(x, y), b) ** 2.0


@pytest.mark.parametrize("x", [0.0, 1.0])
def test_a_power_whose_base_is_zero_has_the_power_rules_derivative(x):
    # d (x y)**2.5 / dx = 2.5 (x y)**1.5 y: 0 at x = 0, where u**n * (n du / u) is 0 / 0
    y = 2.0
    dx, dy = symback.grad(_power_of_a_product, wrt=(0, 1))(x, y)
    assert dx == pytest.approx(2.5 * (x * y) ** 1.5 * y)
    assert dy == pytest.approx(2.5 * (x * y) ** 1.5 * x)


def test_the_square_of_a_log_that_is_zero():
    # z = y log(x) / log(b) is 0 at y = 0: every partial of z**2 is 2 z dz = 0 there
    # (a fuzzer's program: the adjoint divided by log(x**y) = 0 and gave nan)
    grads = symback.grad(_log_base_squared, wrt=(0, 1, 2))(1.3, 0.0, 2.5)
    assert grads == (0.0, 0.0, 0.0)
    x, y, b = 1.3, 0.7, 2.5  # and away from it, the closed form
    z = y * math.log(x) / math.log(b)
    expected = (2 * z * y / (x * math.log(b)), 2 * z * math.log(x) / math.log(b))
    expected += (-2 * z * z / (b * math.log(b)),)
    got = symback.grad(_log_base_squared, wrt=(0, 1, 2))(x, y, b)
    assert np.allclose(got, expected, rtol=1e-12)
