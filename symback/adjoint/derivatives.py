"""Local adjoints of one elementwise statement, derived with SymPy once per statement shape.

Statements are written over placeholder operands (`a0`, `a1`, ...), so every statement of
the same shape shares one derivation, one CSE and one printing: `sympy.diff` costs about a
millisecond a call, a cache hit a dictionary lookup.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from ..errors import SymbackInternalError
from ..ops import symbols
from ..ops.functions import Magnitude, Sigmoid, Where
from .algebra import differentiate, divide_by_sum, may_share, read_value, rewrite
from .stable import guard_unselected, logaddexp_as_sigmoid, stable_forms, trustworthy

_log = logging.getLogger(__name__)
_SHAPES = 4096  # statement shapes whose derivation is kept (a long program has thousands)


@dataclass(frozen=True)
class Contribution:
    """`upstream * d(expr)/d(operand)`, over placeholders."""

    operand: int
    formula: sp.Expr
    is_sum: bool  # a top-level sum: parenthesise it inside a larger sum
    fields: frozenset[str]  # the placeholders it reads


@dataclass(frozen=True)
class LocalAdjoint:
    """What one statement sends back to its operands: shared temporaries, then one term each.
    The formulas are SymPy expressions; backend/formulas.py makes each a tree, once per
    formula and what is known of the values it reads."""

    temporaries: tuple[tuple[str, sp.Expr, frozenset[str]], ...]  # (field, formula, fields read)
    contributions: tuple[Contribution, ...]  # only the nonzero ones
    # no formula holds SymPy's infinity or nan (from np.inf in arithmetic): SymPy's algebra of
    # infinity is not IEEE's (0 * inf), so such a formula has no value to print
    finite: bool = True


@lru_cache(maxsize=_SHAPES)
def local_adjoint(
    expr: sp.Expr,
    active: tuple[bool, ...],
    seeded: bool,
    boolean: tuple[bool, ...] = (),
    calls: tuple[sp.Expr, ...] = (),
    reuse: bool = True,
) -> LocalAdjoint:
    """The local adjoint of `v = expr(a0, a1, ...)` for the operands marked active.

    `seeded`: the upstream adjoint is 1 (the statement computes the function's output).
    `boolean` marks operands that are comparison results (masks). `calls` are the values of
    inner calls (and sums) the forward pass can keep: the adjoint reads the i-th as `c{i}`
    (None: not to be kept). `reuse`:
    the adjoint may read the statement's own value v (not where nothing else needs v).
    """
    inner = {c: symbols.call(i) for i, c in enumerate(calls) if c is not None}
    masks = {symbols.operand(i) for i, is_mask in enumerate(boolean) if is_mask}
    terms: list[tuple[int, sp.Expr]] = []
    for i in (i for i, is_active in enumerate(active) if is_active):
        d = polished_derivative(expr, i, boolean, reuse)
        if d is not None:
            terms.append((i, d.xreplace(inner)))
    temp_names = (symbols.temporary(i) for i in itertools.count())
    try:
        terms, shared = _through_each_other(terms, temp_names)
    except Exception as error:  # noqa: BLE001 (as in _polished)
        _log.debug("contributions not written through each other: %r", error)
        shared = []
    for k, (i, d) in enumerate(terms):
        if not seeded:
            terms[k] = (i, symbols.UPSTREAM * d)
        elif d.free_symbols <= masks:
            terms[k] = (i, sp.Float(1.0) * d)  # a mask or an integer alone is not a float gradient
    formulas = [t for _, t in terms]
    pairs, reduced = sp.cse(formulas, symbols=temp_names) if may_share(formulas) else ([], formulas)
    pairs = shared + pairs
    temporaries = tuple((str(sym), value, _fields(value)) for sym, value in pairs)
    contributions = tuple(
        Contribution(i, r, r.is_Add, _fields(r)) for (i, _), r in zip(terms, reduced)
    )
    formulas = [c.formula for c in contributions] + [value for _, value, _ in temporaries]
    finite = not any(f.has(*_NOT_FINITE) for f in formulas)
    return LocalAdjoint(temporaries, contributions, finite)


_NOT_FINITE = (sp.oo, -sp.oo, sp.zoo, sp.nan)


@lru_cache(maxsize=2 * _SHAPES)
def polished_derivative(
    expr: sp.Expr, i: int, boolean: tuple[bool, ...], reuse: bool
) -> sp.Expr | None:
    """d expr / d a_i in its stable form (_polished), None where it is zero: one derivation
    per statement shape and operand, shared by the local adjoints that differ in what else
    they ask (which operands are active, the upstream seeded, the inner calls kept)."""
    d = derivative(expr, i)
    if d == 0:
        return None
    if expr.is_Atom:
        return d
    masks = {symbols.operand(k) for k, is_mask in enumerate(boolean) if is_mask}
    return _polished(d, expr, masks, reuse)


def derivative(expr: sp.Expr, i: int) -> sp.Expr:
    """d expr / d a_i as SymPy finds it, every value taken as real (abs(log(x)) has the
    derivative sign(log(x)) / x, not SymPy's formula through re and im)."""
    real = as_real(expr)
    d = differentiate(real, symbols.operand(i))
    if d.has(sp.Derivative, sp.DiracDelta, sp.Subs):
        raise SymbackInternalError(f"SymPy left {d} unevaluated for {expr}")
    if real is expr:
        return d
    back = rewrite(d, lambda e: sp.Abs(e.args[0]) if isinstance(e, Magnitude) else None)
    # abs of a value SymPy cannot prove real evaluates to re(..) again: printed as Magnitude
    return d if back.has(*_COMPLEX_PARTS[:-1]) else back


_COMPLEX_PARTS = (sp.re, sp.im, sp.arg, sp.Abs)
_REAL_PASSES = 4  # rebuilding a node can evaluate it again (sign(exp(u)) -> exp(I im(u)))


def as_real(expr: sp.Expr) -> sp.Expr:
    """`expr` with every value taken as real: re(u) -> u, im(u) -> 0, arg(u) -> pi where
    u < 0, abs -> Magnitude. SymPy writes them as it builds expressions whose arguments it
    cannot prove real (abs(exp(u)) evaluates to exp(re(u)) for u = arccosh(x)); the printer
    has no rule for them and their derivatives are left unevaluated (Subs(Derivative(re)))."""

    def rule(e: sp.Basic) -> sp.Basic | None:
        if isinstance(e, sp.re):
            return rewrite(e.args[0], rule)
        if isinstance(e, sp.im):
            return sp.S.Zero
        if isinstance(e, sp.arg):  # of a real value: 0, or pi for a negative one
            return Where(sp.StrictLessThan(rewrite(e.args[0], rule), 0), sp.pi, sp.S.Zero)
        if isinstance(e, sp.Abs):
            return Magnitude(rewrite(e.args[0], rule))
        return None

    out = expr
    for _ in range(_REAL_PASSES):
        if not out.has(*_COMPLEX_PARTS):
            return out
        out = rewrite(out, rule)
    raise SymbackInternalError(f"{expr} kept complex parts as real: {out}")


def _polished(d: sp.Expr, expr: sp.Expr, masks: set, reuse: bool) -> sp.Expr:
    """Derivative `d` of `expr` in its stable form, reading the forward value if `reuse`
    and guarded where a where-branch is not selected; `d` itself should a rewrite fail."""
    try:
        out = with_forward_value(d, expr, masks) if reuse else stable_forms(d)
        out = out if reuse else logaddexp_as_sigmoid(out)
        return guard_unselected(out, masks)
    except Exception as error:  # noqa: BLE001 (the rewrites are ours: a failure is a bug,
        # logged for the tests and the fuzzer to find, and the plain derivative is right)
        _log.debug("derivative of %s left as SymPy found it: %r", expr, error)
        return d


_CHAIN_MAX_OPS = 40  # each term is divided by each other contribution: small ones only
_CHAIN_MAX_OPERANDS = 12


def _through_each_other(terms: list, temp_names) -> tuple[list, list]:
    """Contributions written through each other where one is another times a polynomial:
    Rosenbrock's d/da1 = -400 a1 (a0 - a1**2) + 2 (a1 - 1) reads -2 a1 * d/da0 + 2 (a1 - 1),
    as backpropagation by hand computes it (one product instead of three). Returns the
    terms and the temporaries they now read, (symbol, value)."""
    out, shared = list(terms), []
    if len(terms) > _CHAIN_MAX_OPERANDS:  # every pair is tried
        return out, shared
    named: dict[int, sp.Symbol] = {}
    sums = [i for i, (_, di) in enumerate(terms) if di.is_Add]
    for j, (operand, dj) in enumerate(out):
        if not any(i != j for i in sums) or sp.count_ops(dj) > _CHAIN_MAX_OPS:
            continue  # (count_ops costs as much as a derivative: only where a sum is tried)
        for i, (_, di) in enumerate(terms):
            # (a product is shared by CSE anyway; a sum that SymPy expanded is not)
            if i == j or not di.is_Add or i in named and j in named:
                continue
            parts, used = [], False
            for t in sp.Add.make_args(dj):
                q = divide_by_sum(t, di)
                simple = q is not None and q.is_polynomial(*q.free_symbols)
                if simple and sp.count_ops(q) + 1 < sp.count_ops(t):
                    parts.append((q, True))
                    used = True
                else:
                    parts.append((t, False))
            if not used:
                continue
            if i not in named:
                named[i] = next(temp_names)
                shared.append((named[i], di))
            out[j] = (operand, sp.Add(*(p * named[i] if through else p for p, through in parts)))
            break
    for i, symbol in named.items():
        out[i] = (out[i][0], symbol)
    return out, shared


def with_forward_value(d: sp.Expr, expr: sp.Expr, masks: set) -> sp.Expr:
    """Derivative `d` of `v = expr` in a stable form, reading v where that is safe.

    Reading v is faster, but v is the user's own forward value: where it overflowed (inf,
    or inf / inf = nan) a formula through it may be nan, or finite and wrong (exp(x - v) is
    0 at v = inf). The form reading v is kept only if it agrees with the stable one
    wherever that is finite, extreme inputs included (stable.trustworthy).
    """
    stable = stable_forms(d)
    reused = reuse_forward_value(stable, expr)
    if reused == stable or trustworthy(reused, stable, expr, masks):
        return reused
    return stable


def reuse_forward_value(d: sp.Expr, expr: sp.Expr) -> sp.Expr:
    """Write derivative `d` of `v = expr` with v where d holds v exactly: d exp(u) = v,
    d tanh(u) = 1 - v**2, d sqrt(u) = 1 / (2 v), d sigmoid(u) = v * (1 - v).

    By pattern only (algebra.read_value), never by solving v = expr for a subexpression:
    that has no bound on its cost and fails on forms such as v = exp(u)**y.
    """
    sigmoid = stable_forms(expr)
    if isinstance(sigmoid, Sigmoid):  # v = sigmoid(u): its complement sigmoid(-u) is 1 - v
        u = sigmoid.args[0]
        d = d.xreplace({sigmoid: symbols.VALUE, Sigmoid(-u): 1 - symbols.VALUE})
    return read_value(d, expr, symbols.VALUE)


def _fields(expr: sp.Expr) -> frozenset[str]:
    return frozenset(str(s) for s in expr.free_symbols)


@lru_cache(maxsize=_SHAPES)
def local_derivatives(expr: sp.Expr, n_operands: int) -> tuple[sp.Expr | None, ...]:
    """d expr / d a_i for each operand, over placeholders (None where it is zero).

    For tools that show the computation graph: the local gradients on its edges.
    """
    out = []
    for i in range(n_operands):
        d = sp.diff(expr, symbols.operand(i))
        out.append(None if d == 0 else d)
    return tuple(out)
