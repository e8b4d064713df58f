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
from collections import Counter

from .. import code, ir
from ..ops import symbols
from .state import Sweep


def reusable(sweep: Sweep, loop: ir.Loop) -> bool:
    """Can the backward iteration save and reuse rather than recompute (see above)?"""
    return not any(
        isinstance(s, (ir.Write, ir.Push, ir.Pop))
        or isinstance(s, ir.Opaque)
        and isinstance(s.code, ast.List)
        for s in ir.every_statement(loop.body)
    ) and not any(e in sweep.buffers for e in loop.targets)


def unchanged_arrays(sweep: Sweep, loop: ir.Loop) -> set[str]:
    """The carried arrays written into that are one array in every iteration (changed only
    by writes into them, here or in inner loops): the undo log puts back their elements,
    and there is nothing to save or restore of the name."""
    out = set()
    for _, entry, end in loop.carried:
        if entry not in sweep.buffers:
            continue
        name = entry
        for s in loop.body:
            if isinstance(s, ir.Write) and s.array == name:
                name = s.target
            elif isinstance(s, ir.Elementwise) and s.operands == (name,):
                name = s.target if s.expr == symbols.operand(0) else name
            elif isinstance(s, ir.Loop):
                inner = unchanged_arrays(sweep, s)
                name = next((e for b, e, _ in s.carried if b == name and e in inner), name)
        if name == end:
            out.add(entry)
    return out


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
    bound = Counter(name for item in replayed for name in item.targets)
    twice = {name for name, times in bound.items() if times > 1}

    def saved(name: str, line) -> code.Line:
        """`name = saved_name.pop()`, the forward iteration pushing it as it ends."""
        stack = stacks.setdefault(name, sweep.namer.fresh(f"saved_{name}"))
        return code.assign(name, code.call(code.attr(stack, "pop")), line)

    needed = set(reads)
    out: list = []
    reused: dict[str, str] = {}
    bound_after: set[str] = set()  # what the lines after the one at hand bind
    for item in reversed(replayed):
        bound_after_this, bound_after = bound_after, bound_after | item.targets
        if sweep.shapes is not None and _loop_taken_back(item, needed, bound_after_this):
            # (specialised only: the general code keeps lists of values, not of lists, so
            # that symback can differentiate it again)
            # an inner loop run again only for what it leaves (its stacks, its carried
            # values' last values): those are saved as the outer iteration ends, and popped
            out += [saved(name, item.line) for name in sorted(needed & item.targets)]
            continue
        if not isinstance(item, code.Line) or item.effect or item.statement:
            needed |= free_reads([item])
            out.append(item)
            continue
        target = item.target
        one_value = target in needed and target not in twice
        if one_value and target in ends:
            reused[target] = ends[target]
        elif one_value and _costly(item.value):
            out.append(saved(target, item.line))
        else:  # recomputed (or, unread, left to the dead-code pass)
            needed |= item.reads if target in needed else frozenset()
            out.append(item)
    out.reverse()
    kept = [code.assign(end, code.name(entry), loop.line) for end, entry in reused.items()]
    return out, kept


def free_reads(items) -> set[str]:
    """The names the items read before binding them (a loop's or branch's bindings are not
    counted as made: the body may not run)."""
    free: set[str] = set()
    bound: set[str] = set()
    for item in items:
        if isinstance(item, code.Line):
            # (`x[i] += v` and `s.append(v)` read what they change: the whole line's reads)
            free |= item.reads - bound
            bound |= item.targets if not item.statement else frozenset()
        else:
            inner = free_reads(item.body) | free_reads(item.orelse) | item.head_reads
            free |= inner - bound
    return free


def _loop_taken_back(item, needed: set[str], bound_after: set[str]) -> bool:
    """Is the item an inner loop whose every effect is on names, none bound again after it?"""
    return (
        isinstance(item, (code.For, code.While))
        and not item.effect
        and bool(needed & item.targets)
        and not needed & item.targets & bound_after
    )


def _costly(value: ast.expr) -> bool:
    """Does computing it again cost more than popping it (an operation, not a name, a number,
    an attribute, an element read, `.item` of one, or a new list)?"""
    if (  # x.item(i, j): an element read as a Python float
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "item"
        and all(_plain_index(a) for a in value.args)
    ):
        value = value.func.value
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
