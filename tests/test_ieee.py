"""Where Python's float arithmetic raises in gradient code: NumPy's answer, or a clear error."""

import warnings

import numpy as np
import pytest

import symback
from symback.errors import ComplexOutputError, SingularMatrixError
from tests import zoo


def inverse_square(x):
    return 0.2 / x


def with_aux(x):
    return 0.2 / x, x * 3.0


def inverse_root(x):
    return 1.0 / x**0.5


def users_division(x, y):
    return x / y


def power(x, p):
    return x**p


def determinant(a):
    return np.linalg.det(a)


def _no_float_errors(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, [w for w in caught if issubclass(w.category, RuntimeWarning)]


@pytest.mark.parametrize("calls", [1, 3])
def test_an_underflowed_square_divides_as_numpy_does(calls):
    """d/dx 0.2/x = -0.2/x**2: x**2 underflows to 0 at 1e-300, -0.2/0 is -inf in NumPy
    (with a RuntimeWarning), a ZeroDivisionError in Python."""
    g = symback.value_and_grad(inverse_square)
    for _ in range(calls):
        (value, gradient), warned = _no_float_errors(lambda: g(-1e-300))
    assert value == inverse_square(-1e-300) and type(value) is float
    assert gradient == -np.inf and warned
    assert symback.grad(with_aux, has_aux=True)(1e-300)[1] == 3e-300
    assert symback.grad(with_aux, has_aux=True)(1e-300)[0] == -np.inf


def test_zoo_points_that_raised():
    value, gradient = symback.value_and_grad(zoo.literal_forms)(-1e-300)
    assert value == zoo.literal_forms(-1e-300) and gradient == -np.inf
    # min(x * x, y) at x = 8e154: its derivative reads x**2, which Python's ** refuses to
    # overflow; NumPy's is inf, and the term is 0
    for wrt, expected in ((0, 0.0), (1, 2.0)):
        value, gradient = symback.value_and_grad(zoo.builtin_max_min, wrt=wrt)(8e154, 1.9e155)
        assert value == zoo.builtin_max_min(8e154, 1.9e155) and gradient == expected
    # d/dx x**-0.5 = -0.5 x**-1.5: 1e450 at x = 1e-300, past the largest float
    for _ in range(2):
        value, gradient = symback.value_and_grad(inverse_root)(1e-300)
        assert value == inverse_root(1e-300) and gradient == -np.inf


def test_the_users_own_error_is_theirs():
    g = symback.value_and_grad(users_division)
    assert g(1.0, 2.0) == (0.5, 0.5)
    with pytest.raises(ZeroDivisionError):
        g(1.0, 0.0)


@pytest.mark.parametrize("make", [symback.grad, symback.value_and_grad])
def test_a_complex_value_is_refused(make):
    g = make(power)
    for _ in range(2):  # the first call (specialising) and the next
        with pytest.raises(ComplexOutputError, match="complex") as info:
            g(-2.0, 0.5)
        assert info.value.lineno is not None and "x**p" in info.value.place.line
    expected = 0.5 * 2.0**-0.5  # d/dx x**0.5 at 2
    assert np.isclose(
        make(power)(2.0, 0.5)[-1] if make is symback.value_and_grad else make(power)(2.0, 0.5),
        expected,
    )


def test_det_at_a_singular_matrix_is_refused_where_the_function_is_not():
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert determinant(singular) == 0.0
    with pytest.raises(SingularMatrixError, match="singular"):
        symback.grad(determinant)(singular)
    a = np.array([[2.0, 1.0], [0.5, 3.0]])
    np.testing.assert_allclose(symback.grad(determinant)(a), [[3.0, -0.5], [-1.0, 2.0]])
