"""The backward walk: each statement sends `upstream * local derivative` to its operands.

Walking the SSA statements from last to first, a value's adjoint is complete once its own
statement is reached (every use comes after the definition), so it is emitted there as one
sum of the terms its uses sent back. Terms whose operand may have been broadcast are summed
back to the operand's shape (`_unbroadcast`); terms from reductions are spread back over it.
"""

from __future__ import annotations

import ast
import linecache
import math
import re
from dataclasses import dataclass

import numpy

from .. import ir
from ..backend.helpers import HELPERS
from ..backend.printer import is_number, print_code
from ..errors import Place, SymbackError
from ..rules.arrays import PRIMITIVES_BY_OP, UNSUPPORTED, Context
from .control import ControlAdjoints
from .derivatives import local_adjoint
from .naming import Namer
from .writes import WriteAdjoints, WriteLog

SEED = "1.0"

# Functions and constants that `math` spells as NumPy does (math.exp, np.exp, ...).
SAME_IN_MATH = frozenset(
    {"exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "pi", "e"}
)
_NUMPY_CALL = re.compile(r"\{np\}\.(\w+)")


@dataclass(frozen=True)
class Term:
    """One term of an adjoint sum, as printed."""

    text: str
    uses: frozenset[str]
    is_sum: bool = False
    wrap: str = ""  # "", "unbroadcast" (sum back to the operand's shape), "spread" (broadcast)
    scatter: tuple[str, str, str | None] | None = None  # see rules.arrays.Contribution
    mutable: bool = False  # a written array's adjoint, which only this term holds (writes.py)

    @property
    def bare(self) -> bool:
        """A name or a number: as cheap to repeat as to bind to a name."""
        return not self.wrap and (self.text.isidentifier() or is_number(self.text))


SEED_TERM = Term(SEED, frozenset())  # the output's adjoint: d output / d output = 1


def forward_lines(stmts, stacks: dict[int, str], writes: WriteLog | None = None) -> list:
    """The forward pass as generated code: the user's statements, branches and loops as
    blocks; a loop whose backward pass needs them saves its carried values in `stacks`;
    element writes log what they overwrite (adjoint/writes.py)."""
    out: list = []
    for s in stmts:
        if writes is not None:
            out += writes.before_statement(s)
        if isinstance(s, ir.If):
            then = forward_lines(s.then, stacks, writes)
            orelse = forward_lines(s.orelse, stacks, writes)
            out.append(ir.Block(f"if {s.cond}", tuple(then), tuple(orelse), s.line))
        elif isinstance(s, ir.Loop):
            out += loop_lines(s, stacks, writes)
        elif isinstance(s, ir.Write):
            out += writes.forward(s)
        else:
            out.append(ir.Line(s.target, print_code(s.code), frozenset(s.operands), s.line))
    return out


def loop_lines(loop: ir.Loop, stacks: dict[int, str], writes: WriteLog | None = None) -> list:
    out: list = [ir.Line(e, b, frozenset({b}), loop.line) for b, e, _ in loop.carried if b != e]
    body = forward_lines(loop.body, stacks, writes)
    body += [ir.Line(e, end, frozenset({end}), loop.line) for _, e, end in loop.carried if e != end]
    stack = stacks.get(id(loop))
    if stack is not None:
        out.append(ir.Line(stack, "[]", frozenset(), loop.line))
        entries = [e for _, e, _ in loop.carried]
        saved = entries[0] if len(entries) == 1 else f"({', '.join(entries)})"
        uses = frozenset(entries) | {stack}
        body.insert(0, ir.Line(stack, f"{stack}.append({saved})", uses, statement=True))
    if writes is not None:
        before, start = writes.loop_lines(loop)
        out += before
        body[:0] = start
    out.append(ir.Block(loop_header(loop), tuple(body), (), loop.line))
    return out


def loop_header(loop: ir.Loop, backward: bool = False, stack: str = "") -> str:
    if loop.kind == "while":
        return f"for _ in range(len({stack}))" if backward else f"while {print_code(loop.header)}"
    header = print_code(loop.header)
    return f"for {loop.index} in {f'reversed({header})' if backward else header}"


def active_names(stmts, active: set[str]) -> set[str]:
    """Add to `active` the names whose value depends differentiably on it."""
    for s in stmts:
        if isinstance(s, ir.If):
            active_names(s.then, active)
            active_names(s.orelse, active)
            active.update(m for m, a, b in s.outputs if a in active or b in active)
        elif isinstance(s, ir.Loop):
            while True:  # to a fixed point: an iteration's result feeds the next one
                size = len(active)
                active.update(e for b, e, end in s.carried if b in active or end in active)
                active_names(s.body, active)
                if len(active) == size:
                    break
        elif not isinstance(s, ir.Opaque) and any(o in active for o in s.operands):
            active.add(s.target)
    return active


def every_statement(stmts):
    """Every statement, those inside branches and loops too, each compound one first."""
    for s in stmts:
        yield s
        if isinstance(s, ir.If):
            yield from every_statement(s.then + s.orelse)
        elif isinstance(s, ir.Loop):
            yield from every_statement(s.body)


def all_targets(stmts) -> set[str]:
    out: set[str] = set()
    for s in every_statement(stmts):
        if isinstance(s, ir.If):
            out |= set(s.targets)
        elif isinstance(s, ir.Loop):
            out |= set(s.targets) | ({s.index} - {None})
        else:
            out.add(s.target)
    return out


class _Backward(ControlAdjoints, WriteAdjoints):
    def __init__(self, fn: ir.Function, wrt: tuple[str, ...], names: dict[str, str]):
        self.fn = fn
        self.wrt = wrt
        self.names = names  # np, math, unbroadcast
        self.namer = Namer(set(fn.user_names) | all_targets(fn.body) | set(names.values()))
        self.active = active_names(fn.body, set(wrt))
        # Each loop that computes something active saves its carried values, one stack each.
        self.stacks = {
            id(loop): self.namer.fresh("saved")
            for loop in every_statement(fn.body)
            if isinstance(loop, ir.Loop)
            and loop.carried
            and any(e in self.active for e in loop.targets)
        }
        self.terms: dict[str, list[Term]] = {fn.output: [SEED_TERM]}
        self.views: set[str] = set()  # adjoints that are read-only broadcast views
        self.lines: list[ir.Line] = []
        # helpers the forward code itself calls (when it is generated code, for Hessians)
        self.helpers: set[str] = {
            s.op
            for s in every_statement(fn.body)
            if isinstance(s, ir.Primitive) and s.op in HELPERS
        }
        self.returned: set[str] = set()  # adjoint names already handed out as a gradient
        self.setup_writes(fn.body)

    def run(self) -> ir.GradientProgram:
        self.walk(self.fn.body)
        gradients = tuple(self.parameter(p) for p in self.wrt)
        return ir.GradientProgram(
            self.fn,
            self.wrt,
            tuple(self.forward_start() + forward_lines(self.fn.body, self.stacks, self.writes)),
            tuple(self.lines),
            gradients,
            frozenset(self.helpers),
        )

    # -- one statement ---------------------------------------------------------------------

    def walk(self, stmts) -> None:
        """The backward pass of `stmts`, last statement first."""
        for stmt in reversed(stmts):
            lines_before = len(self.lines)
            if isinstance(stmt, (ir.If, ir.Loop)) and self.writes is not None:
                self.settle(stmt)  # its writes are undone: what reads the arrays comes first
            if isinstance(stmt, ir.If):
                self.branches(stmt)
                self.undo_if_skipped(stmt, lines_before)
            elif isinstance(stmt, ir.Loop):
                self.loop(stmt)
                self.undo_if_skipped(stmt, lines_before)
            elif isinstance(stmt, ir.Write):
                self.write(stmt)
            elif stmt.target in self.active and stmt.target in self.terms:
                if not (stmt.target in self.buffers and self.leaves_lineage(stmt)):
                    self.statement(stmt)

    def statement(self, stmt: ir.Statement) -> None:
        upstream = self.close(stmt.target, self.terms.pop(stmt.target), stmt.line)
        if isinstance(stmt, ir.Elementwise):
            # Adjoints have their value's shape, so a number adjoint means a scalar value,
            # whose operands are scalars too: nothing was broadcast there.
            broadcasts = len(stmt.operands) > 1 and not is_number(upstream)
            self.elementwise(stmt, upstream, broadcasts)
        elif isinstance(stmt, ir.Primitive):
            self.primitive(stmt, upstream)

    def elementwise(self, stmt: ir.Elementwise, upstream: str, broadcasts: bool) -> None:
        active = tuple(o in self.active for o in stmt.operands)
        seeded = is_number(upstream) and float(upstream) == 1.0
        boolean = tuple(o in self.fn.boolean for o in stmt.operands)
        local = local_adjoint(stmt.expr, active, seeded, boolean)
        fields = {f"a{i}": name for i, name in enumerate(stmt.operands)}
        fields.update(v=stmt.target, bar=upstream, np=self.names["np"], math=self.names["math"])
        scalar = self.calls_math(stmt)
        for field_name, text, reads in local.temporaries:
            fields[field_name] = self.namer.numbered("t")
            rhs = self.instantiate(text, fields, scalar)
            self.lines.append(ir.Line(fields[field_name], rhs, _uses(reads, fields), stmt.line))
        for c in local.contributions:
            operand = stmt.operands[c.operand]
            term = Term(
                self.instantiate(c.text, fields, scalar),
                _uses(c.fields, fields),
                c.is_sum,
                "unbroadcast" if broadcasts else "",  # operands of different shapes may have met
            )
            self.terms.setdefault(operand, []).append(term)

    def calls_math(self, stmt: ir.Elementwise) -> bool:
        """Does the statement call `math` functions (so its values are Python floats)?"""
        math_name = self.names["math"]
        return any(
            isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name)
            and n.value.id == math_name
            for n in ast.walk(stmt.code)
        )

    def instantiate(self, template: str, fields: dict, scalar: bool) -> str:
        """A printed derivative for this statement. On Python floats, the `math` spelling of
        each function where it has one: a NumPy call on a float costs ~20x a `math` one."""
        if scalar and set(_NUMPY_CALL.findall(template)) <= SAME_IN_MATH:
            fields = dict(fields, np=self.names["math"])
        return template.format_map(fields)

    def primitive(self, stmt: ir.Primitive, upstream: str) -> None:
        if stmt.op == "custom":
            return self.custom(stmt, upstream)
        row = PRIMITIVES_BY_OP[stmt.op]
        params = dict(stmt.params)
        arrays = stmt.operands[: row.arrays or dict(stmt.params).get("count", len(stmt.operands))]
        context = Context(upstream, arrays, stmt.target, params, params.get("index", ""))
        for operand, contribution in zip(arrays, row.adjoint(context)):
            if contribution is None or operand not in self.active:
                continue
            if contribution is UNSUPPORTED:
                line = linecache.getline(self.fn.filename, stmt.line)
                column = len(line) - len(line.lstrip())
                raise SymbackError(
                    f"symback cannot yet differentiate `{stmt.op}` with respect to `{operand}`",
                    Place(self.fn.filename, stmt.line, column, line, len(line.rstrip())),
                    hint="docs/supported.md lists what is supported; for a second derivative "
                    "through a matrix product, differentiate with respect to the vector",
                )
            self.helpers.update(row.helpers)
            text = contribution.text.format_map(self.names)
            wrap = "spread" if contribution.spread else ""
            uses = _identifiers(text) | {operand}  # a spread term also reads its shape
            term = Term(text, uses, wrap=wrap, scatter=contribution.scatter)
            self.terms.setdefault(operand, []).append(term)

    def custom(self, stmt: ir.Primitive, upstream: str) -> None:
        """A defgrad function: its i-th adjoint, called with the upstream and the arguments."""
        args = ", ".join(stmt.operands)
        for operand, adjoint in zip(stmt.operands, dict(stmt.params)["adjoints"]):
            if operand in self.active:
                text = f"{adjoint}({upstream}, {args})"
                uses = frozenset(stmt.operands) | {upstream, adjoint}
                term = Term(text, uses, wrap="unbroadcast")
                self.terms.setdefault(operand, []).append(term)

    # -- sums of terms ---------------------------------------------------------------------

    def close(self, value: str, terms: list[Term], line: int | None) -> str:
        """Emit `d_value = sum of terms` (or reuse a bare name) and return the adjoint's name."""
        if len(terms) == 1 and terms[0].bare:
            return terms[0].text
        name = self.namer.adjoint(value)
        if len(terms) == 1 and terms[0].wrap == "spread":
            self.views.add(name)
        self.lines.append(ir.Line(name, self.sum_text(value, terms), _union(terms), line))
        return name

    def sum_text(self, value: str, terms: list[Term], owned: bool = False) -> str:
        parts = []
        for t in terms:
            text = t.text
            if t.wrap == "unbroadcast":
                self.helpers.add("unbroadcast")
                text = f"{self.names['unbroadcast']}({text}, {value})"
            elif t.wrap == "spread":
                how = "full" if owned and len(terms) == 1 else "broadcast_to"
                np = self.names["np"]
                text = (
                    f"{np}.{how}({np}.shape({value}), {text})"
                    if how == "full"
                    else (f"{np}.broadcast_to({text}, {np}.shape({value}))")
                )
            elif t.is_sum and len(terms) > 1:
                text = f"({text})"
            parts.append(text)
        out = parts[0]
        for p in parts[1:]:
            out += f" - {p[1:]}" if p.startswith("-") else f" + {p}"
        return out

    def parameter(self, p: str) -> str:
        """Emit the gradient of wrt parameter p: a fresh array (or float) the caller owns."""
        np = self.names["np"]
        terms = self.terms.pop(p, [])
        name = self.namer.adjoint(p)
        if not terms:
            self.lines.append(ir.Line(name, f"{np}.zeros_like({p}, dtype=float)", frozenset({p})))
            return name
        text = self.sum_text(p, terms, owned=True)
        if len(terms) == 1 and not terms[0].wrap and not terms[0].uses:
            text = _constant(text, self.names)
        elif len(terms) == 1 and self._shared(terms[0]):
            text = f"{np}.copy({text})"
        self.lines.append(ir.Line(name, text, _union(terms) | {p}))
        return name

    def _shared(self, term: Term) -> bool:
        """Would returning this term hand out an array someone else also holds?"""
        if term.wrap == "spread":
            return False  # printed as np.full: fresh
        if not (term.bare or term.wrap == "unbroadcast" and term.text.isidentifier()):
            return False
        if term.text in self.views or term.text in self.returned:
            return True
        self.returned.add(term.text)
        return False


def _constant(text: str, names: dict[str, str]) -> str:
    """A gradient that is a number: printed as a float literal."""
    modules = {names["np"]: numpy, names["math"]: math}
    value = eval(text, {"__builtins__": {}, **modules})  # our own printed arithmetic
    return repr(float(value))


def _identifiers(text: str) -> frozenset[str]:
    """The names a printed expression reads (a superset is harmless: it only keeps values)."""
    return frozenset(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))


def _uses(reads: frozenset[str], fields: dict[str, str]) -> frozenset[str]:
    return frozenset(fields[f] for f in reads if f in fields and fields[f].isidentifier())


def _union(terms: list[Term]) -> frozenset[str]:
    out: frozenset[str] = frozenset()
    for t in terms:
        out |= t.uses
    return out


def reverse(fn: ir.Function, wrt: tuple[str, ...], names: dict[str, str]) -> ir.GradientProgram:
    """The gradient program of `fn` with respect to the parameters `wrt`."""
    return _Backward(fn, wrt, names).run()
