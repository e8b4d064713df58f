"""Masks made of masks (`a & b`, `a | b`, `~a`) written inline: np.where, np.select and a
mask as a factor select by them in the gradient too. Each was a silently wrong gradient
(an inline `(x > 0) & (x < 1)` was taken as the number 0 by the derivatives: never selected).
Checked against central differences at points away from every mask's edge."""

import numpy as np
import pytest

import symback
from tests.helpers import check_gradient


def where_and(x):
    return np.sum(np.where((x > 0) & (x < 1), np.sin(x), x * 3.0))


def where_or_not(x):
    return np.sum(np.where(~(x > 0) | (x > 1.5), x**2, -x))


def where_nested(x):
    return np.sum(np.where(((x > 0) & (x < 1)) | (x < -1), np.sin(x), x * 3.0))


def select_of_or(x):
    return np.sum(np.select([(x < -1.0) | (x > 1.0), x > 0.2], [np.cos(x), x], default=2.0 * x))


def mask_factor(x):
    return np.sum(np.tanh(x) * ((x > 0.2) & ~(x > 2.0)))


def mask_named(x, y):
    keep = (x > 0) & (y < 1)
    return np.sum(np.where(keep, x * y, x - y))


X = np.array([-1.7, -1.2, -0.4, 0.3, 0.9, 1.3, 2.4])


@pytest.mark.parametrize(
    "f", [where_and, where_or_not, where_nested, select_of_or, mask_factor], ids=lambda f: f.__name__
)
def test_inline_masks_select_in_the_gradient(f):
    check_gradient(f, (X,), rtol=1e-6, atol=1e-8)


def test_a_named_mask_of_two_parameters():
    check_gradient(mask_named, (X, X[::-1] * 0.7), wrt=(0, 1), rtol=1e-6, atol=1e-8)


def test_select_refuses_a_condition_that_is_a_number():
    """NumPy raises TypeError for a condition that is not boolean; so does symback, at once."""

    def f(x):
        return np.sum(np.select([x, x > 1], [x**2, x], default=0.0))

    with pytest.raises(TypeError):
        f(X)
    with pytest.raises(symback.SymbackError, match="boolean"):
        symback.grad(f)(X)


def mask_functions(x):
    keep = np.isfinite(x) & (x < 1.0)
    return np.sum(np.where(keep | np.logical_not(x > -1.5), np.sin(x), 3.0 * x))


def test_masks_from_mask_functions_combine_as_comparisons_do():
    """np.isfinite, np.logical_not and the like return masks: `&` and `|` take them."""
    check_gradient(mask_functions, (X,), rtol=1e-6, atol=1e-8)
