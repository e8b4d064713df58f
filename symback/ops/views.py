"""Which views are views whatever the shapes, and how a write through one reaches its base."""

from __future__ import annotations

import ast

# A record's `always_view` is True, False, or one of these functions of the statement's static
# arguments (its params as a dict): whether the result is a view of the operand named by the
# record's `view` for every input shape (np.reshape is a view or a copy depending on the
# operand's strides, x[0] is a row view or a number depending on x.ndim: neither is).


def basic_slices(params: dict) -> bool:
    """x[1:, ::-1], x[:, None], x[...]: slices, new axes and `...` only. (An integer part
    gives a number when it indexes the last axis, a name may be a boolean mask: a copy.)"""
    index = params.get("subscript")
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    return bool(parts) and all(_slice_like(p) for p in parts)  # (x[()] of a 0-d x: a number)


def _slice_like(part: ast.expr) -> bool:
    if isinstance(part, ast.Slice):
        return True
    if isinstance(part, ast.Constant):
        return part.value is None or part.value is Ellipsis
    return isinstance(part, ast.Attribute) and part.attr == "newaxis"


def einsum_without_sums(params: dict) -> bool:
    """np.einsum('ij->ji', a), ('ii->i', a): one operand, no letter summed away."""
    inputs, _, output = params.get("subscripts", "").replace(" ", "").partition("->")
    if params.get("count") != 1 or "," in inputs:
        return False
    return set(inputs.replace("...", "")) <= set(output.replace("...", ""))


def is_always_view(row, params: dict) -> bool:
    """Is a statement of this record, with these static arguments, always a view?"""
    always = row.always_view
    return bool(always(params) if callable(always) else always)


# A record's `through` says how a write into its result writes the base it is a view of:
# "index": the view is base[subscript], so the write also writes base[subscript] (the
# subscript as the view's params hold it). "" : symback does not follow writes through it.
THROUGH_INDEX = "index"
