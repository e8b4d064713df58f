"""Every zoo function's symbolic gradient against finite differences, plus API behaviour."""

import copy
import inspect
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import symback
from tests import zoo
from tests.helpers import assert_source_black_stable, check_gradient

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ZOO_IDS = [zoo.entry_id(e) for e in zoo.ZOO]
AUX_IDS = [zoo.entry_id(e) for e in zoo.AUX_ZOO]


def _kwargs(f):
    return dict(zoo.KWARGS.get(f.__name__, {}))


@pytest.mark.parametrize("entry", zoo.ZOO, ids=ZOO_IDS)
def test_zoo_gradient(entry):
    f, args, wrt = entry
    check_gradient(f, args, wrt=wrt, kwargs=_kwargs(f))


@pytest.mark.parametrize("entry", zoo.ZOO, ids=ZOO_IDS)
def test_zoo_value_is_bitwise_the_function_value(entry):
    f, args, wrt = entry
    kwargs = _kwargs(f)
    value, grad = symback.value_and_grad(f, wrt=wrt)(*args, **kwargs)
    expected = f(*copy.deepcopy(args), **copy.deepcopy(kwargs))  # f may mutate its inputs
    assert np.shape(value) == ()
    assert value == expected, f"value {value!r} != f(...) = {expected!r}"
    # The gradient alone may be computed without a forward value the pair needs (a sigmoid in
    # place of exp(u - logaddexp)): the same number up to rounding.
    plain = symback.grad(f, wrt=wrt)(*args, **kwargs)
    if isinstance(wrt, tuple):
        assert isinstance(grad, tuple) and len(grad) == len(wrt)
        for a, b in zip(grad, plain):
            np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-300)
    else:
        np.testing.assert_allclose(grad, plain, rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("entry", zoo.ZOO, ids=ZOO_IDS)
def test_zoo_keyword_call_matches_positional(entry):
    f, args, wrt = entry
    kwargs = _kwargs(f)
    g = symback.grad(f, wrt=wrt)
    names = list(inspect.signature(f).parameters)
    by_keyword = dict(zip(names, args), **kwargs)
    positional = g(*args, **kwargs)
    keyword = g(**by_keyword)
    if isinstance(wrt, tuple):
        for a, b in zip(positional, keyword):
            np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_array_equal(positional, keyword)


@pytest.mark.parametrize("entry", zoo.ZOO, ids=ZOO_IDS)
def test_zoo_source_is_black_stable(entry):
    f, _, wrt = entry
    assert_source_black_stable(f, wrt)


@pytest.mark.parametrize("entry", zoo.AUX_ZOO, ids=AUX_IDS)
def test_has_aux_gradient(entry):
    f, args, wrt = entry
    check_gradient(f, args, wrt=wrt, has_aux=True)


@pytest.mark.parametrize("entry", zoo.AUX_ZOO, ids=AUX_IDS)
def test_has_aux_value_and_grad(entry):
    f, args, wrt = entry
    (value, aux), grad = symback.value_and_grad(f, wrt=wrt, has_aux=True)(*args)
    loss, expected_aux = f(*args)
    assert value == loss
    np.testing.assert_array_equal(aux, expected_aux)
    plain, aux2 = symback.grad(f, wrt=wrt, has_aux=True)(*args)
    np.testing.assert_array_equal(aux2, expected_aux)
    if isinstance(wrt, tuple):
        for a, b in zip(grad, plain):
            np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_array_equal(grad, plain)


def test_zoo_is_big_enough():
    assert len({e[0] for e in zoo.ZOO}) >= 70


# ---------------------------------------------------------------- worked examples


def test_sigmoid_neuron_worked_example():
    x, w, b, t = 0.5, 2.0, -1.0, 1.0
    # w*x + b = 0, a = 1/2, L = (1/2 - 1)^2 = 1/4
    # dL/da = 2(a - t) = -1, da/dz = a(1 - a) = 1/4, dz/dw = x = 1/2, dz/db = 1
    loss, (dw, db) = symback.value_and_grad(zoo.sigmoid_neuron, wrt=("w", "b"))(x, w, b, t)
    assert loss == pytest.approx(0.25, abs=1e-15)
    assert dw == pytest.approx(-0.125, abs=1e-15)
    assert db == pytest.approx(-0.25, abs=1e-15)
    dw1 = symback.grad(zoo.sigmoid_neuron, wrt="w")(x, w, b, t)
    db1 = symback.grad(zoo.sigmoid_neuron, wrt=2)(x, w, b, t)
    assert (dw1, db1) == (dw, db)


def test_sigmoid_neuron_half_worked_example():
    x, w, b, t = 0.5, 2.0, -1.0, 1.0
    loss, (dw, db) = symback.value_and_grad(zoo.sigmoid_neuron_half, wrt=("w", "b"))(x, w, b, t)
    assert loss == pytest.approx(0.125, abs=1e-15)
    assert dw == pytest.approx(-0.0625, abs=1e-15)
    assert db == pytest.approx(-0.125, abs=1e-15)


def test_composed_sigmoid_worked_example():
    w, x, t = 0.8, 1.5, 0.3
    z = w * x
    y = 1 / (1 + math.exp(-z))
    a_prime = y * (1 - y)  # sigmoid'(z)
    dw_by_hand = 2 * (y - t) * a_prime * x
    dx_by_hand = 2 * (y - t) * a_prime * w
    dt_by_hand = -2 * (y - t)
    dw = symback.grad(zoo.composed_sigmoid, wrt="w")(w, x, t)
    assert dw == pytest.approx(dw_by_hand, rel=1e-13)
    gw, gx, gt = symback.grad(zoo.composed_sigmoid, wrt=("w", "x", "t"))(w=w, x=x, t=t)
    assert gw == pytest.approx(dw_by_hand, rel=1e-13)
    assert gx == pytest.approx(dx_by_hand, rel=1e-13)
    assert gt == pytest.approx(dt_by_hand, rel=1e-13)


def test_saturated_sigmoid_gradient_is_finite():
    # w*x = -800: exp(800) overflows to inf, y = 1/(1+inf) = 0 and f is finite (0.09);
    # the true gradient 2*(y-t)*y*(1-y)*x is about -1e-348, i.e. 0 in float64.
    w, x, t = -800.0, 1.0, 0.3
    with np.errstate(over="ignore"):
        assert zoo.composed_sigmoid(w, x, t) == pytest.approx(0.09)
        dw = symback.grad(zoo.composed_sigmoid, wrt="w")(w, x, t)
    assert np.isfinite(dw), f"gradient of a saturated sigmoid is {dw!r}"
    assert abs(dw) < 1e-300


def test_logaddexp_large_arguments():
    a, b = 800.0, 801.0
    da, db = symback.grad(zoo.logaddexp_arrays, wrt=("a", "b"))(a, b)
    assert da == pytest.approx(1 / (1 + math.exp(1.0)), rel=1e-13)
    assert db == pytest.approx(1 / (1 + math.exp(-1.0)), rel=1e-13)


# ---------------------------------------------------------------- API forms


def test_wrt_index_name_and_negative_index_agree():
    args = (1.0, -2.0, 0.5, 3.0)
    f = zoo.gravitational_potential
    by_name = symback.grad(f, wrt="y")(*args)
    by_index = symback.grad(f, wrt=1)(*args)
    by_negative = symback.grad(f, wrt=-3)(*args)
    default = symback.grad(f)(*args)
    first = symback.grad(f, wrt="x")(*args)
    assert by_name == by_index == by_negative
    assert default == first
    pair = symback.grad(f, wrt=("m", "x"))(*args)
    assert pair == (symback.grad(f, wrt="m")(*args), first)


def test_decorator_forms():
    @symback.grad
    def g1(x, y):
        return x**2 * y

    @symback.grad(wrt="y")
    def g2(x, y):
        return x**2 * y

    assert g1(3.0, 2.0) == pytest.approx(12.0)
    assert g2(3.0, 2.0) == pytest.approx(9.0)
    assert g2(x=3.0, y=2.0) == pytest.approx(9.0)


def test_keyword_only_called_by_keyword():
    g = symback.grad(zoo.keyword_only, wrt=("x", "scale"))
    gx, gs = g(0.9, scale=1.7)
    x, s = 0.9, 1.7
    assert gx == pytest.approx(2 * s * x + math.cos(s * x) * s, rel=1e-13)
    assert gs == pytest.approx(x**2 + math.cos(s * x) * x, rel=1e-13)


def test_default_overridden_by_keyword():
    g = symback.grad(zoo.default_parameter, wrt=("x", "k"))
    gx, gk = g(x=0.7, k=-1.5)
    assert gx == pytest.approx(-1.5 * math.cos(0.7), rel=1e-13)
    assert gk == pytest.approx(math.sin(0.7) + 2 * -1.5, rel=1e-13)


def test_int_inputs_where_floats_expected():
    # An int argument must still give the float gradient.
    assert symback.grad(zoo.poly_cubic)(2) == pytest.approx(9 * 4 - 4 * 2 + 1)


def test_float32_inputs():
    v = zoo.V4.astype(np.float32)
    g = symback.grad(zoo.logsumexp_naive)(v)
    assert np.shape(g) == v.shape
    expected = np.exp(zoo.V4) / np.sum(np.exp(zoo.V4))
    np.testing.assert_allclose(g, expected, rtol=1e-5)


def test_non_scalar_output_raises():
    def not_scalar(v):
        return v * 2.0

    with pytest.raises(symback.SymbackError):
        symback.grad(not_scalar)(zoo.V4)


# ---------------------------------------------------------------- determinism

_DETERMINISM_SCRIPT = """
import symback
from tests import zoo
for f, wrt in [(zoo.black_scholes_call, ("S", "sigma")), (zoo.row_plus_matrix, ("r", "M")),
               (zoo.augmented_assignment, 0)]:
    print(symback.grad(f, wrt=wrt).source)
    print(symback.value_and_grad(f, wrt=wrt).source)
    print("=" * 20)
"""


def _generate_in_subprocess(hashseed: str) -> str:
    env = dict(os.environ, PYTHONHASHSEED=hashseed)
    out = subprocess.run(
        [sys.executable, "-c", _DETERMINISM_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return out.stdout


def test_source_is_deterministic_across_processes():
    first = _generate_in_subprocess("0")
    second = _generate_in_subprocess("12345")
    assert first.count("=" * 20) == 3
    assert first == second
    here = symback.grad(zoo.black_scholes_call, wrt=("S", "sigma")).source
    assert first.startswith(here)
