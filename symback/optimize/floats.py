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

from .. import ir
from ..ops.elementwise import MATH_SPELLING


def floats_in_math(fn: ir.Function, floats: set[str], np: str, math: str) -> ir.Function:
    """`fn` with the NumPy calls of its float-only statements spelled with `math` (`fn`
    itself where there are none)."""
    body, changed = [], False
    for s in fn.body:
        if isinstance(s, ir.Elementwise) and {s.target, *s.operands} <= floats:
            rename = _ToMath(np, math)
            code = rename.visit(copy.deepcopy(s.code))
            calls = tuple((e, _ToMath(np, math).visit(copy.deepcopy(c))) for e, c in s.calls)
            if rename.changed:
                s, changed = dataclasses.replace(s, code=code, calls=calls), True
        body.append(s)
    return dataclasses.replace(fn, body=tuple(body)) if changed else fn


class _ToMath(ast.NodeTransformer):
    def __init__(self, np: str, math: str):
        self.np, self.math, self.changed = np, math, False

    def visit_Attribute(self, node: ast.Attribute):
        if isinstance(node.value, ast.Name) and node.value.id == self.np:
            if node.attr in MATH_SPELLING:
                self.changed = True
                return ast.Attribute(ast.Name(self.math, ast.Load()), MATH_SPELLING[node.attr])
        return self.generic_visit(node)
