"""algebra.may_share, which lets a statement's adjoint skip sympy.cse, says "nothing to share"
only where sympy.cse finds nothing: checked on random formulas built to share subtrees, their
negations, powers and their inverses, and common factors or terms."""

from __future__ import annotations

import random

import sympy as sp

from symback.adjoint.algebra import may_share

a0, a1, a2, bar = sp.symbols("a0 a1 a2 bar", real=True)
_LEAVES = (a0, a1, a2, bar, sp.Float(0.5), sp.Integer(2), sp.Float(-1.25))
_UNARY = (sp.exp, sp.sin, sp.cos, sp.tanh, sp.log, sp.sqrt, sp.atan, lambda u: -u, lambda u: 1 / u)
_BINARY = (
    lambda u, v: u + v,
    lambda u, v: u - v,
    lambda u, v: u * v,
    lambda u, v: u / v,
    lambda u, v: u**v,
    lambda u, v: u * v * bar,
)


def _formula(rng: random.Random, depth: int, pool: list) -> sp.Expr:
    if pool and rng.random() < 0.25:
        return rng.choice(pool)  # a subtree met before: shared, perhaps negated below
    if depth == 0 or rng.random() < 0.2:
        return rng.choice(_LEAVES)
    if rng.random() < 0.5:
        out = rng.choice(_UNARY)(_formula(rng, depth - 1, pool))
    else:
        left = _formula(rng, depth - 1, pool)
        out = rng.choice(_BINARY)(left, _formula(rng, depth - 1, pool))
    pool.append(out)
    return out


def test_nothing_to_share_means_sympy_cse_finds_nothing():
    rng = random.Random(0)
    said_nothing = found = 0
    for _ in range(1500):
        pool: list = []
        exprs = [_formula(rng, 3, pool) for _ in range(rng.randint(1, 3))]
        exprs = [e for e in exprs if not e.is_Atom and e.is_finite is not False]
        if not exprs:
            continue
        pairs, _ = sp.cse(exprs)
        found += bool(pairs)
        if not may_share(exprs):
            said_nothing += 1
            assert pairs == [], exprs
    # the check is not vacuous: both answers come up often
    assert said_nothing > 200 and found > 200


def test_the_forms_sympy_cse_shares():
    assert may_share([sp.Heaviside(a0 - a1), sp.Heaviside(a1 - a0)])  # negated sums
    assert may_share([1 / (a0**2 + 1) + sp.log(a1) / a0**2])  # a power and its inverse
    assert may_share([bar * a1 * sp.sin(a0), bar * a1 * sp.cos(a2)])  # two common factors
    assert may_share([sp.sin(a0 + a1 + 2) + sp.cos(a0 + a1 + a2)])  # two common terms
    assert may_share([sp.exp(a0) * a1, sp.exp(a0) + a2])  # a subtree twice
    assert not may_share([sp.sin(a0) * a1, sp.cos(a2) + a0])
