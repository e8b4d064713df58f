"""np.mean of an empty array: NumPy's value (nan, with its warning) and an empty gradient;
the count guard in the adjoint keeps second derivatives working on non-empty input."""

import warnings

import numpy as np
import pytest

import symback


def mean_all(x):
    return np.mean(x)


def mean_rows_summed(x):
    return np.sum(np.mean(x * x, axis=0))


def mean_squared_mean(x):
    return np.mean(x * x) * np.mean(x)


@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0)])
def test_mean_of_empty_is_nan_with_an_empty_gradient(shape):
    x = np.zeros(shape)
    assert np.isnan(mean_all(x))  # (the row means of (2, 0) are empty and sum to 0)
    for fn in (mean_all, mean_rows_summed):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value, grad = symback.value_and_grad(fn)(x)
            expected = fn(x)
        np.testing.assert_array_equal(value, expected)  # nan where NumPy gives nan
        assert not np.isnan(expected) or any("empty" in str(w.message) for w in caught)
        assert grad.shape == shape


def test_mean_second_derivative_closed_form():
    # f = m2 * m1 with m2 = mean(x^2), m1 = mean(x):
    # d2f/dxi dxj = 2 (xi + xj) / n^2 + 2 m1 / n [i == j]
    x = np.array([0.5, -1.25, 2.0, 0.75])
    n = x.size
    expected = 2 * (x[:, None] + x[None, :]) / n**2 + 2 * np.mean(x) / n * np.eye(n)
    np.testing.assert_allclose(symback.hessian(mean_squared_mean)(x), expected, rtol=1e-12)
    # g(s) = mean(s x)^2 = s^2 mean(x)^2: g'' = 2 mean(x)^2
    second = symback.grad(symback.grad(scaled_mean_squared))(0.7, x)
    np.testing.assert_allclose(second, 2 * np.mean(x) ** 2, rtol=1e-12)


def scaled_mean_squared(s, x):
    return np.mean(s * x) ** 2
