"""Random array programs: broadcasting, reductions, @, views, buffer writes, loops and branches."""

from __future__ import annotations

import random

import numpy as np

from . import array_ops
from .array_ops import broadcasts, gap, spread
from .program import Drawing, Program, execute

LIMIT = 1e3  # every array value stays below this in magnitude
GAP = 0.05  # how far a kink (maximum's tie, abs at 0, a branch's test) stays from the point
HEADER = "import numpy as np\n"

SMOOTH = (  # one operand, differentiable everywhere
    "np.tanh({A})",
    "np.sin({A}) * {c}",
    "np.cos({A})",
    "np.exp(np.tanh({A}))",
    "np.log(1.0 + {A} ** 2)",
    "np.sqrt(1.0 + {A} ** 2)",
    "{A} ** 2",
    "{A} ** 3 / 4.0",
    "1.0 / (1.0 + np.exp(-{A}))",
    "np.logaddexp({A}, 0.0)",
    "-{A}",
    "{c} * {A}",
    "np.exp({A})",
    "np.square({A}) - {A}",
)
KINKED = (  # one operand; the check keeps the operand away from the kink
    ("np.abs({A})", "np.abs({A})"),
    ("np.clip({A}, -0.5, 0.5)", "np.minimum(np.abs({A} - 0.5), np.abs({A} + 0.5))"),
    ("np.maximum({A}, 0.0)", "np.abs({A})"),
    ("np.where({A} > {c}, {A} ** 2, -{A})", "np.abs({A} - {c})"),
    # masks made of masks, inline and as names: where, select and a mask as a factor
    ("np.where(({A} > {c}) & ({A} < 1.5), np.sin({A}), {A} * 3.0)",
     "np.minimum(np.abs({A} - {c}), np.abs({A} - 1.5))"),
    ("np.where(~({A} > {c}) | ({A} > 1.5), {A} ** 2, -{A})",
     "np.minimum(np.abs({A} - {c}), np.abs({A} - 1.5))"),
    ("np.select([({A} < -1.0) | ({A} > 1.0), {A} > {c}], [np.cos({A}), {A}], default=2.0 * {A})",
     "np.minimum(np.minimum(np.abs({A} + 1.0), np.abs({A} - 1.0)), np.abs({A} - {c}))"),
    ("np.tanh({A}) * (({A} > {c}) & ~({A} > 2.0))",
     "np.minimum(np.abs({A} - {c}), np.abs({A} - 2.0))"),
)
BINARY = (
    ("{A} + {B}", None),
    ("{A} - {B}", None),
    ("{A} * {B}", None),
    ("{A} / (1.0 + {B} ** 2)", None),
    ("{A} * np.tanh({B}) + {c}", None),
    ("np.maximum({A}, {B})", "np.abs({A} - {B})"),
    ("np.minimum({A}, {B})", "np.abs({A} - {B})"),
    ("np.where({A} > {B}, {A}, {B} * {c})", "np.abs({A} - {B})"),
    ("np.hypot({A}, 1.0 + {B} ** 2)", None),
    ("np.arctan2({A}, 1.0 + {B} ** 2)", None),
    ("(1.0 + {A} ** 2) ** {B}", None),
)
REDUCTIONS = ("sum", "mean", "max", "min", "prod", "std", "var")
VIEWS = (  # (text, needs ndim)
    ("{A}.T", 2),
    ("np.flip({A})", 1),
    ("np.flip({A}, axis=0)", 1),
    ("{A}[::-1]", 1),
    ("{A}[1:]", 1),
    ("np.swapaxes({A}, 0, 1)", 2),
    ("np.transpose({A})", 2),
    ("{A}.reshape(-1)", 1),
    ("np.broadcast_to({A}, (2,) + {A}.shape)", 1),
    ("{A}.ravel()", 2),
    ("{A}[:, 1:]", 2),
)


class Drawer(Drawing):
    """Draws the statements of one array program; values come from running what was drawn."""

    def __init__(self, rng: random.Random, params: dict):
        super().__init__(rng, params)
        self.names = list(params)  # values later statements may read
        self.buffers: dict[str, list[str]] = {}  # buffer -> its views
        self.unread: dict[str, None] = {}
        self.env = self.run([])

    def run(self, extra: list[str]) -> dict:
        """The values after the accepted statements and `extra` (each a block of lines)."""
        return execute(self.body + extra, self.params, {"np": np})

    def pick(self, ok=lambda v: True) -> str | None:
        """An operand: the oldest unread value sometimes, else any (recent ones more often)."""
        choices = [n for n in self.names if ok(self.env[n])]
        if not choices:
            return None
        oldest = [n for n in self.unread if n in choices]
        if oldest and self.rng.random() < 0.3:
            return oldest[0]
        return self.rng.choice(choices[-8:] if self.rng.random() < 0.6 else choices)

    def const(self) -> str:
        return repr(self.rng.choice((0.5, 2.0, 0.3, 1.5, -0.7)))

    def accept(self, lines, target: str, uses: set, checks=(), defs=(), probe=None) -> bool:
        """Keep the statement when it runs, stays bounded and clear of its kinks.

        `checks` are evaluated on the values before the statement; `probe` is the statement
        with lines that append each branch test's distance from its threshold to `_seen`.
        """
        text = "\n".join(lines)
        try:
            for check in checks:
                if np.min(eval(check, {**self.env, "_gap": gap, "_spread": spread})) <= GAP:
                    return False
            if probe is not None:
                seen = self.run(["_seen = []", probe])["_seen"]
                if seen and min(abs(d) for d in seen) <= GAP:
                    return False
            env = self.run([text])
            value = np.asarray(env[target])
        except (FloatingPointError, ValueError, IndexError, TypeError, RuntimeWarning):
            return False
        if value.dtype.kind != "f" or not np.all(np.abs(value) < LIMIT) or value.size == 0:
            return False
        self.body.append(text)
        self.uses.append(tuple(sorted(uses)))
        self.defs.append((target,) + tuple(defs))
        for u in uses:
            self.unread.pop(u, None)
        self.unread[target] = None
        if target not in self.names:
            self.names.append(target)
        self.env = env
        return True

    # -- statements ------------------------------------------------------------------------

    def statement(self) -> bool:
        kinds = ("unary", "binary", "reduce", "matmul", "index", "view", "buffer", "write")
        kinds += ("loop", "branch", "join", "shaped", "table")
        weights = (3, 4, 4, 3, 3, 3, 2, 1, 2, 2, 1, 3, 3)
        kind = self.rng.choices(kinds, weights)[0]
        if kind in ("shaped", "table"):
            return getattr(array_ops, f"{kind}_call" if kind == "table" else kind)(self)
        return getattr(self, "_" + kind)()

    def _unary(self) -> bool:
        A, t = self.pick(), self.fresh()
        if self.rng.random() < 0.7:
            text, checks = self.rng.choice(SMOOTH), ()
        else:
            text, check = self.rng.choice(KINKED)
            checks = (check,)
        c = self.const()
        return self.accept(
            [f"{t} = " + text.format(A=A, c=c)], t, {A}, [k.format(A=A, c=c) for k in checks]
        )

    def _binary(self) -> bool:
        A = self.pick()
        B = self.pick(lambda v: broadcasts(np.shape(self.env[A]), np.shape(v)))
        text, check = self.rng.choice(BINARY)
        t, c = self.fresh(), self.const()
        if self.rng.random() < 0.15:
            B = c  # a constant operand
        checks = [check.format(A=A, B=B, c=c)] if check else []
        return self.accept([f"{t} = " + text.format(A=A, B=B, c=c)], t, {A, B} - {c}, checks)

    def _reduce(self) -> bool:
        A = self.pick(lambda v: np.ndim(v) > 0)
        if A is None:
            return False
        value, how = self.env[A], self.rng.choice(REDUCTIONS)
        axis = self.rng.choice([None] + list(range(-np.ndim(value), np.ndim(value))))
        keep = self.rng.random() < 0.3
        args = ("" if axis is None else f", axis={axis}") + (", keepdims=True" if keep else "")
        t = self.fresh()
        if self.rng.random() < 0.3 and how != "std":
            text = f"{A}.{how}({args[2:]})"
        else:
            text = f"np.{how}({A}{args})"
        checks = []
        if how in ("max", "min"):  # the extreme must be unique: a clear gap to the runner-up
            checks.append(f"_gap({A}, {axis})")
        if how == "std":  # away from zero spread (std has a kink there), or over one element
            checks.append(f"_spread({A}, {axis})")
        return self.accept([f"{t} = {text}"], t, {A}, checks)

    def _matmul(self) -> bool:
        A = self.pick(lambda v: np.ndim(v) in (1, 2))
        if A is None:
            return False
        left = np.shape(self.env[A])
        transpose = len(left) == 2 and self.rng.random() < 0.3
        inner = left[0] if transpose else left[-1]
        B = self.pick(lambda v: np.ndim(v) in (1, 2) and np.shape(v)[0] == inner)
        if B is None:
            return False
        t = self.fresh()
        a = f"{A}.T" if transpose else A
        text = f"{a} @ {B}" if self.rng.random() < 0.8 else f"np.dot({a}, {B})"
        return self.accept([f"{t} = {text}"], t, {A, B})

    def _index(self) -> bool:
        A = self.pick(lambda v: np.ndim(v) > 0 and np.shape(v)[0] > 2)
        if A is None:
            return False
        options = ["[0]", "[-1]", "[1:]", "[:-1]", "[::2]", "[[0, 2]]", "[1:3]"]
        if np.ndim(self.env[A]) == 2:
            options += ["[:, 0]", "[1, 1]", "[:, 1:]", "[..., -1]", "[0, :]"]
        t = self.fresh()
        return self.accept([f"{t} = {A}{self.rng.choice(options)}"], t, {A})

    def _view(self) -> bool:
        text, ndim = self.rng.choice(VIEWS)
        A = self.pick(lambda v: np.ndim(v) == ndim)
        if A is None:
            return False
        t = self.fresh()
        return self.accept([f"{t} = {text.format(A=A)}"], t, {A})

    def _join(self) -> bool:
        A = self.pick(lambda v: np.ndim(v) >= 1)
        B = self.pick(lambda v: np.shape(v) == np.shape(self.env[A]))
        t, how = self.fresh(), self.rng.choice(("concatenate", "stack"))
        return self.accept([f"{t} = np.{how}([{A}, {B}])"], t, {A, B})

    def _buffer(self) -> bool:
        """y = np.zeros(..); writes; a view of y; more writes; the view is read later."""
        A = self.pick(lambda v: np.ndim(v) in (1, 2) and np.shape(v)[0] > 1)
        if A is None:
            return False
        shape, (y, w) = np.shape(self.env[A]), (self.fresh("y"), self.fresh("z"))
        text, _ = self.rng.choice([v for v in VIEWS if v[1] <= len(shape)])
        c = self.const()
        first = self.rng.choice(
            (f"{y}[:] = {A}", f"{y}[0] = {c} * {A}[0]\n{y}[1:] = np.tanh({A}[1:])", f"{y} += {A}")
        )
        after = self.rng.choice(
            (
                f"{y}[0] = {c} * {A}[0]",
                f"{y}[1:] += {A}[:-1] * {c}",
                f"{y} *= {c}",
                f"{y}[-1] = np.sum({A})",
                f"{y}[::2] = np.sin({A}[::2])",
            )
        )
        view = f"{w} = {text.format(A=y)}"
        # half the time the view is taken after the writes, so it reads no stale value
        late = self.rng.random() < 0.7
        lines = [f"{y} = np.zeros({shape})", first] + ([after, view] if late else [view, after])
        if not self.accept(["\n".join(lines)], w, {A}, defs=(y,)):
            return False
        self.names.append(y)
        self.buffers[y] = [w]
        return True

    def _write(self) -> bool:
        """A write into an earlier buffer: its views, read later, must see it."""
        if not self.buffers:
            return False
        y = self.rng.choice(list(self.buffers))
        shape, c = np.shape(self.env[y]), self.const()
        B = self.pick(lambda v: np.ndim(v) == 0 or np.shape(v) == shape)
        line = self.rng.choice(
            (
                f"{y}[0] = {c} * np.sum({B})",
                f"{y}[1:] += {c}",
                f"{y} *= np.tanh({B})",
                f"{y}[-1] -= np.mean({B})",
                f"{y}[:] = {B} * {c}",
            )
        )
        views = self.buffers[y]
        if not self.accept([line], y, {y, B}, defs=tuple(views)):
            return False
        # a view read after this write is refused (documented); half the views read it anyway
        for v in views:
            if self.rng.random() < 0.5:
                self.unread[v] = None
            else:
                self.unread.pop(v, None)
                self.names.remove(v)
        self.buffers[y] = [v for v in views if v in self.names]
        return True

    def _loop(self) -> bool:
        """A loop carrying an array (and a sum) from one step to the next; writes, tests."""
        A = self.pick()
        shape, T = np.shape(self.env[A]), self.rng.randint(2, 4)
        h, acc, t, c = self.fresh("h"), self.fresh("acc"), self.fresh(), self.const()
        out = self.fresh("y")
        B = self.pick(lambda v: broadcasts(shape, np.shape(v)))
        steps = [
            f"{h} = np.tanh({h} * {c} + {B})",
            f"{h} = {h} + 0.1 * np.sin({h}) * {B}",
            f"{h} = 0.5 * {h} + np.cos({B}) * {c}",
            f"{h} += 0.1 * np.tanh({B})",
            f"{h} *= 0.9",
            f"{acc} = {acc} + np.sum({h} ** 2)",
            f"{acc} = {acc} * 0.5 + np.mean(np.tanh({h}) * {B})",
            f"{out}[k] = np.sum({h} * {B})",
            f"{out}[k] += np.mean({h})\n{acc} = {acc} + {out}[k]",
            f"if np.sum({h}) > {c}:\n    {h} = {h} * 0.5\nelse:\n    {h} = {h} + 0.1",
            f"if {acc} > {c}:\n    {acc} = {acc} - np.sum({h})",
        ]
        Bs = self.pick(
            lambda v: np.ndim(v) >= 1 and np.shape(v)[0] >= T and broadcasts(shape, np.shape(v)[1:])
        )
        if Bs is not None:
            steps.append(f"{h} = 0.5 * {h} + {Bs}[k]")
        M = self.pick(lambda v: np.ndim(v) == 2 and len(shape) == 1 and np.shape(v) == shape * 2)
        if M is not None:
            steps.append(f"{h} = np.tanh({M} @ {h})")
        body = self.rng.sample(steps, self.rng.randint(1, min(4, len(steps))))
        if not any(s.startswith(f"{acc} =") for s in body):
            body.append(f"{acc} = {acc} + np.sum({h})")
        header = self.rng.choice((f"for k in range({T}):", f"for k in range(1, {T}):", "while"))
        lines = [f"{h} = {A} * 1.0", f"{acc} = 0.0", f"{out} = np.zeros({T})"]
        if header == "while":  # k is then no loop variable: writes at [k] would be refused
            body = [b for b in body if f"{out}[k]" not in b]
            lines += ["k = 0", f"while k < {T}:"]
            body.append("k += 1")
        else:
            lines.append(header)
        probe = list(lines)
        for step in body:
            for line in step.split("\n"):
                if line.startswith("if "):
                    probe.append(f"    _seen.append(float({line[3:].split(' > ')[0]}) - {c})")
                probe.append(f"    {line}")
                lines.append(f"    {line}")
        end = f"{t} = {h} * {acc}" + (f" + np.sum({out})" if any(out in s for s in body) else "")
        uses = {A, B} | ({Bs} if Bs else set()) | ({M} if M else set())
        return self.accept(["\n".join(lines + [end])], t, uses, probe="\n".join(probe))

    def _branch(self) -> bool:
        """An if on data: both arms bind the same name."""
        A, B = self.pick(), self.pick()
        c, t = self.const(), self.fresh()
        test = self.rng.choice((f"np.sum({A})", f"np.max({A})", f"np.mean({A} ** 2)"))
        yes, no = self.rng.sample(SMOOTH, 2)
        lines = [
            f"if {test} > {c}:",
            f"    {t} = " + yes.format(A=B, c=c),
            "else:",
            f"    {t} = " + no.format(A=B, c=c),
        ]
        return self.accept(["\n".join(lines)], t, {A, B}, [f"np.abs({test} - {c})"])


def program(seed: int, size: int, name: str = "f") -> Program:
    """A module defining `name`: about `size` statements over 2-4 parameters; same for a seed."""
    rng = random.Random(f"arrays:{seed}:{size}")
    n, m = rng.sample((2, 3, 4, 5), 2)
    shapes = [(), (n,), (m,), (n, m), (m, n), (n, n), (n,)]
    chosen = rng.sample(("x", "w", "b", "A", "M", "s"), rng.randint(2, 4))
    shape_of = {p: rng.choice(shapes) for p in chosen}
    if all(s == () for s in shape_of.values()):
        shape_of[chosen[0]] = (n,)
    numbers = np.random.default_rng([seed, size])
    params = {
        p: np.round(numbers.normal(0, 0.8, s), 4) if s else round(float(numbers.normal(0, 0.8)), 4)
        for p, s in shape_of.items()
    }
    drawer = Drawer(rng, params)
    for _ in range(size):
        for _ in range(100):
            if drawer.statement():
                break
    result = " + ".join(f"np.sum({u})" for u in drawer.unread) or "0.0"
    return Program.straight_line(
        name,
        tuple(params),
        tuple(params.values()),
        drawer.body,
        drawer.uses,
        result,
        seed,
        size,
        False,
        header=HEADER,
        kind="arrays",
        defs=drawer.defs,
        extra={"result_of": lambda names: " + ".join(f"np.sum({n})" for n in names)},
    )
