"""Lowering of lists used as stacks: `s = []`, `s.append(v)`, `v = s.pop()`, `len(s)`.

A mixin of the Lowerer (frontend/lower.py). Gradient code saves a loop's carried values on
such stacks, so reading them is what lets symback differentiate its own gradients (a Hessian
of a function with loops); a user's function may use them too. A stack is followed only
through those four forms: any other use of the list (another name for it, an index, passing
it on) is refused, since the derivative could not follow the values through it.
"""

from __future__ import annotations

import ast

from .. import ir
from .writes import is_add_at

_STACK_HINT = "use the list only as `s = []`, `s.append(v)`, `v = s.pop()` and `len(s)`"


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


class Stacks:
    """Methods of the Lowerer for lists used as stacks (see the module docstring)."""

    def value_List(self, node: ast.List, operands, target):
        if node.elts or target is None:
            self.fail(
                node,
                "symback supports a list only as a stack, assigned empty: `s = []`",
                "build arrays outside the function and pass them in, or use np.array",
            )
        self.body.append(ir.Opaque(target, (), ast.List([], ast.Load()), self._line))
        self.stack_names.add(target)
        return self.operand(target, operands)

    def stack(self, node: ast.expr) -> str | None:
        """The SSA name of the stack `node` names, if it names one."""
        if isinstance(node, ast.Name) and self.env.get(node.id) in self.stack_names:
            return self.env[node.id]
        return None

    def refuse_stack_use(self, node: ast.Name) -> None:
        """A stack read as a value (`t = s`, `s[0]`, `f(s)`)."""
        self.fail(node, f"`{node.id}` is a list used as a stack; this use is not", _STACK_HINT)

    def stack_call(self, node: ast.Call, operands, target):
        """`s.pop()` or `len(s)` (None when `node` is neither)."""
        func = node.func
        if isinstance(func, ast.Attribute) and self.stack(func.value) is not None:
            stack = self.stack(func.value)
            if func.attr != "pop" or node.args or node.keywords:
                self.fail(node, f"`{ast.unparse(node)}` on a list used as a stack", _STACK_HINT)
            name = target or self.temp()
            self.body.append(ir.Pop(name, stack, self._line))
            return self.operand(name, operands)
        if (
            isinstance(func, ast.Name)
            and func.id == "len"
            and len(node.args) == 1
            and self.stack(node.args[0]) is not None
        ):
            stack = self.stack(node.args[0])
            name = target or self.temp()
            code = ast.Call(ast.Name("len", ast.Load()), [ast.Name(stack, ast.Load())], [])
            self.body.append(ir.Opaque(name, (stack,), code, self._line))
            return self.operand(name, operands)
        return None

    def pop_or_default(self, node: ast.IfExp, operands, target):
        """`s.pop() if s else default` (None when `node` is not that): the default must be a
        constant or zeros shaped like a value, which take no gradient."""
        stack = self.stack(node.test)
        body = node.body
        if stack is None or not (
            isinstance(body, ast.Call)
            and isinstance(body.func, ast.Attribute)
            and body.func.attr == "pop"
            and self.stack(body.func.value) == stack
            and not body.args
        ):
            return None
        default = node.orelse
        resolved = self.namespace.chain(default.func) if isinstance(default, ast.Call) else None
        if not (
            isinstance(default, ast.Constant)
            or resolved is not None
            and resolved.qualname in ("numpy.zeros_like", "numpy.zeros")
        ):
            self.fail(default, "the value when the stack is empty must be a constant", _STACK_HINT)
        name = target or self.temp()
        self.body.append(ir.Pop(name, stack, self._line, self.value_to_name(default)))
        return self.operand(name, operands)

    def visit_Expr(self, stmt: ast.Expr) -> None:
        if is_add_at(stmt):
            return self.add_at(stmt)
        call = stmt.value  # the fence lets through `name.append(value)` and np.add.at only
        stack = self.stack(call.func.value)
        if stack is None:
            self.fail(call.func.value, "`.append` on something that is not a stack", _STACK_HINT)
        if len(call.args) != 1 or call.keywords:
            self.fail(call, "`append` takes one value", None)
        arg = call.args[0]
        written = sorted(ir.names_in(arg) & self.written)
        if written:  # (a copy or a view may share its memory: lowering shares their names)
            self.fail(
                arg,
                f"`{written[0]}` is written into element by element, and a later write could "
                "change the value pushed",
                "push only values the function does not write into",
            )
        self.body.append(ir.Push(stack, self.value_to_name(arg), self._line))

    def check_stacks_not_carried(self, stmt: ast.stmt, before: dict, carried) -> None:
        """A stack made again inside a loop it was made before: one list per iteration, which
        the loop would have to carry, and no derivative follows a list through a loop."""
        for name in carried:
            if before[name] in self.stack_names:
                self.fail(stmt, f"the stack `{name}` is made again inside this loop", _STACK_HINT)
