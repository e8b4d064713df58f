"""The table of contents: every stage from a Python function to gradient code, in order."""

from __future__ import annotations

import ast
import inspect
import os
from dataclasses import dataclass

from . import ir
from .adjoint.naming import module_names
from .adjoint.reverse import reverse
from .backend import emit
from .errors import WrtError
from .frontend import fence
from .frontend.lower import Lowerer, ModuleNames, bound_names
from .frontend.resolve import Namespace
from .frontend.source import SourceInfo, function_source


@dataclass(frozen=True)
class Options:
    """What to generate: with respect to which parameters, and what the function returns."""

    wrt: object = 0  # a name, an index, or a tuple of them
    value_too: bool = False
    has_aux: bool = False


@dataclass(frozen=True)
class Generated:
    """A generated module: its text, the function in it, and what that function returns."""

    text: str
    function_name: str
    wrt: tuple[str, ...]
    lowered: ir.Function


def lower_function(source: SourceInfo, fdef: ast.FunctionDef, namespace: Namespace, has_aux: bool):
    """Source to IR: fence, then lowering. Returns (IR, the module-level names to use)."""
    fence.check(source, fdef)
    names = module_names(bound_names(fdef))
    lowerer = Lowerer(source, fdef, namespace, ModuleNames(names["np"], names["math"]), has_aux)
    return lowerer.lower(), names, lowerer.uses_math


def generate(fn, options: Options) -> Generated:
    """Every stage for one live function: source, fence, lower, reverse, emit."""
    fn, source, fdef = function_source(fn)
    closure = inspect.getclosurevars(fn).nonlocals if fn.__closure__ else {}
    namespace = Namespace(fn.__globals__, closure)
    lowered, names, uses_math = lower_function(source, fdef, namespace, options.has_aux)
    wrt, single = resolve_wrt(options.wrt, fdef, source)
    program = reverse(lowered, wrt, names)
    prefix = "value_and_grad" if options.value_too else "grad"
    name = f"{prefix}_{lowered.name}"
    spec = emit.Spec(name, program, options.value_too, single)
    text = emit.module_text([spec], names, _short_name(source.filename), uses_math)
    return Generated(text, name, wrt, lowered)


def resolve_wrt(wrt, fdef: ast.FunctionDef, source: SourceInfo) -> tuple[tuple[str, ...], bool]:
    """The parameter names `wrt` means, and whether it named a single one (not a tuple)."""
    args = fdef.args.args + fdef.args.kwonlyargs
    names = [a.arg for a in args]
    single = not isinstance(wrt, (tuple, list))
    items = [wrt] if single else list(wrt)
    if not items:
        raise WrtError("wrt is empty: name at least one parameter", source.place(fdef))
    chosen = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise WrtError(
                f"wrt must be a parameter name or index, not {item!r}", source.place(fdef)
            )
        if isinstance(item, int):
            if not -len(names) <= item < len(names):
                raise WrtError(
                    f"wrt={item} but {fdef.name} has {len(names)} parameter(s): {', '.join(names)}",
                    source.place(fdef.args) if names else source.place(fdef),
                )
            item = names[item]
        if item not in names:
            raise WrtError(
                f"wrt={item!r} names no parameter of {fdef.name}; its parameters are "
                f"{', '.join(names) or '(none)'}",
                source.place(fdef),
                hint="pass one of the parameter names, or its index",
            )
        _check_float_parameter(fdef, item, source)
        if item in chosen:
            raise WrtError(f"wrt names {item!r} twice", source.place(fdef))
        chosen.append(item)
    return tuple(chosen), single


def _check_float_parameter(fdef: ast.FunctionDef, name: str, source: SourceInfo) -> None:
    """Refuse parameters declared or defaulted as integers (or bools, or strings)."""
    args = fdef.args
    arg = next(a for a in args.args + args.kwonlyargs if a.arg == name)
    annotation = ast.unparse(arg.annotation) if arg.annotation is not None else ""
    defaults = dict(zip([a.arg for a in args.args][::-1], args.defaults[::-1]))
    defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
    default = defaults.get(name)
    bad_default = isinstance(default, ast.Constant) and not (
        isinstance(default.value, float) or default.value is None
    )
    if annotation in ("int", "bool", "str") or bad_default:
        what = annotation or type(default.value).__name__
        raise WrtError(
            f"cannot differentiate with respect to {name!r}: it is declared as {what}, "
            "and only float parameters have a gradient",
            source.place(arg),
            hint="make it a float (e.g. default 1.0), or differentiate another parameter",
        )


def _short_name(filename: str) -> str:
    """The file's base name: generated text must not depend on where it was generated."""
    return os.path.basename(filename)
