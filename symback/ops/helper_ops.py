"""symback's own helpers' records: gradient code calls them, and differentiating that code
again (Hessians) needs their adjoints. Not listed in docs/supported.md (users do not write them)."""

from __future__ import annotations

from . import joins, linalg, products
from .build import helper, np
from .contractions import CONTRACTION_HELPERS
from .decompositions import CHECK_HELPERS
from .numeric import NUMERIC_HELPERS
from .primitive import AXIS, UNSUPPORTED, ArrayPrimitive, Context, Contribution
from .primitive import example as _e
from .rearrange import REARRANGE_HELPERS
from .splits import SPLIT_HELPERS


def prod_others_rule(c: Context):
    # y = prod_others(x), y_j the product of the x_m other than x_j: its adjoint is, for each
    # k, the sum over j != k of bar_j times the product of the x_m other than x_j and x_k,
    # which is the dual part of prod_others(x + eps * bar) (backend/helper_code.py)
    return (Contribution(helper.prod_others_vjp(c.bar, c.x, c.params.get("axis"))),)


def prod_others_vjp_rule(c: Context):
    # prod_others_vjp(g, x) = H g, H_kj the product of the x_m other than x_j and x_k (0 on
    # the diagonal). H is symmetric: the adjoint for g is H bar. For x_l it is the sum over
    # distinct j, k (other than l) of bar_k g_j times the product of the x_m other than j, k
    # and l: prod_others_vjp2 (the third derivatives of the product are symmetric too).
    g, x = c.operands
    axis = c.params.get("axis")
    return (
        Contribution(helper.prod_others_vjp(c.bar, x, axis)),
        Contribution(helper.prod_others_vjp2(c.bar, g, x, axis)),
    )


def prod_others_vjp2_rule(c: Context):
    # prod_others_vjp2(g, h, x): out_l = sum over distinct j, k, l of g_j h_k T_jkl, with T
    # symmetric: the adjoints for g and h put bar in place of each. For x it would need the
    # products of the others than four elements: not written.
    g, h, x = c.operands
    axis = c.params.get("axis")
    return (
        Contribution(helper.prod_others_vjp2(c.bar, h, x, axis)),
        Contribution(helper.prod_others_vjp2(g, c.bar, x, axis)),
        UNSUPPORTED,
    )


def unbroadcast_rule(c: Context):
    # unbroadcast(g, like) sums g over broadcast axes: its adjoint spreads bar back over g.
    return (Contribution(c.bar, spread=True),)


def scatter_rule(c: Context):
    # scatter(g, like, index) puts g at index in zeros: its adjoint reads bar at index.
    return (Contribution(c.bar[c.params["extra"][1]]),)


def with_set_rule(c: Context):
    # out = a with v at index: a's elements there are gone; v's come from bar there
    a, v = c.operands
    index = c.params["extra"][0]
    return (
        Contribution(helper.with_set(c.bar, 0.0, index)),
        Contribution(helper.unbroadcast(c.bar[index], v)),
    )


def with_added_rule(sign: int):
    # out = a with v added (subtracted) at index: a passes bar on; v reads it at index
    def rule(c: Context):
        a, v = c.operands
        index = c.params["extra"][0]
        read = c.bar[index] if sign > 0 else -c.bar[index]
        return (Contribution(c.bar), Contribution(helper.unbroadcast(read, v)))

    return rule


def softmax_helper_rule(c: Context):
    # the generated helper (met in Hessians): its value p is the shifted, finite softmax
    axis = c.params.get("axis")
    p = c.value
    return (Contribution(p * (c.bar - np.sum(c.bar * p, axis=axis, keepdims=True))),)


def softmax_vjp_rule(c: Context):
    # y = softmax_vjp(g, x) = p * (g - k), k = sum(g * p): with J = diag(p) - p p^T symmetric,
    # bar_g = J bar; bar_x = J (bar * (g - k)) - p * (g - k) * sum(bar * p)
    g, x = c.operands
    axis = c.params.get("axis")
    p = helper.softmax(x, axis)
    centred = g - np.sum(g * p, axis=axis, keepdims=True)
    weight = np.sum(c.bar * p, axis=axis, keepdims=True)
    return (
        Contribution(helper.softmax_vjp(c.bar, x, axis)),
        Contribution(helper.softmax_vjp(c.bar * centred, x, axis) - p * centred * weight),
    )


_MATMUL_LEFT = ("unbroadcast", "product", "matmul_right")
_MATMUL_RIGHT = ("unbroadcast", "product", "matmul_left")


HELPER_TABLE: tuple[ArrayPrimitive, ...] = (
    *CONTRACTION_HELPERS,
    *CHECK_HELPERS,
    *REARRANGE_HELPERS,
    *NUMERIC_HELPERS,
    *SPLIT_HELPERS,
    ArrayPrimitive(
        "solve_left",
        ("symback.solve_left",),
        2,
        linalg.solve_left,
        helpers=("matmul_right",),
        examples=(_e("solve_left(a, b)", (3,), (3,)), _e("solve_left(a, b)", (3, 2), (3, 2))),
    ),
    # (it returns g itself where nothing was broadcast)
    ArrayPrimitive(
        "unbroadcast",
        ("symback.unbroadcast",),
        1,
        unbroadcast_rule,
        passthrough=1,
        view=0,
        examples=(_e("unbroadcast(a, np.ones((1, 3)))", (2, 3)),),
    ),
    ArrayPrimitive(
        "scatter",
        ("symback.scatter", "symback.scatter_add"),
        1,
        scatter_rule,
        passthrough=2,
        examples=(
            _e("scatter(a, np.ones(4), np.s_[1:3])", (2,)),
            _e("scatter_add(a, np.ones(4), np.s_[[0, 2, 2]])", (3,)),
        ),
    ),
    ArrayPrimitive(
        "diag_grad",
        ("symback.diag_grad",),
        1,
        linalg.diag_grad,
        passthrough=2,
        view=0,
        examples=(
            _e("diag_grad(a, np.ones((3, 3)))", (3,)),
            _e("diag_grad(a, np.ones(3))", (3, 3)),
        ),
    ),
    ArrayPrimitive(
        "scatter_diagonal",
        ("symback.scatter_diagonal",),
        1,
        linalg.scatter_diagonal,
        passthrough=4,
        examples=(_e("scatter_diagonal(a, np.ones((3, 4)), 1)", (3,)),),
    ),
    *(
        ArrayPrimitive(
            op,
            (f"symback.{op}",),
            3,
            rule,
            helpers=helpers,
            examples=(_e(f"{op}(a, b, c)", (2, 4), (2, 3), b),),
        )
        # (g, the product's gradient, is shaped like a @ b, or like np.inner(a, b))
        for op, rule, helpers, b in (
            ("inner_left", products.inner_left_rule, ("unbroadcast", "inner_right"), (4, 3)),
            ("inner_right", products.inner_right_rule, ("unbroadcast", "inner_left"), (4, 3)),
            ("matmul_left", products.matmul_left_rule, _MATMUL_LEFT, (3, 4)),
            ("matmul_right", products.matmul_right_rule, _MATMUL_RIGHT, (3, 4)),
            ("dot_left", products.dot_left_rule, ("dot_right",), (3, 4)),
            ("dot_right", products.dot_right_rule, ("dot_left",), (3, 4)),
        )
    ),
    # a @ b, or a * b where either is a number: what the matmul helpers' gradients multiply
    ArrayPrimitive(
        "product",
        ("symback.product",),
        2,
        products.matmul,
        helpers=("matmul_left", "matmul_right"),
        examples=(_e("product(a, b)", (2, 3), (3, 2)),),
    ),
    # element writes as copies (optimize/copied_writes.py): a new array each
    ArrayPrimitive(
        "with_set",
        ("symback.with_set",),
        2,
        with_set_rule,
        helpers=("with_set", "unbroadcast"),
        passthrough=1,
        examples=(_e("with_set(a, b, np.s_[1:3])", (4,), (2,)),),
    ),
    *(
        ArrayPrimitive(
            op,
            (f"symback.{op}",),
            2,
            with_added_rule(sign),
            helpers=("unbroadcast",),
            passthrough=1,
            examples=(_e(f"{op}(a, b, {index})", (4,), (size,)),),
        )
        for op, sign, index, size in (
            ("with_added", 1, "np.s_[1:3]", 2),
            ("with_subtracted", -1, "np.s_[1:3]", 2),
            ("with_added_at", 1, "np.s_[[0, 2, 2]]", 3),
        )
    ),
    ArrayPrimitive(
        "prod_others",
        ("symback.prod_others",),
        1,
        prod_others_rule,
        AXIS,
        positional=AXIS,
        helpers=("prod_others_vjp",),
        examples=(_e("prod_others(a, 1)", (2, 3)),),
    ),
    ArrayPrimitive(
        "prod_others_vjp",
        ("symback.prod_others_vjp",),
        2,
        prod_others_vjp_rule,
        AXIS,
        positional=AXIS,
        helpers=("prod_others_vjp", "prod_others_vjp2"),
        examples=(
            _e(
                "prod_others_vjp(a, b, 1)",
                (2, 3),
                (2, 3),
                first_order_only="prod_others_vjp2 has no adjoint for x (third derivatives)",
            ),
        ),
    ),
    ArrayPrimitive(
        "prod_others_vjp2",
        ("symback.prod_others_vjp2",),
        3,
        prod_others_vjp2_rule,
        AXIS,
        positional=AXIS,
        helpers=("prod_others_vjp2",),
        examples=(
            _e(
                "prod_others_vjp2(a, b, c, 1)",
                (2, 3),
                (2, 3),
                (2, 3),
                refused=(2,),
                first_order_only="its adjoint for x needs products of all but four elements",
            ),
        ),
    ),
    ArrayPrimitive(
        "hstack_piece",
        ("symback.hstack_piece",),
        1,
        joins.hstack_piece_rule,
        passthrough=2,
        helpers=("hstack_place",),
        view=0,
        examples=(_e("hstack_piece(a, [np.ones(2), np.ones(3)], 1)", (5,)),),
    ),
    ArrayPrimitive(
        "hstack_place",
        ("symback.hstack_place",),
        1,
        joins.hstack_place_rule,
        passthrough=3,
        helpers=("hstack_piece",),
        examples=(_e("hstack_place(a, np.ones(5), [np.ones(2), np.ones(3)], 1)", (3,)),),
    ),
    ArrayPrimitive(
        "unjoin",
        ("symback.unjoin",),
        1,
        joins.unjoin_rule,
        passthrough=2,
        helpers=("unjoin",),
        examples=(
            _e("unjoin(a, np.ones((2, 3, 2)), 'hstack')", (3, 4)),
            _e("unjoin(a, np.ones((3, 2)), 'column_stack')", (2, 3)),
            _e("unjoin(a, np.ones((3, 2)), 'dstack')", (1, 2, 3)),
        ),
    ),
    ArrayPrimitive(
        "softmax",
        ("symback.softmax",),
        1,
        softmax_helper_rule,
        AXIS,
        positional=AXIS,
        examples=(_e("softmax(a, 1)", (2, 3)),),
    ),
    ArrayPrimitive(
        "softmax_vjp",
        ("symback.softmax_vjp",),
        2,
        softmax_vjp_rule,
        AXIS,
        positional=AXIS,
        helpers=("softmax_vjp", "softmax"),
        examples=(_e("softmax_vjp(a, b, 1)", (2, 3), (2, 3)),),
    ),
)
