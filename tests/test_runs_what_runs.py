"""symback differentiates the function that runs: through a decorator's wrapper, with the
outside values it reads as they are when the gradient is called, from a source that matches
the running code; bound methods are refused. Each against closed forms worked out here."""

import functools
import importlib
import sys
import textwrap
import types

import numpy as np
import pytest

import symback
from tests.helpers import central_difference

X = np.array([1.0, 2.0])


def doubled(fn):
    @functools.wraps(fn)
    def wrapper(x):
        return 2.0 * fn(x)

    return wrapper


@doubled
def doubled_squares(x):
    return np.sum(x**2)


def shifted(by):
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(x):
            return fn(x + by) + by

        return wrapper

    return decorate


@shifted(1.5)
def shifted_cubes(x):
    return np.sum(x**3)


def passing_everything(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return 3.0 * fn(*args, **kwargs)

    return wrapper


@passing_everything
def tripled_squares(x):
    return np.sum(x**2)


def test_a_wraps_decorator_is_differentiated_through_its_wrapper():
    np.testing.assert_allclose(symback.grad(doubled_squares)(X), 4.0 * X)  # d 2 sum x^2
    value, grad = symback.value_and_grad(doubled_squares)(X)
    assert value == doubled_squares(X)
    np.testing.assert_allclose(symback.grad(shifted_cubes)(X), 3.0 * (X + 1.5) ** 2)


def test_a_wrapper_symback_cannot_read_is_refused_not_skipped():
    with pytest.raises(symback.SymbackError) as info:
        symback.grad(tripled_squares)(X)
    assert info.value.place is not None and "wrapper" in info.value.place.line


def test_a_cached_function_is_the_function_it_caches():
    @functools.lru_cache(maxsize=None)
    def cube(x):
        return x**3

    assert symback.grad(cube)(2.0) == pytest.approx(12.0)


# -- outside values changed after the gradient was made ------------------------------------

K = 2.0


def helper(x):
    return x**2


def scaled(x):
    return K * np.sum(helper(x))


def test_a_changed_module_constant_and_helper_are_read_again(monkeypatch):
    g, pair = symback.grad(scaled), symback.value_and_grad(scaled)
    np.testing.assert_allclose(g(X), 2.0 * 2.0 * X)
    monkeypatch.setattr(sys.modules[__name__], "K", 5.0)
    np.testing.assert_allclose(g(X), 5.0 * 2.0 * X)  # [10, 20]
    value, grad = pair(X)
    assert value == scaled(X) == 25.0
    np.testing.assert_allclose(grad, 10.0 * X)
    monkeypatch.setattr(sys.modules[__name__], "helper", lambda x: x**3)
    with pytest.raises(symback.SymbackError):  # a lambda now: refused, not the old helper
        g(X)
    monkeypatch.setattr(sys.modules[__name__], "helper", _cubes)
    np.testing.assert_allclose(g(X), 5.0 * 3.0 * X**2)
    # and the gradient of the gradient
    second = symback.grad(symback.grad(lambda_free_scalar))
    assert second(1.0) == pytest.approx(6.0 * K)
    monkeypatch.setattr(sys.modules[__name__], "K", 0.5)
    assert second(1.0) == pytest.approx(3.0)


def _cubes(x):
    return x**3


def lambda_free_scalar(x):
    return K * x**3


def test_a_changed_closure_value_is_read_again():
    def make(k):
        def f(x):
            return k * np.sum(x**2)

        def set_k(v):
            nonlocal k
            k = v

        return f, set_k

    f, set_k = make(2.0)
    g = symback.grad(f)
    np.testing.assert_allclose(g(X), 4.0 * X)
    set_k(-1.0)
    np.testing.assert_allclose(g(X), -2.0 * X)
    np.testing.assert_allclose(g(3.0 * X), -6.0 * X)  # the specialised path checks too


def test_a_module_attribute_is_read_again():
    module = types.ModuleType("symback_test_constants")
    module.RATE = 3.0
    rate = _rate_of(module)
    g = symback.grad(rate)
    np.testing.assert_allclose(g(X), [3.0, 3.0])
    module.RATE = 7.0
    np.testing.assert_allclose(g(X), [7.0, 7.0])


def _rate_of(consts):
    def rate(x):
        return consts.RATE * np.sum(x)

    return rate


# -- the file edited after import -------------------------------------------------------------


def test_a_source_edited_after_import_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "edited_model.py"
    text = textwrap.dedent("""
        import numpy as np


        def loss(x):
            return np.sum(x**2)


        def outer(k):
            def inner(x):
                return k * np.sum(np.sin(x))

            return inner
        """)
    path.write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("edited_model")
    np.testing.assert_allclose(symback.grad(module.loss)(X), 2.0 * X)
    np.testing.assert_allclose(symback.grad(module.outer(2.0))(X), 2.0 * np.cos(X))
    path.write_text(text.replace("x**2", "x**4").replace("np.sin", "np.cos"))
    for fn in (module.loss, module.outer(3.0)):
        with pytest.raises(symback.SymbackError, match="not the code that runs") as info:
            symback.value_and_grad(fn)(X)
        assert info.value.place is not None and info.value.hint
    path.write_text("\n\n" + text)  # the same code two lines lower: its positions are wrong
    with pytest.raises(symback.SymbackError, match="not the code that runs"):
        symback.grad(module.loss, wrt="x")(X)


# -- methods ----------------------------------------------------------------------------------


class Model:
    def __init__(self):
        self.k = 3.0

    def loss(self, x):
        return self.k * x * x

    @classmethod
    def square(cls, x):
        return x * x

    @staticmethod
    def cube(x):
        return x**3


def test_bound_methods_and_classmethods_are_refused_with_a_hint():
    for method in (Model().loss, Model.square):
        with pytest.raises(symback.SymbackError, match="method bound") as info:
            symback.grad(method)(2.0)
        assert "parameters" in info.value.hint


def test_a_staticmethod_is_a_plain_function():
    assert symback.grad(Model.cube)(2.0) == pytest.approx(12.0)


# -- names of builtins the gradient code calls (tests/test_hidden_names.py: every one) ----------


def loop_scaled(reversed, x):
    s = 0.0
    for _ in range(3):
        s = s * reversed + x
    return s


def each_element(x, len):
    s = 0.0
    for v in x:
        s = s + v * len
    return s


def scaled_total(float, x):
    return np.sum(x) * float


def counted(x):
    range = np.sum(x)
    return range * 2.0


@pytest.mark.parametrize(
    "fn, args",
    [
        (loop_scaled, (0.5, 1.5)),
        (each_element, (np.array([1.0, -2.0, 0.5]), 2.0)),
        (scaled_total, (0.5, np.array([1.0, 2.0]))),
        (counted, (np.array([1.0, 3.0]),)),
    ],
)
def test_a_name_hiding_a_builtin_the_gradient_calls_works(fn, args):
    for _ in range(2):  # the general code, then the specialised one
        value, gradient = symback.value_and_grad(fn, wrt=tuple(range(len(args))))(*args)
        assert value == fn(*args)
        for i, got in enumerate(gradient):
            np.testing.assert_allclose(got, central_difference(fn, args, i), rtol=1e-7)
