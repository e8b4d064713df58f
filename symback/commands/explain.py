"""`symback explain model.py:f --at "w=2, b=-1"`: the backward pass of one call, step by step."""

from __future__ import annotations

import ast
import itertools
import os
import sys

import numpy as np

from ..errors import SymbackError
from .common import UsageError, add_command, at_keywords, fail, run_file

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNSUPPORTED = 0, 1, 2, 4

EXAMPLES = """\
examples:
  symback explain model.py:loss --at "w=2, b=-1, x=0.5, t=1"
  symback explain model.py:loss --at "w=[0.5, -1], x=[[1, 2], [3, 4]]" --dot loss.dot
  symback explain model.py:loss --at "w=2, b=-1, x=0.5, t=1" --render loss.svg
  symback explain model.py -f horner --at "x=2.0"

Branches and loops show as this call ran them: the branch taken, each loop iteration's
nodes tagged with it (s[i=2]; s[#3] in a while loop). A loop of more than 8 iterations shows
its first and last 3 and one line for the middle (--all-iterations shows every one); a call
that runs more than 10,000 statements is refused.

--at takes Python literals, one name=value per parameter (parameters with defaults may be
left out); lists become float arrays, integers become floats. The file is imported (run),
so explain sees the function as Python does.

exit status: 0 explained; 1 the file raised when imported, or --render without Graphviz;
2 usage error (including --at values that do not fit the function); 4 symback cannot
explain the function (the message says where and why); 70 internal error (a bug in
symback: please report it)
"""

_module_numbers = itertools.count()


def add_parser(subparsers) -> None:
    parser = add_command(
        subparsers,
        "explain",
        run,
        help="show the backward pass of one call on its computation graph",
        description="Show the backward pass of f at given values on its computation graph: "
        "each node's value, its local gradients, the upstream gradient and their product, "
        "from the output back to every input.",
        epilog=EXAMPLES,
    )
    parser.add_argument(
        "target",
        metavar="FILE.py:FUNCTION",
        help="the function to explain (or FILE.py with -f FUNCTION)",
    )
    parser.add_argument("-f", "--function", metavar="NAME", help="the function in FILE.py")
    parser.add_argument(
        "--at",
        metavar='"NAME=VALUE, ..."',
        default="",
        help="the arguments, as Python literals",
    )
    parser.add_argument("--dot", metavar="FILE", help="also write the graph as Graphviz DOT")
    parser.add_argument(
        "--all-iterations",
        action="store_true",
        help="show every iteration of long loops (by default the first and last 3)",
    )
    parser.add_argument(
        "--render",
        metavar="FILE",
        help="also draw the graph to FILE.svg, FILE.png or FILE.pdf (needs Graphviz `dot`)",
    )


def run(args) -> int:
    from ..backprop import ArgumentError, explain
    from ..backprop.render import PICTURE_FORMATS

    try:
        path, name = split_target(args.target, args.function)
        values = parse_at(args.at)
    except UsageError as exc:
        return fail("explain", str(exc), EXIT_USAGE)
    if args.render and not args.render.lower().endswith(tuple(PICTURE_FORMATS)):
        formats = ", ".join(PICTURE_FORMATS)
        message = f"--render {args.render}: name the picture file with one of {formats}"
        return fail("explain", message, EXIT_USAGE)
    try:
        module = import_file(path)
    except UsageError as exc:
        return fail("explain", str(exc), EXIT_USAGE)
    except Exception as exc:  # noqa: BLE001 - the user's module failed while running
        message = f"importing {path} raised {type(exc).__name__}: {exc}"
        return fail("explain", message, EXIT_FAILED)
    function = getattr(module, name, None)
    if not callable(function):
        return fail("explain", f"{path} defines no function {name!r}", EXIT_USAGE)
    try:
        explanation = explain(function, **values)
    except ArgumentError as exc:  # the --at values do not fit the function
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except SymbackError as exc:
        print(exc, file=sys.stderr)
        return EXIT_UNSUPPORTED
    sys.stdout.write(explanation.text(args.all_iterations))
    return write_outputs(explanation, args)


def write_outputs(explanation, args) -> int:
    """--dot and --render: the picture's files."""
    try:
        if args.dot:
            with open(args.dot, "w", encoding="utf-8") as f:
                f.write(explanation.to_dot(args.all_iterations))
            print(f"wrote {args.dot}", file=sys.stderr)
        if args.render:
            explanation.render(args.render, args.all_iterations)
            print(f"wrote {args.render}", file=sys.stderr)
    except SymbackError as exc:  # no Graphviz
        print(exc, file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        return fail("explain", f"cannot write {exc.filename}: {exc.strerror}", EXIT_USAGE)
    return EXIT_OK


def split_target(target: str, function: str | None = None) -> tuple[str, str]:
    """`model.py:f`, or `model.py` and `-f f` -> ("model.py", "f")."""
    if function is not None:
        if not function.isidentifier():
            raise UsageError(f"-f takes a function's name, got {function!r}")
        if target.endswith(".py") or ":" not in target:
            return target, function
        raise UsageError(f"name the function once: {target!r} and -f {function}")
    path, sep, name = target.rpartition(":")
    if not sep or not path or not name.isidentifier():
        raise UsageError(f"expected FILE.py:FUNCTION (or FILE.py -f FUNCTION), got {target!r}")
    return path, name


def parse_at(text: str) -> dict[str, object]:
    """`"w=2, x=[1, 2]"` -> {"w": 2.0, "x": array([1., 2.])}: literals, by name."""
    if not text.strip():
        return {}
    try:
        keywords = at_keywords(text)
    except SyntaxError:
        raise UsageError(
            f"--at must be NAME=VALUE items separated by commas, got {text!r}"
        ) from None
    except ValueError:
        raise UsageError(f"--at items must each be NAME=VALUE, got {text!r}") from None
    values = {}
    for keyword in keywords:
        try:
            value = ast.literal_eval(keyword.value)
        except ValueError:
            shown = ast.get_source_segment(f"f({text})", keyword.value)
            raise UsageError(f"--at {keyword.arg}={shown}: the value must be a literal") from None
        values[keyword.arg] = _as_argument(value)
    return values


def _as_argument(value):
    """Lists and tuples become float arrays, integers floats; other literals stay as they are."""
    if isinstance(value, (list, tuple)):
        try:
            return np.asarray(value, dtype=float)
        except ValueError:
            raise UsageError(f"{value!r} is not a rectangular array of numbers") from None
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def import_file(path: str):
    """Import (run) the file at `path` as a fresh module, its directory first on sys.path."""
    if not os.path.isfile(path):
        raise UsageError(f"no such file: {path}")
    stem = os.path.splitext(os.path.basename(path))[0] or "module"
    module = run_file(path, f"_symback_explain_{stem}_{next(_module_numbers)}")
    if module is None:
        raise UsageError(f"cannot import {path}: not a Python file")
    return module
