"""Calls to functions: the user's own are inlined, defgrad ones called, unknown ones refused.

A helper's body is lowered by a child Lowerer that shares the caller's statement list and
namer, with the helper's parameters bound to the caller's argument values; helpers calling
helpers recurse, and recursion itself is refused. The helper's errors point into its own
source; its statements carry the line of the call.
"""

from __future__ import annotations

import ast
import inspect

from ..errors import UnknownFunctionError, UnsupportedSyntaxError
from . import fence
from .resolve import Resolved, namespace_of
from .source import function_source
from .static import Opaque, StaticFunction

# Packages whose functions are never inlined: a call into them needs a rule of its own.
LIBRARIES = frozenset({"numpy", "scipy", "sympy", "math", "symback", "jax", "torch", "pandas"})


class CallInlining:
    """Methods of the Lowerer for calls to the user's functions (see the module docstring)."""

    def user_function(self, value):
        """(source, def node, namespace) of a user function, live or read from a file."""
        if inspect.isfunction(value):
            fn, source, fdef = function_source(value)
            return source, fdef, namespace_of(fn)
        return value.source, value.fdef, value.namespace  # a frontend.static.StaticFunction

    def inline_call(self, node: ast.Call, value) -> str | tuple[str, ...]:
        """Lower `helper(args)`; the SSA name of its result, or names when it returns a tuple."""
        if getattr(value, "defgrad", False):
            self.fail(
                node,
                f"`{value.__name__}` has a derivative registered with symback.defgrad, which "
                "exists only when the file runs",
                "use symback.grad on the imported function instead of symback gen",
                UnknownFunctionError,
            )
        source, fdef, namespace = self.user_function(value)
        key = (source.filename, fdef.lineno + source.line_shift)
        if key in self.inlining:
            self.fail(
                node,
                f"`{fdef.name}` calls itself (recursion) and cannot be inlined",
                "write the recursion as a loop",
                UnsupportedSyntaxError,
            )
        fence.check(source, fdef)
        arguments = self.bind_arguments(node, fdef)
        child = type(self)(source, fdef, namespace, self.modules, parent=self)
        child.inlining = self.inlining | {key}
        child._line = self._line
        for param, arg in arguments.items():
            if isinstance(arg, ast.expr):  # a default, evaluated in the helper's own scope
                arg = child.value_to_name(arg)
            child.env[param] = arg
        result = child.lower_inline()
        self.uses_math |= child.uses_math
        return result

    def bind_arguments(self, node: ast.Call, fdef: ast.FunctionDef) -> dict[str, object]:
        """Parameter -> the caller's SSA name for it (or the default's AST, lowered later)."""
        args = fdef.args
        positional = [a.arg for a in args.args]
        keyword_only = [a.arg for a in args.kwonlyargs]
        if len(node.args) > len(positional):
            self.fail(node, f"{fdef.name} takes {len(positional)} positional argument(s)", None)
        bound: dict[str, object] = {}
        for name, arg in zip(positional, node.args):
            bound[name] = self.value_to_name(arg)
        for k in node.keywords:
            if k.arg is None or k.arg not in positional + keyword_only:
                self.fail(k, f"{fdef.name} has no parameter `{k.arg}`", None)
            if k.arg in bound:
                self.fail(k, f"`{k.arg}` is given twice", None)
            bound[k.arg] = self.value_to_name(k.value)
        defaults = dict(zip(positional[::-1], args.defaults[::-1]))
        defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d})
        for name in positional + keyword_only:
            if name not in bound:
                if name not in defaults:
                    self.fail(node, f"{fdef.name}() is missing the argument `{name}`", None)
                bound[name] = defaults[name]
        return bound

    def custom_call(self, node: ast.Call, fn, operands, target):
        """A call of a function registered with symback.defgrad: called as it is, and its
        adjoints give the gradient."""
        adjoints = fn.__symback_adjoints__
        if node.keywords or len(node.args) != len(adjoints):
            self.fail(
                node,
                f"`{fn.__name__}` has {len(adjoints)} registered adjoint(s); call it with that "
                "many positional arguments",
                None,
            )
        args = tuple(self.value_to_name(a) for a in node.args)
        name = self.register_custom(fn.__name__, fn)
        grads = tuple(
            self.register_custom(f"{fn.__name__}_grad{i}", a) for i, a in enumerate(adjoints)
        )
        code = ast.Call(ast.Name(name, ast.Load()), [ast.Name(a, ast.Load()) for a in args], [])
        params = (("adjoints", grads),)
        return self.emit_primitive("custom", args, params, code, target, operands)

    def register_custom(self, base: str, obj) -> str:
        for name, known in self.custom.items():
            if known is obj:
                return name
        name = self.namer.fresh("_" + base)
        self.custom[name] = obj
        return name

    def callee(self, node: ast.Call):
        resolved = self.namespace.chain(node.func) if not self._starts_local(node.func) else None
        return resolved.value if resolved is not None else None

    def is_user_call(self, node: ast.expr) -> bool:
        """Is `node` a call to one of the user's own Python functions?"""
        if not isinstance(node, ast.Call):
            return False
        value = self.callee(node)
        if isinstance(value, StaticFunction):
            return True
        library = (getattr(value, "__module__", None) or "").split(".")[0] in LIBRARIES
        helper = hasattr(value, "__symback_helper__")  # has a rule of its own
        return inspect.isfunction(value) and not library and not helper

    def unknown_callee(self, node: ast.Call, resolved: Resolved | None):
        text = resolved.text if resolved else ast.unparse(node.func)
        value = resolved.value if resolved else None
        if isinstance(value, Opaque):
            self.fail(
                node,
                f"symback cannot see into `{text}`: it comes from {value.text}, which a file "
                "read without running it does not reveal",
                "use NumPy or math functions, or import numpy/math directly",
                UnknownFunctionError,
            )
        module = getattr(value, "__module__", None) or ""
        if resolved is not None and resolved.kind == "module":
            self.fail(node, f"`{text}` is a module, not a function", None, UnknownFunctionError)
        self.fail(
            node,
            f"symback has no derivative rule for `{text}`"
            + (f" (from {module})" if module else ""),
            "write it with the supported NumPy/math functions (see docs/supported.md), or "
            "give its derivative with @symback.defgrad",
            UnknownFunctionError,
        )
