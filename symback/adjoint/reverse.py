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
from dataclasses import dataclass
from functools import lru_cache

import numpy

from .. import code, ir
from ..backend.helpers import HELPERS
from ..errors import Place, SymbackError
from ..naming import Namer
from ..optimize.shifts import shift_free
from ..rules.arrays import PRIMITIVES_BY_OP, UNSUPPORTED, Context
from ..rules.elementwise import BUILTIN_SPELLING as BUILTINS
from ..rules.elementwise import MATH_SPELLING
from .control import ControlAdjoints
from .derivatives import local_adjoint
from .known import KnownShapes, joined
from .shapes import Shape, kept_dims, scalars_first, sum_to
from .stacks import StackAdjoints, Tapes
from .writes import WriteAdjoints, WriteLog


@dataclass(frozen=True)
class Term:
    """One term of an adjoint sum, as a tree."""

    expr: ast.expr
    is_sum: bool = False
    wrap: str = ""  # "", "unbroadcast" (sum back to the operand's shape), "spread" (broadcast)
    # see rules.arrays.Contribution: (g, the index as np.s_[...], the subscript or None)
    scatter: tuple[ast.expr, ast.expr, ast.expr | None] | None = None
    actual: Shape | None = None  # specialised: the shape it is held at (None: its operand's)
    outer: tuple[ast.expr, ast.expr] | None = None  # see rules.arrays.Contribution
    mutable: bool = False  # a written array's adjoint, which only this term holds (writes.py)
    view: bool = False  # may be a view of another array (see rules.arrays.Contribution)

    @property
    def bare(self) -> bool:
        """A name or a number: as cheap to repeat as to bind to a name."""
        return not self.wrap and code.is_bare(self.expr)

    @property
    def name(self) -> str | None:
        """The name it is, if it is one."""
        return self.expr.id if isinstance(self.expr, ast.Name) else None

    @property
    def uses(self) -> frozenset[str]:
        return frozenset(code.names_in(self.expr))


def named(adjoint: str, mutable: bool = False) -> Term:
    """A term that is an adjoint's name."""
    return Term(code.name(adjoint), mutable=mutable)


SEED_TERM = Term(ast.Constant(1.0))  # the output's adjoint: d output / d output = 1


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
            out.append(code.If(test=code.name(s.cond), body=tuple(then), orelse=tuple(orelse), line=s.line))
        elif isinstance(s, ir.Loop):
            out += loop_lines(s, stacks, kept, writes, tapes)
        elif isinstance(s, ir.Write):
            out += writes.forward(s)
        elif isinstance(s, (ir.Push, ir.Pop)):
            out += tapes.forward(s)
        else:
            value = s.code
            done: list = []  # (name, the call as written); inner calls come first
            for name, call, here in kept.get(id(s), ()):
                written = call
                for earlier, inner in done:
                    written = code.replaced(written, inner, code.name(earlier))
                if here:  # (else an earlier statement of the block computed it)
                    out.append(code.assign(name, written, s.line))
                value = code.replaced(value, written, code.name(name))
                done.append((name, call))
            out.append(code.assign(s.target, value, s.line))
    return out


def loop_lines(
    loop: ir.Loop,
    stacks: dict[int, dict],
    kept: dict | None = None,
    writes: WriteLog | None = None,
    tapes: Tapes | None = None,
) -> list:
    out: list = [
        code.assign(e, code.name(b), loop.line) for b, e, _ in loop.carried if b != e
    ]
    body = forward_lines(loop.body, stacks, kept, writes, tapes)
    body += [
        code.assign(e, code.name(end), loop.line) for _, e, end in loop.carried if e != end
    ]
    # One stack per carried value, each a plain list pushed and popped: code symback itself
    # differentiates again (a second derivative), as it does a user's stack.
    saving = stacks.get(id(loop), {})
    for position, (entry, stack) in enumerate(saving.items()):
        out.append(code.assign(stack, ast.List([], ast.Load()), loop.line))
        body.insert(position, code.effect(stack, code.call(code.attr(stack, "append"), code.name(entry))))
    if loop.exit is not None:  # `break`: after the carried values are updated
        body.append(code.If(test=code.name(loop.exit), body=(code.stop(),), line=loop.line))
    if writes is not None:
        before, start = writes.loop_lines(loop)
        out += before
        body[:0] = start
    out.append(loop_block(loop, tuple(body)))
    return out


def loop_block(loop: ir.Loop, body: tuple, backward: bool = False, count: str = "") -> code.Block:
    """The loop as a block; backward, over the iterations that ran (`count`, bound before
    the loop, when the trip count is only known from what the forward loop saved)."""
    if loop.kind == "while" and not backward:
        return code.While(test=loop.header, body=body, line=loop.line)
    if loop.kind == "while":
        return code.For(index=code.name("_"), iter=code.call("range", code.name(count)), body=body, line=loop.line)
    over = loop.header
    if backward and loop.exit is not None:
        stop_at = ast.Slice(None, code.name(count), None)
        over = code.call("reversed", ast.Subscript(over, stop_at, ast.Load()))
    elif backward:
        over = code.call("reversed", over)
    return code.For(index=code.name(loop.index), iter=over, body=body, line=loop.line)


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


# Reductions whose adjoint spreads the upstream back unchanged (times a constant): with known
# shapes, the spread is left to broadcasting.
_SPREAD_BY_BROADCASTING = frozenset({"sum", "mean"})


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
        self.lines: list[code.Item] = []
        # helpers the forward code itself calls (when it is generated code, for Hessians)
        self.helpers: set[str] = {
            s.op
            for s in ir.every_statement(fn.body)
            if isinstance(s, ir.Primitive) and s.op in HELPERS
        }
        called = set().union(
            *(code.names_in(s.code) for s in ir.every_statement(fn.body) if hasattr(s, "code"))
        )
        self.helpers |= {key for key in HELPERS if names.get(key) in called}
        self.returned: set[str] = set()  # adjoint names already handed out as a gradient
        self.setup_writes(fn.body)
        if self.shapes is not None:  # a written array's adjoint is updated in place: whole
            self.shapes = {k: v for k, v in self.shapes.items() if k not in self.buffers}

    def run(self) -> code.GradientProgram:
        self.walk(self.fn.body)
        gradients = tuple(self.parameter(p) for p in self.wrt)
        return code.GradientProgram(
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
            broadcasts = len(stmt.operands) > 1 and not code.is_number(upstream)
            self.elementwise(stmt, upstream, broadcasts)
        elif isinstance(stmt, ir.Primitive):
            self.primitive(stmt, upstream)

    def elementwise(self, stmt: ir.Elementwise, upstream: ast.expr, broadcasts: bool) -> None:
        active = tuple(o in self.active for o in stmt.operands)
        seeded = code.is_number(upstream) and code.number_value(upstream) == 1.0
        boolean = tuple(o in self.fn.boolean for o in stmt.operands)
        scalar = self.calls_math(stmt)
        # Inner sums and products are kept for the adjoint to read on numbers only: there
        # one costs as much to keep as to compute, where an array kept alive holds memory.
        numbers = scalar or self.known(stmt) and self.shapes[stmt.target] == ()
        calls = tuple(e if numbers or not (e.is_Add or e.is_Mul) else None for e, _ in stmt.calls)
        reuse = stmt.target not in self.fresh
        local = local_adjoint(stmt.expr, active, seeded, boolean, calls, reuse)
        fields: dict = {f"a{i}": name for i, name in enumerate(stmt.operands)}
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
                self.held[fields[field_name]] = self.held_shape(_read(reads, fields))
                rhs = scalars_first(rhs, self.is_scalar)
            self.lines.append(code.assign(fields[field_name], rhs, stmt.line))
        for c in local.contributions:
            operand = stmt.operands[c.operand]
            template = local.printed(c.text, scalar, floating)
            expr = self.instantiate(template, fields, scalar)
            if known:  # sum back over exactly the axes broadcasting added, or none
                held = self.held_shape(_read(c.fields, fields))
                expr = scalars_first(expr, self.is_scalar)
                np = self.names["np"]
                shapes = self.shapes
                summed, held = sum_to(expr, held, shapes[stmt.target], shapes[operand], np)
                term = Term(summed, c.is_sum and summed is expr, actual=held)
            else:  # operands of different shapes may have met
                term = Term(expr, c.is_sum, "unbroadcast" if broadcasts else "")
            self.terms.setdefault(operand, []).append(term)

    def kept_calls(self, stmt: ir.Elementwise, local) -> dict[str, str]:
        """Names for the inner calls the adjoint reads: the forward pass computes each once
        (forward_lines prints it before the statement, as the user wrote it)."""
        read = set().union(*(c.fields for c in local.contributions))
        read |= set().union(*(fields for _, _, fields in local.temporaries))
        out = {}
        for i, (_, call) in enumerate(stmt.calls):
            if f"c{i}" in read:
                written = call  # as forward_lines prints it: earlier kept values by name
                for earlier, inner, _ in self.kept.get(id(stmt), ()):
                    written = code.replaced(written, inner, code.name(earlier))
                key = (self.block_id, ast.dump(call))
                later = self.kept_in_block.get(key)
                if later is not None:  # a later statement computes it: computed here instead
                    name, holder = later
                    self.kept[holder] = [
                        (n, c, here and n != name) for n, c, here in self.kept[holder]
                    ]
                else:
                    name = self._call_name(written)
                out[f"c{i}"] = name
                self.kept.setdefault(id(stmt), []).append((name, call, True))
                self.kept_in_block[key] = (name, id(stmt))
                if self.known(stmt):  # elementwise: its operands' shapes broadcast
                    reads = code.names_in(call)
                    self.held[name] = self.held_shape(reads & set(stmt.operands))
        return out

    def _call_name(self, call: ast.expr) -> str:
        """`sin_t1` for `math.sin(t1)`, a numbered temporary for anything longer."""
        func, args = getattr(call, "func", None), getattr(call, "args", ())
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

    def instantiate(self, template: str, fields: dict, scalar: bool) -> ast.expr:
        """A derivative for this statement, from its template. On Python floats, the `math`
        spelling of each function where it has one: a NumPy call on a float costs ~20x a
        `math` one."""
        tree = _spelled(template, scalar)
        if "exp_or_inf" in code.fields_in(tree):
            self.helpers.add("exp_or_inf")
        return code.fill(tree, fields)

    def primitive(self, stmt: ir.Primitive, upstream: ast.expr) -> None:
        if stmt.op == "custom":
            return self.custom(stmt, upstream)
        row = PRIMITIVES_BY_OP[stmt.op]
        params = dict(stmt.params)
        arrays = stmt.operands[: row.arrays or dict(stmt.params).get("count", len(stmt.operands))]
        shapes = tuple(self.shapes[a] for a in arrays) if self.known(stmt) else None
        bar = code.atom_text(upstream)  # (a rule's template is text over the names it reads)
        context = Context(bar, arrays, stmt.target, params, params.get("index", ""), shapes)
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
            tree = code.template(contribution.text)
            self.helpers.update(h for h in row.helpers if h in code.fields_in(tree))
            wrap = "spread" if contribution.spread else ""
            held = None
            if wrap and stmt.op in _SPREAD_BY_BROADCASTING and self.known(stmt):
                wrap = ""  # held reduced: broadcasting spreads it
                axis = params.get("axis")
                reduced = axis is not None or params.get("keepdims")
                held = kept_dims(self.shapes[operand], axis) if reduced else ()
            term = Term(
                code.fill(tree, self.names),
                wrap=wrap,
                scatter=_scatter(contribution.scatter),
                actual=held,
                outer=None if contribution.outer is None else tuple(map(_parsed, contribution.outer)),
                view=contribution.view,
            )
            self.terms.setdefault(operand, []).append(term)

    def custom(self, stmt: ir.Primitive, upstream: ast.expr) -> None:
        """A defgrad function: its i-th adjoint, called with the upstream and the arguments."""
        args = [code.name(o) for o in stmt.operands]
        for operand, adjoint in zip(stmt.operands, dict(stmt.params)["adjoints"]):
            if operand in self.active:
                term = Term(code.call(adjoint, upstream, *args), wrap="unbroadcast")
                self.terms.setdefault(operand, []).append(term)

    # -- sums of terms ---------------------------------------------------------------------

    def close(self, value: str, terms: list[Term], line: int | None) -> ast.expr:
        """Emit `d_value = sum of terms` (or reuse a bare one) and return the adjoint: a name
        or a number."""
        if len(terms) == 1 and terms[0].bare:
            bare = terms[0].expr
            if terms[0].name and self.shapes is not None and self.holding(bare) is None:
                held = terms[0].actual
                held = self.shapes.get(value) if held is None else held
                if held is not None:
                    self.held[terms[0].name] = held
            return bare
        name = self.namer.adjoint(value)
        if len(terms) == 1 and (terms[0].wrap == "spread" or terms[0].view):
            self.views.add(name)  # (not to be handed out as it is)
        if not self.scattered(name, value, terms, line):
            self.lines.append(code.assign(name, self.sum_of(value, terms), line))
        held = self.held_terms(value, terms)
        held = self.shapes.get(value) if held is None and self.shapes is not None else held
        if held is not None:
            self.held[name] = held
        return code.name(name)

    def sum_of(self, value: str, terms: list[Term], owned: bool = False) -> ast.expr:
        """The terms as one sum, each summed back or spread to `value`'s shape as it says."""
        parts, grouped = [], []
        np = self.names["np"]
        outers = [t.outer for t in terms if t.outer is not None]
        if len(outers) > 1:  # sum of a_k b_k^T: [a_1 ... a_K] @ [b_1 ... b_K]^T, one product
            # (np.array of equal-shaped vectors is np.stack's rows at a quarter of its
            # per-call cost, which is Python code; .T is a view, and matmul reads it as is)
            def array(items):
                return code.call(code.attr(np, "array"), ast.List(list(items), ast.Load()))

            columns = code.attr(array(a for a, _ in outers), "T")
            parts.append(ast.BinOp(columns, ast.MatMult(), array(b for _, b in outers)))
            grouped.append(False)
            terms = [t for t in terms if t.outer is None]
        shape = code.call(code.attr(np, "shape"), code.name(value))
        for t in terms:
            expr = t.expr
            if t.wrap == "unbroadcast":
                self.helpers.add("unbroadcast")
                expr = code.call(self.names["unbroadcast"], expr, code.name(value))
            elif t.wrap == "spread" and owned and len(terms) == 1:
                expr = code.call(code.attr(np, "full"), shape, expr)
            elif t.wrap == "spread":
                expr = code.call(code.attr(np, "broadcast_to"), expr, shape)
            parts.append(expr)
            grouped.append(t.is_sum and len(terms) > 1)
        return joined(parts, grouped)

    def parameter(self, p: str) -> str:
        """Emit the gradient of wrt parameter p: a fresh array (or float) the caller owns."""
        np = self.names["np"]
        terms = self.terms.pop(p, [])
        name = self.namer.adjoint(p)
        if not terms:
            self.lines.append(code.assign(name, self.zeros(p)))
            return name
        if self.scattered(name, p, terms, None):
            return name
        expr = self.sum_of(p, terms, owned=True)
        held, shape = self.held_terms(p, terms), (self.shapes or {}).get(p)
        modules = set(self.names.values())  # (np and the helpers: no value of the function)
        if len(terms) == 1 and not terms[0].wrap and terms[0].uses <= modules:
            expr = _constant(expr)
        if held is not None and held != shape:  # a fresh array of the parameter's shape
            expr = code.call(code.attr(np, "full"), code.literal(shape), expr)
        elif len(terms) == 1 and terms[0].uses - modules and self._shared(terms[0]):
            expr = code.call(code.attr(np, "copy"), expr)
        self.lines.append(code.assign(name, expr))
        return name

    def zeros(self, value: str) -> ast.expr:
        """A zero adjoint for `value`: a float array of zeros of its shape, of its own."""
        zeros_like = code.attr(self.names["np"], "zeros_like")
        return code.call(zeros_like, code.name(value), dtype=code.name("float"))

    def _shared(self, term: Term) -> bool:
        """Would returning this term hand out an array someone else also holds?"""
        if term.wrap == "spread":
            return False  # printed as np.full: fresh
        if term.view:
            return True
        if not (term.bare or term.wrap == "unbroadcast" and term.name):
            return False
        if term.name in self.views or term.name in self.returned:
            return True
        self.returned.add(term.name)
        return False


@lru_cache(maxsize=1024)
def _spelled(template: str, scalar: bool) -> ast.expr:
    """An elementwise template as a tree; on Python floats (`scalar`) with each NumPy
    function in its `math` spelling (`{np}.sin` -> `{math}.sin`, `{np}.minimum` -> `min`),
    when every function it calls has one."""
    tree = code.template(template)
    if not scalar:
        return tree
    np = code.field_name("np")
    called = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == np
    ]
    if not {n.attr for n in called} <= set(MATH_SPELLING) | set(BUILTINS):
        return tree
    return _MathSpelling(np, code.field_name("math")).visit(copy.deepcopy(tree))


class _MathSpelling(ast.NodeTransformer):
    def __init__(self, np: str, math_name: str):
        self.np, self.math = np, math_name

    def visit_Attribute(self, node: ast.Attribute):
        if not (isinstance(node.value, ast.Name) and node.value.id == self.np):
            return self.generic_visit(node)
        if node.attr in MATH_SPELLING:
            return code.attr(self.math, MATH_SPELLING[node.attr])
        return code.name(BUILTINS[node.attr])


_FOLD = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b}
_FOLD.update({ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b})
_FOLD[ast.Pow] = lambda a, b: a**b


def _constant(expr: ast.expr) -> ast.expr:
    """A gradient that is a number, as a float literal (folded on the tree: arithmetic and
    NumPy or `math` functions of numbers); left as it is when it is not a finite number."""
    try:
        value = float(_fold(expr))
    except (ArithmeticError, TypeError, ValueError):
        return expr
    return code.number(value) if math.isfinite(value) else expr


def _fold(node: ast.expr):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _fold(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _FOLD:
        return _FOLD[type(node.op)](_fold(node.left), _fold(node.right))
    function = node.func if isinstance(node, ast.Call) and not node.keywords else node
    if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name):
        found = getattr(numpy, function.attr, None)  # (np or math: the same functions)
        if function is node and isinstance(found, float):
            return found  # np.pi, np.e
        if function is not node and callable(found):
            return found(*(_fold(a) for a in node.args))
    raise TypeError("not a number")


def _read(reads: frozenset[str], fields: dict) -> list:
    """The names and bare adjoints a formula reads through these fields (for its shape)."""
    out = []
    for f in reads:
        value = fields.get(f)
        if isinstance(value, str) and value.isidentifier() or isinstance(value, ast.expr):
            out.append(value)
    return out


def _parsed(text: str) -> ast.expr:
    """A rule's printed piece (an index, a gradient's name), parsed once when instantiated."""
    return code.parse_expr(text)


def _scatter(scatter) -> tuple | None:
    """A rule's scatter (g, index, subscript as text) as trees."""
    if scatter is None:
        return None
    g, index, subscript = scatter
    sub = None if subscript is None else code.parse_expr(f"_[{subscript}]").slice
    return _parsed(g), _parsed(index), sub


def reverse(
    fn: ir.Function,
    wrt: tuple[str, ...],
    names: dict[str, str],
    shapes: dict[str, Shape] | None = None,
    float64: bool = False,
    fresh: frozenset[str] = frozenset(),
    floating: frozenset[str] = frozenset(),
) -> code.GradientProgram:
    """The gradient program of `fn` with respect to the parameters `wrt`; specialised to the
    `shapes` of its top-level values when they are given (`float64`: and to float64 data;
    `floating`: the values known to be floats or float arrays). The adjoints of the `fresh`
    values are written without reading those values."""
    return _Backward(fn, wrt, names, shapes, float64, fresh, floating).run()
