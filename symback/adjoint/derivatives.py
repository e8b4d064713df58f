"""Local adjoints of one elementwise statement, derived with SymPy once per statement shape.

Statements are written over placeholder operands (`a0`, `a1`, ...), so every statement of
the same shape shares one derivation, one CSE and one printing: `sympy.diff` costs about a
millisecond a call, a cache hit a dictionary lookup.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from ..backend.printer import print_template
from ..errors import SymbackInternalError
from ..rules import symbols


@dataclass(frozen=True)
class Contribution:
    """`upstream * d(expr)/d(operand)`, printed over placeholders."""

    operand: int
    text: str
    is_sum: bool  # a top-level sum: parenthesise it inside a larger sum
    fields: frozenset[str]  # the placeholders it reads


@dataclass(frozen=True)
class LocalAdjoint:
    """What one statement sends back to its operands: shared temporaries, then one term each."""

    temporaries: tuple[tuple[str, str, frozenset[str]], ...]  # (field, text, fields read)
    contributions: tuple[Contribution, ...]  # only the nonzero ones


@lru_cache(maxsize=None)
def local_adjoint(expr: sp.Expr, active: tuple[bool, ...], seeded: bool) -> LocalAdjoint:
    """The local adjoint of `v = expr(a0, a1, ...)` for the operands marked active.

    `seeded`: the upstream adjoint is 1 (the statement computes the function's output).
    """
    upstream = sp.S.One if seeded else symbols.UPSTREAM
    terms: list[tuple[int, sp.Expr]] = []
    for i in (i for i, is_active in enumerate(active) if is_active):
        d = sp.diff(expr, symbols.operand(i))
        if d == 0:
            continue
        if d.has(sp.Derivative, sp.DiracDelta, sp.Subs):
            raise SymbackInternalError(f"SymPy left {d} unevaluated for {expr}")
        if not expr.is_Atom:
            d = d.subs(expr, symbols.VALUE)  # reuse the forward value: d exp(u) = exp(u) = v
        terms.append((i, upstream * d))
    temp_names = (symbols.temporary(i) for i in itertools.count())
    pairs, reduced = sp.cse([t for _, t in terms], symbols=temp_names)
    temporaries = tuple(
        (str(sym), print_template(value), _fields(value)) for sym, value in pairs
    )
    contributions = tuple(
        Contribution(i, print_template(r), r.is_Add, _fields(r))
        for (i, _), r in zip(terms, reduced)
    )
    return LocalAdjoint(temporaries, contributions)


def _fields(expr: sp.Expr) -> frozenset[str]:
    return frozenset(str(s) for s in expr.free_symbols)


@lru_cache(maxsize=None)
def local_derivatives(expr: sp.Expr, n_operands: int) -> tuple[str | None, ...]:
    """d expr / d a_i for each operand, printed over placeholders (None where it is zero).

    For tools that show the computation graph: the local gradients on its edges.
    """
    out = []
    for i in range(n_operands):
        d = sp.diff(expr, symbols.operand(i))
        out.append(None if d == 0 else print_template(d))
    return tuple(out)
