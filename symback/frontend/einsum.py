"""np.einsum's subscripts as symback reads them: written out ('ij,j->i'), with the output
implicit ('ij,jk'), or as index lists after each array (np.einsum(A, [0, 1], x, [1]))."""

from __future__ import annotations

import ast

from .state import Lowering


def valid_subscripts(subscripts: str) -> bool:
    """Are these einsum subscripts ASCII letters (one per axis), commas, at most one `...`
    per operand and one `->`? (What einsum itself accepts: anything else is refused here.)"""
    inputs, _, output = subscripts.replace(" ", "").partition("->")
    parts = inputs.split(",") + [output]
    return "->" not in output and all(
        p.count("...") <= 1 and set(p.replace("...", "")) <= _ASCII_LETTERS for p in parts
    )


_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_SUBLIST_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"  # (NumPy's order)


def with_output(subscripts: str) -> str:
    """Implicit einsum subscripts ('ij,jk') with their output made explicit: as NumPy
    does, `...` first if any, then the indices met once, in ASCII order ('ij,jk->ik')."""
    inputs = subscripts.replace(" ", "")
    letters = inputs.replace("...", "").replace(",", "")
    once = sorted(ch for ch in set(letters) if letters.count(ch) == 1)
    return inputs + "->" + ("..." if "..." in inputs else "") + "".join(once)


def sublists(st: Lowering, args: list, literal) -> tuple[str, list]:
    """np.einsum(A, [0, 1], x, [1]) (and a last list, the output) as subscripts
    ('ab,b') and the arguments as the string form takes them: the same contraction."""
    arrays, parts = args[0::2], args[1::2]
    output = None
    if len(args) % 2:  # an output list after the last pair
        arrays, output = arrays[:-1], args[-1]

    def letters(part):
        value = literal(st, part, "an einsum index list")
        if not isinstance(value, (list, tuple)) or not all(
            v is ... or isinstance(v, int) and 0 <= v < len(_SUBLIST_LETTERS) for v in value
        ):
            st.fail(part, "an einsum index list holds integers (0 to 51) and `...`", None)
        return "".join("..." if v is ... else _SUBLIST_LETTERS[v] for v in value)

    subscripts = ",".join(letters(p) for p in parts)
    if output is not None:
        subscripts += "->" + letters(output)
    return subscripts, [ast.Constant(subscripts), *arrays]
