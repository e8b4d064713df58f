"""A small function as one SymPy formula: its gradient, shown, and split into additive terms.

The SSA IR is substituted back into one expression over the parameters. Arrays stay symbols
that stand for every element at once (NumPy broadcasting), and a whole-array `np.sum` becomes
`ArraySum`, whose elementwise derivative is that of its argument. So the derivative of a term
is an elementwise array that `fit` sums back (unbroadcasts) to the parameter's shape. This is
only sensible for small functions: anything with an opaque value (floor, a comparison), or
that grows past `MAX_OPS`, has no formula (None), and the checker says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy

from .. import ir
from ..errors import SymbackError
from ..ops.symbols import operand

MAX_OPS = 300  # bigger formulas are unreadable, and slow to differentiate and expand
MAX_TERMS = 40  # candidate terms tried per parameter


class ArraySum(sympy.Function):
    """np.sum of a whole array: a scalar whose elementwise derivative is its argument's."""

    nargs = 1

    def fdiff(self, argindex=1):
        # Ones shaped like the summed array, so the term keeps the shape it is summed over.
        return Like(self.args[0])

    def _sympystr(self, printer):
        return f"sum({printer._print(self.args[0])})"


class ArraySize(sympy.Function):
    """np.size of an array: a constant (mean = sum / size)."""

    nargs = 1

    def fdiff(self, argindex=1):
        return sympy.S.Zero

    def _sympystr(self, printer):
        return f"size({printer._print(self.args[0])})"


class Unbroadcast(sympy.Function):
    """Shown only: an elementwise derivative summed back to its parameter's shape."""

    nargs = 2

    def _sympystr(self, printer):
        value, name = self.args
        return f"unbroadcast({printer._print(value)}, np.shape({name}))"


class Like(sympy.Function):
    """Ones with the shape of its argument; carries the shape of a sum's argument, prints as 1."""

    nargs = 1

    def fdiff(self, argindex=1):
        return sympy.S.Zero


# How the formula's functions evaluate with NumPy (everything else: lambdify's numpy module).
NUMPY_FUNCTIONS: dict[str, Callable] = {
    "ArraySum": np.sum,
    "ArraySize": np.size,
    "Like": np.ones_like,
    "Maximum": np.maximum,
    "Minimum": np.minimum,
    "Clip": np.clip,
    "Where": np.where,
    "LogAddExp": np.logaddexp,
    "LogAddExp2": np.logaddexp2,
    "Cbrt": np.cbrt,
}


@dataclass(frozen=True)
class Term:
    """One additive piece of a parameter's gradient: shown as `text`, evaluated by `values`."""

    text: str
    expr: sympy.Expr  # with Like(...) factors, so it evaluates with the right shape
    evaluate: Callable[..., object]  # takes every parameter's value, in `names` order
    names: tuple[str, ...]

    def values(self, arguments: dict, shape: tuple) -> np.ndarray | None:
        """The term at a point (argument values by parameter name), fitted to `shape`.

        None if it cannot be evaluated there: a term is only a candidate explanation.
        """
        try:
            with np.errstate(all="ignore"):
                value = self.evaluate(*(arguments[name] for name in self.names))
            return fit(np.asarray(value, dtype=np.float64), shape)
        except (TypeError, ValueError, NameError, ArithmeticError):
            return None


@dataclass(frozen=True)
class Formulas:
    """The function as a formula, and per parameter its gradient (shown) and candidate terms."""

    function: sympy.Expr
    gradients: dict[str, sympy.Expr]
    terms: dict[str, tuple[Term, ...]]
    # display symbol N, N2, ... -> the size(...) it stands for
    size_exprs: dict[str, sympy.Expr]
    names: tuple[str, ...]  # every parameter, in order

    @property
    def sizes(self) -> dict[str, str]:
        return {symbol: str(expr) for symbol, expr in self.size_exprs.items()}

    def size_value(self, symbol: str, arguments: dict) -> int | None:
        """The value of size symbol N at a point (argument values by parameter name)."""
        evaluate = _lambdify(self.size_exprs[symbol], self.names)
        value = evaluate(*(arguments[n] for n in self.names))
        return int(value) if np.ndim(value) == 0 else None

    texts: dict[str, str]  # per parameter, its gradient as shown

    def gradient_text(self, name: str) -> str:
        return self.texts[name]


def function_formula(lowered: ir.Function) -> sympy.Expr | None:
    """The lowered function as one expression over its parameters, or None when not sensible."""
    env: dict[str, sympy.Expr] = {p.name: sympy.Symbol(p.name, real=True) for p in lowered.params}
    for statement in lowered.body:
        if not all(name in env for name in statement.operands):
            return None  # something read from outside: cannot be evaluated
        args = [env[name] for name in statement.operands]
        if isinstance(statement, ir.Elementwise):
            value = statement.expr.xreplace({operand(i): a for i, a in enumerate(args)})
        elif isinstance(statement, ir.Primitive) and statement.op == "sum" and len(args) == 1:
            value = ArraySum(args[0])
        elif isinstance(statement, ir.Primitive) and statement.op == "mean" and len(args) == 1:
            value = ArraySum(args[0]) / ArraySize(args[0])
        else:
            return None  # opaque values and other primitives: no formula
        if sympy.count_ops(value) > MAX_OPS:
            return None
        env[statement.target] = value
    return env.get(lowered.output)


def formulas(fn, wrt: tuple[str, ...], arguments: dict | None = None) -> Formulas | None:
    """Formulas for `fn` and its gradient with respect to each name in `wrt`, or None.

    With `arguments` (values by parameter name), a term summed over more elements than
    its parameter has is shown as such: `sum(...)` for a scalar, else `unbroadcast(...)`.
    """
    from ..pipeline import lower

    try:
        lowered = lower(fn)
    except SymbackError:
        return None
    f = function_formula(lowered)
    if f is None:
        return None
    names = tuple(p.name for p in lowered.params)
    if not set(wrt) <= set(names):
        return None
    sizes = _size_symbols(f, names)
    gradients, terms, texts = {}, {}, {}
    for name in wrt:
        symbol = sympy.Symbol(name, real=True)
        gradient = sympy.diff(f, symbol)
        if sympy.count_ops(gradient) > MAX_OPS:
            return None
        gradients[name] = gradient
        shown = _Shown(name, names, arguments, sizes)
        texts[name] = shown(gradient)
        terms[name] = tuple(
            Term(shown(piece), piece, _lambdify(piece, names), names)
            for piece in candidate_terms(f, gradient, symbol)
        )
    return Formulas(f, gradients, terms, sizes, names, texts)


def candidate_terms(f, gradient, symbol) -> list[sympy.Expr]:
    """Additive pieces of the gradient that a hand derivation might have left out, simplest first.

    Three splits: the gradient of each additive term of f (a regularisation term is one),
    the gradient's own top-level terms, and the terms of its (shallow) expansion.
    """
    pieces: list[sympy.Expr] = []
    for part in sympy.Add.make_args(_shallow_expand(f)):
        pieces.append(sympy.diff(part, symbol))
    pieces += sympy.Add.make_args(gradient)
    pieces += sympy.Add.make_args(_shallow_expand(gradient))
    unique: list[sympy.Expr] = []
    for piece in pieces:
        if piece != 0 and piece != gradient and piece not in unique:
            unique.append(piece)
    unique.sort(key=sympy.count_ops)
    return unique[:MAX_TERMS]


class _Shown:
    """Shows a piece of one parameter's gradient, saying where it is summed to fit."""

    def __init__(self, name, names, arguments, sizes):
        self.name, self.names, self.arguments, self.sizes = (
            name,
            names,
            arguments,
            sizes,
        )

    def __call__(self, expr: sympy.Expr) -> str:
        if self.arguments is not None:
            expr = sympy.Add(*(self.reduced(part) for part in sympy.Add.make_args(expr)))
        return show(expr, self.sizes)

    def reduced(self, part: sympy.Expr) -> sympy.Expr:
        shape = np.shape(self.arguments[self.name])
        try:
            with np.errstate(all="ignore"):
                value = _lambdify(part, self.names)(*(self.arguments[n] for n in self.names))
            full = np.broadcast_shapes(np.shape(value), shape)
        except (TypeError, ValueError, NameError, ArithmeticError):
            return part
        if full == shape:
            return part
        return ArraySum(part) if shape == () else Unbroadcast(part, sympy.Symbol(self.name))


def _lambdify(expr: sympy.Expr, names: tuple[str, ...]) -> Callable:
    """expr as a NumPy function of every parameter's value, in order."""
    symbols = [sympy.Symbol(n, real=True) for n in names]
    return sympy.lambdify(symbols, expr, modules=[NUMPY_FUNCTIONS, "numpy"], dummify=True)


def _shallow_expand(expr: sympy.Expr) -> sympy.Expr:
    """Products distributed over sums, but never inside function arguments or powers."""
    return sympy.expand(
        expr,
        deep=False,
        mul=True,
        multinomial=False,
        power_exp=False,
        power_base=False,
        log=False,
    )


def _size_symbols(f: sympy.Expr, names: tuple[str, ...]) -> dict[str, sympy.Expr]:
    """A short display symbol (N, N2, ...) for each distinct size(...) in f."""
    taken = set(names)
    out = {}
    for i, size in enumerate(sorted(f.atoms(ArraySize), key=sympy.default_sort_key)):
        base = "N" if i == 0 else f"N{i + 1}"
        while base in taken:
            base = base + "_"
        taken.add(base)
        out[base] = size
    return out


def show(expr: sympy.Expr, sizes: dict[str, sympy.Expr] | None = None) -> str:
    """The formula as text: shape carriers dropped, sizes written as N, N2, ..."""
    expr = expr.replace(lambda e: isinstance(e, Like), lambda e: sympy.S.One)
    expr = sympy.factor_terms(expr)  # (2*b - 2*t)/N -> 2*(b - t)/N: closer to a hand derivation
    expr = expr.xreplace({size: sympy.Symbol(symbol) for symbol, size in (sizes or {}).items()})
    return sympy.sstr(expr)


def fit(value: np.ndarray, shape: tuple) -> np.ndarray:
    """An elementwise derivative summed (unbroadcast) or broadcast to a parameter's shape."""
    full = np.broadcast_shapes(value.shape, shape)
    value = np.broadcast_to(value, full)
    lead = len(full) - len(shape)
    if lead:
        value = value.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and value.shape[i] != 1)
    if axes:
        value = value.sum(axis=axes, keepdims=True)
    return np.array(value, dtype=np.float64).reshape(shape)
