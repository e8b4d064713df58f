"""Lowering of lists used as stacks: `s = []`, `s.append(v)`, `v = s.pop()`, `len(s)`.

Gradient code saves a loop's carried values on such stacks, so reading them is what lets
symback differentiate its own gradients (a Hessian of a function with loops); a user's
function may use them too. A stack is followed only through those four forms: any other use
of the list (another name for it, an index, passing it on) is refused, since the derivative
could not follow the values through it.
"""

from __future__ import annotations

import ast

from .. import ir
from . import core, sequences, writes
from .core import handler
from .state import Lowering
from .syntax import is_add_at

_STACK_HINT = "use the list only as `s = []`, `s.append(v)`, `v = s.pop()` and `len(s)`"


@handler
def value_List(st: Lowering, node: ast.List, operands, target):
    if node.elts:  # a list of values: the array NumPy makes of it
        return sequences.list_value(st, node, operands, target)
    if target is None:
        st.fail(
            node,
            "an empty list that is not a stack, assigned empty: `s = []`",
            "build arrays with np.zeros, or push onto a stack: s = []; s.append(v)",
        )
    st.body.append(ir.Opaque(target, (), ast.List([], ast.Load()), st.line))
    st.stack_names.add(target)
    return core.operand(st, target, operands)


def stack_of(st: Lowering, node: ast.expr) -> str | None:
    """The SSA name of the stack `node` names, if it names one."""
    if isinstance(node, ast.Name) and st.env.get(node.id) in st.stack_names:
        return st.env[node.id]
    return None


def refuse_stack_use(st: Lowering, node: ast.Name) -> None:
    """A stack read as a value (`t = s`, `s[0]`, `f(s)`)."""
    st.fail(node, f"`{node.id}` is a list used as a stack; this use is not", _STACK_HINT)


def stack_call(st: Lowering, node: ast.Call, operands, target):
    """`s.pop()` or `len(s)` (None when `node` is neither)."""
    func = node.func
    if isinstance(func, ast.Attribute) and stack_of(st, func.value) is not None:
        stack = stack_of(st, func.value)
        if func.attr != "pop" or node.args or node.keywords:
            st.fail(node, f"`{ast.unparse(node)}` on a list used as a stack", _STACK_HINT)
        name = target or st.temp()
        st.body.append(ir.Pop(name, stack, st.line))
        return core.operand(st, name, operands)
    if (
        isinstance(func, ast.Name)
        and func.id == "len"
        and len(node.args) == 1
        and stack_of(st, node.args[0]) is not None
    ):
        stack = stack_of(st, node.args[0])
        name = target or st.temp()
        code = ast.Call(st.modules.builtin("len"), [ast.Name(stack, ast.Load())], [])
        st.body.append(ir.Opaque(name, (stack,), code, st.line))
        return core.operand(st, name, operands)
    return None


def pop_or_default(st: Lowering, node: ast.IfExp, operands, target):
    """`s.pop() if s else default` (None when `node` is not that): the default must be a
    constant or zeros shaped like a value, which take no gradient."""
    stack = stack_of(st, node.test)
    body = node.body
    if stack is None or not (
        isinstance(body, ast.Call)
        and isinstance(body.func, ast.Attribute)
        and body.func.attr == "pop"
        and stack_of(st, body.func.value) == stack
        and not body.args
    ):
        return None
    default = node.orelse
    resolved = st.namespace.chain(default.func) if isinstance(default, ast.Call) else None
    if not (
        isinstance(default, ast.Constant)
        or resolved is not None
        and resolved.qualname in ("numpy.zeros_like", "numpy.zeros")
    ):
        st.fail(default, "the value when the stack is empty must be a constant", _STACK_HINT)
    name = target or st.temp()
    st.body.append(ir.Pop(name, stack, st.line, core.value_to_name(st, default)))
    return core.operand(st, name, operands)


@handler
def visit_Expr(st: Lowering, stmt: ast.Expr) -> None:
    if is_add_at(stmt):
        return writes.add_at(st, stmt)
    call = stmt.value  # the fence lets through `name.append(value)` and np.add.at only
    stack = stack_of(st, call.func.value)
    if stack is None:
        st.fail(call.func.value, "`.append` on something that is not a stack", _STACK_HINT)
    if len(call.args) != 1 or call.keywords:
        st.fail(call, "`append` takes one value", None)
    arg = call.args[0]
    written = sorted(ir.names_in(arg) & st.written)
    if written:  # (a copy or a view may share its memory: lowering shares their names)
        st.fail(
            arg,
            f"`{written[0]}` is written into element by element, and a later write could "
            "change the value pushed",
            "push only values the function does not write into",
        )
    st.body.append(ir.Push(stack, core.value_to_name(st, arg), st.line))


def check_stacks_not_carried(st: Lowering, stmt: ast.stmt, before: dict, carried) -> None:
    """A stack made again inside a loop it was made before: one list per iteration, which
    the loop would have to carry, and no derivative follows a list through a loop."""
    for name in carried:
        if before[name] in st.stack_names:
            st.fail(stmt, f"the stack `{name}` is made again inside this loop", _STACK_HINT)
