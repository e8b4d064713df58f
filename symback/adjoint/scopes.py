"""Nested blocks in the backward walk: walking a branch or loop body from its seeds, and
where the terms it sends outside go (inside a loop: one total per outer name, added to
in every iteration, rather than an array per iteration)."""

from __future__ import annotations

from .. import code, ir
from .state import Sweep
from .sums import joined, sum_of
from .writes import add_at


def block(sweep: Sweep, stmts, seeds: dict):
    """Walk `stmts` backwards from `seeds`; (its lines, the terms it sends outside)."""
    saved_lines, saved_terms = sweep.lines, sweep.terms
    sweep.lines, sweep.terms = [], {k: list(v) for k, v in seeds.items()}
    sweep.depth += 1  # shapes inside may change between calls: no specialising there
    sweep.walk(sweep, stmts)
    sweep.depth -= 1
    lines = sweep.lines
    escaping = {name: terms for name, terms in sweep.terms.items() if name in sweep.active}
    sweep.lines, sweep.terms = saved_lines, saved_terms
    return lines, escaping


def all_targets(stmts) -> set[str]:
    """Every name the statements bind, inside branches and loops too."""
    out: set[str] = set()
    for s in ir.every_statement(stmts):
        if isinstance(s, ir.If):
            out |= set(s.targets)
        elif isinstance(s, ir.Loop):
            out |= set(s.targets) | ({s.index} - {None})
        else:
            out.add(s.target)
    return out


def enter_loop(sweep: Sweep, loop: ir.Loop) -> None:
    inside = frozenset(all_targets(loop.body) | set(loop.targets) | {loop.index})
    sweep.loop_scopes = sweep.loop_scopes + ((inside, {}),)


def leave_loop(sweep: Sweep) -> dict:
    """The totals the loop just walked owns."""
    (_, owned), sweep.loop_scopes = sweep.loop_scopes[-1], sweep.loop_scopes[:-1]
    return owned


def loop_total(sweep: Sweep, outer: str) -> str | None:
    """Where a loop body adds what it sends to `outer`: the total of the outermost loop
    being walked that `outer` is defined outside of (so loops nested in it, and branches,
    add into it too), or None when `outer` is defined inside the innermost loop."""
    for inside, owned in sweep.loop_scopes:
        if outer not in inside:
            if outer not in owned:
                owned[outer] = sweep.namer.fresh(f"d_{outer}_loop")
            return owned[outer]
    return None


def accumulate(sweep: Sweep, total: str, outer: str, terms, line) -> list:
    """`total += terms`, each iteration: an element read (x[t]) adds in place."""
    lines, rest = [], []
    for t in terms:
        if t.scatter is None:
            rest.append(t)
        else:
            lines.append(add_at(sweep, total, t.scatter, line))
    if rest:
        added = joined([code.name(total), sum_of(sweep, outer, rest)])
        lines.append(code.assign(total, added, line))
    return lines
