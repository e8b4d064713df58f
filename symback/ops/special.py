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


def logsumexp_rule(c: Context):
    # log |sum(b exp(x))|: d = sum(b exp(x) dx) / sum(b exp(x)) = sum(b w dx) / sum(b w),
    # w = exp(x - value); sum(b w) is the sign (+-1), computed again rather than trusted
    weighted, signed = "by_keyword" in c.params, c.params.get("return_sign", False)
    if not (weighted or signed):
        return r.logsumexp_rule(c)
    if c.params.get("part") == 1:  # the sign: constant wherever it is defined
        return (None,) * len(c.operands)
    x = c.operands[0]
    b = c.operands[1] if weighted else 1.0
    axis, keepdims = c.params.get("axis"), c.params.get("keepdims", False)
    value, bar = c.value, c.bar
    if axis is not None and not keepdims:  # (the reduced axes put back, to broadcast)
        value, bar = np.expand_dims(value, axis), np.expand_dims(bar, axis)
    w = np.exp(x - value)
    share = bar * w / np.sum(b * w, axis=axis, keepdims=True)
    gx = Contribution(helper.unbroadcast(share * b if weighted else share, x))
    return (gx, Contribution(helper.unbroadcast(share, b))) if weighted else (gx,)


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
        logsumexp_rule,
        REDUCE + ("return_sign",),
        (),
        ("softmax", "unbroadcast"),
        positional=AXIS,
        scalar=True,
        parts=("value", "sign"),
        array_keywords=("b",),
        tuple_when=("return_sign", True),
        examples=(
            _e("special.logsumexp(a)", (4,)),
            _e("special.logsumexp(a, axis=1, keepdims=True)", (2, 3)),
            _e("special.logsumexp(a, 0)", (3, 2)),
            _e("special.logsumexp(a, b=b)", (4,), (4,), domain=(0.2, 1.0)),
            _e("special.logsumexp(a, axis=1, b=b)", (2, 3), (3,), domain=(0.2, 1.0)),
            _e("special.logsumexp(a, 0, b=b, keepdims=True)", (3, 2), (3, 1), domain=(0.2, 1.0)),
            _e("special.logsumexp(a, b=b - 0.9, return_sign=True)[0]", (3,), (3,)),
            _e("special.logsumexp(a, b=b, return_sign=True)[1] * a", (2,), (2,)),
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
