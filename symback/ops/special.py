"""Records of scipy.special's reductions (logsumexp, softmax, log_softmax), where the user's
function calls them; their elementwise functions (expit, gammaln, ...) are rows of
ops/elementwise.py. The rules are the fused NumPy forms' (ops/reductions.py), whose
helpers compute the softmax shifted, as SciPy does. SciPy is the user's dependency:
symback never imports it, and generated code imports it only where the user's code does.
"""

from __future__ import annotations

from . import reductions as r
from .build import helper, np
from .primitive import AXIS, REDUCE, ArrayPrimitive, Context, Contribution
from .primitive import example as _e


def log_softmax_rule(c: Context):
    # log_softmax(x) = x - logsumexp(x): bar less the softmax times bar's sum
    axis = c.params.get("axis")
    total = np.sum(c.bar, axis=axis, keepdims=True)
    return (Contribution(c.bar - helper.softmax(c.x, axis) * total),)


SPECIAL_TABLE: tuple[ArrayPrimitive, ...] = (
    ArrayPrimitive(
        "special_logsumexp",
        ("scipy.special.logsumexp",),
        1,
        r.logsumexp_rule,
        REDUCE,
        (),
        ("softmax",),
        positional=AXIS,
        scalar=True,
        examples=(
            _e("special.logsumexp(a)", (4,)),
            _e("special.logsumexp(a, axis=1, keepdims=True)", (2, 3)),
            _e("special.logsumexp(a, 0)", (3, 2)),
        ),
    ),
    ArrayPrimitive(
        "special_softmax",
        ("scipy.special.softmax",),
        1,
        r.softmax_rule,
        AXIS,
        (),
        ("softmax_vjp",),
        positional=AXIS,
        examples=(_e("special.softmax(a, axis=1)", (2, 3)), _e("special.softmax(a)", (2, 2))),
    ),
    ArrayPrimitive(
        "special_log_softmax",
        ("scipy.special.log_softmax",),
        1,
        log_softmax_rule,
        AXIS,
        (),
        ("softmax",),
        positional=AXIS,
        examples=(
            _e("special.log_softmax(a, axis=0)", (3, 2)),
            _e("special.log_softmax(a)", (4,)),
        ),
    ),
)
