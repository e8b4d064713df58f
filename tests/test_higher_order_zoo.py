"""Hessian-vector products of every array-zoo function, with respect to each parameter the
zoo differentiates: they match central differences of symback's exact first gradient."""

import warnings

import numpy as np
import pytest

import symback
from tests import array_zoo as az

STEP = 1e-6


def cases():
    for f, args, wrt in az.ARRAY_ZOO:
        for w in wrt if isinstance(wrt, tuple) else (wrt,):
            yield pytest.param(f, args, w, id=f"{f.__name__}-{w}")


def _with(args, index, value):
    out = list(args)
    out[index] = value
    return out


@pytest.mark.parametrize("f, args, wrt", list(cases()))
def test_hessian_vector_product_matches_the_gradient_differenced(f, args, wrt):
    names = f.__code__.co_varnames[: f.__code__.co_argcount]
    index = wrt if isinstance(wrt, int) else names.index(wrt)
    x = args[index]
    rng = np.random.default_rng(0)
    v = rng.normal(size=np.shape(x))
    v = float(v) if np.ndim(x) == 0 else v
    g = symback.grad(f, wrt=wrt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kinks of abs, max, ... are away from the samples
        up = np.asarray(g(*_with(args, index, x + STEP * v)))
        down = np.asarray(g(*_with(args, index, x - STEP * v)))
    numeric = (up - down) / (2 * STEP)
    got = symback.hessian_vector_product(f, wrt=wrt)(*args, v)
    assert np.shape(got) == np.shape(x)
    scale = max(1.0, np.abs(numeric).max())
    np.testing.assert_allclose(got, numeric, rtol=1e-5, atol=1e-6 * scale)
