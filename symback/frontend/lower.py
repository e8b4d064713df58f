"""Lowering: the fenced function AST to SSA IR, one SymPy expression per user statement.

Normalisation happens on the way: augmented assignments become plain ones, tuple assignments
are split, re-assigned names get new SSA versions, and every array primitive or
non-differentiable call inside an expression becomes a statement of its own.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import sympy as sp

from .. import ir
from ..errors import UnsupportedSyntaxError
from ..naming import Namer
from ..rules.arrays import PRIMITIVES
from ..rules.elementwise import ELEMENTWISE, NON_DIFFERENTIABLE, SHAPE_ONLY
from ..rules.functions import power
from .arrays import SHAPE_CALLS, ArrayLowering
from .calls import CallInlining
from .control import ControlFlow, tail_returns
from .exits import lift_returns
from .loops import Loops
from .outside import OutsideNames
from .resolve import Namespace
from .source import SourceInfo
from .stacks import Stacks
from .stale import check_writes
from .statements import Statements
from .values import Operands, Val
from .writes import ElementWrites

_ARITHMETIC = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: power,
}
_BOOLEAN_OPS = (ast.BitAnd, ast.BitOr)


@dataclass(frozen=True)
class ModuleNames:
    """How the generated code refers to numpy and math."""

    np: str = "np"
    math: str = "math"
    helper_names: tuple[tuple[str, str], ...] = ()  # (helper key, its name in the module)

    @property
    def taken(self) -> set[str]:
        """Every name the module binds at top level: the function must not rebind them."""
        return {self.np, self.math} | {name for _, name in self.helper_names}


def bound_names(fdef: ast.FunctionDef) -> set[str]:
    """Every name the function binds: parameters and assignment targets."""
    names = {a.arg for a in fdef.args.args + fdef.args.kwonlyargs}
    for node in ast.walk(fdef):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


class Lowerer(
    ArrayLowering,
    CallInlining,
    ControlFlow,
    ElementWrites,
    Loops,
    OutsideNames,
    Stacks,
    Statements,
):
    """Walks one function's statements in order, building SSA statements."""

    def __init__(
        self,
        source: SourceInfo,
        fdef: ast.FunctionDef,
        namespace: Namespace,
        modules: ModuleNames,
        has_aux: bool = False,
        parent: Lowerer | None = None,
    ):
        self.source = source
        self.fdef = fdef
        self.namespace = namespace
        self.modules = modules
        self.has_aux = has_aux
        self.user_names = bound_names(fdef)
        self.params = [a.arg for a in fdef.args.args + fdef.args.kwonlyargs]
        self.uses_math = False
        self._line = fdef.lineno
        self.inlined = parent is not None  # a helper's body, lowered into its caller's
        if parent is None:
            self.namer = Namer(self.user_names | modules.taken)
            self.env: dict[str, str] = {p: p for p in self.params}  # user name -> SSA name
            self.boolean: set[str] = set()
            self.body: list[ir.Statement] = []
            self.inlining: frozenset = frozenset()
            self.custom: dict[str, object] = {}  # name in the generated code -> object
            # value -> values it may share memory with: `y = x[1:]`, `y = x.T`, `y = min(a, x)`
            self.views: dict[str, set[str]] = {}
            self.stack_names: set[str] = set()  # SSA names of lists used as stacks
        else:  # share the caller's statements and names; parameters are bound by the caller
            self.namer, self.env = parent.namer, {}
            self.boolean, self.body = parent.boolean, parent.body
            self.custom, self.views = parent.custom, parent.views
            self.stack_names = parent.stack_names
        self.first_binding: set[str] = set(self.params)
        self.loop_depth = 0  # how many loops enclose the statement being lowered
        self.loop_stops: list[str | None] = []  # per enclosing loop: its stop flag's name
        self._return_names: tuple[str, str] | None = None
        self._last_read: dict[str, int] | None = None  # user name -> last line reading it

    # -- errors ---------------------------------------------------------------------------

    def fail(
        self, node: ast.AST, message: str, hint: str | None = None, kind=UnsupportedSyntaxError
    ):
        raise kind(message, self.source.place(node), hint=hint)

    # -- names ----------------------------------------------------------------------------

    def new_version_name(self, user_name: str) -> str:
        """The SSA name for a new binding of `user_name`: itself first, then `name_1`, ..."""
        if user_name not in self.first_binding and not self.inlined:
            return user_name
        return self.namer.fresh(user_name)

    def temp(self) -> str:
        return self.namer.numbered("t")

    # -- statements -----------------------------------------------------------------------

    def statements(self):
        """Lower the body's statements; (the returned SSA name(s), the aux code)."""
        body = self.fdef.body
        first = body[0] if body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            body = body[1:]  # the docstring
        body = lift_returns(body, self.return_names, self.fail)
        returned = self.run(tail_returns(body))
        if returned is None:
            self.fail(
                self.fdef,
                f"{self.fdef.name} returns nothing, so there is nothing to differentiate",
                "end the function with `return <scalar>`",
            )
        return returned

    def return_names(self) -> tuple[str, str]:
        """The names a `return` inside a loop assigns: (its value, whether it returned)."""
        if self._return_names is None:
            self._return_names = (self.namer.fresh("result"), self.namer.fresh("returned"))
        return self._return_names

    def run(self, stmts: list[ast.stmt]):
        """Lower statements in order; (output, aux) if they end by returning, else None."""
        for i, stmt in enumerate(stmts):
            if not self.inlined:  # an inlined helper's statements keep the call's line
                self._line = self.source.place(stmt).lineno
            if isinstance(stmt, ast.Return):
                returned = self.lower_return(stmt)
            else:
                returned = getattr(self, "visit_" + type(stmt).__name__)(stmt)
            if returned is not None:
                if i != len(stmts) - 1:
                    self.fail(stmts[i + 1], "code after `return` never runs", "remove it")
                return returned
        return None

    def lower_inline(self) -> str | tuple[str, ...]:
        """A helper's body, lowered into the caller: the name(s) of what it returns."""
        return self.statements()[0]

    def lower(self) -> ir.Function:
        output, aux = self.statements()
        function = ir.Function(
            name=self.fdef.name,
            filename=self.source.filename,
            params=tuple(self._parameters()),
            body=tuple(self.body),
            output=output,
            output_line=self._line,
            aux=aux,
            user_names=frozenset(self.user_names),
            boolean=frozenset(self.boolean),
            custom=tuple(sorted(self.custom.items())),
        )
        check_writes(function)
        return function

    def _parameters(self):
        args = self.fdef.args
        positional_defaults = [None] * (len(args.args) - len(args.defaults)) + list(args.defaults)
        for a, default in zip(args.args, positional_defaults):
            yield ir.Parameter(a.arg, self._default(default), "positional")
        for a, default in zip(args.kwonlyargs, args.kw_defaults):
            yield ir.Parameter(a.arg, self._default(default), "keyword_only")

    def _default(self, node: ast.expr | None) -> ast.expr | None:
        if node is None:
            return None
        try:
            ast.literal_eval(node)
        except ValueError:
            self.fail(
                node,
                "a parameter default must be a literal (a number, string, None, or a tuple of them)",
                "give the default as a literal, or pass the value at call time",
            )
        return node

    # -- expressions ----------------------------------------------------------------------

    def value_to_name(self, node: ast.expr, target: str | None = None) -> str:
        """Lower `node` as a statement of its own and return the SSA name holding its value."""
        operands = Operands()
        val = self.value(node, operands, target)
        existing = operands.name_of(val.expr)
        if existing is not None and isinstance(val.code, ast.Name):
            return existing  # (an expression SymPy folds to an operand, `(x + c) - c` or
            # `np.sqrt(x)**2`, is still computed as written: its value is the user's)
        name = target or self.temp()
        self.emit_elementwise(name, val, operands)
        return name

    def emit_elementwise(self, name: str, val: Val, operands: Operands) -> None:
        if val.boolean:
            self.boolean.add(name)
        if val.boolean or not operands.names:
            self.body.append(ir.Opaque(name, tuple(operands.names), val.code, self._line))
        else:
            calls = tuple((e, c) for e, c in operands.calls.items() if e != val.expr)
            self.body.append(
                ir.Elementwise(name, val.expr, tuple(operands.names), val.code, self._line, calls)
            )

    def operand(self, name: str, operands: Operands) -> Val:
        return Val(operands.use(name), ast.Name(name, ast.Load()), name in self.boolean)

    def value(self, node: ast.expr, operands: Operands, target: str | None = None) -> Val:
        handler = getattr(self, "value_" + type(node).__name__, None)
        if handler is None:
            what = {"List": "a list literal", "Tuple": "a tuple"}.get(type(node).__name__)
            self.fail(
                node,
                f"symback does not support {what or type(node).__name__} here",
                "build arrays outside the function and pass them in" if what else None,
            )
        return handler(node, operands, target)

    def value_Constant(self, node: ast.Constant, operands, target) -> Val:
        v = node.value
        if isinstance(v, bool):  # a flag, like a comparison's result
            return Val(sp.S.Zero, ast.Constant(v), boolean=True)
        if not isinstance(v, (int, float)):
            self.fail(node, f"the constant {v!r} has no derivative", "use a number")
        return Val(sp.Integer(v) if isinstance(v, int) else sp.Float(v), ast.Constant(v))

    def value_Name(self, node: ast.Name, operands, target) -> Val:
        if self.stack(node) is not None:
            self.refuse_stack_use(node)
        if node.id in self.env:
            return self.operand(self.env[node.id], operands)
        if node.id in self.user_names:
            self.fail(
                node,
                f"`{node.id}` is used where it may have no value (before it is assigned, or "
                "after an `if` that assigns it in one branch only)",
                "assign it on every path before this line",
            )
        return self.outside(node, self.namespace.lookup(node.id))

    def value_Attribute(self, node: ast.Attribute, operands, target) -> Val:
        if self._of_array(node.value):
            return self.local_attribute(node, operands, target)
        return self.outside(node, self.namespace.chain(node))

    def value_UnaryOp(self, node: ast.UnaryOp, operands, target) -> Val:
        inner = self.value(node.operand, operands)
        code = ast.UnaryOp(node.op, inner.code)
        if isinstance(node.op, ast.Invert):
            if not inner.boolean:
                self.fail(node, "~ on numbers has no derivative", "use ~ only on comparisons")
            return Val(sp.S.Zero, code, boolean=True)
        if inner.boolean:
            self.fail(node, "arithmetic on a comparison result", "convert with np.where")
        return Val(-inner.expr if isinstance(node.op, ast.USub) else inner.expr, code)

    def value_BinOp(self, node: ast.BinOp, operands, target) -> Val:
        if isinstance(node.op, ast.MatMult):
            return self.matmul(node, operands, target)
        left = self.value(node.left, operands)
        right = self.value(node.right, operands)
        code = ast.BinOp(left.code, node.op, right.code)
        if isinstance(node.op, _BOOLEAN_OPS):
            if not (left.boolean and right.boolean):
                self.fail(node, "& and | are only supported between comparisons", None)
            return Val(sp.S.Zero, code, boolean=True)
        value = Val(_ARITHMETIC[type(node.op)](left.expr, right.expr), code)
        if value.expr.is_Add or value.expr.is_Mul and isinstance(node.op, ast.Mult):
            # a sum or product a derivative may read again (d/dx of t / (2.0 + x), of
            # cos(d * e): -e sin(d * e))
            operands.calls.setdefault(value.expr, value.code)
        return value

    def value_Compare(self, node: ast.Compare, operands, target) -> Val:
        inner = Operands()
        parts = [self.value(node.left, inner)]
        parts += [self.value(c, inner) for c in node.comparators]
        code = ast.Compare(parts[0].code, node.ops, [p.code for p in parts[1:]])
        name = target or self.temp()
        self.body.append(ir.Opaque(name, tuple(inner.names), code, self._line))
        self.boolean.add(name)
        return self.operand(name, operands)

    def value_Call(self, node: ast.Call, operands, target) -> Val:
        popped = self.stack_call(node, operands, target)
        if popped is not None:
            return popped
        if isinstance(node.func, ast.Attribute) and self._of_array(node.func.value):
            return self.method_call(node, operands, target)
        if hasattr(self.callee(node), "__symback_adjoints__"):
            return self.custom_call(node, self.callee(node), operands, target)
        if self.is_user_call(node):
            result = self.inline_call(node, self.callee(node))
            if isinstance(result, tuple):
                self.fail(node, "this helper returns several values", "unpack them: a, b = f(x)")
            return self.operand(result, operands)
        resolved = self.namespace.chain(node.func)
        if resolved is None or resolved.kind != "function":
            self.unknown_callee(node, resolved)
        qualname = resolved.qualname
        func_code = self.module_attr(qualname)
        if qualname in NON_DIFFERENTIABLE or qualname in SHAPE_ONLY:
            return self.opaque_call(node, func_code, operands, target)
        if qualname in PRIMITIVES:
            row = PRIMITIVES[qualname]
            args, keywords = node.args, node.keywords
            return self.primitive_call(node, row, args, keywords, operands, target, func_code)
        if node.keywords:
            self.fail(
                node.keywords[0],
                f"keyword arguments to {resolved.text} are not supported yet",
                "pass arguments by position",
            )
        if qualname not in ELEMENTWISE:
            self.unknown_callee(node, resolved)
        rule = ELEMENTWISE[qualname]
        if target is not None and qualname in ("builtins.max", "builtins.min"):
            # max(a, b) returns a or b itself: an in-place update of either changes it
            names = [
                self.env[a.id] for a in node.args if isinstance(a, ast.Name) and a.id in self.env
            ]
            self.views[target] = set(names)
        if len(node.args) not in rule.arities:
            self.fail(node, f"{resolved.text} takes {rule.arity} argument(s) here", None)
        args = [self.value(a, operands) for a in node.args]
        if qualname == "numpy.where":
            if not args[0].boolean:
                self.fail(node.args[0], "np.where needs a comparison as its condition", None)
        elif any(a.boolean for a in args):
            self.fail(node, f"{resolved.text} of a comparison result is not supported", None)
        value = Val(
            rule.build(*[a.expr for a in args]), ast.Call(func_code, [a.code for a in args], [])
        )
        if not value.expr.is_Atom:
            operands.calls.setdefault(value.expr, value.code)
        return value

    def opaque_call(self, node: ast.Call, func_code, operands, target) -> Val:
        inner = Operands()
        args = [self.opaque_argument(a, inner) for a in node.args]
        keywords = [
            ast.keyword(k.arg, self.dtype_code(k.value) or self.value(k.value, inner).code)
            for k in node.keywords
        ]
        code = ast.Call(func_code, args, keywords)
        name = target or self.temp()
        self.body.append(ir.Opaque(name, tuple(inner.names), code, self._line))
        return self.operand(name, operands)

    def opaque_argument(self, node: ast.expr, operands: Operands) -> ast.expr:
        """An argument's forward code; a tuple is a shape, as in np.zeros((n, m))."""
        if not isinstance(node, ast.Tuple):
            return self.value(node, operands).code
        code, names = self.code_only(node, SHAPE_CALLS)
        for name in names:
            operands.use(name)
        return code
