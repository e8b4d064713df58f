"""The NumPy functions added last for issue 13 where a closed form says what the gradient is
(np.sinc at 0, np.cumprod through zeros), and the refusals that remain, by name and place."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import symback


def sinc_sum(x):
    return np.sum(np.sinc(x))


def sinc_at(x):
    return np.sinc(x)


def test_sinc_at_zero_has_slope_zero_and_curvature_minus_pi_squared_over_3():
    """sinc(x) = 1 - (pi x)^2 / 6 + ...: slope 0 and second derivative -pi^2 / 3 at 0, where
    the closed form sin(pi x) / (pi x) divides 0 by 0."""
    x = np.array([0.0, 0.5, -1.5])
    got = symback.grad(sinc_sum)(x)
    z = np.pi * x[1:]
    expected = (z * np.cos(z) - np.sin(z)) / (z * x[1:])  # d/dx sin(pi x) / (pi x)
    assert got[0] == 0.0
    np.testing.assert_allclose(got[1:], expected, rtol=1e-12)
    second = symback.grad(symback.grad(sinc_at))(0.0)
    assert math.isclose(second, -(np.pi**2) / 3, rel_tol=1e-12)


def survival(p):
    return np.sum(np.cumprod(p))


def test_cumprod_through_zeros_is_the_product_of_the_others():
    """d/dp_i sum_k prod_{j<=k} p_j = sum_{k>=i} prod_{j<=k, j!=i} p_j, worked out here: with
    two zeros in p, finite (no 0 / 0), and nonzero only where a term skips both zeros."""
    p = np.array([0.5, 0.0, 2.0, 0.0, 3.0])
    expected = np.zeros(5)
    for i in range(5):
        for k in range(i, 5):
            expected[i] += np.prod([p[j] for j in range(k + 1) if j != i])
    got = symback.grad(survival)(p)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_cumprod_second_derivatives_through_a_zero():
    """d2/dp_1 dp_j of sum_k prod_{j<=k} p_j at p_1 = 0: worked out term by term."""
    p = np.array([0.5, 0.0, 2.0, 3.0])
    h = symback.grad(second_row)(p)
    expected = np.zeros(4)
    for j in range(4):
        if j == 1:
            continue
        for k in range(max(1, j), 4):
            expected[j] += np.prod([p[m] for m in range(k + 1) if m not in (1, j)])
    np.testing.assert_allclose(h, expected, rtol=1e-12, atol=1e-15)


def second_row(p):
    g = grad_survival(p)
    return g[1]


grad_survival = symback.grad(survival).function  # (its generated code, read by grad again)


def c_with_a_range(x):
    return np.sum(np.c_[x, 0:3] ** 2)


def r_with_a_range(x):
    return np.sum(np.r_[x, 0:3] ** 2)


def cross_2d(a, b):
    return np.cross(a, b) ** 2


def split_held_whole(x):
    parts = np.split(x, 2)
    return np.sum(parts)


def split_of_unknown_count(x, n):
    a, b = np.split(x, n)
    return np.sum(a * b)


@pytest.mark.parametrize(
    "f, message",
    [
        (c_with_a_range, r"np\.c_\[\.\.\.\] with a range"),
        (r_with_a_range, r"np\.r_\[\.\.\.\] with a range"),
        (split_held_whole, r"`parts` holds the 2 values a call returned"),
        (split_of_unknown_count, r"`indices_or_sections` must be a literal"),
    ],
)
def test_refusals_name_the_construct(f, message):
    with pytest.raises(symback.SymbackError, match=message) as info:
        symback.grad(f)
    assert info.value.lineno is not None and "hint:" in str(info.value)


def test_cross_of_2_vectors_is_refused_where_it_runs():
    a, b = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    try:
        cross_2d(a, b)
    except ValueError as exc:  # NumPy 2.5 and later refuse 2-vectors: the gradient, as f
        with pytest.raises(ValueError, match=re.escape(str(exc))):
            symback.grad(cross_2d)(a, b)
        return
    with pytest.raises(symback.SymbackError, match="np.cross of 2-vectors") as info:
        symback.grad(cross_2d)(a, b)
    assert "a[0] * b[1] - a[1] * b[0]" in str(info.value)


def c_joined(x, Y):
    return np.sum(np.c_[x, Y] * np.arange(9.0).reshape(3, 3))


def test_c_makes_columns_of_vectors():
    """np.c_[x, Y] with x (3,) and Y (3, 2), weighed by 0..8 row by row: x is column 0."""
    gx, gY = symback.grad(c_joined, wrt=(0, 1))(np.ones(3), np.ones((3, 2)))
    np.testing.assert_array_equal(gx, [0.0, 3.0, 6.0])
    np.testing.assert_array_equal(gY, [[1.0, 2.0], [4.0, 5.0], [7.0, 8.0]])


def r_joined(x, y):
    return np.sum(np.r_[x, 2.0, y[1:]] * np.arange(6.0))


def test_r_joins_numbers_and_slices():
    """np.r_[x, 2.0, y[1:]] weighed by 0..5: x gets 0..2, y[1:] gets 4 and 5."""
    gx, gy = symback.grad(r_joined, wrt=(0, 1))(np.ones(3), np.ones(3))
    np.testing.assert_array_equal(gx, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(gy, [0.0, 4.0, 5.0])


def eigen_parts(A):
    w, V = np.linalg.eigh(A)
    return np.sum(w * np.arange(3.0)) + np.sum(V[0] ** 2 * w) + np.sum(np.linalg.eigvalsh(A) ** 3)


def test_a_decomposition_used_for_several_parts_is_computed_once():
    """w and V of one np.linalg.eigh, in the forward pass and in every adjoint that reads
    them: one call in the gradient code (the user's np.linalg.eigvalsh stays theirs)."""
    g = symback.grad(eigen_parts)
    S = np.array([[2.0, 0.5, 0.1], [0.5, 1.0, -0.3], [0.1, -0.3, 3.0]])
    got = g(S)
    assert g.source.count("np.linalg.eigh(") == 1, g.source
    assert g.source.count("np.linalg.eigvalsh(") == 1, g.source
    expected = np.zeros((3, 3))
    for k in np.ndindex(3, 3):
        up, down = S.copy(), S.copy()
        up[k] += 1e-6
        down[k] -= 1e-6
        expected[k] = (eigen_parts(up) - eigen_parts(down)) / 2e-6
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


def split_in_branches(x, c):
    if c > 0:
        p = np.split(x, 2)
    else:
        p = np.split(x * 2.0, 2)
    return np.sum(p[0] * p[1])


def split_in_a_loop(x):
    total = 0.0
    for k in range(2):
        p = np.split(x * (k + 1.0), 2)
        total = total + np.sum(p[0] * p[1])
    return total


def test_a_name_holding_pieces_is_refused_where_branches_meet():
    with pytest.raises(symback.SymbackError, match="`p` holds the values a call returned"):
        symback.grad(split_in_branches)(np.arange(4.0), 1.0)


def test_a_name_holding_pieces_inside_a_loop():
    """sum over k of (k + 1)^2 (x0 x2 + x1 x3): 5 x2, 5 x3, 5 x0, 5 x1."""
    x = np.array([0.5, -1.0, 2.0, 3.0])
    got = symback.grad(split_in_a_loop)(x)
    np.testing.assert_allclose(got, 5 * x[[2, 3, 0, 1]], rtol=1e-14)


def eigh_in_a_loop(A):
    total = 0.0
    for k in range(3):
        w, v = np.linalg.eigh(A * (k + 1.0))
        total = total + np.sum(w**2) + np.sum(v[:, 0] ** 2 * np.arange(3.0))
    return total


grad_eigh_in_a_loop = symback.grad(eigh_in_a_loop).function


def along(A, V):
    return np.sum(grad_eigh_in_a_loop(A) * V)


def test_hessian_through_a_decomposition_named_once_in_a_loop():
    """The gradient code names eigh's tuple in the loop body (t = np.linalg.eigh(...)); its
    own gradient reads the parts of that name: against central differences."""
    S = np.array([[2.0, 0.5, 0.1], [0.5, 1.0, -0.3], [0.1, -0.3, 3.0]])
    V = np.tril(np.arange(9.0).reshape(3, 3) / 9.0)
    got = symback.grad(along)(S, V)
    expected = np.zeros((3, 3))
    for k in np.ndindex(3, 3):
        up, down = S.copy(), S.copy()
        up[k] += 1e-6
        down[k] -= 1e-6
        expected[k] = (along(up, V) - along(down, V)) / 2e-6
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
