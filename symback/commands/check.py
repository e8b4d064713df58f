"""`symback check`: is a hand-written gradient in a Python file right? Where, and what kind?"""

from __future__ import annotations

import argparse
import inspect
import json
import os

import numpy as np

from ..errors import SymbackError
from ..gradcheck.api import check
from .common import (
    EXIT_FINDING,
    EXIT_INCONCLUSIVE,
    EXIT_OK,
    EXIT_UNSUPPORTED,
    EXIT_USAGE,
    UsageError,
    add_command,
    run_file,
    wrt_items,
)
from .messages import Messages
from .values import AT_HELP, parse_at

EXIT_BY_VERDICT = {
    "correct": EXIT_OK,
    "wrong": EXIT_FINDING,
    "inconclusive": EXIT_INCONCLUSIVE,
    "error": EXIT_UNSUPPORTED,
}
RANDOM_RANGE = (0.1, 0.9)  # --shape values: inside the domain of log, sqrt, arcsin, ...

DESCRIPTION = """\
Compare GRAD with the gradient of FUNCTION at a point and at random points near it:
which elements are wrong, what kind of mistake it is (a factor, a sign, a transpose, an
axis, swapped parameters, a missing term), and the right gradient as a formula and as
code. The references are symback's exact gradient and a numerical one."""

EPILOG = """\
examples:
  symback check model.py:loss model.py:loss_grad --wrt w,b \\
      --at "w=[1, 2, 3], b=0.5, x=[0.1, 0.2, 0.3], t=[1, 0, 1]"
  symback check model.py:loss loss_grad --wrt w,b --shape "w=3 b= x=3 t=3"
  symback check model.py:loss loss_grad --wrt w,b --shape "w=3 b=" --at "x=[1, 2, 3], t=np.ones(3)"
  symback check model.py:layer layer_grad --shape "W=2x3 A=2x3" --json

GRAD without a path is looked up in FUNCTION's file. GRAD is called with the same
arguments as FUNCTION and returns one gradient, or a tuple in the order of --wrt.
The file is imported (so GRAD can run): only check files you trust.

--at takes NAME=VALUE items, as explain does: numbers, lists (made float arrays),
arithmetic and a few NumPy constructors such as np.ones(3) (nothing else is evaluated).
--shape gives random values uniform in [0.1, 0.9): "w=3" is shape (3,), "W=2x3" shape
(2, 3), "b=" a scalar. -q prints the report only when the gradient is not correct.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = add_command(
        subparsers,
        "check",
        run,
        help="check a hand-written gradient against symback's and a numerical one",
        description=DESCRIPTION,
        epilog=EPILOG,
    )
    parser.add_argument("function", metavar="FUNCTION", help="path.py:name of f")
    parser.add_argument(
        "gradient", metavar="GRAD", help="path.py:name (or just name) of f's gradient"
    )
    parser.add_argument(
        "--wrt",
        default="0",
        metavar="NAME[,NAME]",
        help="parameters GRAD differentiates with respect to, in its order "
        "(default: the first); a comma makes it a tuple, e.g. --wrt w,b",
    )
    parser.add_argument("--at", default="", metavar="ARGS", help=AT_HELP)
    parser.add_argument(
        "--shape",
        default="",
        metavar="SHAPES",
        help='random values, e.g. "w=3 W=2x3 b="',
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--points", type=int, default=3, help="random points tested near the given one"
    )
    parser.add_argument("--rtol", type=float, help="relative tolerance override")
    parser.add_argument("--atol", type=float, help="absolute tolerance override")
    parser.add_argument(
        "--require-exact",
        action="store_true",
        help=f"exit {EXIT_UNSUPPORTED} if symback cannot differentiate FUNCTION "
        "(no numerical-only checks)",
    )
    return parser


def run(args) -> int:
    say = Messages("check", args.quiet, args.verbose)
    try:
        f, grad_f = load_functions(args.function, args.gradient)
        values = parse_shapes(args.shape, args.seed)
        values.update(parse_at(args.at))
        call_args, call_kwargs = arguments_for(f, values)
        wrt = parse_wrt(args.wrt)
    except UsageError as exc:
        return say.error(exc, EXIT_USAGE)
    except _ImportFailed as exc:
        return say.error(exc, EXIT_UNSUPPORTED)
    say.detail(f"checking {args.gradient} against {args.function} at {len(values)} values")
    try:
        report = check(
            f,
            grad_f,
            *call_args,
            wrt=wrt,
            seed=args.seed,
            points=args.points,
            rtol=args.rtol,
            atol=args.atol,
            **call_kwargs,
        )
    except (SymbackError, TypeError) as exc:  # wrt names no parameter; arguments misfit
        return say.error(exc, EXIT_USAGE)
    code = EXIT_BY_VERDICT[report.verdict]
    if args.require_exact and report.references and not report.references.exact:
        code = EXIT_UNSUPPORTED
    if args.json:
        data = report.to_dict()
        data["at"] = {k: np.asarray(v).tolist() for k, v in values.items()}
        data["exit_status"] = code
        print(json.dumps(data, indent=2))
    elif not args.quiet or code != EXIT_OK:
        print("at: " + ", ".join(f"{k}={_short(v)}" for k, v in values.items()))
        print(report)
    return code


class _ImportFailed(Exception):
    """The user's file raised while being imported: EXIT_UNSUPPORTED."""


def load_functions(function_spec: str, gradient_spec: str):
    """The two callables named `path.py:name` (GRAD may omit the path: FUNCTION's file)."""
    path, name = _split_spec(function_spec, None)
    grad_path, grad_name = _split_spec(gradient_spec, path)
    return _lookup(_import(path), name, path), _lookup(_import(grad_path), grad_name, grad_path)


def _split_spec(spec: str, default_path: str | None) -> tuple[str, str]:
    path, colon, name = spec.rpartition(":")
    if not colon:
        path = default_path
    if not path or not name:
        raise UsageError(f"expected path.py:name, not {spec!r}")
    return path, name


_modules: dict[str, object] = {}


def _import(path: str):
    """Import the user's file by path (once), its folder first on sys.path for its imports."""
    full = os.path.abspath(path)
    if full in _modules:
        return _modules[full]
    if not os.path.isfile(full):
        raise UsageError(f"no such file: {path}")
    name = "symback_user_" + os.path.splitext(os.path.basename(full))[0]
    try:
        module = run_file(full, name)
    except Exception as exc:  # noqa: BLE001 - the user's module, any error
        raise _ImportFailed(f"importing {path} failed: {type(exc).__name__}: {exc}") from None
    if module is None:
        raise UsageError(f"cannot import {path}: not a Python file")
    _modules[full] = module
    return module


def _lookup(module, name: str, path: str):
    value = getattr(module, name, None)
    if not callable(value):
        names = [
            n
            for n, v in vars(module).items()
            if inspect.isfunction(getattr(v, "__wrapped__", v)) and not n.startswith("_")
        ]
        raise UsageError(
            f"{path} has no function {name!r}; its functions are: {', '.join(names) or '(none)'}"
        )
    return value


def parse_shapes(text: str, seed: int) -> dict:
    """ "w=3 W=2x3 b=" -> random values of those shapes (b a float), uniform in RANDOM_RANGE."""
    rng = np.random.default_rng(seed)
    out = {}
    for item in text.replace(";", " ").split():
        name, eq, spec = item.partition("=")
        if not eq or not name.isidentifier():
            raise UsageError(f'--shape items look like "w=3", "W=2x3" or "b=", not {item!r}')
        spec = spec.strip("()[]")
        try:
            shape = tuple(int(n) for n in spec.replace("x", ",").split(",") if n)
        except ValueError:
            raise UsageError(f"--shape {item!r}: a shape is numbers joined by x") from None
        value = rng.uniform(*RANDOM_RANGE, size=shape)
        out[name] = float(value) if shape == () else value
    return out


def arguments_for(f, values: dict) -> tuple[tuple, dict]:
    """f's positional and keyword arguments from values by name (positional where possible,
    so that they cannot clash with check's own keywords such as seed)."""
    signature = inspect.signature(getattr(f, "__wrapped__", f))
    params = signature.parameters
    unknown = [k for k in values if k not in params]
    if unknown:
        raise UsageError(
            f"{f.__name__} has no parameter {', '.join(unknown)}; its parameters are "
            f"{', '.join(params)}"
        )
    missing = [
        n
        for n, p in params.items()
        if p.default is p.empty
        and n not in values
        and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    if missing:
        raise UsageError(f"no value for {', '.join(missing)}: give it with --at or --shape")
    bound = signature.bind(**values)
    return bound.args, bound.kwargs


def parse_wrt(text: str):
    """ "w" -> "w", "0" -> 0, "w,b" -> ("w", "b")."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise UsageError(f"--wrt needs a parameter name or index, not {text!r}")
    return wrt_items(parts, text)


def _short(value) -> str:
    """A value as the `at:` line shows it: arrays and floats to 4 digits."""
    if np.ndim(value) or isinstance(value, float):
        return np.array2string(np.asarray(value), precision=4, separator=", ")
    return repr(value)
