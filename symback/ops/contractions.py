"""Records and adjoints of np.tensordot and np.kron, and of their gradient helpers.

Both are bilinear: the gradient with respect to one operand is a helper (backend/
helper_arrays.py) linear in the upstream and in the other operand, so that the helpers'
own adjoints are the product again and the other side's helper (as for matmul).
"""

from __future__ import annotations

from .build import helper, np
from .primitive import ArrayPrimitive, Context, Contribution
from .primitive import example as _e


def tensordot(c: Context):
    a, b = c.operands
    axes = c.params.get("axes", 2)
    return (
        Contribution(helper.tensordot_left(c.bar, a, b, axes)),
        Contribution(helper.tensordot_right(c.bar, a, b, axes)),
    )


def tensordot_left_rule(c: Context):
    # tensordot_left(g, a, b, axes): <bar, it> = <g, tensordot(bar, b, axes)>
    g, a, b = c.operands
    axes = c.params["extra"][0]
    return (
        Contribution(np.tensordot(c.bar, b, axes)),
        None,
        Contribution(helper.tensordot_right(g, c.bar, b, axes)),
    )


def tensordot_right_rule(c: Context):
    # tensordot_right(g, a, b, axes): <bar, it> = <g, tensordot(a, bar, axes)>
    g, a, b = c.operands
    axes = c.params["extra"][0]
    return (
        Contribution(np.tensordot(a, c.bar, axes)),
        Contribution(helper.tensordot_left(g, a, c.bar, axes)),
        None,
    )


def kron(c: Context):
    a, b = c.operands
    return (
        Contribution(helper.kron_left(c.bar, a, b)),
        Contribution(helper.kron_right(c.bar, a, b)),
    )


def kron_left_rule(c: Context):
    g, a, b = c.operands
    return (Contribution(np.kron(c.bar, b)), None, Contribution(helper.kron_right(g, c.bar, b)))


def kron_right_rule(c: Context):
    g, a, b = c.operands
    return (Contribution(np.kron(a, c.bar)), Contribution(helper.kron_left(g, a, c.bar)), None)


CONTRACTION_TABLE: tuple[ArrayPrimitive, ...] = (
    ArrayPrimitive(
        "tensordot",
        ("numpy.tensordot",),
        2,
        tensordot,
        ("axes",),
        positional=("axes",),
        helpers=("tensordot_left", "tensordot_right"),
        examples=(
            _e("np.tensordot(a, b)", (2, 3, 4), (3, 4, 2)),
            _e("np.tensordot(a, b, 1)", (2, 3), (3, 2)),
            _e("np.tensordot(a, b, axes=([0, 2], [2, 1]))", (2, 3, 4), (3, 4, 2)),
            _e("np.tensordot(a, b, 0)", (2,), (3,)),
        ),
    ),
    ArrayPrimitive(
        "kron",
        ("numpy.kron",),
        2,
        kron,
        helpers=("kron_left", "kron_right"),
        examples=(
            _e("np.kron(a, b)", (2, 3), (2, 2)),
            _e("np.kron(a, b)", (3,), (2,)),
            _e("np.kron(a, b)", (2,), (2, 3)),
        ),
    ),
)

# The helpers' records (ops/helper_ops.py puts them in HELPER_TABLE).
CONTRACTION_HELPERS: tuple[ArrayPrimitive, ...] = (
    ArrayPrimitive(
        "tensordot_left",
        ("symback.tensordot_left",),
        3,
        tensordot_left_rule,
        passthrough=1,
        helpers=("tensordot_right",),
        examples=(_e("tensordot_left(a, b, c, ([0, 2], [2, 1]))", (3, 3), (2, 3, 4), (3, 4, 2)),),
    ),
    ArrayPrimitive(
        "tensordot_right",
        ("symback.tensordot_right",),
        3,
        tensordot_right_rule,
        passthrough=1,
        helpers=("tensordot_left",),
        examples=(_e("tensordot_right(a, b, c, 1)", (2, 4), (2, 3), (3, 4)),),
    ),
    ArrayPrimitive(
        "kron_left",
        ("symback.kron_left",),
        3,
        kron_left_rule,
        helpers=("kron_right",),
        examples=(_e("kron_left(a, b, c)", (4, 6), (2, 3), (2, 2)),),
    ),
    ArrayPrimitive(
        "kron_right",
        ("symback.kron_right",),
        3,
        kron_right_rule,
        helpers=("kron_left",),
        examples=(_e("kron_right(a, b, c)", (6,), (3,), (2,)),),
    ),
)
