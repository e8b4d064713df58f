"""Stability shifts: `m = np.max(z, axis, keepdims=True)` that the output does not depend on.

Softmax and log-sum-exp code subtracts the maximum first (`s = z - m`) so that exp cannot
overflow. The output is then the same for any m: adding a constant C to m (one per row)
shifts s by -C, scales exp(s) and its sums along the axis by exp(-C), shifts their log back
by -C, and `s - lse` does not change. So d output / d m = 0 exactly, and the gradient
through m (ties of the maximum, a sum over the axis) need not be computed.

This module proves that, statement by statement, with SymPy: each value reading m is
invariant, shifted by +-C, or scaled by exp(+-C) (sums along m's axis keep the scaling);
anything else (another use, a branch, a loop, the output itself) and m keeps its gradient.
"""

from __future__ import annotations

import sympy as sp

from .. import ir
from ..ops import symbols

SHIFT = sp.Symbol("C", real=True)
_REDUCTIONS = frozenset({"max", "min"})


def shift_free(fn: ir.Function) -> set[str]:
    """The top-level maxima and minima whose value the output does not depend on."""
    out = set()
    for i, s in enumerate(fn.body):
        if isinstance(s, ir.Primitive) and s.op in _REDUCTIONS and _keeps_dims(s):
            if _invariant(fn, i, s.target, dict(s.params).get("axis")):
                out.add(s.target)
    return out


def _keeps_dims(s: ir.Primitive) -> bool:
    params = dict(s.params)
    return params.get("axis") is None or bool(params.get("keepdims"))


def _invariant(fn: ir.Function, start: int, m: str, axis) -> bool:
    """Does adding C to m leave the output unchanged? (m reduced along `axis`.)"""
    status = {m: SHIFT}  # name -> what adding C to m adds to it (shift) or multiplies it by
    for s in fn.body[start + 1 :]:
        if not ir.reads(s) & set(status):
            continue
        if isinstance(s, ir.Elementwise):
            effect = _elementwise(s, status)
        elif isinstance(s, ir.Primitive):
            effect = _reduction(s, status, axis)
        else:
            return False  # a branch, a loop or opaque code reads it
        if effect is None:
            return False
        if effect != 0:
            status[s.target] = effect
    return fn.output not in status


def _elementwise(s: ir.Elementwise, status: dict):
    """0 (unchanged), +-C (shifted), exp(+-C) (scaled) or None (anything else)."""
    subs = {}
    for i, name in enumerate(s.operands):
        effect = status.get(name)
        if effect is None:
            continue
        a = symbols.operand(i)
        subs[a] = a + effect if _is_shift(effect) else a * effect
    changed = sp.expand(sp.expand_log(s.expr.xreplace(subs), force=True))
    plain = sp.expand(sp.expand_log(s.expr, force=True))
    difference = sp.simplify(changed - plain)
    if difference == 0:
        return 0
    if difference in (SHIFT, -SHIFT):
        return difference
    ratio = sp.simplify(changed / plain) if plain != 0 else None
    if ratio in (sp.exp(SHIFT), sp.exp(-SHIFT)):
        return ratio
    return None


def _reduction(s: ir.Primitive, status: dict, axis):
    """A sum along m's axis keeps a scaling (every term is scaled alike); nothing else."""
    params = dict(s.params)
    effect = status.get(s.operands[0]) if len(s.operands) == 1 else None
    if s.op not in ("sum", "mean") or effect is None or _is_shift(effect):
        return None
    along = params.get("axis")
    if axis is None or along == axis and params.get("keepdims"):
        return effect
    return None


def _is_shift(effect) -> bool:
    return effect in (SHIFT, -SHIFT)
