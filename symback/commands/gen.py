"""`symback gen`: write, check or diff the gradient module of each Python file given."""

from __future__ import annotations

import argparse
import sys

from .. import codegen
from ..errors import SymbackError
from .common import add_command, fail, wrt_items

EXIT_OK, EXIT_STALE, EXIT_USAGE, EXIT_UNSUPPORTED = 0, 1, 2, 3

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
  symback gen --check src/*.py            in CI: fail if a gradient module is out of date
  symback gen --diff model.py             show what regenerating would change

The file is read, never imported or run. The written module imports only numpy (and
math), and its header names its source, that source's sha256 and the symback version.
Run --check with the same options you generated with (decorators keep them in the file).

exit status:
  0  done; with --check, every gradient module is up to date
  1  --check: a gradient module is stale or missing (each one is named)
  2  usage: bad arguments, no function chosen, a symbolic link at the output, or an
     existing file that is not a module symback wrote and nobody edited since (its
     header's Module sha256 is checked; pass --force to overwrite it)
  3  a function cannot be differentiated (the message shows file, line and column),
     or a file cannot be read or written; that file's module is left untouched
  70 internal error: a bug in symback (please report it), never a finding
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
    parser.add_argument("files", nargs="+", metavar="FILE", help="Python files to read")
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
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print only errors (and, with --check, stale modules)",
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
    if (args.output or args.stdout) and len(args.files) > 1:
        return _usage("-o and --stdout take one input file; give one, or drop them")
    if args.stdout and (args.check or args.diff):
        return _usage("--stdout cannot be combined with --check or --diff")
    report = Report(args.quiet)
    codes = [_one_file(path, index, args, report) for index, path in enumerate(args.files, 1)]
    code = max(codes)
    if args.check and not args.quiet:
        stale = codes.count(EXIT_STALE)
        if stale:
            report.note(
                f"{stale} of {_modules(len(codes))} out of date; regenerate with "
                "`symback gen` and the same arguments"
            )
        elif code == EXIT_OK:
            report.note(f"{_modules(len(codes))} up to date")
    return code


def _one_file(path: str, index: int, args, report: Report) -> int:
    """Generate one file's module in memory, then print, check, diff or write it."""
    output = args.output or codegen.default_output(path)
    try:
        chosen = codegen.requests(
            path, args.function, args.wrt, args.value_and_grad, args.all, args.array_api
        )
        names = ", ".join(name for name, _ in chosen)
        report.progress(f"generating {names} from {path} ({index}/{len(args.files)})...")
        text = codegen.module_text(path, chosen)
        if args.stdout:
            sys.stdout.write(text)
            return EXIT_OK
        if args.check or args.diff:
            return _compare(output, path, text, args, report)
        for stale in codegen.remove_stale_temporaries(output):
            report.note(f"removed {stale}: left by a symback that stopped while writing")
        written = codegen.write_module(output, text, source=path, force=args.force)
    except codegen.UsageError as exc:
        return report.error(exc, EXIT_USAGE)
    except SymbackError as exc:
        return report.error(exc, EXIT_UNSUPPORTED)
    except OSError as exc:
        return report.error(f"cannot write {output}: {exc.strerror or exc}", EXIT_UNSUPPORTED)
    report.note(f"wrote {output} ({names})" if written else f"{output} is up to date")
    return EXIT_OK


def _compare(output: str, path: str, text: str, args, report: Report) -> int:
    """--check and --diff: how the module on disk differs from `text`, writing nothing."""
    reason = codegen.stale_reason(output, text)
    if args.diff and reason is not None:
        sys.stdout.write(codegen.module_diff(output, text))
    if reason is None:
        report.note(f"{output} is up to date")
        return EXIT_OK
    if args.check:
        if reason == "missing":
            report.failure(f"missing: {output} from {path}")
        else:
            report.failure(f"stale: {output} from {path}: {reason}")
        return EXIT_STALE
    return EXIT_OK


def _modules(count: int) -> str:
    return f"{count} gradient module{'s' if count != 1 else ''}"


def _usage(message: str) -> int:
    return fail("gen", f"error: {message}", EXIT_USAGE)


class Report:
    """Messages on stderr: progress only on a terminal, notes unless quiet, errors always."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.live = not quiet and sys.stderr.isatty()
        self._shown = False

    def progress(self, text: str) -> None:
        if self.live:
            sys.stderr.write("\r\033[K" + text)
            sys.stderr.flush()
            self._shown = True

    def note(self, text: str) -> None:
        if not self.quiet:
            self._print(text)

    def failure(self, text: str) -> None:
        self._print(text)

    def error(self, error, code: int) -> int:
        """Print `error` (a SymbackError starts with its file:line:col) and return `code`."""
        where = ""
        if isinstance(error, SymbackError) and error.lineno is not None:
            name = error.filename if error.filename.isprintable() else repr(error.filename)
            where = f"{name}:{error.lineno}:{error.col_offset + 1}: "
        self._print(f"{where}error: {error}")
        return code

    def _print(self, text: str) -> None:
        if self._shown:
            sys.stderr.write("\r\033[K")
            self._shown = False
        print(text, file=sys.stderr)
