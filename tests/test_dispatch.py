"""Calling a gradient: arguments its code would get wrong are refused, past the limit of
specialisations every call runs the general code, threads make one specialisation per kind
of arguments, and the cache lets go of functions nobody holds."""

import gc
import sys
import threading
import weakref

import numpy as np
import pytest

import symback
from symback import gradient


def product_sum(x):
    return np.sum(x * x)


def weighted(w, p):
    return np.sum(w * p)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # np.matrix itself
def test_np_matrix_and_masked_arrays_are_refused_naming_the_parameter():
    g = symback.grad(product_sum)
    np.testing.assert_allclose(g(np.array([[1.0, 2.0], [3.0, 4.0]])), [[2, 4], [6, 8]])
    for bad, word in (
        (np.matrix([[1.0, 2.0], [3.0, 4.0]]), "matrix"),
        (np.ma.array([1.0, 2.0], mask=[0, 1]), "MaskedArray"),
    ):
        with pytest.raises(symback.SymbackError, match=word) as info:
            g(bad)
        assert "`x`" in info.value.message and "np.asarray(x)" in info.value.hint
        assert info.value.place is not None and "def product_sum(x)" in info.value.place.line
    with pytest.raises(symback.SymbackError, match="`p`"):  # not only the one differentiated
        symback.grad(weighted)(np.ones(2), np.matrix([[1.0, 2.0]]))


class Tagged(np.ndarray):
    """A subclass that changes no operator: computed as an ndarray."""


def test_a_subclass_with_the_operators_of_an_array_still_works():
    x = np.array([1.0, -2.0]).view(Tagged)
    np.testing.assert_allclose(symback.grad(product_sum)(x), 2.0 * np.asarray(x))


def first_of(p):
    return p[0] * 2.0 + p[1] ** 2


def test_dict_list_and_tuple_parameters_get_gradients_of_their_structure():
    g = symback.grad(first_of)  # d/dp0 = 2, d/dp1 = 2 p1
    for tree in ({0: 1.0, 1: 2.0}, [1.0, 2.0], (1.0, 2.0)):
        got = g(tree)
        assert type(got) is type(tree)
        np.testing.assert_allclose([got[0], got[1]], [2.0, 4.0])
    np.testing.assert_allclose(g(np.array([1.0, 2.0])), [2.0, 4.0])


def indexed(x, rows):
    return np.sum(x[rows] ** 2)


def test_a_list_that_is_not_differentiated_is_still_an_index():
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(symback.grad(indexed)(x, [0, 2, 2]), [2.0, 0.0, 12.0])


def test_past_the_limit_no_chain_of_guards_runs_first(monkeypatch):
    def total(x):
        return np.sum(np.sin(x))

    g = symback.grad(total)
    sizes = range(1, gradient.MAX_SPECIALISED + 3)
    for n in sizes:
        x = np.linspace(-1.0, 1.0, n)
        np.testing.assert_allclose(g(x), np.cos(x), rtol=1e-14)
    assert len(g._specialised) == gradient.MAX_SPECIALISED

    def run(x):
        """g(x), and the files of the Python functions the call ran."""
        files = []

        def note(frame, event, arg):
            if event == "call":
                files.append(frame.f_code.co_filename)

        sys.setprofile(note)
        try:
            result = g(x)
        finally:
            sys.setprofile(None)
        np.testing.assert_allclose(result, np.cos(x), rtol=1e-14)
        return files

    for n in sizes:  # the sizes specialised run their code alone, the others the general code
        files = run(np.linspace(-1.0, 1.0, n))
        specialised = [f for f in files if f.endswith("specialised") or "specialised " in f]
        general = [f for f in files if f.startswith("<symback grad_total") and f not in specialised]
        if n <= gradient.MAX_SPECIALISED:
            assert len(specialised) == 1 and not general, files  # no chain of guards
        else:
            assert not specialised and len(general) == 1, files
        assert not any(f.endswith("inspect.py") for f in files)  # no signature binding


def test_threads_racing_on_first_calls_make_one_specialisation_each(monkeypatch):
    made = []
    original = gradient.specialised

    def counting(*args, **kwargs):
        made.append(args[2])  # the description of the arguments
        return original(*args, **kwargs)

    monkeypatch.setattr(gradient, "specialised", counting)

    def cubes(x):
        return np.sum(x**3)

    g = symback.grad(cubes)
    sizes = [1 + i % 12 for i in range(48)]  # 12 kinds of arguments, 4 threads each
    start = threading.Barrier(len(sizes))
    errors = []

    def call(n):
        x = np.linspace(0.5, 2.0, n)
        start.wait()
        try:
            np.testing.assert_allclose(g(x), 3.0 * x**2, rtol=1e-14)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(n,)) for n in sizes]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch often: the race shows if there is one
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors
    assert len(made) == len(set(made)) <= gradient.MAX_SPECIALISED
    assert len(g._specialised) == gradient.MAX_SPECIALISED
    for n in set(sizes):  # every kind, made or not, still right afterwards
        x = np.linspace(0.5, 2.0, n)
        np.testing.assert_allclose(g(x), 3.0 * x**2, rtol=1e-14)


def test_the_cache_lets_go_of_a_function_nobody_holds():
    def make(k):
        def f(x):
            return k * np.sum(x**2)

        return f

    f = make(3.0)
    g = symback.grad(f)
    assert symback.grad(f) is g  # cached while the function lives
    np.testing.assert_allclose(g(np.ones(2)), [6.0, 6.0])
    watched, watched_gradient = weakref.ref(f), weakref.ref(g)
    del f, g
    gc.collect()
    assert watched() is None and watched_gradient() is None


def test_a_decorated_gradient_keeps_its_function():
    @symback.grad
    def squared(x):
        return x * x

    gc.collect()
    assert squared.__wrapped__(3.0) == 9.0
    assert squared(3.0) == pytest.approx(6.0)
