"""Numerically stable derivative formulas: sigmoid and softplus forms that cannot overflow.

A user who writes `log(1 + exp(x))` or `1 / (1 + exp(-x))` gets their own forward value, but
the derivative SymPy finds, `exp(x) / (1 + exp(x))`, is inf / inf = nan once exp overflows
(x > 709) although the true gradient is 1. `stable_forms` rewrites such formulas into the
logistic function and `logaddexp`, which are finite for every finite input; `trustworthy`
checks numerically that a formula reading the forward value agrees with the stable one, so
that reusing an overflowed forward value never turns into a nan or a wrong finite gradient.
"""

from __future__ import annotations

import math
import warnings
from functools import lru_cache

import numpy
import sympy as sp

from ..backend.formulas import compiled
from ..ops import symbols
from ..ops.functions import (
    Clip,
    LogAddExp,
    LogAddExp2,
    Magnitude,
    Maximum,
    Minimum,
    Sigmoid,
    Where,
    is_selector,
)
from .algebra import common_factor, ratio, whole

# -- rewriting ------------------------------------------------------------------------------


@lru_cache(maxsize=4096)  # (asked of a statement once for each operand's derivative)
def stable_forms(expr: sp.Expr) -> sp.Expr:
    """`expr` with its softplus and sigmoid subexpressions in forms that cannot overflow.

    log(c + exp(u)) -> logaddexp(log c, u); exp(k*u) / (c + exp(u))**m -> c**(k - m) *
    sigmoid(w)**k * sigmoid(-w)**(m - k) with w = u - log c, for 0 <= k <= m;
    c - c * sigmoid(u) -> c * sigmoid(-u); sinh(u) / cosh(u) -> tanh(u).
    """
    if not expr.has(sp.exp, sp.cosh):
        return expr
    return _rewrite(expr)


def logaddexp_as_sigmoid(expr: sp.Expr) -> sp.Expr:
    """exp(q - logaddexp(p, q)) as sigmoid(q - p): the same number, without the logaddexp
    (for an adjoint that must not read the forward value, which is that logaddexp)."""

    def rewrite(arg):
        for term in arg.atoms(LogAddExp):
            p, q = term.args
            rest = arg + term  # (SymPy collects the sum's terms: q - logaddexp + logaddexp)
            if rest == q:
                return Sigmoid(q - p)
            if rest == p:
                return Sigmoid(p - q)
        return sp.exp(arg)

    return expr.replace(sp.exp, rewrite) if expr.has(LogAddExp) else expr


def _rewrite(expr: sp.Expr) -> sp.Expr:
    """Top down, so that a whole product exp(u) / (1 + exp(u)) is seen before its divisor.
    A subtree met twice (SymPy shares them) is rewritten once."""
    done: dict[sp.Expr, sp.Expr] = {}

    def visit(e: sp.Expr) -> sp.Expr:
        if e.is_Atom:
            return e
        if e in done:
            return done[e]
        out = e
        if _is_softplus(out):
            u, c = _exp_plus_constant(out.args[0])
            out = LogAddExp(sp.Float(0.0) if c == 1 else sp.log(c), u)
        elif out.is_Mul or out.is_Pow:
            out = _tanh(_sigmoids(out))
        args = tuple(visit(a) for a in out.args)
        if any(new is not old for new, old in zip(args, out.args)):
            out = out.func(*args)  # (rebuilt only where an argument changed: SymPy
            # evaluates a node again as it builds it)
        if out.is_Add and out.has(Sigmoid):
            out = _complements(out)
            # sigmoid(u) - sigmoid(u)**2 is sigmoid(u) * sigmoid(-u): no cancellation
            parts = sp.Mul.make_args(common_factor(out))
            factored = sp.Mul(*(_complements(f) for f in parts))
            if sp.count_ops(factored) <= sp.count_ops(out):
                out = factored
        done[e] = out
        return out

    return visit(expr)


def _exp_plus_constant(e: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """(u, c) if e is c + exp(u) for a positive number c, else None."""
    if e.is_Add and len(e.args) == 2:
        c, other = e.as_coeff_Add()
        if c.is_positive and isinstance(other, sp.exp):
            return other.args[0], c
    return None


def _is_softplus(e: sp.Expr) -> bool:
    return isinstance(e, sp.log) and _exp_plus_constant(e.args[0]) is not None


def _sigmoids(e: sp.Expr) -> sp.Expr:
    """exp(k*u) / (c + exp(u))**m, within a product, as sigmoids (see stable_forms)."""
    factors = list(sp.Mul.make_args(e))
    for i, factor in enumerate(factors):
        if not (factor.is_Pow and factor.exp.is_Integer and factor.exp < 0):
            continue
        found = _exp_plus_constant(factor.base)
        if found is None:
            continue
        (u, c), m = found, int(-factor.exp)
        k = 0
        for j, other in enumerate(factors):
            r = whole(ratio(other.args[0], u)) if isinstance(other, sp.exp) else None
            if r is not None and 0 < r <= m:  # (1.0 when u carries a float coefficient)
                k, factors[j] = r, sp.S.One
                break
        w = u if c == 1 else u - sp.log(c)
        factors[i] = c ** (k - m) * Sigmoid(w) ** k * Sigmoid(-w) ** (m - k)
    return sp.Mul(*factors)


def _tanh(e: sp.Expr) -> sp.Expr:
    """sinh(u) / cosh(u) -> tanh(u) (log(cosh(x))'s derivative: inf / inf for |x| > 710)."""
    factors = sp.Mul.make_args(e)
    for f in factors:
        if isinstance(f, sp.sinh) and sp.cosh(f.args[0]) ** -1 in factors:
            return e * sp.cosh(f.args[0]) / f * sp.tanh(f.args[0])
    return e


def _complements(e: sp.Expr) -> sp.Expr:
    """c - c * sigmoid(u) -> c * sigmoid(-u): no cancellation for large u."""
    if not e.is_Add:
        return e
    constant, rest = e.as_coeff_Add()
    if constant == 0:
        return e
    terms = list(sp.Add.make_args(rest))
    for i, term in enumerate(terms):
        coeff, factor = term.as_coeff_Mul()
        if isinstance(factor, Sigmoid) and coeff == -constant:
            terms[i] = constant * Sigmoid(-factor.args[0])
            return sp.Add(*terms)
    return e


# -- where ----------------------------------------------------------------------------------

# Functions finite at every finite argument: a branch built of these (and of sums, products
# and whole powers) cannot turn an unselected element into inf or nan.
_ENTIRE = (
    sp.exp,
    sp.sin,
    sp.cos,
    sp.sinh,
    sp.cosh,
    sp.tanh,
    sp.atan,
    sp.asinh,
    sp.erf,
    sp.erfc,
    sp.Abs,
    Magnitude,
    sp.sign,
    sp.Heaviside,
    Maximum,
    Minimum,
    Clip,
    Where,
    LogAddExp,
    LogAddExp2,
    Sigmoid,
)
_SAFE_VALUES = (1.0, 0.5, 2.0)


def guard_unselected(d: sp.Expr, masks: set) -> sp.Expr:
    """where(c, 1, 0) * rest -> where(c, 1, 0) * rest(where(c, a, 1.0), ...).

    The derivative of `np.where(x > 0, np.sqrt(x), 0)` is printed `np.where(c, g, 0)`, and
    NumPy evaluates g everywhere: at x = 0 it divides by zero (a RuntimeWarning, and an inf
    the where then drops). Where g may be singular, its operands are replaced, at the
    unselected elements, by a value at which g is finite: the double-where of careful code.
    """
    if not d.has(Where):  # (replace rebuilds every node: only where a selector can be)
        return d
    return d.replace(lambda e: e.is_Mul and any(is_selector(f) for f in e.args), _guarded)


def _guarded(product: sp.Expr) -> sp.Expr:
    selector = next(f for f in product.args if is_selector(f))
    cond, if_true, _ = selector.args
    rest = product / selector
    if not _may_be_singular(rest):
        return product
    guarded = sorted(
        rest.free_symbols - cond.free_symbols - {symbols.UPSTREAM}, key=lambda s: s.name
    )
    for safe in _SAFE_VALUES:
        probe = {s: sp.Float(safe) for s in guarded} | {symbols.UPSTREAM: sp.Float(1.0)}
        try:
            value = complex(rest.xreplace(probe).evalf())
        except TypeError:  # still holds a symbol (a mask): cannot tell
            return product
        if value.imag == 0 and math.isfinite(value.real):
            break
    else:
        return product
    safe_value = sp.Float(safe)
    pick = {
        s: Where(cond, s, safe_value) if if_true == 1 else Where(cond, safe_value, s)
        for s in guarded
    }
    return selector * rest.xreplace(pick)


def _may_be_singular(e: sp.Expr) -> bool:
    """Can e be inf or nan at finite arguments (a division, a root, a log, ...)?"""
    for node in sp.preorder_traversal(e):
        if node.is_Pow and node.base.free_symbols:
            whole = node.exp.is_Integer and node.exp >= 0
            nonzero = node.base.is_positive or (node.exp.is_Integer and node.base.is_negative)
            if not (whole or nonzero):  # 1 / x, sqrt(x); not 1 / (x**2 + 1)
                return True
        elif isinstance(node, sp.log) and not node.args[0].is_positive:
            return True
        elif isinstance(node, sp.Function) and not isinstance(node, _ENTIRE + (sp.log,)):
            return True
    return False


# -- checking -------------------------------------------------------------------------------

# Each operand takes each of these values (up to 3 operands; more are sampled): ordinary
# values, values where exp overflows (|x| > 709) and values where 1 + exp(-x) rounds to 1.
PROBES = (-1000.0, -40.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 40.0, 1000.0)
_MAX_POINTS = 1500
RTOL, ATOL = 1e-8, 1e-13


def trustworthy(candidate: sp.Expr, reference: sp.Expr, expr: sp.Expr, masks: set) -> bool:
    """Does `candidate` (which may read the forward value v = expr) agree with `reference`
    at every probe point where the reference is finite?

    Both are evaluated in float64 as the generated code would evaluate them, v by the
    forward formula itself, so an overflowed forward value shows up as it would at run time.
    Formulas the probe cannot evaluate count as agreeing (they are left as they were).
    """
    operands = sorted(
        (
            s
            for s in (candidate.free_symbols | reference.free_symbols | expr.free_symbols)
            if s not in (symbols.VALUE, symbols.UPSTREAM)
        ),
        key=lambda s: s.name,
    )
    columns = _probe_points(tuple(s in masks for s in operands))
    values = {s.name: column for s, column in zip(operands, columns)}
    with numpy.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            values[symbols.VALUE.name] = _evaluate(expr, values)
            ours = _evaluate(candidate, values) + numpy.zeros(_size(values))
            truth = _evaluate(reference, values) + numpy.zeros(_size(values))
        except (TypeError, ValueError, NameError, AttributeError, ZeroDivisionError):
            return True
        finite = numpy.isfinite(truth)
        close = numpy.abs(ours - truth) <= RTOL * numpy.abs(truth) + ATOL
    return bool(numpy.all(close[finite]))


@lru_cache(maxsize=64)  # (by the operands that are masks: the same few patterns every time)
def _probe_points(is_mask: tuple[bool, ...]) -> tuple[numpy.ndarray, ...]:
    """Every combination of the probes, or past _MAX_POINTS a fixed sample of them (every
    k-th, the same decision every run), drawn without listing the 11**n combinations: the
    i-th operand's values, a mask's True or False. (Read only: shared by every check.)"""
    choices = [(True, False) if mask else PROBES for mask in is_mask]
    total = math.prod(len(c) for c in choices)
    step = max(1, math.ceil(total / _MAX_POINTS))
    indices = numpy.arange(0, total, step, dtype=object)  # (exact past 2**63)
    columns = []
    for c in reversed(choices):  # the last operand varies fastest, as itertools.product
        columns.append(numpy.array([c[int(i)] for i in indices % len(c)]))
        indices = indices // len(c)
    for column in columns:
        column.flags.writeable = False
    return tuple(reversed(columns))


def _size(values: dict[str, numpy.ndarray]) -> int:
    return max((numpy.size(v) for v in values.values()), default=1)


def _evaluate(expr: sp.Expr, values: dict[str, numpy.ndarray]):
    # the formula's own tree, run with NumPy for its placeholders np and math
    namespace = {"__builtins__": {}, "np": numpy, "math": numpy, "exp_or_inf": numpy.exp}
    return eval(compiled(expr), namespace, dict(values))  # (errstate: the caller's)
