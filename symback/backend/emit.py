"""Module text: gradient programs laid out as black-style Python functions."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from .. import __version__, code, ir, naming
from ..errors import SymbackInternalError
from ..naming import BUILTIN_NAMES
from ..ops.arrays import PRIMITIVES_BY_OP
from .array_api import NotStandard, Translator
from .helpers import HELPERS, XP_HELPERS, with_dependencies
from .load import parsed
from .printer import identifier, print_code, print_docstring, print_statement

INDENT = "    "


@dataclass(frozen=True)
class Spec:
    """What one generated function returns: the gradient alone, or the value too."""

    name: str  # the generated function's name
    program: code.GradientProgram
    value_too: bool = False
    single: bool = True  # one wrt parameter given as a name or index, not a tuple
    # A specialised function (symback/specialise.py): statements run first (the test of the
    # arguments' types and shapes), the statement that hands a call to the general code,
    # and whether the output is known to be a scalar.
    guard: tuple[str, ...] = ()
    handoff: str = ""
    scalar_known: bool = False
    # ... and, where it calls `math` in place of NumPy on floats, whether the handoff to the
    # general code also runs when `math` or float division raises where NumPy gives
    # inf or nan
    retry: bool = False
    probe: bool = False  # only the forward pass, returning every value it computed
    # the array-API target (backend/array_api.py): the standard's functions, not NumPy's
    array_api: bool = False


def function_text(spec: Spec, names: dict[str, str], called: set[str] | None = None) -> str:
    """One generated function; the names its lines read are added to `called`."""
    called = set() if called is None else called
    program = spec.program
    fn = program.function
    np = names["np"]
    gradients = program.gradients
    value = fn.output
    inner = (
        gradients[0]
        if spec.single
        else f"({', '.join(gradients)}{',' if len(gradients) == 1 else ''})"
    )
    aux = None if fn.aux is None else print_code(fn.aux)
    if aux is not None and isinstance(fn.aux, ast.Tuple):
        aux = f"({aux})"
    if spec.value_too:
        result = f"({value}, {aux}), {inner}" if aux else f"{value}, {inner}"
    elif aux:
        result = f"{inner}, {aux}"
    else:
        result = inner[1:-1] if inner.startswith("(") and len(gradients) > 1 else inner

    if spec.probe:
        rows = [f"def {identifier(spec.name)}({_signature(fn.params)}):"]
        body = _render(program.forward, 1, called)
        called.add(names["locals"])
        return "\n".join(rows + body + [f"{INDENT}return {names['locals']}()"]) + "\n"
    checked = _checked(spec)
    forward, backward = program.forward, program.backward
    holders = {name for name, _ in fn.holders}
    translate = Translator(names, holders).translate if spec.array_api else None
    # the shape readers: NumPy's, or the array-API helpers
    ndim, shape = (names["ndim"], names["shape"]) if translate else (f"{np}.ndim", f"{np}.shape")

    wrt = ", ".join(map(identifier, program.wrt))
    what = "Value and gradient" if spec.value_too else "Gradient"
    rows = [
        f"def {identifier(spec.name)}({_signature(fn.params)}):",
        INDENT + print_docstring(f"{what} of `{identifier(fn.name)}` with respect to {wrt}."),
    ]
    rows += [INDENT + row for row in spec.guard]
    if translate:  # the arrays' namespace, from every argument, and NumPy arrays put in it
        params = ", ".join(identifier(p.name) for p in fn.params)
        rows.append(f"{INDENT}{names['xp']} = {names['namespace']}({params})")
        called.add(names["namespace"])
        if len(fn.params) > 1:
            rows.append(f"{INDENT}{params} = {names['constant']}({names['xp']}, ({params}))")
            called.add(names["constant"])
    start = len(rows)
    rows += _render(forward, 1, called, translate)
    if checked and spec.guard:  # the general code raises the error the API reports
        rows += [f"{INDENT}if {ndim}({value}) != 0:", f"{INDENT * 2}{spec.handoff}"]
    elif checked:
        called.update((names["ValueError"], ndim, shape) if translate else (names["ValueError"],))
        rows += [
            f"{INDENT}if {ndim}({value}) != 0:",
            f"{INDENT * 2}raise {names['ValueError']}(",
            f'{INDENT * 3}"symback: {fn.name} must return a scalar to be differentiated, "',
            f'{INDENT * 3}f"but it returned an array of shape {{{shape}({value})}}"',
            f"{INDENT * 2})",
        ]
    if _may_be_complex(fn, names):
        rows += _complex_check(spec, names, called)
    rows += _render(backward, 1, called, translate)
    rows.append(f"{INDENT}return {result}")
    if spec.retry:
        tried = [INDENT + row for row in rows[start:]]
        caught = [names[e] for e in ("OverflowError", "ValueError", "ZeroDivisionError")]
        called.update(caught)
        handler = f"{INDENT}except ({', '.join(caught)}):  # NumPy: inf, nan"
        rows[start:] = [f"{INDENT}try:", *tried, handler, f"{INDENT * 2}{spec.handoff}"]
    return "\n".join(rows) + "\n"


def module_text(
    specs: list[Spec], names: dict[str, str], source_name: str, uses_math: bool, source_digest: str
) -> str:
    """The whole module: header, imports, helpers, one function per spec."""
    functions = ", ".join(identifier(s.program.function.name) for s in specs)
    # (a file name is the user's text: shown as its repr where it is not plain printable text)
    shown = source_name if source_name.isprintable() else repr(source_name)
    about = [
        f"Gradients of {functions}, from {shown}.",
        "",
        f"Generated by symback {__version__}. Do not edit: regenerate instead.",
        f"Source sha256: {source_digest}",
    ]
    custom = sorted({name for s in specs for name, _ in s.program.function.custom})
    if custom:  # defgrad functions: not defined here, so the module does not stand alone
        about += [
            "",
            f"Calls {', '.join(map(identifier, custom))}, registered with symback.defgrad.",
        ]
    holders = dict(h for s in specs for h in s.program.function.holders)
    live = sorted(name for name, h in holders.items() if not isinstance(h, ir.ModuleRef))
    if live:  # constants read at call time from where the function is (a closure, __main__)
        about += [
            "",
            f"Reads constants from {', '.join(map(identifier, live))}, bound by symback when "
            "loaded.",
        ]
    docstring = "\n".join(about) + "\n"
    header = [print_docstring(docstring), ""]
    imports = [_import_line("numpy", names["np"])]
    if any(s.array_api for s in specs):  # (the array-API target reads no NumPy)
        imports = [_import_line("array_api_compat", names["array_api_compat"])]
    if uses_math:  # the standard library first, in a group of its own
        math_import = (
            f"import math as {names['math']}" if names["math"] != "math" else "import math"
        )
        imports[:0] = [math_import, ""]
    imported = sorted((h.name, name) for name, h in holders.items() if isinstance(h, ir.ModuleRef))
    if imported:  # the user's own module last, in a group of its own (read at call time)
        imports += [""] + [_import_line(module, name) for module, name in imported]
    # Only the helpers a line that is still there calls (dead-code removal and the
    # specialised forms of scatters leave some unused).
    called: set[str] = set()
    functions = [function_text(s, names, called) for s in specs]
    if names["special"] in called:  # scipy.special, only where the user's function calls it
        numpy_line = next(i for i, line in enumerate(imports) if "numpy" in line)
        imports.insert(numpy_line + 1, f"import scipy.special as {names['special']}")
    aliases = naming.aliases(names, called)  # builtins the user's names hide in the functions
    parts = ["\n".join(header + imports + ([""] + aliases if aliases else [])) + "\n"]
    table = HELPERS
    used = {h for s in specs for h in s.program.helpers if names[h] in called}
    if any(s.array_api for s in specs):
        table = XP_HELPERS
        used = {h for h in table if names[h] in called}
    helpers = [names[h] for h in with_dependencies(used, table)]
    parts += [table[h].printed(names) for h in with_dependencies(used, table)]
    parts += functions
    text = "\n\n".join(parts)
    modules = {"numpy", "math", "scipy.special", "array_api_compat"}
    modules |= {module for module, _ in imported}
    return checked_module(text, docstring, helpers + [s.name for s in specs], modules)


def checked_module(text: str, docstring: str, functions: list[str], modules: set[str]) -> str:
    """`text`, once its tree is seen to hold only what symback writes: the docstring meant,
    imports of `modules`, aliases of builtins, and the functions meant, in order. (The
    user's text enters only as checked names and escaped strings; this is the proof.)"""
    body = parsed(text).body
    found = ast.get_docstring(ast.Module(body=body, type_ignores=[]), clean=False)
    defs = [node.name for node in body if isinstance(node, ast.FunctionDef)]
    others = [node for node in body[1:] if not isinstance(node, ast.FunctionDef)]
    if found != docstring or defs != functions or not all(_allowed(n, modules) for n in others):
        raise SymbackInternalError("the generated module holds more than symback wrote")
    return text


def _allowed(node: ast.stmt, modules: set[str]) -> bool:
    """An import of one of `modules`, or `alias = builtin`."""
    if isinstance(node, ast.Import):
        return all(alias.name in modules for alias in node.names)
    return (
        isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Name)
        and node.value.id in BUILTIN_NAMES
        and all(isinstance(t, ast.Name) for t in node.targets)
    )


def _import_line(module: str, name: str) -> str:
    """`import model`, `import pkg.model as model`: the name is checked to be a module's
    dotted name (frontend/static.py), never the user's text as it was written."""
    for part in [*module.split("."), name]:
        identifier(part)
    return f"import {module}" if module == name else f"import {module} as {name}"


def returned(spec: Spec, names: dict[str, str]) -> set[str]:
    """The names the function returns or checks: the gradients, the value where it is
    returned or checked (to be a scalar, not to be complex), and the auxiliary value's names."""
    fn = spec.program.function
    checked = _checked(spec) or _may_be_complex(fn, names)
    value = {fn.output} if spec.value_too or checked else set()
    return set(spec.program.gradients) | value | (ir.names_in(fn.aux) if fn.aux else set())


def _complex_check(spec: Spec, names: dict[str, str], called: set[str]) -> list[str]:
    """Rows refusing a complex value: the general code raises (the API makes it a
    SymbackError), a specialised one hands the call to it."""
    fn = spec.program.function
    read = [names[n] for n in ("complex", "ValueError")]
    called.update(read)
    test = f"{INDENT}if {fn.output}.__class__ is {read[0]}:"  # (Python's `**` makes one)
    if spec.guard:
        return [test, f"{INDENT * 2}{spec.handoff}"]
    message = f'f"symback: {fn.name} returned a complex number, {{{fn.output}!r}}"'
    row = f"{INDENT * 2}raise {read[1]}({message})"
    if len(row) <= 100:  # (as black writes it)
        return [test, row]
    return [test, f"{INDENT * 2}raise {read[1]}(", f"{INDENT * 3}{message}", f"{INDENT * 2})"]


def _may_be_complex(fn: ir.Function, names: dict[str, str]) -> bool:
    """Can the value be a complex number? On Python floats `x ** y` is one where x < 0 and
    y is not a whole number (np.power gives nan there)."""
    for s in ir.every_statement(fn.body):
        for node in ast.walk(getattr(s, "code", None) or ast.Constant(0)):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
                base, exponent = node.left, node.right
            elif _calls(node, names["pow"]) and len(node.args) == 2:
                base, exponent = node.args
            else:
                continue
            if not (
                _whole_number(exponent) or code.is_number(base) and code.number_value(base) > 0
            ):
                return True
    return False


def _calls(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name


def _whole_number(node: ast.expr) -> bool:
    return code.is_number(node) and float(code.number_value(node)).is_integer()


def _checked(spec: Spec) -> bool:
    """Does the function check that the value is a scalar (not known to be one)?"""
    return not (spec.scalar_known or _scalar_by_construction(spec.program.function))


def _scalar_by_construction(fn: ir.Function) -> bool:
    """Is the output a whole-array reduction, so that no check of its shape is needed?"""
    last = next((s for s in fn.body if getattr(s, "target", None) == fn.output), None)
    return (
        isinstance(last, ir.Primitive)
        and last.op in PRIMITIVES_BY_OP
        and PRIMITIVES_BY_OP[last.op].scalar
        and dict(last.params).get("axis") is None
    )


def _render(lines, depth: int, called: set[str], translate=None) -> list[str]:
    """Lines and blocks as indented source rows; the names they read go into `called`.
    `translate`: each tree rewritten for the array-API target first (its NotStandard
    given the line)."""
    pad = INDENT * depth
    rows: list[str] = []
    for line in lines:
        comment = f"  # line {line.line}" if line.line is not None else ""
        try:
            if isinstance(line, code.Block):
                called |= line.head_reads
                for name in line.head_reads:
                    identifier(name)
                rows.append(f"{pad}{header(line, translate, called)}:{comment}")
                body = _render(line.body, depth + 1, called, translate)
                rows += body or [f"{pad}{INDENT}pass"]
                if line.orelse:
                    rows.append(f"{pad}else:")
                    rows += _render(line.orelse, depth + 1, called, translate)
            else:
                called |= line.reads
                for name in line.reads | line.targets:  # (the user's names: checked)
                    identifier(name)
                node = line.node if translate is None else translate(line.node)
                if translate is not None:
                    called |= code.names_in(node)
                rows.append(f"{pad}{print_statement(node)}{comment}")
        except NotStandard as found:
            if found.line is None:
                found.line = line.line
            raise
    return rows


def header(block: code.Block, translate=None, called: set[str] | None = None) -> str:
    """A block's first row, without the colon (the names a translated head reads go into
    `called`)."""

    def tree(node: ast.expr) -> ast.expr:
        if translate is None:
            return node
        node = translate(node)
        if called is not None:
            called.update(code.names_in(node))
        return node

    if isinstance(block, code.If):
        return f"if {print_code(tree(block.test))}"
    if isinstance(block, code.While):
        return f"while {print_code(tree(block.test))}"
    return f"for {print_code(block.index)} in {print_code(tree(block.iter))}"


def _signature(params: tuple[ir.Parameter, ...]) -> str:
    parts = []
    star = False
    for p in params:
        if p.kind == "keyword_only" and not star:
            parts.append("*")
            star = True
        name = identifier(p.name)
        parts.append(name if p.default is None else f"{name}={print_code(p.default)}")
    return ", ".join(parts)
