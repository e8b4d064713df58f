"""Reading a function's source: dedented text, its AST, and the map back to the user's file."""

from __future__ import annotations

import ast
import inspect
import linecache
import textwrap
from dataclasses import dataclass, field

from ..errors import Place, SourceUnavailableError


@dataclass(frozen=True)
class SourceInfo:
    """A function's source text and how its coordinates map back to the user's file."""

    filename: str
    text: str  # dedented, starts at the first decorator or `def`
    line_shift: int  # user line = parsed line + line_shift
    col_shift: int  # user column = parsed column + col_shift (the dedent)
    file_lines: tuple[str, ...] = field(repr=False, default=())

    def user_line(self, lineno: int) -> str:
        if 1 <= lineno <= len(self.file_lines):
            return self.file_lines[lineno - 1]
        return ""

    def place(self, node: ast.AST) -> Place:
        from ..errors import node_place

        return node_place(self, node)


def _unwrap(fn):
    """The plain Python function behind decorators and bound methods."""
    while True:
        if isinstance(fn, (staticmethod, classmethod)):
            fn = fn.__func__
        elif inspect.ismethod(fn):
            fn = fn.__func__
        elif hasattr(fn, "__symback_function__"):  # a gradient: its generated code
            fn = fn.__symback_function__
        elif hasattr(fn, "__wrapped__"):
            fn = fn.__wrapped__
        else:
            return fn


def function_source(fn) -> tuple[object, SourceInfo, ast.FunctionDef]:
    """The unwrapped function, its source info and its `def` node; refuses source-less callables."""
    fn = _unwrap(fn)
    name = getattr(fn, "__name__", repr(fn))
    if not inspect.isfunction(fn):
        raise SourceUnavailableError(
            f"symback can only differentiate Python functions written with `def`; "
            f"{name!r} is a {type(fn).__name__}",
            hint="wrap the computation in a `def` function of your own",
        )
    if fn.__name__ == "<lambda>":
        raise SourceUnavailableError(
            "symback does not differentiate lambda expressions",
            _lambda_place(fn),
            hint="write the lambda as a `def` function",
        )
    filename = inspect.getsourcefile(fn) or fn.__code__.co_filename
    try:
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError) as exc:
        raise SourceUnavailableError(
            f"cannot read the source of {name!r} ({exc}); functions made by exec, eval or "
            f"at the interactive prompt have no file to read",
            hint="put the function in a .py file (or a notebook cell) and import it",
        ) from None
    raw = "".join(lines)
    text = textwrap.dedent(raw)
    col_shift = _indent(lines[0]) - _indent(text.splitlines()[0])
    file_lines = tuple(linecache.getlines(filename)) or tuple(lines)
    if not linecache.getlines(filename):
        first_shift = 0
    else:
        first_shift = first - 1
    info = SourceInfo(filename, text, first_shift, col_shift, file_lines)
    tree = ast.parse(text)
    node = tree.body[0]
    if not isinstance(node, ast.FunctionDef):
        raise SourceUnavailableError(
            f"{name!r} is not a plain `def` function", hint="async functions are not supported"
        )
    return fn, info, node


def _lambda_place(fn) -> Place | None:
    """Where a lambda is written, when its file can be read."""
    code = fn.__code__
    line = linecache.getline(code.co_filename, code.co_firstlineno)
    if not line:
        return None
    col = max(line.find("lambda"), 0)
    return Place(code.co_filename, code.co_firstlineno, col, line, col + len("lambda"))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())
