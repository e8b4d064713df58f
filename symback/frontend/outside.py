"""Names a function reads from outside: modules, numbers, and what an attribute belongs to.

A mixin of the Lowerer (frontend/lower.py): outside numbers are inlined (np.pi stays np.pi),
module functions are printed in canonical form (np.linalg.det), anything else is refused.
"""

from __future__ import annotations

import ast

import numpy as np
import sympy as sp

from ..errors import SymbackError
from .resolve import Resolved
from .static import Opaque
from .values import Val


class OutsideNames:
    """Methods of the Lowerer for names from outside the function."""

    def _of_array(self, node: ast.expr) -> bool:
        """Is `node` a value computed in the function (so `.attr` is an array's attribute),
        rather than a module or constant read from outside?"""
        if self._starts_local(node):
            return True
        return self.namespace.chain(node) is None  # a call, an index, an arithmetic result

    def _starts_local(self, node: ast.expr) -> bool:
        while isinstance(node, (ast.Attribute, ast.Call)):
            node = node.value if isinstance(node, ast.Attribute) else node.func
        return isinstance(node, ast.Name) and node.id in self.user_names

    def outside(self, node: ast.expr, resolved: Resolved) -> Val:
        """A value read from outside the function: only numbers are allowed."""
        if resolved.kind == "number":
            v = resolved.value
            expr = sp.Integer(v) if isinstance(v, int) else sp.Float(v)
            return Val(expr, self.canonical_constant(node, resolved))
        if resolved.kind == "unknown" and resolved.value is None:
            self.fail(node, f"name `{resolved.text}` is not defined", None, SymbackError)
        if isinstance(resolved.value, Opaque):
            self.fail(
                node,
                f"`{resolved.text}` is not a number symback can read from the file without running it",
                "pass the value in as a parameter, or define it as a numeric literal",
            )
        what = type(resolved.value).__name__ if resolved.kind == "unknown" else resolved.kind
        self.fail(
            node,
            f"`{resolved.text}` (a {what}) is read from outside the function; symback can only "
            "inline numbers from there",
            "pass arrays and other values in as parameters",
        )

    def canonical_constant(self, node: ast.expr, resolved: Resolved) -> ast.expr:
        """np.pi stays np.pi; any other outside number is inlined as a literal."""
        if isinstance(node, ast.Attribute):
            root = self.namespace.chain(node.value)
            if root is not None and root.kind == "module" and root.qualname in ("numpy", "math"):
                return self.module_attr(f"{root.qualname}.{node.attr}")
        value = resolved.value
        if isinstance(value, float) and value < 0 or isinstance(value, int) and value < 0:
            return ast.UnaryOp(ast.USub(), ast.Constant(-value))
        return ast.Constant(value)

    def dtype_code(self, node: ast.expr) -> ast.expr | None:
        """A type given as a dtype (`dtype=float`, `np.float32`), in canonical form; else None."""
        if self._of_array(node):
            return None
        resolved = self.namespace.chain(node)
        kind = resolved.value if resolved is not None else None
        if kind in (float, int, bool, complex):
            return ast.Name(kind.__name__, ast.Load())
        if isinstance(kind, type) and issubclass(kind, np.generic):
            return self.module_attr(f"numpy.{kind.__name__}")
        return None

    def module_attr(self, qualname: str) -> ast.expr:
        """Code for a module function or constant, in canonical form: np.linalg.det."""
        module, *attrs = qualname.split(".")
        if module == "builtins":
            return ast.Name(attrs[0], ast.Load())
        if module == "symback":  # a helper the generated module defines
            return ast.Name(dict(self.modules.helper_names)[attrs[0]], ast.Load())
        if module == "math":
            self.uses_math = True
        code = ast.Name(self.modules.math if module == "math" else self.modules.np, ast.Load())
        for attr in attrs:
            code = ast.Attribute(code, attr, ast.Load())
        return code
