"""Element writes as copies: `y[i] = v` becomes `y_1 = _with_set(y, v, np.s_[i])`.

The gradient of a function that writes into array elements keeps an undo log: a list of
the elements each write overwrote, put back as the backward pass goes. That is the fast
form, but symback cannot differentiate it again. For a second derivative, the first
gradient is generated from this form instead, where each write makes a new array (a copy:
O(n) a write) and is an array primitive with its own adjoint (ops/arrays.py), so the
gradient code has no log and symback reads it back. The lowering already refuses reads of
an array's old name after a write (frontend/stale.py), so copies and in-place writes give
the same values.
"""

from __future__ import annotations

import ast
import dataclasses

from .. import ir

_HELPER_BY_OP = {
    "=": "with_set",
    "+=": "with_added",
    "-=": "with_subtracted",
    "add.at": "with_added_at",
}


def writes_as_copies(fn: ir.Function, names: dict[str, str]) -> ir.Function:
    """`fn` with every element write made a copy with the element written."""
    if not any(isinstance(s, ir.Write) for s in ir.every_statement(fn.body)):
        return fn
    return dataclasses.replace(fn, body=_copied(fn.body, names))


def _copied(stmts, names) -> tuple:
    out = []
    for s in stmts:
        if isinstance(s, ir.If):
            s = dataclasses.replace(s, then=_copied(s.then, names), orelse=_copied(s.orelse, names))
        elif isinstance(s, ir.Loop):
            s = dataclasses.replace(s, body=_copied(s.body, names))
        elif isinstance(s, ir.Write):
            op = _HELPER_BY_OP[s.op]
            index = s.index_value(names["np"])
            array, value = ast.Name(s.array, ast.Load()), ast.Name(s.value, ast.Load())
            code = ast.Call(ast.Name(names[op], ast.Load()), [array, value, index], [])
            operands = (s.array, s.value, *s.index_operands)
            extra = (("extra", (s.index_value(names["np"]),)),)
            s = ir.Primitive(s.target, op, operands, extra, code, s.line)
        out.append(s)
    return tuple(out)
