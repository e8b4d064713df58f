"""Lowering of `x[...]`: an array indexed (a basic index, a gather, new axes), a part of a
tuple a call returns (frontend/tuples.py), or np.r_[...] (frontend/spelled.py)."""

from __future__ import annotations

import ast
import copy

from . import arrays, core, spelled, tuples
from .core import handler
from .state import Lowering


@handler
def value_Subscript(st: Lowering, node: ast.Subscript, operands, target):
    """x[index]: a part of a tuple a call returns, np.r_[...], or an array indexed."""
    trick = spelled.index_trick(st, node.value)
    if trick is not None:  # np.r_[a, b]
        return spelled.concatenation(st, node, trick, operands, target)
    part = tuples.subscript(st, node, operands, target)  # np.linalg.svd(A)[1], p[0]
    if part is not None:
        return part
    array = core.value_to_name(st, node.value)
    index, names = arrays.code_only(st, node.slice, bounds=arrays.BOUND_CALLS)
    basic = arrays.is_basic_index(st, node.slice)
    np_index = ast.Subscript(
        ast.Attribute(ast.Name(st.modules.np, ast.Load()), "s_", ast.Load()),
        index,
        ast.Load(),
    )
    params = (("index", copy.deepcopy(np_index)), ("subscript", copy.deepcopy(index)))
    code = ast.Subscript(ast.Name(array, ast.Load()), index, ast.Load())
    op = "getitem" if basic else "gather"
    if arrays.only_new_axes(st, node.slice):  # x[:, None] reshapes: so does its adjoint
        op = "expand_dims"
    return arrays.emit_primitive(st, op, (array, *names), params, code, target, operands)
