"""`symback gen`: write, check or diff the gradient module of each Python file given."""

from __future__ import annotations

import argparse
import json
import sys

from .. import codegen
from ..backend.project import ProjectConfigError
from ..errors import SymbackError
from .common import EXIT_FINDING, EXIT_OK, EXIT_UNSUPPORTED, EXIT_USAGE, add_command, wrt_items
from .inputs import python_files
from .messages import Messages, colour_on, coloured_diff

DESCRIPTION = """\
Write the gradient module of each FILE (path/to/model.py -> path/to/model_grad.py):
plain NumPy code that runs without symback, generated without running FILE."""

EPILOG = """\
examples:
  symback gen model.py                    write model_grad.py: a gradient for each
                                          function marked @symback.grad in model.py
  symback gen model.py -f loss --wrt w,b  the gradient of loss with respect to w and b
  symback gen model.py --all --stdout     every top-level function, printed
  symback gen model.py -o model_grads.py  write somewhere else
  symback gen --check src/                in CI: fail if a gradient module is out of date
  symback gen --check --diff src/*.py     the same, showing what regenerating would change
  symback gen --diff model.py             show what regenerating would change

A directory stands for the Python files under it, and a quoted glob ("src/**/*.py") for
the files it matches. Of several files, those with no function marked @symback.grad (and
no -f or --all) and the modules symback wrote are skipped (-v names them).
Defaults can be set in the project's pyproject.toml, e.g. [tool.symback.gen] with
files = ["src"] and quiet = true: the options' long names, dashes or underscores.

The file is read, never imported or run. The written module imports only numpy (and
math), and its header names its source, that source's sha256 and the symback version.
Run --check with the same options you generated with (decorators keep them in the file).
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = add_command(
        subparsers,
        "gen",
        run,
        help="write gradient modules for the functions of Python files",
        description=DESCRIPTION,
        epilog=EPILOG,
    )
    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="Python files, directories or globs to read (default: [tool.symback] files)",
    )
    choose = parser.add_mutually_exclusive_group()
    choose.add_argument(
        "-f",
        "--function",
        action="append",
        metavar="NAME",
        help="differentiate this function (repeatable; default: those marked @symback.grad)",
    )
    choose.add_argument("--all", action="store_true", help="differentiate every top-level function")
    parser.add_argument(
        "--wrt",
        type=parse_wrt,
        metavar="NAME[,NAME]",
        help="parameters to differentiate with respect to (names or indices), "
        "overriding the decorators; a comma makes the gradient a tuple, e.g. --wrt w, "
        "(default: the decorator's wrt, else the first parameter)",
    )
    parser.add_argument(
        "--value-and-grad",
        action="store_true",
        help="generated functions return (value, gradient)",
    )
    parser.add_argument(
        "--array-api",
        action="store_true",
        help="gradients for the arrays of any library of the Python array API standard "
        "(Dask, torch, CuPy, JAX, ... through array_api_compat, the module's only import), "
        "not NumPy's; a NumPy function outside the standard is an error naming it",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", metavar="FILE", help="write to FILE (one input only)")
    where.add_argument("--stdout", action="store_true", help="print the module; write nothing")
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 naming each gradient module that is stale or missing",
    )
    parser.add_argument(
        "--diff",
        action="store_true",
        help="write nothing; print a diff of what would change",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="overwrite a file that is not a module symback wrote, or was edited since "
        "(never a symbolic link)",
    )
    return parser


def parse_wrt(text: str):
    """`w` -> "w", `0` -> 0, `w,b` -> ("w", "b"), `w,` -> ("w",)."""
    parts = [part.strip() for part in text.split(",")]
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if not all(parts):
        raise argparse.ArgumentTypeError(f"expected NAME or NAME,NAME,... but got {text!r}")
    return wrt_items(parts, text)


def run(args) -> int:
    say = Messages("gen", args.quiet, args.verbose)
    if not args.files:
        return say.error("name the Python files (or directories) to read", EXIT_USAGE)
    if (args.output or args.stdout) and len(args.files) > 1:
        return say.error("-o and --stdout take one input file; give one, or drop them", EXIT_USAGE)
    if args.stdout and (args.check or args.diff or args.json):
        return say.error("--stdout cannot be combined with --check, --diff or --json", EXIT_USAGE)
    try:
        paths, skipped = python_files(args.files, chosen=bool(args.function or args.all))
    except codegen.UsageError as exc:
        return say.error(exc, EXIT_USAGE)
    for path, why in skipped:
        say.detail(f"skipped {path}: {why}")
    if not paths:
        return say.error(
            f"nothing to generate in {' '.join(args.files)}: no file has a function marked "
            "@symback.grad",
            EXIT_USAGE,
        )
    if args.output and len(paths) > 1:
        return say.error("-o takes one input file, not a directory or glob", EXIT_USAGE)
    results = [_one_file(path, index, len(paths), args, say) for index, path in enumerate(paths, 1)]
    code = max(result["exit_status"] for result in results)
    if args.json:
        print(json.dumps({"files": results, "exit_status": code}, indent=2))
    if args.check:
        stale = sum(result["exit_status"] == EXIT_FINDING for result in results)
        if stale:
            say.note(
                f"{stale} of {_modules(len(results))} out of date; regenerate with "
                "`symback gen` and the same arguments"
            )
        elif code == EXIT_OK:
            say.note(f"{_modules(len(results))} up to date")
    return code


def _one_file(path: str, index: int, total: int, args, say: Messages) -> dict:
    """Generate one file's module in memory, then print, check, diff or write it."""
    output = args.output or codegen.default_output(path)
    result = {"source": path, "output": output, "functions": [], "status": None}

    def done(status: str, code: int, message: str | None = None) -> dict:
        result.update(status=status, exit_status=code)
        if message is not None:
            result["message"] = message
        return result

    try:
        chosen = codegen.requests(
            path, args.function, args.wrt, args.value_and_grad, args.all, args.array_api
        )
        result["functions"] = [name for name, _ in chosen]
        names = ", ".join(result["functions"])
        say.progress(f"generating {names} from {path} ({index}/{total})...")
        text = codegen.module_text(path, chosen)
        if args.stdout:
            say.clear()
            sys.stdout.write(text)
            return done("printed", EXIT_OK)
        if args.check or args.diff:
            return _compare(output, path, text, args, say, done)
        for stale in codegen.remove_stale_temporaries(output):
            say.note(f"removed {stale}: left by a symback that stopped while writing")
        written = codegen.write_module(output, text, source=path, force=args.force)
    except (codegen.UsageError, ProjectConfigError) as exc:
        return done("error", say.error(exc, EXIT_USAGE), str(exc))
    except SymbackError as exc:
        return done("error", say.error(exc, EXIT_UNSUPPORTED), str(exc))
    except OSError as exc:
        message = f"cannot write {output}: {exc.strerror or exc}"
        return done("error", say.error(message, EXIT_UNSUPPORTED), message)
    say.note(f"wrote {output} ({names})" if written else f"{output} is up to date")
    return done("wrote" if written else "up to date", EXIT_OK)


def _compare(output: str, path: str, text: str, args, say: Messages, done) -> dict:
    """--check and --diff: how the module on disk differs from `text`, writing nothing."""
    reason = codegen.stale_reason(output, text)
    if args.diff and reason is not None and not args.json:
        say.clear()
        sys.stdout.write(coloured_diff(codegen.module_diff(output, text), colour_on(sys.stdout)))
        sys.stdout.flush()
    if reason is None:
        say.note(f"{output} is up to date")
        return done("up to date", EXIT_OK)
    status = "missing" if reason == "missing" else "stale"
    if not args.check:
        return done(status, EXIT_OK, reason)
    if reason == "missing":
        say.finding("missing", f"{output} from {path}")
    else:
        say.finding("stale", f"{output} from {path}: {reason}")
    return done(status, EXIT_FINDING, reason)


def _modules(count: int) -> str:
    return f"{count} gradient module{'s' if count != 1 else ''}"
