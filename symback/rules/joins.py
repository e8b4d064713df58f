"""Adjoints of joins: stack, concatenate, vstack, hstack, column_stack cut the gradient apart."""

from __future__ import annotations

from .primitive import Context, Contribution


def stack(c: Context):
    axis = c.params.get("axis", 0)
    return tuple(
        Contribution(f"{{np}}.take({c.bar}, {i}, axis={axis!r})") for i in range(len(c.operands))
    )


def concatenate(c: Context):
    axis = c.params.get("axis", 0)
    sizes = ", ".join(f"{{np}}.shape({x})[{axis!r}]" for x in c.operands)
    cuts = f"{{np}}.cumsum([{sizes}])[:-1]"
    return tuple(
        Contribution(f"{{np}}.split({c.bar}, {cuts}, axis={axis!r})[{i}]")
        for i in range(len(c.operands))
    )


def _pieces_at(bar: str, arrays: tuple[str, ...], size: str, cut: str) -> tuple:
    """The adjoint of joining `arrays` end to end: piece i of `bar`, between the summed
    sizes (`size` over `{x}`) of the arrays before it, reshaped like array i (a vector
    stacked as a row, a number as an element). `cut` prints a slice of `{g}`."""
    out, start = [], ""
    for i, x in enumerate(arrays):
        mine = size.format(x=x, np="{np}")
        stop = f"{start} + {mine}" if start else mine
        if i == len(arrays) - 1:
            stop = ""
        piece = cut.format(g=bar, s=f"{start}:{stop}") if len(arrays) > 1 else bar
        out.append(Contribution(f"{{np}}.reshape({piece}, {{np}}.shape({x}))"))
        start = stop
    return tuple(out)


def vstack(c: Context):
    # np.vstack joins rows: a vector (or a number) is one row, a matrix its len() rows.
    return _pieces_at(c.bar, c.operands, "len({np}.atleast_2d({x}))", "{g}[{s}]")


def hstack(c: Context):
    # np.hstack joins vectors (and numbers) end to end but matrices along axis 1: which one
    # depends on the arrays' ranks at run time, so a helper cuts the gradient.
    pieces = f"{{hstack_pieces}}({c.bar}, [{', '.join(c.operands)}])"
    return tuple(Contribution(f"{pieces}[{i}]") for i in range(len(c.operands)))


def column_stack(c: Context):
    # np.column_stack makes each vector (or number) a column and joins along axis 1.
    width = "(1 if {np}.ndim({x}) < 2 else {np}.shape({x})[1])"
    return _pieces_at(c.bar, c.operands, width, "{g}[:, {s}]")
