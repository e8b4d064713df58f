"""Per-call overhead of generated gradients: fewer NumPy calls and cheaper ones, same numbers.

Each speed-up is checked against something independent of symback: central differences,
a hand-written backward pass, closed forms; and the specialised code against the general.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import symback
from tests.helpers import central_difference, check_gradient

# -- rows and outer products gathered with np.array (np.stack is Python, ~4x the cost)


def unrolled_recurrence(W, h, x):
    h = np.tanh(W @ h + x[0])
    h = np.tanh(W @ h + x[1])
    h = np.tanh(W @ h + x[2])
    h = np.tanh(W @ h + x[3])
    return np.sum(h**2)


def recurrence_by_hand(W, h, x):
    """Backpropagation through time, written out: (dW, dh, dx)."""
    states = [h]
    for k in range(x.shape[0]):
        states.append(np.tanh(W @ states[-1] + x[k]))
    dW, dx = np.zeros_like(W), np.zeros_like(x)
    dh = 2.0 * states[-1]
    for k in reversed(range(x.shape[0])):
        dz = dh * (1.0 - states[k + 1] ** 2)
        dx[k] = dz
        dW += np.outer(dz, states[k])
        dh = W.T @ dz
    return dW, dh, dx


def _recurrence_args(n=5, steps=4, seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((n, n)) / np.sqrt(n),
        rng.uniform(-1.0, 1.0, n),
        0.5 * rng.standard_normal((steps, n)),
    )


def test_an_unrolled_recurrence_gathers_rows_without_np_stack():
    args = _recurrence_args()
    g = symback.grad(unrolled_recurrence, wrt=(0, 1, 2))
    got = g(*args)
    text = g.specialised_source
    assert "np.stack" not in text and "np.array([" in text, text
    for a, b in zip(got, recurrence_by_hand(*args)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    for a, b in zip(got, g.function(*args)):  # the general code, with its own outer sums
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    check_gradient(unrolled_recurrence, args, wrt=(0, 1, 2))


def test_outer_products_of_other_shapes_sum_to_the_same_matrix():
    # W (3x5) meets vectors of length 5 and upstreams of length 3: the two gathered arrays
    # differ in length, and the product must still be W's shape
    def f(W, u, v):
        return np.sum(np.sin(W @ u)) + np.sum((W @ v) ** 2)

    rng = np.random.default_rng(1)
    args = (rng.standard_normal((3, 5)), rng.standard_normal(5), rng.standard_normal(5))
    g = symback.grad(f)
    got = g(*args)
    W, u, v = args
    exact = np.outer(np.cos(W @ u), u) + np.outer(2.0 * (W @ v), v)
    np.testing.assert_allclose(got, exact, rtol=1e-13)
    np.testing.assert_allclose(g.function(*args), exact, rtol=1e-13)
    numeric = central_difference(f, list(args), 0)
    np.testing.assert_allclose(got, numeric, rtol=1e-6, atol=1e-8)


# -- the sigmoid: 1 / (1 + exp(-x)), exp overflowing to inf unwarned (printer._sigmoid)

SMALLEST_NORMAL = np.finfo(float).tiny  # 2.2e-308
LAST_FINITE_EXP = np.log(np.finfo(float).max)  # 709.78: exp of more overflows


MODERATE = np.array([1.0, -0.5, 0.3, 2.5, -1.7])


def stable_sigmoid(x):
    """An independent reference: exp of minus |x| only, so nothing overflows."""
    small = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + small), small / (1 + small))


def softplus_sum(x):
    return np.sum(np.logaddexp(0.0, x))


def logistic_loss(w, X, y, lam):
    z = X @ w
    return np.mean(np.logaddexp(0.0, -y * z)) + 0.5 * lam * np.sum(w * w)


def logistic_by_hand(w, X, y, lam):
    return X.T @ (-y * stable_sigmoid(-y * (X @ w))) / y.shape[0] + lam * w


def _logistic_args(n=40, d=5, seed=2):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = np.where(rng.standard_normal(n) > 0, 1.0, -1.0)
    return rng.standard_normal(d), X, y, 0.1


def _strict(fn, *args):
    """fn(*args) with every floating-point warning an error: symback's own code adds none."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            return fn(*args)


def test_the_logistic_gradient_takes_one_exp_and_divides():
    args = _logistic_args()
    g = symback.grad(logistic_loss)
    got = g(*args)
    body = g.specialised_source.split("def grad_logistic_loss")[1]
    assert body.count("_exp_or_inf(") == 1 and "np.exp" not in body, body
    assert "np.minimum" not in body and "np.abs" not in body, body
    np.testing.assert_allclose(got, logistic_by_hand(*args), rtol=1e-13)
    check_gradient(logistic_loss, args)


def test_the_logistic_gradient_is_exact_where_exp_overflows():
    w, X, y, lam = _logistic_args()
    g = symback.grad(logistic_loss)
    g(w, X, y, lam)  # specialise first, at moderate margins
    for scale in (300.0, 1000.0, 3000.0):  # margins |y z| far past 709.78
        big = scale * w
        assert np.max(np.abs(X @ big)) > LAST_FINITE_EXP
        got = _strict(g, big, X, y, lam)
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, logistic_by_hand(big, X, y, lam), rtol=1e-12)
        general = _strict(g.function, big, X, y, lam)
        np.testing.assert_allclose(general, got, rtol=1e-12)


def test_every_normal_sigmoid_keeps_full_precision():
    x = np.concatenate([np.linspace(-708.0, 708.0, 4001), [-40.0, -36.5, 36.5, 40.0]])
    g = symback.grad(softplus_sum)
    got = _strict(g, x)
    exact = stable_sigmoid(x)
    assert np.min(exact) >= SMALLEST_NORMAL
    np.testing.assert_allclose(got, exact, rtol=4e-16 * 8, atol=0.0)


def test_only_subnormal_sigmoids_are_rounded_to_zero():
    x = np.array([-709.0, -709.7, -709.8, -720.0, -745.0, -800.0, -1000.0, 1000.0, 800.0])
    g = symback.grad(softplus_sum)
    got = _strict(g, x)
    exact = stable_sigmoid(x)
    assert np.all(np.isfinite(got))
    tiny = exact < SMALLEST_NORMAL
    np.testing.assert_array_equal(got[~tiny], exact[~tiny])  # 1.0 at +800 and +1000
    assert np.all(np.abs(got[tiny] - exact[tiny]) <= np.exp(-LAST_FINITE_EXP) * (1 + 1e-12))
    np.testing.assert_array_equal(got[x <= -745.2], 0.0)  # the truth rounds to 0 there too


def softplus_scalar(x):
    return math.log1p(math.exp(x))


def softplus_numpy_scalar(x):
    return np.logaddexp(0.0, x)


def test_scalar_sigmoids_past_overflow():
    # math.exp raises OverflowError where NumPy's would give inf: the general code answers
    g = symback.grad(softplus_scalar)
    for x in (0.3, -2.0, 700.0, -700.0, -745.0):
        assert _strict(g, x) == pytest.approx(float(stable_sigmoid(x)), rel=1e-15, abs=0.0)
    g = symback.grad(softplus_numpy_scalar)
    for x in (0.3, -40.0, 40.0, 800.0, -800.0, 1000.0, -1000.0):
        assert _strict(g, x) == pytest.approx(float(stable_sigmoid(x)), rel=1e-15, abs=0.0)


def softplus_naive(x):
    return np.sum(np.log(1 + np.exp(x)))


def softplus_naive_scalar(x):
    return np.log(1 + np.exp(x))


def test_hessians_differentiate_the_sigmoid_helper():
    # the general gradient of the naive softplus calls _exp_or_inf (its forward value
    # overflows, so the adjoint does not read it); Hessians differentiate that code again
    assert "_exp_or_inf(" in symback.grad(softplus_naive).source
    H = symback.hessian(softplus_naive)
    for x in (MODERATE, np.array([1000.0, -1000.0, 40.0, -40.0, 0.0])):
        exact = np.diag(stable_sigmoid(x) * stable_sigmoid(-x))
        with np.errstate(over="ignore"):  # the user's own np.exp(x) overflows
            got = H(x)
        np.testing.assert_allclose(got, exact, rtol=1e-12, atol=0.0)
    second = symback.grad(symback.grad(softplus_naive_scalar))
    assert "def _exp_or_inf" in second.source, second.source
    for x in (0.3, -2.0, 30.0):
        want = float(stable_sigmoid(x) * stable_sigmoid(-x))
        assert second(np.float64(x)) == pytest.approx(want, rel=1e-12)
        assert second(x) == pytest.approx(want, rel=1e-12)
