"""Reading a function's source: dedented text, its AST, and the map back to the user's file."""

from __future__ import annotations

import ast
import functools
import inspect
import linecache
import textwrap
import threading
import types
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
    """The plain Python function to read: a gradient's generated code, a staticmethod's
    function, what a cache (`functools.lru_cache`) calls. A wrapper made with
    `functools.wraps` is read itself, not the function it wraps (its `__wrapped__`): it is
    what runs, and may do more than call it."""
    while True:
        if isinstance(fn, staticmethod):
            fn = fn.__func__
        elif isinstance(fn, classmethod) or inspect.ismethod(fn):
            raise SourceUnavailableError(
                f"{getattr(fn, '__name__', 'this')!r} is a method bound to "
                f"{'its class' if isinstance(fn, classmethod) or inspect.isclass(fn.__self__) else 'an object'}"
                "; symback differentiates plain functions, whose values all come in as parameters",
                hint="write a function that takes what the method reads from `self` (or `cls`) "
                "as parameters, and differentiate that",
            )
        elif hasattr(fn, "__symback_function__"):  # a gradient: its generated code
            fn = fn.__symback_function__
        elif isinstance(fn, functools._lru_cache_wrapper):  # returns what the function does
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
    # (by its code object: inspect would follow a wrapper's `__wrapped__` to another function)
    filename = inspect.getsourcefile(fn.__code__) or fn.__code__.co_filename
    linecache.checkcache(filename)  # (a file changed since it was read is read again)
    file_now = linecache.getlines(filename)
    with _read_lock:
        found = _read.get(fn.__code__)
    if found is not None and file_now and found[0] is file_now:
        return fn, found[1], found[2]
    info, node = _read_source(fn, name, filename)
    with _read_lock:
        _read[fn.__code__] = (file_now, info, node)
        while len(_read) > _READ_KEPT:
            del _read[next(iter(_read))]
    return fn, info, node


# A function's source as last read, by its code object, with the file's lines it was read
# from: a gradient asks for it several times (which parameters, trees, the pipeline), and at
# 10,000 lines a reading costs half a second. The parsed tree is shared: never changed.
_read: dict = {}
_read_lock = threading.Lock()
_READ_KEPT = 64


def _read_source(fn, name: str, filename: str) -> tuple[SourceInfo, ast.FunctionDef]:
    try:
        lines, first = _source_lines(fn.__code__, filename)
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
    if linecache.getlines(filename) and not _runs_as_read(fn, "".join(file_lines)):
        raise SourceUnavailableError(
            f"the source of {name!r} in {filename} is not the code that runs: the file was "
            "changed after the function was defined",
            Place(filename, first, 0, info.user_line(first)),
            hint="import the module again (importlib.reload) or restart, so that what runs "
            "is what the file says",
        )
    tree = ast.parse(text)
    node = tree.body[0]
    if not isinstance(node, ast.FunctionDef):
        raise SourceUnavailableError(
            f"{name!r} is not a plain `def` function", hint="async functions are not supported"
        )
    return info, node


def _source_lines(code: types.CodeType, filename: str) -> tuple[list[str], int]:
    """The lines of the `def` (decorators first) that compiled to `code`, and its first
    line: found in the file's tree, which is parsed anyway (inspect tokenizes the function
    again, a second or so at 10,000 lines); inspect's own search where the tree has none."""
    file_lines = linecache.getlines(filename)
    tree = _file_tree(filename, "".join(file_lines)) if file_lines else None
    for node in _definitions(tree.body if tree is not None else []):
        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
        if first == code.co_firstlineno and node.name == code.co_name:
            return file_lines[first - 1 : node.end_lineno], first
    return inspect.getsourcelines(code)


def _definitions(statements: list):
    """The `def` statements among `statements` and the blocks inside them (statements
    only: a walk into every expression costs as much as the parse)."""
    for node in statements:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node
        for field_name in ("body", "orelse", "finalbody", "handlers", "cases"):
            inner = getattr(node, field_name, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.AST):
                yield from _definitions(inner)


def _runs_as_read(fn, file_text: str) -> bool:
    """Does the file's text, compiled, hold `fn`'s own code (at the same line)? Compiled
    whole, as it was imported: code compiled alone differs (a method call on an imported
    module compiles to other instructions). Text that no longer compiles is not judged."""
    code = fn.__code__
    try:
        compiled = _compiled(code.co_filename, file_text)
    except (SyntaxError, ValueError):
        return True
    return any(
        _same_code(code, c)
        for c in _code_objects(compiled)
        if c.co_name == code.co_name and c.co_firstlineno == code.co_firstlineno
    )


@functools.lru_cache(maxsize=16)
def _file_tree(filename: str, text: str) -> ast.Module | None:
    """The tree of a file's text, None where it does not parse (it was changed)."""
    try:
        return ast.parse(text, filename)
    except (SyntaxError, ValueError):
        return None


@functools.lru_cache(maxsize=16)
def _compiled(filename: str, text: str):
    tree = _file_tree(filename, text)
    return compile(text if tree is None else tree, filename, "exec", dont_inherit=True)


def _code_objects(code):
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield const
            yield from _code_objects(const)


def _same_code(a, b) -> bool:
    """The same instructions, constants, names and lines (nested code objects alike)."""
    fields = ("co_code", "co_names", "co_varnames", "co_freevars", "co_firstlineno")
    if any(getattr(a, f) != getattr(b, f) for f in fields) or list(a.co_lines()) != list(
        b.co_lines()
    ):
        return False
    if len(a.co_consts) != len(b.co_consts):
        return False
    for x, y in zip(a.co_consts, b.co_consts):
        if isinstance(x, types.CodeType) and isinstance(y, types.CodeType):
            if not _same_code(x, y):
                return False
        elif type(x) is not type(y) or x != y and x == x:
            return False
    return True


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
