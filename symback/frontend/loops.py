"""Lowering of `for` and `while` loops into ir.Loop.

Names the body assigns that already have a value before the loop are loop-carried: inside
the body they are read under one entry name, and the body ends by writing its final value
back to it, so the generated loop is a loop (not T copies of its body). Iterating over an
array, `zip` or `enumerate` is rewritten to an index loop first. A body that leaves early is
restructured so each `break`/`continue` ends its path (exits.py); each path's end then sets
the loop's stop flag, which the loop tests after updating its carried values.
"""

from __future__ import annotations

import ast
import copy

from .. import ir
from . import arrays, core, stacks, views
from .core import handler
from .exits import breaks, exits_last, leaves_early
from .state import Lowering
from .syntax import is_call, over_range, written_names

LOOP_ELSE_HINT = "set a flag before each `break` and test it after the loop instead"
LOOP_FUNCTIONS = {"range", "len", "min", "max", "int"}  # allowed in a loop header


def index_loop(stmt: ast.For, fresh) -> ast.For:
    """`for v in X` / `zip(a, b)` / `enumerate(X)` as `for i in range(len(...)): v = X[i]`."""
    it, target = stmt.iter, stmt.target
    call = it.func.id if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) else None
    if over_range(it):
        return stmt
    index = ast.Name(fresh(), ast.Store())
    if call == "enumerate" and len(it.args) == 1 and isinstance(target, ast.Tuple):
        index = ast.Name(target.elts[0].id, ast.Store())
        sequences, names = [it.args[0]], [target.elts[1]]
    elif call == "zip" and isinstance(target, ast.Tuple) and len(target.elts) == len(it.args):
        sequences, names = list(it.args), list(target.elts)
    else:
        sequences, names = [it], [target]
    lengths = [ast.Call(ast.Name("len", ast.Load()), [s], []) for s in sequences]
    bound = lengths[0] if len(lengths) == 1 else ast.Call(ast.Name("min", ast.Load()), lengths, [])
    reads = [
        ast.Assign([n], ast.Subscript(s, ast.Name(index.id, ast.Load()), ast.Load()))
        for n, s in zip(names, sequences)
    ]
    for node in reads:
        ast.copy_location(node, stmt)
        ast.fix_missing_locations(node)
        for sub in ast.walk(node):
            ast.copy_location(sub, stmt)
    header = ast.Call(ast.Name("range", ast.Load()), [bound], [])
    new = ast.For(index, header, reads + list(stmt.body), [], None)
    return ast.copy_location(new, stmt)


@handler
def visit_For(st: Lowering, stmt: ast.For):
    if stmt.orelse:
        st.fail(stmt, "a for loop with an else clause is not supported", LOOP_ELSE_HINT)
    rewritten = index_loop(stmt, lambda: st.namer.fresh("i"))
    if rewritten is not stmt and rewritten.target.id not in st.user_names:
        st.loop_variables.add(rewritten.target.id)  # a new name: an integer
    stmt = rewritten
    if not isinstance(stmt.target, ast.Name):
        st.fail(stmt.target, "the loop variable must be a single name", None)
    header, names = loop_header(st, stmt.iter)
    index = st.namer.fresh(stmt.target.id)
    st.integers.add(index)  # (a range's)
    return loop(st, "for", stmt, header, names, index)


@handler
def visit_While(st: Lowering, stmt: ast.While):
    if stmt.orelse:
        st.fail(stmt, "a while loop with an else clause is not supported", LOOP_ELSE_HINT)
    return loop(st, "while", stmt, None, [], None)


def loop(st: Lowering, kind, stmt, header, header_names, index):
    line = st.line
    check_loop_body(st, stmt)
    stmt = with_exits_last(st, stmt)
    stored = {
        n.id
        for s in stmt.body
        for n in ast.walk(s)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
    assigned = stored | written_names(stmt.body)  # an array written element by element: a new value
    written = views.related(st, [n for n in written_names(stmt.body) if n in st.env])
    carried = sorted({name for name in assigned if name in st.env} | set(written))
    check_aliases(st, stmt, carried)
    stacks.check_stacks_not_carried(st, stmt, st.env, carried)
    before, refused = dict(st.env), set()
    while True:  # once more if a write rebinds views the syntax did not show (views.py)
        entries = {name: st.namer.fresh(name) for name in carried}
        st.env = dict(before)
        st.env.update(entries)
        assumed = views.entering_loop(st, before, entries, stored, refused)
        body, test, header_names, exit_flag = loop_body(st, kind, stmt, index, header_names)
        target = stmt.target.id if index is not None else None
        more = {
            n for n, v in before.items() if n not in entries and n != target and st.env.get(n) != v
        }
        broken = views.left_loop(st, assumed, entries, st.env)
        if not more and not broken:
            break
        carried, refused = sorted(set(carried) | more), refused | broken
    triples = tuple((before[n], entries[n], st.env[n]) for n in carried)
    st.env = {k: v for k, v in before.items()}
    st.env.update(entries)  # after the loop, each carried name holds its last value
    code = header if kind == "for" else test
    st.body.append(
        ir.Loop(kind, index, code, tuple(header_names), triples, tuple(body), line, exit_flag)
    )
    return None


def loop_body(st: Lowering, kind, stmt, index, header_names):
    """Lower the test (a while loop's) and the body, from the entry names in st.env:
    (the body's statements, the test's code, the names the header reads, the stop flag)."""
    saved_body, st.body = st.body, []
    if index is not None:
        st.env[stmt.target.id] = index
    test = None
    if kind == "while":
        test, header_names = loop_test(st, stmt.test)
    st.loop_depth += 1
    st.loop_stops.append(st.namer.fresh("stop") if breaks(stmt.body) else None)
    core.run(st, stmt.body)
    stop = st.loop_stops.pop()
    st.loop_depth -= 1
    exit_flag = st.env[stop] if stop is not None else None
    body, st.body = st.body, saved_body
    return body, test, header_names, exit_flag


def with_exits_last(st: Lowering, stmt):
    """The loop with `break`/`continue` ending each path of its body (see exits.py)."""
    if not leaves_early(stmt.body):
        return stmt
    new = copy.copy(stmt)
    new.body = exits_last(stmt.body, stmt)
    return new


@handler
def visit_Break(st: Lowering, stmt: ast.Break) -> None:
    leave_iteration(st, stops=True)


@handler
def visit_Continue(st: Lowering, stmt: ast.Continue) -> None:
    leave_iteration(st, stops=False)


def leave_iteration(st: Lowering, stops: bool) -> None:
    """The end of a path through a loop body that breaks: set the loop's stop flag."""
    flag = st.loop_stops[-1]
    if flag is None:
        return  # a loop without `break`: `continue` only ends the path
    name = st.new_version_name(flag)
    st.body.append(ir.Opaque(name, (), ast.Constant(stops), st.line))
    st.boolean.add(name)
    st.bind(flag, name)


def check_aliases(st: Lowering, stmt, carried) -> None:
    """`y = x` then `y += 1` in the loop: on an array that changes x too; refuse it."""
    for node in ast.walk(stmt):
        if not (isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name)):
            continue
        name = node.target.id
        if name not in carried:
            continue
        shared = [n for n, v in st.env.items() if v == st.env[name] and n != name]
        if shared:
            st.fail(
                node,
                f"`{name}` is another name for `{shared[0]}` when the loop starts, and an "
                "in-place update of an array changes both",
                f"write `{name} = {name} + ...` (or copy it first: `{name} = 1.0 * {shared[0]}`)",
            )


def check_loop_body(st: Lowering, stmt) -> None:
    for node in ast.walk(stmt):  # (exits.lift_returns has rewritten the function's own)
        if isinstance(node, ast.Return):
            st.fail(node, "`return` inside a loop is not supported here", "return after it")


def loop_header(st: Lowering, node: ast.expr):
    """`range(...)` over values no gradient flows through: (code, SSA names it reads).
    A range may be sliced (`range(n)[:k]`) or reversed (`reversed(range(n))`, as
    gradient code runs its backward loops), which is the range `range(n)[::-1]`."""
    if is_call(node, "reversed") and len(node.args) == 1 and not node.keywords:
        backwards = ast.Slice(None, None, ast.UnaryOp(ast.USub(), ast.Constant(1)))
        node = ast.copy_location(ast.Subscript(node.args[0], backwards, ast.Load()), node)
    inner = node
    while isinstance(inner, ast.Subscript) and isinstance(inner.slice, ast.Slice):
        inner = inner.value  # range(n)[a:b][::-1] is a range too
    if not is_call(inner, "range"):
        st.fail(node, "a for loop must run over range(...), an array, zip or enumerate", None)
    for name in ast.walk(node):  # the backward loop reads the header again, later
        if isinstance(name, ast.Name) and stacks.stack_of(st, name) is not None:
            st.fail(
                name,
                f"a for loop over the length of the stack `{name.id}`, which changes",
                f"bind it first: `n = len({name.id})`, then `for i in range(n)`",
            )
    return header_code(st, node)


def loop_test(st: Lowering, node: ast.expr):
    """A while loop's condition, evaluated on the loop's current values."""
    return header_code(st, node)


def header_code(st: Lowering, node: ast.expr):
    """Code for a loop header: like code_only, with range/len/min/max/int allowed."""
    code, names = arrays.code_only(st, node, LOOP_FUNCTIONS)
    return code, names
