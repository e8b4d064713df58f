"""Loading generated text: compile it, register it with linecache, return its functions;
and compiling one expression's tree (tools that evaluate a formula or the user's code)."""

from __future__ import annotations

import ast
import copy
import hashlib
import linecache


def load(text: str, label: str) -> dict:
    """Execute module `text` in a fresh namespace; tracebacks show its lines."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    filename = f"<symback {label} {digest}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    namespace: dict = {"__name__": f"symback_generated_{digest}"}
    exec(compile(text, filename, "exec"), namespace)
    return namespace


def compiled_expression(tree: ast.expr, label: str):
    """An expression's tree compiled as it is, without going through text (a copy gets the
    locations `compile` asks for: trees are shared, never changed in place)."""
    expression = ast.fix_missing_locations(ast.Expression(copy.deepcopy(tree)))
    return compile(expression, f"<symback {label}>", "eval")
