"""Lowering of calls returning a tuple (np.linalg.eigh, np.linalg.svd) or a list of pieces
(np.split): each part used is a statement of its own, taken by index or name
(`np.linalg.eigh(A)[1]`, `.eigenvalues`), unpacked (`w, v = np.linalg.eigh(A)`), or held by
a name that is then indexed (`p = np.split(x, 2)`, `p[0]`: Lowering.tuples).
"""

from __future__ import annotations

import ast

from ..ops.arrays import PRIMITIVES, ArrayPrimitive
from . import arrays, core, outside
from .state import Lowering


def tuple_row(st: Lowering, node: ast.expr) -> ArrayPrimitive | None:
    """The record of a call returning a tuple (np.linalg.eigh(A)), if `node` is one."""
    if not isinstance(node, ast.Call) or outside.starts_local(st, node.func):
        return None
    resolved = st.namespace.chain(node.func)
    row = None if resolved is None else PRIMITIVES.get(resolved.qualname or "")
    return row if row is not None and row.parts and not row.single(node.keywords) else None


def part_names(st: Lowering, node: ast.Call, row: ArrayPrimitive) -> tuple[str, ...]:
    """The names of the parts of the tuple (or list of pieces) this call returns."""
    if not row.pieces:
        return row.parts
    position = row.positional.index(row.pieces) + row.arrays
    given = [k.value for k in node.keywords if k.arg == row.pieces]
    given += node.args[position : position + 1]
    if not given:
        st.fail(node, f"{row.spelled} needs its `{row.pieces}`", None)
    sections = arrays.literal(st, given[0], row.pieces)
    if isinstance(sections, bool) or not isinstance(sections, (int, tuple, list)):
        st.fail(given[0], f"`{row.pieces}` must be a number or a list of numbers", None)
    count = sections if isinstance(sections, int) else len(sections) + 1
    return tuple(f"{row.parts[0]} {k}" for k in range(count))


def tuple_part(st: Lowering, node: ast.Call, row: ArrayPrimitive, part, where, operands, target):
    """Part `part` (a literal index or a part's name) of the tuple a call returns."""
    names = part_names(st, node, row)
    if isinstance(part, str) and part in row.parts and not row.pieces:
        part = row.parts.index(part)
    if not isinstance(part, int) or not -len(names) <= part < len(names):
        st.fail(
            where,
            f"{row.spelled} returns {len(names)} values ({', '.join(names)}): take "
            "one with a literal index" + ("" if row.pieces else " or its name"),
            f"write {row.spelled}(...)[0]" + ("" if row.pieces else f" or .{row.parts[0]}"),
        )
    func = outside.module_attr(st, row.names[0])
    part = part % len(names)
    return arrays.primitive_call(
        st, node, row, node.args, node.keywords, operands, target, func, part=part
    )


def check_held(st: Lowering, node: ast.Name) -> None:
    """Refuse a name bound to a call's parts read where branches or loop iterations that
    bound it meet: the parts are named one by one, never as a value that can be merged."""
    if node.id in st.held and st.env.get(node.id) not in st.tuples:
        st.fail(
            node,
            f"`{node.id}` holds the values a call returned, and is read here after an `if` "
            "or a loop that assigns it",
            f"unpack them where the call is ({node.id}_0, {node.id}_1 = ...), or take the "
            "parts you use there",
        )


def subscript(st: Lowering, node: ast.Subscript, operands, target):
    """A part taken by a literal index, of a call or of a name holding its parts; None if
    `node` is no such part."""
    if isinstance(node.value, ast.Name):
        check_held(st, node.value)
    held = isinstance(node.value, ast.Name) and st.env.get(node.value.id)
    if held in st.tuples:  # p[1], p = np.split(x, 2)
        parts = st.tuples[held]
        k = arrays.literal(st, node.slice, "the part taken")
        if not isinstance(k, int) or not -len(parts) <= k < len(parts):
            st.fail(node.slice, f"`{node.value.id}` holds {len(parts)} values", None)
        return core.operand(st, parts[k], operands)
    row = tuple_row(st, node.value)
    if row is not None:  # np.linalg.svd(A)[1]
        part = arrays.literal(st, node.slice, "the part taken")
        return tuple_part(st, node.value, row, part, node.slice, operands, target)
    return None
