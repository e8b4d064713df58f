"""The table of contents: every stage from a Python function to gradient code, in order."""

from __future__ import annotations

import ast
import hashlib
import os
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from . import code, ir
from .adjoint.reverse import reverse
from .backend import array_api, emit
from .backend.helpers import HELPERS, module_names
from .backend.paths import every_path
from .depth import room
from .determined import recording_first_iterations
from .errors import Place, SymbackError, UnsupportedSyntaxError, WrtError
from .facts import Facts
from .frontend import fence
from .frontend.lower import lower_function
from .frontend.resolve import Namespace, namespace_of
from .frontend.source import SourceInfo, function_source
from .frontend.state import ModuleNames
from .frontend.static import read_module
from .frontend.syntax import bound_names
from .frontend.tree_reads import tree_like_use
from .frontend.trees import flatten_parameters
from .optimize.copied_writes import writes_as_copies
from .optimize.cse import common_subexpressions
from .optimize.dce import live_lines
from .optimize.exp_reductions import fuse_exp_reductions
from .optimize.floats import floats_in_math
from .optimize.inplace import write_in_place
from .optimize.repeats import merge_repeats
from .optimize.vector_loops import vectorised_loops


@dataclass(frozen=True)
class Options:
    """What to generate: with respect to which parameters, and what the function returns."""

    wrt: object = 0  # a name, an index, or a tuple of them
    value_too: bool = False
    has_aux: bool = False
    # element writes as copies (optimize/copied_writes.py): code symback differentiates again
    writes_as_copies: bool = False
    # parameter trees: ((parameter, structure), ...) as a call passed them (symback/trees.py);
    # the code takes one parameter per leaf in the tree's place (frontend/trees.py)
    trees: tuple = ()
    # the array-API target (backend/array_api.py): code calling the standard's functions on
    # the arguments' own namespace, not NumPy's
    array_api: bool = False


@dataclass(frozen=True)
class Generated:
    """A generated module: its text, the function in it, and what that function returns."""

    text: str
    function_name: str
    wrt: tuple[str, ...]
    lowered: ir.Function
    output_place: Place | None = None  # the `return`, for errors about the output
    helpers: tuple[tuple[str, str], ...] = ()  # (name in the module, helper key)
    spec: emit.Spec | None = None  # what was emitted, to emit it again specialised
    names: dict[str, str] = field(default_factory=dict)  # the module's top-level names
    uses_math: bool = False


def _live(fn):
    """A live function's source, `def` node and the names it can see from outside."""
    fn, source, fdef = function_source(fn)
    return source, fdef, namespace_of(fn)


def _lower(source, fdef, namespace, has_aux: bool, names: dict[str, str]):
    """Fence, then lower: (the IR, whether its forward code uses math)."""
    fence.check(source, fdef)
    modules = ModuleNames(names, tuple(HELPERS))
    return lower_function(source, fdef, namespace, modules, has_aux)


def lower(fn, has_aux: bool = False) -> ir.Function:
    """The SSA IR of a live function (for tools that walk the computation graph)."""
    source, fdef, namespace = _live(fn)
    with room(source, fdef):
        return _lower(source, fdef, namespace, has_aux, module_names(_local_names(fdef)))[0]


@dataclass(frozen=True)
class Run:
    """What every pass reads: what was asked, the module's names, and (specialising) what a
    first call learned."""

    options: Options
    names: dict[str, str]
    wrt: tuple[str, ...]
    facts: Facts | None = None


# -- the passes, in order: each a pure function of what the one before made and the Run ----


def _writes_as_copies(fn: ir.Function, run: Run) -> ir.Function:
    return writes_as_copies(fn, run.names) if run.options.writes_as_copies else fn


def _exp_reductions(fn: ir.Function, run: Run) -> ir.Function:
    return fuse_exp_reductions(fn)


def _repeats(fn: ir.Function, run: Run) -> ir.Function:
    return merge_repeats(fn)


def _floats_in_math(fn: ir.Function, run: Run) -> ir.Function:
    """Specialised, the gradient alone: NumPy's functions of Python floats spelled with math."""
    if run.facts is None or not run.facts.floats or run.options.value_too:
        return fn
    floats, arrays = set(run.facts.floats), set(run.facts.arrays)
    return floats_in_math(fn, floats, arrays, run.names["np"], run.names["math"])


def _reverse(fn: ir.Function, run: Run) -> code.GradientProgram:
    return reverse(fn, run.wrt, run.names, run.facts)


def _fresh_values(program: code.GradientProgram, run: Run) -> code.GradientProgram:
    """Specialised, the gradient alone: a forward value read by nothing but adjoints (the
    logistic loss's np.logaddexp, read by exp(u - v)) goes, its adjoint written without it
    (a sigmoid of u), so that the forward pass does not compute it at all."""
    if run.facts is None or run.options.value_too:
        return program
    fn = program.function
    aux = set() if fn.aux is None else ir.names_in(fn.aux)
    candidates = {
        s.target for s in fn.body if isinstance(s, ir.Elementwise) and s.target != fn.output
    }
    candidates -= aux | _read_by(live_lines(program, aux)[0], candidates)
    if not candidates:
        return program
    trial = reverse(fn, program.wrt, run.names, run.facts, frozenset(candidates))
    gone = candidates - _read_by(sum(live_lines(trial, aux), []), candidates)
    if gone == candidates:
        return trial
    return reverse(fn, program.wrt, run.names, run.facts, frozenset(gone))


def _read_by(lines, names: set[str]) -> set[str]:
    """Which of `names` the lines read (a line defining a name does not count for it)."""
    read: set[str] = set()
    for line in lines:
        read |= (line.reads - line.targets) & names
    return read


def _common_subexpressions(program: code.GradientProgram, run: Run) -> code.GradientProgram:
    """Each value the forward and backward passes compute twice, computed once."""
    fn = program.function
    kept = set(program.gradients) | {fn.output}
    kept |= ir.names_in(fn.aux) if fn.aux is not None else set()
    return common_subexpressions(program, run.names, kept)


def _in_place(program: code.GradientProgram, run: Run) -> code.GradientProgram:
    """Specialised, all float64: large elementwise results computed into buffers."""
    facts = run.facts
    if facts is None or not (facts.float64 and facts.arrays):
        return program
    fn = program.function
    # the value is read where it is returned, or checked to be a scalar
    value = {fn.output} if run.options.value_too or not facts.scalar_known else set()
    returned = value | (ir.names_in(fn.aux) if fn.aux is not None else set())
    return write_in_place(program, facts.arrays, facts.floats, run.names["np"], returned)


def _dead_code(spec: emit.Spec, run: Run) -> emit.Spec:
    """Only the lines what the function returns needs."""
    forward, backward = live_lines(spec.program, emit.returned(spec, run.names))
    return replace(spec, program=replace(spec.program, forward=forward, backward=backward))


def _placeholders(spec: emit.Spec, run: Run) -> emit.Spec:
    """Every name bound on every path to a line reading it (for a second derivative)."""
    program, fn = spec.program, spec.program.function
    params = {p.name for p in fn.params}
    lines = (program.forward, program.backward)
    forward, backward = every_path(*lines, params, emit.returned(spec, run.names), fn.boolean)
    return replace(spec, program=replace(program, forward=forward, backward=backward))


# The passes by name, in the order they run. The IR passes take the lowered function; reverse
# makes the code tree; the last two run on the tree of each function as it is printed. A
# specialisation (specialise.py) runs them again from "floats in math", with the Facts.
PASSES = (
    ("writes as copies", _writes_as_copies),
    ("exp reductions", _exp_reductions),
    ("repeats", _repeats),
    ("floats in math", _floats_in_math),
    ("reverse", _reverse),
    ("fresh values", _fresh_values),
    ("common subexpressions", _common_subexpressions),
    ("in place", _in_place),
    ("dead code", _dead_code),
    ("placeholders", _placeholders),
)
_ORDER = [name for name, _ in PASSES]


def run_passes(value, run: Run, first: str, last: str):
    """The passes from `first` to `last` (both run), each on what the one before made."""
    for _, apply in PASSES[_ORDER.index(first) : _ORDER.index(last) + 1]:
        value = apply(value, run)
    return value


def specify(
    source: SourceInfo,
    fdef: ast.FunctionDef,
    namespace: Namespace,
    options: Options,
    names: dict[str, str] | None = None,
):
    """One function's gradient program: (spec, module names, uses math). The spec holds the
    whole program; `printed` runs the last passes on it.

    `names` are the generated module's top-level names (numpy, math, helpers); by default
    chosen to clash with none of this function's names.
    """
    wrt, single = resolve_wrt(options.wrt, fdef, source)
    if options.trees:
        fdef, leaves, namespace = flatten_parameters(source, fdef, options.trees, namespace)
        single = single and wrt[0] not in leaves  # (a tree's gradient: one per leaf)
        wrt = tuple(leaf for name in wrt for leaf in leaves.get(name, (name,)))
    names = names or module_names(_local_names(fdef))
    lowered, uses_math = _lower(source, fdef, namespace, options.has_aux, names)
    program = run_passes(lowered, Run(options, names, wrt), "writes as copies", "in place")
    prefix = "value_and_grad" if options.value_too else "grad"
    spec = emit.Spec(f"{prefix}_{fdef.name}", program, options.value_too, single)
    spec = replace(spec, array_api=options.array_api)
    return spec, names, uses_math


def printed(specs, names, source_name: str, uses_math: bool, digest: str) -> str:
    """The module text: dead code and placeholders on each function's tree, then the printer."""
    run = Run(Options(), names, ())
    finished = [run_passes(s, run, "dead code", "placeholders") for s in specs]
    return emit.module_text(finished, names, source_name, uses_math, digest)


def generate(fn, options: Options) -> Generated:
    """Every stage for one live function: source, fence, lower, the passes, print."""
    source, fdef, namespace = _live(fn)
    with room(source, fdef):
        spec, names, uses_math = specify(source, fdef, namespace, options)
        digest = _digest(ast.get_source_segment(source.text, fdef) or source.text)
        with _standard_only(source, source.place(fdef)):
            text = printed([spec], names, _short_name(source.filename), uses_math, digest)
    last = fdef.body[-1]
    output_place = source.place(last) if isinstance(last, ast.Return) else None
    helpers = tuple((names[key], key) for key in sorted(spec.program.helpers))
    return Generated(
        text,
        spec.name,
        spec.program.wrt,
        spec.program.function,
        output_place,
        helpers,
        spec,
        names,
        uses_math,
    )


def probe(generated: Generated, record: str) -> str:
    """A module whose function runs the forward pass and returns every value it computed,
    and, as `record`, the values at the end of each loop's first iteration, by line."""
    program = generated.spec.program
    forward = recording_first_iterations(program.forward, record, generated.names)
    forward = (code.assign(record, ast.Dict([], [])),) + forward
    spec = replace(generated.spec, program=replace(program, forward=forward), probe=True)
    return emit.module_text([spec], generated.names, "a probe", generated.uses_math, "-")


def specialise(generated: Generated, facts: Facts, guard: tuple[str, ...], handoff: str) -> str:
    """The module again, its gradient specialised to what a first call learned (`facts`),
    which holds while the `guard` statements at its start let the call through; `handoff`
    gives a call to the general code where the specialised one cannot answer."""
    spec = generated.spec
    options = Options(wrt=generated.wrt, value_too=spec.value_too)
    lowered = generated.lowered
    if not spec.value_too:  # (the value of a loop vectorised is not the user's, bit for bit)
        lowered, facts = vectorised_loops(lowered, facts, generated.names["np"])
    run = Run(options, generated.names, generated.wrt, facts)
    program = run_passes(lowered, run, "floats in math", "in place")
    in_math = program.function is not lowered  # floats spelled with math
    # where math or Python's float arithmetic raises, the general code answers (api.py)
    retry = in_math or bool(facts.floats)
    spec = replace(
        spec,
        program=program,
        guard=guard,
        handoff=handoff,
        scalar_known=facts.scalar_known,
        retry=retry,
    )
    label = "a specialisation to the shapes of one call"
    return printed([spec], generated.names, label, generated.uses_math or in_math, "-")


def generate_module(path: str, requests: list[tuple[str, Options]]) -> str:
    """One module holding the gradients of several functions of the file at `path`.

    The file is read, not run (frontend.static). Each function's code uses the same
    module-level names, chosen to clash with none of them.
    """
    module = read_module(path)
    fdefs = []
    for name, _ in requests:
        if name not in module.functions:
            raise SymbackError(
                f"{path} has no top-level function {name!r}",
                hint=f"its functions are: {', '.join(module.functions) or '(none)'}",
            )
        fdefs.append(module.functions[name])
    shared = module_names(set().union(*(_local_names(f) for f in fdefs)))
    specs, uses_math = [], False
    with room(module.source, *fdefs):
        for fdef, (_, options) in zip(fdefs, requests):
            _refuse_trees(module.source, fdef, options)
            spec, _, math_used = specify(module.source, fdef, module.namespace, options, shared)
            specs.append(spec)
            uses_math |= math_used
        digest = _digest(module.text)
        with _standard_only(module.source):
            return printed(specs, shared, _short_name(path), uses_math, digest)


@contextmanager
def _standard_only(source: SourceInfo, function: Place | None = None):
    """The array-API printer's refusal of a NumPy function, as the user's error at its line
    (or, for a line of the gradient alone, at the `function`'s)."""
    try:
        yield
    except array_api.NotStandard as found:
        text = source.user_line(found.line) if found.line is not None else ""
        raise array_api.error(found, source.filename, text, function) from None


def _refuse_trees(source: SourceInfo, fdef: ast.FunctionDef, options: Options) -> None:
    """A module written without running the file cannot know a parameter tree's structure."""
    node = tree_like_use(fdef, resolve_wrt(options.wrt, fdef, source)[0])
    if node is not None:
        raise UnsupportedSyntaxError(
            f"{fdef.name} reads a parameter as a tree (a dict, list, tuple or NamedTuple), "
            "whose structure (keys, lengths) is known only at a call: a module written "
            "from the file alone cannot hold its gradient",
            source.place(node),
            hint="use symback.grad in memory (code made for each structure of tree it is "
            "called with, shown by .source), or give each array its own parameter",
        )


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
                    source.place(fdef),
                    hint=f"use an index from 0 to {len(names) - 1}, or a parameter name",
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


def _local_names(fdef: ast.FunctionDef) -> set[str]:
    """Names the generated function binds besides its helpers: the user's, and the
    function's own name (its returned value may be named after it)."""
    return bound_names(fdef) | {fdef.name}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _short_name(filename: str) -> str:
    """The file's base name: generated text must not depend on where it was generated."""
    return os.path.basename(filename)
