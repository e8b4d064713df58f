"""Test helpers: check a symback gradient against numerical references."""

from __future__ import annotations

import copy
import functools
import inspect
from typing import Any, Callable, Mapping, Sequence

import numpy as np

import symback
from symback.gradcheck.numerical import directional_derivative, numerical_gradient


def _snapshot(value: Any) -> Any:
    return copy.deepcopy(value)


def _assert_unchanged(before: Any, after: Any, what: str) -> None:
    if isinstance(before, np.ndarray):
        assert isinstance(after, np.ndarray), f"{what} changed type"
        assert before.dtype == after.dtype, f"{what} changed dtype"
        np.testing.assert_array_equal(after, before, err_msg=f"{what} was mutated")
    else:
        assert type(before) is type(after), f"{what} changed type"
        assert np.array_equal(np.asarray(before), np.asarray(after)), f"{what} was mutated"


def _loss_only(f: Callable) -> Callable:
    """f for a has_aux function: only the loss (keeps f's signature through __wrapped__)."""

    @functools.wraps(f)
    def loss(*args, **kwargs):
        return f(*args, **kwargs)[0]

    return loss


def _parameter_value(f: Callable, args: Sequence, kwargs: Mapping, wrt: int | str) -> Any:
    sig = inspect.signature(f)
    bound = sig.bind(*args, **kwargs)
    bound.apply_defaults()
    name = list(sig.parameters)[wrt] if isinstance(wrt, int) else wrt
    return bound.arguments[name]


def check_gradient(
    f: Callable,
    args: Sequence,
    wrt: int | str | tuple = 0,
    kwargs: Mapping | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    directions: int = 3,
    seed: int = 0,
    has_aux: bool = False,
) -> Any:
    """Assert symback.grad(f, wrt=wrt)(*args, **kwargs) matches finite differences.

    Checks each element against numerical_gradient, `directions` random directional
    derivatives per parameter, the gradient's shape and float dtype, and that no input
    was mutated. With has_aux, f returns (loss, aux) and only the loss is differentiated.
    Returns the symbolic gradient.
    """
    args = tuple(args)
    kwargs = dict(kwargs or {})
    args_before, kwargs_before = _snapshot(args), _snapshot(kwargs)

    g = symback.grad(f, wrt=wrt, has_aux=has_aux)
    result = g(*args, **kwargs)
    if has_aux:
        assert (
            isinstance(result, tuple) and len(result) == 2
        ), "has_aux grad must return (grad, aux)"
        result = result[0]
    loss = _loss_only(f) if has_aux else f

    many = isinstance(wrt, (tuple, list))
    wrts = list(wrt) if many else [wrt]
    grads = result if many else (result,)
    assert isinstance(grads, tuple) and len(grads) == len(
        wrts
    ), f"expected {len(wrts)} gradient(s), got {result!r}"

    rng = np.random.default_rng(seed)
    for w, got in zip(wrts, grads):
        value = _parameter_value(f, args, kwargs, w)
        assert np.shape(got) == np.shape(
            value
        ), f"gradient wrt {w!r} has shape {np.shape(got)}, parameter has {np.shape(value)}"
        assert np.issubdtype(
            np.asarray(got).dtype, np.floating
        ), f"gradient wrt {w!r} is {got!r} of type {type(got).__name__}, not a float"
        got = np.asarray(got, dtype=np.float64)
        assert np.all(np.isfinite(got)), f"gradient wrt {w!r} is not finite: {got}"
        expected = numerical_gradient(loss, args, kwargs, wrt=w)
        np.testing.assert_allclose(
            got, expected, rtol=rtol, atol=atol, err_msg=f"gradient wrt {w!r}"
        )
        for _ in range(directions):
            v = rng.standard_normal(np.shape(value))
            v = float(v) if np.ndim(v) == 0 else v
            along = float(np.sum(got * v))
            reference = directional_derivative(loss, args, kwargs, w, v)
            scale = float(np.sum(np.abs(got * v)))
            assert abs(along - reference) <= atol + rtol * max(
                scale, abs(reference)
            ), f"directional derivative wrt {w!r}: grad.v = {along!r}, numerical {reference!r}"

    for i, (before, after) in enumerate(zip(args_before, args)):
        _assert_unchanged(before, after, f"argument {i}")
    for k, before in kwargs_before.items():
        _assert_unchanged(before, kwargs[k], f"keyword argument {k!r}")
    return result


def central_difference(f, args, i: int):
    """d f / d args[i] by central differences, element by element if args[i] is an array.

    Deliberately simple and separate from symback.gradcheck: an independent reference."""

    def at(value):
        shifted = list(args)
        shifted[i] = value
        return float(f(*shifted))

    x = args[i]
    if np.ndim(x) == 0:
        h = 1e-6 * max(1.0, abs(x))
        return (at(x + h) - at(x - h)) / (2 * h)
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    for k in np.ndindex(x.shape):
        h = 1e-6 * max(1.0, abs(x[k]))
        up, down = x.copy(), x.copy()
        up[k] += h
        down[k] -= h
        out[k] = (at(up) - at(down)) / (2 * h)
    return out


def assert_source_black_stable(f, wrt) -> None:
    """grad's and value_and_grad's `.source` are black-stable and compile."""
    import black

    for make in (symback.grad, symback.value_and_grad):
        src = make(f, wrt=wrt).source
        assert black.format_str(src, mode=black.Mode()) == src
        compile(src, "<generated>", "exec")
