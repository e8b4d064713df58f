"""Names a function reads from outside: modules, numbers, and what an attribute belongs to.

Outside numbers are inlined (np.pi stays np.pi), module functions are printed in canonical
form (np.linalg.det), anything else is refused.
"""

from __future__ import annotations

import ast

import numpy as np
import sympy as sp

from ..errors import SymbackError
from .resolve import Resolved
from .state import Lowering
from .static import Opaque
from .values import Val


def of_array(st: Lowering, node: ast.expr) -> bool:
    """Is `node` a value computed in the function (so `.attr` is an array's attribute),
    rather than a module or constant read from outside?"""
    if starts_local(st, node):
        return True
    return st.namespace.chain(node) is None  # a call, an index, an arithmetic result


def starts_local(st: Lowering, node: ast.expr) -> bool:
    while isinstance(node, (ast.Attribute, ast.Call)):
        node = node.value if isinstance(node, ast.Attribute) else node.func
    return isinstance(node, ast.Name) and node.id in st.user_names


def outside(st: Lowering, node: ast.expr, resolved: Resolved) -> Val:
    """A value read from outside the function: only numbers are allowed."""
    if resolved.kind == "number":
        v = resolved.value
        expr = sp.Integer(v) if isinstance(v, int) else sp.Float(v)
        return Val(expr, canonical_constant(st, node, resolved))
    if resolved.kind == "unknown" and resolved.value is None:
        st.fail(node, f"name `{resolved.text}` is not defined", None, SymbackError)
    if isinstance(resolved.value, Opaque):
        st.fail(
            node,
            f"`{resolved.text}` is not a number symback can read from the file without running it",
            "pass the value in as a parameter, or define it as a numeric literal",
        )
    what = type(resolved.value).__name__ if resolved.kind == "unknown" else resolved.kind
    st.fail(
        node,
        f"`{resolved.text}` (a {what}) is read from outside the function; symback can only "
        "inline numbers from there",
        "pass arrays and other values in as parameters",
    )


def canonical_constant(st: Lowering, node: ast.expr, resolved: Resolved) -> ast.expr:
    """np.pi stays np.pi; any other outside number is inlined as a literal."""
    if isinstance(node, ast.Attribute):
        root = st.namespace.chain(node.value)
        if root is not None and root.kind == "module" and root.qualname in ("numpy", "math"):
            return module_attr(st, f"{root.qualname}.{node.attr}")
    value = resolved.value
    if isinstance(value, float) and value < 0 or isinstance(value, int) and value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def dtype_code(st: Lowering, node: ast.expr) -> ast.expr | None:
    """A type given as a dtype (`dtype=float`, `np.float32`), in canonical form; else None."""
    if of_array(st, node):
        return None
    resolved = st.namespace.chain(node)
    kind = resolved.value if resolved is not None else None
    if kind in (float, int, bool, complex):
        return st.modules.builtin(kind.__name__)
    if isinstance(kind, type) and issubclass(kind, np.generic):
        return module_attr(st, f"numpy.{kind.__name__}")
    return None


def module_attr(st: Lowering, qualname: str) -> ast.expr:
    """Code for a module function or constant, in canonical form: np.linalg.det."""
    module, *attrs = qualname.split(".")
    if module == "builtins":
        return st.modules.builtin(attrs[0])
    if module == "symback":  # a helper the generated module defines
        return ast.Name(st.modules.helper_names[attrs[0]], ast.Load())
    if module == "math":
        st.uses_math = True
    code = ast.Name(st.modules.math if module == "math" else st.modules.np, ast.Load())
    for attr in attrs:
        code = ast.Attribute(code, attr, ast.Load())
    return code
