"""Nested blocks in the backward walk: walking a branch or loop body from its seeds, and
where the terms it sends outside go (inside a loop: one total per outer name, added to
in every iteration, rather than an array per iteration)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from .. import code, ir
from .stacks import push
from .state import Sweep, held_terms
from .sums import joined, sum_of, zeros
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


@dataclass
class LoopScope:
    """A loop being walked: the names it defines; the totals it owns (outer name -> total);
    the totals added to by outer products, batched (total -> the lists of their factors);
    the others a Python list of numbers while the loop runs (see totals)."""

    inside: frozenset
    owned: dict = field(default_factory=dict)
    batched: dict = field(default_factory=dict)
    whole: set = field(default_factory=set)  # totals added to other than a number at a time


def enter_loop(sweep: Sweep, loop: ir.Loop) -> None:
    inside = frozenset(all_targets(loop.body) | set(loop.targets) | {loop.index})
    sweep.loop_scopes = sweep.loop_scopes + (LoopScope(inside),)


def leave_loop(sweep: Sweep) -> LoopScope:
    """What the loop just walked owns."""
    scope, sweep.loop_scopes = sweep.loop_scopes[-1], sweep.loop_scopes[:-1]
    return scope


def loop_total(sweep: Sweep, outer: str) -> str | None:
    """Where a loop body adds what it sends to `outer`: the total of the outermost loop
    being walked that `outer` is defined outside of (so loops nested in it, and branches,
    add into it too), or None when `outer` is defined inside the innermost loop."""
    for scope in sweep.loop_scopes:
        if outer not in scope.inside:
            if outer not in scope.owned:
                scope.owned[outer] = sweep.namer.fresh(f"d_{outer}_loop")
            return scope.owned[outer]
    return None


def accumulate(sweep: Sweep, total: str, outer: str, terms, line) -> list:
    """`total += terms`, each iteration: an element read (x[t]) adds in place; an outer
    product a b^T keeps a and b, for one product of all of them after the loop (a sum of
    outer products is a matrix product: see batched_products)."""
    lines, rest = [], []
    scope = next(s for s in sweep.loop_scopes if s.owned.get(outer) == total)
    batch = _batch(sweep, scope, total, outer) if any(t.outer for t in terms) else None
    for t in terms:
        if t.scatter is not None:
            lines.append(add_at(sweep, total, t.scatter, line))
            if not _one_position(sweep, t.scatter[2]):
                scope.whole.add(total)
        elif t.outer is not None and batch is not None:
            lines += [push(stack, factor, line) for stack, factor in zip(batch, t.outer)]
            scope.whole.add(total)
        else:
            rest.append(t)
            scope.whole.add(total)
    if rest and _whole(sweep, outer, rest):  # float64 of the total's shape: added in place
        lines.append(code.augment(total, ast.Add(), sum_of(sweep, outer, rest), line))
    elif rest:
        added = joined([code.name(total), sum_of(sweep, outer, rest)])
        lines.append(code.assign(total, added, line))
    return lines


def _one_position(sweep: Sweep, subscript) -> bool:
    """Is the subscript one integer position (`i`, `i + 1` of names known to be numbers;
    not a slice, not a pair, not a mask)?"""
    if subscript is None:
        return False
    if any((sweep.shapes or {}).get(n) != () for n in code.names_in(subscript)):
        return False
    for n in ast.walk(subscript):
        if isinstance(n, ast.Constant) and type(n.value) is not int:
            return False
        if not isinstance(n, (ast.Name, ast.Constant, ast.BinOp, ast.UnaryOp)) and not isinstance(
            n, (ast.operator, ast.unaryop, ast.expr_context)
        ):
            return False
    return True


def totals(sweep: Sweep, scope: LoopScope, line) -> tuple[list, list]:
    """The zero totals the loop owns, made before it, and what becomes of them after it. A
    float64 vector's total that each iteration adds numbers to one element at a time is a
    Python list while the loop runs (an element added to in a third of the time), made an
    array after it."""
    before, after = [], []
    np = sweep.names["np"]
    for outer, total in sorted(scope.owned.items()):
        shape = (sweep.shapes or {}).get(outer)
        if total in scope.whole or not _whole(sweep, outer, []) or len(shape) != 1:
            before.append(code.assign(total, zeros(sweep, outer), line))
            continue
        numbers = ast.BinOp(
            ast.List([code.number(0.0)], ast.Load()), ast.Mult(), code.number(shape[0])
        )
        before.append(code.assign(total, numbers, line))
        after.append(code.assign(total, code.call(code.attr(np, "array"), code.name(total)), line))
    return before, after


def _batch(sweep: Sweep, scope: LoopScope, total: str, outer: str) -> tuple[str, str] | None:
    """The lists keeping the factors of the outer products added to a matrix's total."""
    if not _whole(sweep, outer, []) or len(sweep.shapes[outer]) != 2:
        return None
    if sweep.writes is not None:  # (an adjoint updated in place would change in the lists)
        return None
    if total not in scope.batched:
        names = (sweep.namer.fresh(f"{total}_columns"), sweep.namer.fresh(f"{total}_rows"))
        scope.batched[total] = names
    return scope.batched[total]


def batched_products(sweep: Sweep, scope: LoopScope, line) -> tuple[list, list]:
    """Before the loop, the lists of its batched outer products' factors; after it, each
    total's one product: sum_k a_k b_k^T = [a_1 ... a_K] [b_1 ... b_K]^T."""
    before, after = [], []
    np = sweep.names["np"]
    for outer, total in sorted(scope.owned.items()):
        if total not in scope.batched:
            continue
        rows, columns = sweep.shapes[outer]
        stacks = []
        for name, size in zip(scope.batched[total], (rows, columns)):
            before.append(code.assign(name, ast.List([], ast.Load()), line))
            # (np.reshape of a list of vectors: its rows, even of no vectors at all)
            stacks.append(
                code.call(code.attr(np, "reshape"), code.name(name), code.literal((-1, size)))
            )
        product = ast.BinOp(code.attr(stacks[0], "T"), ast.MatMult(), stacks[1])
        after.append(code.augment(total, ast.Add(), product, line))
    return before, after


def _whole(sweep: Sweep, outer: str, terms) -> bool:
    """Is the sum of the terms known to be a float64 array of `outer`'s shape (so that the
    total, an array of zeros the loop owns, can take it in place)?"""
    shape = (sweep.shapes or {}).get(outer)
    return (
        sweep.float64
        and outer in sweep.floating
        and bool(shape)
        and held_terms(sweep, outer, terms) in (None, shape)
    )
