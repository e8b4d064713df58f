"""The max subtracted for stability: no gradient through it where the output cannot depend
on it (proved statement by statement), and the usual gradient wherever it can."""

import numpy as np
import pytest

import symback
from symback import pipeline
from symback.optimize.shifts import shift_free
from tests.helpers import check_gradient


def cross_entropy(Z, Y):
    m = np.max(Z, axis=1, keepdims=True)
    s = Z - m
    lse = np.log(np.sum(np.exp(s), axis=1, keepdims=True))
    return -np.sum(Y * (s - lse)) / Z.shape[0]


def logsumexp_with_the_max_back(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def softmax_weights(x, w):
    m = np.max(x, axis=-1, keepdims=True)
    e = np.exp(x - m)
    return np.sum(e / np.sum(e, axis=-1, keepdims=True) * w)


def depends_on_the_max(x):
    m = np.max(x, axis=1, keepdims=True)
    return np.sum((x - m) ** 2)


def sums_the_other_axis(x):
    m = np.max(x, axis=1, keepdims=True)
    e = np.exp(x - m)
    return np.sum(np.log(np.sum(e, axis=0, keepdims=True)))


def max_read_by_a_branch(x):
    m = np.max(x)
    s = x - m
    if m > 0.0:
        return np.log(np.sum(np.exp(s))) + m
    return np.log(np.sum(np.exp(s)))


rng = np.random.default_rng(11)
Z = rng.normal(size=(5, 4))
Y = np.eye(4)[rng.integers(0, 4, size=5)] * 0.9 + 0.025  # soft labels: rows sum to 1

FREE = [
    (cross_entropy, (Z, Y)),
    (logsumexp_with_the_max_back, (rng.normal(size=6),)),
    (softmax_weights, (Z, rng.normal(size=(5, 4)))),
]
KEPT = [
    (depends_on_the_max, (Z,)),
    (sums_the_other_axis, (Z,)),
    (max_read_by_a_branch, (rng.normal(size=6) + 1.0,)),
    (max_read_by_a_branch, (rng.normal(size=6) - 3.0,)),
]


def _lowered(f):
    spec, _, _ = pipeline.specify(*pipeline._live(f), pipeline.Options(wrt=0))
    return spec.program.function


@pytest.mark.parametrize("f, args", FREE, ids=[f.__name__ for f, _ in FREE])
def test_a_shift_the_output_ignores_gets_no_gradient(f, args):
    assert shift_free(_lowered(f)), "the shift was not found"
    check_gradient(f, args)
    body = symback.grad(f).source.split("def grad_")[1]
    assert " == m)" not in body  # no ties of the maximum: its adjoint is not computed


@pytest.mark.parametrize(
    "f, args", KEPT, ids=[f"{f.__name__}-{i}" for i, (f, _) in enumerate(KEPT)]
)
def test_a_shift_the_output_may_depend_on_keeps_its_gradient(f, args):
    assert not shift_free(_lowered(f))
    check_gradient(f, args)


def test_large_inputs_still_give_the_softmax():
    Zl = Z * 300.0
    g = symback.grad(cross_entropy)(Zl, Y)
    e = np.exp(Zl - Zl.max(axis=1, keepdims=True))
    softmax = e / e.sum(axis=1, keepdims=True)
    expected = (softmax * Y.sum(axis=1, keepdims=True) - Y) / Zl.shape[0]
    np.testing.assert_allclose(g, expected, rtol=1e-12, atol=1e-15)
