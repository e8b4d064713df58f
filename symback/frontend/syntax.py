"""Facts read off the user's AST alone: names bound, written, read, and loop counters."""

from __future__ import annotations

import ast
import functools


@functools.lru_cache(maxsize=8)  # (asked by the pipeline and the lowering, of the same tree)
def bound_names(fdef: ast.FunctionDef) -> frozenset[str]:
    """Every name the function binds: parameters and assignment targets."""
    names = {a.arg for a in fdef.args.args + fdef.args.kwonlyargs}
    for node in ast.walk(fdef):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return frozenset(names)


def written_names(stmts) -> set[str]:
    """The names whose elements the statements write (`y` of `y[i] = ...`, of
    `np.add.at(y, i, v)`)."""
    out = set()
    for stmt in stmts:
        for node in ast.walk(stmt):
            targets = getattr(node, "targets", None) or [getattr(node, "target", None)]
            for t in targets:
                if isinstance(node, (ast.Assign, ast.AugAssign)) and _element(t):
                    out.add(t.value.id)
            if is_add_at(node) and isinstance(node.value.args[0], ast.Name):
                out.add(node.value.args[0].id)
    return out


def is_add_at(stmt: ast.AST) -> bool:
    """`<module>.add.at(array, index, value)` as a statement of its own."""
    call = getattr(stmt, "value", None)
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "at"
        and isinstance(call.func.value, ast.Attribute)
        and call.func.value.attr == "add"
        and len(call.args) == 3
        and not call.keywords
    )


def is_push(stmt: ast.stmt) -> bool:
    """`name.append(value)` as a statement of its own."""
    call = getattr(stmt, "value", None)
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "append"
        and isinstance(call.func.value, ast.Name)
    )


def _element(target) -> bool:
    return isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)


def over_range(node: ast.expr) -> bool:
    """`range(...)`, sliced or reversed (checked further by loops.loop_header)."""
    while is_call(node, "reversed") and node.args or isinstance(node, ast.Subscript):
        node = node.args[0] if isinstance(node, ast.Call) else node.value
    return is_call(node, "range")


def is_call(node: ast.expr, name: str) -> bool:
    """Is `node` a call of the bare name `name`?"""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name


def loop_variables(fdef: ast.FunctionDef) -> set[str]:
    """Names bound only as the variable of `for _ in range(...)` (sliced or reversed
    too) or as enumerate's count: integers wherever they are read."""
    counters: dict[str, int] = {}
    bound: dict[str, int] = {}
    for node in ast.walk(fdef):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound[node.id] = bound.get(node.id, 0) + 1
        if not isinstance(node, ast.For):
            continue
        func = node.iter.func if isinstance(node.iter, ast.Call) else None
        kind = func.id if isinstance(func, ast.Name) else None
        counter = None
        if over_range(node.iter) and isinstance(node.target, ast.Name):
            counter = node.target
        elif kind == "enumerate" and isinstance(node.target, ast.Tuple):
            counter = node.target.elts[0]
        if isinstance(counter, ast.Name):
            counters[counter.id] = counters.get(counter.id, 0) + 1
    return {n for n, k in counters.items() if bound.get(n) == k}


def last_reads(fdef: ast.FunctionDef) -> dict[str, int]:
    """User name -> the last line that reads it."""
    last: dict[str, int] = {}
    for n in ast.walk(fdef):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            last[n.id] = max(last.get(n.id, 0), n.lineno)
    return last
