"""The public entry points: grad, value_and_grad and defgrad (the gradients they return:
gradient.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload

from .errors import WrtError, user_facing
from .gradient import GradientFunction, P, _make
from .pipeline import Options

# what `wrt` takes: a parameter's name or index, or a tuple of them; `argnums`, JAX's spelling
Wrt = int | str | tuple[int | str, ...]
Argnums = int | tuple[int, ...] | None
F = TypeVar("F", bound=Callable[..., Any])


@overload
def grad(
    fn: Callable[P, Any], *, wrt: Wrt = 0, has_aux: bool = False, argnums: Argnums = None
) -> GradientFunction[P]: ...


@overload
def grad(
    fn: None = None, *, wrt: Wrt = 0, has_aux: bool = False, argnums: Argnums = None
) -> Callable[[Callable[P, Any]], GradientFunction[P]]: ...


@user_facing
def grad(
    fn: Callable[P, Any] | None = None,
    *,
    wrt: Wrt = 0,
    has_aux: bool = False,
    argnums: Argnums = None,
) -> GradientFunction[P] | Callable[[Callable[P, Any]], GradientFunction[P]]:
    """The gradient of `fn` with respect to `wrt` (a parameter name, index, or tuple of them;
    `argnums`, JAX's spelling, takes an index or a tuple of indices).

    Usable as `symback.grad(f)`, `@symback.grad` and `@symback.grad(wrt="w")`.
    """
    wrt = spelled_wrt(wrt, argnums)
    if fn is None:
        return lambda f: grad(f, wrt=wrt, has_aux=has_aux)
    return _make(fn, Options(wrt=wrt, value_too=False, has_aux=has_aux))


def defgrad(*adjoints: Callable[..., Any]) -> Callable[[F], F]:
    """Give symback the derivative of a function it cannot see into (a C extension, a solver).

        @symback.defgrad(lambda g, x, y: g * y, lambda g, x, y: g * x)
        def product(x, y):
            return compiled_product(x, y)

    One adjoint per parameter, each called as adjoint(g, *args) with g the gradient of the
    function's output: it returns the gradient with respect to that parameter. The gradient
    code then calls the function and the adjoints by name: it runs where they are defined (in
    memory, through symback.grad), not as a standalone module.
    """

    def register(fn: F) -> F:
        setattr(fn, "__symback_adjoints__", tuple(adjoints))  # noqa: B010 - (a function's)
        return fn

    return register


def spelled_wrt(wrt: Wrt, argnums: Argnums) -> Wrt:
    """`wrt`, or JAX's spelling of it, `argnums` (an index or a tuple of indices)."""
    if argnums is None:
        return wrt
    if wrt != 0:
        raise WrtError("give wrt= or argnums=, not both", hint="argnums=1 means wrt=1")
    items = argnums if isinstance(argnums, (tuple, list)) else (argnums,)
    if any(isinstance(i, bool) or not isinstance(i, int) for i in items):
        raise WrtError(
            f"argnums must be an int or a tuple of ints, not {argnums!r}",
            hint="use wrt= to name parameters",
        )
    return tuple(argnums) if isinstance(argnums, (tuple, list)) else argnums


@overload
def value_and_grad(
    fn: Callable[P, Any], *, wrt: Wrt = 0, has_aux: bool = False, argnums: Argnums = None
) -> GradientFunction[P]: ...


@overload
def value_and_grad(
    fn: None = None, *, wrt: Wrt = 0, has_aux: bool = False, argnums: Argnums = None
) -> Callable[[Callable[P, Any]], GradientFunction[P]]: ...


@user_facing
def value_and_grad(
    fn: Callable[P, Any] | None = None,
    *,
    wrt: Wrt = 0,
    has_aux: bool = False,
    argnums: Argnums = None,
) -> GradientFunction[P] | Callable[[Callable[P, Any]], GradientFunction[P]]:
    """Like grad, but the generated function returns `(value, gradient)`."""
    wrt = spelled_wrt(wrt, argnums)
    if fn is None:
        return lambda f: value_and_grad(f, wrt=wrt, has_aux=has_aux)
    return _make(fn, Options(wrt=wrt, value_too=True, has_aux=has_aux))
