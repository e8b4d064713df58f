"""Adjoints of control flow: a branch's backward pass runs under the branch's own condition.

The backward walk reaches an `if` after everything that used its merged names: their
adjoints are closed, each branch's statements are walked backwards from them, and what a
branch sends to names from before the `if` is collected into one variable per name,
assigned in both branches (zeros where a branch sends nothing).
"""

from __future__ import annotations

from .. import ir


class BranchAdjoints:
    """Methods of the backward walk for `if` statements (see the module docstring)."""

    def branches(self, stmt: ir.If) -> None:
        from .reverse import Term

        seeds_then: dict = {}
        seeds_else: dict = {}
        for merged, a, b in stmt.outputs:
            terms = self.terms.pop(merged, None)
            if not terms or merged not in self.active:
                continue
            adjoint = self.close(merged, terms, stmt.line)
            term = Term(adjoint, frozenset({adjoint}))
            if a in self.active:
                seeds_then.setdefault(a, []).append(term)
            if b in self.active:
                seeds_else.setdefault(b, []).append(term)
        if not seeds_then and not seeds_else:
            return
        then_lines, then_out = self.block(stmt.then, seeds_then)
        else_lines, else_out = self.block(stmt.orelse, seeds_else)
        np = self.names["np"]
        for outer in sorted(set(then_out) | set(else_out)):
            name = self.namer.fresh(f"d_{outer}_if")
            for lines, out in ((then_lines, then_out), (else_lines, else_out)):
                if outer in out:
                    text = self.sum_text(outer, out[outer], owned=True)
                    uses = frozenset().union(*(t.uses for t in out[outer]))
                else:
                    text, uses = f"{np}.zeros_like({outer}, dtype=float)", frozenset({outer})
                lines.append(ir.Line(name, text, uses, stmt.line))
            self.terms.setdefault(outer, []).append(Term(name, frozenset({name})))
        self.lines.append(ir.Block(f"if {stmt.cond}", tuple(then_lines), tuple(else_lines)))

    def block(self, stmts, seeds: dict):
        """Walk `stmts` backwards from `seeds`; (its lines, the terms it sends outside)."""
        saved_lines, saved_terms = self.lines, self.terms
        self.lines, self.terms = [], {k: list(v) for k, v in seeds.items()}
        self.walk(stmts)
        lines, escaping = self.lines, self.terms
        self.lines, self.terms = saved_lines, saved_terms
        return lines, escaping
