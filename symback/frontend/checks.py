"""Lowering of `assert`: the user's check runs in the forward pass as written, and takes no
part in the derivative (no gradient flows through a test that passed)."""

from __future__ import annotations

import ast
import copy

from .. import ir
from ..errors import SymbackError
from . import outside
from .core import handler
from .state import Lowering

# the builtins an assert's test may call; NumPy's and math's functions are all allowed
CALLS = frozenset({"len", "abs", "min", "max", "int", "float", "all", "any", "round", "bool"})
MODULES = ("numpy", "math")


@handler
def visit_Assert(st: Lowering, stmt: ast.Assert) -> None:
    """`assert test, message` as a statement of the forward pass (ir.Opaque, asserted). A
    test symback cannot print (it reads a type: `isinstance(x, np.ndarray)`) is Python's
    check of the arguments and is left out, as `if ...: raise` guards are."""
    names: set[str] = set()
    try:
        test = _code(st, stmt.test, names)
        message = None if stmt.msg is None else _code(st, stmt.msg, names)
    except SymbackError:
        return None
    name = st.temp()
    st.body.append(
        ir.Opaque(name, tuple(sorted(names)), test, st.line, asserted=True, message=message)
    )
    return None


def _code(st: Lowering, node: ast.expr, names: set[str]) -> ast.expr:
    """The test as forward code over SSA names; module functions in canonical form."""

    def rewrite(n: ast.AST) -> ast.AST:
        if isinstance(n, ast.Name):
            if n.id in st.env:
                names.add(st.env[n.id])
                return ast.Name(st.env[n.id], ast.Load())
            if n.id in st.user_names:
                raise SymbackError(f"{n.id} has no value here")
            resolved = st.namespace.lookup(n.id)
            if resolved.kind == "function" and resolved.qualname.startswith("builtins."):
                if n.id not in CALLS:
                    raise SymbackError(f"{n.id} in an assert")
                return st.modules.builtin(n.id)
            return _outside(st, n, resolved, names)
        if isinstance(n, ast.Attribute) and not outside.starts_local(st, n):
            return _outside(st, n, st.namespace.chain(n), names)
        for field, value in ast.iter_fields(n):
            if isinstance(value, ast.AST):
                setattr(n, field, rewrite(value))
            elif isinstance(value, list):
                setattr(n, field, [rewrite(v) if isinstance(v, ast.AST) else v for v in value])
        return n

    return rewrite(copy.deepcopy(node))


def _outside(st: Lowering, node: ast.expr, resolved, names: set[str]) -> ast.expr:
    """A module (np), its function (np.all, known or not), a number or a constant."""
    if resolved is None:
        raise SymbackError("not readable")
    module = resolved.qualname.split(".")[0] if resolved.kind in ("module", "function") else ""
    if module in MODULES:
        return outside.module_attr(st, resolved.qualname)
    root = node.value if isinstance(node, ast.Attribute) else None
    parent = st.namespace.chain(root) if root is not None else None
    if parent is not None and parent.kind == "module" and parent.qualname in MODULES:
        return outside.module_attr(st, f"{parent.qualname}.{node.attr}")  # np.all
    code = outside.outside(st, node, resolved, raw=True).code
    if isinstance(code, ast.Name):
        names.add(code.id)
    return code
