"""Bounded algebra on SymPy trees: the few rewrites derivative formulas need, by pattern.

SymPy's `solve`, `factor`, `cancel`, `simplify` and `expand` have no useful bound on their
cost (solving v = exp(0.6065 x) for exp(x) built a polynomial of degree 10**16 and grew past
6 GB) and raise on forms they do not know (NotImplementedError on v = x**a). The rewrites
here only match the tree's structure: each visits every distinct node once, or compares a
sum's terms pairwise, so their cost is linear in the formula's size.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import lru_cache, reduce

import sympy as sp
from sympy.core.function import ArgumentIndexError

Rule = Callable[[sp.Basic], "sp.Basic | None"]


def rewrite(expr: sp.Basic, rule: Rule) -> sp.Basic:
    """`expr` with `rule` applied top down: where it returns an expression, that takes the
    node's place (and is not visited further); elsewhere the node's arguments are rewritten.
    A subtree met twice (SymPy shares them) is rewritten once."""
    return _rewritten(expr, rule, {})


def _rewritten(node: sp.Basic, rule: Rule, done: dict) -> sp.Basic:
    # (a function of its own: a closure calling itself is a reference cycle, garbage the
    # collector has to find, one per derivative of a long program)
    if node in done:
        return done[node]
    out = rule(node)
    if out is None:
        out = node
        if node.args and not node.is_Atom:
            args = tuple(_rewritten(a, rule, done) for a in node.args)
            if any(new is not old for new, old in zip(args, node.args)):
                out = node.func(*args)
    done[node] = out
    return out


def ratio(a: sp.Expr, b: sp.Expr) -> sp.Number | None:
    """The number r with a == r * b term by term (2 x - 4 y is -2 (2 y - x)), else None."""
    if a == b:
        return sp.S.One
    ca, ra = a.as_coeff_Mul()
    cb, rb = b.as_coeff_Mul()
    if ra == rb and cb != 0:
        return ca / cb
    if not (a.is_Add and b.is_Add and len(a.args) == len(b.args)):
        return None
    mine = dict(reversed(t.as_coeff_Mul()) for t in a.args)
    theirs = dict(reversed(t.as_coeff_Mul()) for t in b.args)
    if mine.keys() != theirs.keys():
        return None
    found = None
    for rest, c in mine.items():
        r = c / theirs[rest]
        if found is not None and r != found:
            return None
        found = r
    return found


def whole(r: sp.Number | None) -> int | None:
    """r as a Python int if it is a nonzero whole number (2 or 2.0), else None."""
    if r is None or not r.is_Number or not r.is_finite or r.is_zero:
        return None
    x = float(r)  # (SymPy's 2.0 == 2 is False)
    return int(x) if x == int(x) else None


def _powers(term: sp.Expr) -> tuple[sp.Expr, dict[sp.Expr, int]]:
    """A product as (its number, {base: whole exponent}); other powers count as bases."""
    coeff, factors = sp.S.One, {}
    for f in sp.Mul.make_args(term):
        if f.is_Number:
            coeff *= f
            continue
        base, k = (f.base, int(f.exp)) if f.is_Pow and f.exp.is_Integer else (f, 1)
        factors[base] = factors.get(base, 0) + k
    return coeff, factors


def common_factor(e: sp.Expr) -> sp.Expr:
    """A sum with the factors every term has pulled out: s - s**2 -> s * (1 - s),
    s + x*s*t -> s * (1 + x*t). Numbers stay inside; nothing is expanded or cancelled."""
    if not e.is_Add:
        return e
    terms = [_powers(t) for t in e.args]
    common = {}
    for base, k in terms[0][1].items():
        least = min((factors.get(base, 0) for _, factors in terms), default=0)
        if k > 0 and least > 0:
            common[base] = least
    if not common:
        return e
    rest = [
        coeff * sp.Mul(*(b ** (k - common.get(b, 0)) for b, k in factors.items()))
        for coeff, factors in terms
    ]
    return sp.Mul(*(b**k for b, k in common.items())) * sp.Add(*rest)


def divide_by_sum(term: sp.Expr, divisor: sp.Expr) -> sp.Expr | None:
    """term / divisor when the sum `divisor` is, up to a number, a factor of the product
    `term` (-400 x (y - x**2) / (200 y - 200 x**2) = -2 x), else None."""
    if not divisor.is_Add:
        return None
    factors = list(sp.Mul.make_args(term))
    for i, f in enumerate(factors):
        base, k = (f.base, f.exp) if f.is_Pow and f.exp.is_Integer and f.exp > 0 else (f, 1)
        r = ratio(base, divisor) if base.is_Add else None
        if r is not None:
            rest = factors[:i] + factors[i + 1 :]
            return (
                sp.Mul(*rest) * base ** (k - 1) * r
            )  # (term = rest * base**k, base = r * divisor)
    return None


def read_value(d: sp.Expr, expr: sp.Expr, value: sp.Symbol) -> sp.Expr:
    """`d` with the formula `expr` read as its value wherever `d` holds it exactly: as a
    node, as whole powers of it (1 / (2 sqrt(u)) is 1 / (2 v), exp(2 u) is v**2), and as
    factors of a product (x exp(u) * w is v * w where v = x exp(u)). Never by dividing: v
    stands only for what d computes anyway."""
    key = hash(expr)
    base, exponent = _base_exp(expr)
    coeff, factors = expr.as_coeff_mul() if expr.is_Mul else (None, ())

    def rule(node: sp.Basic) -> sp.Basic | None:
        if hash(node) == key and node == expr:
            return value
        if base is not None:
            b, k = _base_exp(node)
            q = whole(ratio(k, exponent)) if b is not None and b == base else None
            # v**-q divides by v: only where the formula divides by the base already
            if q is not None and (q > 0 or not (exponent.is_number and exponent < 0)):
                return value**q
        if factors and node.is_Mul:
            return _read_factors(node, coeff, factors, value, rule)
        return None

    return rewrite(d, rule)


def _base_exp(e: sp.Basic) -> tuple[sp.Expr | None, sp.Expr | None]:
    """(b, k) of a power b**k or of exp(k) (b = E); (None, None) for anything else."""
    if e.is_Pow:
        return e.base, e.exp
    if isinstance(e, sp.exp):
        return sp.E, e.args[0]
    return None, None


def _read_factors(node, coeff, factors, value, rule) -> sp.Expr | None:
    """A product holding every factor of v's product (and v's number, or minus it) as
    v times the rest; the rest rewritten by `rule` too."""
    c, rest = node.as_coeff_mul()
    if c not in (coeff, -coeff):
        return None
    rest = list(rest)
    for f in factors:
        if f not in rest:
            return None
        rest.remove(f)
    return (c / coeff) * value * rewrite(sp.Mul(*rest), rule)


def size(expr: sp.Basic, limit: int) -> int:
    """The number of nodes of `expr` (as printed: a shared subtree counts each time), or
    `limit` once it reaches that: a bound costs no more than the bound."""
    count, stack = 0, [expr]
    while stack and count < limit:
        node = stack.pop()
        count += 1
        stack.extend(node.args)
    return count


def differentiate(expr: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """d expr / dx by the chain rule, each distinct subtree once: the formulas sympy.diff
    finds (products and powers multiplied out in its order), at about a quarter of its cost
    (sympy.Derivative collects the free symbols of every subexpression it meets). Nodes of
    other kinds are left to sympy.diff; conditions carry no derivative. Only the arguments
    that read x are visited (their derivative is 0 elsewhere): a sum of k operands costs k
    steps for all k derivatives together, not k each."""
    return _derivative(expr, x, _arguments_reading(expr), {})


def _derivative(e: sp.Basic, x: sp.Symbol, reading: dict, done: dict) -> sp.Expr:
    """d e / dx for a subtree of the expression `reading` describes (differentiate)."""
    if e in done:
        return done[e]
    if e == x:
        out = sp.S.One
    elif e.is_Atom or not isinstance(e, sp.Expr):
        out = sp.S.Zero
    elif x not in reading[e]:
        out = sp.S.Zero
    elif e.is_Add:
        out = sp.Add(*(_derivative(e.args[i], x, reading, done) for i in reading[e][x]))
    elif e.is_Mul:
        args = list(e.args)
        terms = []
        for i in reading[e][x]:
            da = _derivative(args[i], x, reading, done)
            if da is not sp.S.Zero:
                terms.append(reduce(operator.mul, args[:i] + [da] + args[i + 1 :], sp.S.One))
        out = sp.Add(*terms)
    elif e.is_Pow and _derivative(e.exp, x, reading, done) is sp.S.Zero:
        db = _derivative(e.base, x, reading, done)
        # n u**(n - 1) du, not SymPy's u**n * (n du / u): where SymPy cannot merge the
        # two powers (u a product, n not an integer) that divides by u, 0 / 0 at u = 0
        out = sp.S.Zero if db is sp.S.Zero else e.exp * sp.Pow(e.base, e.exp - 1) * db
    elif isinstance(e, sp.Function):
        partials = ((i, _derivative(e.args[i], x, reading, done)) for i in reading[e][x])
        out = sp.Add(*(_partial(e, i) * da for i, da in partials if da != 0))
    else:
        out = sp.diff(e, x)
    done[e] = out
    return out


@lru_cache(maxsize=64)  # (the derivatives of one statement, by each operand in turn)
def _arguments_reading(expr: sp.Basic) -> dict:
    """For each distinct compound subtree of `expr`: symbol -> the indices of its arguments
    that read the symbol, in order."""
    out: dict[sp.Basic, dict] = {}

    def symbols_of(e: sp.Basic):
        if e.is_Symbol:
            return (e,)
        if e.is_Atom:
            return ()
        if e not in out:
            reading: dict = {}
            for i, a in enumerate(e.args):
                for s in symbols_of(a):
                    reading.setdefault(s, []).append(i)
            out[e] = reading
        return out[e].keys()

    symbols_of(expr)
    return out


@lru_cache(maxsize=4096)  # (sin(a0) comes in many statement shapes: its cos(a0) once)
def _partial(f: sp.Function, i: int) -> sp.Expr:
    """d f / d (its i-th argument), as sympy.diff takes it."""
    try:
        return f.fdiff(i + 1)
    except ArgumentIndexError:
        return sp.Function.fdiff(f, i + 1)


_PAIRS_TRIED = 48


def may_share(exprs: list[sp.Expr]) -> bool:
    """Could sympy.cse find something to share in `exprs`? False only where it cannot: no
    subtree comes twice, not even negated (a0 - a1 and a1 - a0) or as a power's inverse
    (a0**2 and a0**-2), and no two sums or two products have two terms or factors in common
    (bar*c1*x and bar*c1*y). Two thirds of a long program's statements share nothing, and
    sympy.cse costs as much as their derivatives."""
    seen: set = set()
    groups: dict[str, list[set]] = {"add": [], "mul": []}
    stack = list(exprs)
    while stack:
        e = stack.pop()
        if e.is_Atom:
            continue
        if e.is_Add:
            terms = {(abs(c), rest) for c, rest in (a.as_coeff_Mul() for a in e.args)}
            key: object = ("add", frozenset(terms))
            groups["add"].append(terms)
        elif e.is_Pow:
            key = ("pow", e.base, abs(e.exp) if e.exp.is_Number else e.exp)
        else:
            key = e
            if e.is_Mul:
                groups["mul"].append(set(e.args))
        if key in seen:
            return True
        seen.add(key)
        stack.extend(e.args)
    if max(len(sets) for sets in groups.values()) > _PAIRS_TRIED:
        return True  # (every pair is compared: past a few dozen, sympy.cse decides)
    return any(
        len(sets[i] & sets[j]) >= 2
        for sets in groups.values()
        for i in range(len(sets))
        for j in range(i)
    )
