"""Array primitives with hand-written adjoints: one row per operation.

An adjoint is a small function of the statement (its operands `x0, x1, ...`, its value `v`,
its upstream adjoint `bar`, its static arguments such as `axis`) returning, for each array
operand, the printed expression of the gradient sent to it, or None. Texts are format strings
over `{np}` and the helper functions' names (`{unbroadcast}`, `{matmul_left}`, ...); helpers
are emitted into the generated module only when used (backend/helpers.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class Context:
    """What an adjoint rule may read about one primitive statement."""

    bar: str  # the upstream adjoint's name (or a number)
    operands: tuple[str, ...]  # the array operands
    value: str  # the statement's own value
    params: dict  # static arguments: axis, keepdims, axes, ...
    index: str = ""  # getitem: the printed index expression

    @property
    def x(self) -> str:
        return self.operands[0]

    def expanded_bar(self) -> str:
        """bar with the reduced axes put back (size 1), so that it broadcasts against x."""
        axis = self.params.get("axis")
        if axis is None or self.params.get("keepdims"):
            return self.bar
        return f"{{np}}.expand_dims({self.bar}, {axis!r})"


@dataclass(frozen=True)
class Contribution:
    """A gradient sent to one operand: `spread` marks a reduced gradient to broadcast back."""

    text: str
    spread: bool = False
    # getitem's adjoint as (g, index as np.s_[...], subscript text for a basic index or None),
    # so that a loop can add g at the index in place
    scatter: tuple[str, str, str | None] | None = None


# A rule's answer for an operand the gradient may depend on but the rule cannot handle yet:
# the backward walk refuses it if that operand is active (never a silent zero).
UNSUPPORTED = Contribution("")

Rule = Callable[[Context], tuple[Contribution | None, ...]]


@dataclass(frozen=True)
class ArrayPrimitive:
    op: str
    names: tuple[str, ...]  # qualified function names
    arrays: int  # how many leading positional arguments are differentiable arrays
    adjoint: Rule
    static: tuple[str, ...] = ()  # literal arguments the adjoint needs, by keyword
    methods: tuple[str, ...] = ()  # `x.sum(...)`-style spellings
    helpers: tuple[str, ...] = field(default=())  # module helpers the adjoint texts call
    positional: tuple[str, ...] = ()  # which of `static` may also come by position, in order
    passthrough: int = 0  # how many more arguments (a shape, an index) go to the forward code
    # only; their printed code is in the adjoint's params["extra"]
    varargs: bool = False  # the method takes its tuple argument spread out: x.reshape(3, 4)
    # how the arrays come: "leading" (the first `arrays` arguments), "sequence" (one list or
    # tuple of them, as np.stack takes), "after_subscripts" (np.einsum("ij,j->i", A, x))
    layout: str = "leading"
    written: str = ""  # how the user writes an operation that has no name of its own


def _sum(c: Context):
    return (Contribution(c.expanded_bar(), spread=True),)


def _mean(c: Context):
    scale = f"{c.expanded_bar()} * ({{np}}.size({c.value}) / {{np}}.size({c.x}))"
    if c.params.get("axis") is None:
        scale = f"{c.bar} / {{np}}.size({c.x})"
    return (Contribution(scale, spread=True),)


def _max_min(c: Context):
    # Ties share the gradient equally (docs/conventions.md): each of k tied maxima gets 1/k.
    axis = c.params.get("axis")
    keep = c.params.get("keepdims")
    v = c.value if axis is None or keep else f"{{np}}.expand_dims({c.value}, {axis!r})"
    hit = f"({c.x} == {v})"
    count = f"{{np}}.sum({hit}, axis={axis!r}, keepdims=True)"
    return (Contribution(f"{hit} * ({c.expanded_bar()} / {count})"),)


def _prod(c: Context):
    axis = c.params.get("axis")
    if isinstance(axis, tuple):
        return (UNSUPPORTED,)
    return (Contribution(f"{c.expanded_bar()} * {{prod_others}}({c.x}, {axis!r})"),)


def _var(c: Context, ddof_text: str = "0"):
    axis = c.params.get("axis")
    centred = f"({c.x} - {{np}}.mean({c.x}, axis={axis!r}, keepdims=True))"
    count = f"({{np}}.size({c.x}) / {{np}}.size({c.value}) - {c.params.get('ddof', 0)!r})"
    return centred, count


def _var_rule(c: Context):
    centred, count = _var(c)
    return (Contribution(f"2 * {centred} * ({c.expanded_bar()} / {count})"),)


def _std_rule(c: Context):
    centred, count = _var(c)
    v = c.value
    axis = c.params.get("axis")
    if axis is not None and not c.params.get("keepdims"):
        v = f"{{np}}.expand_dims({c.value}, {axis!r})"
    return (Contribution(f"{centred} * ({c.expanded_bar()} / ({count} * {v}))"),)


def _matmul(c: Context):
    a, b = c.operands
    return (
        Contribution(f"{{matmul_left}}({c.bar}, {a}, {b})"),
        Contribution(f"{{matmul_right}}({c.bar}, {a}, {b})"),
    )


def _dot(c: Context):
    # np.dot agrees with matmul up to 2-D; the check raises on anything bigger.
    a, b = c.operands
    checked = f"{{dot_check}}({a}, {b})"
    return (
        Contribution(f"{{matmul_left}}({c.bar}, {checked}, {b})"),
        Contribution(f"{{matmul_right}}({c.bar}, {checked}, {b})"),
    )


def _outer(c: Context):
    a, b = c.operands
    return (
        Contribution(f"{{np}}.reshape({c.bar} @ {{np}}.ravel({b}), {{np}}.shape({a}))"),
        Contribution(f"{{np}}.reshape({{np}}.ravel({a}) @ {c.bar}, {{np}}.shape({b}))"),
    )


def _transpose(c: Context):
    axes = c.params.get("axes")
    if axes is None:
        return (Contribution(f"{{np}}.transpose({c.bar})"),)
    inverse = tuple(sorted(range(len(axes)), key=lambda i: axes[i]))
    return (Contribution(f"{{np}}.transpose({c.bar}, {inverse!r})"),)


def _reshape(c: Context):
    return (Contribution(f"{{np}}.reshape({c.bar}, {{np}}.shape({c.x}))"),)


def _cumsum(c: Context):
    axis = c.params.get("axis")
    if axis is None:
        flat = f"{{np}}.flip({{np}}.cumsum({{np}}.flip({{np}}.ravel({c.bar}))))"
        return (Contribution(f"{{np}}.reshape({flat}, {{np}}.shape({c.x}))"),)
    flipped = f"{{np}}.flip({c.bar}, {axis!r})"
    return (Contribution(f"{{np}}.flip({{np}}.cumsum({flipped}, {axis!r}), {axis!r})"),)


def _norm(c: Context):
    # d|x| = x / |x|; at x = 0 the subgradient 0 (like abs).
    safe = f"{{np}}.where({c.value} == 0, 1.0, {c.value})"
    return (Contribution(f"{c.bar} * {c.x} / {safe}"),)


def _det(c: Context):
    inverse_t = f"{{np}}.swapaxes({{np}}.linalg.inv({c.x}), -1, -2)"
    scale = f"{{np}}.asarray({c.bar} * {c.value})[..., None, None]"  # one per matrix
    return (Contribution(f"{scale} * {inverse_t}"),)


def _inv(c: Context):
    v_t = f"{{np}}.swapaxes({c.value}, -1, -2)"
    return (Contribution(f"-{v_t} @ {c.bar} @ {v_t}"),)


def _solve(c: Context):
    a, b = c.operands
    db = f"{{np}}.linalg.solve({{np}}.swapaxes({a}, -1, -2), {c.bar})"
    return (
        Contribution(f"-{{solve_left}}({db}, {c.value})"),
        Contribution(db),
    )


def _trace(c: Context):
    return (Contribution(f"{c.bar} * {{np}}.eye(*{{np}}.shape({c.x}))"),)


def _unbroadcast(c: Context):
    # unbroadcast(g, like) sums g over broadcast axes: its adjoint spreads bar back over g.
    return (Contribution(c.bar, spread=True),)


def _scatter(c: Context):
    # scatter(g, like, index) puts g at index in zeros: its adjoint reads bar at index.
    return (Contribution(f"{c.bar}[{c.params['extra'][1]}]"),)


def _stack(c: Context):
    axis = c.params.get("axis", 0)
    return tuple(
        Contribution(f"{{np}}.take({c.bar}, {i}, axis={axis!r})") for i in range(len(c.operands))
    )


def _concatenate(c: Context):
    axis = c.params.get("axis", 0)
    sizes = ", ".join(f"{{np}}.shape({x})[{axis!r}]" for x in c.operands)
    cuts = f"{{np}}.cumsum([{sizes}])[:-1]"
    return tuple(
        Contribution(f"{{np}}.split({c.bar}, {cuts}, axis={axis!r})[{i}]")
        for i in range(len(c.operands))
    )


def _einsum(c: Context):
    """Each operand's gradient is an einsum of the upstream with the other operands."""
    inputs, _, output = c.params["subscripts"].replace(" ", "").partition("->")
    subs = inputs.split(",")
    out = []
    for i, mine in enumerate(subs):
        others = [s for j, s in enumerate(subs) if j != i]
        reachable = set(output).union(*others)
        if len(set(mine)) != len(mine) or "." in mine:
            out.append(UNSUPPORTED)  # a repeated index (a diagonal) or an ellipsis
            continue
        kept = "".join(ch for ch in mine if ch in reachable)
        spec = ",".join([output, *others]) + "->" + kept
        names = [x for j, x in enumerate(c.operands) if j != i]
        text = f"{{np}}.einsum({spec!r}, {', '.join([c.bar, *names])})"
        lone = tuple(k for k, ch in enumerate(mine) if ch not in reachable)
        if lone:  # an index only this operand has was summed: spread the gradient along it
            out.append(Contribution(f"{{np}}.expand_dims({text}, {lone!r})", spread=True))
        else:
            out.append(Contribution(text))
    return tuple(out)


def _matmul_left_rule(c: Context):
    # matmul_left(g, a, b) is g @ b^T (a only gives the shape): linear in g.
    g, _, b = c.operands
    grad_g = f"{{unbroadcast}}({{np}}.matmul({c.bar}, {b}), {g})"
    return (Contribution(grad_g), None, UNSUPPORTED)


def _matmul_right_rule(c: Context):
    # matmul_right(g, a, b) is a^T @ g (b only gives the shape): linear in g.
    g, a, _ = c.operands
    grad_g = f"{{unbroadcast}}({{np}}.matmul({a}, {c.bar}), {g})"
    return (Contribution(grad_g), UNSUPPORTED, None)


def _broadcast_to(c: Context):
    return (Contribution(f"{{unbroadcast}}({c.bar}, {c.x})"),)


def _getitem(c: Context):
    text = f"{{scatter}}({c.bar}, {c.x}, {c.index})"
    return (Contribution(text, scatter=(c.bar, c.index, c.params["subscript"])),)


def _gather(c: Context):
    text = f"{{scatter_add}}({c.bar}, {c.x}, {c.index})"
    return (Contribution(text, scatter=(c.bar, c.index, None)),)


def _logsumexp(c: Context):
    # log(sum(exp(x))) as the user wrote it (optimize/exp_reductions.py fuses it): its
    # gradient is the softmax, computed shifted rather than as exp(x - v), which is 0 where
    # the forward exp overflowed to v = inf
    softmax = f"{{softmax}}({c.x}, {c.params.get('axis')!r})"
    return (Contribution(softmax if c.bar == "1.0" else f"{c.expanded_bar()} * {softmax}"),)


def _softmax(c: Context):
    # exp(x) / sum(exp(x)) as the user wrote it: its forward value is nan where exp overflowed
    return (Contribution(f"{{softmax_vjp}}({c.bar}, {c.x}, {c.params.get('axis')!r})"),)


def _softmax_helper(c: Context):
    # the generated helper (met in Hessians): its value p is the shifted, finite softmax
    axis = c.params.get("axis")
    p = c.value
    return (
        Contribution(f"{p} * ({c.bar} - {{np}}.sum({c.bar} * {p}, axis={axis!r}, keepdims=True))"),
    )


def _softmax_vjp_rule(c: Context):
    # y = softmax_vjp(g, x) = p * (g - k), k = sum(g * p): with J = diag(p) - p p^T symmetric,
    # bar_g = J bar; bar_x = J (bar * (g - k)) - p * (g - k) * sum(bar * p)
    g, x = c.operands
    axis = c.params.get("axis")
    p = f"{{softmax}}({x}, {axis!r})"
    centred = f"({g} - {{np}}.sum({g} * {p}, axis={axis!r}, keepdims=True))"
    weight = f"{{np}}.sum({c.bar} * {p}, axis={axis!r}, keepdims=True)"
    return (
        Contribution(f"{{softmax_vjp}}({c.bar}, {x}, {axis!r})"),
        Contribution(
            f"{{softmax_vjp}}({c.bar} * {centred}, {x}, {axis!r}) - {p} * {centred} * {weight}"
        ),
    )


REDUCE = ("axis", "keepdims")
AXIS = ("axis",)
PRIMITIVE_TABLE: tuple[ArrayPrimitive, ...] = (
    ArrayPrimitive("sum", ("numpy.sum",), 1, _sum, REDUCE, ("sum",), positional=AXIS),
    ArrayPrimitive("mean", ("numpy.mean",), 1, _mean, REDUCE, ("mean",), positional=AXIS),
    ArrayPrimitive(
        "max", ("numpy.max", "numpy.amax"), 1, _max_min, REDUCE, ("max",), positional=AXIS
    ),
    ArrayPrimitive(
        "min", ("numpy.min", "numpy.amin"), 1, _max_min, REDUCE, ("min",), positional=AXIS
    ),
    ArrayPrimitive(
        "prod", ("numpy.prod",), 1, _prod, REDUCE, ("prod",), ("prod_others",), positional=AXIS
    ),
    ArrayPrimitive(
        "var", ("numpy.var",), 1, _var_rule, REDUCE + ("ddof",), ("var",), positional=AXIS
    ),
    ArrayPrimitive(
        "std", ("numpy.std",), 1, _std_rule, REDUCE + ("ddof",), ("std",), positional=AXIS
    ),
    ArrayPrimitive(
        "matmul",
        ("numpy.matmul",),
        2,
        _matmul,
        (),
        (),
        ("matmul_left", "matmul_right"),
    ),
    ArrayPrimitive(
        "dot",
        ("numpy.dot",),
        2,
        _dot,
        (),
        ("dot",),
        ("matmul_left", "matmul_right", "dot_check"),
    ),
    ArrayPrimitive("outer", ("numpy.outer",), 2, _outer),
    ArrayPrimitive("stack", ("numpy.stack",), 0, _stack, AXIS, positional=AXIS, layout="sequence"),
    ArrayPrimitive(
        "concatenate",
        ("numpy.concatenate",),
        0,
        _concatenate,
        AXIS,
        positional=AXIS,
        layout="sequence",
    ),
    ArrayPrimitive("einsum", ("numpy.einsum",), 0, _einsum, layout="after_subscripts"),
    ArrayPrimitive(
        "transpose",
        ("numpy.transpose",),
        1,
        _transpose,
        ("axes",),
        ("transpose",),
        positional=("axes",),
        varargs=True,
    ),
    ArrayPrimitive(
        "reshape", ("numpy.reshape",), 1, _reshape, (), ("reshape",), passthrough=1, varargs=True
    ),
    ArrayPrimitive("ravel", ("numpy.ravel",), 1, _reshape, (), ("ravel", "flatten")),
    ArrayPrimitive("cumsum", ("numpy.cumsum",), 1, _cumsum, AXIS, ("cumsum",), positional=AXIS),
    ArrayPrimitive("norm", ("numpy.linalg.norm",), 1, _norm),
    ArrayPrimitive("det", ("numpy.linalg.det",), 1, _det),
    ArrayPrimitive("inv", ("numpy.linalg.inv",), 1, _inv),
    ArrayPrimitive("solve", ("numpy.linalg.solve",), 2, _solve, (), (), ("solve_left",)),
    ArrayPrimitive("trace", ("numpy.trace",), 1, _trace, (), ("trace",)),
    # symback's own generated helper, met when differentiating generated code (Hessians)
    ArrayPrimitive("unbroadcast", ("symback.unbroadcast",), 1, _unbroadcast, passthrough=1),
    ArrayPrimitive(
        "scatter", ("symback.scatter", "symback.scatter_add"), 1, _scatter, passthrough=2
    ),
    ArrayPrimitive(
        "matmul_left", ("symback.matmul_left",), 3, _matmul_left_rule, helpers=("unbroadcast",)
    ),
    ArrayPrimitive(
        "matmul_right", ("symback.matmul_right",), 3, _matmul_right_rule, helpers=("unbroadcast",)
    ),
    ArrayPrimitive(
        "broadcast_to",
        ("numpy.broadcast_to",),
        1,
        _broadcast_to,
        helpers=("unbroadcast",),
        passthrough=1,
    ),
    # x[index]: a basic index (slices, integers, a boolean mask) reads no element twice, so
    # its adjoint assigns; an integer-array index may repeat elements, so its adjoint adds.
    ArrayPrimitive("getitem", (), 1, _getitem, (), (), ("scatter",)),
    ArrayPrimitive("gather", (), 1, _gather, (), (), ("scatter_add",)),
    # the naive forms, fused from exp, sum, log and / statements (optimize/exp_reductions.py)
    ArrayPrimitive(
        "logsumexp",
        (),
        1,
        _logsumexp,
        REDUCE,
        (),
        ("softmax",),
        written="np.log(np.sum(np.exp(x)))",
    ),
    ArrayPrimitive(
        "naive_softmax",
        (),
        1,
        _softmax,
        REDUCE,
        (),
        ("softmax_vjp",),
        written="np.exp(x) / np.sum(np.exp(x))",
    ),
    # symback's own helpers, met when differentiating generated code (Hessians)
    ArrayPrimitive("softmax", ("symback.softmax",), 1, _softmax_helper, AXIS, positional=AXIS),
    ArrayPrimitive(
        "softmax_vjp",
        ("symback.softmax_vjp",),
        2,
        _softmax_vjp_rule,
        AXIS,
        positional=AXIS,
        helpers=("softmax_vjp",),
    ),
)

PRIMITIVES: dict[str, ArrayPrimitive] = {name: row for row in PRIMITIVE_TABLE for name in row.names}
PRIMITIVES_BY_OP: dict[str, ArrayPrimitive] = {row.op: row for row in PRIMITIVE_TABLE}
METHODS: dict[str, ArrayPrimitive] = {m: row for row in PRIMITIVE_TABLE for m in row.methods}
