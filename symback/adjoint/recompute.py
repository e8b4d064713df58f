"""What a backward iteration recomputes of its loop's body, and what it takes back instead.

A backward iteration restores the carried values its forward iteration started with, then
needs some of the body's values for its local derivatives (tanh's 1 - h**2, a product's
other factor). Recomputing them all would run the body twice. Instead:

- a carried value's end (`h_2` in `h_1 = h_2`) is the entry the next iteration started
  with, which the backward iteration just before restored: it is kept from there, with
  nothing saved and nothing recomputed;
- a value that costs an operation to compute is saved by the forward iteration, on a list
  of its own, and popped back;
- a name, a number or an element read (`X[t]`, a view) is recomputed: as cheap as a pop.

Loops whose bodies write into arrays or use lists as stacks keep recomputing all of their
body: their arrays must be put back as they were first (writes.replay).
"""

from __future__ import annotations

import ast

from .. import code, ir
from .state import Sweep


def reusable(sweep: Sweep, loop: ir.Loop) -> bool:
    """Can the backward iteration save and reuse rather than recompute (see above)?"""
    return not any(
        isinstance(s, (ir.Write, ir.Push, ir.Pop))
        or isinstance(s, ir.Opaque)
        and isinstance(s.code, ast.List)
        for s in ir.every_statement(loop.body)
    ) and not any(e in sweep.buffers for e in loop.targets)


def saving_instead(sweep: Sweep, loop: ir.Loop, replayed: list, reads: set[str]):
    """The recomputation lines, with the values `reads` needs popped from what the forward
    iteration saved or kept from the next iteration's entry; (those lines, the lines that
    keep this iteration's entries for the iteration before, run last)."""
    stacks = sweep.stacks[id(loop)]
    ends = {
        end: entry
        for _, entry, end in loop.carried
        if end != entry and entry in stacks and not loop.exit == end
    }
    # A name bound twice (a nested loop's entry, `h_2 = h_1` before the loop runs on it)
    # is not one value: recomputed.
    bound = [name for item in replayed for name in item.targets]
    twice = {name for name in bound if bound.count(name) > 1}
    needed = set(reads)
    out: list = []
    reused: dict[str, str] = {}
    for item in reversed(replayed):
        if not isinstance(item, code.Line) or item.effect or item.statement:
            needed |= item.reads
            out.append(item)
            continue
        target = item.target
        one_value = target in needed and target not in twice
        if one_value and target in ends:
            reused[target] = ends[target]
        elif one_value and _costly(item.value):
            stack = stacks.setdefault(target, sweep.namer.fresh(f"saved_{target}"))
            out.append(code.assign(target, code.call(code.attr(stack, "pop")), item.line))
        else:  # recomputed (or, unread, left to the dead-code pass)
            needed |= item.reads if target in needed else frozenset()
            out.append(item)
    out.reverse()
    kept = [code.assign(end, code.name(entry), loop.line) for end, entry in reused.items()]
    return out, kept


def _costly(value: ast.expr) -> bool:
    """Does computing it again cost more than popping it (an operation, not a name, a number,
    an attribute, an element read or a new list)?"""
    while isinstance(value, (ast.Subscript, ast.Attribute)):
        if isinstance(value, ast.Subscript) and not _plain_index(value.slice):
            return True
        value = value.value
    # (a list is a stack made afresh, `[]`: made again, never shared between iterations)
    return not isinstance(value, (ast.Name, ast.Constant, ast.List))


def _plain_index(index: ast.expr) -> bool:
    """An index of names, numbers and slices of them (`t`, `i + 1`, `:, j`)."""
    return all(
        isinstance(n, (ast.Name, ast.Constant, ast.Slice, ast.Tuple, ast.BinOp, ast.UnaryOp))
        or isinstance(n, (ast.operator, ast.unaryop, ast.expr_context))
        for n in ast.walk(index)
    )
