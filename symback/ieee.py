"""Where Python's float arithmetic raises in gradient code, the IEEE answer NumPy gives instead.

Generated code on Python floats runs Python's arithmetic: `0.2 / x**2` raises
ZeroDivisionError once `x**2` underflows to 0, `x**1.5` raises OverflowError past 1e308,
`math.log` raises on 0, where NumPy (and JAX) give inf or nan with a RuntimeWarning. The
fast path stays as it is; a call that raises one of these comes here (api.GradientFunction):

- the user's function is called: where it raises too, the error is the user's own and
  goes on unchanged; else it gives the value (and aux) returned, bit for bit;
- the general gradient code runs again with every Python float argument as a
  `np.float64` and `math`'s functions as NumPy's (`math_as_numpy`): its arithmetic is then
  NumPy's, inf and nan with NumPy's warnings, and the gradient is that one.

A module written by `symback gen` is plain Python and has no such retry: called with Python
floats, it raises where Python does; called with `np.float64` values or arrays, it computes
what NumPy does (docs/codegen.md).
"""

from __future__ import annotations

import math
import types
import warnings

import numpy

from . import ir
from .backend.load import load
from .errors import (
    ComplexOutputError,
    NoGradientError,
    NonScalarOutputError,
    SingularMatrixError,
    UnsupportedSyntaxError,
)
from .ops.elementwise import MATH_SPELLING

# What Python's float arithmetic and `math` raise where NumPy gives inf or nan.
FLOAT_ERRORS = (ZeroDivisionError, OverflowError, ValueError)
_OURS = "symback: "  # how the generated code's own messages start (emit.py)


def after_error(gradient, exc: Exception, args, kwargs):
    """What a call of `gradient` whose generated code raised `exc` gives: a SymbackError for
    the code's own messages (not a scalar, complex) and for a singular matrix (det), the
    user's own error where their function raises too, else NumPy's answer (`answer`)."""
    place = gradient.generated.output_place
    message = str(exc.args[0]) if exc.args else ""
    if message.startswith(_OURS) and "must return a scalar" in message:
        raise NonScalarOutputError(
            message[len(_OURS) :],
            place,
            hint="reduce the output to a scalar, e.g. with np.sum or np.mean",
        ) from None
    if message.startswith(_OURS) and "returned a complex number" in message:
        raise ComplexOutputError(
            f"{message[len(_OURS) :]}: symback differentiates real-valued functions only",
            place,
            hint="a negative Python float to a fractional power is complex: np.power "
            "gives nan there, or keep the base positive (abs, np.sqrt)",
        ) from None
    if isinstance(exc, numpy.linalg.LinAlgError) and message.startswith(_OURS):
        users_own(gradient.__wrapped__, args, kwargs)  # (their error, where theirs raises)
        what, _, hint = message[len(_OURS) :].partition("\nhint: ")
        if hint:  # (a check that says what is not supported, and what to write instead)
            raise UnsupportedSyntaxError(what, place, hint=hint) from None
        raise NoGradientError(  # (a check of backend/helper_arrays.py: distinct, require)
            f"the gradient does not exist here: {message[len(_OURS) :]}",
            place,
            hint="move the point away from it (perturb the matrix), or differentiate a "
            "function of the decomposition that has a gradient there (the eigenvalues)",
        ) from None
    if isinstance(exc, numpy.linalg.LinAlgError):
        users_own(gradient.__wrapped__, args, kwargs)  # (their error, where theirs raises)
        raise SingularMatrixError(
            "the gradient of np.linalg.det at a singular matrix: symback computes it as "
            "det(x) * inv(x).T, and inv(x) does not exist there",
            place,
            hint="keep the matrix away from singular ones: the gradient there (the "
            "transposed adjugate) is not computed yet",
        ) from None
    if gradient._numpy_code is None:
        gradient._numpy_code = numpy_code(gradient.generated)
    options = gradient._options
    result = answer(
        gradient.__wrapped__, gradient._numpy_code, options.value_too, options.has_aux, args, kwargs
    )
    if result is None:
        raise exc
    return result


def _log(x, base=None):
    return numpy.log(x) if base is None else numpy.log(x) / numpy.log(base)


def _math_as_numpy() -> types.SimpleNamespace:
    """The math module with each function NumPy has replaced by NumPy's (same values;
    inf and nan where math raises)."""
    functions = {
        math_name: getattr(numpy, numpy_name)
        for numpy_name, math_name in MATH_SPELLING.items()
        if callable(getattr(math, math_name, None))
    }
    functions.update(log=_log, pow=numpy.power, fabs=numpy.fabs, atan2=numpy.arctan2)
    functions.update(hypot=numpy.hypot, copysign=numpy.copysign)
    return types.SimpleNamespace(**{**vars(math), **functions})


math_as_numpy = _math_as_numpy()


def as_float64(args, kwargs):
    """The arguments with each Python float a np.float64 (the same number)."""

    def convert(v):
        return numpy.float64(v) if type(v) is float else v

    return tuple(map(convert, args)), {k: convert(v) for k, v in kwargs.items()}


def numpy_code(generated) -> object:
    """The generated general function, loaded again with `math` as `math_as_numpy`."""
    namespace = load(generated.text, f"{generated.function_name} in NumPy arithmetic")
    namespace.update(generated.lowered.custom)
    namespace.update(ir.live_holders(generated.lowered))
    namespace[generated.names["math"]] = math_as_numpy
    return namespace[generated.function_name]


def users_own(user, args, kwargs):
    """What the user's function returns; where it raises, its error goes on unchanged (the
    gradient code failed in the forward pass: the user's own behaviour)."""
    with warnings.catch_warnings():  # (the failed call showed the forward's warnings)
        warnings.simplefilter("ignore")
        return user(*args, **kwargs)


def answer(user, numpy_function, value_too: bool, has_aux: bool, args, kwargs):
    """The gradient's result for a call where Python's float arithmetic raised: the user's
    value (their exception where their function raises), the gradient in NumPy arithmetic
    (None where that raises too)."""
    returned = users_own(user, args, kwargs)
    args, kwargs = as_float64(args, kwargs)
    try:
        result = numpy_function(*args, **kwargs)
    except FLOAT_ERRORS:
        return None
    if value_too:
        return returned, result[1]
    if has_aux:
        return result[0], returned[1]
    return result
