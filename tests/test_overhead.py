"""Per-call overhead of generated gradients: fewer NumPy calls and cheaper ones, same numbers.

Each speed-up is checked against something independent of symback: central differences,
a hand-written backward pass, closed forms; and the specialised code against the general.
"""

from __future__ import annotations

import numpy as np

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
