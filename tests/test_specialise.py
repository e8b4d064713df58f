"""Gradients specialised to a first call's shapes: right for those shapes, and for others.

Every zoo test already checks the specialised code against finite differences (the first
call specialises). Here: the general code agrees with it on every zoo function, broadcasting
in every direction is summed back right when the shapes are known, and a call with other
types, shapes or tested values never runs code made for different ones.
"""

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit

import symback
from symback import gradient
from symback.optimize import inplace
from tests import array_zoo, control_zoo, writes_zoo, zoo
from tests.helpers import check_gradient

ENTRIES = [(e, zoo.KWARGS) for e in zoo.ZOO]
ENTRIES += [(e, {}) for e in array_zoo.ARRAY_ZOO] + [(e, {}) for e in control_zoo.ZOO]
ENTRIES += [(e, {}) for e in writes_zoo.ZOO]


def _pairs(a, b):
    return zip(a, b) if isinstance(a, tuple) else [(a, b)]


@pytest.mark.parametrize("entry, kwargs", ENTRIES, ids=[zoo.entry_id(e) for e, _ in ENTRIES])
def test_the_general_code_agrees_with_the_specialised(entry, kwargs):
    f, args, wrt = entry[:3]
    kwargs = dict(kwargs.get(f.__name__, {}))
    g = symback.grad(f, wrt=wrt)
    specialised = g(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    assert any(made is not None for made in g._specialised.values()), "not specialised"
    general = g.function(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    for a, b in _pairs(specialised, general):
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


# -- broadcasting in every direction, each function called with several kinds of arguments


def scaled_sum(a, x):
    return np.sum(a * x)


def gaussian_loglik(mu, log_sigma, x):
    z = (x - mu) / np.exp(log_sigma)
    return np.sum(-0.5 * z**2 - log_sigma)


def keepdims_mix(W, b):
    return np.sum(np.mean(W, axis=0, keepdims=True) * b + np.max(W, axis=1, keepdims=True))


def outer_mean(u, v):
    return np.mean(u[:, None] * v[None, :]) + np.sum(u) * np.mean(v)


def constant_gradient(x):
    return np.sum(3.0 * x) + 2.0 * np.mean(x)


def products(a, b):
    return np.sum((a @ b) ** 2)


def head(x, k):
    return np.sum(x[:k] ** 2) + np.sum(x)


def positives(x):
    return np.sum(x[x > 0] ** 3) + np.mean(x)


def sum_rows_then_scale(X, s):
    return np.sum(np.sum(X, axis=1) * s)


rng = np.random.default_rng(7)
N = rng.normal


CASES = [
    (scaled_sum, [(1.5, N(size=5)), (N(size=5), N(size=5)), (N(size=(3, 1)), N(size=(3, 4)))]),
    (scaled_sum, [(N(size=(1, 4)), N(size=(3, 4))), (N(size=(2, 3, 4)), N(size=4))]),
    (gaussian_loglik, [(0.3, -0.2, N(size=50)), (N(size=50), -0.2, N(size=50))]),
    (gaussian_loglik, [(N(size=(1, 3)), N(size=3), N(size=(20, 3)))]),
    (
        keepdims_mix,
        [(N(size=(4, 3)), N(size=3)), (N(size=(4, 3)), N(size=(4, 1))), (N(size=(4, 3)), 0.5)],
    ),
    (outer_mean, [(N(size=3), N(size=4)), (N(size=1), N(size=6))]),
    (constant_gradient, [(N(size=5),), (N(size=(2, 3)),), (1.25,)]),
    (products, [(N(size=(3, 4)), N(size=(4, 2))), (N(size=(3, 4)), N(size=4))]),
    (
        products,
        [(N(size=4), N(size=(4, 2))), (N(size=4), N(size=4)), (N(size=(2, 3, 4)), N(size=(4, 2)))],
    ),
    (sum_rows_then_scale, [(N(size=(3, 4)), 2.0), (N(size=(3, 4)), N(size=3))]),
]


@pytest.mark.parametrize(
    "f, calls", CASES, ids=[f"{f.__name__}-{i}" for i, (f, _) in enumerate(CASES)]
)
def test_broadcasting_is_summed_back_for_each_kind_of_arguments(f, calls):
    wrt = tuple(range(len(calls[0])))
    for args in calls:  # one gradient object: each kind of arguments gets its own code
        check_gradient(f, args, wrt=wrt)
    made = symback.grad(f, wrt=wrt)._specialised  # (shared by the rows of one function)
    assert len([m for m in made.values() if m is not None]) >= len(calls)


def test_a_tested_value_changes_the_shapes_so_it_gets_its_own_code():
    x = N(size=8)
    for k in (3, 5, 3, 8):
        check_gradient(head, (x, k), wrt=0)
    assert len(symback.grad(head, wrt=0)._specialised) == 3


def test_a_boolean_mask_of_other_data_is_right_with_the_same_shapes():
    for x in (np.array([1.0, -2.0, 3.0, 0.5]), np.array([-1.0, -2.0, 3.0, -0.5])):
        check_gradient(positives, (x,))


class Tagged(np.ndarray):
    """An array subclass: the guard's exact type test turns it away."""


def test_a_later_call_with_an_array_subclass_runs_the_general_code():
    g = symback.grad(scaled_sum, wrt=1)
    x = N(size=3)
    np.testing.assert_allclose(g(2.0, x), np.full(3, 2.0))
    np.testing.assert_allclose(g(2.0, N(size=(2, 2)).view(Tagged)), np.full((2, 2), 2.0))
    np.testing.assert_allclose(g(np.float64(3.0), x), np.full(3, 3.0))
    assert len(g._specialised) == 2  # a float and a float64: the subclass ran the general code


def test_calls_go_straight_to_the_specialised_function():
    def loss(w, X):
        return np.sum(np.tanh(X @ w) ** 2)

    g = symback.grad(loss)
    w, X = N(size=3), N(size=(5, 3))
    first = g(w, X)
    made = g._specialised[next(iter(g._specialised))]
    assert type(g).__call__ is made  # no Python between the call and the generated code
    assert isinstance(g, symback.GradientFunction)
    np.testing.assert_array_equal(g(w, X), first)
    assert "_unbroadcast(" in g.source and "_unbroadcast(" not in g.specialised_source
    assert "_matmul_right(" not in g.specialised_source
    check_gradient(loss, (w, X))


def sine_weighted(x):
    return np.sum(np.sin(x) * x)


def test_two_sizes_in_turn_each_run_their_own_code_without_the_general_path(monkeypatch):
    g = symback.grad(sine_weighted)
    small, large = N(size=3), N(size=50)
    g(small), g(large)  # one specialisation each; the first one's guard passes on to the second

    def no_general_path(self, args, kwargs, failed=None):
        raise AssertionError("a call of a kind already specialised reached the general path")

    monkeypatch.setattr(gradient.GradientFunction, "_dispatch", no_general_path)
    for x in (small, large, small, large):
        np.testing.assert_allclose(g(x), np.cos(x) * x + np.sin(x), rtol=1e-14)
    monkeypatch.undo()
    third = N(size=7)  # the end of the chain makes a third one
    np.testing.assert_allclose(g(third), np.cos(third) * third + np.sin(third), rtol=1e-14)
    assert len(g._specialised) == 3
    check_gradient(sine_weighted, (large,))


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # the user's np.exp
def test_where_math_raises_in_a_later_specialisation_the_general_code_answers():
    g = symback.grad(overflows)
    g(0.5), g(np.float64(0.5))  # a float, then a float64: two specialisations, chained
    assert len(g._specialised) == 2
    for x in (800.0, np.float64(800.0), np.float64(-800.0)):
        expected = g.function(x)
        assert np.isfinite(expected)
        np.testing.assert_allclose(g(x), expected, rtol=1e-14)


def test_many_kinds_of_arguments_fall_back_to_the_general_code():
    def total(x):
        return np.sum(x**2)

    g = symback.grad(total)
    for n in range(1, gradient.MAX_SPECIALISED + 4):
        x = N(size=n)
        np.testing.assert_allclose(g(x), 2 * x)
    assert len(g._specialised) == gradient.MAX_SPECIALISED


def test_specialising_can_be_turned_off(monkeypatch):
    monkeypatch.setattr(gradient, "SPECIALISE", False)

    def cube(x):
        return np.sum(x**3)

    g = symback.grad(cube)
    x = N(size=4)
    np.testing.assert_allclose(g(x), 3 * x**2)
    assert not g._specialised and g.specialised_source is None


# -- NumPy functions on Python floats run as `math` functions in the gradient


def np_on_floats(a, b):
    t = np.sin(a * b) + np.exp(-a * a)
    return np.arctan(t) * np.sqrt(1.0 + b * b) + np.log1p(t * t)


def overflows(x):
    return np.log(1.0 + np.exp(x)) + np.sqrt(np.abs(x))


def test_numpy_functions_on_floats_become_math_functions():
    args = (0.7, -1.3)
    check_gradient(np_on_floats, args, wrt=(0, 1))
    g = symback.grad(np_on_floats, wrt=(0, 1))
    body = g.specialised_source.split("def grad_np_on_floats")[1]
    assert "math.sin(" in body and "math.atan(" in body and "np.sin(" not in body
    value, grads = symback.value_and_grad(np_on_floats, wrt=(0, 1))(*args)
    assert value == np_on_floats(*args)  # the value is the user's own, bit for bit
    np.testing.assert_allclose(grads, g(*args), rtol=1e-14)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # the user's np.exp
def test_where_math_raises_the_general_code_answers():
    g = symback.grad(overflows)
    for x in (0.5, 800.0, -800.0):  # math.exp(800.0) raises OverflowError; np.exp gives inf
        np.testing.assert_allclose(g(x), g.function(x), rtol=1e-14)
    assert np.isfinite(g(800.0))


def test_an_array_of_another_dtype_gets_its_own_code():
    def first_sine(x):
        return np.sin(x[0]) * np.sum(x)

    g = symback.grad(first_sine)
    x = N(size=3)
    check_gradient(first_sine, (x,))
    for other in (x.astype(np.float32), x.astype(complex)):  # x[0] is no Python float here
        expected = g.function(other)
        got = g(other)
        assert got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert len(g._specialised) == 3


def logistic(w, X, y):
    return np.mean(np.logaddexp(0.0, -y * (X @ w))) + 0.5 * np.sum(w * w)


def test_a_forward_value_only_adjoints_read_is_not_computed():
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(30, 4)), np.where(rng.normal(size=30) > 0, 1.0, -1.0)
    w = rng.normal(size=4)
    check_gradient(logistic, (w, X, y))
    g = symback.grad(logistic)
    assert "logaddexp" in g.source  # the general code reads the forward value
    assert "logaddexp" not in g.specialised_source.split("def grad_logistic")[1]
    for scale in (100.0, -100.0):  # margins of about +-800: exp(800) overflows
        Xs = X * scale
        margins = y * (Xs @ w)
        expected = -(expit(-margins) * y) @ Xs / len(y) + w
        np.testing.assert_allclose(g(w, Xs, y), expected, rtol=1e-12)


# -- random broadcasting: every combination of shapes sums back like the general code


SHAPES = [(), (1,), (3,), (2, 1), (1, 3), (2, 3), (4, 2, 3), (4, 1, 1)]


def broadcast_mix(a, b, c):
    t = a * b + np.tanh(c) * a
    u = np.sum(t * t, axis=-1, keepdims=True) * c + b
    return np.sum(u) + np.mean(a * c) * np.sum(b)


@settings(max_examples=60, deadline=None)
@given(shapes=st.lists(st.sampled_from(SHAPES), min_size=3, max_size=3), seed=st.integers(0, 99))
def test_random_broadcast_shapes_match_the_general_code_and_differences(shapes, seed):
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return  # not broadcastable: the function itself fails
    rng = np.random.default_rng(seed)
    args = tuple(float(rng.normal()) if s == () else rng.normal(size=s) for s in shapes)
    g = symback.grad(broadcast_mix, wrt=(0, 1, 2))
    limit, gradient.MAX_SPECIALISED = gradient.MAX_SPECIALISED, 10**6  # each example its own code
    try:
        specialised = g(*args)
    finally:
        gradient.MAX_SPECIALISED = limit
    assert all(made is not None for made in g._specialised.values())
    for a, b, arg in zip(specialised, g.function(*args), args):
        assert np.shape(a) == np.shape(arg)
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    check_gradient(broadcast_mix, args, wrt=(0, 1, 2))


def array_on_one_side(x):
    if x[0] > 0.0:
        s = np.sum(x**2)
    else:
        s = x**2  # an array: not a function to differentiate
    return s


def test_an_output_that_turns_into_an_array_is_reported_as_such():
    g = symback.grad(array_on_one_side)
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(g(x), 2 * x)  # specialised on this call
    with pytest.raises(symback.NonScalarOutputError, match="scalar"):
        g(np.array([-1.0, 2.0]))  # same shapes, the other branch


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosenbrock_by_hand(x):
    d = np.zeros_like(x)
    d[:-1] = -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2.0 * (1 - x[:-1])
    d[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return d


def test_a_helper_no_remaining_line_calls_is_not_emitted():
    g = symback.grad(rosenbrock)
    x = N(size=6)
    np.testing.assert_allclose(g(x), rosenbrock_by_hand(x), rtol=1e-12)
    assert "def _scatter(" in g.source  # the general code scatters each slice's gradient
    assert "_scatter" not in g.specialised_source  # here: one buffer, written by slices
    check_gradient(rosenbrock, (x,))


# -- large elementwise lines computed into buffers (optimize/inplace.py) ----------------------
# The pass applies to arrays of 256 KiB and more; with its threshold at 0 it applies to every
# elementwise line of the zoo's small arrays, so that a write into an argument, into a view of
# one or into a value a later line reads shows up as a wrong gradient or a changed argument.


@pytest.fixture
def in_place_everywhere(monkeypatch):
    monkeypatch.setattr(inplace, "MIN_BYTES", 0)
    monkeypatch.setattr(gradient, "_epoch", object())  # fresh gradients, specialised with the pass


def _same(before, after):
    if isinstance(before, (tuple, list)):
        assert type(before) is type(after) and len(before) == len(after)
        for b, a in zip(before, after):
            _same(b, a)
    elif isinstance(before, dict):
        assert before.keys() == after.keys()
        for key in before:
            _same(before[key], after[key])
    else:
        assert type(before) is type(after)
        np.testing.assert_array_equal(after, before)  # bit for bit


@pytest.mark.parametrize("entry, kwargs", ENTRIES, ids=[zoo.entry_id(e) for e, _ in ENTRIES])
def test_in_place_code_agrees_with_the_general_code_and_leaves_arguments_alone(
    entry, kwargs, in_place_everywhere
):
    f, args, wrt = entry[:3]
    kwargs = dict(kwargs.get(f.__name__, {}))
    args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    given = copy.deepcopy((args, kwargs))
    g = symback.grad(f, wrt=wrt)
    first = g(*args, **kwargs)
    _same(given, (args, kwargs))
    general = g.function(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    second = g(*args, **kwargs)  # and a second call: nothing carried over from the first
    _same(given, (args, kwargs))
    for result in (first, second):
        for a, b in _pairs(result, general):
            assert np.shape(a) == np.shape(b)
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def two_slices(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def read_twice(x, y):
    u = x * 2.0 + y  # read by three lines, forward and backward
    return np.sum(u * u) + np.sum(np.sin(u) * y) + np.sum(np.exp(-u))


def overlapping_slices(x):
    return np.sum(x[1:] * x[:-1]) + np.sum(np.tanh(x[:-1] ** 2 - 3.0 * x[1:]))


def columns(W):
    return np.sum(np.tanh(W[:, 1:] - W[:, :-1]) ** 2) + np.sum(W[:, :-1] * W[:, 1:])


def through_a_view(x):
    a = x[2:]
    b = a[:-1]
    return np.sum(np.exp(b - a[1:]) * a[1:]) + np.mean(x * x)


IN_PLACE = [
    (two_slices, (N(size=9),)),
    (read_twice, (N(size=7), N(size=7))),
    (overlapping_slices, (N(size=8),)),
    (columns, (N(size=(4, 5)),)),
    (through_a_view, (N(size=10),)),
]


@pytest.mark.parametrize("f, args", IN_PLACE, ids=[f.__name__ for f, _ in IN_PLACE])
def test_in_place_code_matches_numerical_gradients(f, args, in_place_everywhere):
    wrt = tuple(range(len(args)))
    check_gradient(f, args, wrt=wrt)  # (also: no argument changed)
    g = symback.grad(f, wrt=wrt)
    assert ", out=" in g.specialised_source  # the pass did write these in place
    for a, b in _pairs(g(*args), g.function(*args)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    value, grads = symback.value_and_grad(f, wrt=wrt)(*args)
    assert value == f(*args)
    for a, b in _pairs(grads, g.function(*args)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_a_large_slice_gradient_is_written_into_the_gradient_buffer():
    x = np.random.default_rng(3).uniform(-1.5, 1.5, size=40_000)  # 320 KB: above the threshold
    given = x.copy()
    g = symback.grad(two_slices)
    got = g(x)
    np.testing.assert_array_equal(x, given)
    np.testing.assert_allclose(got, rosenbrock_by_hand(x), rtol=1e-12, atol=1e-9)
    body = g.specialised_source.split("def grad_two_slices")[1]
    assert "out=d_x[:-1]" in body and "np.zeros" not in body  # only d_x[-1] is zeroed
    probe = np.random.default_rng(4).normal(size=x.size)
    eps = 1e-6
    numerical = (two_slices(x + eps * probe) - two_slices(x - eps * probe)) / (2 * eps)
    np.testing.assert_allclose(got @ probe, numerical, rtol=1e-6)
