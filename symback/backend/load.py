"""Loading generated text: compile it, register it with linecache, return its functions;
and compiling one expression's tree (tools that evaluate a formula or the user's code)."""

from __future__ import annotations

import ast
import functools
import hashlib
import linecache


def load(text: str, label: str, names: dict | None = None) -> dict:
    """Execute module `text` in a fresh namespace (holding `names`); tracebacks show its
    lines."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    filename = f"<symback {label} {digest}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    namespace: dict = {"__name__": f"symback_generated_{digest}", **(names or {})}
    try:
        exec(compile(parsed(text), filename, "exec"), namespace)
    finally:
        parsed.cache_clear()  # (the tree of a long module is large: kept only until compiled)
    return namespace


@functools.lru_cache(maxsize=1)
def parsed(text: str) -> ast.Module:
    """The tree of generated text, parsed once: checked (emit.checked_module), then
    compiled (load)."""
    return ast.parse(text)


def compiled_expression(tree: ast.expr, label: str):
    """An expression's tree compiled as it is, without going through text."""
    return compile(ast.Expression(_located(tree)), f"<symback {label}>", "eval")


_AT = {"lineno": 1, "col_offset": 0, "end_lineno": 1, "end_col_offset": 0}


def _located(node: ast.AST) -> ast.AST:
    """A copy of the tree with the locations `compile` asks for (trees are shared, never
    changed in place; 3x faster than deepcopy and fix_missing_locations)."""
    fields = {}
    for key, value in ast.iter_fields(node):
        if isinstance(value, ast.AST):
            value = _located(value)
        elif isinstance(value, list):
            value = [_located(v) if isinstance(v, ast.AST) else v for v in value]
        fields[key] = value
    return type(node)(**fields, **(_AT if "lineno" in node._attributes else {}))
