"""Gradients specialised to the types and shapes of a first call's arguments.

The general generated code works for any shapes: it sums broadcast axes back at run time
(`_unbroadcast`) and spreads reductions back as broadcast views. On the first call with
given argument types and shapes, a probe runs the forward pass and records the shape of each
top-level value whose shape follows from those alone (`determined`); the backward pass is
then generated again knowing them, so every sum over broadcast axes is written out or left
out, and a reduction's adjoint stays a number where broadcasting spreads it anyway. The
specialised function starts with a test of its arguments (`guard_rows`): a call with other
types or shapes goes on to the next specialisation made for the same gradient, and from
the last one to the general path, so no call ever runs code made for others, and a gradient
called with two kinds of arguments in turn (two sizes) runs each one's code after a failed
test or two, without the general path's signature binding in between.
"""

from __future__ import annotations

import contextlib
import threading
import warnings

import numpy

from . import ir
from .backend.load import load
from .determined import BY_VALUE, determined
from .facts import Facts
from .pipeline import Generated, probe, specialise

GENERAL = "_symback_general"  # the general path, in a specialised function's namespace
ONWARD = "_symback_onward"  # where the guard sends other arguments: the next specialisation
ARRAY = "_symback_ndarray"
FIRST = "_symback_first"  # the probe's record of each loop's first iteration


def describe(params: tuple[ir.Parameter, ...], arguments: dict) -> tuple | None:
    """For each parameter: (name, type, shape or value); None if one is of another kind."""
    out = []
    for p in params:
        if p.kind not in ("positional", "keyword_only"):
            return None
        value = arguments[p.name]
        kind = type(value)
        if kind is numpy.ndarray:  # (the dtype too: which values are floats depends on it)
            out.append((p.name, kind, (value.shape, value.dtype)))
        elif kind is float or isinstance(value, (numpy.floating, numpy.complexfloating)):
            out.append((p.name, kind, ()))
        elif kind in BY_VALUE:
            out.append((p.name, kind, value))
        else:
            return None  # lists, tuples, objects: their shapes are not worth a test
    return tuple(out)


def guard_rows(description: tuple, params: tuple[ir.Parameter, ...], types: dict) -> tuple:
    """The test a specialised function starts with, the statement that passes other
    arguments on, and the statement that hands a call to the general code."""
    tests = []
    for name, kind, detail in description:
        if kind is type(None):
            tests.append(f"{name} is None")
            continue
        type_name = types.get(kind, kind.__name__)  # (a builtin type, where not hidden)
        tests.append(f"{name}.__class__ is {type_name}")  # (a third faster than type(x))
        if kind is numpy.ndarray:
            shape, dtype = detail
            tests += [f"{name}.shape == {shape!r}", f"{name}.dtype is {types[dtype]}"]
        elif kind in BY_VALUE:
            tests.append(f"{name} == {detail!r}")
    args = ", ".join(p.name if p.kind == "positional" else f"{p.name}={p.name}" for p in params)
    test = f"if not ({' and '.join(tests)}):"
    return (test, f"    return {ONWARD}({args})"), f"return {GENERAL}({args})"


def specialised(generated: Generated, arguments: dict, description: tuple, general, onward):
    """The gradient function for arguments like these, or None where the general one is
    as good (nothing to specialise, or the probe could not run). Arguments its guard turns
    away go to `onward` (the API links it to the next specialisation, see `link`); where
    `math` raised, or the output is not a scalar, the call goes to `general`."""
    fn = generated.lowered
    if fn.custom:  # the probe would call the user's defgrad functions an extra time
        return None
    modules = set(generated.names.values())
    if any(name.startswith("_symback_") for name in set(fn.user_names) | modules):
        return None  # (the names it gives the general path, the guard's types)
    try:
        namespace = load(probe(generated, FIRST), f"probe {generated.function_name}")
        namespace.update(ir.live_holders(fn))
        with _quiet():  # the call itself shows the forward pass's warnings, once
            values = namespace[generated.function_name](**arguments)
        for name, kept in generated.spec.program.merged:  # the same value, read once
            values.setdefault(name, values.get(kept))
    except Exception:  # the general path will raise it, with its usual message
        return None
    first = {
        line: {**record, **{n: record[k] for n, k in generated.spec.program.merged if k in record}}
        for line, record in values.pop(FIRST, {}).items()
    }
    shapes = {}
    for name in determined(fn, description, modules, values, first):
        try:
            shapes[name] = tuple(numpy.shape(values[name]))
        except (KeyError, ValueError):
            continue
    if numpy.ndim(values.get(fn.output)) != 0:
        return None  # not a scalar: the general path says so
    types = {  # the types and dtypes the guard names, other than builtins the function
        # leaves visible (a parameter `float` hides the type from the guard)
        kind: ARRAY if kind is numpy.ndarray else f"_symback_{kind.__name__}"
        for _, kind, _ in description
        if issubclass(kind, (numpy.ndarray, numpy.generic))
        or generated.names.get(kind.__name__, kind.__name__) != kind.__name__
    }
    dtypes = dict.fromkeys(detail[1] for _, kind, detail in description if kind is numpy.ndarray)
    types.update({dtype: f"_symback_dtype{i}" for i, dtype in enumerate(dtypes)})
    guard, handoff = guard_rows(description, fn.params, types)
    floats = frozenset(
        name
        for name in shapes
        if isinstance(values.get(name), (float, numpy.floating))  # not bool, not 0-d arrays
    )
    float64 = all(  # every floating value is float64 (no complex, no float32)
        numpy.result_type(v) == numpy.float64
        for v in values.values()
        if isinstance(v, (float, complex, numpy.ndarray, numpy.generic))
        and numpy.result_type(v).kind in "fc"
    )
    arrays = {
        name: shape
        for name, shape in shapes.items()
        if isinstance(values.get(name), numpy.ndarray) and values[name].dtype == numpy.float64
    }
    floating = frozenset(  # floats and float arrays (whose dtypes follow from the guard's)
        name
        for name in shapes
        if isinstance(values.get(name), (float, numpy.floating))
        or isinstance(values.get(name), numpy.ndarray)
        and values[name].dtype.kind == "f"
    )
    # An output from a branch or loop may be an array for other arguments: still checked.
    scalar_known = fn.output in shapes
    facts = Facts(shapes, floats, floating, float64, arrays, scalar_known)
    text = specialise(generated, facts, guard, handoff)
    namespace = load(text, f"{generated.function_name} specialised")
    namespace.update({name: kind for kind, name in types.items()})
    namespace.update(ir.live_holders(fn))
    namespace[GENERAL] = general
    namespace[ONWARD] = onward
    function = namespace[generated.function_name]
    function.__symback_source__ = text
    return function


@contextlib.contextmanager
def _quiet():
    """No warnings from the probe: NumPy's floating-point ones (errstate is thread-safe),
    and, in a program with one thread, any other (`warnings.catch_warnings` swaps the
    process's filters: two threads in it at once could leave them swapped)."""
    with numpy.errstate(all="ignore"):
        if threading.active_count() > 1:
            yield
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield


def link(made, following) -> None:
    """Send the arguments that specialised function `made` turns away to `following`."""
    made.__globals__[ONWARD] = following
