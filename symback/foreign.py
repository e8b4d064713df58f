"""Gradients called with another library's arrays (Dask, torch, array-api-strict, CuPy, JAX):
the array-API code (backend/array_api.py), made once per gradient at the first such call."""

from __future__ import annotations

import functools
from dataclasses import replace

import numpy

from .backend.load import load
from .errors import SymbackError
from .ir import live_holders

_PLAIN = frozenset({float, int, bool, complex, str, type(None), numpy.ndarray, list, tuple, dict})
# libraries whose arrays array_api_compat adapts, though they have no __array_namespace__
_LIBRARIES = frozenset({"dask", "torch", "cupy", "jax", "jaxlib", "sparse", "ndonnx"})


def other_arrays(args: tuple, kwargs: dict) -> bool:
    """Is any argument an array of a library other than NumPy? (A quick look by type.)"""
    for value in (*args, *kwargs.values()) if kwargs else args:
        kind = type(value)
        if kind not in _PLAIN and _foreign_array(kind):
            return True
    return False


@functools.lru_cache(maxsize=64)
def _foreign_array(kind: type) -> bool:
    if issubclass(kind, (numpy.ndarray, numpy.generic)):
        return False
    return hasattr(kind, "__array_namespace__") or kind.__module__.split(".")[0] in _LIBRARIES


def array_api_function(fn, options, generate):
    """The array-API gradient of `fn` for `options` (`generate(fn, options)` -> (Generated,
    reads), as api.py makes the NumPy one)."""
    generated, _ = generate(fn, replace(options, array_api=True))
    namespace = load(generated.text, generated.function_name)
    namespace.update(generated.lowered.custom)  # functions registered with defgrad
    namespace.update(live_holders(generated.lowered))  # where it reads constants from
    return generated, namespace[generated.function_name]


def library_error(exc: Exception, name: str, args: tuple, kwargs: dict) -> SymbackError:
    """The user's error for an array library refusing an operation of the array-API code."""
    values = (*args, *kwargs.values())
    kinds = sorted({type(v).__module__.split(".")[0] for v in values if _foreign_array(type(v))})
    return SymbackError(
        f"the array-API gradient of {name} failed on {', '.join(kinds)} arrays: "
        f"{type(exc).__name__}: {exc}",
        hint="the library refused what its standard does not ask of it (x[i] of a matrix, "
        "where it takes x[i, ...]; an int array beside a float one; a NumPy function of a "
        "Python number): write it within the standard, or call the gradient with NumPy arrays",
    )
