"""Random loop programs: for over ranges, elements and rows, while, break/continue, nested loops."""

from __future__ import annotations

import math
import random
import re

import numpy as np

from .functions import Fn, functions
from .program import Drawing, Program, execute

LIMIT = 1e3  # every value a loop leaves stays below this in magnitude
GAP = 0.05  # how far every data test (if, while) stays from its threshold, on every iteration
HEADER = "import math\n\nimport numpy as np\n"
SENSITIVITY = 1e3  # how much a loop's result may change per unit change of a parameter
CONSTANTS = (0.5, 0.3, 1.5, -0.7, 0.9, 2.0)


def _usable(fn: Fn) -> bool:
    """Smooth rows of one or two arguments with an interval to keep each argument in."""
    return fn.row.arity in (1, 2) and not fn.kinked and (0.0, 0.0) not in fn.row.domain


def _probe(seen: list):
    """The test a probed program calls instead of `e > c`: it records how far e is from c."""

    def above(e, c):
        seen.append(abs(float(e) - c))
        return e > c

    return above


class Lines:
    """A block's lines, each twice: as the program runs it, and as probed (tests recorded)."""

    def __init__(self):
        self.real: list[str] = []
        self.probed: list[str] = []

    def add(self, depth: int, text: str, probed: str | None = None) -> None:
        self.real.append("    " * depth + text)
        self.probed.append("    " * depth + (probed or text))

    def test(self, depth: int, keyword: str, e: str, c: str, before: str = "", tail=":") -> None:
        """`keyword [before] e > c:` (if, while), probed as `_above(e, c)`."""
        self.add(
            depth, f"{keyword} {before}{e} > {c}{tail}", f"{keyword} {before}_above({e}, {c}){tail}"
        )


class Terms:
    """Random expressions over the names a loop body may read, calls guarded into their domains."""

    def __init__(self, rng: random.Random, scalars: list[str], arrays: list[str]):
        self.rng, self.scalars, self.arrays = rng, scalars, arrays

    def const(self) -> str:
        return repr(self.rng.choice(CONSTANTS))

    def guard(self, domain: tuple, e: str, array: bool) -> str:
        """e mapped into the row's sampling interval (kept 5% inside each end)."""
        lo, hi = domain
        if lo <= -3.0 and hi >= 3.0 and self.rng.random() < 0.3:
            return e
        mid, half = round((lo + hi) / 2, 4), round(0.45 * (hi - lo), 4)
        squash = self.rng.choice(("np.tanh", "np.sin") + (() if array else ("math.tanh",)))
        return f"{mid!r} + {half!r} * {squash}({e})" if mid else f"{half!r} * {squash}({e})"

    def call(self, e: str, array: bool) -> str:
        fns = [f for f in functions() if _usable(f) and (f.text.startswith("np.") or not array)]
        fn = self.rng.choice(fns)
        args = [e] + [self.atom(array) for _ in range(fn.row.arity - 1)]
        return (
            f"{fn.text}({', '.join(self.guard(d, a, array) for d, a in zip(fn.row.domain, args))})"
        )

    def atom(self, array: bool) -> str:
        pool = self.scalars + (self.arrays if array else [])
        if array and self.rng.random() < 0.6:
            pool = self.arrays
        return self.rng.choice(pool) if pool and self.rng.random() < 0.85 else self.const()

    def term(self, array: bool = False, depth: int = 2) -> str:
        """A scalar expression, or (array) one with at least one array operand."""
        kind = self.rng.random() if depth else 0.0
        if kind < 0.35:
            e = self.atom(array)
            if array and e not in self.arrays:
                e = f"{e} * {self.rng.choice(self.arrays)}"
            return e
        if kind < 0.7:
            return self.call(self.term(array, depth - 1), array)
        op = self.rng.choice(("+", "-", "*"))
        return f"({self.term(array, depth - 1)} {op} {self.term(False, depth - 1)})"


class Drawer(Drawing):
    """Draws the loop statements of one program; values come from running what was drawn."""

    def __init__(self, rng: random.Random, params: dict):
        super().__init__(rng, params)
        self.results: list[str] = []  # the loops' results, read by later loops
        self.env = self.run([])

    def run(self, extra: list[str], seen: list | None = None) -> dict:
        """The values after the accepted loops and `extra`; `seen` collects the tests' margins."""
        space = {"np": np, "math": math, "_above": _probe([] if seen is None else seen)}
        return execute(self.body + extra, self.params, space)

    def named(self, ok) -> list[str]:
        return [n for n in list(self.params) + self.results if ok(np.asarray(self.env[n]))]

    def loop(self) -> bool:
        """One loop statement and the reduction after it; kept when it runs, stays bounded and
        every data test clears its threshold by GAP."""
        rng = self.rng
        vectors = self.named(lambda v: v.ndim == 1 and v.shape[0] >= 2)
        if not vectors:
            return False
        x = rng.choice(vectors)
        n = self.env[x].shape[0]
        same = [v for v in vectors if self.env[v].shape[0] == n]
        scalars = self.named(lambda v: v.ndim == 0)
        mats = self.named(lambda v: v.ndim == 2 and v.shape[0] == n)
        s, h, y, i, j, k, r = (self.fresh(p) for p in ("s", "h", "y", "i", "j", "k", "r"))
        kind = rng.choice(("range", "range", "elements", "rows", "while", "nested"))
        M = rng.choice(mats) if mats else None
        if kind == "rows" and M is None:
            kind = "range"
        z = rng.choice(vectors)  # a nested loop runs over z, or over the columns of M
        m = np.shape(self.env[M])[1] if M and (kind == "rows" or rng.random() < 0.6) else 0
        inner_reads = [f"{M}[{i}, {j}]"] if m else [f"{z}[{j}]"]
        m = m or self.env[z].shape[0]
        lines, uses = Lines(), {x} | set(same) | ({M} if M else set())
        first = rng.choice(scalars + ["0.0", "1.0"])
        # `s = a` then `s += ..`: symback refuses (a may be an array it would change), so
        # mostly a fresh value
        fresh = first in scalars and rng.random() < 0.9
        lines.add(0, f"{s} = {first}" + (" * 1.0" if fresh else ""))
        width = m if kind == "rows" else n
        hv = rng.choice([v for v in vectors if self.env[v].shape[0] == width] or [""])
        carried = bool(hv) and rng.random() < 0.5
        if carried:
            lines.add(0, f"{h} = {hv} * 1.0")
            uses.add(hv)
        head, reads, index = self._header(lines, kind, x, same, M, n, i, j, k, s)
        # symback refuses writes at a while loop's counter (it cannot tell the counter names
        # each element once): rarely there
        buffer = index is not None and rng.random() < (0.1 if kind == "while" else 0.5)
        flat = not (kind == "nested" and buffer and rng.random() < 0.5)  # else y[i, j]
        if buffer:
            lines.add(0, f"{y} = np.zeros({n if flat else (n, m)})")
        if kind == "while" and rng.random() < 0.08:  # `and` is refused (unsupported): rarely
            lines.test(0, "while", s, repr(rng.choice(CONSTANTS) * 3), before=f"{k} < {n} and ")
        else:
            lines.add(0, head + ":")
        if kind == "while":
            lines.add(1, f"{k} += 1")  # first, so that a continue cannot skip it
        terms = Terms(rng, reads + [s] + scalars, [h] if carried else [])
        if kind == "rows":
            terms.arrays.append(i)
        outer_y = y if buffer and flat else None
        self._body(lines, terms, 1, s, h if carried else None, outer_y, index)
        if kind == "nested":
            inner = Terms(rng, inner_reads + reads + [s] + scalars, terms.arrays)
            uses.add(z)
            if rng.random() < 0.3:
                lines.add(1, f"for {j} in reversed(range({m})):")
            else:
                lines.add(1, f"for {j} in range({m}):")
            where = i if flat else f"{i}, {j}"
            self._body(lines, inner, 2, s, None, y if buffer else None, where, few=True)
        end = [f"{s}"] + ([f"np.sum({h} ** 2)"] if carried else [])
        end += [f"np.sum(np.sin({y}))"] if buffer else []
        if carried and rng.random() < 0.3:  # an array result, for later loops to run over
            end = [f"({' + '.join(end)}) * {h}"]
        lines.add(0, f"{r} = " + " + ".join(end))
        text = "\n".join(lines.real)
        uses |= {v for v in scalars + self.results if re.search(rf"\b{v}\b", text)}
        return self.accept(lines, r, uses, (s, h, y))

    def _header(self, lines, kind, x, same, M, n, i, j, k, s):
        """The loop's first line, what an iteration reads, and the index a buffer is written at
        (None where there is none)."""
        rng = self.rng
        at = [f"{u}[{i}]" for u in same]
        if kind == "range":
            form = rng.choice(("plain", "plain", "start", "reversed", "step"))
            stop = rng.choice((f"len({x})", f"{x}.shape[0]", str(n)))
            head = {
                "plain": f"for {i} in range({stop})",
                "start": f"for {i} in range(1, {stop})",
                "reversed": f"for {i} in reversed(range({stop}))",
                "step": f"for {i} in range(0, {stop}, 2)",
            }[form]
            return head, at + ([f"{x}[{i} - 1]"] if form == "start" else []), i
        if kind == "elements":
            form = rng.choice(("plain", "enumerate", "zip"))
            if form == "enumerate":
                return f"for {i}, {j} in enumerate({x})", [j] + at, i
            if form == "zip":
                return f"for {i}, {j} in zip({x}, {rng.choice(same)})", [i, j], None
            return f"for {i} in {x}", [i], None
        if kind == "rows":
            return f"for {i} in {M}", [f"np.sum({i})", f"{i}[0]"], None
        if kind == "while":
            lines.add(0, f"{k} = 0")
            return f"while {k} < {n}", [f"{u}[{k} - 1]" for u in same], f"{k} - 1"
        return f"for {i} in range({n})", at, i

    def _body(self, lines: Lines, terms: Terms, depth, s, h, y, index, few=False) -> None:
        """1 to 4 statements updating the carried values, maybe a data test among them."""
        rng, c = self.rng, terms.const
        steps = [
            lambda: lines.add(depth, f"{s} = {s} + {terms.term()}"),
            lambda: lines.add(depth, f"{s} += {terms.term()}"),
            lambda: lines.add(depth, f"{s} = 0.5 * {s} + {terms.term()}"),
            lambda: lines.add(depth, f"{s} -= {terms.term()}"),
            lambda: lines.add(depth, f"{s} *= {rng.choice((0.9, 0.5, -0.8))}"),
        ]
        if h:
            steps += [
                lambda: lines.add(depth, f"{h} = np.tanh({h} * {c()} + {terms.term(True)})"),
                lambda: lines.add(depth, f"{h} += 0.1 * {terms.term(True)}"),
                lambda: lines.add(depth, f"{h} *= {rng.choice((0.9, 0.5, -0.8))}"),
                lambda: lines.add(depth, f"{s} = {s} + np.sum({h} * {terms.term()})"),
            ]
        if y and index:
            steps += [
                lambda: lines.add(depth, f"{y}[{index}] = {terms.term()}"),
                lambda: lines.add(depth, f"{y}[{index}] += {terms.term()}"),
                lambda: lines.add(depth, f"{s} = {s} + {y}[{index}] * {c()}"),
            ]
        chosen = rng.sample(steps, rng.randint(1, min(2 if few else 4, len(steps))))
        if y and index and not any(step in chosen for step in steps[-3:-1]):
            chosen.append(rng.choice(steps[-3:-1]))  # a buffer is written where it is made
        if rng.random() < 0.4:  # a data test: skip the rest, leave the loop, or branch
            at, what = rng.randint(0, len(chosen)), rng.choice(("continue", "break", "if"))
            chosen.insert(at, lambda: self._test(lines, terms, depth, s, what))
        for step in chosen:
            step()

    def _test(self, lines: Lines, terms: Terms, depth, s, what) -> None:
        # mostly what the iteration reads or carries, so the test's outcome changes with it
        local = terms.scalars[: terms.scalars.index(s) + 1]
        e = self.rng.choice(local if self.rng.random() < 0.8 else terms.scalars)
        lines.test(depth, "if", e, terms.const())
        if what == "if":
            lines.add(depth + 1, f"{s} = {s} * {terms.const()}")
            lines.add(depth, "else:")
            lines.add(depth + 1, f"{s} = {s} - {terms.term()}")
        else:
            lines.add(depth + 1, what)

    def smooth(self, text: str, target: str) -> bool:
        """The target changes at most SENSITIVITY per unit change of each parameter (along a
        random direction), and a step 100x larger changes that slope by at most 1e-3 of it:
        differences can follow it (chains of sin(57 u) swung by 1e9)."""
        directions = np.random.default_rng(len(self.body))
        for p, value in self.params.items():
            d = directions.standard_normal(np.shape(value))
            slopes = []
            for h in (1e-4, 1e-6):
                ends = []
                for sign in (1, -1):
                    saved = self.params[p]
                    self.params[p] = value + sign * h * d
                    try:
                        ends.append(float(np.sum(self.run([text])[target])))
                    except (FloatingPointError, ValueError, OverflowError, RuntimeWarning):
                        return False
                    finally:
                        self.params[p] = saved
                slopes.append((ends[0] - ends[1]) / (2 * h))
            if not abs(slopes[1]) <= SENSITIVITY or abs(slopes[0] - slopes[1]) > 1e-3 * max(
                1.0, abs(slopes[1])
            ):
                return False
        return True

    def accept(self, lines: Lines, target: str, uses: set, locals_: tuple) -> bool:
        text, seen = "\n".join(lines.real), []
        try:
            self.run(["\n".join(lines.probed)], seen)
            env = self.run([text])
        except (
            FloatingPointError,
            ValueError,
            IndexError,
            TypeError,
            ZeroDivisionError,
            OverflowError,
            RuntimeWarning,
        ):
            return False
        if seen and min(seen) <= GAP or not self.smooth(text, target):
            return False
        for name in (target,) + locals_:
            if name in env:
                v = np.asarray(env[name])
                if v.dtype.kind != "f" or not np.all(np.abs(v) < LIMIT):
                    return False
        self.body.append(text)
        self.uses.append(tuple(sorted(uses - {target})))
        self.defs.append((target,) + tuple(n for n in locals_ if n in env))
        self.results.append(target)
        self.env = env
        return True


def program(seed: int, size: int, name: str = "f") -> Program:
    """A module defining `name`: `size` loops over 2-4 parameters; the same for a seed."""
    rng = random.Random(f"loops:{seed}:{size}")
    n, m = rng.sample((2, 3, 4, 5), 2)
    shapes = {"x": (n,), "w": (n,), "v": (m,), "M": (n, m), "a": (), "b": ()}
    chosen = ["x"] + rng.sample(("w", "v", "M", "a", "b"), rng.randint(1, 3))
    numbers = np.random.default_rng([seed, size, 7])
    params = {
        p: (
            np.round(numbers.normal(0, 0.8, shapes[p]), 4)
            if shapes[p]
            else round(float(numbers.normal(0, 0.8)), 4)
        )
        for p in chosen
    }
    drawer = Drawer(rng, params)
    for _ in range(size):
        for _ in range(200):
            if drawer.loop():
                break
    read = set().union(*drawer.uses) if drawer.uses else set()
    unread = [r for r in drawer.results if r not in read] or ["0.0"]
    total = " + ".join(f"np.sum({u})" for u in unread)
    return Program.straight_line(
        name,
        tuple(params),
        tuple(params.values()),
        drawer.body,
        drawer.uses,
        total,
        seed,
        size,
        False,
        header=HEADER,
        kind="loops",
        defs=drawer.defs,
        extra={"result_of": lambda names: " + ".join(f"np.sum({n})" for n in names)},
    )
