"""Per-call overhead of generated gradients: fewer NumPy calls and cheaper ones, same numbers.

Each speed-up is checked against something independent of symback: central differences,
a hand-written backward pass, closed forms; and the specialised code against the general.
"""

from __future__ import annotations

import math
import re
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


# -- whole numbers printed as floats where every value a formula reads is floating


def _body(g) -> str:
    """The latest specialisation's code, after its guard."""
    made = [f for f in g._specialised.values() if f is not None][-1]
    return made.__symback_source__.split("_symback_onward(", 1)[1]


def _whole_numbers(code: str) -> list[str]:
    """Integer literals in code other than exponents (`2 * x`, not `x**2` nor `2.0`)."""
    code = re.sub(r"#.*", "", code)  # provenance comments: `# line 12`
    code = re.sub(r"\*\*\s*\d+", "", code)
    return re.findall(r"(?<![\w.])\d+(?![\w.])", code)


def polynomial_of_floats(a, b):
    return math.sin(a) * b**2 + 3.0 * a**3 - 1.0 / (1.0 + b * b)  # (the user's literals stay)


def test_formulas_on_floats_print_whole_numbers_as_floats():
    g = symback.grad(polynomial_of_floats, wrt=(0, 1))
    a, b = 0.7, -1.3
    got = g(a, b)
    body = _body(g)
    assert not _whole_numbers(body.split("\n", 1)[1]), body
    assert "**2.0" not in body and "** 2.0" not in body, body  # exponents stay whole
    exact = (math.cos(a) * b**2 + 9.0 * a**2, 2 * b * math.sin(a) + 2 * b / (1 + b * b) ** 2)
    assert got == pytest.approx(exact, rel=1e-14)
    assert got == g.function(a, b)  # the general code: the same operations on the same numbers
    check_gradient(polynomial_of_floats, (a, b), wrt=(0, 1))


def cubic_weighted(x, k):
    return np.sum(k * x**3)


def test_float_arrays_get_float_literals_and_other_dtypes_keep_theirs():
    x = np.linspace(-2.0, 2.0, 7)
    for k in (np.arange(7.0), np.arange(7)):  # float weights, then integer ones
        g = symback.grad(cubic_weighted)
        got = g(x, k)
        body = _body(g)
        assert ("3.0 *" in body) == (k.dtype.kind == "f"), body
        np.testing.assert_array_equal(got, 3 * k * x**2)
        np.testing.assert_array_equal(got, g.function(x, k))
    x32 = x.astype(np.float32)
    g = symback.grad(cubic_weighted)
    got = g(x32, np.arange(7.0, dtype=np.float32))
    assert got.dtype == np.float32 and "3.0 *" in _body(g)
    np.testing.assert_array_equal(got, g.function(x32, np.arange(7.0, dtype=np.float32)))


# -- sums on numbers computed once: the forward pass keeps those its adjoint reads again


def quotient_of_floats(t, f):
    return t / (2.0 + math.sin(f)) + math.log(1.0 + f * f)


def test_a_sum_the_adjoint_reads_is_computed_once_on_floats():
    g = symback.grad(quotient_of_floats, wrt=(0, 1))
    t, f = 0.8, -0.6
    got = g(t, f)
    body = _body(g)
    assert body.count("math.sin(f)") == 1 and body.count("f * f") == 1, body
    q = 2.0 + math.sin(f)
    exact = (1 / q, -t * math.cos(f) / q**2 + 2 * f / (1 + f * f))
    assert got == pytest.approx(exact, rel=1e-14)
    assert g.function(t, f) == pytest.approx(exact, rel=1e-14)
    check_gradient(quotient_of_floats, (t, f), wrt=(0, 1))


def quotient_of_arrays(t, f):
    return np.sum(t / (2.0 + np.sin(f)))


def test_sums_of_arrays_are_not_kept_alive_for_the_adjoint():
    # (an array kept for the backward pass holds its memory; a sum is cheap to redo)
    rng = np.random.default_rng(3)
    t, f = rng.standard_normal(6), rng.standard_normal(6)
    g = symback.grad(quotient_of_arrays, wrt=(0, 1))
    got = g(t, f)
    lines = _body(g).splitlines()
    assert not any(line.strip().startswith("t") and "= 2.0 + " in line for line in lines)
    q = 2.0 + np.sin(f)
    np.testing.assert_allclose(got[0], 1 / q, rtol=1e-14)
    np.testing.assert_allclose(got[1], -t * np.cos(f) / q**2, rtol=1e-14)


# -- products an adjoint reads again, kept on numbers


def wave(d, e, f):
    return math.cos(d * e) + f * d * e * math.exp(f)


def test_a_product_the_adjoint_reads_is_computed_once_on_floats():
    g = symback.grad(wave, wrt=(0, 1, 2))
    d, e, f = 0.7, -1.3, 0.4
    got = g(d, e, f)
    # d/dd = -e sin(de) + f e exp(f), d/de = -d sin(de) + f d exp(f), d/df = de (1 + f) exp(f)
    de, ef = d * e, math.exp(f)
    expected = (-e * math.sin(de) + f * e * ef, -d * math.sin(de) + f * d * ef, de * (1 + f) * ef)
    assert got == pytest.approx(expected, rel=1e-14)
    body = _body(g)
    kept = re.search(r"(t\d+) = d \* e\b", body)  # cos's argument, named once
    assert kept and f"math.sin({kept[1]})" in body and "math.sin(d * e)" not in body, body


def test_products_of_arrays_are_not_kept_alive_for_the_adjoint():
    x, y = np.linspace(0.1, 1.0, 5), np.linspace(-1.0, 2.0, 5)
    check_gradient(wave_arrays, (x, y), (0, 1))
    g = symback.grad(wave_arrays, wrt=(0, 1))
    g(x, y)
    assert re.search(r"np\.sin\(x \* y\)", _body(g)), _body(g)  # recomputed, not held


def wave_arrays(x, y):
    return np.sum(np.cos(x * y))
