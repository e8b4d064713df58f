"""Lowering of control flow: if/elif/else, conditional expressions, and returns in branches.

A branch is lowered into a statement list of its own; the names either branch assigns are
merged after the `if` under new SSA names (each branch's last assignment writes the merged
name directly, or a copy does). `return` inside a branch is first made a tail of its
branch (exits.tail_returns: `if c: return a` followed by code becomes `if c: return a
else: code`), and the value each branch returns is merged like a variable.
"""

from __future__ import annotations

import ast
import dataclasses

from .. import ir
from ..ops.functions import Where
from . import core, stacks, views
from .core import handler
from .fence import is_guard
from .state import Lowering

RETURN = "<return>"  # the pseudo-variable a branch's `return` assigns


def _rename_final(body: list, old: str, new: str) -> bool:
    """Let the statement of `body` that defines `old` define `new` instead, when nothing
    after it reads `old` (so the merge needs no copy). Whether it could."""
    for i in range(len(body) - 1, -1, -1):
        stmt = body[i]
        if isinstance(stmt, ir.If):
            if old not in stmt.targets:
                continue
            # Each branch defines `old` (directly or by a copy): it defines `new` instead.
            then, orelse = list(stmt.then), list(stmt.orelse)
            if not (_rename_final(then, old, new) and _rename_final(orelse, old, new)):
                return False
            outputs = tuple((new, new, new) if m == old else (m, a, b) for m, a, b in stmt.outputs)
            replacement = dataclasses.replace(
                stmt, then=tuple(then), orelse=tuple(orelse), outputs=outputs
            )
        elif isinstance(stmt, ir.Loop):
            if old in stmt.targets:
                return False  # a loop's result lives in its entry name: keep the copy
            continue
        elif stmt.target == old:
            replacement = dataclasses.replace(stmt, target=new)
        else:
            continue
        if any(old in ir.reads(later) for later in body[i + 1 :]):
            return False
        body[i] = replacement
        return True
    return False  # defined before the `if`


@handler
def visit_If(st: Lowering, stmt: ast.If):
    """Lower an if statement; returns (output, aux) when both branches return."""
    if is_guard(stmt):
        return None  # a check that raises: the derivative is that of the code around it
    line = st.line
    cond = condition(st, stmt.test)
    before = dict(st.env)
    then_env, then_body, then_ret = branch(st, stmt.body, before)
    else_env, else_body, else_ret = branch(st, stmt.orelse, before)
    if (then_ret is None) != (else_ret is None):
        st.fail(
            stmt,
            "only one branch of this `if` returns",
            "return in both branches, or assign a variable and return it after the if",
        )
    if then_ret is not None:
        if then_ret[1] is not None or isinstance(then_ret[0], tuple):
            st.fail(stmt, "returning (value, aux) or a tuple from inside an if", None)
        then_env[RETURN], else_env[RETURN] = then_ret[0], else_ret[0]
    outputs, branch_values = [], []
    names = sorted(set(then_env) | set(else_env))
    # A value two names hold after a branch (b = a) keeps its own name: renamed for one,
    # it would be gone for the other.
    shared = {
        v for env in (then_env, else_env) for v in env.values() if list(env.values()).count(v) > 1
    }
    for name in names:
        a, b = then_env.get(name), else_env.get(name)
        if a is None or b is None:
            if name != RETURN:
                st.env.pop(name, None)  # assigned in one branch only: unusable after
            continue
        if a == b:
            st.env[name] = a
            continue
        merged = st.namer.fresh(st.fdef.name if name == RETURN else name)
        branch_values.append((merged, a, b))
        values = []
        for body, value in ((then_body, a), (else_body, b)):
            if value not in shared and _rename_final(body, value, merged):
                value = merged  # the branch now computes the merged name itself
            else:
                body.append(core.copy_value(st, merged, value, line))
            values.append(value)
        outputs.append((merged, *values))
        st.env[name] = merged
        if a in st.boolean and b in st.boolean:
            st.boolean.add(merged)
    views.merged(st, branch_values)
    st.body.append(ir.If(cond, tuple(then_body), tuple(else_body), tuple(outputs), line))
    if then_ret is not None:
        return st.env.pop(RETURN), then_ret[1]
    return None


def branch(st: Lowering, stmts: list[ast.stmt], before: dict[str, str]):
    """Lower one branch from the names as they were before the `if`."""
    saved_body, st.body = st.body, []
    st.env = dict(before)
    returned = core.run(st, stmts)
    env, body = st.env, st.body
    st.body, st.env = saved_body, dict(before)
    return env, body, returned


def condition(st: Lowering, test: ast.expr) -> str:
    """The SSA name of a branch condition (no gradient flows into it)."""
    name = core.value_to_name(st, test)
    st.boolean.add(name)
    return name


@handler
def value_IfExp(st: Lowering, node: ast.IfExp, operands, target):
    """`a if c else b`: the gradient goes to the branch the condition chose."""
    popped = stacks.pop_or_default(st, node, operands, target)
    if popped is not None:
        return popped
    cond = core.operand(st, condition(st, node.test), operands)
    a, b = core.value(st, node.body, operands), core.value(st, node.orelse, operands)
    code = ast.IfExp(cond.code, a.code, b.code)
    return type(a)(Where(cond.expr, a.expr, b.expr), code)
