"""NumPy spellings lowered as the calls they stand for: np.select as nested np.where, np.r_[...]
as np.concatenate of its items; np.c_[...] as itself, by its record (ops/joins.py).

The forward value is the same (the same elements, copied in the same order; np.where picks
what np.select picks: the first condition that holds, else the default).
"""

from __future__ import annotations

import ast

import numpy

from . import arrays, core, outside
from .state import Lowering

# The index tricks by their objects (np.r_ is an instance of a class, not a function).
_INDEX_TRICKS = {id(numpy.r_): "numpy.r_", id(numpy.c_): "numpy.c_"}


def index_trick(st: Lowering, node: ast.expr) -> str | None:
    """'numpy.r_' or 'numpy.c_' if `node` reads one of them from outside the function."""
    if not isinstance(node, (ast.Name, ast.Attribute)) or outside.starts_local(st, node):
        return None
    resolved = st.namespace.chain(node) if isinstance(node, ast.Attribute) else None
    if isinstance(node, ast.Name):
        resolved = st.namespace.lookup(node.id)
    value = getattr(resolved, "value", None)
    return _INDEX_TRICKS.get(id(value)) if value is not None else None


def _located(new: ast.expr, old: ast.AST) -> ast.expr:
    """`new` with the nodes made here placed at the user's `old` (for messages)."""
    for n in ast.walk(new):
        if getattr(n, "lineno", None) is None:
            ast.copy_location(n, old)
            n.end_lineno, n.end_col_offset = old.end_lineno, old.end_col_offset
    return new


def concatenation(st: Lowering, node: ast.Subscript, which: str, operands, target):
    """np.r_[a, b, ...]: np.concatenate([np.atleast_1d(a), ...]) (the same elements: numbers
    become one-element arrays, arrays join along their first axis); np.c_[a, b, ...]."""
    items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    spelled = "np.r_" if which == "numpy.r_" else "np.c_"
    for item in items:
        if isinstance(item, ast.Slice) or (
            isinstance(item, ast.Constant) and isinstance(item.value, str)
        ):
            st.fail(
                item,
                f"{spelled}[...] with a range (start:stop) or a directive string is not "
                "supported",
                "write np.concatenate([a, np.arange(start, stop), ...]) instead",
            )
    if which == "numpy.c_":  # as written: its own record (ops/joins.py)
        names = [core.value_to_name(st, item) for item in items]
        code = ast.Subscript(
            outside.module_attr(st, "numpy.c_"),
            ast.Tuple([ast.Name(n, ast.Load()) for n in names], ast.Load()),
            ast.Load(),
        )
        params = (("count", len(names)),)
        return arrays.emit_primitive(st, "c_", names, params, code, target, operands)
    lifted = [ast.Call(outside.module_attr(st, "numpy.atleast_1d"), [item], []) for item in items]
    call = ast.Call(
        outside.module_attr(st, "numpy.concatenate"), [ast.List(lifted, ast.Load())], []
    )
    return core.value(st, _located(call, node), operands, target)


def select(st: Lowering, node: ast.Call, operands, target):
    """np.select(conditions, choices, default=0) as np.where(c0, x0, np.where(c1, x1, default))."""
    args = list(node.args)
    keywords = {k.arg: k.value for k in node.keywords}
    names = ("condlist", "choicelist", "default")
    if set(keywords) - set(names) or len(args) > 3:
        st.fail(node, "np.select takes conditions, choices and a default here", None)
    for name in names[len(args) :]:
        if name in keywords:
            args.append(keywords[name])
        elif name == "default":
            args.append(ast.Constant(0))
    if len(args) != 3:
        st.fail(node, "np.select needs its conditions and its choices", None)
    conditions, choices, default = args
    written = (ast.List, ast.Tuple)
    if not (isinstance(conditions, written) and isinstance(choices, written)) or len(
        conditions.elts
    ) != len(choices.elts):
        st.fail(
            node,
            "np.select needs its conditions and its choices written out, as many of each",
            "write np.select([x < 0, x > 1], [a, b], default=c)",
        )
    where = outside.module_attr(st, "numpy.where")
    out = default
    for condition, choice in reversed(list(zip(conditions.elts, choices.elts))):
        out = ast.Call(where, [condition, choice, out], [])
        out.select = True  # (np.select refuses a condition that is not a mask: calls.py)
    return core.value(st, _located(out, node), operands, target)
