"""Lowering of element writes (`y[i] = v`, `y[i, j] += v`, `y[a:b] = v`) into ir.Write.

A write gives the array a new SSA name, so reads before and after it are different values
(and a loop that writes an array carries it). Indices must name each element once (a loop
variable, an integer, a slice): the adjoint of a write with a repeated index would depend on
which copy NumPy kept. What may still hold the old array after a write is checked on the
whole function (frontend/stale.py).
"""

from __future__ import annotations

import ast

from .. import ir
from . import arrays, core, integers, views
from .state import Lowering

# `y op= v` written as the write `y[...] op v`; other operators read the element first.
WRITE_OPERATORS = {ast.Add: "+=", ast.Sub: "-="}
# Calls whose result is a new array the function may write into (np.copy copies here).
COPIES = frozenset({"numpy.copy", "numpy.array"})
_INDEX_HINT = (
    "index with loop variables, integers and slices (y[i], y[i - 1, j], y[1:]); for a "
    "computed index, build the array with np.where or arithmetic instead"
)


def add_at(st: Lowering, stmt: ast.Expr) -> None:
    """`np.add.at(y, index, v)`: `y[index] += v`, where an index named twice adds twice."""
    call = stmt.value
    module = st.namespace.chain(call.func.value.value)
    if module is None or module.qualname != "numpy":
        st.fail(call.func, "`.add.at` of something other than NumPy", None)
    array, index, value = call.args
    target = ast.copy_location(ast.Subscript(array, index, ast.Store()), array)
    element_write(st, stmt, target, value, ast.Add(), accumulate=True)


def element_write(
    st: Lowering, stmt: ast.stmt, target: ast.Subscript, value: ast.expr, op=None, accumulate=False
):
    if not isinstance(target.value, ast.Name):
        st.fail(
            target,
            "only an element of a named array can be written (y[i, j], not y[i][j])",
            "write y[i, j] = ... for an element of a 2-D array",
        )
    name = target.value.id
    if name not in st.env:
        st.fail(target.value, f"`{name}` is written into before it has a value", None)
    if name in st.params and st.env[name] == name:
        st.fail(
            target,
            f"writing into `{name}` would change the array the caller passed in",
            f"write into a copy: `{name}_out = np.copy({name})`, then `{name}_out[...] = ...`",
        )
    if not accumulate:
        check_write_index(st, target.slice)
    if op is not None and type(op) not in WRITE_OPERATORS:  # y[i] *= v: y[i] = y[i] * v
        read = ast.copy_location(ast.Subscript(target.value, target.slice, ast.Load()), target)
        value = ast.copy_location(ast.BinOp(read, op, value), stmt)
        value.end_lineno, value.end_col_offset = stmt.end_lineno, stmt.end_col_offset
        op = None
    value_name = core.value_to_name(st, value)
    index, index_names = arrays.code_only(st, target.slice)
    if accumulate:  # np.add.at(y, index, v): the index taken whole
        op_text = "add.at"
    else:
        op_text = "=" if op is None else WRITE_OPERATORS[type(op)]
    _refuse_stale_aliases(st, stmt, name)
    written = st.new_version_name(name)
    st.body.append(
        ir.Write(
            written,
            st.env[name],
            value_name,
            tuple(index_names),
            index,
            op_text,
            st.line,
            st.source.place(target),
        )
    )
    st.bind(name, written)
    views.after_write(st, st.body[-1])


def _refuse_stale_aliases(st: Lowering, stmt: ast.stmt, name: str) -> None:
    """A name that may be the same array as `name` without being a view symback takes again
    after the write (np.asarray of it, what min/max returned) would keep the old values:
    refused where it is read later."""
    current = st.env[name]
    unseen = views.same_memory(st, current) - views.taken_again(st, current)
    stale = sorted(n for n, v in st.env.items() if v in unseen and views.read_after(st, n, stmt))
    if stale:
        st.fail(
            stmt,
            f"`{stale[0]}` may be the same array as `{name}` here (np.asarray of it, or what "
            f"min/max returned), and writing into `{name}` changes it too",
            "make one of them a copy (`np.array(...)`, `np.copy(...)`) before the write",
        )


def check_write_index(st: Lowering, index: ast.expr) -> None:
    """Each part a slice or an integer expression of loop variables and numbers."""
    for part in index.elts if isinstance(index, ast.Tuple) else [index]:
        if isinstance(part, ast.Slice) or integers.integer_expression(st, part):
            continue
        st.fail(
            part,
            "symback writes an array only at indices that name each element once, and "
            "cannot tell that of this index",
            _INDEX_HINT,
        )


def fresh_copy(st: Lowering, user_name: str, node: ast.expr) -> bool:
    """`y = np.copy(x)` / `y = x.copy()` for an array the function writes into: a real
    copy (elsewhere a copy is the same value as x, and lowering shares the name)."""
    if isinstance(node, ast.Call) and not node.keywords:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "copy" and not node.args:
            source = func.value
        else:
            resolved = st.namespace.chain(func)
            if resolved is None or resolved.qualname not in COPIES or len(node.args) != 1:
                return False
            source = node.args[0]
        copied = source.id if isinstance(source, ast.Name) else None
        if user_name not in st.written and copied not in st.written:
            return False
        name = core.value_to_name(st, source)
        target = st.new_version_name(user_name)
        arrays.real_copy(st, name, target)
        st.bind(user_name, target)
        return True
    return False
