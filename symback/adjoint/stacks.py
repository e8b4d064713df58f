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

from .. import ir


@dataclass(frozen=True)
class Tapes:
    """How the forward code prints pushes and pops: as written, or recomputing a loop body."""

    kept: dict  # id(a pop inside a loop) -> the list its popped values are kept on
    outside: frozenset[str] = frozenset()  # recomputing a loop body: stacks made before it

    def forward(self, s: ir.Push | ir.Pop) -> list[ir.Line]:
        if isinstance(s, ir.Push):
            if s.target in self.outside:
                return []
            text = f"{s.target}.append({s.value})"
            return [ir.Line(s.target, text, frozenset(s.operands), s.line, statement=True)]
        kept = self.kept.get(id(s))
        # A pop changes its stack even where nothing reads the value: never dropped.
        if s.stack in self.outside:
            return [ir.Line(s.target, f"{kept}.pop()", frozenset({kept}), s.line, effect=True)]
        uses = frozenset(s.operands)
        lines = [ir.Line(s.target, s.text(s.stack), uses, s.line, effect=True)]
        if kept is not None:
            uses = frozenset({kept, s.target})
            lines.append(ir.Line(kept, f"{kept}.append({s.target})", uses, s.line, True))
        return lines


def made_in(stmts) -> set[str]:
    """The stacks the statements make (`s = []`)."""
    return {
        s.target
        for s in ir.every_statement(stmts)
        if isinstance(s, ir.Opaque) and isinstance(s.code, ast.List)
    }


class StackAdjoints:
    """Methods of the backward walk for pushes and pops (see the module docstring)."""

    def setup_stacks(self, body) -> None:
        every = list(ir.every_statement(body))
        in_loops = {
            id(s): s
            for loop in every
            if isinstance(loop, ir.Loop)
            for s in ir.every_statement(loop.body)
            if isinstance(s, ir.Pop)
        }
        kept = {key: self.namer.fresh(f"popped_{s.target}") for key, s in in_loops.items()}
        self.tapes = Tapes(kept)
        self.stacks_used = {s.operands[0] for s in every if isinstance(s, (ir.Push, ir.Pop))}
        self.stack_adjoints = {
            s: self.namer.adjoint(s) for s in sorted(self.stacks_used) if s in self.active
        }

    def stack_start(self) -> list[ir.Line]:
        """The kept-values lists and the adjoint stacks, made empty at the start."""
        names = sorted(self.tapes.kept.values()) + sorted(self.stack_adjoints.values())
        return [ir.Line(name, "[]", frozenset()) for name in names]

    def touches_stacks(self, stmt) -> bool:
        """Does the if or loop push or pop a stack whose values carry a gradient?"""
        return any(
            isinstance(s, (ir.Push, ir.Pop)) and s.operands[0] in self.stack_adjoints
            for s in ir.every_statement([stmt])
        )

    def replaying(self, loop: ir.Loop) -> Tapes:
        """The tapes for recomputing the loop's body in a backward iteration."""
        outside = frozenset(self.stacks_used - made_in(loop.body))
        return dataclasses.replace(self.tapes, outside=outside)

    def pop_adjoint(self, stmt: ir.Pop) -> None:
        """`v = s.pop()` backwards: push v's adjoint (zero if nothing read v)."""
        adjoints = self.stack_adjoints.get(stmt.stack)
        if adjoints is None:
            return
        terms = self.terms.pop(stmt.target, None)
        if terms and stmt.target in self.active:
            adjoint = self.full(self.close(stmt.target, terms, stmt.line), stmt.target)
        else:
            adjoint = self.zeros(stmt.target)
        text = f"{adjoints}.append({adjoint})"
        uses = frozenset({adjoints, adjoint if adjoint.isidentifier() else stmt.target})
        self.lines.append(ir.Line(adjoints, text, uses, stmt.line, statement=True))

    def push_adjoint(self, stmt: ir.Push) -> None:
        """`s.append(v)` backwards: pop v's adjoint (zero if v was never popped)."""
        from .reverse import Term

        adjoints = self.stack_adjoints.get(stmt.target)
        if adjoints is None:
            return
        name = self.namer.adjoint(stmt.value)
        text = ir.Pop(name, adjoints, stmt.line, self.zeros(stmt.value)).text(adjoints)
        uses = frozenset({adjoints, stmt.value})
        self.lines.append(ir.Line(name, text, uses, stmt.line, effect=True))
        if stmt.value in self.active:
            self.terms.setdefault(stmt.value, []).append(Term(name, frozenset({name})))
