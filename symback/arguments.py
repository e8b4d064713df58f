"""Call-time checks of a gradient's arguments: kinds of values its code would get wrong."""

from __future__ import annotations

import functools

import numpy

from .errors import SymbackError

# Methods whose override makes an array subclass compute other values than an ndarray
# (np.matrix: `*` is a matrix product; masked arrays skip masked elements).
_OPERATORS = (
    "__add__ __radd__ __sub__ __rsub__ __mul__ __rmul__ __truediv__ __rtruediv__ __pow__ "
    "__rpow__ __matmul__ __rmatmul__ __neg__ __getitem__ __array_ufunc__ __array_function__ "
    "__array_wrap__ __array_finalize__ __array_priority__"
).split()
_SAME_VALUES = (numpy.memmap,)  # overrides only what keeps its values those of an ndarray
_CONTAINERS = (dict, list, tuple)


@functools.lru_cache(maxsize=64)
def _computes_otherwise(kind: type) -> bool:
    """Does this ndarray subclass override an operator or NumPy's dispatch?"""
    if issubclass(kind, _SAME_VALUES):
        return False
    own = (k for k in kind.__mro__ if k is not numpy.ndarray and issubclass(k, numpy.ndarray))
    return any(name in vars(k) for k in own for name in _OPERATORS)


def suspicious(args: tuple, kwargs: dict) -> bool:
    """A quick look: is any argument an array subclass or a container (a NamedTuple too)?"""
    for value in (*args, *kwargs.values()) if kwargs else args:
        kind = type(value)
        if kind is not numpy.ndarray and isinstance(value, (numpy.ndarray, *_CONTAINERS)):
            return True
    return False


def refuse_unsupported(arguments: dict, wrt: tuple[str, ...], place_of) -> None:
    """Raise a SymbackError for an array subclass whose operators differ from an ndarray's
    (containers given for parameters to differentiate are parameter trees, tree_calls.py);
    `place_of(name)` is where the parameter is written."""
    for name, value in arguments.items():
        kind = type(value)
        if isinstance(value, numpy.ndarray) and kind is not numpy.ndarray:
            if _computes_otherwise(kind):
                what = f"{kind.__module__}.{kind.__qualname__}"
                why = {
                    "matrix": " (`*` is a matrix product there, `**` a matrix power)",
                    "MaskedArray": " (its operations skip masked elements)",
                }.get(kind.__name__, "")
                raise SymbackError(
                    f"argument `{name}` is a {what}, whose operators differ from a plain "
                    f"array's{why}: the gradient code is written for numpy.ndarray",
                    place_of(name),
                    hint=f"pass a plain array: np.asarray({name})"
                    + (
                        ", after filling masked elements (np.ma.filled)"
                        if why and "mask" in why
                        else ""
                    ),
                )
