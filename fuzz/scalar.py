"""Random straight-line scalar programs over every elementwise function in symback's table."""

from __future__ import annotations

import math
import operator
import random
import warnings
from dataclasses import dataclass

import numpy as np

from .functions import Fn, complex_steps, functions, interval
from .program import Program

PARAMS = ("a", "b", "s", "t", "u", "w", "x", "y")
CONSTANTS = (0.5, 1.0, 2.0, 3.0, 0.1, 1.5, 0.25, 0.9)
LIMIT = 1e3  # every value of the program, intermediate or not, stays below this
INNER_LIMIT = 1e30  # ... and every value inside a statement below this (no overflow)
GAP = 0.05  # how far an argument stays from a kink (abs at 0, maximum at a tie, ...)
WINDOW = 12  # most operands are among the most recent values
CONDITION = 1e4  # how much a call may magnify a relative change in an argument
SENSITIVITY = 1e3  # a bound on how much any value may change per unit change of a parameter


# -- expressions: (text, value) built together, so every value is known while drawing -------


@dataclass(frozen=True)
class E:
    text: str
    value: float
    atom: bool = True  # needs no parentheses as an operand
    uses: frozenset = frozenset()  # names of values and parameters read
    calls: frozenset = frozenset()  # the Fn spellings called
    slope: float = 0.0  # a bound on |d value / d parameter| over the parameters


def _finite(v, limit=INNER_LIMIT) -> bool:
    try:
        return bool(np.isfinite(v)) and abs(float(v)) < limit
    except (TypeError, ValueError, OverflowError):
        return False


def _paren(e: E) -> str:
    return e.text if e.atom else f"({e.text})"


def _const(c: float) -> E:
    return E(repr(c), c)


def _slope(f, exprs: list, value) -> float | None:
    """A bound on |d f / d parameter| from the operands' bounds, or None where f's relative
    condition is poor: a tiny change in an argument (a rounding symback's code may do
    differently) must not swing the value (sin of 1e17), nor a chain magnify it past what
    differences can follow."""
    args, total = [e.value for e in exprs], 0.0
    for i, a in enumerate(args):
        if isinstance(a, (bool, np.bool_)) or not exprs[i].uses:  # a condition, a constant
            continue
        h = 1e-7 * max(1.0, abs(a))
        up, down = list(args), list(args)
        up[i], down[i] = a + h, a - h
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                slope = (float(f(*up)) - float(f(*down))) / (2 * h)
        except (ValueError, OverflowError, ZeroDivisionError, TypeError):
            return None
        if not abs(slope) * max(1.0, abs(a)) <= CONDITION * max(1.0, abs(float(value))):
            return None
        total += abs(slope) * exprs[i].slope
    return total if total <= SENSITIVITY else None


def call(fn: Fn, *args: E | None) -> E | None:
    """fn(*args), or None where an argument is None or the call leaves its bounds."""
    if any(a is None for a in args):
        return None
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            v = fn.call(*(a.value for a in args))
    except (ValueError, OverflowError, ZeroDivisionError, TypeError):
        return None
    slope = _slope(fn.call, args, v) if _finite(v) else None
    if slope is None:
        return None
    text = f"{fn.text}({', '.join(a.text for a in args)})"
    uses = frozenset().union(*(a.uses for a in args))
    calls = frozenset({fn}).union(*(a.calls for a in args))
    return E(text, v, True, uses, calls, slope)


_OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
_OPS["**"] = operator.pow


def binary(a: E | None, op: str, b: E | None) -> E | None:
    """a op b, or None where an operand is None or the result leaves its bounds."""
    if a is None or b is None:
        return None
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            v = _OPS[op](a.value, b.value)
    except (ValueError, OverflowError, ZeroDivisionError):
        return None
    if isinstance(v, complex) or not _finite(v):
        return None
    slope = _slope(_OPS[op], [a, b], v)
    if slope is None:
        return None
    left = a.text if (a.atom and not a.text.startswith("-")) else f"({a.text})"
    return E(f"{left} {op} {_paren(b)}", v, False, a.uses | b.uses, a.calls | b.calls, slope)


# -- domains -----------------------------------------------------------------------------------


def _inside(v: float, lo: float, hi: float) -> bool:
    margin = 0.02 * (1.0 if math.isinf(lo) or math.isinf(hi) else hi - lo)
    return lo + margin < v < hi - margin


class Drawer:
    """Draws the statements of one program from one random source."""

    def __init__(self, rng: random.Random, params: dict[str, float], analytic: bool):
        self.rng, self.analytic, self.params, self.calls = rng, analytic, len(params), frozenset()
        self.values: list[E] = [E(p, v, True, frozenset({p}), slope=1.0) for p, v in params.items()]
        self.unread: dict[str, None] = {}  # values nothing reads yet, oldest first
        # an analytic program calls only functions the complex step goes through
        self.fns = tuple(f for f in functions() if complex_steps(f) or not analytic)
        self.unary = [f for f in self.fns if 1 in f.row.arities and f.row.domain[0] != (0.0, 0.0)]
        self.by_text = {f.text: f for f in functions()}

    def fn(self, text: str) -> Fn:
        return self.by_text[text]

    def operand(self) -> E:
        """An earlier value: an old unread one, a recent one, a parameter, or any."""
        r, values = self.rng.random(), self.values
        oldest = next(iter(self.unread), None)
        if oldest is not None and r < 0.3:
            return next(v for v in values if v.text == oldest)
        if r < 0.45:
            return self.rng.choice(values[: self.params])
        if r < 0.9:
            return self.rng.choice(values[-WINDOW:])
        return self.rng.choice(values)

    def into(self, e: E, lo: float, hi: float) -> E | None:
        """`e`, or `e` guarded by a transform, with a value strictly inside (lo, hi)."""
        if _inside(e.value, lo, hi) and self.rng.random() < 0.6:
            return e
        rng, tanh, exp = (
            self.rng,
            self.fn("np.tanh"),
            self.fn(self.rng.choice(("np.exp", "math.exp"))),
        )
        if math.isinf(lo) and math.isinf(hi):
            return e
        if math.isinf(hi):  # (lo, inf)
            base = _const(round(lo + rng.choice((0.1, 0.5, 1.0)), 3))
            options = [
                lambda: binary(base, "+", binary(e, "**", _const(2.0))),
                lambda: binary(base, "+", call(exp, e)),
                lambda: call(exp, e),
                lambda: call(self.fn("np.cosh"), e),
            ]
            if not self.analytic:
                options += [
                    lambda: (
                        binary(base, "+", call(self.fn("abs"), e)) if abs(e.value) > GAP else None
                    ),
                    lambda: binary(base, "+", call(self.fn("np.logaddexp"), e, _const(0.0))),
                ]
        elif math.isinf(lo):  # (-inf, hi)
            top = _const(round(hi - 0.5, 3))
            options = [lambda: binary(top, "-", binary(e, "**", _const(2.0)))]
        else:
            mid, half = _const(round((lo + hi) / 2, 6)), _const(round((hi - lo) / 2 * 0.9, 6))
            options = [
                lambda: binary(mid, "+", binary(half, "*", call(tanh, e))),
                lambda: binary(mid, "+", binary(half, "*", call(self.fn("math.sin"), e))),
                lambda: binary(mid, "+", binary(half, "*", call(self.fn("np.cos"), e))),
            ]
        for _ in range(4):
            try:
                out = rng.choice(options)()
            except (TypeError, AttributeError):  # a piece was None
                out = None
            if out is not None and _inside(out.value, lo, hi):
                return out
        return None

    def args_for(self, fn: Fn, first: E | None = None) -> list[E] | None:
        arity = self.rng.choice(list(fn.row.arities))
        args = []
        for i in range(arity):
            lo, hi = interval(fn.row, i)
            if fn.row.domain[i] == (0.0, 0.0):  # a condition, as np.where takes
                a, c = self.operand(), self.rng.choice(CONSTANTS) - 1.0
                if abs(a.value - c) < GAP:
                    return None
                args.append(E(f"{_paren(a)} > {c!r}", a.value > c, False, a.uses, a.calls))
                continue
            e = first if (i == 0 and first is not None) else self.operand()
            if self.rng.random() < 0.1 and i > 0:
                e = _const(self.rng.choice(CONSTANTS))
            e = self.into(e, lo, hi)
            if e is None:
                return None
            args.append(e)
        if fn.kinked:
            numbers = [float(a.value) for a in args]
            if any(abs(n) < GAP for n in numbers[:1]) or any(
                abs(p - q) < GAP for i, p in enumerate(numbers) for q in numbers[i + 1 :]
            ):
                return None
        return args

    # -- statements ------------------------------------------------------------------------

    def statement(self) -> E | None:
        kind = self.rng.choices(("call", "nest", "form", "arith", "affine"), (6, 3, 2, 5, 2))[0]
        return getattr(self, "_" + kind)()

    def _call(self) -> E | None:
        fn = self.rng.choice(self.fns)
        args = self.args_for(fn)
        return call(fn, *args) if args else None

    def _nest(self) -> E | None:
        inner = self._call() if self.rng.random() < 0.3 else None
        for _ in range(self.rng.choice((1, 2, 2, 3))):
            fn = self.rng.choice(self.unary)
            args = self.args_for(fn, first=inner) if inner else self.args_for(fn)
            inner = call(fn, *args) if args else None
            if inner is None:
                return None
        return inner

    def _form(self) -> E | None:
        """The shapes that once hung or crashed symback: exponentials nested and as exponents."""
        A, B = self.operand(), self.operand()
        exp = self.fn(self.rng.choice(("np.exp", "math.exp")))
        one = _const(1.0)
        forms = (
            lambda: call(exp, call(exp, A)),
            lambda: call(self.fn(self.rng.choice(("np.tanh", "math.tanh"))), call(exp, A)),
            lambda: call(self.fn("np.log"), binary(one, "+", call(exp, A))),
            lambda: binary(
                call(exp, E(f"-{_paren(A)}", -A.value, False, A.uses, slope=A.slope)), "**", B
            ),
            lambda: binary(binary(one, "+", call(exp, A)), "**", B),
            lambda: call(self.fn("np.power"), call(exp, A), B),
            lambda: binary(_const(1.5), "**", call(exp, A)),
            lambda: binary(self.into(B, 0.2, math.inf), "**", call(exp, A)),
            lambda: binary(self.into(B, 0.2, math.inf), "**", A),
            lambda: call(self.fn("np.power"), self.into(A, 0.2, math.inf), B),
        )
        try:
            return self.rng.choice(forms)()
        except (TypeError, AttributeError):  # a piece was out of bounds (None)
            return None

    def _arith(self) -> E | None:
        op = self.rng.choice(("+", "-", "*", "/", "**", "**"))
        A, B = self.operand(), self.operand()
        if op == "/":
            B = (
                self.into(B, 0.2, math.inf)
                if self.rng.random() < 0.7
                else self.into(B, -math.inf, -0.2)
            )
        elif op == "**" and self.rng.random() < 0.4:
            B = _const(self.rng.choice((2.0, 3.0, 2, 3, 0.5, -1.0)))
            A = self.into(A, 0.2, math.inf) if B.value in (0.5, -1.0) else A
        elif op == "**":
            A = self.into(A, 0.2, math.inf)
        return binary(A, op, B) if A is not None and B is not None else None

    def _affine(self) -> E | None:
        A, B, c = self.operand(), self.operand(), _const(self.rng.choice(CONSTANTS))
        forms = (
            lambda: binary(binary(c, "*", A), "+", B),
            lambda: binary(binary(A, "*", B), "-", c),
            lambda: E(f"-{_paren(A)}", -A.value, False, A.uses, A.calls, A.slope),
        )
        return self.rng.choice(forms)()

    def add(self, i: int, e: E) -> str:
        name = f"v{i}"
        for used in e.uses:
            self.unread.pop(used, None)
        self.unread[name] = None
        self.values.append(E(name, e.value, True, frozenset({name}), slope=e.slope))
        self.calls |= e.calls
        return f"{name} = {e.text}"


def program(seed: int, size: int, name: str = "f") -> Program:
    """A module defining `name`: `size` assignments, every value read later; same for a seed."""
    rng = random.Random(f"scalar:{seed}:{size}")
    params = {p: round(rng.uniform(-1.5, 1.5), 4) for p in rng.sample(PARAMS, rng.randint(2, 5))}
    drawer = Drawer(rng, params, analytic=rng.random() < 0.5)
    body, uses = [], []
    for i in range(size):
        for _ in range(500):
            e = drawer.statement()
            if e is not None and e.uses and _finite(e.value, LIMIT):
                break
        else:  # cannot happen in practice: a sum always fits
            e = binary(drawer.values[0], "+", drawer.values[-1])
        uses.append(tuple(sorted(e.uses)))
        body.append(drawer.add(i, e))
    result = " + ".join(drawer.unread)
    analytic = all(complex_steps(fn) for fn in drawer.calls)
    return Program.straight_line(
        name, tuple(params), tuple(params.values()), body, uses, result, seed, size, analytic
    )
