"""Adjoints of lists used as stacks: each pop's adjoint is pushed, each push's popped.

A value pushed and later popped is one value under two names. Backwards, the pop comes
first: it pushes the popped value's adjoint onto an adjoint stack (`d_s`); the push, reached
later, pops it off and sends it to the pushed value. Both run last-in first-out, so each
pushed value gets the adjoint of its own pop. A value never popped gets zero: when its push
is reached backwards, the adjoint stack is empty (everything pushed after it and popped has
been handled, and nothing below a never-popped value is ever popped). Gradient code saves a
loop's carried values this way, so this is what lets symback differentiate its own output.

A loop's backward iteration recomputes its body, but cannot pop again a stack the forward
pass emptied: each pop inside a loop also keeps its value on a list of its own, which the
recomputation pops instead, and a recomputed push onto a stack made before the loop is left
out. A stack made inside the recomputed body is made, pushed and popped again, as forwards.
"""

from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass

from .. import code, ir
from .state import Sweep, named
from .sums import close, full, zeros


@dataclass(frozen=True)
class Tapes:
    """How the forward code writes pushes and pops: as written, or recomputing a loop body."""

    kept: dict  # id(a pop inside a loop) -> the list its popped values are kept on
    outside: frozenset[str] = frozenset()  # recomputing a loop body: stacks made before it

    def forward(self, s: ir.Push | ir.Pop) -> list[code.Line]:
        if isinstance(s, ir.Push):
            if s.target in self.outside:
                return []
            return [push(s.target, code.name(s.value), s.line)]
        kept = self.kept.get(id(s))
        # A pop changes its stack even where nothing reads the value: never dropped.
        if s.stack in self.outside:
            return [code.assign(s.target, popped(kept), s.line, effect=True)]
        default = None if s.default is None else code.name(s.default)
        lines = [code.assign(s.target, popped(s.stack, default), s.line, effect=True)]
        if kept is not None:
            lines.append(push(kept, code.name(s.target), s.line))
        return lines


def push(stack: str, value: ast.expr, line=None) -> code.Line:
    """`stack.append(value)`."""
    return code.effect(stack, code.call(code.attr(stack, "append"), value), line)


def popped(stack: str, default: ast.expr | None = None) -> ast.expr:
    """`stack.pop()`; with a default, `stack.pop() if stack else default`."""
    value = code.call(code.attr(stack, "pop"))
    return value if default is None else ast.IfExp(code.name(stack), value, default)


def made_in(stmts) -> set[str]:
    """The stacks the statements make (`s = []`)."""
    return {
        s.target
        for s in ir.every_statement(stmts)
        if isinstance(s, ir.Opaque) and isinstance(s.code, ast.List)
    }


def setup(sweep: Sweep, body) -> None:
    """The lists the function itself uses as stacks, and their adjoint stacks."""
    every = list(ir.every_statement(body))
    in_loops = {
        id(s): s
        for loop in every
        if isinstance(loop, ir.Loop)
        for s in ir.every_statement(loop.body)
        if isinstance(s, ir.Pop)
    }
    kept = {key: sweep.namer.fresh(f"popped_{s.target}") for key, s in in_loops.items()}
    sweep.tapes = Tapes(kept)
    sweep.stacks_used = {s.operands[0] for s in every if isinstance(s, (ir.Push, ir.Pop))}
    sweep.stack_adjoints = {
        s: sweep.namer.adjoint(s) for s in sorted(sweep.stacks_used) if s in sweep.active
    }


def start(sweep: Sweep) -> list[code.Line]:
    """The kept-values lists and the adjoint stacks, made empty at the start."""
    names = sorted(sweep.tapes.kept.values()) + sorted(sweep.stack_adjoints.values())
    return [code.assign(name, ast.List([], ast.Load())) for name in names]


def touches_stacks(sweep: Sweep, stmt) -> bool:
    """Does the if or loop push or pop a stack whose values carry a gradient?"""
    return any(
        isinstance(s, (ir.Push, ir.Pop)) and s.operands[0] in sweep.stack_adjoints
        for s in ir.every_statement([stmt])
    )


def replaying(sweep: Sweep, loop: ir.Loop) -> Tapes:
    """The tapes for recomputing the loop's body in a backward iteration."""
    outside = frozenset(sweep.stacks_used - made_in(loop.body))
    return dataclasses.replace(sweep.tapes, outside=outside)


def pop_adjoint(sweep: Sweep, stmt: ir.Pop) -> None:
    """`v = s.pop()` backwards: push v's adjoint (zero if nothing read v)."""
    adjoints = sweep.stack_adjoints.get(stmt.stack)
    if adjoints is None:
        return
    terms = sweep.terms.pop(stmt.target, None)
    if terms and stmt.target in sweep.active:
        adjoint = full(sweep, close(sweep, stmt.target, terms, stmt.line), stmt.target)
    else:
        adjoint = zeros(sweep, stmt.target)
    sweep.lines.append(push(adjoints, adjoint, stmt.line))


def push_adjoint(sweep: Sweep, stmt: ir.Push) -> None:
    """`s.append(v)` backwards: pop v's adjoint (zero if v was never popped)."""
    adjoints = sweep.stack_adjoints.get(stmt.target)
    if adjoints is None:
        return
    name = sweep.namer.adjoint(stmt.value)
    value = popped(adjoints, zeros(sweep, stmt.value))
    sweep.lines.append(code.assign(name, value, stmt.line, effect=True))
    if stmt.value in sweep.active:
        sweep.add(stmt.value, named(name))
