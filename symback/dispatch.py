"""What calling a gradient runs once it has specialisations: the chain of guards' ends, a
check of the outside values it holds, and past the limit a table of the kinds specialised.
Each takes the GradientFunction (gradient.py, which imports this module: typed Any here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy

from .arguments import suspicious
from .foreign import other_arrays

# `failed` where every specialisation made so far turned the arguments away
TURNED_AWAY = object()


def general_call(gradient: Any, failed: Any, *args: Any, **kwargs: Any) -> Any:
    """Where a specialised function sends a call it cannot answer (`failed` is its
    arguments' description) or, the last one made, the arguments no guard let through."""
    return gradient._dispatch(args, kwargs, failed)


def checking(gradient: Any, made: Callable[..., Any]) -> Callable[..., Any]:
    """`made`, called once the outside values the gradient holds are checked unchanged."""
    reads = gradient._reads

    def call(*args: Any, **kwargs: Any) -> Any:
        for read in reads:
            if not read.holds():
                return gradient._dispatch(args, kwargs)
        return made(*args, **kwargs)

    return call


def by_description(gradient: Any) -> Callable[..., Any]:
    """Past the limit: a call whose arguments (all given by position) are of a kind
    specialised runs that code; any other runs the general code, with no specialisation
    looked for. The cost over the general code is a table lookup, keyed by the arguments'
    shapes and dtypes (arrays) or types (the rest, whose kinds go on by the slower path)."""
    table: dict[Any, Callable[..., Any]] = {}
    for description, made in gradient._specialised.items():
        if made is not None and all(kind in (numpy.ndarray, float) for _, kind, _ in description):
            key = tuple(
                detail if kind is numpy.ndarray else kind for _, kind, detail in description
            )
            table[key] = made
    assert gradient.generated is not None
    params = gradient.generated.lowered.params
    checked = all(p.kind == "positional" for p in params) and not gradient._reads
    count, general, run = len(params), gradient._fn, gradient._run
    ndarray = numpy.ndarray

    def call(*args: Any, **kwargs: Any) -> Any:
        if checked and not kwargs and len(args) == count:
            key = tuple(
                [(a.shape, a.dtype) if a.__class__ is ndarray else a.__class__ for a in args]
            )
            made = table.get(key)
            if made is not None:
                return made(*args)
            # (nothing to refuse, no outside value to check, no other library's arrays)
            if not (suspicious(args, kwargs) or other_arrays(args, kwargs)):
                return run(general, args, kwargs)
        return gradient._dispatch(args, kwargs)

    return call
