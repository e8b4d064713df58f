"""Adjoints of control flow: a branch's backward pass runs under the branch's own condition.

The backward walk reaches an `if` after everything that used its merged names: their
adjoints are closed, each branch's statements are walked backwards from them, and what a
branch sends to names from before the `if` is collected into one variable per name,
assigned in both branches (zeros where a branch sends nothing).
"""

from __future__ import annotations

import ast

from .. import code, ir
from .known import joined


class BranchAdjoints:
    """Methods of the backward walk for `if` statements (see the module docstring)."""

    def branches(self, stmt: ir.If) -> None:
        from .reverse import Term, named

        seeds_then: dict = {}
        seeds_else: dict = {}
        for merged, a, b in stmt.outputs:
            terms = self.terms.pop(merged, None)
            if not terms or merged not in self.active:
                continue
            if merged in self.buffers:  # a written array: its branches update it in place
                adjoint = self.owned(merged, terms, stmt.line, self.lines)
                term = named(adjoint, mutable=True)
            else:
                term = Term(self.close(merged, terms, stmt.line))
            if a in self.active:
                seeds_then.setdefault(a, []).append(term)
            if b in self.active:
                seeds_else.setdefault(b, []).append(term)
        if not seeds_then and not seeds_else and not self.touches_stacks(stmt):
            return
        then_lines, then_out = self.block(stmt.then, seeds_then)
        else_lines, else_out = self.block(stmt.orelse, seeds_else)
        for outer in sorted(set(then_out) | set(else_out)):
            total = self.loop_total(outer)
            if total is not None:  # in a loop: add into its total, no array per iteration
                for lines, out in ((then_lines, then_out), (else_lines, else_out)):
                    lines += self.accumulate(total, outer, out.get(outer, []), stmt.line)
                continue
            name = self.namer.fresh(f"d_{outer}_if")
            for lines, out in ((then_lines, then_out), (else_lines, else_out)):
                if outer in self.buffers:
                    self.owned(outer, out.get(outer, []), stmt.line, lines, name=name)
                    continue
                if outer in out:
                    value = self.sum_of(outer, out[outer], owned=True)
                else:
                    value = self.zeros(outer)
                lines.append(code.assign(name, value, stmt.line))
            self.terms.setdefault(outer, []).append(named(name, outer in self.buffers))
        test = code.name(stmt.cond)
        self.lines.append(code.If(test=test, body=tuple(then_lines), orelse=tuple(else_lines)))

    def block(self, stmts, seeds: dict):
        """Walk `stmts` backwards from `seeds`; (its lines, the terms it sends outside)."""
        saved_lines, saved_terms = self.lines, self.terms
        self.lines, self.terms = [], {k: list(v) for k, v in seeds.items()}
        self.depth += 1  # shapes inside may change between calls: no specialising there
        self.walk(stmts)
        self.depth -= 1
        lines = self.lines
        escaping = {name: terms for name, terms in self.terms.items() if name in self.active}
        self.lines, self.terms = saved_lines, saved_terms
        return lines, escaping


class LoopAdjoints:
    """Methods of the backward walk for loops.

    The backward loop runs the iterations in reverse. Each restores the carried values the
    forward loop saved at the start of that iteration, recomputes the body's forward
    values from them, and walks the body backwards from the carried values' adjoints;
    what the body sends to names from before the loop is added up across iterations.
    """

    def loop(self, loop: ir.Loop) -> None:
        from .reverse import counted, loop_block, named

        stacks = self.stacks.get(id(loop))
        carried = [(b, e, end) for b, e, end in loop.carried if e in self.active]
        if stacks is None or not (carried or self.touches_stacks(loop)):
            return
        before_lines: list = []
        adjoints = {}
        for _, entry, _ in carried:
            name = self.namer.fresh(f"d_{entry}")
            terms = self.terms.pop(entry, None)
            adjoints[entry] = name
            if entry in self.buffers:  # a written array: the body updates its adjoint in place
                self.owned(entry, terms or [], loop.line, before_lines, name=name)
                continue
            value = self.sum_of(entry, terms, owned=True) if terms else self.zeros(entry)
            before_lines.append(code.assign(name, value, loop.line))
        seeds: dict = {}
        for _, entry, end in carried:
            seeds.setdefault(end, []).append(named(adjoints[entry], entry in self.buffers))
        self.enter_loop(loop)
        body_lines, escaping = self.block(loop.body, seeds)
        entries = [e for _, e, _ in loop.carried]
        restore = [
            code.assign(e, code.call(code.attr(s, "pop")), loop.line) for e, s in stacks.items()
        ]
        iteration = restore + self.replay(loop) + body_lines
        updates = []  # the carried adjoints for the previous iteration, assigned together last
        for _, entry, _ in carried:
            terms = escaping.pop(entry, None)
            if entry in self.buffers:  # added into in place; the same array next iteration
                self.owned(entry, terms or [], loop.line, iteration, name=adjoints[entry])
                continue
            value = self.sum_of(entry, terms, owned=True) if terms else self.zeros(entry)
            updates.append((adjoints[entry], value))
        for outer in sorted(escaping):
            total = self.loop_total(outer)
            iteration += self.accumulate(total, outer, escaping[outer], loop.line)
        for outer, total in sorted(self.leave_loop().items()):
            before_lines.append(code.assign(total, self.zeros(outer), loop.line))
            self.terms.setdefault(outer, []).append(named(total))
        # (`d = d`: unchanged across iterations)
        updates = [u for u in updates if not (isinstance(u[1], ast.Name) and u[1].id == u[0])]
        if len(updates) == 1:
            iteration.append(code.assign(*updates[0], loop.line))
        elif updates:
            values = ast.Tuple([value for _, value in updates], ast.Load())
            iteration.append(code.assign(tuple(n for n, _ in updates), values, loop.line))
        count = ""
        if counted(loop):  # bound before the loop: the stacks empty while it runs
            count = self.namer.fresh("iterations")
            first = next(iter(stacks.values()))
            length = code.call("len", code.name(first))
            before_lines.append(code.assign(count, length, loop.line))
        block = loop_block(loop, tuple(iteration), backward=True, count=count)
        # The backward loop restores every iteration's carried values into the entry names;
        # keep the final ones, which lines after it may still read.
        kept = {e: self.namer.fresh(f"final_{e}") for e in entries}
        before_lines += [code.assign(k, code.name(e), loop.line) for e, k in kept.items()]
        after = [code.assign(e, code.name(k), loop.line) for e, k in kept.items()]
        self.lines += before_lines + [block] + after
        for before, entry, _ in carried:
            if before in self.active:  # (a constant start, s = 0.0, takes no gradient)
                term = named(adjoints[entry], entry in self.buffers)
                self.terms.setdefault(before, []).append(term)

    # Each loop being walked: the names it defines, and the totals it owns (outer name ->
    # total), zeroed before its backward loop and sent to the outer name after it.
    loop_scopes: tuple[tuple[frozenset, dict], ...] = ()

    def enter_loop(self, loop: ir.Loop) -> None:
        from .reverse import all_targets

        inside = frozenset(all_targets(loop.body) | set(loop.targets) | {loop.index})
        self.loop_scopes = self.loop_scopes + ((inside, {}),)

    def leave_loop(self) -> dict:
        """The totals the loop just walked owns."""
        (_, owned), self.loop_scopes = self.loop_scopes[-1], self.loop_scopes[:-1]
        return owned

    def loop_total(self, outer: str) -> str | None:
        """Where a loop body adds what it sends to `outer`: the total of the outermost loop
        being walked that `outer` is defined outside of (so loops nested in it, and branches,
        add into it too), or None when `outer` is defined inside the innermost loop."""
        for inside, owned in self.loop_scopes:
            if outer not in inside:
                if outer not in owned:
                    owned[outer] = self.namer.fresh(f"d_{outer}_loop")
                return owned[outer]
        return None

    def accumulate(self, total: str, outer: str, terms, line) -> list:
        """`total += terms`, each iteration: an element read (x[t]) adds in place."""
        lines, rest = [], []
        for t in terms:
            if t.scatter is None:
                rest.append(t)
                continue
            lines.append(self.add_at(total, t.scatter, line))
        if rest:
            added = joined([code.name(total), self.sum_of(outer, rest, owned=True)])
            lines.append(code.assign(total, added, line))
        return lines


class ControlAdjoints(BranchAdjoints, LoopAdjoints):
    """The backward walk's methods for control flow."""
