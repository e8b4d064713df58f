"""The public entry points: grad and value_and_grad, their caching and their `.source`."""

from __future__ import annotations

import functools

from .backend.fmt import black_format, paused_gc
from .backend.load import load
from .errors import NonScalarOutputError
from .pipeline import Generated, Options, generate

_NOT_SCALAR = "symback: "  # how the generated code's non-scalar-output message starts

_cache: dict[tuple, "GradientFunction"] = {}


class GradientFunction:
    """A generated gradient: call it like the original function; `.source` shows its code."""

    def __init__(self, fn, generated: Generated):
        self.__wrapped__ = fn
        self.generated = generated
        self._fn = load(generated.text, generated.function_name)[generated.function_name]
        functools.update_wrapper(self, fn, updated=())
        self.__name__ = generated.function_name
        self.__qualname__ = generated.function_name
        self.wrt = generated.wrt

    def __call__(self, *args, **kwargs):
        try:
            return self._fn(*args, **kwargs)
        except ValueError as exc:
            if exc.args and str(exc.args[0]).startswith(_NOT_SCALAR):
                raise NonScalarOutputError(
                    str(exc.args[0])[len(_NOT_SCALAR) :],
                    self.generated.output_place,
                    hint="reduce the output to a scalar, e.g. with np.sum or np.mean",
                ) from None
            raise

    @property
    def source(self) -> str:
        """The generated module, black-formatted."""
        return black_format(self.generated.text)

    @property
    def function(self):
        """The generated Python function itself (no wrapper)."""
        return self._fn

    def __repr__(self) -> str:
        return f"<symback {self.__name__} wrt {', '.join(self.wrt)}>"


def _make(fn, options: Options) -> GradientFunction:
    key = (fn, repr(options.wrt), options.value_too, options.has_aux)
    cached = _cache.get(key)
    if cached is None:
        with paused_gc():
            generated = generate(fn, options)
        cached = _cache[key] = GradientFunction(fn, generated)
    return cached


def grad(fn=None, *, wrt=0, has_aux: bool = False):
    """The gradient of `fn` with respect to `wrt` (a parameter name, index, or tuple of them).

    Usable as `symback.grad(f)`, `@symback.grad` and `@symback.grad(wrt="w")`.
    """
    if fn is None:
        return lambda f: grad(f, wrt=wrt, has_aux=has_aux)
    return _make(fn, Options(wrt=wrt, value_too=False, has_aux=has_aux))


def value_and_grad(fn=None, *, wrt=0, has_aux: bool = False):
    """Like grad, but the generated function returns `(value, gradient)`."""
    if fn is None:
        return lambda f: value_and_grad(f, wrt=wrt, has_aux=has_aux)
    return _make(fn, Options(wrt=wrt, value_too=True, has_aux=has_aux))
