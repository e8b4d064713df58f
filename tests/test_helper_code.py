"""symback's module helpers are real functions (symback/backend/helper_code.py): each checked here
against a computation written out element by element, and as emitted under other names."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from symback.backend import helper_arrays, helper_series
from symback.backend import helper_code as h
from symback.backend.helpers import HELPERS, module_names


def test_unbroadcast_sums_the_broadcast_axes():
    g = np.arange(24.0).reshape(4, 2, 3)
    like = np.ones((2, 1))
    expected = np.zeros((2, 1))
    for i, j, k in itertools.product(range(4), range(2), range(3)):
        expected[j, 0] += g[i, j, k]
    got = h.unbroadcast(g, like)
    assert got.shape == (2, 1)
    np.testing.assert_array_equal(got, expected)


def test_prod_others_is_exact_where_there_are_zeros():
    x = np.array([[2.0, 0.0, 3.0, 5.0], [0.0, 0.0, 1.5, -2.0]])
    expected = np.array(
        [[math.prod(row[m] for m in range(4) if m != j) for j in range(4)] for row in x]
    )
    np.testing.assert_array_equal(h.prod_others(x, 1), expected)
    np.testing.assert_array_equal(h.prod_others(x.T, 0), expected.T)


def test_prod_others_vjp_sums_the_products_of_all_but_two():
    rng = np.random.default_rng(0)
    x, g = rng.uniform(-2, 2, 5), rng.uniform(-1, 1, 5)
    x[2] = 0.0
    expected = [
        sum(g[j] * math.prod(x[m] for m in range(5) if m not in (j, k)) for j in range(5) if j != k)
        for k in range(5)
    ]
    np.testing.assert_allclose(h.prod_others_vjp(g, x, 0), expected, rtol=1e-12)


def test_softmax_is_finite_where_exp_overflows():
    x = np.array([[1000.0, 1000.0, 0.0], [0.5, -0.5, 1.0]])
    p = h.softmax(x, 1)
    np.testing.assert_allclose(p[0], [0.5, 0.5, 0.0])
    np.testing.assert_allclose(p[1], np.exp(x[1]) / np.exp(x[1]).sum(), rtol=1e-14)


def test_scatter_add_adds_repeated_indices():
    got = h.scatter_add(np.array([1.0, 2.0, 4.0]), np.zeros(3), np.s_[[0, 2, 2]])
    np.testing.assert_array_equal(got, [1.0, 0.0, 6.0])


def test_hstack_piece_reads_back_what_hstack_place_puts():
    pieces = [np.ones((2, 1)), np.arange(4.0).reshape(2, 2)]
    joined = np.hstack(pieces)
    np.testing.assert_array_equal(h.hstack_piece(joined, pieces, 1), pieces[1])
    placed = h.hstack_place(pieces[1], joined, pieces, 1)
    np.testing.assert_array_equal(placed, [[0.0, 0.0, 1.0], [0.0, 2.0, 3.0]])


def test_scatter_diagonal_puts_g_on_the_offset_diagonal():
    out = h.scatter_diagonal(np.array([1.0, 2.0]), np.ones((2, 3)), 1)
    np.testing.assert_array_equal(out, [[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])


def test_every_helper_is_a_function_of_helper_code():
    assert set(HELPERS) == {
        n
        for m in (h, helper_arrays, helper_series)
        for n, v in vars(m).items()
        if callable(v) and v.__module__ == m.__name__
    }


@pytest.mark.parametrize("key", ["matmul_left", "dot_right", "prod_others_vjp2"])
def test_a_helper_emitted_under_other_names_runs_the_same(key):
    """A user's function binding `np` and `_unbroadcast` moves the module's names: the helper
    text is renamed where its tree reads them, and computes what the real function does."""
    names = module_names({"np", "_unbroadcast", "_matmul_left", "_dot_left", "_dual_products"})
    assert names["np"] != "np" and names["unbroadcast"] != "_unbroadcast"
    namespace = {names["np"]: np}
    for dep in ("unbroadcast", "matmul_left", "matmul_right", "dual_products", key):
        exec(HELPERS[dep].printed(names), namespace)
    rng = np.random.default_rng(1)
    a, b, c = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=(3, 2))
    if key == "prod_others_vjp2":
        args = (rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), 1)
    else:
        args = (c, a, b)
    np.testing.assert_array_equal(namespace[names[key]](*args), getattr(h, key)(*args))


def test_helper_docstrings_are_black_stable():
    """black (line length 88) moves the closing quotes of a docstring of several lines
    whose last line is longer: the emitted helper would not survive formatting unchanged."""
    import ast
    import inspect

    for module in (h, helper_arrays, helper_series):
        source = inspect.getsource(module)
        lines = source.splitlines()
        for fn in ast.parse(source).body:
            if not isinstance(fn, ast.FunctionDef) or not ast.get_docstring(fn):
                continue
            doc = fn.body[0]
            if doc.end_lineno > doc.lineno:
                assert len(lines[fn.body[0].end_lineno - 1]) <= 88, fn.name
