"""No text between stages: symback parses, formats into code or evaluates text only where the
text is the user's (their source file, their command line), black's output being checked, the
module being loaded, or symback's own helper functions read as source.

Generated code stays a tree until the printer: a pass that re-parsed a printed line, filled a
format string with names or evaluated printed arithmetic could guess, and a guess gave a wrong
gradient (DESIGN.md section 6). The calls are read from the source with `ast`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import symback

ROOT = Path(symback.__file__).parent

# module -> the calls that may parse, compile or evaluate text there, and why
ALLOWED = {
    "frontend/source.py": {"ast.parse", "compile"},  # the user's source (and its code objects)
    "frontend/static.py": {"ast.parse"},  # the user's module file (symback gen)
    "codegen.py": {"ast.parse"},  # the user's module file, for its decorators
    "commands/values.py": {"ast.parse"},  # the user's --at text, walked, never compiled
    "backend/helpers.py": {"ast.parse"},  # symback's own helper functions, as source
    "backend/fmt.py": {"ast.parse"},  # black's output: the same tree as the printer's text
    # the module printed, parsed once: checked to hold only what it meant (emit.py), compiled
    "backend/load.py": {"ast.parse", "compile"},  # (and an expression's tree, compiled)
}
# evaluating is allowed only of what `compile` (or a helper named for it) made from a tree
COMPILED = {"compile", "compiled", "compiled_expression"}
TEXT_CALLS = {"ast.parse", "compile", "exec", "eval", "format_map", "parse_expr", "template"}


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        base = _name(func.value)
        return f"{base}.{func.attr}" if base == "ast" else func.attr
    return ""


def _offending(source: str, module: str) -> list[str]:
    allowed = ALLOWED.get(module, set())
    out = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name in ("eval", "exec") and node.args and isinstance(node.args[0], ast.Call):
            if _name(node.args[0].func) in COMPILED:
                continue  # a code object
        if name in TEXT_CALLS and name not in allowed:
            out.append(f"{module}:{node.lineno}: {name}")
    return out


def test_generated_code_is_never_parsed_or_evaluated_as_text():
    found = [
        line
        for path in sorted(ROOT.rglob("*.py"))
        for line in _offending(path.read_text(), path.relative_to(ROOT).as_posix())
    ]
    assert not found, "\n".join(found)


def test_the_check_finds_printed_text_parsed_filled_or_evaluated():
    module = "adjoint/statements.py"
    source = (ROOT / module).read_text()
    assert not _offending(source, module)
    for guess in [
        "ast.parse(print_code(tree))",
        "eval(print_code(tree), {})",
        "template.format_map(fields)",
        "compile(print_code(tree), '', 'eval')",
    ]:
        found = _offending(f"{source}\n\ndef _guess(tree):\n    return {guess}\n", module)
        assert len(found) == 1, (guess, found)
