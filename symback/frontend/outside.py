"""Names a function reads from outside: modules, numbers, constants, and what an attribute
belongs to.

Outside numbers are inlined (np.pi stays np.pi), module functions are printed in canonical
form (np.linalg.det). Constants (arrays, tuples of them) are read when the generated code
runs, from the module or closure they are in: a constant changed since the gradient was made
is the one it uses. Anything else is refused.
"""

from __future__ import annotations

import ast
from dataclasses import replace

import numpy as np
import sympy as sp

from .. import ir
from ..errors import SymbackError
from . import core
from .resolve import Resolved, constant_kind
from .state import Lowering
from .static import Opaque
from .values import Operands, Val


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


def outside(st: Lowering, node: ast.expr, resolved: Resolved, operands=None, raw=False) -> Val:
    """A value read from outside the function: a number (inlined) or a constant. A tuple or
    list of numbers is the array NumPy makes of it (`np.asarray(COEFFS)`), unless `raw`
    (an index or a shape, where a tuple means what it is)."""
    if resolved.kind == "number":
        v = resolved.value
        expr = sp.Integer(v) if isinstance(v, int) else sp.Float(v)
        return Val(expr, canonical_constant(st, node, resolved))
    if resolved.kind == "unknown" and resolved.value is None:
        st.fail(node, f"name `{resolved.text}` is not defined", None, SymbackError)
    static = isinstance(resolved.value, Opaque)
    if resolved.kind == "constant" or static and resolved.value.assigned:
        name = constant(st, node, resolved)
        if raw or not numbers_only(resolved.value):
            return core.operand(st, name, operands or Operands())
        val = core.operand(st, as_array(st, name), operands or Operands())
        return replace(val, sequence=True)
    if static:
        st.fail(
            node,
            f"`{resolved.text}` is not a constant symback can read from the file: "
            "only numbers, arrays and tuples of them",
            "pass the value in as a parameter",
        )
    what = type(resolved.value).__name__ if resolved.kind == "unknown" else resolved.kind
    st.fail(
        node,
        f"`{resolved.text}` (a {what}) is read from outside the function; symback can only "
        "read numbers, arrays and tuples or lists of them from there",
        "pass other values in as parameters",
    )


def constant(st: Lowering, node: ast.expr, resolved: Resolved) -> str:
    """The SSA name of a constant read from outside: a statement at the function's start
    reads it from where it is kept (`TARGET = model.TARGET`), once a call."""
    holder, attr = resolved.holder, resolved.attr
    if holder is None or not attr:
        st.fail(node, f"`{resolved.text}` cannot be read when the gradient runs", None)
    if isinstance(holder, ir.ModuleRef) and holder.name is None:
        st.fail(
            node,
            f"`{resolved.text}` is read from {holder.filename!r}, whose name cannot be "
            "imported, so the generated module cannot read it",
            "rename the file to a Python name, or pass the value in as a parameter",
        )
    key = (id(holder), attr)
    if key not in st.constants:
        alias = next((a for a, h in st.holders.items() if h is holder), None)
        if alias is None:
            alias = st.namer.fresh(_holder_name(st, holder))
            st.holders[alias] = holder
        name = st.namer.fresh(attr)
        read = ast.Attribute(ast.Name(alias, ast.Load()), attr, ast.Load())
        st.prelude.append(ir.Opaque(name, (), read, st.line))
        st.constants[key] = name
    return st.constants[key]


def numbers_only(value) -> bool:
    """Is `value` a tuple or list of numbers (nested: a table), the same as an array?"""
    if isinstance(value, Opaque):
        return value.numbers
    if not isinstance(value, (tuple, list)) or not value:
        return False
    kind = constant_kind(value)
    if kind is None or "array" in repr(kind):
        return False
    try:
        return np.asarray(value).dtype.kind in "biuf"
    except ValueError:  # ragged
        return False


def as_array(st: Lowering, name: str) -> str:
    """The constant `name` (a tuple or list of numbers) as an array, made once at the start.
    Python's operators on the tuple itself mean something else (`2 * COEFFS` repeats it):
    frontend/expressions.py refuses them where the constant is read (Val.sequence)."""
    if name not in st.sequences:
        array = st.namer.fresh(f"{name}_array")
        code = ast.Call(module_attr(st, "numpy.asarray"), [ast.Name(name, ast.Load())], [])
        st.prelude.append(ir.Opaque(array, (name,), code, st.line))
        st.sequences[name] = array
    return st.sequences[name]


def _holder_name(st: Lowering, holder) -> str:
    if holder is st.namespace.holder:
        return st.namespace.holder_name
    name = getattr(holder, "__name__", "") or ""
    name = name.rpartition(".")[2]
    return name if name.isidentifier() and not name.startswith("_") else "outside"


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
    if module == "scipy":  # scipy.special.expit: special.expit (emit.py imports it)
        module, *attrs = attrs
    spelled = {"math": st.modules.math, "special": st.modules.names.get("special")}
    code = ast.Name(spelled.get(module) or st.modules.np, ast.Load())
    for attr in attrs:
        code = ast.Attribute(code, attr, ast.Load())
    return code
