"""Calls to the user's own functions: inlined into the caller's SSA body.

A helper's body is lowered by a child Lowerer that shares the caller's statement list and
namer, with the helper's parameters bound to the caller's argument values; helpers calling
helpers recurse, and recursion itself is refused. The helper's errors point into its own
source; its statements carry the line of the call.
"""

from __future__ import annotations

import ast
import inspect

from ..errors import UnsupportedSyntaxError
from . import fence
from .resolve import Namespace
from .source import function_source


class CallInlining:
    """Methods of the Lowerer for calls to the user's functions (see the module docstring)."""

    def user_function(self, value):
        """(source, def node, namespace) of a user function, live or read from a file."""
        if inspect.isfunction(value):
            fn, source, fdef = function_source(value)
            closure = inspect.getclosurevars(fn).nonlocals if fn.__closure__ else {}
            return source, fdef, Namespace(fn.__globals__, closure)
        return value.source, value.fdef, value.namespace  # a frontend.static.StaticFunction

    def inline_call(self, node: ast.Call, value) -> str | tuple[str, ...]:
        """Lower `helper(args)`; the SSA name of its result, or names when it returns a tuple."""
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
