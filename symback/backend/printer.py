"""Strict printers: SymPy derivative formulas and forward-code ASTs to black-style NumPy text.

The SymPy printer writes placeholder symbols as `{a0}`-style format fields, so one printed
template serves every statement of the same shape; it refuses anything it does not know.
Spacing follows black: spaces around binary operators, none around `**` between simple
operands.
"""

from __future__ import annotations

import ast
import math
from functools import lru_cache

import sympy as sp

from ..errors import SymbackInternalError
from ..ops.elementwise import PRINTED_FUNCTIONS
from ..ops.functions import ExpOrInf, Minimum, Sigmoid, is_selector

# Python precedence levels, low to high.
ADD, MUL, UNARY, POW, ATOM = 10, 20, 30, 40, 100


class TemplatePrinter:
    """SymPy expression -> Python text over format fields; NumPy is `{np}`.

    `python_floats`: for code on Python floats, where `math.exp` raises OverflowError rather
    than returning inf, the sigmoid is printed in a form whose exps cannot overflow.
    `float_literals`: every value the formula reads is known to be floating (a specialised
    gradient), so whole numbers are printed as floats (`2.0 * x`, not `2 * x`): the same
    numbers, but Python multiplies two floats without a type check (and NumPy takes a float
    scalar faster than an int one); exponents stay integers."""

    def __init__(self, python_floats: bool = False, float_literals: bool = False):
        self.python_floats = python_floats
        self.float_literals = float_literals

    def doprint(self, expr: sp.Expr) -> str:
        return self._print(expr if self.python_floats else expr.replace(Sigmoid, _sigmoid))[0]

    def _one(self) -> str:
        return "1.0" if self.float_literals else "1"

    def _print(self, expr) -> tuple[str, int]:
        """(text, precedence) of expr."""
        for cls in type(expr).__mro__:
            method = getattr(self, "_print_" + cls.__name__, None)
            if method is not None:
                return method(expr)
        if isinstance(expr, sp.Function) and type(expr) in PRINTED_FUNCTIONS:
            return self._print_call(PRINTED_FUNCTIONS[type(expr)], expr.args)
        raise SymbackInternalError(f"the printer has no rule for {type(expr).__name__}: {expr}")

    def _wrap(self, expr, min_prec: int) -> str:
        text, prec = self._print(expr)
        return f"({text})" if prec < min_prec else text

    def _print_call(self, name: str, args) -> tuple[str, int]:
        return f"{name}({', '.join(self._print(a)[0] for a in args)})", ATOM

    def _print_Symbol(self, expr: sp.Symbol):
        return "{" + expr.name + "}", ATOM

    def _print_Integer(self, expr: sp.Integer):
        exact = abs(int(expr)) <= 2**53  # (a float literal only where it is the same number)
        text = f"{int(expr)}.0" if self.float_literals and exact else str(int(expr))
        return text, (ATOM if expr >= 0 else UNARY)

    def _print_Rational(self, expr: sp.Rational):
        if expr.q & (expr.q - 1) == 0:  # a power of two: exact as a float literal
            value = expr.p / expr.q
            return repr(value), (ATOM if value >= 0 else UNARY)
        sign = "-" if expr < 0 else ""
        return f"{sign}{abs(expr.p)} / {expr.q}", MUL

    def _print_Float(self, expr: sp.Float):
        value = float(expr)
        if not math.isfinite(value):
            raise SymbackInternalError(f"a derivative formula has the constant {value}")
        return repr(value), (ATOM if value >= 0 else UNARY)

    def _print_Pi(self, expr):
        return "{np}.pi", ATOM

    def _print_Exp1(self, expr):
        return "{np}.e", ATOM

    def _print_Power(self, expr):
        # np.power, not `**`: a negative Python float to a fractional power is a complex
        # number, where the np.power the user may have called gives nan (a real gradient)
        return self._print_call("{np}.power", expr.args)

    def _print_Equality(self, expr):
        lhs, rhs = expr.args
        return f"{self._wrap(lhs, ADD)} == {self._wrap(rhs, ADD)}", COMPARE_PREC

    def _print_Sigmoid(self, expr: Sigmoid):
        # (floats only) exp(min(x, 0)) / (1 + exp(-|x|)): e^x / (1 + e^x) for x < 0,
        # 1 / (1 + e^-x) else. Neither exp can overflow, so math.exp never raises.
        x = expr.args[0]
        numerator = self._print_call("{np}.exp", [Minimum(x, sp.Float(0.0))])[0]
        denominator = self._print_call("{np}.exp", [-sp.Abs(x)])[0]
        return f"{numerator} / ({self._one()} + {denominator})", MUL

    def _print_Heaviside(self, expr):
        return self._print_call("{np}.heaviside", expr.args)

    def _print_Add(self, expr: sp.Add):
        factored = _common_factors_out([expr])
        if len(factored) == 2:  # 3 * a - 3 * b as 3 * (a - b): one product, not one a term
            return self._print_Mul(sp.Mul(*factored, evaluate=False))
        terms = expr.as_ordered_terms()
        first = next((i for i, t in enumerate(terms) if not _is_negative(t)), 0)
        terms.insert(0, terms.pop(first))  # -a + b reads (and runs) better as b - a
        text = self._wrap(terms[0], ADD)
        for term in terms[1:]:
            if _is_negative(term):
                text += " - " + self._wrap(-term, MUL)
            else:
                text += " + " + self._wrap(term, ADD)
        return text, ADD

    def _print_Mul(self, expr: sp.Mul):
        selector = next((f for f in expr.args if is_selector(f)), None)
        if selector is not None:
            # where(c, 1, 0) * rest -> where(c, rest, 0): the unselected branch's rest may be
            # inf or nan (sqrt'(0)), and 0 * inf would make the gradient nan.
            cond, if_true, if_false = selector.args
            rest = expr / selector
            picked = (rest, sp.S.Zero) if if_true == 1 else (sp.S.Zero, rest)
            return self._print_call("{np}.where", [cond, *picked])
        negative = _is_negative(expr)
        factors = list((-expr if negative else expr).as_ordered_factors())
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
        text = " * ".join(self._wrap(f, MUL) for f in numer) if numer else self._one()
        if len(denom) == 1:
            text = f"{text} / {self._wrap(denom[0], POW)}"
        elif denom:
            text = f"{text} / ({' * '.join(self._wrap(f, MUL) for f in denom)})"
        # -a * b parses as (-a) * b: the same value, since negation is exact.
        return ("-" + text if negative else text), MUL

    def _print_Pow(self, expr: sp.Pow):
        base, exp = expr.args
        if exp == sp.S.Half:
            return self._print_call("{np}.sqrt", [base])
        if exp.is_number and exp < 0:
            positive = base ** (-exp)
            return f"{self._one()} / {self._wrap(positive, POW)}", MUL
        base_text = self._wrap(base, ATOM)
        exp_text = str(int(exp)) if exp.is_Integer else self._wrap(exp, UNARY)
        if _simple(base_text) and _simple(exp_text):
            return f"{base_text}**{exp_text}", POW
        return f"{base_text} ** {exp_text}", POW


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


def _simple(text: str) -> bool:
    """Black's 'simple power operand': a name, a number or an attribute chain, maybe negated."""
    body = text[1:] if text.startswith("-") else text
    if is_number(body):
        return True
    return all(part.isidentifier() or _is_field(part) for part in body.split("."))


def _is_field(text: str) -> bool:
    return text.startswith("{") and text.endswith("}") and text[1:-1].isidentifier()


def is_number(text: str) -> bool:
    """Is `text` a number literal?"""
    try:
        float(text)
    except ValueError:
        return False
    return True


_TEMPLATES = {
    (python_floats, float_literals): TemplatePrinter(python_floats, float_literals)
    for python_floats in (False, True)
    for float_literals in (False, True)
}


@lru_cache(maxsize=None)
def print_template(expr: sp.Expr, python_floats: bool = False, float_literals: bool = False) -> str:
    """The text of a derivative formula, with `{name}` fields for its placeholders;
    the flags say what is known of the values it reads (see TemplatePrinter)."""
    return _TEMPLATES[python_floats, float_literals].doprint(expr)


# -- forward code ---------------------------------------------------------------------------

_BIN = {
    ast.Add: ("+", ADD),
    ast.Sub: ("-", ADD),
    ast.Mult: ("*", MUL),
    ast.Div: ("/", MUL),
    ast.MatMult: ("@", MUL),
    ast.Pow: ("**", POW),
    ast.BitAnd: ("&", 8),
    ast.BitOr: ("|", 6),
}
_UNARY = {ast.USub: "-", ast.UAdd: "+", ast.Invert: "~"}
_COMPARE = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}
COMPARE_PREC = 5


def print_code(node: ast.expr) -> str:
    """Forward code as the user wrote it (order of operations kept), in black's spacing."""
    return _code(node)[0]


def _code(node: ast.expr) -> tuple[str, int]:
    if isinstance(node, ast.Name):
        return node.id, ATOM
    if isinstance(node, ast.Constant):
        return ("..." if node.value is Ellipsis else repr(node.value)), ATOM
    if isinstance(node, ast.List):
        return f"[{', '.join(print_code(e) for e in node.elts)}]", ATOM
    if isinstance(node, ast.Subscript):
        return f"{_code_wrap(node.value, ATOM)}[{print_index(node.slice)}]", ATOM
    if isinstance(node, ast.Attribute):
        return f"{_code_wrap(node.value, ATOM)}.{node.attr}", ATOM
    if isinstance(node, ast.Call):
        args = [print_code(a) for a in node.args]
        args += [f"{k.arg}={print_code(k.value)}" for k in node.keywords]
        return f"{_code_wrap(node.func, ATOM)}({', '.join(args)})", ATOM
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)] + _code_wrap(node.operand, UNARY), UNARY
    if isinstance(node, ast.BinOp):
        op, prec = _BIN[type(node.op)]
        if isinstance(node.op, ast.Pow):  # right-associative; the base binds tighter than unary
            left = _code_wrap(node.left, POW + 1)
            right = _code_wrap(node.right, UNARY)
            sep = "" if _simple(left) and _simple(right) else " "
            return f"{left}{sep}**{sep}{right}", POW
        left = _code_wrap(node.left, prec)
        right = _code_wrap(node.right, prec + 1)
        return f"{left} {op} {right}", prec
    if isinstance(node, ast.Compare):
        parts = [_code_wrap(node.left, COMPARE_PREC + 1)]
        for op, comp in zip(node.ops, node.comparators):
            parts += [_COMPARE[type(op)], _code_wrap(comp, COMPARE_PREC + 1)]
        return " ".join(parts), COMPARE_PREC
    if isinstance(node, ast.Tuple):
        items = [print_code(e) for e in node.elts]
        return f"({', '.join(items)}{',' if len(items) == 1 else ''})", ATOM
    if isinstance(node, ast.IfExp):
        parts = (_code_wrap(n, 2) for n in (node.body, node.test, node.orelse))
        return "{} if {} else {}".format(*parts), 1
    raise SymbackInternalError(f"the code printer has no rule for {type(node).__name__}")


def print_index(index: ast.expr) -> str:
    """What goes between the brackets of x[...]: slices as a:b:c, parts joined by commas."""
    if isinstance(index, ast.Tuple) and index.elts:
        return ", ".join(_index_part(e) for e in index.elts)
    return _index_part(index)


def _index_part(node: ast.expr) -> str:
    """One part of an index: a slice `a:b:c` or an expression."""
    if not isinstance(node, ast.Slice):
        return print_code(node)
    # (a conditional bound in parentheses: `x[:(a if c else b)]` reads as one bound)
    parts = [_code_wrap(p, 2) if p is not None else "" for p in (node.lower, node.upper)]
    text = ":".join(parts)
    if node.step is not None:
        text += ":" + _code_wrap(node.step, 2)
    return text


def _code_wrap(node: ast.expr, min_prec: int) -> str:
    text, prec = _code(node)
    return f"({text})" if prec < min_prec else text


# -- generated statements -------------------------------------------------------------------

_AUG = {ast.Add: "+=", ast.Sub: "-=", ast.Mult: "*=", ast.Div: "/="}


def print_statement(node: ast.stmt) -> str:
    """One generated statement (code.Line's tree) as a source row."""
    if isinstance(node, ast.Assign):
        target = node.targets[0]
        if isinstance(target, ast.Tuple):  # `a, b = x, y`: both sides without parentheses
            value = node.value
            right = [print_code(e) for e in value.elts] if isinstance(value, ast.Tuple) else None
            left = ", ".join(print_code(e) for e in target.elts)
            return f"{left} = {', '.join(right) if right else print_code(value)}"
        return f"{print_code(target)} = {print_code(node.value)}"
    if isinstance(node, ast.AugAssign):
        return f"{print_code(node.target)} {_AUG[type(node.op)]} {print_code(node.value)}"
    if isinstance(node, ast.Expr):
        return print_code(node.value)
    if isinstance(node, ast.Break):
        return "break"
    raise SymbackInternalError(f"the code printer has no rule for {type(node).__name__}")
