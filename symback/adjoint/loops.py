"""Adjoints of loops: the backward loop runs the iterations in reverse.

Each backward iteration restores the carried values the forward loop saved at the start of
that iteration, recomputes the body's forward values from them, and walks the body
backwards from the carried values' adjoints; what the body sends to names from before the
loop is added up across iterations.
"""

from __future__ import annotations

import ast

from .. import code, ir
from .forward import backward_block, counted
from .recompute import free_reads, reusable, saving_instead
from .scopes import (
    accumulate,
    batched_products,
    block,
    enter_loop,
    leave_loop,
    loop_total,
    totals,
)
from .stacks import touches_stacks
from .state import Sweep, named
from .sums import scattered, sum_of, zeros
from .writes import owned, replay


def loop(sweep: Sweep, stmt: ir.Loop) -> None:
    stacks = sweep.stacks.get(id(stmt))
    carried = [(b, e, end) for b, e, end in stmt.carried if e in sweep.active]
    if stacks is None or not (carried or touches_stacks(sweep, stmt)):
        return
    before_lines: list = []
    adjoints = {}
    for _, entry, _ in carried:
        name = sweep.namer.fresh(f"d_{entry}")
        terms = sweep.terms.pop(entry, None)
        adjoints[entry] = name
        if entry in sweep.buffers:  # a written array: the body updates its adjoint in place
            owned(sweep, entry, terms or [], stmt.line, before_lines, name=name)
            continue
        value = sum_of(sweep, entry, terms, owned=True) if terms else zeros(sweep, entry)
        before_lines.append(code.assign(name, value, stmt.line))
    seeds: dict = {}
    for _, entry, end in carried:
        seeds.setdefault(end, []).append(named(adjoints[entry], entry in sweep.buffers))
    enter_loop(sweep, stmt)
    body_lines, escaping = block(sweep, stmt.body, seeds)
    entries = [e for _, e, _ in stmt.carried]
    restore = [
        code.assign(e, code.call(code.attr(s, "pop")), stmt.line)
        for e, s in stacks.items()
        if e in entries
    ]
    replayed, kept_for_next = replay(sweep, stmt), []
    iteration_updates: list = []
    updates = []  # the carried adjoints for the previous iteration, assigned together last
    for _, entry, _ in carried:
        terms = escaping.pop(entry, None)
        if entry in sweep.buffers:  # added into in place; the same array next iteration
            owned(sweep, entry, terms or [], stmt.line, iteration_updates, name=adjoints[entry])
            continue
        terms = _reads_gathered(sweep, entry, terms or [], stmt.line, iteration_updates)
        value = sum_of(sweep, entry, terms, owned=True) if terms else zeros(sweep, entry)
        updates.append((adjoints[entry], value))
    for outer in sorted(escaping):
        total = loop_total(sweep, outer)
        iteration_updates += accumulate(sweep, total, outer, escaping[outer], stmt.line)
    scope = leave_loop(sweep)
    made, arrays = totals(sweep, scope, stmt.line)
    for outer, total in sorted(scope.owned.items()):
        sweep.add(outer, named(total))
    lists, products = batched_products(sweep, scope, stmt.line)
    before_lines += made + lists
    # (`d = d`: unchanged across iterations)
    updates = [u for u in updates if not (isinstance(u[1], ast.Name) and u[1].id == u[0])]
    if len(updates) == 1:
        iteration_updates.append(code.assign(*updates[0], stmt.line))
    elif updates:
        values = ast.Tuple([value for _, value in updates], ast.Load())
        iteration_updates.append(code.assign(tuple(n for n, _ in updates), values, stmt.line))
    if reusable(sweep, stmt):
        reads = free_reads(body_lines + iteration_updates)
        replayed, kept_for_next = saving_instead(sweep, stmt, replayed, reads)
    iteration = restore + replayed + body_lines + iteration_updates + kept_for_next
    count = ""
    if counted(stmt):  # bound before the loop: the stacks empty while it runs
        count = sweep.namer.fresh("iterations")
        first = next(iter(stacks.values()))
        length = code.call(sweep.names["len"], code.name(first))
        before_lines.append(code.assign(count, length, stmt.line))
    index = sweep.namer.unused() if stmt.kind == "while" else ""
    backward = backward_block(stmt, tuple(iteration), count, index, sweep.names)
    # The backward loop restores every iteration's carried values into the entry names;
    # keep the final ones, which lines after it may still read.
    kept = {e: sweep.namer.fresh(f"final_{e}") for e in entries}
    before_lines += [code.assign(k, code.name(e), stmt.line) for e, k in kept.items()]
    before_lines += kept_for_next  # (the last iteration's ends: the final values)
    after = [code.assign(e, code.name(k), stmt.line) for e, k in kept.items()]
    sweep.lines += before_lines + [backward] + after + arrays + products
    for before, entry, _ in carried:
        if before in sweep.active:  # (a constant start, s = 0.0, takes no gradient)
            sweep.add(before, named(adjoints[entry], entry in sweep.buffers))


def _reads_gathered(sweep: Sweep, entry: str, terms: list, line, lines: list) -> list:
    """The terms, those of the elements an iteration read of a carried array (y[0], y[1])
    made one array in `lines` (see sums.scattered) rather than an array of zeros each."""
    reads = [t for t in terms if t.scatter is not None]
    name = sweep.namer.fresh(f"d_{entry}_read")
    if scattered(sweep, name, entry, reads, line, lines):
        terms = [t for t in terms if t.scatter is None] + [named(name)]
    return terms
