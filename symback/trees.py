"""Parameter trees at run time: a dict/list/tuple/NamedTuple argument's structure and leaves.

A structure is a hashable description, the same for every argument of that shape of nesting:
`LEAF`, or (kind, keys, children) with kind "dict" (keys: the dict's keys, in order),
"list", "tuple" (keys: the indices) or a NamedTuple class (keys: its field names). The
leaves are the non-container values, depth first, in that order; the generated gradient
takes one parameter per leaf and this module takes a tree apart and builds the gradient's
tree (`jax.grad`'s convention: the gradient has the argument's structure).
"""

from __future__ import annotations

from .frontend.tree_reads import LEAF  # (where the rewriting reads structures)

CONTAINERS = (dict, list, tuple)


def is_tree(value) -> bool:
    """Is this argument a container of values (a parameter tree), not one value?"""
    return isinstance(value, CONTAINERS)


def structure_of(value):
    """The structure of `value` (LEAF for anything that is not a dict, list or tuple)."""
    if isinstance(value, dict):
        keys = tuple(value)
        return ("dict", keys, tuple(structure_of(value[k]) for k in keys))
    if isinstance(value, tuple) and hasattr(type(value), "_fields"):  # a NamedTuple
        kind = type(value)
        return (kind, tuple(kind._fields), tuple(structure_of(v) for v in value))
    if isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
        return (kind, tuple(range(len(value))), tuple(structure_of(v) for v in value))
    return LEAF


def leaves(value, structure, out: list) -> bool:
    """Append `value`'s leaves to `out`; False if `value` is not of this structure."""
    if structure == LEAF:
        if isinstance(value, CONTAINERS):
            return False
        out.append(value)
        return True
    kind, keys, children = structure
    if kind == "dict":
        # (the same keys in the same order: the gradient's dict has the argument's order)
        if type(value) is not dict or tuple(value) != keys:
            return False
        items = value.values()
    else:
        expected = list if kind == "list" else tuple if kind == "tuple" else kind
        if type(value) is not expected or len(value) != len(keys):
            return False
        items = value
    return all(leaves(v, s, out) for v, s in zip(items, children))


def build(structure, values, start: int = 0):
    """(the tree of `structure` holding values[start:], the index after its last leaf)."""
    if structure == LEAF:
        return values[start], start + 1
    kind, keys, children = structure
    parts = []
    for child in children:
        part, start = build(child, values, start)
        parts.append(part)
    if kind == "dict":
        return dict(zip(keys, parts)), start
    if kind == "list":
        return parts, start
    if kind == "tuple":
        return tuple(parts), start
    return kind(*parts), start


def count(structure) -> int:
    """How many leaves a tree of this structure has."""
    return 1 if structure == LEAF else sum(count(c) for c in structure[2])


def describe(structure) -> str:
    """A short description for messages: "a dict with keys 'W1', 'b1'", "a list of 3"."""
    if structure == LEAF:
        return "a value"
    kind, keys, _ = structure
    if kind == "dict":
        return f"a dict with keys {', '.join(map(repr, keys)) or '(none)'}"
    if kind in ("list", "tuple"):
        return f"a {kind} of {len(keys)}"
    return f"a {kind.__name__} with fields {', '.join(keys)}"
