"""Records and adjoints of np.split, np.array_split, np.hsplit, np.vsplit and np.dsplit.

Each returns a list of pieces: a function unpacks them (`a, b = np.split(x, 2)`) or takes one
(`np.split(x, 2)[1]`), and each piece taken is a statement of its own, its number in
params["part"] (frontend/arrays.py). A piece's gradient is zeros with the upstream in the
piece's place (split_place), whose own adjoint takes the piece again (split_piece).
"""

from __future__ import annotations

from .build import helper
from .primitive import ArrayPrimitive, Context, Contribution
from .primitive import example as _e

SECTIONS = "indices_or_sections"


def _along(axis):
    """The rule of a split along `axis` (None: np.hsplit's, 1, or 0 for a vector)."""

    def rule(c: Context):
        sections, part = c.params[SECTIONS], c.params["part"]
        cut = c.params.get("axis", 0) if axis == "given" else axis
        return (Contribution(helper.split_place(c.bar, c.x, sections, cut, part)),)

    return rule


def split_place_rule(c: Context):
    # split_place(g, like, sections, axis, k) puts g in piece k's place: its adjoint takes it
    _, sections, axis, k = c.params["extra"]
    return (Contribution(helper.split_piece(c.bar, sections, axis, k)),)


def split_piece_rule(c: Context):
    # split_piece(g, sections, axis, k) takes piece k: its adjoint puts bar back in its place
    sections, axis, k = c.params["extra"]
    return (Contribution(helper.split_place(c.bar, c.x, sections, axis, k)),)


def _split(name: str, axis, static: tuple[str, ...], examples) -> ArrayPrimitive:
    return ArrayPrimitive(
        name,
        (f"numpy.{name}",),
        1,
        _along(axis),
        static,
        helpers=("split_place",),
        positional=static,
        view=0,  # (each piece is a view of x)
        parts=("piece",),
        pieces=SECTIONS,
        examples=examples,
    )


SPLIT_TABLE: tuple[ArrayPrimitive, ...] = (
    _split(
        "split",
        "given",
        (SECTIONS, "axis"),
        (_e("np.split(a, 2)[1]", (4,)), _e("np.split(a, [1, 2], axis=1)[2]", (2, 4))),
    ),
    _split(
        "array_split",
        "given",
        (SECTIONS, "axis"),
        (_e("np.array_split(a, 3)[2]", (5,)), _e("np.array_split(a, 2, 1)[0]", (2, 3))),
    ),
    _split(
        "hsplit",
        None,
        (SECTIONS,),
        (_e("np.hsplit(a, 2)[0]", (2, 4)), _e("np.hsplit(a, [3])[1]", (5,))),
    ),
    _split("vsplit", 0, (SECTIONS,), (_e("np.vsplit(a, [1])[1]", (3, 2)),)),
    _split("dsplit", 2, (SECTIONS,), (_e("np.dsplit(a, 2)[1]", (2, 1, 4)),)),
)

# The helpers' records (ops/helper_ops.py puts them in HELPER_TABLE).
SPLIT_HELPERS: tuple[ArrayPrimitive, ...] = (
    ArrayPrimitive(
        "split_place",
        ("symback.split_place",),
        1,
        split_place_rule,
        helpers=("split_piece",),
        passthrough=4,
        examples=(
            _e("split_place(a, np.ones((3, 4)), 2, None, 1)", (3, 2)),
            _e("split_place(a, np.ones(5), [2, 3], 0, 2)", (2,)),
        ),
    ),
    ArrayPrimitive(
        "split_piece",
        ("symback.split_piece",),
        1,
        split_piece_rule,
        helpers=("split_place",),
        passthrough=3,
        view=0,
        examples=(_e("split_piece(a, 3, 1, 2)", (2, 4)),),
    ),
)
