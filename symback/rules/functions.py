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

    def fdiff(self, argindex=1):
        cond = self.args[0]
        if argindex == 2:
            return Where(cond, S.One, S.Zero)
        if argindex == 3:
            return Where(cond, S.Zero, S.One)
        return S.Zero


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


class Cbrt(Function):
    """np.cbrt: the real cube root, defined for negative numbers too."""

    nargs = 1

    def fdiff(self, argindex=1):
        return 1 / (3 * self**2)
