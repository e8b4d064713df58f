"""Loop bodies specialised to a first call's shapes: right on that call, and on later calls
with the same shapes whose data take other paths (other branches, other trip counts).

symback/determined.py specialises a loop's body only when its shapes cannot change from
iteration to iteration or from call to call; the loops here try to make them change: a
carried value that grows or turns over, a counter in a slice, a branch whose sides differ
in shape, a `while` whose trip count depends on the data. Each gradient is checked against
central differences on two calls, the second with data that takes another path.
"""

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
