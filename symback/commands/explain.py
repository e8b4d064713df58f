"""`symback explain model.py:f --at "w=2, b=-1"`: the backward pass of one call, step by step."""

from __future__ import annotations

import itertools
import json
import os
import sys

import numpy as np

from ..errors import SymbackError
from .common import EXIT_OK, EXIT_UNSUPPORTED, EXIT_USAGE, UsageError, add_command, run_file
from .messages import Messages
from .values import AT_HELP, parse_at

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

--at takes NAME=VALUE items, as check does: numbers, lists (float arrays), arithmetic and
a few NumPy constructors such as np.ones(3) (nothing else is evaluated); one per parameter
(parameters with defaults may be left out). Integers are taken as floats, so that every
input gets a gradient. The file is imported (run), so explain sees the function as Python
does. -q prints only the gradients; --json the value, gradients and path taken.
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
        help=AT_HELP,
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

    say = Messages("explain", args.quiet, args.verbose)
    try:
        path, name = split_target(args.target, args.function)
        values = {k: _as_float(v) for k, v in parse_at(args.at).items()}
    except UsageError as exc:
        return say.error(exc, EXIT_USAGE)
    if args.render and not args.render.lower().endswith(tuple(PICTURE_FORMATS)):
        formats = ", ".join(PICTURE_FORMATS)
        message = f"--render {args.render}: name the picture file with one of {formats}"
        return say.error(message, EXIT_USAGE)
    try:
        module = import_file(path)
    except UsageError as exc:
        return say.error(exc, EXIT_USAGE)
    except Exception as exc:  # noqa: BLE001 - the user's module failed while running
        return say.error(f"importing {path} raised {type(exc).__name__}: {exc}", EXIT_UNSUPPORTED)
    function = getattr(module, name, None)
    if not callable(function):
        return say.error(f"{path} defines no function {name!r}", EXIT_USAGE)
    function = getattr(function, "__wrapped__", function)  # @symback.grad: explain f itself
    try:
        explanation = explain(function, **values)
    except ArgumentError as exc:  # the --at values do not fit the function
        return say.error(exc, EXIT_USAGE)
    except SymbackError as exc:
        return say.error(exc, EXIT_UNSUPPORTED)
    code = write_outputs(explanation, args, say)
    if args.json:
        print(json.dumps(dict(as_json(explanation, values), exit_status=code), indent=2))
    elif args.quiet:
        for key, gradient in explanation.gradients.items():
            print(f"d{explanation.trace.symbol}/d{key} = {_plain(gradient)}")
    else:
        sys.stdout.write(explanation.text(args.all_iterations))
    return code


def write_outputs(explanation, args, say: Messages) -> int:
    """--dot and --render: the picture's files."""
    try:
        if args.dot:
            with open(args.dot, "w", encoding="utf-8") as f:
                f.write(explanation.to_dot(args.all_iterations))
            say.note(f"wrote {args.dot}")
        if args.render:
            explanation.render(args.render, args.all_iterations)
            say.note(f"wrote {args.render}")
    except SymbackError as exc:  # no Graphviz
        return say.error(exc, EXIT_UNSUPPORTED)
    except OSError as exc:
        return say.error(f"cannot write {exc.filename}: {exc.strerror}", EXIT_UNSUPPORTED)
    return EXIT_OK


def as_json(explanation, values: dict) -> dict:
    """The value, the gradients and the path taken, in plain JSON types."""
    return {
        "function": explanation.trace.function,
        "at": {k: _plain(v) for k, v in values.items()},
        "value": _plain(explanation.value),
        "gradients": {k: _plain(v) for k, v in explanation.gradients.items()},
        "path": [{"line": line, "what": what} for line, what in explanation.path],
    }


def _plain(value):
    """A number or array as JSON takes it (non-finite numbers as "nan", "inf", "-inf")."""
    value = np.asarray(value).tolist()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def _as_float(value):
    """Integers as floats: explain differentiates with respect to every input."""
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


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


def import_file(path: str):
    """Import (run) the file at `path` as a fresh module, its directory first on sys.path."""
    if not os.path.isfile(path):
        raise UsageError(f"no such file: {path}")
    stem = os.path.splitext(os.path.basename(path))[0] or "module"
    module = run_file(path, f"_symback_explain_{stem}_{next(_module_numbers)}")
    if module is None:
        raise UsageError(f"cannot import {path}: not a Python file")
    return module
