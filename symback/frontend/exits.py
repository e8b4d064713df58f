"""Leaving early: `return` in branches, `break`, `continue` and `return` in loops, made structured.

Three rewrites of the function's AST, each keeping Python's meaning:

- `tail_returns`: the code after an `if` that returns on some path moves into its branches
  that fall through, so that every `return` ends its statement list.

- `lift_returns`: `return v` inside a loop becomes `result = v; returned = True; break`
  (fresh names, set before the loop), and the loop is followed by `if returned: return
  result`; a loop around it breaks too when `returned` is set.
- `exits_last`: in a loop body, the code after an `if` that may leave the iteration moves
  into the branches that fall through (as `tail_returns` does for returns), so every
  `break` and `continue` ends its path, and each path that runs to the end of the body gets
  an explicit `continue`. The lowering then only records, at each path's end, whether the
  loop stops: a flag the forward loop tests after the carried values are updated.
"""

from __future__ import annotations

import ast
from typing import Callable, Iterator

LOOPS = (ast.For, ast.While)
EXITS = (ast.Break, ast.Continue)


def own_nodes(stmts: list[ast.stmt]) -> Iterator[ast.AST]:
    """The nodes of `stmts`, not looking inside nested loops (their exits are their own)."""
    todo: list[ast.AST] = list(stmts)
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, LOOPS):
            todo.extend(ast.iter_child_nodes(node))


def leaves_early(stmts: list[ast.stmt]) -> bool:
    """Does the loop body hold a `break` or `continue` of its own?"""
    return any(isinstance(n, EXITS) for n in own_nodes(stmts))


def breaks(stmts: list[ast.stmt]) -> bool:
    """Does the loop body hold a `break` of its own (so the loop may stop early)?"""
    return any(isinstance(n, ast.Break) for n in own_nodes(stmts))


def _always_leaves(stmts: list[ast.stmt]) -> bool:
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, EXITS):
        return True
    return isinstance(last, ast.If) and _always_leaves(last.body) and _always_leaves(last.orelse)


def exits_last(stmts: list[ast.stmt], loop: ast.stmt) -> list[ast.stmt]:
    """`stmts` (a loop body) restructured so that every path ends in `break` or `continue`."""
    out: list[ast.stmt] = []
    for i, stmt in enumerate(stmts):
        if isinstance(stmt, EXITS):
            return out + [stmt]  # (what follows it never runs)
        if isinstance(stmt, ast.If) and leaves_early([stmt]):
            rest = stmts[i + 1 :]
            then = exits_last(stmt.body + ([] if _always_leaves(stmt.body) else rest), loop)
            orelse = exits_last(stmt.orelse + ([] if _always_leaves(stmt.orelse) else rest), loop)
            return out + [ast.copy_location(ast.If(stmt.test, then, orelse), stmt)]
        out.append(stmt)
    return out + [_located(ast.Continue(), loop)]


def lift_returns(
    body: list[ast.stmt], names: Callable[[], tuple[str, str]], fail: Callable
) -> list[ast.stmt]:
    """`body` with every loop that returns rewritten to break and return after it.

    `names()` gives the (result, returned) names; `fail(node, message, hint)` refuses."""
    out: list[ast.stmt] = []
    for stmt in body:
        if isinstance(stmt, LOOPS) and _returns(stmt):
            result, returned = names()
            out.append(_assign(result, ast.Constant(0.0), stmt))
            out.append(_assign(returned, ast.Constant(False), stmt))
            out.append(_without_returns(stmt, result, returned, fail))
            answer = _located(ast.Return(ast.Name(result, ast.Load())), stmt)
            if _endless(stmt):  # `while True` without a break: it ends only by returning
                out.append(answer)
            else:
                flag = ast.Name(returned, ast.Load())
                out.append(_located(ast.If(flag, [answer], []), stmt))
        elif isinstance(stmt, ast.If) and _returns(stmt):
            then, orelse = lift_returns(stmt.body, names, fail), lift_returns(
                stmt.orelse, names, fail
            )
            out.append(ast.copy_location(ast.If(stmt.test, then, orelse), stmt))
        else:
            out.append(stmt)
    return out


def tail_returns(body: list[ast.stmt]) -> list[ast.stmt]:
    """Move the code after an `if` that returns on some path into its branches that fall
    through, so that every `return` ends its statement list."""
    out: list[ast.stmt] = []
    for i, stmt in enumerate(body):
        if isinstance(stmt, ast.If) and any(isinstance(n, ast.Return) for n in ast.walk(stmt)):
            rest = body[i + 1 :]
            then = tail_returns(stmt.body + ([] if _always_returns(stmt.body) else rest))
            orelse = tail_returns(stmt.orelse + ([] if _always_returns(stmt.orelse) else rest))
            out.append(ast.copy_location(ast.If(stmt.test, then, orelse), stmt))
            return out
        out.append(stmt)
    return out


def _always_returns(body: list[ast.stmt]) -> bool:
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Return):
        return True
    return isinstance(last, ast.If) and _always_returns(last.body) and _always_returns(last.orelse)


def _without_returns(loop, result: str, returned: str, fail) -> ast.stmt:
    """The loop with each `return v` in it as `result = v; returned = True; break`."""

    def rewrite(stmts: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for stmt in stmts:
            if isinstance(stmt, ast.Return):
                if stmt.value is None or isinstance(stmt.value, ast.Tuple):
                    fail(
                        stmt,
                        "inside a loop, symback supports `return` of one value only",
                        "assign what to return to variables, `break`, and return after the loop",
                    )
                out.append(_assign(result, stmt.value, stmt))
                out.append(_assign(returned, ast.Constant(True), stmt))
                out.append(_located(ast.Break(), stmt))
            elif isinstance(stmt, LOOPS) and _returns(stmt):
                out.append(_without_returns(stmt, result, returned, fail))
                stop = [_located(ast.Break(), stmt)]  # the inner loop returned: so does this one
                out.append(_located(ast.If(ast.Name(returned, ast.Load()), stop, []), stmt))
            elif isinstance(stmt, ast.If) and _returns(stmt):
                new = ast.If(stmt.test, rewrite(stmt.body), rewrite(stmt.orelse))
                out.append(ast.copy_location(new, stmt))
            else:
                out.append(stmt)
        return out

    if isinstance(loop, ast.For):
        new = ast.For(loop.target, loop.iter, rewrite(loop.body), loop.orelse, None)
    else:
        new = ast.While(loop.test, rewrite(loop.body), loop.orelse)
    return ast.copy_location(new, loop)


def _endless(loop: ast.stmt) -> bool:
    test = getattr(loop, "test", None)
    return isinstance(test, ast.Constant) and test.value is True and not breaks(loop.body)


def _returns(stmt: ast.stmt) -> bool:
    return any(isinstance(n, ast.Return) for n in ast.walk(stmt))


def _assign(name: str, value: ast.expr, where: ast.stmt) -> ast.stmt:
    return _located(ast.Assign([ast.Name(name, ast.Store())], value), where)


def _located(node: ast.AST, where: ast.AST) -> ast.AST:
    """`node` (and everything new in it) placed at `where`, for error messages and comments."""
    for sub in ast.walk(node):
        if "lineno" in sub._attributes and not hasattr(sub, "lineno"):
            ast.copy_location(sub, where)
    return node
