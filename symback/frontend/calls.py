"""Calls to functions: the user's own are inlined, defgrad ones called, unknown ones refused.

A helper's body is lowered with a state of its own (Lowering.for_helper) that shares the
caller's statement list and namer, with the helper's parameters bound to the caller's
argument values; helpers calling helpers recurse, and recursion itself is refused. The
helper's errors point into its own source; its statements carry the line of the call.
Calls of NumPy and math functions become elementwise expressions or array primitives.
"""

from __future__ import annotations

import ast
import inspect

from .. import ir
from ..errors import UnknownFunctionError, UnsupportedSyntaxError
from ..ops.arrays import PRIMITIVES
from ..ops.elementwise import ELEMENTWISE, MASKS, NON_DIFFERENTIABLE, SHAPE_ONLY
from . import arrays, core, fence, outside, sequences, spelled, stacks
from .core import handler
from .resolve import Resolved, namespace_of
from .source import function_source
from .state import Lowering
from .static import Opaque, StaticFunction
from .values import Operands, Val

# Packages whose functions are never inlined: a call into them needs a rule of its own.
LIBRARIES = frozenset({"numpy", "scipy", "sympy", "math", "symback", "jax", "torch", "pandas"})


def user_function(st: Lowering, value):
    """(source, def node, namespace) of a user function, live or read from a file."""
    if inspect.isfunction(value):
        fn, source, fdef = function_source(value)
        return source, fdef, namespace_of(fn)
    return value.source, value.fdef, value.namespace  # a frontend.static.StaticFunction


def inline_call(st: Lowering, node: ast.Call, value) -> str | tuple[str, ...]:
    """Lower `helper(args)`; the SSA name of its result, or names when it returns a tuple."""
    if getattr(value, "defgrad", False):
        st.fail(
            node,
            f"`{value.__name__}` has a derivative registered with symback.defgrad, which "
            "exists only when the file runs",
            "use symback.grad on the imported function instead of symback gen",
            UnknownFunctionError,
        )
    source, fdef, namespace = user_function(st, value)
    key = (source.filename, fdef.lineno + source.line_shift)
    if key in st.inlining:
        st.fail(
            node,
            f"`{fdef.name}` calls itself (recursion) and cannot be inlined",
            "write the recursion as a loop",
            UnsupportedSyntaxError,
        )
    fence.check(source, fdef)
    arguments = bind_arguments(st, node, fdef)
    child = st.for_helper(source, fdef, namespace, key)
    for param, arg in arguments.items():
        if isinstance(arg, ast.expr):  # a default, evaluated in the helper's own scope
            arg = core.value_to_name(child, arg)
        child.env[param] = arg
    result = core.lower_body(child)[0]  # the name(s) of what the helper returns
    st.uses_math |= child.uses_math
    return result


def bind_arguments(st: Lowering, node: ast.Call, fdef: ast.FunctionDef) -> dict[str, object]:
    """Parameter -> the caller's SSA name for it (or the default's AST, lowered later)."""
    args = fdef.args
    positional = [a.arg for a in args.args]
    keyword_only = [a.arg for a in args.kwonlyargs]
    if len(node.args) > len(positional):
        st.fail(node, f"{fdef.name} takes {len(positional)} positional argument(s)", None)
    bound: dict[str, object] = {}
    for name, arg in zip(positional, node.args):
        bound[name] = core.value_to_name(st, arg)
    for k in node.keywords:
        if k.arg is None or k.arg not in positional + keyword_only:
            st.fail(k, f"{fdef.name} has no parameter `{k.arg}`", None)
        if k.arg in bound:
            st.fail(k, f"`{k.arg}` is given twice", None)
        bound[k.arg] = core.value_to_name(st, k.value)
    defaults = dict(zip(positional[::-1], args.defaults[::-1]))
    defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d})
    for name in positional + keyword_only:
        if name not in bound:
            if name not in defaults:
                st.fail(node, f"{fdef.name}() is missing the argument `{name}`", None)
            bound[name] = defaults[name]
    return bound


def custom_call(st: Lowering, node: ast.Call, fn, operands, target):
    """A call of a function registered with symback.defgrad: called as it is, and its
    adjoints give the gradient."""
    adjoints = fn.__symback_adjoints__
    if node.keywords or len(node.args) != len(adjoints):
        st.fail(
            node,
            f"`{fn.__name__}` has {len(adjoints)} registered adjoint(s); call it with that "
            "many positional arguments",
            None,
        )
    args = tuple(core.value_to_name(st, a) for a in node.args)
    name = register_custom(st, fn.__name__, fn)
    grads = tuple(register_custom(st, f"{fn.__name__}_grad{i}", a) for i, a in enumerate(adjoints))
    code = ast.Call(ast.Name(name, ast.Load()), [ast.Name(a, ast.Load()) for a in args], [])
    params = (("adjoints", grads),)
    return arrays.emit_primitive(st, "custom", args, params, code, target, operands)


def register_custom(st: Lowering, base: str, obj) -> str:
    for name, known in st.custom.items():
        if known is obj:
            return name
    name = st.namer.fresh("_" + base)
    st.custom[name] = obj
    return name


def callee(st: Lowering, node: ast.Call):
    resolved = st.namespace.chain(node.func) if not outside.starts_local(st, node.func) else None
    return resolved.value if resolved is not None else None


def is_user_call(st: Lowering, node: ast.expr) -> bool:
    """Is `node` a call to one of the user's own Python functions?"""
    if not isinstance(node, ast.Call):
        return False
    value = callee(st, node)
    if isinstance(value, StaticFunction):
        return True
    library = (getattr(value, "__module__", None) or "").split(".")[0] in LIBRARIES
    helper = hasattr(value, "__symback_helper__")  # has a rule of its own
    return inspect.isfunction(value) and not library and not helper


def unknown_callee(st: Lowering, node: ast.Call, resolved: Resolved | None):
    text = resolved.text if resolved else ast.unparse(node.func)
    value = resolved.value if resolved else None
    if isinstance(value, Opaque):
        st.fail(
            node,
            f"symback cannot see into `{text}`: it comes from {value.text}, which a file "
            "read without running it does not reveal",
            "use NumPy or math functions, or import numpy/math directly",
            UnknownFunctionError,
        )
    module = getattr(value, "__module__", None) or ""
    if resolved is not None and resolved.kind == "module":
        st.fail(node, f"`{text}` is a module, not a function", None, UnknownFunctionError)
    st.fail(
        node,
        f"symback has no derivative rule for `{text}`" + (f" (from {module})" if module else ""),
        "write it with the supported NumPy/math functions (see docs/supported.md), or "
        "give its derivative with @symback.defgrad",
        UnknownFunctionError,
    )


@handler
def value_Call(st: Lowering, node: ast.Call, operands, target) -> Val:
    popped = stacks.stack_call(st, node, operands, target)
    if popped is not None:
        return popped
    if isinstance(node.func, ast.Attribute) and outside.of_array(st, node.func.value):
        return arrays.method_call(st, node, operands, target)
    if hasattr(callee(st, node), "__symback_adjoints__"):
        return custom_call(st, node, callee(st, node), operands, target)
    if is_user_call(st, node):
        result = inline_call(st, node, callee(st, node))
        if isinstance(result, tuple):
            st.fail(node, "this helper returns several values", "unpack them: a, b = f(x)")
        return core.operand(st, result, operands)
    resolved = st.namespace.chain(node.func)
    special = sequences.special(resolved)
    if special == "builtins.sum":
        return sequences.builtin_sum(st, node, operands, target)
    if special is not None:
        return sequences.array_call(st, node, special, operands, target)
    if resolved is None or resolved.kind != "function":
        unknown_callee(st, node, resolved)
    qualname = resolved.qualname
    func_code = outside.module_attr(st, qualname)
    if qualname in NON_DIFFERENTIABLE or qualname in SHAPE_ONLY:
        return opaque_call(st, node, func_code, operands, target, qualname in MASKS)
    if qualname == "numpy.select":
        return spelled.select(st, node, operands, target)
    if qualname in PRIMITIVES:
        row = PRIMITIVES[qualname]
        args, keywords = node.args, node.keywords
        if row.pieces:
            st.fail(
                node,
                f"{row.spelled} returns a list of pieces: take the one you use",
                f"write {row.spelled}(...)[0], or unpack them: a, b = {row.spelled}(x, 2)",
            )
        if row.parts and not row.single(keywords):
            st.fail(
                node,
                f"{row.spelled} returns a tuple ({', '.join(row.parts)}): take the part you use",
                f"write {row.spelled}(...)[0], .{row.parts[0]}, or unpack it: "
                f"{', '.join(row.parts)} = {row.spelled}(...)",
            )
        return arrays.primitive_call(st, node, row, args, keywords, operands, target, func_code)
    if qualname not in ELEMENTWISE:
        unknown_callee(st, node, resolved)
    rule = ELEMENTWISE[qualname]
    args = by_position(st, node, resolved, rule.arity)
    if qualname == "numpy.clip" and len(args) == 3 and _none(args[1]) != _none(args[2]):
        # np.clip(x, None, hi) is np.minimum(x, hi) (and lo, None: np.maximum), as a rule
        bound = args[2] if _none(args[1]) else args[1]
        rule = ELEMENTWISE["numpy.minimum" if _none(args[1]) else "numpy.maximum"]
        x, limit = core.value(st, args[0], operands), core.value(st, bound, operands)
        none = ast.Constant(None)
        code_args = [x.code, none, limit.code] if _none(args[1]) else [x.code, limit.code, none]
        return Val(rule.build(x.expr, limit.expr), ast.Call(func_code, code_args, []))
    if len(args) > 2 and qualname in ("builtins.max", "builtins.min"):
        return _folded(st, rule, args, func_code, operands)
    if target is not None and qualname in ("builtins.max", "builtins.min"):
        # max(a, b) returns a or b itself: an in-place update of either changes it
        names = [st.env[a.id] for a in node.args if isinstance(a, ast.Name) and a.id in st.env]
        st.views[target] = set(names)
    if len(args) not in rule.arities:
        st.fail(node, f"{resolved.text} takes {rule.arity} argument(s) here", None)
    args = [core.value(st, a, operands) for a in args]
    # np.where's condition may be any mask (a comparison, np.isfinite(x), a constant): its
    # derivative with respect to the condition is zero wherever it exists (ops/functions.py)
    if qualname != "numpy.where" and any(a.boolean for a in args):
        st.fail(node, f"{resolved.text} of a comparison result is not supported", None)
    if getattr(node, "select", False) and not args[0].boolean:  # (np.where takes any)
        st.fail(
            node.args[0],
            "np.select's conditions must be boolean arrays (NumPy raises TypeError for "
            "others); symback sees this one as numbers",
            "write a comparison (x > 0, x != 0) or a mask function (np.isfinite(x))",
        )
    value = Val(
        rule.build(*[a.expr for a in args]), ast.Call(func_code, [a.code for a in args], [])
    )
    if not value.expr.is_Atom:
        operands.calls.setdefault(value.expr, value.code)
    return value


# keywords NumPy takes besides its parameters' names (np.clip(x, min=0.0, max=1.0))
_ALIASES = {"numpy.clip": {"min": "a_min", "max": "a_max"}}


def by_position(st: Lowering, node: ast.Call, resolved: Resolved, arity: int) -> list:
    """The call's arguments in order, keywords put at their parameters' positions
    (np.clip(x, a_min=0.0, a_max=1.0)); a keyword of no such parameter is refused."""
    args = list(node.args)
    if not node.keywords:
        return args
    try:
        names = [
            p.name
            for p in inspect.signature(resolved.value).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ][:arity]
    except (TypeError, ValueError):  # (a ufunc has no signature: np.maximum)
        names = []
    aliases = _ALIASES.get(resolved.qualname, {})
    placed = dict(enumerate(args))
    for k in node.keywords:
        name = aliases.get(k.arg, k.arg)
        if name not in names or names.index(name) in placed:
            st.fail(
                k,
                f"{resolved.text} with `{k.arg}=` is not supported",
                "pass the arguments by position",
            )
        placed[names.index(name)] = k.value
    if sorted(placed) != list(range(len(placed))):
        st.fail(node, f"{resolved.text} is missing an argument before its keywords", None)
    return [placed[i] for i in range(len(placed))]


def _none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _folded(st: Lowering, rule, args, func_code, operands) -> Val:
    """max(a, b, c) as max(max(a, b), c): the value Python's max returns, the same one."""
    values = [core.value(st, a, operands) for a in args]
    if any(v.boolean for v in values):
        st.fail(args[0], "min/max of a comparison result is not supported", None)
    expr = values[0].expr
    for v in values[1:]:
        expr = rule.build(expr, v.expr)
    value = Val(expr, ast.Call(func_code, [v.code for v in values], []))
    operands.calls.setdefault(value.expr, value.code)
    return value


def opaque_call(st: Lowering, node: ast.Call, func_code, operands, target, mask=False) -> Val:
    """A call no gradient goes through; `mask`: it returns booleans (np.isfinite)."""
    inner = Operands()
    args = [opaque_argument(st, a, inner) for a in node.args]
    keywords = [
        ast.keyword(k.arg, outside.dtype_code(st, k.value) or core.value(st, k.value, inner).code)
        for k in node.keywords
    ]
    code = ast.Call(func_code, args, keywords)
    name = target or st.temp()
    st.body.append(ir.Opaque(name, tuple(inner.names), code, st.line))
    if mask:
        st.boolean.add(name)
    return core.operand(st, name, operands)


def opaque_argument(st: Lowering, node: ast.expr, operands: Operands) -> ast.expr:
    """An argument's forward code; a tuple is a shape, as in np.zeros((n, m))."""
    if not isinstance(node, ast.Tuple):
        return core.value(st, node, operands).code
    code, names = arrays.code_only(st, node, arrays.SHAPE_CALLS)
    for name in names:
        operands.use(name)
    return code
