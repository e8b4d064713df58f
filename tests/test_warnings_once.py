"""The user's warnings are shown once a call, the first call too (which probes the shapes)."""

import warnings

import numpy as np
import pytest

import symback


def log_total(x):
    return np.sum(np.log(x) * x)


def scalar_log(x):
    return np.log(x) * x


def empty_mean(x, n):
    return np.mean(x[:n]) * 0.0 + np.sum(x * x)


def _count(call, category=RuntimeWarning) -> int:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return sum(issubclass(w.category, category) for w in caught)


@pytest.mark.parametrize("make", [symback.grad, symback.value_and_grad])
@pytest.mark.parametrize(
    "fn, args",
    [
        (log_total, (np.array([-1.0, 2.0]),)),
        (scalar_log, (-1.0,)),
        (empty_mean, (np.array([1.0, 2.0]), 0)),
    ],
)
def test_each_call_warns_as_often_as_the_function(make, fn, args):
    expected = _count(lambda: fn(*args))
    assert expected >= 1  # (what the function itself shows)
    g = make(fn)
    # the first call (probe, specialisation), then the specialised code; the gradient alone
    # need not compute what only the value reads (the mean here)
    counts = [_count(lambda: g(*args)) for _ in range(3)]
    assert counts == [expected] * 3 if make is symback.value_and_grad else counts[0] <= expected
    assert counts == [counts[0]] * 3
