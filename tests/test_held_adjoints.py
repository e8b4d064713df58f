"""Adjoints held smaller than their values (specialised code) that a loop carries.

In a specialised gradient the adjoint of `np.sum(h)` is the upstream number itself, left to
broadcasting. A loop whose carried value `h` ends in such a sum starts its backward loop
from that adjoint; the body takes the carried adjoint to have `h`'s shape, so a term summed
back to a smaller operand inside it (`h + x[k]`: the scalar x[k]) counted the number as one
element instead of len(h) of them (found by `python -m fuzz --only arrays:207:10`,
`arrays:233:7`). Each gradient is checked against central differences on its first call,
which specialises, and on a second, which runs the specialised code.
"""

import numpy as np
import pytest

from tests.helpers import check_gradient


def element_added(x):
    h = x * 1.0
    for k in range(2):
        h = h + x[k]  # d/dx[k] sums d_h over h's 3 elements
    return np.sum(h)


def decayed(x):
    h = x[[0, 2]] * 1.0
    acc = 0.0
    for k in range(1, 3):
        h = 0.5 * h + np.cos(x)[k]
        acc = acc + np.sum(h)
    return np.sum(h * acc)


def averaged(x):
    h = x * 1.0
    for k in range(3):
        h = 0.5 * h + x[k]
    return np.mean(h)  # (a number adjoint too: the mean's, 1/3)


def nested(x):
    h = x * 1.0
    for j in range(2):
        for k in range(2):
            h = 0.5 * h + x[k + j]
    return np.sum(h)


def written(x):
    y = np.zeros(3)
    h = x * 1.0
    for k in range(3):
        y[k] = np.sum(h)
        h = h + x[k]
    return np.sum(y) + np.sum(h)


def self_summed(x):
    h = x * 1.0
    for _ in range(3):
        h = h + np.sum(h)  # the body's own adjoint of h is held as a number as well
    return np.sum(h)


def matrix(A):
    M = A * 1.0
    for k in range(3):
        M = 0.5 * M + A[k, k] * np.sum(M, axis=0)
    return np.sum(M)


CASES = [element_added, decayed, averaged, nested, written, self_summed, matrix]


@pytest.mark.parametrize("f", CASES, ids=[f.__name__ for f in CASES])
def test_loops_carrying_a_number_adjoint_match_central_differences(f):
    r = np.random.default_rng(0)
    shape = (3, 3) if f is matrix else (3,)
    for _ in range(2):  # the first call specialises; the second runs what it made
        check_gradient(f, (r.normal(size=shape),), rtol=1e-5, atol=1e-7, directions=1)
