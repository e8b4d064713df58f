"""On Python floats, NumPy's elementwise functions as `math` ones: the same maths, ~20x faster.

A specialised gradient knows which top-level values are Python floats (or NumPy float
scalars) at the first call. `np.sin(t)` on such a value costs about 1 us, `math.sin(t)`
about 0.05 us, and the two agree to the last bit or so. Only for the gradient alone: a
value returned to the caller (value_and_grad) stays computed exactly as the user wrote it.
"""

from __future__ import annotations

import ast
import copy
import dataclasses

from .. import code, ir
from ..ops.elementwise import MATH_SPELLING


def floats_in_math(
    fn: ir.Function, floats: set[str], arrays: set[str], np: str, math: str
) -> ir.Function:
    """`fn` with the NumPy calls of its float-only statements spelled with `math`, and its
    elements read of float64 `arrays` as Python floats (`fn` itself where there are none)."""
    body = _in_math(fn.body, floats, arrays, np, math)
    return fn if body is None else dataclasses.replace(fn, body=body)


def _in_math(stmts, floats, arrays, np, math) -> tuple | None:
    """The statements rewritten, loop bodies too (whose values the facts also know); None
    where nothing changed."""
    body, changed = [], False
    for s in stmts:
        if isinstance(s, ir.Loop):
            inner = _in_math(s.body, floats, arrays, np, math)
            if inner is not None:
                s, changed = dataclasses.replace(s, body=inner), True
        elif isinstance(s, ir.Elementwise) and {s.target, *s.operands} <= floats:
            rename = _ToMath(np, math)
            spelled = rename.visit(copy.deepcopy(s.code))
            calls = tuple((e, _ToMath(np, math).visit(copy.deepcopy(c))) for e, c in s.calls)
            if rename.changed:
                s, changed = dataclasses.replace(s, code=spelled, calls=calls), True
        elif _element_read(s, floats, arrays):
            # x.item(i): the element as a Python float, whose arithmetic costs a third of a
            # NumPy scalar's (the same bits: both are IEEE doubles)
            indices = code.element_positions(dict(s.params)["subscript"])
            item = ast.Attribute(ast.Name(s.operands[0], ast.Load()), "item", ast.Load())
            value = ast.Call(item, [copy.deepcopy(i) for i in indices], [])
            s, changed = dataclasses.replace(s, code=value), True
        body.append(s)
    return tuple(body) if changed else None


def _element_read(s, floats: set[str], arrays: set[str]) -> bool:
    """Is it one element of a float64 array, at integer positions (no slice, no new axis)?"""
    if not (isinstance(s, ir.Primitive) and s.op == "getitem" and s.target in floats):
        return False
    if s.operands[0] not in arrays:
        return False
    subscript = dict(s.params).get("subscript")
    return subscript is not None and code.element_positions(subscript) is not None


class _ToMath(ast.NodeTransformer):
    def __init__(self, np: str, math: str):
        self.np, self.math, self.changed = np, math, False

    def visit_Attribute(self, node: ast.Attribute):
        if isinstance(node.value, ast.Name) and node.value.id == self.np:
            if node.attr in MATH_SPELLING:
                self.changed = True
                return ast.Attribute(ast.Name(self.math, ast.Load()), MATH_SPELLING[node.attr])
        return self.generic_visit(node)
