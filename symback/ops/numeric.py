"""Records and adjoints of cumulative products, cross products, partitions, finite
differences (np.gradient), evenly spaced points (np.linspace) and np.sinc.

cumprod's gradient is computed without dividing by x (exact where x has zeros), sinc's
derivatives by a helper that is exact at 0 (backend/helper_series.py); the others are
written with NumPy calls that have records of their own, so that Hessians go through them.
"""

from __future__ import annotations

import ast

from .build import Expr, helper, np
from .primitive import AXIS, UNSUPPORTED, ArrayPrimitive, Context, Contribution
from .primitive import example as _e


def cumprod_rule(c: Context):
    return (Contribution(helper.cumprod_vjp(c.bar, c.x, c.params.get("axis"))),)


_CROSS_OF_2_VECTORS = (
    "np.cross of 2-vectors (a number, deprecated by NumPy) is not supported"
    "\nhint: write it out: a[0] * b[1] - a[1] * b[0]"
)


def cross_rule(c: Context):
    # a x b is linear in each: d<bar, a x b>/da = b x bar, and /db = bar x a
    a, b = c.operands
    axis = c.params.get("axis", -1)
    if c.shapes is not None and any(s and s[axis] == 2 for s in c.shapes):
        return (UNSUPPORTED, UNSUPPORTED)  # (2-vectors: a number, deprecated by NumPy)
    bar = c.bar
    if c.shapes is None:  # (2-vectors make a number: refused when the gradient runs)
        bar = helper.require(bar, np.greater(np.ndim(bar), 0), _CROSS_OF_2_VECTORS)
    cross = (
        (lambda u, v: np.cross(u, v)) if axis == -1 else (lambda u, v: np.cross(u, v, axis=axis))
    )
    return (
        Contribution(helper.unbroadcast(cross(b, bar), a)),
        Contribution(helper.unbroadcast(cross(bar, a), b)),
    )


def partition_rule(c: Context):
    # partition permutes x: the element at rank r of the value came from rank r of x (a tie
    # puts equal values in either order; the gradient is right for either)
    axis = c.params.get("axis", -1)
    if axis is None:
        ranked = np.take_along_axis(c.bar, np.argsort(c.value), 0)
        back = np.take_along_axis(ranked, np.argsort(np.argsort(np.ravel(c.x))), 0)
        return (Contribution(np.reshape(back, np.shape(c.x))),)
    ranked = np.take_along_axis(c.bar, np.argsort(c.value, axis), axis)
    return (
        Contribution(np.take_along_axis(ranked, np.argsort(np.argsort(c.x, axis), axis), axis)),
    )


def gradient_rule(c: Context):
    # np.gradient is linear: its adjoint is its stencils transposed, over the spacing
    spacing = c.params.get("spacing", 1.0)
    axis, order = c.params.get("axis"), c.params.get("edge_order", 1)
    g = helper.gradient_vjp(c.bar, c.x, axis, order)
    return (Contribution(g if spacing == 1.0 else g / spacing),)


def gradient_vjp_rule(c: Context):
    # gradient_vjp(g, like, axis, edge_order) is the transpose of np.gradient: its adjoint is
    # np.gradient again
    _, axis, order = c.params["extra"]
    return (Contribution(helper.gradient_of(c.bar, axis, order)),)


def gradient_of_rule(c: Context):
    axis, order = c.params["extra"]
    return (Contribution(helper.gradient_vjp(c.bar, c.x, axis, order)),)


def linspace_rule(c: Context):
    # point k is start + (stop - start) t_k, t = linspace(0, 1, num): start's weight is 1 - t
    extra = c.params.get("extra", ())
    num = extra[0] if extra else 50
    endpoint = c.params.get("endpoint", True)
    t = np.linspace(0.0, 1.0, num) if endpoint else np.linspace(0.0, 1.0, num, endpoint=False)
    start, stop = c.operands
    # (array endpoints: the points run along a new first axis)
    return (
        Contribution(helper.unbroadcast(np.tensordot(1.0 - t, c.bar, 1), start)),
        Contribution(helper.unbroadcast(np.tensordot(t, c.bar, 1), stop)),
    )


def sinc_rule(c: Context):
    return (Contribution(c.bar * helper.sinc_derivative(c.x, 1)),)


def _order(e: Expr) -> int:
    """The literal order a call of sinc_derivative names."""
    node = e.node
    assert isinstance(node, ast.Constant) and isinstance(node.value, int), ast.dump(node)
    return node.value


def sinc_derivative_rule(c: Context):
    return (Contribution(c.bar * helper.sinc_derivative(c.x, _order(c.params["extra"][0]) + 1)),)


def cumprod_vjp_rule(c: Context):
    # cumprod_vjp(g, x) = J(x)^T g, J cumprod's Jacobian: for g, J bar; for x, the Hessian of
    # sum(g * cumprod(x)) times bar (symmetric: the change of the gradient along bar)
    g, x = c.operands
    axis = c.params["extra"][0]
    return (
        Contribution(helper.cumprod_jvp(c.bar, x, axis)),
        Contribution(helper.cumprod_hvp(g, x, c.bar, axis)),
    )


def cumprod_jvp_rule(c: Context):
    # cumprod_jvp(h, x) = J(x) h: for h, J^T bar; for x, the Hessian of sum(bar * cumprod(x))
    # times h
    h, x = c.operands
    axis = c.params["extra"][0]
    return (
        Contribution(helper.cumprod_vjp(c.bar, x, axis)),
        Contribution(helper.cumprod_hvp(c.bar, x, h, axis)),
    )


def cumprod_hvp_rule(c: Context):
    # cumprod_hvp(g, x, d) = H_g d, H_g the Hessian of sum(g * cumprod(x)): linear in g (its
    # adjoint the second change of cumprod along d and bar) and in d (H_g is symmetric); for
    # x it would need third derivatives: not written
    g, x, d = c.operands
    axis = c.params["extra"][0]
    return (
        Contribution(helper.cumprod_d2(x, d, c.bar, axis)),
        UNSUPPORTED,
        Contribution(helper.cumprod_hvp(g, x, c.bar, axis)),
    )


def cumprod_d2_rule(c: Context):
    # cumprod_d2(x, d, e) is bilinear in d and e: <bar, it> changes along d as H_bar e does
    x, d, e = c.operands
    axis = c.params["extra"][0]
    return (
        UNSUPPORTED,
        Contribution(helper.cumprod_hvp(c.bar, x, e, axis)),
        Contribution(helper.cumprod_hvp(c.bar, x, d, axis)),
    )


NUMERIC_TABLE: tuple[ArrayPrimitive, ...] = (
    ArrayPrimitive(
        "cumprod",
        ("numpy.cumprod",),
        1,
        cumprod_rule,
        AXIS,
        ("cumprod",),
        ("cumprod_vjp",),
        positional=AXIS,
        examples=(
            _e("np.cumprod(a, axis=1)", (2, 3)),
            _e("np.cumprod(a)", (2, 3)),
            _e("np.cumprod(a * np.array([1.0, 0.0, 1.0, 1.0]))", (4,)),  # (a zero)
            _e("a.cumprod(0)", (3, 2)),
        ),
    ),
    ArrayPrimitive(
        "cross",
        ("numpy.cross",),
        2,
        cross_rule,
        AXIS,
        helpers=("unbroadcast", "require"),
        examples=(
            _e("np.cross(a, b)", (3,), (3,)),
            _e("np.cross(a, b)", (2, 3), (3,)),
            _e("np.cross(a, b, axis=0)", (3, 2), (3, 2)),
        ),
    ),
    ArrayPrimitive(
        "partition",
        ("numpy.partition",),
        1,
        partition_rule,
        ("kth", "axis"),
        positional=("kth", "axis"),
        examples=(
            _e("np.partition(a, 2)", (5,)),
            _e("np.partition(a, (0, 2), axis=0)", (4, 2)),
            _e("np.partition(a, 1, axis=None)", (2, 3)),
        ),
    ),
    ArrayPrimitive(
        "gradient",
        ("numpy.gradient",),
        1,
        gradient_rule,
        ("spacing", "axis", "edge_order"),
        helpers=("gradient_vjp",),
        positional=("spacing",),
        examples=(
            _e("np.gradient(a)", (5,)),
            _e("np.gradient(a, 0.5, axis=1)", (2, 4)),
            _e("np.gradient(a, edge_order=2, axis=0)", (4, 2)),
            _e("np.asarray(np.gradient(a))", (3, 4)),
        ),
    ),
    ArrayPrimitive(
        "linspace",
        ("numpy.linspace",),
        2,
        linspace_rule,
        ("endpoint",),
        helpers=("unbroadcast",),
        passthrough=1,
        examples=(
            _e("np.linspace(a, b, 5)", (), ()),
            _e("np.linspace(a, b, 4, endpoint=False)", (2,), (2,)),
            _e("np.linspace(a, b, 3)", (), (2,)),
        ),
    ),
    ArrayPrimitive(
        "sinc",
        ("numpy.sinc",),
        1,
        sinc_rule,
        helpers=("sinc_derivative",),
        examples=(
            _e("np.sinc(a)", (5,), domain=(-2.0, 2.0)),
            _e("np.sinc(a * np.array([1.0, 0.0, 1.0]))", (3,)),  # (0 itself)
        ),
    ),
)

_THIRD = "cumprod's third derivatives are not written"

# The helpers' records (ops/helper_ops.py puts them in HELPER_TABLE).
NUMERIC_HELPERS: tuple[ArrayPrimitive, ...] = (
    ArrayPrimitive(
        "cumprod_vjp",
        ("symback.cumprod_vjp",),
        2,
        cumprod_vjp_rule,
        helpers=("cumprod_jvp", "cumprod_hvp"),
        passthrough=1,
        examples=(_e("cumprod_vjp(a, b, 1)", (2, 3), (2, 3), first_order_only=_THIRD),),
    ),
    ArrayPrimitive(
        "cumprod_jvp",
        ("symback.cumprod_jvp",),
        2,
        cumprod_jvp_rule,
        helpers=("cumprod_vjp", "cumprod_hvp"),
        passthrough=1,
        examples=(_e("cumprod_jvp(a, b, None)", (4,), (4,), first_order_only=_THIRD),),
    ),
    ArrayPrimitive(
        "cumprod_hvp",
        ("symback.cumprod_hvp",),
        3,
        cumprod_hvp_rule,
        helpers=("cumprod_d2", "cumprod_hvp"),
        passthrough=1,
        examples=(
            _e("cumprod_hvp(a, b, c, 0)", (3,), (3,), (3,), refused=(1,), first_order_only=_THIRD),
        ),
    ),
    ArrayPrimitive(
        "cumprod_d2",
        ("symback.cumprod_d2",),
        3,
        cumprod_d2_rule,
        helpers=("cumprod_hvp",),
        passthrough=1,
        examples=(
            _e(
                "cumprod_d2(a, b, c, None)", (4,), (4,), (4,), refused=(0,), first_order_only=_THIRD
            ),
        ),
    ),
    ArrayPrimitive(
        "gradient_vjp",
        ("symback.gradient_vjp",),
        1,
        gradient_vjp_rule,
        helpers=("gradient_of",),
        passthrough=3,
        examples=(
            _e("gradient_vjp(a, np.ones(5), None, 1)", (5,)),
            _e("gradient_vjp(a, np.ones((3, 4)), 1, 2)", (3, 4)),
        ),
    ),
    ArrayPrimitive(
        "gradient_of",
        ("symback.gradient_of",),
        1,
        gradient_of_rule,
        helpers=("gradient_vjp",),
        passthrough=2,
        examples=(_e("gradient_of(a, 0, 1)", (4, 2)),),
    ),
    ArrayPrimitive(
        "sinc_derivative",
        ("symback.sinc_derivative",),
        1,
        sinc_derivative_rule,
        helpers=("sinc_derivative",),
        passthrough=1,
        examples=(_e("sinc_derivative(a, 1)", (4,), domain=(-1.5, 1.5)),),
    ),
)
