"""symback.gradcheck.numerical against closed-form derivatives."""

import math

import numpy as np
import pytest

from symback.gradcheck.numerical import (
    complex_step_gradient,
    directional_derivative,
    numerical_gradient,
    numerical_gradient_with_error,
)


def sin_x2(x):
    return np.sin(x) * x**2


def d_sin_x2(x):
    return np.cos(x) * x**2 + 2 * x * np.sin(x)


def quartic_sum(v):
    return np.sum(v**4) + np.sum(np.sin(v))


def weighted(x, w, *, scale=2.0):
    return scale * np.sum(w * np.exp(x))


@pytest.mark.parametrize("x", [0.3, -1.7, 4.0, 25.0])
@pytest.mark.parametrize("method, rtol", [("richardson", 1e-8), ("central", 1e-7)])
def test_scalar_sin_x2(x, method, rtol):
    got = numerical_gradient(sin_x2, (x,), method=method)
    assert isinstance(got, float)
    assert got == pytest.approx(d_sin_x2(x), rel=rtol, abs=1e-9)


def test_richardson_beats_central_at_same_step():
    x = 1.3
    exact = d_sin_x2(x)
    rich = numerical_gradient(sin_x2, (x,), method="richardson", step=1e-2)
    cent = numerical_gradient(sin_x2, (x,), method="central", step=1e-2)
    assert abs(rich - exact) < 1e-3 * abs(cent - exact)


def test_vector_function():
    v = np.array([0.5, -1.2, 2.0, 0.1])
    got = numerical_gradient(quartic_sum, (v,))
    assert got.shape == v.shape
    np.testing.assert_allclose(got, 4 * v**3 + np.cos(v), rtol=1e-10, atol=1e-12)


def test_matrix_parameter_by_name_and_keyword_only():
    x = np.array([[0.1, 0.2, -0.3], [1.0, -0.5, 0.7]])
    w = np.array([[1.5, -2.0, 0.5], [0.25, 3.0, -1.0]])
    gx = numerical_gradient(weighted, (x, w), {"scale": 3.0}, wrt="x")
    gw = numerical_gradient(weighted, (x, w), {"scale": 3.0}, wrt=1)
    gs = numerical_gradient(weighted, (x, w), {"scale": 3.0}, wrt="scale")
    np.testing.assert_allclose(gx, 3.0 * w * np.exp(x), rtol=1e-10)
    np.testing.assert_allclose(gw, 3.0 * np.exp(x), rtol=1e-10)
    assert gs == pytest.approx(np.sum(w * np.exp(x)), rel=1e-10)


def test_default_parameter_value_is_used():
    x = np.array([0.3, -0.4])
    w = np.array([1.0, 2.0])
    gs = numerical_gradient(weighted, (x, w), wrt="scale")
    assert gs == pytest.approx(np.sum(w * np.exp(x)), rel=1e-10)
    gx = numerical_gradient(weighted, (x, w), wrt="x")
    np.testing.assert_allclose(gx, 2.0 * w * np.exp(x), rtol=1e-10)


def test_tuple_wrt():
    x, w = np.array([0.3, -0.4]), np.array([1.0, 2.0])
    gx, gw = numerical_gradient(weighted, (x, w), wrt=("x", "w"))
    np.testing.assert_allclose(gx, 2.0 * w * np.exp(x), rtol=1e-10)
    np.testing.assert_allclose(gw, 2.0 * np.exp(x), rtol=1e-10)


def test_error_estimate_small_and_honest():
    v = np.array([0.5, -1.2, 2.0])
    grad, err = numerical_gradient_with_error(quartic_sum, (v,))
    exact = 4 * v**3 + np.cos(v)
    assert err.shape == v.shape
    assert np.all(err < 1e-5 * np.maximum(1.0, np.abs(exact)))
    assert np.all(np.abs(grad - exact) <= err + 1e-12)
    g, e = numerical_gradient_with_error(sin_x2, (0.7,))
    assert isinstance(g, float) and isinstance(e, float)
    assert e < 1e-6


def test_float32_inputs_are_evaluated_in_float64_and_not_mutated():
    v = np.array([0.5, -1.2, 2.0], dtype=np.float32)
    before = v.copy()
    got = numerical_gradient(quartic_sum, (v,))
    assert got.dtype == np.float64
    v64 = v.astype(np.float64)
    np.testing.assert_allclose(got, 4 * v64**3 + np.cos(v64), rtol=1e-9)
    np.testing.assert_array_equal(v, before)
    assert v.dtype == np.float32


def test_inputs_not_mutated_even_if_f_mutates():
    def nasty(x):
        x *= 2.0
        return np.sum(x**2)

    x = np.array([1.0, 2.0])
    got = numerical_gradient(nasty, (x,))
    np.testing.assert_array_equal(x, [1.0, 2.0])
    np.testing.assert_allclose(got, 8.0 * np.array([1.0, 2.0]), rtol=1e-9)

    def nasty2(x, y):
        x += y
        return np.sum(x * y)

    # d/dy sum((x + y) * y) = sum(x + 2y); x must be fresh on every evaluation
    assert numerical_gradient(nasty2, (x, 0.5), wrt="y") == pytest.approx(5.0, rel=1e-10)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_integer_scalar_input():
    got = numerical_gradient(lambda x: x**3, (2,))
    assert got == pytest.approx(12.0, rel=1e-10)


def test_directional_derivative():
    v = np.array([0.5, -1.2, 2.0])
    d = np.array([1.0, 0.5, -2.0])
    got = directional_derivative(quartic_sum, (v,), None, 0, d)
    assert got == pytest.approx(np.dot(4 * v**3 + np.cos(v), d), rel=1e-10)
    cent = directional_derivative(quartic_sum, (v,), None, "v", d, method="central")
    assert cent == pytest.approx(np.dot(4 * v**3 + np.cos(v), d), rel=1e-7)
    assert directional_derivative(quartic_sum, (v,), None, 0, np.zeros(3)) == 0.0
    scalar = directional_derivative(sin_x2, (1.1,), None, 0, -3.0)
    assert scalar == pytest.approx(-3.0 * d_sin_x2(1.1), rel=1e-10)


def test_complex_step_is_exact():
    v = np.array([0.5, -1.2, 2.0])
    got = complex_step_gradient(quartic_sum, (v,), None, 0)
    np.testing.assert_allclose(got, 4 * v**3 + np.cos(v), rtol=1e-14)
    assert complex_step_gradient(sin_x2, (0.9,)) == pytest.approx(d_sin_x2(0.9), rel=1e-14)


def test_math_functions_and_unknown_method():
    assert numerical_gradient(math.erf, (0.4,)) == pytest.approx(
        2 / math.sqrt(math.pi) * math.exp(-0.16), rel=1e-10
    )
    with pytest.raises(ValueError):
        numerical_gradient(sin_x2, (1.0,), method="forward")
    with pytest.raises(ValueError):
        numerical_gradient(quartic_sum, (np.ones(2),), wrt="nope")
    with pytest.raises(ValueError):
        numerical_gradient(lambda x: x * 2.0, (np.ones(2),))
