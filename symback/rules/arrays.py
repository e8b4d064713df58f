"""Array primitives with hand-written adjoints: one row per operation.

An adjoint is a small function of the statement (its operands `x0, x1, ...`, its value `v`,
its upstream adjoint `bar`, its static arguments such as `axis`) returning, for each array
operand, the printed expression of the gradient sent to it, or None. Texts are format strings
over `{np}` and the helper functions' names (`{unbroadcast}`, `{matmul_left}`, ...); helpers
are emitted into the generated module only when used (backend/helpers.py).
"""

from __future__ import annotations

import math
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
    shapes: tuple[tuple[int, ...], ...] | None = None  # the operands', where known (specialised)

    @property
    def ndims(self) -> tuple[int, ...] | None:
        return None if self.shapes is None else tuple(len(s) for s in self.shapes)

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
    # the gradient is np.outer(a, b): a sum of several is one matrix product
    outer: tuple[str, str] | None = None


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
    axis = c.params.get("axis")
    if c.shapes is not None:  # the count of averaged elements is known
        shape = c.shapes[0]
        axes = range(len(shape)) if axis is None else axis if isinstance(axis, tuple) else (axis,)
        count = math.prod(shape[a] for a in axes)
        return (Contribution(f"{c.expanded_bar()} / {count}", spread=True),)
    scale = f"{c.expanded_bar()} * ({{np}}.size({c.value}) / {{np}}.size({c.x}))"
    if axis is None:
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


# a @ b for vectors and matrices by (a.ndim, b.ndim): the gradients with respect to a and b
# as a person writes them, given g, the gradient of the product.
_MATMUL_BY_NDIM = {
    (2, 2): ("{g} @ {b}.T", "{a}.T @ {g}"),
    (2, 1): ("{{np}}.outer({g}, {b})", "{g} @ {a}"),
    (1, 2): ("{b} @ {g}", "{{np}}.outer({a}, {g})"),
    (1, 1): ("{g} * {b}", "{g} * {a}"),
}


def _matmul(c: Context):
    a, b = c.operands
    if c.ndims in _MATMUL_BY_NDIM:
        left, right = (text.format(g=c.bar, a=a, b=b) for text in _MATMUL_BY_NDIM[c.ndims])
        return (
            Contribution(left, outer=(c.bar, b) if c.ndims == (2, 1) else None),
            Contribution(right, outer=(a, c.bar) if c.ndims == (1, 2) else None),
        )
    return (
        Contribution(f"{{matmul_left}}({c.bar}, {a}, {b})"),
        Contribution(f"{{matmul_right}}({c.bar}, {a}, {b})"),
    )


def _dot(c: Context):
    # np.dot agrees with matmul up to 2-D; the helpers contract its N-D form themselves.
    if c.ndims in _MATMUL_BY_NDIM:
        return _matmul(c)
    a, b = c.operands
    return (
        Contribution(f"{{dot_left}}({c.bar}, {a}, {b})"),
        Contribution(f"{{dot_right}}({c.bar}, {a}, {b})"),
    )


def _inner(c: Context):
    a, b = c.operands
    return (
        Contribution(f"{{inner_left}}({c.bar}, {a}, {b})"),
        Contribution(f"{{inner_right}}({c.bar}, {a}, {b})"),
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


def _diag(c: Context):
    # np.diag(v, k) builds a matrix from a vector and reads a diagonal of a matrix: the
    # adjoint of each is the other, np.diag(g, k) (a helper makes it fit a matrix that is
    # not square; a Python `if` here would not survive a second derivative).
    k = c.params.get("k", 0)
    return (Contribution(f"{{diag_grad}}({c.bar}, {c.x}{f', {k!r}' if k else ''})"),)


def _diag_grad(c: Context):
    # diag_grad(g, like, k) is np.diag(g, k) fitted to like's shape: linear in g, with
    # np.diag(bar, k) as its adjoint whether like is a vector or a matrix.
    extra = c.params["extra"]
    k = f", {extra[1]}" if len(extra) > 1 else ""
    return (Contribution(f"{{np}}.diag({c.bar}{k})"),)


def _diagonal(c: Context):
    offset, axis1, axis2 = (
        c.params.get(n, d) for n, d in (("offset", 0), ("axis1", 0), ("axis2", 1))
    )
    args = "".join(f", {v!r}" for v in (offset, axis1, axis2))
    if (axis1, axis2) == (0, 1):
        args = f", {offset!r}" if offset else ""
    return (Contribution(f"{{scatter_diagonal}}({c.bar}, {c.x}{args})"),)


def _scatter_diagonal(c: Context):
    # scatter_diagonal(g, like, offset, axis1, axis2) puts g on a diagonal of zeros: its
    # adjoint reads bar's diagonal.
    return (Contribution(f"{{np}}.diagonal({', '.join([c.bar, *c.params['extra'][1:]])})"),)


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


def _pieces_at(bar: str, arrays: tuple[str, ...], size: str, cut: str) -> tuple:
    """The adjoint of joining `arrays` end to end: piece i of `bar`, between the summed
    sizes (`size` over `{x}`) of the arrays before it, reshaped like array i (a vector
    stacked as a row, a number as an element). `cut` prints a slice of `{g}`."""
    out, start = [], ""
    for i, x in enumerate(arrays):
        mine = size.format(x=x, np="{np}")
        stop = f"{start} + {mine}" if start else mine
        if i == len(arrays) - 1:
            stop = ""
        piece = cut.format(g=bar, s=f"{start}:{stop}") if len(arrays) > 1 else bar
        out.append(Contribution(f"{{np}}.reshape({piece}, {{np}}.shape({x}))"))
        start = stop
    return tuple(out)


def _vstack(c: Context):
    # np.vstack joins rows: a vector (or a number) is one row, a matrix its len() rows.
    return _pieces_at(c.bar, c.operands, "len({np}.atleast_2d({x}))", "{g}[{s}]")


def _hstack(c: Context):
    # np.hstack joins vectors (and numbers) end to end but matrices along axis 1: which one
    # depends on the arrays' ranks at run time, so a helper cuts the gradient.
    pieces = f"{{hstack_pieces}}({c.bar}, [{', '.join(c.operands)}])"
    return tuple(Contribution(f"{pieces}[{i}]") for i in range(len(c.operands)))


def _column_stack(c: Context):
    # np.column_stack makes each vector (or number) a column and joins along axis 1.
    width = "(1 if {np}.ndim({x}) < 2 else {np}.shape({x})[1])"
    return _pieces_at(c.bar, c.operands, width, "{g}[:, {s}]")


def _einsum_terms(subscripts: str) -> list[str]:
    """'...ij' -> ['...', 'i', 'j']: the ellipsis is one term."""
    head, dots, tail = subscripts.partition("...")
    return [*head, *(["..."] if dots else []), *tail]


def _axes(terms: list[str]) -> list[int]:
    """The axis of each term: counted from the front before an ellipsis, from the end after."""
    ellipsis = terms.index("...") if "..." in terms else len(terms)
    return [k if k < ellipsis else k - len(terms) for k in range(len(terms))]


def _einsum(c: Context):
    """Each operand's gradient is an einsum of the upstream with the other operands.

    An index repeated within one operand (`'ii->'`, a trace) reads a diagonal: its second
    occurrence gets a fresh letter tied to the first by an identity matrix, so the gradient
    lands on the diagonal. einsum stretches an axis of length 1 to another operand's length
    (along the ellipsis and along a shared index): a gradient is summed back to its
    operand's shape there, and spread back where its operand was the longer one."""
    inputs, _, output = c.params["subscripts"].replace(" ", "").partition("->")
    subs = inputs.split(",")
    free = [
        ch
        for ch in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
        if ch not in c.params["subscripts"]
    ]
    out = []
    for i, mine in enumerate(subs):
        others = [s for j, s in enumerate(subs) if j != i]
        names = [x for j, x in enumerate(c.operands) if j != i]
        terms = _einsum_terms(mine)
        if "..." in c.params["subscripts"] and "..." not in terms:
            terms.insert(0, "...")  # the others broadcast along it: sum it back (below)
        axes = _axes(terms)
        first: dict[str, int] = {}
        relabelled = []
        for k, term in enumerate(terms):
            if term != "..." and term in first:
                fresh = free.pop(0)
                others.append(term + fresh)
                names.append(f"{{np}}.eye({{np}}.shape({c.operands[i]})[{axes[first[term]]}])")
                term = fresh
            elif term != "...":
                first[term] = k
            relabelled.append(term)
        reachable = set(output).union(*others) | {"..."}
        kept = "".join(t for t in relabelled if t in reachable)
        spec = ",".join([output, *others]) + "->" + kept
        text = f"{{np}}.einsum({spec!r}, {', '.join([c.bar, *names])})"
        lone = tuple(axes[k] for k, t in enumerate(relabelled) if t not in reachable)
        if lone:  # an index only this operand has was summed: spread the gradient along it
            text = f"{{np}}.expand_dims({text}, {lone!r})"
        shared = set(mine) & set("".join(subs[:i] + subs[i + 1 :]))
        if shared or "..." in c.params["subscripts"]:  # an axis of length 1 may broadcast
            text = f"{{unbroadcast}}({text}, {c.operands[i]})"
        # A shared index summed over takes its length from the others: 1 where they had
        # length 1 and this operand more, so the gradient is spread back along it.
        contracted = (shared - set(output)) - {"."}
        out.append(Contribution(text, spread=bool(lone or contracted)))
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


def _inner_left_rule(c: Context):
    # inner_left(g, a, b) contracts g with b over b's leading axes (a only gives the shape):
    # linear in g, and np.inner(bar, b) is its adjoint, scalars included.
    g, _, b = c.operands
    return (Contribution(f"{{unbroadcast}}({{np}}.inner({c.bar}, {b}), {g})"), None, UNSUPPORTED)


def _inner_right_rule(c: Context):
    g, a, _ = c.operands
    return (Contribution(f"{{unbroadcast}}({{np}}.inner({a}, {c.bar}), {g})"), UNSUPPORTED, None)


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
DIAGONAL = ("offset", "axis1", "axis2")
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
        ("dot_left", "dot_right"),
    ),
    ArrayPrimitive("inner", ("numpy.inner",), 2, _inner, (), (), ("inner_left", "inner_right")),
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
    ArrayPrimitive("vstack", ("numpy.vstack",), 0, _vstack, layout="sequence"),
    ArrayPrimitive(
        "hstack", ("numpy.hstack",), 0, _hstack, (), (), ("hstack_pieces",), layout="sequence"
    ),
    ArrayPrimitive("column_stack", ("numpy.column_stack",), 0, _column_stack, layout="sequence"),
    ArrayPrimitive(
        "einsum",
        ("numpy.einsum",),
        0,
        _einsum,
        helpers=("unbroadcast",),
        layout="after_subscripts",
    ),
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
    ArrayPrimitive("squeeze", ("numpy.squeeze",), 1, _reshape, AXIS, ("squeeze",), positional=AXIS),
    ArrayPrimitive("expand_dims", ("numpy.expand_dims",), 1, _reshape, AXIS, positional=AXIS),
    ArrayPrimitive(
        "diag", ("numpy.diag",), 1, _diag, ("k",), (), ("diag_grad",), positional=("k",)
    ),
    ArrayPrimitive(
        "diagonal",
        ("numpy.diagonal",),
        1,
        _diagonal,
        DIAGONAL,
        ("diagonal",),
        ("scatter_diagonal",),
        positional=DIAGONAL,
    ),
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
    ArrayPrimitive("diag_grad", ("symback.diag_grad",), 1, _diag_grad, passthrough=2),
    ArrayPrimitive(
        "scatter_diagonal", ("symback.scatter_diagonal",), 1, _scatter_diagonal, passthrough=4
    ),
    ArrayPrimitive(
        "inner_left", ("symback.inner_left",), 3, _inner_left_rule, helpers=("unbroadcast",)
    ),
    ArrayPrimitive(
        "inner_right", ("symback.inner_right",), 3, _inner_right_rule, helpers=("unbroadcast",)
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
