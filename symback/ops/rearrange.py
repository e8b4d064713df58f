"""Records and adjoints of the operations that move, repeat, pad or pick elements: tril, triu,
repeat, tile, roll, flipud, fliplr, rot90, moveaxis, rollaxis, atleast_Nd, diff, append, pad,
take, take_along_axis, sort, nan_to_num, real.

Each adjoint sends every element of the upstream back to the element it came from: the same
operation undone (roll back, rotate back, move the axis back), a sum where an element was
used several times (repeat, tile), a slice where zeros were added (pad).
"""

from __future__ import annotations

from .build import helper, np
from .joins import concatenate
from .primitive import AXIS, UNSUPPORTED, ArrayPrimitive, Context, Contribution
from .primitive import example as _e


def triangle(which: str):
    """np.tril / np.triu keep a triangle and zero the rest: the adjoint keeps the same one."""

    def rule(c: Context):
        k = c.params.get("k", 0)
        keep = getattr(np, which)
        return (Contribution(keep(c.bar, k) if k else keep(c.bar)),)

    return rule


def repeat_rule(c: Context):
    # each element was repeated r times in a row: the adjoint adds up each run of r
    r, axis = c.params.get("repeats"), c.params.get("axis")
    if not isinstance(r, int) or isinstance(r, bool):  # (per-element counts: not written)
        return (UNSUPPORTED,)
    if axis is None:
        runs = np.sum(np.reshape(c.bar, (-1, r)), axis=1)
        return (Contribution(np.reshape(runs, _shape(c)), view=True),)
    shape = _shape(c)
    tail = () if axis == -1 else shape[axis + 1 :]
    split = shape[:axis] + (-1, r) + tail
    return (Contribution(np.sum(np.reshape(c.bar, split), axis=axis + 1 if axis >= 0 else axis)),)


def _shape(c: Context, i: int = 0):
    """Operand i's shape: a literal where known."""
    return c.shapes[i] if c.shapes is not None else np.shape(c.operands[i])


def tile_rule(c: Context):
    return (Contribution(helper.untile(c.bar, c.x, c.params["extra"][0])),)


def roll_rule(c: Context):
    # rolling back by the same shift puts every element back
    shift, axis = c.params["shift"], c.params.get("axis")
    back = tuple(-s for s in shift) if isinstance(shift, tuple) else -shift
    return (Contribution(np.roll(c.bar, back) if axis is None else np.roll(c.bar, back, axis)),)


def flipped(name: str):
    """np.flipud / np.fliplr flip one axis: flipping it again puts the elements back."""

    def rule(c: Context):
        return (Contribution(getattr(np, name)(c.bar), view=True),)

    return rule


def rot90_rule(c: Context):
    k, axes = c.params.get("k", 1), c.params.get("axes", (0, 1))
    return (Contribution(np.rot90(c.bar, -k, axes), view=True),)


def moveaxis_rule(c: Context):
    source, destination = c.params["source"], c.params["destination"]
    return (Contribution(np.moveaxis(c.bar, destination, source), view=True),)


def rollaxis_rule(c: Context):
    # np.rollaxis(x, axis, start) moves `axis` to before `start`: np.moveaxis(x, axis, end),
    # end counted in the result (one less when start is past axis); negative ones need ndim
    axis, start = c.params["axis"], c.params.get("start", 0)
    if c.shapes is not None:
        n = len(c.shapes[0])
        axis, start = axis % n, start + n if start < 0 else start
    elif axis < 0 or start < 0:
        return (UNSUPPORTED,)
    end = start - 1 if start > axis else start
    return (Contribution(np.moveaxis(c.bar, end, axis), view=True),)


def reshaped_back(c: Context):
    return (Contribution(np.reshape(c.bar, _shape(c)), view=True),)


def diff_rule(c: Context):
    # out[i] = x[i + 1] - x[i]: x[j] gets bar[j - 1] - bar[j], that is -np.diff(bar) of bar
    # with a zero before and after; a number prepended or appended takes its element off
    n, axis = c.params.get("n", 1), c.params.get("axis", -1)
    ends = [c.params.get(k) for k in ("prepend", "append")]
    if not all(e is None or isinstance(e, (int, float)) for e in ends):
        return (UNSUPPORTED,)  # (arrays prepended: not written)
    g = c.bar
    for _ in range(n):
        g = -np.diff(g, axis=axis, prepend=0.0, append=0.0)
    first = 1 if ends[0] is not None else None
    last = -1 if ends[1] is not None else None
    if first or last:
        g = g[_along(axis, slice(first, last))]
    return (Contribution(g, view=bool(first or last)),)


def _along(axis: int, part):
    """The index taking `part` along `axis` and all of the other axes."""
    if axis < 0:
        return (..., part, *[slice(None)] * (-axis - 1))
    return (*[slice(None)] * axis, part)


def append_rule(c: Context):
    # np.append(x, v, axis) is np.concatenate((x, v), axis), both flattened with no axis
    params = {"axis": c.params.get("axis")}
    return concatenate(Context(c.bar, c.operands, c.value, params, c.shapes))


def pad_rule(c: Context):
    # np.pad(x, width) with a constant puts x in the middle: its adjoint cuts the middle out
    if c.params.get("mode", "constant") != "constant":
        return (UNSUPPORTED,)
    return (Contribution(helper.unpad(c.bar, c.params["pad_width"]), view=True),)


def take_rule(c: Context):
    index, axis = c.params["extra"][0], c.params.get("axis")
    return (Contribution(helper.take_vjp(c.bar, c.x, index, axis)),)


def take_along_axis_rule(c: Context):
    index, axis = c.params["extra"][0], c.params.get("axis")
    return (Contribution(helper.take_along_axis_vjp(c.bar, c.x, index, axis)),)


def sort_rule(c: Context):
    # sorting permutes: each element's gradient is read where the sort put it (a tie puts
    # equal values in either order; the gradient is right for either)
    axis = c.params.get("axis", -1)
    if axis is None:
        back = np.take_along_axis(c.bar, np.argsort(np.argsort(np.ravel(c.x))), 0)
        return (Contribution(np.reshape(back, _shape(c))),)
    back = np.take_along_axis(c.bar, np.argsort(np.argsort(c.x, axis), axis), axis)
    return (Contribution(back),)


def nan_to_num_rule(c: Context):
    # nan and infinities become constants: no gradient flows there
    return (Contribution(c.bar * np.isfinite(c.x)),)


def identity_rule(c: Context):
    return (Contribution(c.bar, view=True),)


_SQUARE = (3, 3)
_TRIANGLE = ("k",)

REARRANGE_TABLE: tuple[ArrayPrimitive, ...] = (
    *(
        ArrayPrimitive(
            name,
            (f"numpy.{name}",),
            1,
            triangle(name),
            _TRIANGLE,
            positional=_TRIANGLE,
            examples=(_e(f"np.{name}(a)", _SQUARE), _e(f"np.{name}(a, -1)", (2, 3, 4))),
        )
        for name in ("tril", "triu")
    ),
    ArrayPrimitive(
        "repeat",
        ("numpy.repeat",),
        1,
        repeat_rule,
        ("repeats", "axis"),
        ("repeat",),
        positional=("repeats", "axis"),
        examples=(
            _e("np.repeat(a, 3)", (2, 2)),
            _e("np.repeat(a, 2, axis=1)", (2, 3, 2)),
            _e("a.repeat(2, axis=-1)", (2, 3)),
            _e("np.repeat(a, 2, -2)", (3, 2)),
        ),
    ),
    ArrayPrimitive(
        "tile",
        ("numpy.tile",),
        1,
        tile_rule,
        helpers=("untile",),
        passthrough=1,  # (the repetitions may be computed: np.tile(b, (len(X), 1)))
        examples=(_e("np.tile(a, 2)", (3,)), _e("np.tile(a, (2, 1, 3))", (2, 2))),
    ),
    ArrayPrimitive(
        "roll",
        ("numpy.roll",),
        1,
        roll_rule,
        ("shift", "axis"),
        positional=("shift", "axis"),
        examples=(_e("np.roll(a, 1, axis=0)", (3, 2)), _e("np.roll(a, (1, -2), (0, 1))", (3, 4))),
    ),
    *(
        ArrayPrimitive(
            name,
            (f"numpy.{name}",),
            1,
            flipped(name),
            view=0,
            always_view=True,
            examples=(_e(f"np.{name}(a)", (3, 2)),),
        )
        for name in ("flipud", "fliplr")
    ),
    ArrayPrimitive(
        "rot90",
        ("numpy.rot90",),
        1,
        rot90_rule,
        ("k", "axes"),
        positional=("k", "axes"),
        view=0,
        always_view=True,
        examples=(_e("np.rot90(a)", (2, 3)), _e("np.rot90(a, 3, (1, 2))", (2, 3, 4))),
    ),
    ArrayPrimitive(
        "moveaxis",
        ("numpy.moveaxis",),
        1,
        moveaxis_rule,
        ("source", "destination"),
        positional=("source", "destination"),
        view=0,
        always_view=True,
        examples=(
            _e("np.moveaxis(a, 0, -1)", (2, 3, 4)),
            _e("np.moveaxis(a, (0, 1), (2, 0))", (2, 3, 4)),
        ),
    ),
    ArrayPrimitive(
        "rollaxis",
        ("numpy.rollaxis",),
        1,
        rollaxis_rule,
        ("axis", "start"),
        positional=("axis", "start"),
        view=0,
        always_view=True,
        examples=(_e("np.rollaxis(a, 2)", (2, 3, 4)), _e("np.rollaxis(a, 0, 3)", (2, 3, 4))),
    ),
    *(
        ArrayPrimitive(
            f"atleast_{n}d",
            (f"numpy.atleast_{n}d",),
            1,
            reshaped_back,
            view=0,
            examples=(_e(f"np.atleast_{n}d(a)", (3,)), _e(f"np.atleast_{n}d(a)", (2, 1, 2))),
        )
        for n in (1, 2, 3)
    ),
    ArrayPrimitive(
        "diff",
        ("numpy.diff",),
        1,
        diff_rule,
        ("n", "axis", "prepend", "append"),
        positional=("n", "axis"),
        examples=(
            _e("np.diff(a)", (5,)),
            _e("np.diff(a, 2, axis=0)", (5, 2)),
            _e("np.diff(a, axis=1, prepend=0.0, append=1.0)", (2, 4)),
        ),
    ),
    ArrayPrimitive(
        "append",
        ("numpy.append",),
        2,
        append_rule,
        AXIS,
        positional=AXIS,
        examples=(
            _e("np.append(a, b)", (2, 2), (3,)),
            _e("np.append(a, b, axis=0)", (2, 3), (1, 3)),
        ),
    ),
    ArrayPrimitive(
        "pad",
        ("numpy.pad",),
        1,
        pad_rule,
        ("pad_width", "mode", "constant_values"),
        positional=("pad_width", "mode"),
        helpers=("unpad",),
        examples=(
            _e("np.pad(a, 1)", (2, 3)),
            _e("np.pad(a, ((1, 0), (2, 1)), constant_values=0.5)", (2, 3)),
        ),
    ),
    ArrayPrimitive(
        "take",
        ("numpy.take",),
        1,
        take_rule,
        AXIS,
        ("take",),
        ("take_vjp",),
        positional=AXIS,
        passthrough=1,
        indexed=True,
        examples=(
            _e("np.take(a, [0, 2, 2])", (2, 2)),
            _e("np.take(a, [[1, 0], [1, 1]], axis=1)", (2, 3)),
        ),
    ),
    ArrayPrimitive(
        "take_along_axis",
        ("numpy.take_along_axis",),
        1,
        take_along_axis_rule,
        AXIS,
        (),
        ("take_along_axis_vjp",),
        positional=AXIS,
        passthrough=1,
        indexed=True,
        examples=(
            _e("np.take_along_axis(a, np.argsort(a, 1)[:, 1:], axis=1)", (2, 3)),
            _e("np.take_along_axis(a, np.argsort(np.eye(3, 2), 0), 0)", (3, 2)),
        ),
    ),
    ArrayPrimitive(
        "sort",
        ("numpy.sort",),
        1,
        sort_rule,
        AXIS,
        positional=AXIS,
        examples=(
            _e("np.sort(a)", (2, 4)),
            _e("np.sort(a, axis=0)", (3, 2)),
            _e("np.sort(a, axis=None)", (2, 2)),
        ),
    ),
    ArrayPrimitive(
        "nan_to_num",
        ("numpy.nan_to_num",),
        1,
        nan_to_num_rule,
        ("nan", "posinf", "neginf"),
        examples=(_e("np.nan_to_num(np.log(a))", (4,), domain=(0.2, 2.0)),),
    ),
    # np.real of a real array is the array itself (a view of it); np.imag and np.angle of
    # one are constants (ops/elementwise.py)
    ArrayPrimitive(
        "real",
        ("numpy.real",),
        1,
        identity_rule,
        view=0,
        always_view=True,
        examples=(_e("np.real(a)", (3,)),),
    ),
)


def untile_rule(c: Context):
    # untile(g, like, reps) adds up g's tiles: its adjoint tiles bar again
    return (Contribution(np.tile(c.bar, c.params["extra"][1])),)


def unpad_rule(c: Context):
    # unpad(g, width) cuts the middle out: its adjoint pads bar with zeros again
    return (Contribution(np.pad(c.bar, c.params["extra"][0])),)


def take_vjp_rule(c: Context):
    # take_vjp(g, like, indices, axis) adds g where it was taken from: its adjoint takes
    _, indices, axis = c.params["extra"]
    return (Contribution(np.take(c.bar, indices, axis=axis)),)


def take_along_axis_vjp_rule(c: Context):
    _, indices, axis = c.params["extra"]
    return (Contribution(np.take_along_axis(c.bar, indices, axis=axis)),)


# The helpers' records (ops/helper_ops.py puts them in HELPER_TABLE).
REARRANGE_HELPERS: tuple[ArrayPrimitive, ...] = (
    ArrayPrimitive(
        "untile",
        ("symback.untile",),
        1,
        untile_rule,
        passthrough=2,
        examples=(_e("untile(a, np.ones(2), (2, 1, 3))", (2, 1, 6)),),
    ),
    ArrayPrimitive(
        "unpad",
        ("symback.unpad",),
        1,
        unpad_rule,
        passthrough=1,
        view=0,
        examples=(_e("unpad(a, ((1, 0), (2, 1)))", (3, 6)),),
    ),
    ArrayPrimitive(
        "take_vjp",
        ("symback.take_vjp",),
        1,
        take_vjp_rule,
        passthrough=3,
        examples=(_e("take_vjp(a, np.ones((2, 3)), [[1, 0], [1, 1]], 1)", (2, 2, 2)),),
    ),
    ArrayPrimitive(
        "take_along_axis_vjp",
        ("symback.take_along_axis_vjp",),
        1,
        take_along_axis_vjp_rule,
        passthrough=3,
        examples=(
            _e("take_along_axis_vjp(a, np.ones((2, 3)), np.argsort(np.eye(2, 3), 1), 1)", (2, 3)),
        ),
    ),
)
