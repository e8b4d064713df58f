"""Loop bodies specialised to a first call's shapes: right on that call, and on later calls
with the same shapes whose data take other paths (other branches, other trip counts).

symback/determined.py specialises a loop's body only when its shapes cannot change from
iteration to iteration or from call to call; the loops here try to make them change: a
carried value that grows or turns over, a counter in a slice, a branch whose sides differ
in shape, a `while` whose trip count depends on the data. Each gradient is checked against
central differences on two calls, the second with data that takes another path.
"""

import math
import re

import numpy as np
import pytest

import symback
from tests.helpers import check_gradient


def rnn(W, h0, X):
    h = h0
    for t in range(X.shape[0]):
        h = np.tanh(W @ h + X[t])
    return np.sum(h**2)


def euler(p, y0):
    y = y0
    for _ in range(50):
        dy = np.array([y[1], -p[0] * np.sin(y[0]) - p[1] * y[1]])
        y = y + 0.05 * dy
    return np.sum(y**2)


def horner(x, c):
    r = 0.0
    for k in range(len(c)):
        r = r * x + c[k]
    return r


def rosen(x):
    s = 0.0
    for i in range(len(x) - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def rows(X, w):
    s = 0.0
    for row in X:
        s = s + np.sum(np.tanh(row @ w))
    return s


def nested(X, w):
    s = 0.0
    for row in X:
        for j in range(len(row)):
            s = s + row[j] * w[j] ** 2
    return s


def growing(x):
    h = x[:1]
    for i in range(1, len(x)):
        h = np.concatenate([h, x[i : i + 1] * h[-1:]])
    return np.sum(h**2)


def turning(A):
    M = A
    for _ in range(4):  # (2, 3), (3, 2), (2, 3), ...: back to its first shape every 2 steps
        M = (M - np.mean(M, axis=0)).T  # (the mean's count changes too)
    return np.sum(M * A)


def prefix_sums(x):
    s = 0.0
    for i in range(1, len(x)):
        s = s + np.mean(x[:i] ** 2) * x[i]
    return s


def branch_shapes(x, h0):
    h = h0
    for i in range(len(x)):
        if x[i] > 0:
            h = h * x[i]
        else:
            h = np.sum(h, keepdims=True) * x[i]
    return np.sum(h**2)


def until(x):
    s = 1.0
    k = 0
    n = len(x)
    while s < 50.0:
        s = s * 1.5 + x[k % n] ** 2
        k = k + 1
    return s


def early(x, w):
    h = w
    for i in range(len(x)):
        h = np.sin(h) * x[i]
        if np.sum(h) > 1.0:
            break
    return np.sum(h**2)


def carried_counter(x):
    s = 0.0
    k = 0
    for _ in range(len(x) - 1):
        s = s + x[k] * x[k + 1]
        k = k + 1
    return s


rng = np.random.default_rng(0)

CASES = [
    (rnn, (0), lambda r: (r.normal(size=(4, 4)) / 2, r.normal(size=4), r.normal(size=(6, 4)))),
    (euler, (0, 1), lambda r: (np.array([2.0, 0.3]) + r.random(2), r.normal(size=2))),
    (horner, (0, 1), lambda r: (float(r.normal()), r.normal(size=7))),
    (rosen, 0, lambda r: (r.normal(size=8),)),
    (rows, (0, 1), lambda r: (r.normal(size=(5, 3)), r.normal(size=3))),
    (nested, (0, 1), lambda r: (r.normal(size=(3, 4)), r.normal(size=4))),
    (growing, 0, lambda r: (r.normal(size=5),)),
    (turning, 0, lambda r: (r.normal(size=(2, 3)),)),
    (prefix_sums, 0, lambda r: (r.normal(size=6),)),
    (branch_shapes, (0, 1), lambda r: (r.normal(size=5), r.normal(size=3))),
    (until, 0, lambda r: (r.normal(size=3) * 2,)),
    (early, (0, 1), lambda r: (r.normal(size=6), r.normal(size=3))),
    (carried_counter, 0, lambda r: (r.normal(size=6),)),
]


@pytest.mark.parametrize("f, wrt, make", CASES, ids=[c[0].__name__ for c in CASES])
def test_specialised_loops_match_central_differences_on_every_call(f, wrt, make):
    wrt = wrt if isinstance(wrt, int) else tuple(wrt) if len(wrt) > 1 else wrt[0]
    r = np.random.default_rng(1)
    for _ in range(4):  # the first call specialises; the others run what it made
        check_gradient(f, make(r), wrt=wrt, rtol=1e-5, atol=1e-7, directions=1)


def test_the_same_gradient_object_on_calls_that_take_other_paths():
    """One gradient, many calls: a call whose data take another branch or trip count runs
    the specialised code (its shapes pass the guard) and must still be right."""
    r = np.random.default_rng(2)
    for f, wrt, make in CASES:
        g = symback.grad(f, wrt=wrt)
        for _ in range(5):
            args = make(r)
            got = g(*args)
            general = g.function(*args)
            for a, b in zip(
                got if isinstance(got, tuple) else [got],
                general if isinstance(general, tuple) else [general],
            ):
                np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f.__name__)


@pytest.mark.parametrize("f, wrt, make", [c for c in CASES if c[0] in (rnn, euler, rows)])
def test_a_loop_of_fixed_shapes_runs_no_generic_helper(f, wrt, make):
    """Shapes known inside the loop: no `_unbroadcast` or `_matmul_*` per iteration."""
    g = symback.grad(f, wrt=wrt)
    g(*make(np.random.default_rng(3)))
    source = g.specialised_source
    assert source is not None
    body = source[source.index("def grad_") :]
    for helper in ("_unbroadcast(", "_matmul_left(", "_matmul_right("):
        assert helper not in body, body


# -- loops that add up independent terms: vectorised in the specialised gradient


def pairs_back(x):
    s = 0.0
    for i in range(1, len(x)):
        s = (x[i] - x[i - 1]) ** 2 + s
    return s


def every_other(x, p):
    s = 0.0
    t = 1.0
    for i in range(0, len(x) - 1, 2):
        s += p[0] * np.sin(x[i]) * x[i + 1]
        t = t + np.exp(-x[i] ** 2) * p[1]
    return s * t


def wraps_around(x):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i - 1] * x[i]  # (x[-1] at i = 0: no slice reads that)
    return s


def counter_as_value(x):
    s = 0.0
    for i in range(len(x)):
        s = s + i * x[i] ** 2
    return s


def reads_running_sum(x):
    s = 1.0
    for i in range(len(x)):
        s = s + np.tanh(s) * x[i]
    return s


def whole_array_each_time(x):
    s = 0.0
    for i in range(len(x)):
        s = s + np.sum(x * x[i])
    return s


def math_in_the_terms(x):
    s = 0.0
    for i in range(len(x)):
        s = s + math.tanh(x[i]) * x[i]  # (math.tanh takes no array: not vectorised)
    return s


SUMS = [
    (math_in_the_terms, 0, False),
    (rosen, 0, True),
    (pairs_back, 0, True),
    (every_other, (0, 1), True),
    (wraps_around, 0, False),
    (counter_as_value, 0, False),
    (reads_running_sum, 0, False),
    (whole_array_each_time, 0, False),
]


@pytest.mark.parametrize("f, wrt, vectorised", SUMS, ids=[c[0].__name__ for c in SUMS])
def test_loops_of_independent_terms_are_vectorised_and_right(f, wrt, vectorised):
    r = np.random.default_rng(4)
    args = (r.normal(size=9), r.normal(size=2))[: f.__code__.co_argcount]
    for _ in range(3):
        check_gradient(f, args, wrt=wrt, rtol=1e-5, atol=1e-7, directions=1)
        args = tuple(r.normal(size=np.shape(a)) for a in args)
    g = symback.grad(f, wrt=wrt)
    g(*args)
    source = g.specialised_source
    body = source[source.index("def grad_") :]
    assert ("for " not in body) == vectorised, body


def test_value_and_grad_of_a_summing_loop_keeps_the_users_value():
    """Vectorised, the sum would be added in another order: value_and_grad runs the loop."""
    x = np.random.default_rng(5).normal(size=1001) * 1e3
    vg = symback.value_and_grad(rosen)
    for _ in range(2):
        value, gradient = vg(x)
        assert value == rosen(x)  # bit for bit
        np.testing.assert_allclose(gradient, symback.grad(rosen)(x), rtol=1e-12)


def invariant_array(x, w):
    s = 0.0
    for i in range(len(w)):
        v = np.sin(w)  # the same array in every iteration: not a number to spread
        s = s + np.sum(v * x[i])
    return s


def test_a_term_reading_an_array_whole_keeps_its_loop():
    r = np.random.default_rng(6)
    check_gradient(invariant_array, (r.normal(size=3), r.normal(size=3)), wrt=(0, 1))


def test_a_loop_that_runs_no_iteration_then_some():
    """The first call's loop runs no iteration (nothing recorded, nothing batched): its
    specialisation, and the next shapes', are still right."""
    r = np.random.default_rng(7)
    W, h0 = r.normal(size=(4, 4)) / 2, r.normal(size=4)
    g = symback.grad(rnn, wrt=(0, 1, 2))
    for steps in (0, 3, 0, 5):
        X = r.normal(size=(steps, 4))
        check_gradient(rnn, (W, h0, X), wrt=(0, 1, 2), rtol=1e-5, atol=1e-7, directions=1)
        for a, b in zip(g(W, h0, X), g.function(W, h0, X)):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def number_into_a_row(s):
    y = np.zeros((3, 3))
    y[1:] = np.tanh(s[1:])
    y[-1] = np.sum(s)  # one number into a whole row: its gradient sums the row's
    y[0, 1] = 0.3 * s[0, 2]  # one number into one element
    return np.sum(y * np.arange(9.0).reshape(3, 3))


def test_a_number_written_into_a_row_or_an_element():
    r = np.random.default_rng(8)
    for _ in range(2):
        check_gradient(number_into_a_row, (r.normal(size=(3, 3)),), rtol=1e-5, atol=1e-7)


def math_and_numpy(x, a):
    return np.sum(np.sin(x) * math.sin(a)) + math.cos(a) * np.sum(np.tanh(x))


def test_a_line_calling_math_on_a_float_and_numpy_on_an_array():
    """Its derivatives are NumPy's (math.cos of an array raised a TypeError)."""
    check_gradient(math_and_numpy, (np.array([0.3, -0.2, 0.5]), 0.4), wrt=(0, 1))


def numpy_times_a_math_constant(x):
    return np.sum(np.sin(x) * math.pi) + np.sum(np.exp(-x) * math.e)


def test_a_numpy_function_of_an_array_beside_a_math_constant():
    """Its derivative stays NumPy's (math.cos of an array raised a TypeError)."""
    check_gradient(numpy_times_a_math_constant, (np.array([0.3, -0.2, 0.5]),))


def laplacian(u):
    n, m = u.shape
    L = np.zeros((n, m))
    for i in range(1, n - 1):
        for j in range(1, m - 1):
            L[i, j] = u[i - 1, j] + u[i + 1, j] + u[i, j - 1] + u[i, j + 1] - 4.0 * u[i, j]
    return 0.5 * np.sum(L**2)


def recurrence_in_buffer(x):
    y = np.zeros(len(x))
    y[0] = x[0]
    for i in range(1, len(x)):
        y[i] = np.sin(y[i - 1]) * x[i]  # reads the buffer it writes
    return np.sum(y**2)


def buffer_read_before_fill(x):
    y = np.ones(len(x))
    s = np.sum(y * x)  # y's ones, read backward after the writes are undone
    for i in range(len(x)):
        y[i] = x[i] ** 2
    return s * np.sum(y)


def test_a_buffer_only_filled_keeps_no_undo_log():
    """A loop that fills a buffer the gradient reads once, after the loop: no element is
    copied to a log forward or put back backward, and no name is carried backward for
    nothing (the hand-written stencil's gradient)."""
    r = np.random.default_rng(4)
    for _ in range(3):
        check_gradient(laplacian, (r.normal(size=(6, 5)),), rtol=1e-5, atol=1e-7, directions=1)
    g = symback.grad(laplacian)
    g(r.normal(size=(6, 5)))
    body = g.specialised_source[g.specialised_source.index("def grad_") :]
    assert "_log_write(" not in body and "_undo" not in body
    backward = body[body.index("reversed(") :]
    assert not re.search(r"(?<!d_)L_[0-9]+ = ", backward)


@pytest.mark.parametrize("f", [recurrence_in_buffer, buffer_read_before_fill])
def test_a_buffer_read_backward_keeps_its_undo_log(f):
    """Where the backward pass reads the written array (the recurrence's sin(y[i - 1]),
    the ones read before the writes), the log puts its elements back: still right."""
    r = np.random.default_rng(5)
    for _ in range(3):
        check_gradient(f, (r.normal(size=6),), rtol=1e-5, atol=1e-7, directions=1)
    g = symback.grad(f)
    g(r.normal(size=6))
    assert "_log_write(" in g.specialised_source
