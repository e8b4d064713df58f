"""The backward walk: each statement sends `upstream * local derivative` to its operands.

Walking the SSA statements from last to first, a value's adjoint is complete once its own
statement is reached (every use comes after the definition), so it is emitted there as one
sum of the terms its uses sent back. Terms whose operand may have been broadcast are summed
back to the operand's shape (`_unbroadcast`); terms from reductions are spread back over it.
"""

from __future__ import annotations

import ast
import copy
import linecache
import math
import re
from dataclasses import dataclass

import numpy

from .. import ir
from ..backend.helpers import HELPERS
from ..backend.printer import is_number, print_code, print_index
from ..errors import Place, SymbackError
from ..naming import Namer
from ..optimize.shifts import shift_free
from ..ops.arrays import PRIMITIVES_BY_OP, UNSUPPORTED, Context
from ..ops.elementwise import BUILTIN_SPELLING as BUILTINS
from ..ops.elementwise import MATH_SPELLING
from .control import ControlAdjoints
from .derivatives import local_adjoint
from .known import KnownShapes, joined, union
from .shapes import Shape, kept_dims, scalars_first, sum_to
from .stacks import StackAdjoints, Tapes
from .writes import WriteAdjoints, WriteLog

SEED = "1.0"

_NUMPY_CALL = re.compile(r"\{np\}\.(\w+)")


@dataclass(frozen=True)
class Term:
    """One term of an adjoint sum, as printed."""

    text: str
    uses: frozenset[str]
    is_sum: bool = False
    wrap: str = ""  # "", "unbroadcast" (sum back to the operand's shape), "spread" (broadcast)
    scatter: tuple[str, str, str | None] | None = None  # see ops.arrays.Contribution
    actual: Shape | None = None  # specialised: the shape it is held at (None: its operand's)
    outer: tuple[str, str] | None = None  # see ops.arrays.Contribution
    mutable: bool = False  # a written array's adjoint, which only this term holds (writes.py)
    view: bool = False  # may be a view of another array (see ops.arrays.Contribution)

    @property
    def bare(self) -> bool:
        """A name or a number: as cheap to repeat as to bind to a name."""
        return not self.wrap and (self.text.isidentifier() or is_number(self.text))


SEED_TERM = Term(SEED, frozenset())  # the output's adjoint: d output / d output = 1


def forward_lines(
    stmts,
    stacks: dict[int, dict],
    kept: dict | None = None,
    writes: WriteLog | None = None,
    tapes: Tapes | None = None,
) -> list:
    """The forward pass as generated code: the user's statements, branches and loops as
    blocks; a loop whose backward pass needs them saves its carried values in `stacks`;
    a statement's inner calls that its adjoint reads (`kept`) are computed first, once;
    element writes log what they overwrite (adjoint/writes.py); pushes and pops print as
    `tapes` says (adjoint/stacks.py)."""
    kept = kept or {}
    out: list = []
    for s in stmts:
        if writes is not None:
            out += writes.before_statement(s)
        if isinstance(s, ir.If):
            then = forward_lines(s.then, stacks, kept, writes, tapes)
            orelse = forward_lines(s.orelse, stacks, kept, writes, tapes)
            out.append(ir.Block(f"if {s.cond}", tuple(then), tuple(orelse), s.line))
        elif isinstance(s, ir.Loop):
            out += loop_lines(s, stacks, kept, writes, tapes)
        elif isinstance(s, ir.Write):
            out += writes.forward(s)
        elif isinstance(s, (ir.Push, ir.Pop)):
            out += tapes.forward(s)
        else:
            code, names = s.code, frozenset(s.operands)
            named: list = []  # (name, the call as written); inner calls come first
            for name, call, here in kept.get(id(s), ()):
                written = call
                for earlier, inner in named:
                    written = _ReplaceNode(inner, earlier).visit(copy.deepcopy(written))
                if here:  # (else an earlier statement of the block computed it)
                    reads = frozenset(ir.names_in(written))
                    out.append(ir.Line(name, print_code(written), reads, s.line))
                code = _ReplaceNode(written, name).visit(copy.deepcopy(code))
                names |= {name}
                named.append((name, call))
            out.append(ir.Line(s.target, print_code(code), names, s.line))
    return out


class _ReplaceNode(ast.NodeTransformer):
    """Replaces each subtree equal to `node` by the name `name`."""

    def __init__(self, node: ast.expr, name: str):
        self.target, self.name = ast.dump(node), name

    def visit(self, sub):
        if isinstance(sub, ast.expr) and ast.dump(sub) == self.target:
            return ast.Name(self.name, ast.Load())
        return self.generic_visit(sub)


def loop_lines(
    loop: ir.Loop,
    stacks: dict[int, dict],
    kept: dict | None = None,
    writes: WriteLog | None = None,
    tapes: Tapes | None = None,
) -> list:
    out: list = [ir.Line(e, b, frozenset({b}), loop.line) for b, e, _ in loop.carried if b != e]
    body = forward_lines(loop.body, stacks, kept, writes, tapes)
    body += [ir.Line(e, end, frozenset({end}), loop.line) for _, e, end in loop.carried if e != end]
    # One stack per carried value, each a plain list pushed and popped: code symback itself
    # differentiates again (a second derivative), as it does a user's stack.
    saving = stacks.get(id(loop), {})
    for position, (entry, stack) in enumerate(saving.items()):
        out.append(ir.Line(stack, "[]", frozenset(), loop.line))
        uses = frozenset({entry, stack})
        body.insert(position, ir.Line(stack, f"{stack}.append({entry})", uses, statement=True))
    if loop.exit is not None:  # `break`: after the carried values are updated
        leave = ir.Line("", "break", frozenset(), statement=True)
        body.append(ir.Block(f"if {loop.exit}", (leave,), (), loop.line))
    if writes is not None:
        before, start = writes.loop_lines(loop)
        out += before
        body[:0] = start
    out.append(ir.Block(loop_header(loop), tuple(body), (), loop.line))
    return out


def loop_header(loop: ir.Loop, backward: bool = False, count: str = "") -> str:
    """The loop's `for`/`while` line; backward, over the iterations that ran (`count`, bound
    before the loop, when the trip count is only known from what the forward loop saved)."""
    if loop.kind == "while":
        return f"for _ in range({count})" if backward else f"while {print_code(loop.header)}"
    header = print_code(loop.header)
    if backward and loop.exit is not None:
        return f"for {loop.index} in reversed({header}[:{count}])"
    return f"for {loop.index} in {f'reversed({header})' if backward else header}"


def counted(loop: ir.Loop) -> bool:
    """Is the loop's trip count known only from what its forward run saved?"""
    return loop.kind == "while" or loop.exit is not None


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


def all_targets(stmts) -> set[str]:
    out: set[str] = set()
    for s in ir.every_statement(stmts):
        if isinstance(s, ir.If):
            out |= set(s.targets)
        elif isinstance(s, ir.Loop):
            out |= set(s.targets) | ({s.index} - {None})
        else:
            out.add(s.target)
    return out


class _Backward(ControlAdjoints, WriteAdjoints, StackAdjoints, KnownShapes):
    def __init__(
        self,
        fn: ir.Function,
        wrt: tuple[str, ...],
        names: dict[str, str],
        shapes: dict[str, Shape] | None = None,
        float64: bool = False,
        fresh: frozenset[str] = frozenset(),
        floating: frozenset[str] = frozenset(),
    ):
        self.fn = fn
        self.floating = floating  # specialised: the values known to be floats or float arrays
        self.fresh = fresh  # values whose adjoints must not read them (nothing else does)
        self.float64 = float64  # specialised: every floating value is float64 (gradients too)
        # Specialised: the shapes of top-level values, from a first call (specialise.py).
        self.shapes = shapes
        self.held: dict[str, Shape] = {}  # adjoints held smaller than their value's shape
        # id(statement) -> the inner calls it reads by name: (name, call, computed here)
        self.kept: dict[int, list] = {}
        # (id(block), call) -> (its name, the statement computing it): a later statement of
        # the block walked first hands the call over to an earlier one that also reads it
        self.kept_in_block: dict[tuple, tuple] = {}
        self.block_id = id(fn.body)
        self.depth = 0  # inside how many branches or loops the walk is
        self.wrt = wrt
        self.names = names  # np, math, unbroadcast
        self.namer = Namer(set(fn.user_names) | all_targets(fn.body) | set(names.values()))
        # (less the stability shifts the output does not depend on: softmax's max)
        self.active = active_names(fn.body, set(wrt)) - shift_free(fn)
        self.setup_stacks(fn.body)  # the lists the function itself uses as stacks
        # Each loop that computes something active saves its carried values: loop -> carried
        # value -> the stack it is saved on.
        self.stacks = {
            id(loop): {e: self.namer.fresh(f"saved_{e}") for e in loop.targets}
            for loop in ir.every_statement(fn.body)
            if isinstance(loop, ir.Loop)
            and (any(e in self.active for e in loop.targets) or self.touches_stacks(loop))
        }
        self.terms: dict[str, list[Term]] = {fn.output: [SEED_TERM]}
        self.views: set[str] = set()  # adjoints that are views (read-only broadcast ones too)
        self.lines: list[ir.Line] = []
        # helpers the forward code itself calls (when it is generated code, for Hessians)
        self.helpers: set[str] = {
            s.op
            for s in ir.every_statement(fn.body)
            if isinstance(s, ir.Primitive) and s.op in HELPERS
        }
        called = set().union(
            *(ir.names_in(s.code) for s in ir.every_statement(fn.body) if hasattr(s, "code"))
        )
        self.helpers |= {key for key in HELPERS if names.get(key) in called}
        self.returned: set[str] = set()  # adjoint names already handed out as a gradient
        self.setup_writes(fn.body)
        if self.shapes is not None:  # a written array's adjoint is updated in place: whole
            self.shapes = {k: v for k, v in self.shapes.items() if k not in self.buffers}

    def run(self) -> ir.GradientProgram:
        self.walk(self.fn.body)
        gradients = tuple(self.parameter(p) for p in self.wrt)
        return ir.GradientProgram(
            self.fn,
            self.wrt,
            tuple(
                self.forward_start()
                + self.stack_start()
                + forward_lines(self.fn.body, self.stacks, self.kept, self.writes, self.tapes)
            ),
            tuple(self.lines),
            gradients,
            frozenset(self.helpers),
        )

    # -- one statement ---------------------------------------------------------------------

    def walk(self, stmts) -> None:
        """The backward pass of `stmts`, last statement first."""
        outer, self.block_id = self.block_id, id(stmts)
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
            elif isinstance(stmt, ir.Pop):
                self.pop_adjoint(stmt)
            elif isinstance(stmt, ir.Push):
                self.push_adjoint(stmt)
            elif stmt.target in self.active and stmt.target in self.terms:
                if not (stmt.target in self.buffers and self.leaves_lineage(stmt)):
                    self.statement(stmt)
        self.block_id = outer

    def statement(self, stmt: ir.Statement) -> None:
        upstream = self.close(stmt.target, self.terms.pop(stmt.target), stmt.line)
        if not (isinstance(stmt, ir.Elementwise) and self.known(stmt)):
            upstream = self.full(upstream, stmt.target)  # what the general rules expect
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
        scalar = self.calls_math(stmt)
        # Inner sums and products are kept for the adjoint to read on numbers only: there
        # one costs as much to keep as to compute, where an array kept alive holds memory.
        numbers = scalar or self.known(stmt) and self.shapes[stmt.target] == ()
        calls = tuple(e if numbers or not (e.is_Add or e.is_Mul) else None for e, _ in stmt.calls)
        reuse = stmt.target not in self.fresh
        local = local_adjoint(stmt.expr, active, seeded, boolean, calls, reuse)
        fields = {f"a{i}": name for i, name in enumerate(stmt.operands)}
        fields.update(self.kept_calls(stmt, local))
        fields.update(v=stmt.target, bar=upstream, np=self.names["np"], math=self.names["math"])
        fields["exp_or_inf"] = self.names["exp_or_inf"]  # (the sigmoid's: printer._sigmoid)
        known = self.known(stmt)
        # every value the formulas read is floating: whole numbers printed as floats
        floating = known and {stmt.target, *stmt.operands} <= self.floating
        for field_name, text, reads in local.temporaries:
            fields[field_name] = self.namer.numbered("t")
            text = local.printed(text, scalar, floating)
            rhs = self.instantiate(text, fields, scalar)
            if known:
                self.held[fields[field_name]] = self.held_shape(_uses(reads, fields))
                rhs = scalars_first(rhs, self.is_scalar)
            self.lines.append(ir.Line(fields[field_name], rhs, _uses(reads, fields), stmt.line))
        for c in local.contributions:
            operand = stmt.operands[c.operand]
            template = local.printed(c.text, scalar, floating)
            text, uses = self.instantiate(template, fields, scalar), _uses(c.fields, fields)
            if known:  # sum back over exactly the axes broadcasting added, or none
                held = self.held_shape(uses)
                text = scalars_first(text, self.is_scalar)
                np = self.names["np"]
                shapes = self.shapes
                summed, held = sum_to(text, held, shapes[stmt.target], shapes[operand], np)
                term = Term(summed, uses, c.is_sum and summed == text, actual=held)
            else:  # operands of different shapes may have met
                term = Term(text, uses, c.is_sum, "unbroadcast" if broadcasts else "")
            self.terms.setdefault(operand, []).append(term)

    def kept_calls(self, stmt: ir.Elementwise, local) -> dict[str, str]:
        """Names for the inner calls the adjoint reads: the forward pass computes each once
        (forward_lines prints it before the statement, as the user wrote it)."""
        read = set().union(*(c.fields for c in local.contributions))
        read |= set().union(*(fields for _, _, fields in local.temporaries))
        out = {}
        for i, (_, code) in enumerate(stmt.calls):
            if f"c{i}" in read:
                written = code  # as forward_lines prints it: earlier kept values by name
                for earlier, inner, _ in self.kept.get(id(stmt), ()):
                    written = _ReplaceNode(inner, earlier).visit(copy.deepcopy(written))
                key = (self.block_id, ast.dump(code))
                later = self.kept_in_block.get(key)
                if later is not None:  # a later statement computes it: computed here instead
                    name, holder = later
                    self.kept[holder] = [
                        (n, c, here and n != name) for n, c, here in self.kept[holder]
                    ]
                else:
                    name = self._call_name(written)
                out[f"c{i}"] = name
                self.kept.setdefault(id(stmt), []).append((name, code, True))
                self.kept_in_block[key] = (name, id(stmt))
                if self.known(stmt):  # elementwise: its operands' shapes broadcast
                    reads = ir.names_in(code)
                    self.held[name] = self.held_shape(reads & set(stmt.operands))
        return out

    def _call_name(self, code: ast.expr) -> str:
        """`sin_t1` for `math.sin(t1)`, a numbered temporary for anything longer."""
        func, args = getattr(code, "func", None), getattr(code, "args", ())
        if isinstance(func, ast.Attribute) and len(args) == 1 and isinstance(args[0], ast.Name):
            return self.namer.fresh(f"{func.attr}_{args[0].id}")
        return self.namer.numbered("t")

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
        if scalar and set(_NUMPY_CALL.findall(template)) <= set(MATH_SPELLING) | set(BUILTINS):
            template = _NUMPY_CALL.sub(_math_spelling, template)
        if "{exp_or_inf}" in template:
            self.helpers.add("exp_or_inf")
        return template.format_map(fields)

    def primitive(self, stmt: ir.Primitive, upstream: str) -> None:
        if stmt.op == "custom":
            return self.custom(stmt, upstream)
        row = PRIMITIVES_BY_OP[stmt.op]
        params = printed_params(stmt.params)
        arrays = stmt.operands[: row.arrays or dict(stmt.params).get("count", len(stmt.operands))]
        shapes = tuple(self.shapes[a] for a in arrays) if self.known(stmt) else None
        context = Context(upstream, arrays, stmt.target, params, params.get("index", ""), shapes)
        for operand, contribution in zip(arrays, row.adjoint(context)):
            if contribution is None or operand not in self.active:
                continue
            if contribution is UNSUPPORTED:
                line = linecache.getline(self.fn.filename, stmt.line)
                column = len(line) - len(line.lstrip())
                raise SymbackError(
                    f"symback cannot yet differentiate `{stmt.op}` with respect to `{operand}`",
                    Place(self.fn.filename, stmt.line, column, line, len(line.rstrip())),
                    hint="docs/supported.md lists what is supported; write it with those "
                    "operations (np.prod over one axis at a time, for example)",
                )
            self.helpers.update(h for h in row.helpers if f"{{{h}}}" in contribution.text)
            text = contribution.text.format_map(self.names)
            wrap = "spread" if contribution.spread else ""
            uses = _identifiers(text) | {operand}  # a spread term also reads its shape
            held = None
            if wrap and row.spread_by_broadcasting and self.known(stmt):
                wrap, uses = "", _identifiers(text)  # held reduced: broadcasting spreads it
                axis = params.get("axis")
                reduced = axis is not None or params.get("keepdims")
                held = kept_dims(self.shapes[operand], axis) if reduced else ()
            term = Term(
                text,
                uses,
                wrap=wrap,
                scatter=contribution.scatter,
                actual=held,
                outer=contribution.outer,
                view=contribution.view,
            )
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
            text = terms[0].text
            if text.isidentifier() and self.shapes is not None and self.holding(text) is None:
                held = terms[0].actual
                held = self.shapes.get(value) if held is None else held
                if held is not None:
                    self.held[text] = held
            return text
        name = self.namer.adjoint(value)
        if len(terms) == 1 and (terms[0].wrap == "spread" or terms[0].view):
            self.views.add(name)  # (not to be handed out as it is)
        if not self.scattered(name, value, terms, line):
            wrapped = {value} if any(t.wrap for t in terms) else set()  # (read for its shape)
            text = self.sum_text(value, terms)
            self.lines.append(ir.Line(name, text, union(terms) | wrapped, line))
        held = self.held_terms(value, terms)
        held = self.shapes.get(value) if held is None and self.shapes is not None else held
        if held is not None:
            self.held[name] = held
        return name

    def sum_text(self, value: str, terms: list[Term], owned: bool = False) -> str:
        parts = []
        outers = [t.outer for t in terms if t.outer is not None]
        if len(outers) > 1:  # sum of a_k b_k^T: [a_1 ... a_K] @ [b_1 ... b_K]^T, one product
            # (np.array of equal-shaped vectors is np.stack's rows at a quarter of its
            # per-call cost, which is Python code; .T is a view, and matmul reads it as is)
            np = self.names["np"]
            columns = f"{np}.array([{', '.join(a for a, _ in outers)}]).T"
            parts.append(f"{columns} @ {np}.array([{', '.join(b for _, b in outers)}])")
            terms = [t for t in terms if t.outer is None]
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
        return joined(parts)

    def parameter(self, p: str) -> str:
        """Emit the gradient of wrt parameter p: a fresh array (or float) the caller owns."""
        np = self.names["np"]
        terms = self.terms.pop(p, [])
        name = self.namer.adjoint(p)
        if not terms:
            self.lines.append(ir.Line(name, self.zeros(p), frozenset({p})))
            return name
        if self.scattered(name, p, terms, None):
            return name
        text = self.sum_text(p, terms, owned=True)
        held, shape = self.held_terms(p, terms), (self.shapes or {}).get(p)
        if len(terms) == 1 and not terms[0].wrap and not terms[0].uses:
            text = _constant(text, self.names)
        if held is not None and held != shape:  # a fresh array of the parameter's shape
            text = f"{np}.full({shape!r}, {text})"
        elif len(terms) == 1 and terms[0].uses and self._shared(terms[0]):
            text = f"{np}.copy({text})"
        self.lines.append(ir.Line(name, text, union(terms) | {p}))
        return name

    def zeros(self, value: str) -> str:
        """A zero adjoint for `value`: a float array of zeros of its shape, of its own."""
        return f"{self.names['np']}.zeros_like({value}, dtype=float)"

    def _shared(self, term: Term) -> bool:
        """Would returning this term hand out an array someone else also holds?"""
        if term.wrap == "spread":
            return False  # printed as np.full: fresh
        if term.view:
            return True
        if not (term.bare or term.wrap == "unbroadcast" and term.text.isidentifier()):
            return False
        if term.text in self.views or term.text in self.returned:
            return True
        self.returned.add(term.text)
        return False


def _math_spelling(call: re.Match) -> str:
    """`{np}.sin` as `{math}.sin`, `{np}.minimum` as `min`: for Python floats."""
    name = call[1]
    return f"{{math}}.{MATH_SPELLING[name]}" if name in MATH_SPELLING else BUILTINS[name]


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


def reverse(
    fn: ir.Function,
    wrt: tuple[str, ...],
    names: dict[str, str],
    shapes: dict[str, Shape] | None = None,
    float64: bool = False,
    fresh: frozenset[str] = frozenset(),
    floating: frozenset[str] = frozenset(),
) -> ir.GradientProgram:
    """The gradient program of `fn` with respect to the parameters `wrt`; specialised to the
    `shapes` of its top-level values when they are given (`float64`: and to float64 data;
    `floating`: the values known to be floats or float arrays). The adjoints of the `fresh`
    values are written without reading those values."""
    return _Backward(fn, wrt, names, shapes, float64, fresh, floating).run()


def printed_params(params) -> dict:
    """A primitive's static arguments as its adjoint rule reads them: the index (as a value,
    `np.s_[...]`), the subscript (between brackets) and pass-through code printed."""
    out = dict(params)
    if "index" in out:
        out["index"] = print_code(out["index"])
    if "subscript" in out:
        out["subscript"] = print_index(out["subscript"])
    if "extra" in out:
        out["extra"] = tuple(print_code(c) for c in out["extra"])
    return out
