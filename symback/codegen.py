"""Gradient modules on disk: which functions, the module text, safe writes, staleness."""

from __future__ import annotations

import ast
import difflib
import os

from .backend.files import (
    GENERATED_MARK,
    SOURCE_MARK,
    foreign,
    header_line,
    read_bytes,
    remove_stale_temporaries,
    sealed,
    write_atomic,
)
from .backend.fmt import black_format
from .backend.project import black_settings
from .errors import SymbackError, UnsupportedSyntaxError, user_facing
from .frontend.static import ModuleFile, read_module
from .pipeline import Options, generate_module

OUTPUT_SUFFIX = "_grad.py"

# a decorator's full name -> whether the generated function returns the value too
DECORATORS = {
    "symback.grad": False,
    "symback.value_and_grad": True,
    "symback.api.grad": False,
    "symback.api.value_and_grad": True,
}
DECORATOR_OPTIONS = ("wrt", "has_aux", "argnums")  # the keywords the decorators take

Request = tuple[str, Options]  # a function of the file, and what to generate for it

_NOT_LITERAL = object()


class UsageError(SymbackError):
    """A request that cannot be carried out as asked: nothing chosen, or a file not ours."""


@user_facing
def generate(
    path,
    functions=None,
    wrt=None,
    value_and_grad: bool = False,
    all_functions: bool = False,
    array_api: bool = False,
) -> str:
    """The gradient module of the file at `path`, black-formatted; the file is read, not run.

    By default it holds a gradient for every function marked `@symback.grad` or
    `@symback.value_and_grad`, with the decorator's options. `functions` (a name or a list
    of names) or `all_functions` choose others; `wrt` overrides every decorator's `wrt`;
    `value_and_grad=True` makes every generated function return the value too;
    `array_api=True` writes gradients for any array-API library's arrays (their only import
    is array_api_compat), not NumPy's.
    """
    chosen = requests(path, functions, wrt, value_and_grad, all_functions, array_api)
    return module_text(path, chosen)


def module_text(path, chosen: list[Request]) -> str:
    """The gradient module for `chosen` functions of the file at `path`, formatted by black
    with the [tool.black] settings of the project holding `path` (so that the project's own
    `black --check` leaves it alone), and sealed: its header holds its own sha256."""
    settings = black_settings(path)
    return sealed(black_format(generate_module(os.fspath(path), chosen), settings))


def requests(
    path,
    functions=None,
    wrt=None,
    value_and_grad: bool = False,
    all_functions: bool = False,
    array_api: bool = False,
) -> list[Request]:
    """The functions to generate from the file at `path` and their options, in file order."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise UsageError(f"{path}: no such file")
    module = read_module(path)
    marked = marked_functions(module)
    if isinstance(functions, str):
        functions = [functions]
    if functions and all_functions:
        raise UsageError("choose functions by name or take them all, not both")
    if all_functions:
        names = list(module.functions)
    elif functions:
        unknown = [name for name in functions if name not in module.functions]
        if unknown:
            raise UsageError(
                f"{path} has no top-level function {unknown[0]!r}",
                hint=f"its functions are: {', '.join(module.functions) or '(none)'}",
            )
        names = [name for name in module.functions if name in functions]
    else:
        names = list(marked)
    if not names:
        what = "top-level function" if all_functions else "function marked @symback.grad"
        raise UsageError(
            f"{path} has no {what}: nothing to generate",
            hint="mark functions with @symback.grad(wrt=...), or choose them with -f NAME or --all",
        )
    return [
        (name, _override(marked.get(name, Options()), wrt, value_and_grad, array_api))
        for name in names
    ]


def _override(options: Options, wrt, value_and_grad: bool, array_api: bool = False) -> Options:
    """A decorator's options with the caller's choices on top."""
    wrt = options.wrt if wrt is None else wrt
    value_too = options.value_too or value_and_grad
    return Options(wrt, value_too, options.has_aux, array_api=array_api)


def marked_functions(module: ModuleFile) -> dict[str, Options]:
    """Each top-level function carrying a symback decorator, with the decorator's options."""
    aliases = _import_aliases(ast.parse(module.text))
    marked = {}
    for name, fdef in module.functions.items():
        found = [
            (deco, DECORATORS[full])
            for deco in fdef.decorator_list
            if (full := _decorator_name(deco, aliases)) in DECORATORS
        ]
        if len(found) > 1:
            raise UnsupportedSyntaxError(
                f"{name} has more than one symback decorator",
                module.source.place(found[1][0]),
                hint="keep one; generate higher derivatives from the generated module",
            )
        if found:
            marked[name] = _decorator_options(*found[0], module)
    return marked


def _import_aliases(tree: ast.Module) -> dict[str, str]:
    """Each name bound by a top-level import -> the full name it stands for."""
    aliases = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                aliases[bound] = alias.name if alias.asname else bound
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _decorator_name(deco: ast.expr, aliases: dict[str, str]) -> str | None:
    """The full name of what `@deco` or `@deco(...)` calls, if it is an imported name."""
    return _full_name(deco.func if isinstance(deco, ast.Call) else deco, aliases)


def _full_name(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """`sb.grad` -> `symback.grad` when `import symback as sb`; None if not an imported name."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id)
    if isinstance(node, ast.Attribute):
        head = _full_name(node.value, aliases)
        return None if head is None else f"{head}.{node.attr}"
    return None


def _decorator_options(deco: ast.expr, value_too: bool, module: ModuleFile) -> Options:
    """The options written in `@symback.grad(wrt=..., has_aux=...)`, read as literals."""
    if not isinstance(deco, ast.Call):
        return Options(value_too=value_too)
    if deco.args:
        raise UnsupportedSyntaxError(
            "a symback decorator takes its options by keyword",
            module.source.place(deco.args[0]),
            hint='write e.g. @symback.grad(wrt=("w", "b"))',
        )
    given = {}
    for keyword in deco.keywords:
        if keyword.arg not in DECORATOR_OPTIONS:
            what = f"option {keyword.arg}=" if keyword.arg else "**options"
            raise UnsupportedSyntaxError(
                f"symback decorators take no {what}",
                module.source.place(keyword),
                hint=f"the options are: {', '.join(DECORATOR_OPTIONS)}",
            )
        value = _literal(keyword.value)
        if value is _NOT_LITERAL:
            raise UnsupportedSyntaxError(
                f"{keyword.arg}= must be written as a literal: the file is read, not run",
                module.source.place(keyword.value),
                hint='write the value itself, e.g. wrt=("w", "b") or has_aux=True',
            )
        if keyword.arg == "has_aux" and not isinstance(value, bool):
            raise UnsupportedSyntaxError(
                f"has_aux= must be True or False, not {value!r}",
                module.source.place(keyword.value),
            )
        given[keyword.arg] = value
    if "argnums" in given:  # (JAX's spelling of wrt; the API says what is wrong with it)
        from .api import spelled_wrt

        try:
            given["wrt"] = spelled_wrt(given.get("wrt", 0), given["argnums"])
        except SymbackError as error:
            raise UnsupportedSyntaxError(error.message, module.source.place(deco)) from None
    return Options(given.get("wrt", 0), value_too, given.get("has_aux", False))


def _literal(node: ast.expr):
    """The value a literal expression stands for (lists as tuples), or _NOT_LITERAL."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return _NOT_LITERAL
    return tuple(value) if isinstance(value, list) else value


def default_output(path) -> str:
    """Where the gradient module of `path` goes: path/to/model.py -> path/to/model_grad.py."""
    root, _ = os.path.splitext(os.fspath(path))
    return root + OUTPUT_SUFFIX


def is_generated(text: str) -> bool:
    """Whether `text` is a module symback wrote, unedited since (its seal matches)."""
    return foreign(text) is None


def write_module(path, text: str, source=None, force: bool = False) -> bool:
    """Write `text` to `path` atomically; False when it already held exactly that text.

    Refuses a symbolic link at `path` (it would write where the link points), `source`
    itself, and, unless `force`, a file that is not a module symback wrote and nobody has
    edited since. Writes nowhere but `path`'s folder, where it first removes the temporary
    files a symback that died while writing left.
    """
    path = os.fspath(path)
    if os.path.islink(path):
        raise UsageError(
            f"{path} is a symbolic link (to {os.readlink(path)}); refusing to write through it",
            hint="remove the link, or write elsewhere with -o FILE",
        )
    if source is not None and _same_file(path, source):
        raise UsageError(f"refusing to overwrite the source file {path} with its gradients")
    old = read_bytes(path)
    if old == text.encode():
        return False
    reason = None if old is None or force else foreign(old.decode("utf-8", "replace"))
    if reason is not None:
        raise UsageError(
            f"{path} exists and is not a module symback wrote ({reason}); refusing to "
            "overwrite it",
            hint="pass --force (force=True) to overwrite it, or write elsewhere with -o FILE",
        )
    remove_stale_temporaries(path)
    write_atomic(path, text)
    return True


def stale_reason(path, text: str) -> str | None:
    """Why the file at `path` does not hold exactly `text`, or None when it does."""
    old = read_bytes(os.fspath(path))
    if old is None:
        return "missing"
    if old == text.encode():
        return None
    current = old.decode("utf-8", "replace")
    reason = foreign(current)
    if reason is not None:
        return reason
    if header_line(current, SOURCE_MARK) != header_line(text, SOURCE_MARK):
        return "source changed since it was generated"
    if header_line(current, GENERATED_MARK) != header_line(text, GENERATED_MARK):
        version = header_line(current, GENERATED_MARK).split(" ")[0].rstrip(".")
        return f"generated by symback {version or '?'}, not by this version"
    return "differs from what symback generates with these options"


def module_diff(path, text: str) -> str:
    """A unified diff from the file at `path` (or nothing, if missing) to `text`."""
    path = os.fspath(path)
    old = read_bytes(path)
    before = old.decode("utf-8", "replace").splitlines(keepends=True) if old is not None else []
    return "".join(
        difflib.unified_diff(
            before,
            text.splitlines(keepends=True),
            fromfile=f"{path}\t(on disk)" if old is not None else "/dev/null",
            tofile=f"{path}\t(regenerated)",
        )
    )


def _same_file(a, b) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)
