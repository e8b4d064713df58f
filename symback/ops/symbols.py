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


@lru_cache(maxsize=None)
def call(i: int) -> sympy.Symbol:
    """Placeholder for the value of a statement's i-th inner call (np.exp(x) in
    np.exp(x) * w), computed once in the forward pass when the adjoint reads it too."""
    return sympy.Symbol(f"c{i}", real=True)


VALUE = sympy.Symbol("v", real=True)  # the statement's own forward value
UPSTREAM = sympy.Symbol("bar", real=True)  # the adjoint of the statement's value
