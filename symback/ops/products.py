"""Adjoints of products and contractions (matmul, dot, inner, outer, einsum, and helpers), and
the records of matmul, dot, inner and outer."""

from __future__ import annotations

from .build import helper, np
from .primitive import ArrayPrimitive, Context, Contribution
from .primitive import example as _e

# a @ b for vectors and matrices by (a.ndim, b.ndim): the gradients with respect to a and b
# as a person writes them, given g, the gradient of the product.
_MATMUL_BY_NDIM = {
    (2, 2): (lambda g, a, b: g @ b.T, lambda g, a, b: a.T @ g),
    (2, 1): (lambda g, a, b: np.outer(g, b), lambda g, a, b: g @ a),
    (1, 2): (lambda g, a, b: b @ g, lambda g, a, b: np.outer(a, g)),
    (1, 1): (lambda g, a, b: g * b, lambda g, a, b: g * a),
}


def matmul(c: Context):
    a, b = c.operands
    if c.ndims in _MATMUL_BY_NDIM:
        left, right = (grad(c.bar, a, b) for grad in _MATMUL_BY_NDIM[c.ndims])
        return (
            Contribution(left, outer=(c.bar, b) if c.ndims == (2, 1) else None),
            Contribution(right, outer=(a, c.bar) if c.ndims == (1, 2) else None),
        )
    return (
        Contribution(helper.matmul_left(c.bar, a, b)),
        Contribution(helper.matmul_right(c.bar, a, b)),
    )


def dot(c: Context):
    # np.dot agrees with matmul up to 2-D; the helpers contract its N-D form themselves.
    if c.ndims in _MATMUL_BY_NDIM:
        return matmul(c)
    a, b = c.operands
    return (
        Contribution(helper.dot_left(c.bar, a, b)),
        Contribution(helper.dot_right(c.bar, a, b)),
    )


def inner(c: Context):
    a, b = c.operands
    return (
        Contribution(helper.inner_left(c.bar, a, b)),
        Contribution(helper.inner_right(c.bar, a, b)),
    )


def outer(c: Context):
    a, b = c.operands
    return (
        Contribution(np.reshape(c.bar @ np.ravel(b), np.shape(a))),
        Contribution(np.reshape(np.ravel(a) @ c.bar, np.shape(b))),
    )


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _einsum_terms(subscripts: str) -> list[str]:
    """'...ij' -> ['...', 'i', 'j']: the ellipsis is one term."""
    head, dots, tail = subscripts.partition("...")
    return [*head, *(["..."] if dots else []), *tail]


def _axes(terms: list[str]) -> list[int]:
    """The axis of each term: counted from the front before an ellipsis, from the end after."""
    ellipsis = terms.index("...") if "..." in terms else len(terms)
    return [k if k < ellipsis else k - len(terms) for k in range(len(terms))]


def _ellipsis_first(before: int, after: int) -> tuple[str, str]:
    """Subscripts over an array with `before` named axes, the ellipsis, then `after` named
    axes: as it is, and with the ellipsis moved to the front (einsum permutes any number of
    axes; np.moveaxis would need the array's ndim, and has no rule of its own)."""
    head, tail = _LETTERS[:before], _LETTERS[before : before + after]
    return f"{head}...{tail}", f"...{head}{tail}"


def einsum(c: Context):
    """Each operand's gradient is an einsum of the upstream with the other operands.

    An index repeated within one operand (`'ii->'`, a trace) reads a diagonal: its second
    occurrence gets a fresh letter tied to the first by an identity matrix, so the gradient
    lands on the diagonal. einsum stretches an axis of length 1 to another operand's length
    (along the ellipsis and along a shared index): a gradient is summed back to its
    operand's shape there (unbroadcast, which sums leading axes: the gradient is made with
    the ellipsis first and put back in place after), and spread back where its operand was
    the longer one. An ellipsis that only this operand has was summed away: a ones array
    shaped like the operand brings its axes back."""
    subscripts = c.params["subscripts"].replace(" ", "")
    inputs, _, output = subscripts.partition("->")
    subs = inputs.split(",")
    free = [ch for ch in _LETTERS if ch not in subscripts]
    dots = "..." in inputs
    out = []
    for i, mine in enumerate(subs):
        x = c.operands[i]
        others = [s for j, s in enumerate(subs) if j != i]
        names = [n for j, n in enumerate(c.operands) if j != i]
        terms = _einsum_terms(mine)
        axes = _axes(terms)
        first: dict[str, int] = {}
        relabelled = []
        for k, term in enumerate(terms):
            if term != "..." and term in first:
                fresh = free.pop(0)
                others.append(term + fresh)
                names.append(np.eye(np.shape(x)[axes[first[term]]]))
                term = fresh
            elif term != "...":
                first[term] = k
            relabelled.append(term)
        if "..." in terms and "..." not in output + "".join(others):
            others.append("".join(relabelled))  # (its ellipsis was summed: spread it back)
            names.append(np.ones_like(x))
        reachable = set(output).union(*others)
        named = [t for t in relabelled if t != "..."]
        kept = "".join(t for t in named if t in reachable)
        spec = ",".join([output, *others]) + "->" + ("..." if dots else "") + kept
        g = np.einsum(spec, c.bar, *names)
        lone = tuple(k - len(named) for k, t in enumerate(named) if t not in reachable)
        if lone:  # an index only this operand has was summed: spread the gradient along it
            g = np.expand_dims(g, lone)
        before = terms.index("...") if "..." in terms else 0
        shared = set(mine) & set("".join(subs[:i] + subs[i + 1 :]))
        if shared or dots:  # an axis of length 1 may broadcast
            like = x
            if before:  # the operand's axes with its ellipsis first, as the gradient's are
                moved = _ellipsis_first(before, len(named) - before)
                like = np.einsum("->".join(moved), x)
            g = helper.unbroadcast(g, like)
        if before:  # the ellipsis back in its place
            moved = _ellipsis_first(before, len(named) - before)
            g = np.einsum(moved[1] + "->" + moved[0], g)
        # A shared index summed over takes its length from the others: 1 where they had
        # length 1 and this operand more, so the gradient is spread back along it.
        contracted = (shared - set(output)) - {"."}
        out.append(Contribution(g, spread=bool(lone or contracted)))
    return tuple(out)


# symback's own helpers, met when differentiating generated code (Hessians). Each is J^T g,
# the gradient of a product p(a, b) with respect to one operand given g, the gradient of p:
# linear in g and in the other operand, and reading its own operand for the shape only. As
# <bar, J^T g> = <J bar, g>, its gradient with respect to g is J bar (p with bar in place of
# that operand), and with respect to the other operand it is that operand's gradient of the
# same product at g. Every case the helpers tell apart (numbers, vectors, batches) stays theirs.


def _plain(c: Context) -> bool:
    """Are the helper's shapes known, its product of vectors and matrices (no numbers, no
    batches) and g shaped like that product? Then its gradients are written as `@`."""
    if c.shapes is None or c.ndims[1:] not in _MATMUL_BY_NDIM:
        return False
    g, a, b = c.shapes
    return g == a[:-1] + b[1:]


def _gradient_of_product(c: Context, a, b, which: int) -> Contribution:
    """The gradient of a @ b (`a`, `b` shaped like the helper's a and b) with respect to
    operand `which`, given the helper's g: the same plain form as the product's own."""
    return matmul(Context(c.operands[0], (a, b), c.value, {}, shapes=c.shapes[1:]))[which]


def _helper_rule(product, side: int, other, unbroadcast: bool = True):
    """The rule of a product's gradient helper h(g, a, b), the gradient of product(a, b)
    with respect to a (`side` 0) or b (1), given g. It is linear in g and in the operand
    other than `side`, and reads its own operand for its shape only: with respect to g it is
    the product with bar in that operand's place (summed back to g's shape where the product
    broadcasts), with respect to the other operand the other side's helper at g."""

    def rule(c: Context):
        g, a, b = c.operands
        forward = product(c.bar, b) if side == 0 else product(a, c.bar)
        if unbroadcast:
            forward = helper.unbroadcast(forward, g)
        at_g = other(g, c.bar, b) if side == 0 else other(g, a, c.bar)
        contributions = [Contribution(forward), None, None]
        contributions[2 - side] = Contribution(at_g)
        return tuple(contributions)

    return rule


_matmul_left = _helper_rule(helper.product, 0, helper.matmul_right)
_matmul_right = _helper_rule(helper.product, 1, helper.matmul_left)
_dot_left = _helper_rule(np.dot, 0, helper.dot_right, unbroadcast=False)  # (no broadcasting)
_dot_right = _helper_rule(np.dot, 1, helper.dot_left, unbroadcast=False)
inner_left_rule = _helper_rule(np.inner, 0, helper.inner_right)
inner_right_rule = _helper_rule(np.inner, 1, helper.inner_left)


def matmul_left_rule(c: Context):
    # matmul_left(g, a, b): the gradient of product(a, b) with respect to a
    if _plain(c):
        g, _, b = c.operands
        return (Contribution(c.bar @ b), None, _gradient_of_product(c, c.bar, b, 1))
    return _matmul_left(c)


def matmul_right_rule(c: Context):
    # matmul_right(g, a, b): the gradient of product(a, b) with respect to b
    if _plain(c):
        g, a, _ = c.operands
        return (Contribution(a @ c.bar), _gradient_of_product(c, a, c.bar, 0), None)
    return _matmul_right(c)


def dot_left_rule(c: Context):
    # np.dot of vectors and matrices is their matmul
    return matmul_left_rule(c) if _plain(c) else _dot_left(c)


def dot_right_rule(c: Context):
    return matmul_right_rule(c) if _plain(c) else _dot_right(c)


# The products' records, but einsum's (ops/arrays.py puts them in PRIMITIVE_TABLE).
PRODUCT_TABLE: tuple[ArrayPrimitive, ...] = (
    ArrayPrimitive(
        "matmul",
        ("numpy.matmul",),
        2,
        matmul,
        (),
        (),
        ("matmul_left", "matmul_right"),
        explain="product",
        examples=(
            _e("a @ b", (2, 3), (3, 4)),
            _e("np.matmul(a, b)", (3,), (3, 2)),
            _e("a @ b", (2, 2, 3), (3,)),
        ),
    ),
    ArrayPrimitive(
        "dot",
        ("numpy.dot",),
        2,
        dot,
        (),
        ("dot",),
        ("dot_left", "dot_right"),
        explain="product",
        examples=(_e("np.dot(a, b)", (2, 3), (3,)), _e("np.dot(a, b)", (2, 2, 3), (3, 2))),
    ),
    ArrayPrimitive(
        "inner",
        ("numpy.inner",),
        2,
        inner,
        (),
        (),
        ("inner_left", "inner_right"),
        examples=(_e("np.inner(a, b)", (2, 3), (4, 3)),),
    ),
    ArrayPrimitive(
        "outer", ("numpy.outer",), 2, outer, examples=(_e("np.outer(a, b)", (3,), (2,)),)
    ),
)
