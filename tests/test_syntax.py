"""The syntax of tests/syntax_zoo.py in symback gen and check, with the values Python gives,
and the refusals that remain naming their construct. (Gradients and Hessian-vector products
of every entry against numerical derivatives: the array zoo's tests, which include them.)"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import symback
from symback.gradcheck.api import check
from symback.gradcheck.numerical import numerical_gradient
from tests import syntax_zoo as sz

ROOT = Path(__file__).resolve().parents[1]
NAMES = sorted({f.__name__ for f, _, _ in sz.SYNTAX_ZOO})


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen") / "syntax_zoo_grad.py"
    functions = [arg for name in NAMES for arg in ("-f", name)]
    run = subprocess.run(
        [sys.executable, "-m", "symback", "gen", "tests/syntax_zoo.py", *functions, "-o", out],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    spec = importlib.util.spec_from_file_location("syntax_zoo_grad", out)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "f, args, wrt", sz.SYNTAX_ZOO, ids=[f.__name__ for f, _, _ in sz.SYNTAX_ZOO]
)
def test_generated_module_matches_finite_differences(generated, f, args, wrt):
    got = getattr(generated, f"grad_{f.__name__}")(*args)  # (its first parameter)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        numeric = numerical_gradient(f, args, 0)
    np.testing.assert_allclose(got, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    "f, args, wrt", sz.SYNTAX_ZOO, ids=[f.__name__ for f, _, _ in sz.SYNTAX_ZOO]
)
def test_check_passes_the_right_gradient_and_fails_a_wrong_one(f, args, wrt):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        numeric = numerical_gradient(f, args, 0)
    assert check(f, lambda *a: numeric, *args, points=0)
    assert not check(f, lambda *a: 1.5 * numeric + 0.1, *args, points=0)


def test_an_assert_runs_in_the_forward_pass(generated):
    x = np.array([0.3, np.nan, 1.0])
    with pytest.raises(AssertionError):
        sz.asserting(x)
    with pytest.raises(AssertionError):
        symback.value_and_grad(sz.asserting)(x)
    with pytest.raises(AssertionError):
        generated.grad_asserting(x)
    with pytest.raises(AssertionError, match="a vector"):
        symback.grad(sz.asserting)(np.ones((2, 2)))


def test_values_are_pythons_own():
    x = np.array([0.1, 0.2, 0.3, 1e16, -1e16])  # where the order of the additions matters
    for f, args in ((sz.builtin_sums, (x,)), (sz.list_as_array, (0.1, 1e8))):
        value, _ = symback.value_and_grad(f)(*args)
        assert value == f(*args)
    assert symback.value_and_grad(sz.by_mode)(x[:3], "max")[0] == sz.by_mode(x[:3], "max")


def test_a_comprehensions_variable_stays_in_it():
    def f(x):
        v = 2.0
        total = sum(v * v for v in x)
        return total * v

    x = np.array([0.5, -1.5, 2.0])
    np.testing.assert_allclose(symback.grad(f)(x), 2.0 * 2 * x)


def test_mode_is_not_differentiated_and_each_mode_is_its_own_branch():
    x = np.array([0.3, -0.2, 0.9])
    g = symback.grad(sz.by_mode)
    np.testing.assert_allclose(g(x, "sum"), 4.0 * x)
    np.testing.assert_allclose(g(x, "mean"), 2.0 * x**2)
    np.testing.assert_allclose(g(x, "max"), [0.0, 0.0, 2.0])


def repeats_a_list(x):
    v = [x, 1.0]
    return np.sum(2 * v)


def comprehension_of_unknown_length(x):
    return np.sum([t * 3.0 for t in x])


def pops_a_list_of_values(x):
    s = [x, 1.0]
    return s.pop()


@pytest.mark.parametrize(
    "f, says, at",
    [
        (repeats_a_list, "list or tuple in Python arithmetic", "2 * v"),
        (comprehension_of_unknown_length, "list comprehension given to NumPy", "[t * 3.0"),
        (pops_a_list_of_values, "list of values", "s.pop()"),
    ],
)
def test_refusals_name_the_construct(f, says, at):
    with pytest.raises(symback.SymbackError, match=says) as info:
        symback.grad(f)
    assert at in str(info.value)


def _unpack_two(x):
    a, b = x
    return a * b


def _unpack_nested(p):
    (a, b), c = p
    return a * b + np.sum(c)


@pytest.mark.parametrize("n", [1, 3, 4])
def test_unpacking_another_number_of_items_is_refused_as_python_refuses_it(n):
    with pytest.raises(ValueError):
        _unpack_two(np.ones(n))  # what Python does
    g = symback.grad(_unpack_two)
    for _ in range(2):  # the general code, then the specialised one
        with pytest.raises((ValueError, AssertionError)):
            g(np.ones(n))
    assert np.allclose(g(np.array([2.0, 3.0])), [3.0, 2.0])  # d(ab)/da = b, d(ab)/db = a


def test_nested_unpacking_checks_each_level():
    p = np.array([[1.5, 2.0], [0.5, 3.0]])
    g = symback.grad(_unpack_nested)
    # (a, b) = p[0] = (1.5, 2.0) and c = p[1]: d/da = b, d/db = a, d/dc = 1 each
    assert np.allclose(g(p), [[2.0, 1.5], [1.0, 1.0]])
    with pytest.raises((ValueError, AssertionError)):
        g(np.ones((3, 2)))
    with pytest.raises((ValueError, AssertionError)):
        g(np.ones((2, 3)))  # p[0] has three items for two names
