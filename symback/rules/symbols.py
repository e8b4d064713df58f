"""The placeholder symbols that cached derivative templates are written over."""

from __future__ import annotations

from functools import lru_cache

import sympy


@lru_cache(maxsize=None)
def operand(i: int) -> sympy.Symbol:
    """Placeholder for a statement's i-th operand, in order of first appearance."""
    return sympy.Symbol(f"a{i}", real=True)


@lru_cache(maxsize=None)
def temporary(i: int) -> sympy.Symbol:
    """Placeholder for the i-th common subexpression of a statement's adjoint."""
    return sympy.Symbol(f"t{i}", real=True)


VALUE = sympy.Symbol("v", real=True)  # the statement's own forward value
UPSTREAM = sympy.Symbol("bar", real=True)  # the adjoint of the statement's value
