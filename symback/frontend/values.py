"""What lowering an expression yields: its SymPy form, its forward code, its operands."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

import sympy as sp

from ..ops import symbols


@dataclass
class Val:
    """A lowered expression: SymPy form over the statement's placeholders, and forward code."""

    expr: sp.Expr
    code: ast.expr
    boolean: bool = False
    # a list or tuple as written (`[x, y]`, a constant COEFFS), read as an array: Python's
    # operators on it mean something else (expressions.py refuses them)
    sequence: bool = False


@dataclass
class Operands:
    """The SSA names one elementwise statement reads, numbered in order of first use."""

    names: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    calls: dict = field(default_factory=dict)  # each inner call's (or sum's) value -> its code

    def use(self, name: str) -> sp.Symbol:
        if name not in self.index:
            self.index[name] = len(self.names)
            self.names.append(name)
        return symbols.operand(self.index[name])

    def name_of(self, expr: sp.Expr) -> str | None:
        """The operand an expression is, if it is a bare placeholder."""
        if isinstance(expr, sp.Symbol):
            for name, i in self.index.items():
                if symbols.operand(i) == expr:
                    return name
        return None
