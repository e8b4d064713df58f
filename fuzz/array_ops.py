"""More array statements: every NumPy elementwise row on arrays, joins, einsum, linalg, shapes."""

from __future__ import annotations

import math

import numpy as np

from .functions import functions, interval

# (template, operand shapes wanted): {A} {B} are operands, {n} A's leading length
SQUARE = lambda d: lambda v: np.ndim(v) == 2 and v.shape[0] == v.shape[1]  # noqa: E731
MATRIX = lambda v: np.ndim(v) == 2  # noqa: E731
VECTOR = lambda v: np.ndim(v) == 1  # noqa: E731
ANY_ARRAY = lambda v: np.ndim(v) >= 1  # noqa: E731

UNARY = (  # one array operand
    ("np.cumsum({A})", ANY_ARRAY),
    ("np.cumsum({A}, axis=0)", ANY_ARRAY),
    ("np.outer({A}, {A})", VECTOR),
    ("np.diag({A})", VECTOR),
    ("np.diag({A})", SQUARE(0)),
    ("np.diagonal({A})", MATRIX),
    ("{A}.diagonal(offset=1)", MATRIX),
    ("np.trace({A})", SQUARE(0)),
    ("{A}.trace()", SQUARE(0)),
    ("np.linalg.norm({A})", ANY_ARRAY),
    ("np.linalg.det({A} + 3.0 * np.eye({n}))", SQUARE(0)),
    ("np.linalg.inv({A} + 3.0 * np.eye({n}))", SQUARE(0)),
    ("np.transpose({A}, (1, 0))", MATRIX),
    ("{A}.transpose()", MATRIX),
    ("np.expand_dims({A}, axis=0)", ANY_ARRAY),
    ("np.squeeze({A}[None, :])", ANY_ARRAY),
    ("{A}[None, :] * {A}[:, None]", VECTOR),
    ("np.reshape({A}, (-1,))", MATRIX),
    ("{A}.flatten()", MATRIX),
    ("np.einsum('ij->ji', {A})", MATRIX),
    ("np.einsum('ii->', {A})", SQUARE(0)),
    ("np.einsum('i,i->', {A}, {A})", VECTOR),
    ("np.var({A}, ddof=1)", lambda v: np.size(v) > 1),
    ("np.std({A}, axis=0, ddof=1)", lambda v: np.ndim(v) >= 1 and v.shape[0] > 1),
    ("np.vstack([{A}, {A} * 2.0])", ANY_ARRAY),
    ("np.hstack([{A}, np.sin({A})])", ANY_ARRAY),
    ("np.column_stack([{A}, {A} ** 2])", VECTOR),
    ("{A}[{A} > 0.1]", ANY_ARRAY),
    ("{A}[[0, -1]]", ANY_ARRAY),
)
CHECKS = {  # a template -> what must stay clear of a kink (std: away from zero spread)
    "{A}[{A} > 0.1]": "np.abs({A} - 0.1)",
    "np.linalg.norm({A})": "np.linalg.norm({A})",
    "np.std({A}, axis=0, ddof=1)": "np.std({A}, axis=0)",
}
PAIRS = (  # two operands: (template, test on the pair's shapes)
    ("np.inner({A}, {B})", lambda a, b: a[-1:] == b[-1:] and len(a) >= 1),
    ("np.einsum('ij,j->i', {A}, {B})", lambda a, b: len(a) == 2 and b == a[1:]),
    ("np.einsum('ij,ij->i', {A}, {B})", lambda a, b: len(a) == 2 and a == b),
    ("np.einsum('ij,kj->ik', {A}, {B})", lambda a, b: len(a) == len(b) == 2 and a[1] == b[1]),
    (
        "np.linalg.solve({A} + 3.0 * np.eye({n}), {B})",
        lambda a, b: len(a) == 2 and a[0] == a[1] and b[:1] == a[:1],
    ),
    (
        "np.concatenate([{A}, {B}], axis=-1)",
        lambda a, b: len(a) == len(b) >= 1 and a[:-1] == b[:-1],
    ),
    ("np.stack([{A}, {B}], axis=1)", lambda a, b: a == b and len(a) >= 1),
    ("{A}.dot({B})", lambda a, b: len(a) >= 1 and len(b) >= 1 and a[-1] == b[0]),
    ("np.matmul({A}, {B})", lambda a, b: len(a) >= 1 and len(b) >= 1 and a[-1] == b[0]),
)


def shaped(drawer) -> bool:
    """A shape, join, einsum or linear-algebra operation on one or two earlier arrays."""
    t = drawer.fresh()
    if drawer.rng.random() < 0.6:
        text, wanted = drawer.rng.choice(UNARY)
        A = drawer.pick(wanted)
        if A is None:
            return False
        n = np.shape(drawer.env[A])[0]
        check = CHECKS.get(text)
        checks = [check.format(A=A)] if check else []
        return drawer.accept([f"{t} = " + text.format(A=A, n=n)], t, {A}, checks)
    text, fits = drawer.rng.choice(PAIRS)
    A = drawer.pick(ANY_ARRAY)
    if A is None:
        return False
    a = np.shape(drawer.env[A])
    B = drawer.pick(lambda v: fits(a, np.shape(v)))
    if B is None:
        return False
    return drawer.accept([f"{t} = " + text.format(A=A, B=B, n=a[0])], t, {A, B})


def table_call(drawer) -> bool:
    """Any NumPy row of the elementwise table on arrays, its arguments kept in its domain."""
    fn = drawer.rng.choice([f for f in functions() if f.text.startswith("np.")])
    arity = drawer.rng.choice(list(fn.row.arities))
    A = drawer.pick()
    args, checks, uses = [], [], {A}
    for i in range(arity):
        lo, hi = interval(fn.row, i)
        X = A if i == 0 else drawer.pick(lambda v: broadcasts(np.shape(drawer.env[A]), np.shape(v)))
        uses.add(X)
        if fn.row.domain[i] == (0.0, 0.0):
            args.append(f"{X} > 0.2")
            checks.append(f"np.abs({X} - 0.2)")
        elif math.isinf(lo) and math.isinf(hi):
            args.append(X)
        elif math.isinf(hi):
            args.append(f"{round(lo + 0.1, 6)!r} + {X} ** 2")
        else:
            mid, half = round((lo + hi) / 2, 6), round((hi - lo) / 2 * 0.9, 6)
            args.append(f"{mid!r} + {half!r} * np.tanh({X})")
    if fn.kinked:
        checks.append(f"np.abs({args[0]})")
        checks += [f"np.abs({args[0]} - ({b}))" for b in args[1:]]
    t = drawer.fresh()
    return drawer.accept([f"{t} = {fn.text}({', '.join(args)})"], t, uses, checks)


def broadcasts(a: tuple, b: tuple) -> bool:
    """Whether shapes a and b broadcast together."""
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        return False
    return True


def gap(a, axis):
    """The smallest distance between the extreme and the runner-up along axis."""
    a = np.asarray(a)
    if axis is None:
        a, axis = a.reshape(-1), 0
    if a.shape[axis] < 2:
        return np.inf
    s = np.sort(a, axis=axis)
    top = np.take(s, [-1], axis) - np.take(s, [-2], axis)
    bottom = np.take(s, [1], axis) - np.take(s, [0], axis)
    return min(top.min(), bottom.min())


def spread(a, axis):
    """np.std along axis, or inf over one element (where std is constant, not kinked)."""
    a = np.asarray(a)
    count = a.size if axis is None else a.shape[axis]
    return np.inf if count < 2 else np.min(np.std(a, axis=axis))
