"""Which index expressions are surely integers: numbers, loop counters, len(...), x.shape[k]."""

from __future__ import annotations

import ast

from .state import Lowering

_INTEGER_OPERATORS = (ast.Add, ast.Sub, ast.Mult)


def integer_expression(st: Lowering, node: ast.expr) -> bool:
    """Is `node` surely an integer: numbers, loop variables, len(...), x.shape[k]?"""
    if isinstance(node, ast.Constant):
        return type(node.value) is int or node.value is Ellipsis
    if isinstance(node, ast.Name):
        if node.id in st.env:
            return node.id in st.loop_variables or st.env[node.id] in st.integers
        resolved = st.namespace.lookup(node.id)
        return resolved.kind == "number" and isinstance(resolved.value, int)
    if isinstance(node, ast.BinOp) and isinstance(node.op, _INTEGER_OPERATORS):
        return integer_expression(st, node.left) and integer_expression(st, node.right)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return integer_expression(st, node.operand)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id == "len" and node.func.id not in st.env
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute):
        return node.value.attr == "shape" and integer_expression(st, node.slice)
    return False
