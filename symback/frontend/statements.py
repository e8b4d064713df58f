"""Lowering of statements: assignments (plain, annotated, augmented, tuple) and `return`.

A binding gives the user's name a new SSA version; `y += v` becomes `y = y + v`, refused
where another name may share y's memory.
"""

from __future__ import annotations

import ast

from . import calls, core, sequences, tuples, views, writes
from .core import handler
from .state import Lowering

_OPERATOR_TEXT = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


@handler
def visit_Pass(st: Lowering, stmt: ast.Pass) -> None:
    pass


@handler
def visit_Assign(st: Lowering, stmt: ast.Assign) -> None:
    if len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Subscript):
        return writes.element_write(st, stmt, stmt.targets[0], stmt.value)
    for target in stmt.targets:
        check_target(st, target)
    if len(stmt.targets) != 1:
        st.fail(stmt, "chained assignment (a = b = ...) is not supported", "assign once")
    target = stmt.targets[0]
    if isinstance(target, ast.Tuple) and calls.is_user_call(st, stmt.value):
        names = calls.inline_call(st, stmt.value, calls.callee(st, stmt.value))
        if not isinstance(names, tuple) or len(names) != len(target.elts):
            st.fail(stmt.value, "the helper does not return that many values", None)
        for t, name in zip(target.elts, names):
            st.bind(t.id, name)
    elif isinstance(target, ast.Tuple) and tuples.tuple_row(st, stmt.value) is not None:
        # w, v = np.linalg.eigh(A): each part a statement of its own (frontend/arrays.py)
        row = tuples.tuple_row(st, stmt.value)
        names = tuple_parts(st, stmt.value, stmt)
        if len(target.elts) != len(names):
            st.fail(stmt, f"{row.spelled} returns {len(names)} values", None)
        for t, name in zip(target.elts, names):
            st.bind(t.id, name)
    elif isinstance(target, (ast.Tuple, ast.List)):
        displayed = isinstance(stmt.value, (ast.Tuple, ast.List))
        if displayed and len(stmt.value.elts) != len(target.elts):
            st.fail(stmt.value, f"{len(target.elts)} names but {len(stmt.value.elts)} values", None)
        if displayed:
            # Python evaluates the whole right side before binding any name.
            pairs = []
            for t, v in zip(target.elts, [core.value_to_name(st, v) for v in stmt.value.elts]):
                nested = isinstance(t, (ast.Tuple, ast.List))
                pairs += sequences.unpack(st, t, v) if nested else [(t, v)]
        else:  # an array, a tuple a call returns, a constant: item by item
            pairs = sequences.unpack(st, target, core.value_to_name(st, stmt.value))
        for t, name in pairs:
            st.bind(t.id, name)
    else:
        assign(st, target.id, stmt.value)


@handler
def visit_AnnAssign(st: Lowering, stmt: ast.AnnAssign) -> None:
    check_target(st, stmt.target)
    if stmt.value is None:
        st.fail(stmt, "an annotation without a value binds nothing", "remove it or assign")
    assign(st, stmt.target.id, stmt.value)


@handler
def visit_AugAssign(st: Lowering, stmt: ast.AugAssign) -> None:
    if isinstance(stmt.target, ast.Subscript):
        return writes.element_write(st, stmt, stmt.target, stmt.value, stmt.op)
    check_target(st, stmt.target)
    name = stmt.target.id
    if name not in st.env:
        st.fail(stmt.target, f"`{name}` is updated before it has a value", None)
    memory = views.same_memory(st, st.env[name])
    shared = sorted(
        n for n, v in st.env.items() if v in memory and n != name and views.read_after(st, n, stmt)
    )
    if shared and views.is_array(st, name):  # `y += v` is `y[...] += v`: an element write
        whole = ast.copy_location(ast.Subscript(stmt.target, ast.Constant(Ellipsis)), stmt)
        return writes.element_write(st, stmt, whole, stmt.value, stmt.op)
    if shared:
        # On an array, `y += 1` also changes every other name for the same array.
        st.fail(
            stmt,
            f"`{name}` may be the same array as `{shared[0]}` here (another name for it, "
            "a view of it, or what min/max returned), and an in-place update changes both",
            f"write `{name} = {name} {_OPERATOR_TEXT.get(type(stmt.op), '+')} ...`, "
            "which makes a new value and leaves the other name alone",
        )
    value = ast.BinOp(ast.Name(name, ast.Load()), stmt.op, stmt.value)
    ast.copy_location(value, stmt)
    value.end_lineno, value.end_col_offset = stmt.end_lineno, stmt.end_col_offset
    assign(st, name, value)


def check_target(st: Lowering, target: ast.expr) -> None:
    elts = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
    for t in elts:
        if isinstance(t, (ast.Tuple, ast.List)):  # nested: (a, b), c = ...
            check_target(st, t)
        elif not isinstance(t, ast.Name):
            st.fail(
                t,
                "assigning to an element or attribute (an in-place write) is not supported",
                "build a new array instead, e.g. with np.where or arithmetic",
            )


def tuple_parts(st: Lowering, node: ast.Call, where: ast.AST) -> list[str]:
    """Each part of the tuple a call returns (`np.linalg.eigh(A)`), a statement of its own."""
    count = len(tuples.part_names(st, node, tuples.tuple_row(st, node)))
    return [
        core.value_to_name(st, ast.copy_location(ast.Subscript(node, ast.Constant(k)), where))
        for k in range(count)
    ]


def assign(st: Lowering, user_name: str, node: ast.expr) -> None:
    """Bind `user_name` to the value of `node`, reusing its SSA name when it is one."""
    if writes.fresh_copy(st, user_name, node):
        return
    row = tuples.tuple_row(st, node)
    if row is not None and not row.single(node.keywords):
        # p = np.split(x, 2): p names its parts, each taken by a literal index (p[0])
        name = st.new_version_name(user_name)
        st.tuples[name] = tuple(tuple_parts(st, node, node))
        return st.bind(user_name, name)
    name = core.value_to_name(st, node, target=st.new_version_name(user_name))
    st.bind(user_name, name)


@handler
def visit_Return(st: Lowering, stmt: ast.Return):
    value = stmt.value
    if value is None:
        st.fail(
            stmt,
            "`return` without a value: nothing to differentiate",
            "return the scalar to differentiate",
        )
    aux_code = None
    if isinstance(value, ast.Tuple) and st.inlined:  # a helper may return several values
        return tuple(core.value_to_name(st, e) for e in value.elts), None
    if isinstance(value, ast.Tuple):
        if not st.has_aux or len(value.elts) != 2:
            st.fail(
                value,
                "the function returns a tuple; symback differentiates a single scalar output",
                "return only the scalar, or return (scalar, aux) with has_aux=True",
            )
        value, aux_node = value.elts
        aux_code = aux_tree(st, aux_node)
    elif st.has_aux:
        st.fail(value, "has_aux=True needs the function to return (scalar, aux)", None)
    if isinstance(value, ast.Name) and value.id in st.env:
        return st.env[value.id], aux_code
    return core.value_to_name(st, value, target=st.namer.fresh(st.fdef.name)), aux_code


def aux_tree(st: Lowering, node: ast.expr) -> ast.expr:
    if isinstance(node, ast.Tuple):
        return ast.Tuple([aux_tree(st, e) for e in node.elts], ast.Load())
    if isinstance(node, ast.Dict):  # (its keys: constants, see fence.aux_dicts)
        values = [aux_tree(st, v) for v in node.values]
        return ast.Dict([ast.Constant(k.value) for k in node.keys], values)
    return ast.Name(core.value_to_name(st, node), ast.Load())
