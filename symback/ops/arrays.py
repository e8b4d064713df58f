"""Array primitives with hand-written adjoints: one row per operation.

Reductions, shapes, indexing and the fused softmax forms have their rules here, right above
the table; products (products.py), joins (joins.py) and diagonals and linear algebra
(linalg.py) have theirs in sibling modules. What a rule reads and returns: primitive.py.
"""

from __future__ import annotations

import math

from . import joins, linalg, products
from .primitive import UNSUPPORTED, ArrayPrimitive, Context, Contribution, Rule

__all__ = [
    "PRIMITIVE_TABLE",
    "PRIMITIVES",
    "PRIMITIVES_BY_OP",
    "METHODS",
    "ArrayPrimitive",
    "Context",
    "Contribution",
    "Rule",
    "UNSUPPORTED",
]


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


def _prod_others(c: Context):
    # y = prod_others(x), y_j the product of the x_m other than x_j: its adjoint is, for each
    # k, the sum over j != k of bar_j times the product of the x_m other than x_j and x_k,
    # which is the dual part of prod_others(x + eps * bar) (backend/helpers.py)
    return (Contribution(f"{{prod_others_vjp}}({c.bar}, {c.x}, {c.params.get('axis')!r})"),)


def _prod_others_vjp(c: Context):
    # prod_others_vjp(g, x) = H g, H_kj the product of the x_m other than x_j and x_k (0 on
    # the diagonal). H is symmetric: the adjoint for g is H bar. For x_l it is the sum over
    # distinct j, k (other than l) of bar_k g_j times the product of the x_m other than j, k
    # and l: prod_others_vjp2 (the third derivatives of the product are symmetric too).
    g, x = c.operands
    axis = c.params.get("axis")
    return (
        Contribution(f"{{prod_others_vjp}}({c.bar}, {x}, {axis!r})"),
        Contribution(f"{{prod_others_vjp2}}({c.bar}, {g}, {x}, {axis!r})"),
    )


def _prod_others_vjp2(c: Context):
    # prod_others_vjp2(g, h, x): out_l = sum over distinct j, k, l of g_j h_k T_jkl, with T
    # symmetric: the adjoints for g and h put bar in place of each. For x it would need the
    # products of the others than four elements: not written.
    g, h, x = c.operands
    axis = c.params.get("axis")
    return (
        Contribution(f"{{prod_others_vjp2}}({c.bar}, {h}, {x}, {axis!r})"),
        Contribution(f"{{prod_others_vjp2}}({g}, {c.bar}, {x}, {axis!r})"),
        UNSUPPORTED,
    )


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
    # Where the std is 0 (one element, or equal ones) the centred values are 0 too: the
    # gradient there is 0, as var's is (one element: std is 0 for every x), not 0 / 0.
    safe = f"{{np}}.where({v} == 0, 1.0, {v})"
    return (Contribution(f"{centred} * ({c.expanded_bar()} / ({count} * {safe}))"),)


def _transpose(c: Context):
    axes = c.params.get("axes")
    if axes is None:
        return (Contribution(f"{{np}}.transpose({c.bar})", view=True),)
    inverse = tuple(sorted(range(len(axes)), key=lambda i: axes[i]))
    return (Contribution(f"{{np}}.transpose({c.bar}, {inverse!r})", view=True),)


def _swapaxes(c: Context):
    # swapping the same two axes again puts them back
    axes = f"{c.params['axis1']!r}, {c.params['axis2']!r}"
    return (Contribution(f"{{np}}.swapaxes({c.bar}, {axes})", view=True),)


def _reshape(c: Context):
    return (Contribution(f"{{np}}.reshape({c.bar}, {{np}}.shape({c.x}))", view=True),)


def _cumsum(c: Context):
    axis = c.params.get("axis")
    if axis is None:
        flat = f"{{np}}.flip({{np}}.cumsum({{np}}.flip({{np}}.ravel({c.bar}))))"
        return (Contribution(f"{{np}}.reshape({flat}, {{np}}.shape({c.x}))"),)
    flipped = f"{{np}}.flip({c.bar}, {axis!r})"
    return (Contribution(f"{{np}}.flip({{np}}.cumsum({flipped}, {axis!r}), {axis!r})"),)


def _flip(c: Context):
    # flipping the same axes again puts the elements back
    axis = c.params.get("axis")
    text = f"{{np}}.flip({c.bar}{'' if axis is None else f', {axis!r}'})"
    return (Contribution(text, view=True),)


def _unbroadcast(c: Context):
    # unbroadcast(g, like) sums g over broadcast axes: its adjoint spreads bar back over g.
    return (Contribution(c.bar, spread=True),)


def _scatter(c: Context):
    # scatter(g, like, index) puts g at index in zeros: its adjoint reads bar at index.
    return (Contribution(f"{c.bar}[{c.params['extra'][1]}]"),)


def _full(c: Context):
    # np.full(shape, fill) broadcasts fill to shape: its adjoint sums bar back
    return (Contribution(f"{{unbroadcast}}({c.bar}, {c.x})"),)


def _with_set(c: Context):
    # out = a with v at index: a's elements there are gone; v's come from bar there
    a, v = c.operands
    index = c.params["extra"][0]
    return (
        Contribution(f"{{with_set}}({c.bar}, 0.0, {index})"),
        Contribution(f"{{unbroadcast}}({c.bar}[{index}], {v})"),
    )


def _with_added(sign: str):
    # out = a with v added (subtracted) at index: a passes bar on; v reads it at index
    def rule(c: Context):
        a, v = c.operands
        index = c.params["extra"][0]
        return (Contribution(c.bar), Contribution(f"{{unbroadcast}}({sign}{c.bar}[{index}], {v})"))

    return rule


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
        products.matmul,
        (),
        (),
        ("matmul_left", "matmul_right"),
    ),
    ArrayPrimitive(
        "dot",
        ("numpy.dot",),
        2,
        products.dot,
        (),
        ("dot",),
        ("dot_left", "dot_right"),
    ),
    ArrayPrimitive(
        "inner", ("numpy.inner",), 2, products.inner, (), (), ("inner_left", "inner_right")
    ),
    ArrayPrimitive("outer", ("numpy.outer",), 2, products.outer),
    ArrayPrimitive(
        "stack", ("numpy.stack",), 0, joins.stack, AXIS, positional=AXIS, layout="sequence"
    ),
    ArrayPrimitive(
        "concatenate",
        ("numpy.concatenate",),
        0,
        joins.concatenate,
        AXIS,
        positional=AXIS,
        layout="sequence",
    ),
    ArrayPrimitive("vstack", ("numpy.vstack",), 0, joins.vstack, layout="sequence"),
    ArrayPrimitive(
        "hstack", ("numpy.hstack",), 0, joins.hstack, (), (), ("hstack_piece",), layout="sequence"
    ),
    ArrayPrimitive(
        "column_stack", ("numpy.column_stack",), 0, joins.column_stack, layout="sequence"
    ),
    ArrayPrimitive(
        "einsum",
        ("numpy.einsum",),
        0,
        products.einsum,
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
        view=0,
    ),
    ArrayPrimitive(
        "swapaxes",
        ("numpy.swapaxes",),
        1,
        _swapaxes,
        ("axis1", "axis2"),
        ("swapaxes",),
        positional=("axis1", "axis2"),
        view=0,
    ),
    ArrayPrimitive(
        "reshape",
        ("numpy.reshape",),
        1,
        _reshape,
        (),
        ("reshape",),
        passthrough=1,
        varargs=True,
        view=0,
    ),
    ArrayPrimitive("ravel", ("numpy.ravel",), 1, _reshape, (), ("ravel",), view=0),
    ArrayPrimitive("flatten", (), 1, _reshape, (), ("flatten",)),  # a copy, as a method only
    ArrayPrimitive(
        "squeeze", ("numpy.squeeze",), 1, _reshape, AXIS, ("squeeze",), positional=AXIS, view=0
    ),
    ArrayPrimitive(
        "expand_dims", ("numpy.expand_dims",), 1, _reshape, AXIS, positional=AXIS, view=0
    ),
    # np.diag of a matrix reads its diagonal (a view); of a vector, it makes a new matrix
    ArrayPrimitive(
        "diag",
        ("numpy.diag",),
        1,
        linalg.diag,
        ("k",),
        (),
        ("diag_grad",),
        positional=("k",),
        view=0,
    ),
    ArrayPrimitive(
        "diagonal",
        ("numpy.diagonal",),
        1,
        linalg.diagonal,
        DIAGONAL,
        ("diagonal",),
        ("scatter_diagonal",),
        positional=DIAGONAL,
        view=0,
    ),
    ArrayPrimitive("cumsum", ("numpy.cumsum",), 1, _cumsum, AXIS, ("cumsum",), positional=AXIS),
    ArrayPrimitive("flip", ("numpy.flip",), 1, _flip, AXIS, positional=AXIS, view=0),
    ArrayPrimitive("norm", ("numpy.linalg.norm",), 1, linalg.norm),
    ArrayPrimitive("det", ("numpy.linalg.det",), 1, linalg.det),
    ArrayPrimitive("inv", ("numpy.linalg.inv",), 1, linalg.inv),
    ArrayPrimitive("solve", ("numpy.linalg.solve",), 2, linalg.solve, (), (), ("solve_left",)),
    ArrayPrimitive("trace", ("numpy.trace",), 1, linalg.trace, (), ("trace",)),
    ArrayPrimitive(
        "solve_left", ("symback.solve_left",), 2, linalg.solve_left, helpers=("matmul_right",)
    ),
    # symback's own generated helper, met when differentiating generated code (Hessians)
    # (it returns g itself where nothing was broadcast)
    ArrayPrimitive(
        "unbroadcast", ("symback.unbroadcast",), 1, _unbroadcast, passthrough=1, view=0
    ),
    ArrayPrimitive(
        "scatter", ("symback.scatter", "symback.scatter_add"), 1, _scatter, passthrough=2
    ),
    ArrayPrimitive(
        "diag_grad", ("symback.diag_grad",), 1, linalg.diag_grad, passthrough=2, view=0
    ),
    ArrayPrimitive(
        "scatter_diagonal", ("symback.scatter_diagonal",), 1, linalg.scatter_diagonal, passthrough=4
    ),
    ArrayPrimitive(
        "inner_left",
        ("symback.inner_left",),
        3,
        products.inner_left_rule,
        helpers=("unbroadcast", "inner_right"),
    ),
    ArrayPrimitive(
        "inner_right",
        ("symback.inner_right",),
        3,
        products.inner_right_rule,
        helpers=("unbroadcast", "inner_left"),
    ),
    ArrayPrimitive(
        "matmul_left",
        ("symback.matmul_left",),
        3,
        products.matmul_left_rule,
        helpers=("unbroadcast", "product", "matmul_right"),
    ),
    ArrayPrimitive(
        "matmul_right",
        ("symback.matmul_right",),
        3,
        products.matmul_right_rule,
        helpers=("unbroadcast", "product", "matmul_left"),
    ),
    ArrayPrimitive(
        "dot_left", ("symback.dot_left",), 3, products.dot_left_rule, helpers=("dot_right",)
    ),
    ArrayPrimitive(
        "dot_right", ("symback.dot_right",), 3, products.dot_right_rule, helpers=("dot_left",)
    ),
    # a @ b, or a * b where either is a number: what the matmul helpers' gradients multiply
    ArrayPrimitive(
        "product",
        ("symback.product",),
        2,
        products.matmul,
        helpers=("matmul_left", "matmul_right"),
    ),
    ArrayPrimitive(
        "full", ("numpy.full",), 1, _full, helpers=("unbroadcast",), layout="after_shape"
    ),
    ArrayPrimitive(
        "broadcast_to",
        ("numpy.broadcast_to",),
        1,
        _broadcast_to,
        helpers=("unbroadcast",),
        passthrough=1,
        view=0,
    ),
    # element writes as copies (optimize/copied_writes.py): a new array each
    ArrayPrimitive(
        "with_set",
        ("symback.with_set",),
        2,
        _with_set,
        helpers=("with_set", "unbroadcast"),
        passthrough=1,
    ),
    *(
        ArrayPrimitive(
            op, (f"symback.{op}",), 2, _with_added(sign), helpers=("unbroadcast",), passthrough=1
        )
        for op, sign in (("with_added", ""), ("with_subtracted", "-"), ("with_added_at", ""))
    ),
    # x[index]: a basic index (slices, integers, a boolean mask) reads no element twice, so
    # its adjoint assigns; an integer-array index may repeat elements, so its adjoint adds.
    ArrayPrimitive("getitem", (), 1, _getitem, (), (), ("scatter",), view=0),
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
    ArrayPrimitive(
        "prod_others",
        ("symback.prod_others",),
        1,
        _prod_others,
        AXIS,
        positional=AXIS,
        helpers=("prod_others_vjp",),
    ),
    ArrayPrimitive(
        "prod_others_vjp",
        ("symback.prod_others_vjp",),
        2,
        _prod_others_vjp,
        AXIS,
        positional=AXIS,
        helpers=("prod_others_vjp", "prod_others_vjp2"),
    ),
    ArrayPrimitive(
        "prod_others_vjp2",
        ("symback.prod_others_vjp2",),
        3,
        _prod_others_vjp2,
        AXIS,
        positional=AXIS,
        helpers=("prod_others_vjp2",),
    ),
    ArrayPrimitive(
        "hstack_piece",
        ("symback.hstack_piece",),
        1,
        joins.hstack_piece_rule,
        passthrough=2,
        helpers=("hstack_place",),
        view=0,
    ),
    ArrayPrimitive(
        "hstack_place",
        ("symback.hstack_place",),
        1,
        joins.hstack_place_rule,
        passthrough=3,
        helpers=("hstack_piece",),
    ),
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
