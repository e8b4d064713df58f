"""Adjoints of `if` statements: a branch's backward pass runs under the branch's own condition.

The backward walk reaches an `if` after everything that used its merged names: their
adjoints are closed, each branch's statements are walked backwards from them, and what a
branch sends to names from before the `if` is collected into one variable per name,
assigned in both branches (zeros where a branch sends nothing).
"""

from __future__ import annotations

from .. import code, ir
from .scopes import accumulate, block, loop_total
from .stacks import touches_stacks
from .state import Sweep, Term, named
from .sums import close, sum_of, zeros
from .writes import owned


def branches(sweep: Sweep, stmt: ir.If) -> None:
    seeds_then: dict = {}
    seeds_else: dict = {}
    for merged, a, b in stmt.outputs:
        terms = sweep.terms.pop(merged, None)
        if not terms or merged not in sweep.active:
            continue
        if merged in sweep.buffers:  # a written array: its branches update it in place
            term = named(owned(sweep, merged, terms, stmt.line, sweep.lines), mutable=True)
        else:
            term = Term(close(sweep, merged, terms, stmt.line))
        if a in sweep.active:
            seeds_then.setdefault(a, []).append(term)
        if b in sweep.active:
            seeds_else.setdefault(b, []).append(term)
    if not seeds_then and not seeds_else and not touches_stacks(sweep, stmt):
        return
    then_lines, then_out = block(sweep, stmt.then, seeds_then)
    else_lines, else_out = block(sweep, stmt.orelse, seeds_else)
    for outer in sorted(set(then_out) | set(else_out)):
        total = loop_total(sweep, outer)
        if total is not None:  # in a loop: add into its total, no array per iteration
            for lines, out in ((then_lines, then_out), (else_lines, else_out)):
                lines += accumulate(sweep, total, outer, out.get(outer, []), stmt.line)
            continue
        name = sweep.namer.fresh(f"d_{outer}_if")
        for lines, out in ((then_lines, then_out), (else_lines, else_out)):
            if outer in sweep.buffers:
                owned(sweep, outer, out.get(outer, []), stmt.line, lines, name=name)
                continue
            if outer in out:
                value = sum_of(sweep, outer, out[outer], owned=True)
            else:
                value = zeros(sweep, outer)
            lines.append(code.assign(name, value, stmt.line))
        sweep.add(outer, named(name, outer in sweep.buffers))
    test = code.name(stmt.cond)
    sweep.lines.append(code.If(test=test, body=tuple(then_lines), orelse=tuple(else_lines)))
