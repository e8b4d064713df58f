"""Views and element writes (tests/views_zoo.py): a view read after a write into its base,
and a base read after a write through a view, against central differences (results that are
views or copies depending on the shapes, both ways); the forward value is the function's own,
bit for bit; what stays refused is a SymbackError with a hint."""

from __future__ import annotations

import numpy as np
import pytest

import symback
from fuzz.program import load
from tests import views_zoo as vz
from tests.helpers import central_difference, check_gradient

VECTOR = np.array([1.0, 2.0, 3.0, 4.0])
MATRIX = np.array([[1.0, 2.0], [3.0, 4.0]])


def _point(f):
    try:
        f(VECTOR.copy())
        return VECTOR.copy()
    except (ValueError, IndexError):
        return MATRIX.copy()


ALL = vz.READS + vz.THROUGH + vz.VIEWS_OR_COPIES


@pytest.mark.parametrize("f", ALL, ids=lambda f: f.__name__)
def test_gradient_matches_central_differences(f):
    check_gradient(f, (_point(f),))


@pytest.mark.parametrize("f", ALL, ids=lambda f: f.__name__)
def test_value_is_the_functions_own(f):
    x = _point(f)
    value, _ = symback.value_and_grad(f)(x)
    assert value == f(x.copy())


def test_the_flip_of_issue_11():
    """f = sum(flip(y) * x * y) after y[0] = 3 x0, with flip(y) seeing the write:
    f = 3 x0^2 x3 + x1^2 x2 + x1 x2^2 + 3 x0 x3^2 (hand-expanded), whose gradient at
    [1, 2, 3, 4] is [6 x0 x3 + 3 x3^2, 2 x1 x2 + x2^2, x1^2 + 2 x1 x2, 3 x0^2 + 6 x0 x3]."""
    got = symback.grad(vz.flip_of_issue_11)(VECTOR.copy())
    np.testing.assert_allclose(got, [72.0, 21.0, 16.0, 27.0])


def test_write_through_a_slice_reaches_the_base():
    """y = x, then y[1] = 5 x0 through z = y[1:]: f = x0^2 + 5 x0 x1 + x2^2 + x3^2."""
    got = symback.grad(vz.write_through_slice)(VECTOR.copy())
    np.testing.assert_allclose(got, [2.0 + 10.0, 5.0, 6.0, 8.0])


@pytest.mark.parametrize(
    "f", [vz.flip_of_issue_11, vz.write_through_slice, vz.dot_t, vz.reshape_a_copy]
)
def test_second_derivatives(f):
    """Hessians go through the copying form of writes (optimize/copied_writes.py)."""
    x = _point(f)
    hessian = symback.hessian(f)(x)
    grad = symback.grad(f)
    n = x.size
    for k in range(n):
        column = central_difference(lambda v, k=k: grad(v).ravel()[k], [x], 0)
        np.testing.assert_allclose(np.reshape(hessian, (n, n))[k], column.ravel(), atol=1e-5)


# -- what stays refused: writes through views other than an index --------------------------


def test_a_write_through_a_flip_read_from_the_base_is_refused():
    source = (
        "import numpy as np\n\n\ndef f(x):\n    y = np.zeros(4)\n    y[:] = x\n"
        "    z = np.flip(y)\n    z[0] = 5.0 * x[0]\n    return np.sum(y * x)\n"
    )
    f = load(source, "f")
    with pytest.raises(symback.SymbackError) as info:
        symback.grad(f)(VECTOR.copy())
    assert "also changes `y`" in str(info.value)
    assert info.value.hint
