"""SymPy functions for NumPy operations SymPy lacks, with derivatives that follow our conventions.

Tie and kink convention (documented in docs/conventions.md): where a function has a kink, the
derivative is the average of the one-sided derivatives when the two sides are symmetric
(`maximum`/`minimum` at a tie give 1/2 to each argument, `abs` at 0 gives 0), and at the
ends of `clip` the gradient goes to `x` (the value passes through unchanged there).
"""

from __future__ import annotations

import sympy
from sympy import Function, Heaviside, S


class Maximum(Function):
    """np.maximum(a, b); a tie splits the gradient half and half."""

    nargs = 2

    def fdiff(self, argindex=1):
        a, b = self.args
        return Heaviside(a - b, S.Half) if argindex == 1 else Heaviside(b - a, S.Half)


class Minimum(Function):
    """np.minimum(a, b); a tie splits the gradient half and half."""

    nargs = 2

    def fdiff(self, argindex=1):
        a, b = self.args
        return Heaviside(b - a, S.Half) if argindex == 1 else Heaviside(a - b, S.Half)


class Clip(Function):
    """np.clip(x, lo, hi); at either end the gradient goes to x."""

    nargs = 3

    def fdiff(self, argindex=1):
        x, lo, hi = self.args
        if argindex == 1:
            return Heaviside(x - lo, S.One) * Heaviside(hi - x, S.One)
        if argindex == 2:
            return Heaviside(lo - x, S.Zero)
        return Heaviside(x - hi, S.Zero)


class Where(Function):
    """np.where(cond, a, b); cond is a boolean the gradient does not flow into."""

    nargs = 3

    @classmethod
    def eval(cls, cond, a, b):
        # a condition SymPy decided (Eq(0.3 + abs(x), 0) is False) selects one branch
        if cond is sympy.true:
            return a
        if cond is sympy.false:
            return b
        return None

    def fdiff(self, argindex=1):
        cond = self.args[0]
        if argindex == 2:
            return Where(cond, S.One, S.Zero)
        if argindex == 3:
            return Where(cond, S.Zero, S.One)
        return S.Zero


def is_selector(expr) -> bool:
    """where(c, 1, 0) or where(c, 0, 1): the derivative of np.where with respect to a branch."""
    return isinstance(expr, Where) and {expr.args[1], expr.args[2]} == {S.Zero, S.One}


class Remainder(Function):
    """np.mod(a, b), Python's a % b: a - b * floor(a / b), the floor a step function (its
    derivative 0 where it is defined: the jumps at a / b an integer have none)."""

    nargs = 2

    def fdiff(self, argindex=1):
        a, b = self.args
        return S.One if argindex == 1 else -sympy.floor(a / b)


class LogAddExp(Function):
    """np.logaddexp(a, b) = log(exp(a) + exp(b)), differentiated without overflow."""

    nargs = 2

    def fdiff(self, argindex=1):
        a, b = self.args
        mine = a if argindex == 1 else b
        return sympy.exp(mine - self)


class LogAddExp2(Function):
    """np.logaddexp2(a, b) = log2(2**a + 2**b)."""

    nargs = 2

    def fdiff(self, argindex=1):
        a, b = self.args
        mine = a if argindex == 1 else b
        return 2 ** (mine - self)


class Sigmoid(Function):
    """The logistic function 1 / (1 + exp(-x)), printed in a form that cannot overflow.

    Not a NumPy function: stable derivative formulas are written with it (adjoint/stable.py).
    """

    nargs = 1

    def fdiff(self, argindex=1):
        x = self.args[0]
        return Sigmoid(x) * Sigmoid(-x)


class ExpOrInf(Function):
    """exp(x), printed as the generated helper that lets it overflow to inf unwarned.

    Printing only: the sigmoid prints as 1 / (1 + exp_or_inf(-x)), whose inf denominator is
    the sigmoid's exact 0. Not a NumPy function, never differentiated by SymPy.
    """

    nargs = 1


class Magnitude(Function):
    """abs(x) for a real x, whatever SymPy can prove about x: d abs(x) = sign(x), 0 at the kink.

    Only while differentiating (adjoint/derivatives.py): SymPy's Abs differentiates an
    argument it cannot prove real, such as log(x), through re, im and arg.
    """

    nargs = 1
    is_extended_real = True
    is_extended_nonnegative = True

    def fdiff(self, argindex=1):
        return sympy.sign(self.args[0])


class Cbrt(Function):
    """np.cbrt: the real cube root, defined for negative numbers too."""

    nargs = 1

    def fdiff(self, argindex=1):
        return 1 / (3 * self**2)


class Power(Function):
    """a ** b with an exponent that varies: derivatives stay finite where a == 0.

    SymPy writes d(a**b)/da as b * a**b / a (nan at a = 0) and d/db as a**b * log(a)
    (0 * -inf at a = 0); here they are b * a**(b - 1) and, at a = 0, exactly 0.
    """

    nargs = 2

    def fdiff(self, argindex=1):
        a, b = self.args
        if argindex == 1:
            return b * power(a, b - 1)
        at_zero = sympy.Eq(a, 0)  # the inner where keeps log from seeing 0 (no warning)
        if at_zero in (sympy.true, sympy.false):  # a is a number
            return S.Zero if at_zero else self * sympy.log(a)
        return Where(at_zero, S.Zero, self * sympy.log(Where(at_zero, S.One, a)))


def power(a, b):
    """a ** b: SymPy's own power when the exponent is a constant, else Power."""
    return a ** b if not b.free_symbols else Power(a, b)


# scipy.special's functions SymPy has no form of that prints well (ops/elementwise.py
# prints them over `special`, which generated code imports where the user's function
# calls scipy.special)


class SpecialErf(Function):
    """scipy.special.erf (printed as itself where a derivative reads it)."""

    nargs = 1

    def fdiff(self, argindex=1):
        return 2 * sympy.exp(-(self.args[0] ** 2)) / sympy.sqrt(sympy.pi)


class SpecialErfc(Function):
    """scipy.special.erfc."""

    nargs = 1

    def fdiff(self, argindex=1):
        return -2 * sympy.exp(-(self.args[0] ** 2)) / sympy.sqrt(sympy.pi)


class Ndtr(Function):
    """scipy.special.ndtr: the normal CDF, whose derivative is the normal density."""

    nargs = 1

    def fdiff(self, argindex=1):
        return sympy.exp(-(self.args[0] ** 2) / 2) / sympy.sqrt(2 * sympy.pi)


class LogNdtr(Function):
    """scipy.special.log_ndtr: log of the normal CDF. Its derivative pdf / cdf is written
    with the function's own value (exp(-x**2 / 2 - log_ndtr(x))), finite far in the tails."""

    nargs = 1

    def fdiff(self, argindex=1):
        x = self.args[0]
        return sympy.exp(-(x**2) / 2 - self) / sympy.sqrt(2 * sympy.pi)


class Polygamma(Function):
    """scipy.special.polygamma(n, x), n a literal order: digamma is order 0."""

    nargs = 2

    def fdiff(self, argindex=2):
        n, x = self.args
        return Polygamma(n + 1, x) if argindex == 2 else S.Zero


class Digamma(Function):
    """scipy.special.digamma: the derivative of gammaln."""

    nargs = 1

    def fdiff(self, argindex=1):
        return Polygamma(S.One, self.args[0])


class LogGamma(Function):
    """scipy.special.gammaln: log |Gamma(x)|."""

    nargs = 1

    def fdiff(self, argindex=1):
        return Digamma(self.args[0])
