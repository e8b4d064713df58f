"""SymPy derivative formulas as `ast` trees over placeholder names, for the printer to write.

A formula is built once per expression and flags, and shared by every statement of its
shape: its placeholders (the SymPy symbols `a0`, `c0`, `t0`, `v`, `bar`, and `np`, `math`,
`exp_or_inf`) are Name nodes that `fill` replaces on the tree by a statement's own names.
The builder refuses what it does not know. The trees it builds are those of Python text
written with black's spacing and as few parentheses as possible: `a * b / c` is the product
`(a * b) / c`, the order in which NumPy computes it.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from .. import code
from ..errors import SymbackInternalError
from ..ops.elementwise import BUILTIN_SPELLING, MATH_SPELLING, PRINTED_FUNCTIONS
from ..ops.functions import ExpOrInf, Minimum, Sigmoid, is_selector
from .load import compiled_expression
from .printer import ADD, ATOM, COMPARE_PREC, MUL, POW, UNARY

_LEVEL = {ast.Add: ADD, ast.Sub: ADD, ast.Mult: MUL, ast.Div: MUL}
_RELATIONS = {
    "==": ast.Eq,
    "!=": ast.NotEq,
    "<": ast.Lt,
    "<=": ast.LtE,
    ">": ast.Gt,
    ">=": ast.GtE,
}
# besides the formula's symbols; the builtins of the `math` spelling too (the function's
# names may hide them: naming.module_names)
PLACEHOLDERS = ("np", "math", "special", "exp_or_inf", *BUILTIN_SPELLING.values())


@dataclass(frozen=True)
class Formula:
    """A derivative formula's tree, and the placeholder names in it."""

    tree: ast.expr
    placeholders: frozenset[str]


def fill(formula: Formula, values: dict) -> ast.expr:
    """The formula for one statement: each placeholder replaced by its value there (a tree,
    or a name). A placeholder without a value is a KeyError."""
    found = {p: values[p] for p in formula.placeholders}
    return code.rebuilt(
        formula.tree,
        lambda n: _value(found[n.id]) if isinstance(n, ast.Name) and n.id in found else None,
    )


@lru_cache(maxsize=4096)
def compiled(expr: sp.Expr):
    """Formula `expr` compiled, to evaluate with its placeholders as variables (`np` and
    `math` bound to a module): for checks and tools that compute a formula's value."""
    return compiled_expression(formula(expr).tree, "formula")


def _value(value) -> ast.expr:
    return code.name(value) if isinstance(value, str) else value


@lru_cache(maxsize=8192)  # (one entry per statement shape and flags: bounded, for long programs)
def formula(
    expr: sp.Expr, python_floats: bool = False, float_literals: bool = False, in_math=None
) -> Formula:
    """Derivative formula `expr` as a tree; the flags say what is known of the values it
    reads (see FormulaBuilder). On Python floats, the `math` spelling of each function where
    it has one: a NumPy call on a float costs ~20x a `math` one (`in_math=False`: NumPy's
    spelling all the same, where the statement may also hold an array)."""
    tree = FormulaBuilder(python_floats, float_literals).build(expr)
    if python_floats if in_math is None else in_math:
        tree = _math_spelled(tree)
    placeholders = {s.name for s in expr.free_symbols} | set(PLACEHOLDERS)
    return Formula(tree, frozenset(code.names_in(tree) & placeholders))


class FormulaBuilder:
    """SymPy expression -> ast expression over placeholder names; NumPy is `np`.

    `python_floats`: for code on Python floats, where `math.exp` raises OverflowError rather
    than returning inf, the sigmoid is built in a form whose exps cannot overflow.
    `float_literals`: every value the formula reads is known to be floating (a specialised
    gradient), so whole numbers are written as floats (`2.0 * x`, not `2 * x`): the same
    numbers, but Python multiplies two floats without a type check (and NumPy takes a float
    scalar faster than an int one); exponents stay integers.

    Each `_build_<Class>` returns (tree, precedence): the precedence of the text the tree
    is written as, which decides how it joins a chain of sums or products (`_joined`)."""

    def __init__(self, python_floats: bool = False, float_literals: bool = False):
        self.python_floats = python_floats
        self.float_literals = float_literals

    def build(self, expr: sp.Expr) -> ast.expr:
        if not self.python_floats and expr.has(Sigmoid):  # (replace rebuilds every node)
            expr = expr.replace(Sigmoid, _sigmoid)
        return self._build(expr)[0]

    def _one(self) -> ast.expr:
        return ast.Constant(1.0 if self.float_literals else 1)

    def _build(self, expr) -> tuple[ast.expr, int]:
        for cls in type(expr).__mro__:
            method = getattr(self, "_build_" + cls.__name__, None)
            if method is not None:
                return method(expr)
        if isinstance(expr, sp.Function) and type(expr) in PRINTED_FUNCTIONS:
            return self._call(PRINTED_FUNCTIONS[type(expr)], expr.args)
        raise SymbackInternalError(f"the printer has no rule for {type(expr).__name__}: {expr}")

    def _tree(self, expr) -> ast.expr:
        return self._build(expr)[0]

    def _call(self, dotted: str, args) -> tuple[ast.expr, int]:
        """A call of a function named over the placeholders (`np.exp`, `exp_or_inf`)."""
        return code.call(code.attr(*dotted.split(".")), *(self._tree(a) for a in args)), ATOM

    def _build_Symbol(self, expr: sp.Symbol):
        return code.name(expr.name), ATOM

    def _build_Integer(self, expr: sp.Integer):
        exact = abs(int(expr)) <= 2**53  # (a float literal only where it is the same number)
        value = float(int(expr)) if self.float_literals and exact else int(expr)
        return code.number(value), (ATOM if expr >= 0 else UNARY)

    def _build_Rational(self, expr: sp.Rational):
        if expr.q & (expr.q - 1) == 0:  # a power of two: exact as a float literal
            return _number(expr.p / expr.q)
        sign = -1 if expr < 0 else 1
        return ast.BinOp(code.number(sign * abs(expr.p)), ast.Div(), code.number(expr.q)), MUL

    def _build_Float(self, expr: sp.Float):
        value = float(expr)
        if not math.isfinite(value):
            raise SymbackInternalError(f"a derivative formula has the constant {value}")
        return _number(value)

    def _build_Pi(self, expr):
        return code.attr("np", "pi"), ATOM

    def _build_Exp1(self, expr):
        return code.attr("np", "e"), ATOM

    def _build_BooleanTrue(self, expr):
        return ast.Constant(True), ATOM

    def _build_BooleanFalse(self, expr):
        return ast.Constant(False), ATOM

    def _build_Power(self, expr):
        # np.power, not `**`: a negative Python float to a fractional power is a complex
        # number, where the np.power the user may have called gives nan (a real gradient)
        return self._call("np.power", expr.args)

    def _build_Relational(self, expr):
        # (Where's conditions: arg(u) is Where(u < 0, pi, 0); Power's Eq(a, 0))
        lhs, rhs = expr.args
        op = _RELATIONS[expr.rel_op]()
        return ast.Compare(self._tree(lhs), [op], [self._tree(rhs)]), COMPARE_PREC

    def _build_Piecewise(self, expr: sp.Piecewise):
        # (value, condition) pairs, the first whose condition holds: nested wheres
        *pairs, (last, otherwise) = expr.args
        if otherwise is not sp.true:
            raise SymbackInternalError(f"a piecewise formula without a last case: {expr}")
        tree = self._tree(last)
        for value, condition in reversed(pairs):
            tree = code.call(
                code.attr("np", "where"), self._tree(condition), self._tree(value), tree
            )
        return tree, ATOM

    def _build_Sigmoid(self, expr: Sigmoid):
        # (floats only) exp(min(x, 0)) / (1 + exp(-|x|)): e^x / (1 + e^x) for x < 0,
        # 1 / (1 + e^-x) else. Neither exp can overflow, so math.exp never raises.
        x = expr.args[0]
        numerator = self._call("np.exp", [Minimum(x, sp.Float(0.0))])[0]
        denominator = self._call("np.exp", [-sp.Abs(x)])[0]
        return ast.BinOp(numerator, ast.Div(), ast.BinOp(self._one(), ast.Add(), denominator)), MUL

    def _build_Heaviside(self, expr):
        return self._call("np.heaviside", expr.args)

    def _build_Add(self, expr: sp.Add):
        factored = _common_factors_out([expr])
        if len(factored) == 2:  # 3 * a - 3 * b as 3 * (a - b): one product, not one a term
            return self._build_Mul(sp.Mul(*factored, evaluate=False))
        terms = list(_ordered_terms(expr))
        first = next((i for i, t in enumerate(terms) if not _is_negative(t)), 0)
        terms.insert(0, terms.pop(first))  # -a + b reads (and runs) better as b - a
        tree = self._tree(terms[0])
        for term in terms[1:]:
            if _is_negative(term):
                tree = _joined(tree, ast.Sub(), self._build(-term), MUL)
            else:
                tree = _joined(tree, ast.Add(), self._build(term), ADD)
        return tree, ADD

    def _build_Mul(self, expr: sp.Mul):
        selector = next((f for f in expr.args if is_selector(f)), None)
        if selector is not None:
            # where(c, 1, 0) * rest -> where(c, rest, 0): the unselected branch's rest may be
            # inf or nan (sqrt'(0)), and 0 * inf would make the gradient nan.
            cond, if_true, if_false = selector.args
            rest = expr / selector
            picked = (rest, sp.S.Zero) if if_true == 1 else (sp.S.Zero, rest)
            return self._call("np.where", [cond, *picked])
        negative = _is_negative(expr)
        factors = list(_ordered_factors(-expr if negative else expr))
        flip = next((i for i, f in enumerate(factors) if f.is_Add), None) if negative else None
        if flip is not None:  # -x * (a - 1) reads better as x * (1 - a): the same value
            factors[flip], negative = -factors[flip], False
        factors = _common_factors_out(factors)
        numer, denom = [], []
        for factor in factors:
            if isinstance(factor, sp.Rational) and not isinstance(factor, sp.Integer):
                if factor.p != 1:
                    numer.append(sp.Integer(factor.p))
                denom.append(sp.Integer(factor.q))
            elif factor.is_Pow and factor.exp.is_number and factor.exp < 0:
                denom.append(factor.base ** (-factor.exp))
            else:
                numer.append(factor)
        tree = self._product(numer) if numer else self._one()
        if len(denom) == 1:
            tree = ast.BinOp(tree, ast.Div(), self._tree(denom[0]))
        elif denom:
            tree = ast.BinOp(tree, ast.Div(), self._product(denom))
        # -a * b is (-a) * b: the same value, since negation is exact.
        return (_negated(tree) if negative else tree), MUL

    def _product(self, factors: list) -> ast.expr:
        tree = self._tree(factors[0])
        for factor in factors[1:]:
            tree = _joined(tree, ast.Mult(), self._build(factor), MUL)
        return tree

    def _build_Pow(self, expr: sp.Pow):
        base, exp = expr.args
        if exp == sp.S.Half:
            return self._call("np.sqrt", [base])
        if exp.is_number and exp < 0:
            positive = base ** (-exp)
            return ast.BinOp(self._one(), ast.Div(), self._tree(positive)), MUL
        exp_tree = code.number(int(exp)) if exp.is_Integer else self._tree(exp)
        return ast.BinOp(self._tree(base), ast.Pow(), exp_tree), POW


# SymPy's printing order, by sort keys of every part: the same sums and products come in the
# formulas of many statements, and in the checks of forms reading the forward value
@lru_cache(maxsize=8192)
def _ordered_terms(expr: sp.Add) -> tuple[sp.Expr, ...]:
    return tuple(expr.as_ordered_terms())


@lru_cache(maxsize=8192)
def _ordered_factors(expr: sp.Mul) -> tuple[sp.Expr, ...]:
    return tuple(expr.as_ordered_factors())


def _number(value: float) -> tuple[ast.expr, int]:
    negative = value < 0 or math.copysign(1.0, value) < 0
    return code.number(value), (UNARY if negative else ATOM)


def _joined(left: ast.expr, op: ast.operator, right: tuple[ast.expr, int], level: int):
    """`left op right` as written with the fewest parentheses: `right` in parentheses where
    its precedence is below `level`, else chained (a * b / c: (a * b) / c)."""
    tree, prec = right
    return ast.BinOp(left, op, tree) if prec < level else _chained(left, op, tree)


def _chained(left: ast.expr, op: ast.operator, right: ast.expr) -> ast.expr:
    """`left op right` where right continues the chain: its first operand at op's level
    takes `left` as its own left operand."""
    if isinstance(right, ast.BinOp) and _LEVEL.get(type(right.op)) == _LEVEL[type(op)]:
        return ast.BinOp(_chained(left, op, right.left), right.op, right.right)
    return ast.BinOp(left, op, right)


def _negated(tree: ast.expr) -> ast.expr:
    """-tree, the minus on the first factor of a product (-a * b: (-a) * b)."""
    if isinstance(tree, ast.BinOp) and _LEVEL.get(type(tree.op)) == MUL:
        return ast.BinOp(_negated(tree.left), tree.op, tree.right)
    return ast.UnaryOp(ast.USub(), tree)


def _math_spelled(tree: ast.expr) -> ast.expr:
    """On Python floats, each NumPy function in its `math` spelling (`np.sin` -> `math.sin`,
    `np.minimum` -> `min`), when every function the formula calls has one."""
    called = {
        n.attr
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "np"
    }
    if not called <= set(MATH_SPELLING) | set(BUILTIN_SPELLING):
        return tree

    def spelled(node):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "np" and node.attr in MATH_SPELLING:
                return code.attr("math", MATH_SPELLING[node.attr])
            if node.value.id == "np":
                return code.name(BUILTIN_SPELLING[node.attr])
        return None

    return code.rebuilt(tree, spelled)


def _sigmoid(x: sp.Expr) -> sp.Expr:
    """The sigmoid as 1 / (1 + exp(-x)), exp overflowing to inf unwarned (a generated
    helper): where it does (x < -709.78) the quotient is 0, within 5.6e-309 of the sigmoid
    (exactly its rounded value below x = -745.2), and every sigmoid of at least the smallest
    normal float keeps its full precision. A factor of a product goes to its denominator
    (`g / (1 + e)`), and minus a negated argument is the argument itself: 3 array passes
    where forms taking exp of -|x| (which cannot overflow) need 7."""
    return 1 / (sp.Float(1.0) + ExpOrInf(-x))


def _common_factors_out(factors: list) -> list:
    """2 * x * (3 * a - 3 * b) as 6 * x * (a - b): the number joins the other numbers, which
    are multiplied first, so an array is multiplied once rather than once per term."""
    number, rest = sp.S.One, []
    for f in factors:
        if f.is_Number:
            number *= f
            continue
        if f.is_Add:
            coefficients = [t.as_coeff_Mul() for t in f.args]
            k = abs(coefficients[0][0])
            # By value: SymPy's 2 and 2.0 differ (2 * a - 2.0 * a * b comes from the user's
            # 400.0 / 200.0). The number taken out is a float if any of them was.
            if float(k) != 1 and all(float(abs(c)) == float(k) for c, _ in coefficients):
                floats = any(c.is_Float for c, _ in coefficients)
                number *= sp.Float(float(k)) if floats else k
                f = sp.Add(*[m if c > 0 else -m for c, m in coefficients], evaluate=False)
        rest.append(f)
    return ([number] if number != 1 else []) + rest


def _is_negative(expr) -> bool:
    if expr.is_Number:
        return bool(expr < 0)
    if expr.is_Mul:
        coeff = expr.as_coeff_Mul()[0]
        return bool(coeff.is_Number and coeff < 0)
    return False
