"""Infinite constants: where they choose or bound (np.where, np.minimum) the gradient is
right; inside arithmetic, whose derivative SymPy would write with its own infinity (not
IEEE's: 0 * inf), a SymbackError at the line instead of an internal error."""

from __future__ import annotations

import numpy as np
import pytest

import symback


def _bounded(x):
    return np.sum(np.maximum(x, -np.inf) * x)


def _chosen(x):
    return np.sum(np.where(x > 0, x, -np.inf) + np.minimum(x, np.inf))


def _scaled_by_inf(x):
    return np.sum(np.minimum(x * np.inf, 3.0) + x)


def _literal_inf(x):
    return np.minimum(x * 1e999, 3.0) + x


def test_infinities_that_choose_or_bound_give_the_gradient():
    x = np.array([1.0, -2.0, 0.5])
    assert np.allclose(symback.grad(_bounded)(x), 2 * x)  # max(x, -inf) * x = x**2
    # where(x > 0, x, -inf) + min(x, inf): 1 where x > 0, plus 1
    assert np.allclose(symback.grad(_chosen)(x), np.where(x > 0, 2.0, 1.0))


@pytest.mark.parametrize("f, arg", [(_scaled_by_inf, np.array([1.0, -2.0])), (_literal_inf, 1.0)])
def test_infinities_inside_arithmetic_are_refused_at_the_line(f, arg):
    with pytest.raises(symback.SymbackError, match="infinite constant") as info:
        symback.grad(f)(arg)
    message = str(info.value)
    assert "test_infinite_constants.py" in message and "x * " in message  # the user's line
