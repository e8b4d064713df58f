"""Array operations users write: one record per operation, with every fact about it.

A record (primitive.py) names the functions it covers, how they are called, its adjoint rule,
whether it returns a view, whether it reduces to a number, and the examples the spec test
(tests/test_rules.py) differentiates to first and second order. The rules are in sibling
modules: reductions, shapes and indexing (reductions.py), products (products.py), joins
(joins.py), diagonals and linear algebra (linalg.py); the records of the reductions, the
products and the joins sit beside their rules there, the rest here; symback's own helpers'
records are in helper_ops.py. How to add one: docs/adding-an-operation.md.
"""

from __future__ import annotations

from . import linalg, products, views
from . import reductions as r
from .contractions import CONTRACTION_TABLE
from .decompositions import DECOMPOSITION_TABLE
from .elementwise import ELEMENTWISE, NON_DIFFERENTIABLE, SHAPE_ONLY
from .helper_ops import HELPER_TABLE
from .joins import JOIN_TABLE
from .numeric import NUMERIC_TABLE
from .primitive import (
    AXIS,
    DIAGONAL,
    REDUCE,
    UNSUPPORTED,
    ArrayPrimitive,
    Context,
    Contribution,
    Rule,
    validate,
)
from .primitive import example as _e
from .products import PRODUCT_TABLE
from .rearrange import REARRANGE_TABLE
from .reductions import REDUCTION_TABLE
from .special import SPECIAL_TABLE
from .splits import SPLIT_TABLE

__all__ = [
    "PRIMITIVE_TABLE",
    "HELPER_TABLE",
    "PRIMITIVES",
    "PRIMITIVES_BY_OP",
    "KNOWN_FUNCTIONS",
    "NEW_ARRAY_FUNCTIONS",
    "METHODS",
    "ArrayPrimitive",
    "Context",
    "Contribution",
    "Rule",
    "UNSUPPORTED",
]


# (arguments of np.linalg kept well conditioned: a + 3 I)
_WELL = "a + 3.0 * np.eye(3)"

PRIMITIVE_TABLE: tuple[ArrayPrimitive, ...] = (
    *REDUCTION_TABLE,
    *PRODUCT_TABLE,
    *JOIN_TABLE,
    *CONTRACTION_TABLE,
    *linalg.LINALG_TABLE,
    *DECOMPOSITION_TABLE,
    *SPECIAL_TABLE,
    *REARRANGE_TABLE,
    *NUMERIC_TABLE,
    *SPLIT_TABLE,
    ArrayPrimitive(
        "einsum",
        ("numpy.einsum",),
        0,
        products.einsum,
        helpers=("unbroadcast",),
        layout="after_subscripts",
        view=0,  # np.einsum("ij->ji", a) and ("ii->i", a) are views of a
        always_view=views.einsum_without_sums,
        examples=(
            _e("np.einsum('ij,jk->ik', a, b)", (2, 3), (3, 4)),
            _e("np.einsum('j...k,lj...->lk...', a, b)", (2, 3, 4, 5), (6, 2, 4)),
            _e("np.einsum('ii->i', a)", (3, 3)),
            _e("np.einsum('ij,k', a, b)", (2, 3), (2,)),  # (the output implicit: 'ijk')
            _e("np.einsum('ba,cb', a, b)", (2, 3), (4, 2)),  # ('ac': the letters met once)
            _e("np.einsum(a, (0, 1), (1, 0))", (2, 3)),  # (index lists: 'ab->ba')
            _e("np.einsum(a, [0, 1], b, [1, 2])", (2, 3), (3, 2)),
        ),
    ),
    ArrayPrimitive(
        "transpose",
        ("numpy.transpose",),
        1,
        r.transpose_rule,
        ("axes",),
        ("transpose",),
        positional=("axes",),
        varargs=True,
        view=0,
        always_view=True,
        examples=(_e("np.transpose(a, (1, 0, 2))", (2, 3, 2)), _e("a.T", (2, 3))),
    ),
    ArrayPrimitive(
        "swapaxes",
        ("numpy.swapaxes",),
        1,
        r.swapaxes_rule,
        ("axis1", "axis2"),
        ("swapaxes",),
        positional=("axis1", "axis2"),
        view=0,
        always_view=True,
        examples=(_e("np.swapaxes(a, 0, 2)", (2, 3, 2)),),
    ),
    ArrayPrimitive(
        "reshape",
        ("numpy.reshape",),
        1,
        r.reshape_rule,
        (),
        ("reshape",),
        passthrough=1,
        varargs=True,
        view=0,
        examples=(_e("np.reshape(a, (3, 2))", (2, 3)), _e("a.reshape(2, 3)", (6,))),
    ),
    ArrayPrimitive(
        "ravel",
        ("numpy.ravel",),
        1,
        r.reshape_rule,
        (),
        ("ravel",),
        view=0,
        examples=(_e("np.ravel(a)", (2, 3)),),
    ),
    ArrayPrimitive(  # a copy, and a method only
        "flatten", (), 1, r.reshape_rule, (), ("flatten",), examples=(_e("a.flatten()", (2, 3)),)
    ),
    ArrayPrimitive(
        "squeeze",
        ("numpy.squeeze",),
        1,
        r.reshape_rule,
        AXIS,
        ("squeeze",),
        positional=AXIS,
        view=0,
        always_view=True,
        examples=(_e("np.squeeze(a, axis=1)", (3, 1, 2)),),
    ),
    ArrayPrimitive(
        "expand_dims",
        ("numpy.expand_dims",),
        1,
        r.reshape_rule,
        AXIS,
        positional=AXIS,
        view=0,
        always_view=True,
        examples=(_e("np.expand_dims(a, 1)", (3, 2)), _e("a[:, None]", (3,))),
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
        examples=(_e("np.diag(a)", (3,)), _e("np.diag(a, 1)", (3, 4))),
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
        always_view=True,
        examples=(_e("np.diagonal(a, 1)", (3, 4)), _e("np.diagonal(a, 0, 1, 2)", (2, 3, 3))),
    ),
    ArrayPrimitive(
        "cumsum",
        ("numpy.cumsum",),
        1,
        r.cumsum_rule,
        AXIS,
        ("cumsum",),
        positional=AXIS,
        examples=(_e("np.cumsum(a, axis=1)", (2, 3)), _e("np.cumsum(a)", (2, 3))),
    ),
    ArrayPrimitive(
        "flip",
        ("numpy.flip",),
        1,
        r.flip_rule,
        AXIS,
        positional=AXIS,
        view=0,
        always_view=True,
        examples=(_e("np.flip(a, 1)", (2, 3)), _e("np.flip(a)", (2, 3))),
    ),
    ArrayPrimitive(
        "norm",
        ("numpy.linalg.norm",),
        1,
        linalg.norm,
        ("ord", "axis", "keepdims"),
        positional=("ord", "axis", "keepdims"),
        scalar=True,
        examples=(
            _e("np.linalg.norm(a)", (3,)),
            _e("np.linalg.norm(a, 1)", (4,)),
            _e("np.linalg.norm(a, 3)", (4,)),
            _e("np.linalg.norm(a, -np.inf)", (4,)),
            _e("np.linalg.norm(a, axis=1)", (3, 4)),
            _e("np.linalg.norm(a, np.inf, axis=0, keepdims=True)", (3, 4)),
            _e("np.linalg.norm(a, 'fro')", (3, 4)),
            _e("np.linalg.norm(a, 1)", (3, 4)),
            _e("np.linalg.norm(a, -np.inf)", (3, 4)),
            _e("np.linalg.norm(a, 'nuc')", (3, 4)),
            _e("np.linalg.norm(a, 2)", (4, 3)),
            _e("np.linalg.norm(a, axis=(0, 2))", (2, 3, 4)),
            _e("np.linalg.norm(a, 1, axis=(2, 0))", (2, 3, 4)),
        ),
    ),
    ArrayPrimitive(
        "det",
        ("numpy.linalg.det",),
        1,
        linalg.det,
        examples=(_e(f"np.linalg.det({_WELL})", (3, 3)),),
    ),
    ArrayPrimitive(
        "inv",
        ("numpy.linalg.inv",),
        1,
        linalg.inv,
        examples=(_e(f"np.linalg.inv({_WELL})", (3, 3)),),
    ),
    ArrayPrimitive(
        "solve",
        ("numpy.linalg.solve",),
        2,
        linalg.solve,
        (),
        (),
        ("solve_left",),
        examples=(
            _e(f"np.linalg.solve({_WELL}, b)", (3, 3), (3,)),
            _e(f"np.linalg.solve({_WELL}, b)", (3, 3), (3, 2)),
        ),
    ),
    ArrayPrimitive(
        "trace",
        ("numpy.trace",),
        1,
        linalg.trace,
        ("offset",),
        ("trace",),
        positional=("offset",),
        examples=(_e("np.trace(a)", (3, 3)), _e("np.trace(a, offset=-1)", (3, 4))),
    ),
    ArrayPrimitive(
        "full",
        ("numpy.full",),
        1,
        r.full_rule,
        helpers=("unbroadcast",),
        layout="after_shape",
        examples=(_e("np.full((2, 3), a)", (3,)),),
    ),
    ArrayPrimitive(
        "broadcast_to",
        ("numpy.broadcast_to",),
        1,
        r.broadcast_to_rule,
        helpers=("unbroadcast",),
        passthrough=1,
        view=0,
        always_view=True,
        examples=(_e("np.broadcast_to(a, (2, 3))", (3,)), _e("np.broadcast_to(a, (2, 3))", (2, 1))),
    ),
    # x[index]: a basic index (slices, integers, a boolean mask) reads no element twice, so
    # its adjoint assigns; an integer-array index may repeat elements, so its adjoint adds.
    ArrayPrimitive(
        "getitem",
        (),
        1,
        r.getitem_rule,
        (),
        (),
        ("scatter",),
        view=0,
        always_view=views.basic_slices,
        through=views.THROUGH_INDEX,
        indexed=True,
        explain="selection",
        examples=(_e("a[1:, ::2]", (3, 4)), _e("a[1]", (3, 2))),
    ),
    ArrayPrimitive(
        "gather",
        (),
        1,
        r.gather_rule,
        (),
        (),
        ("scatter_add",),
        indexed=True,
        explain="selection",
        examples=(_e("a[[0, 2, 2]]", (3, 2)),),
    ),
    # the naive forms, fused from exp, sum, log and / statements (optimize/exp_reductions.py)
    ArrayPrimitive(
        "logsumexp",
        (),
        1,
        r.logsumexp_rule,
        REDUCE,
        (),
        ("softmax",),
        written="np.log(np.sum(np.exp(x)))",
        examples=(_e("np.log(np.sum(np.exp(a)))", (4,)),),
    ),
    ArrayPrimitive(
        "naive_softmax",
        (),
        1,
        r.softmax_rule,
        REDUCE,
        (),
        ("softmax_vjp",),
        written="np.exp(x) / np.sum(np.exp(x))",
        examples=(_e("np.exp(a) / np.sum(np.exp(a))", (4,)),),
    ),
)


validate(PRIMITIVE_TABLE, HELPER_TABLE)


PRIMITIVES: dict[str, ArrayPrimitive] = {
    name: row for row in PRIMITIVE_TABLE + HELPER_TABLE for name in row.names
}


PRIMITIVES_BY_OP: dict[str, ArrayPrimitive] = {
    row.op: row for row in PRIMITIVE_TABLE + HELPER_TABLE
}

# Functions lowered as others (frontend/spelled.py): np.select as nested np.where.
SPELLED: frozenset[str] = frozenset({"numpy.select"})

# Every function a record knows what it computes, by qualified name (numpy.exp, math.log,
# symback.unbroadcast ...): what the reader resolves and what CSE may compute once.
KNOWN_FUNCTIONS: frozenset[str] = (
    frozenset(ELEMENTWISE) | NON_DIFFERENTIABLE | SHAPE_ONLY | frozenset(PRIMITIVES) | SPELLED
)


# `np.f` for the NumPy functions whose records say the result is never a view (view=None):
# what optimize/inplace.py may write into
NEW_ARRAY_FUNCTIONS: frozenset[str] = frozenset(
    name.removeprefix("numpy.")
    for row in PRIMITIVE_TABLE
    if row.view is None
    for name in row.names
    if name.count(".") == 1 and name.startswith("numpy.")
)


METHODS: dict[str, ArrayPrimitive] = {m: row for row in PRIMITIVE_TABLE for m in row.methods}
