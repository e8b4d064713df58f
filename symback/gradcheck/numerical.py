"""Numerical gradient references (finite differences, complex step), independent of symback."""

from __future__ import annotations

import copy
import inspect
from typing import Any, Callable, Mapping, Sequence

import numpy as np

_BASE_STEP = {"richardson": 1e-3, "central": 6e-6}
_COMPLEX_STEP = 1e-20


def float64_copy(value: Any) -> Any:
    """A copy of one argument that shares nothing with the caller; float data becomes float64
    (so that references are computed in double precision)."""
    if isinstance(value, np.ndarray):
        if np.issubdtype(value.dtype, np.floating):
            return value.astype(np.float64, copy=True)
        return value.copy()
    if isinstance(value, np.floating):
        return np.float64(value)
    return copy.deepcopy(value)


class _Call:
    """f with its arguments bound, able to evaluate f with one parameter replaced."""

    def __init__(self, f: Callable, args: Sequence, kwargs: Mapping | None):
        self.f = f
        args = tuple(float64_copy(a) for a in args)
        kwargs = {k: float64_copy(v) for k, v in (kwargs or {}).items()}
        try:
            self.signature: inspect.Signature | None = inspect.signature(f)
        except (TypeError, ValueError):
            self.signature = None
        if self.signature is None:
            self.bound = None
            self.args, self.kwargs = list(args), kwargs
        else:
            self.bound = self.signature.bind(*args, **kwargs)
            self.bound.apply_defaults()

    def key(self, wrt: int | str) -> int | str:
        """The parameter `wrt` means: a name when f has a signature, else a positional index."""
        if self.signature is None:
            if isinstance(wrt, str):
                raise ValueError(f"cannot look up parameter {wrt!r}: f has no signature")
            return wrt
        names = list(self.signature.parameters)
        if isinstance(wrt, bool) or not isinstance(wrt, (int, str)):
            raise TypeError(f"wrt must be a parameter name or index, not {wrt!r}")
        if isinstance(wrt, int):
            return names[wrt]
        if wrt not in names:
            raise ValueError(f"wrt={wrt!r} names no parameter; parameters are {names}")
        return wrt

    def get(self, key: int | str) -> Any:
        if self.bound is None:
            return self.args[key] if isinstance(key, int) else self.kwargs[key]
        return self.bound.arguments[key]

    def __call__(self, key: int | str, value: Any) -> Any:
        """f evaluated with parameter `key` set to `value`, on fresh copies of the other arguments.

        Copying on every call keeps an f that mutates its inputs (`x += y` on an array)
        from changing the point later evaluations see.
        """
        if self.bound is None:
            args = [float64_copy(a) for a in self.args]
            kwargs = {k: float64_copy(v) for k, v in self.kwargs.items()}
            if isinstance(key, int):
                args[key] = value
            else:
                kwargs[key] = value
            return self.f(*args, **kwargs)
        arguments = {k: float64_copy(v) for k, v in self.bound.arguments.items()}
        arguments[key] = value
        bound = inspect.BoundArguments(self.signature, arguments)
        return self.f(*bound.args, **bound.kwargs)


def _scalar(value: Any, complex_ok: bool = False) -> float | complex:
    """The scalar f returned, refusing arrays."""
    arr = np.asarray(value)
    if arr.ndim != 0:
        raise ValueError(f"f must return a scalar, but it returned shape {arr.shape}")
    return complex(arr) if complex_ok else float(arr)


def _as_input(x: np.ndarray, like_scalar: bool) -> Any:
    """What to pass to f: a Python float for a scalar parameter, else the array."""
    return x.item() if like_scalar else x


def _steps(x: np.ndarray, method: str, step: float | None) -> np.ndarray:
    """Per-element steps h_i = base * max(1, |x_i|)."""
    if method not in _BASE_STEP:
        raise ValueError(f"unknown method {method!r}; use one of {sorted(_BASE_STEP)}")
    base = _BASE_STEP[method] if step is None else float(step)
    return base * np.maximum(1.0, np.abs(x))


def _central(g: Callable[[float], float], h: float) -> float:
    """(g(h) - g(-h)) / 2h: the central difference of g at 0, error O(h^2)."""
    return (g(h) - g(-h)) / (2.0 * h)


def _richardson(g: Callable[[float], float], h: float) -> tuple[float, float]:
    """(Richardson estimate, central estimate at h/2); the first has error O(h^4)."""
    coarse = _central(g, h)
    fine = _central(g, h / 2.0)
    return (4.0 * fine - coarse) / 3.0, fine


def _gradient_one(call: _Call, wrt: int | str, method: str, step: float | None) -> tuple[Any, Any]:
    """Gradient and error estimate for one parameter."""
    key = call.key(wrt)
    original = call.get(key)
    scalar = np.ndim(original) == 0 and not isinstance(original, np.ndarray)
    x0 = np.array(original, dtype=np.float64)
    steps = _steps(x0, method, step)
    grad = np.zeros_like(x0)
    err = np.zeros_like(x0)
    for i in np.ndindex(x0.shape):

        def g(t: float, i=i) -> float:
            x = x0.copy()
            x[i] += t
            return _scalar(call(key, _as_input(x, scalar)))

        if method == "richardson":
            grad[i], fine = _richardson(g, steps[i])
            err[i] = abs(grad[i] - fine)
        else:
            grad[i] = _central(g, steps[i])
            err[i] = abs(grad[i] - _central(g, 2.0 * steps[i]))
    if x0.ndim == 0:
        return float(grad), float(err)
    return grad, err


def numerical_gradient_with_error(
    f: Callable,
    args: Sequence,
    kwargs: Mapping | None = None,
    wrt: int | str | tuple = 0,
    method: str = "richardson",
    step: float | None = None,
) -> tuple[Any, Any]:
    """(gradient, per-element error estimate) of scalar f with respect to parameter `wrt`.

    The error estimate is |richardson - central at h/2| (a conservative bound on the
    Richardson error); for method="central" it is |central(h) - central(2h)|.
    A tuple `wrt` gives tuples of gradients and of error estimates, in that order.
    """
    call = _Call(f, args, kwargs)
    if isinstance(wrt, (tuple, list)):
        pairs = [_gradient_one(call, w, method, step) for w in wrt]
        return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)
    return _gradient_one(call, wrt, method, step)


def numerical_gradient(
    f: Callable,
    args: Sequence,
    kwargs: Mapping | None = None,
    wrt: int | str | tuple = 0,
    method: str = "richardson",
    step: float | None = None,
) -> Any:
    """Gradient of scalar f with respect to parameter `wrt` (index or name), by finite differences.

    method="richardson": central differences at h and h/2 combined (error O(h^4)), base 1e-3;
    method="central": one central difference (error O(h^2)), base 6e-6. Each element's
    step is base * max(1, |x_i|) unless `step` overrides the base. Evaluates in float64
    on copies of the inputs. Returns a float for a scalar parameter, else an array of its shape.
    """
    return numerical_gradient_with_error(f, args, kwargs, wrt, method, step)[0]


def directional_derivative(
    f: Callable,
    args: Sequence,
    kwargs: Mapping | None,
    wrt: int | str,
    direction: Any,
    method: str = "richardson",
) -> float:
    """d/dt f(..., x + t * direction, ...) at t = 0, for the parameter x named by `wrt`."""
    call = _Call(f, args, kwargs)
    key = call.key(wrt)
    original = call.get(key)
    scalar = np.ndim(original) == 0 and not isinstance(original, np.ndarray)
    x0 = np.array(original, dtype=np.float64)
    v = np.broadcast_to(np.asarray(direction, dtype=np.float64), x0.shape)
    size = float(np.max(np.abs(v))) if v.size else 0.0
    if size == 0.0:
        return 0.0
    scale = max(1.0, float(np.max(np.abs(x0)))) if x0.size else 1.0
    h = float(_steps(np.array(scale), method, None)) / size

    def g(t: float) -> float:
        return _scalar(call(key, _as_input(x0 + t * v, scalar)))

    if method == "richardson":
        return float(_richardson(g, h)[0])
    return float(_central(g, h))


def complex_step_gradient(
    f: Callable, args: Sequence, kwargs: Mapping | None = None, wrt: int | str = 0
) -> Any:
    """Gradient by the complex step: Im f(x + i h e_k) / h with h = 1e-20, exact to rounding.

    Only valid when f is analytic in the wrt parameter and real for real inputs, and built
    from operations that accept complex numbers (np.exp, np.sin, ... but not math.*, abs,
    np.maximum, comparisons or np.where on the perturbed value, which break analyticity).
    """
    call = _Call(f, args, kwargs)
    key = call.key(wrt)
    original = call.get(key)
    scalar = np.ndim(original) == 0 and not isinstance(original, np.ndarray)
    x0 = np.array(original, dtype=np.complex128)
    grad = np.zeros(x0.shape, dtype=np.float64)
    for i in np.ndindex(x0.shape):
        x = x0.copy()
        x[i] += 1j * _COMPLEX_STEP
        grad[i] = _scalar(call(key, _as_input(x, scalar)), complex_ok=True).imag / _COMPLEX_STEP
    return float(grad) if x0.ndim == 0 else grad
