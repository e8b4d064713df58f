"""Second derivatives: grad of grad, Hessians and Hessian-vector products, checked against
closed forms, scipy's Rosenbrock Hessian and numerical differences of the exact gradient."""

import numpy as np
import pytest
from scipy.optimize import rosen_hess

import symback
from symback.gradcheck.numerical import numerical_gradient


def cubic_sine(x):
    return x**3 * np.sin(x)


def cubic_sine_second(x):
    return 6 * x * np.sin(x) + 6 * x**2 * np.cos(x) - x**3 * np.sin(x)


def softplus_scaled(x, c):
    return c * np.log1p(np.exp(x))


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def logistic_loss(w, X, y, lam):
    z = X @ w
    return np.mean(np.logaddexp(0.0, -y * z)) + lam * np.sum(w**2)


def sum_squared(x):
    return np.sum(x) ** 2


def mean_cubed(x):
    return np.mean(x) ** 3


@pytest.mark.parametrize("x", [-1.3, 0.2, 0.7, 2.5])
def test_grad_of_grad_matches_the_closed_form(x):
    second = symback.grad(symback.grad(cubic_sine))
    assert np.isclose(second(x), cubic_sine_second(x), rtol=1e-12)


def test_grad_of_grad_with_other_arguments():
    second = symback.grad(symback.grad(softplus_scaled))
    x, c = 0.3, 2.5
    sig = 1 / (1 + np.exp(-x))
    assert np.isclose(second(x, c), c * sig * (1 - sig), rtol=1e-12)


def test_third_derivative():
    third = symback.grad(symback.grad(symback.grad(cubic_sine)))
    x = 0.9
    numeric = numerical_gradient(cubic_sine_second, (x,))
    assert np.isclose(third(x), numeric, rtol=1e-7)


@pytest.mark.parametrize("n", [2, 10])
def test_rosenbrock_hessian_matches_scipy(n):
    x = np.linspace(-1.2, 1.4, n)
    assert np.allclose(symback.hessian(rosenbrock)(x), rosen_hess(x), rtol=1e-12, atol=1e-9)


def test_logistic_regression_hessian_matches_numerical():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(40, 4)), rng.choice([-1.0, 1.0], size=40)
    w, lam = rng.normal(size=4), 0.1
    H = symback.hessian(logistic_loss)(w, X, y, lam)
    gradient = symback.grad(logistic_loss)

    def component(w, i):
        return gradient(w, X, y, lam)[i]

    numeric = np.array([numerical_gradient(component, (w, i)) for i in range(4)])
    assert np.allclose(H, numeric, rtol=1e-7, atol=1e-9)
    assert np.allclose(H, H.T, atol=1e-12)


def test_hessian_through_a_gradient_filled_with_one_number():
    # the gradient code fills the parameter's shape with one value (np.full)
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(symback.hessian(sum_squared)(x), np.full((3, 3), 2.0))
    m = np.mean(x)  # d2/dx_i dx_j of m^3 is 6 m / n^2
    np.testing.assert_allclose(symback.hessian(mean_cubed)(x), np.full((3, 3), 6 * m / 9))


def test_hessian_vector_product_is_the_hessian_times_v():
    x = np.linspace(-1.0, 1.0, 6)
    v = np.arange(6.0) - 2.5
    hvp = symback.hessian_vector_product(rosenbrock)
    assert np.allclose(hvp(x, v), rosen_hess(x) @ v, rtol=1e-12, atol=1e-9)
