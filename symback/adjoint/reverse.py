"""The backward walk: each statement sends `upstream * local derivative` to its operands.

Walking the SSA statements from last to first, a value's adjoint is complete once its own
statement is reached (every use comes after the definition), so it is emitted there as one
sum of the terms its uses sent back. The walk's state is one object (state.Sweep), handed
to a module per construct: statements, branches, loops, writes, stacks.
"""

from __future__ import annotations

from .. import code, ir
from ..backend.helpers import HELPERS
from ..facts import Facts
from ..naming import Namer
from ..optimize.shifts import shift_free
from . import stacks, writes
from .branches import branches
from .forward import counted, forward_lines
from .loops import loop
from .recompute import unchanged_arrays
from .scopes import all_targets
from .state import Sweep, Term
from .statements import statement
from .sums import parameter


def reverse(
    fn: ir.Function,
    wrt: tuple[str, ...],
    names: dict[str, str],
    facts: Facts | None = None,
    fresh: frozenset[str] = frozenset(),
) -> code.GradientProgram:
    """The gradient program of `fn` with respect to the parameters `wrt`; specialised to
    what a first call learned (`facts`: the shapes of its top-level values, which are
    floating, whether all are float64) when they are given. The adjoints of the `fresh`
    values are written without reading those values."""
    sweep = _start(fn, wrt, names, facts or Facts(None), fresh)
    walk(sweep, fn.body)
    gradients = tuple(parameter(sweep, p) for p in wrt)
    forward = forward_lines(fn.body, sweep.stacks, sweep.kept, sweep.writes, sweep.tapes)
    forward, backward = writes.without_log(
        sweep, writes.start(sweep) + stacks.start(sweep) + forward, sweep.lines
    )
    return code.GradientProgram(
        fn,
        wrt,
        tuple(forward),
        tuple(backward),
        gradients,
        frozenset(sweep.helpers),
    )


def _start(fn, wrt, names, facts: Facts, fresh) -> Sweep:
    namer = Namer(set(fn.user_names) | all_targets(fn.body) | set(names.values()))
    # (less the stability shifts the output does not depend on: softmax's max)
    active = active_names(fn.body, set(wrt)) - shift_free(fn)
    shapes, float64, floating = facts.shapes, facts.float64, facts.floating
    sweep = Sweep(fn, wrt, names, namer, active, walk, shapes, float64, floating, fresh)
    sweep.block_id = id(fn.body)
    sweep.terms = {fn.output: [Term(code.number(1.0))]}  # d output / d output = 1
    stacks.setup(sweep, fn.body)  # the lists the function itself uses as stacks
    # Each loop that computes something active saves its carried values: loop -> carried
    # value -> the stack it is saved on.
    sweep.stacks = {
        id(s): {e: namer.fresh(f"saved_{e}") for e in s.targets}
        for s in ir.every_statement(fn.body)
        if isinstance(s, ir.Loop)
        and (any(e in active for e in s.targets) or stacks.touches_stacks(sweep, s))
    }
    # helpers the forward code itself calls (when it is generated code, for Hessians)
    every = list(ir.every_statement(fn.body))
    sweep.helpers = {s.op for s in every if isinstance(s, ir.Primitive) and s.op in HELPERS}
    called = set().union(*(code.names_in(s.code) for s in every if hasattr(s, "code")))
    sweep.helpers |= {key for key in HELPERS if names.get(key) in called}
    writes.setup(sweep, fn.body)
    for s in ir.every_statement(fn.body):  # (an array written in place: one object)
        if isinstance(s, ir.Loop) and id(s) in sweep.stacks:
            saving = sweep.stacks[id(s)]
            for entry in sorted(unchanged_arrays(sweep, s)):
                if len(saving) > 1 or not counted(s):  # (a count needs one stack)
                    saving.pop(entry)
    if shapes is not None:  # a written array's adjoint is updated in place: whole
        sweep.shapes = {k: v for k, v in shapes.items() if k not in sweep.buffers}
        sweep.written = {k: v for k, v in shapes.items() if k in sweep.buffers}
    return sweep


def walk(sweep: Sweep, stmts) -> None:
    """The backward pass of `stmts`, last statement first."""
    outer, sweep.block_id = sweep.block_id, id(stmts)
    for stmt in reversed(stmts):
        lines_before = len(sweep.lines)
        if isinstance(stmt, (ir.If, ir.Loop)) and sweep.writes is not None:
            writes.settle(sweep, stmt)  # its writes are undone: what reads the arrays first
        if isinstance(stmt, ir.If):
            branches(sweep, stmt)
            writes.undo_if_skipped(sweep, stmt, lines_before)
        elif isinstance(stmt, ir.Loop):
            loop(sweep, stmt)
            writes.undo_if_skipped(sweep, stmt, lines_before)
        elif isinstance(stmt, ir.Write):
            writes.write(sweep, stmt)
        elif isinstance(stmt, ir.Pop):
            stacks.pop_adjoint(sweep, stmt)
        elif isinstance(stmt, ir.Push):
            stacks.push_adjoint(sweep, stmt)
        elif stmt.target in sweep.active and stmt.target in sweep.terms:
            if not (stmt.target in sweep.buffers and writes.leaves_lineage(sweep, stmt)):
                statement(sweep, stmt)
    sweep.block_id = outer


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
