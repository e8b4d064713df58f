"""Room on Python's stack for the user's deepest expression, and a clear error past it."""

from __future__ import annotations

import ast
import sys
from contextlib import contextmanager

from .errors import SymbackError

# The standard library's tree walks symback uses on the user's expressions (ast.unparse,
# ast.dump, copy.deepcopy, NodeTransformer) recurse, a few frames per level: a sum of
# 1,000 terms, a tree 1,000 deep, needs several thousand frames, more than Python's default.
FRAMES_PER_LEVEL = 8
MAX_DEPTH = 20_000  # deeper than this is refused up front (each level costs C stack too)
_HINT = "split it into several statements (partial sums, intermediate values)"


def deepest(fdef: ast.AST) -> tuple[int, ast.AST]:
    """The depth of `fdef`'s tree and the statement where it is reached, found by a loop
    (a recursive walk would fail on the very trees it measures)."""
    best, where = 0, fdef
    todo = [(fdef, 1, fdef)]
    while todo:
        node, depth, statement = todo.pop()
        if isinstance(node, ast.stmt):
            statement = node
        if depth > best:
            best, where = depth, statement
        todo.extend((child, depth + 1, statement) for child in ast.iter_child_nodes(node))
    return best, where


@contextmanager
def room(source, *fdefs: ast.AST):
    """Run the block with Python's recursion limit raised for the deepest of `fdefs`; a
    tree too deep even then is a SymbackError at its statement, not a RecursionError."""
    depth, where = max((deepest(f) for f in fdefs), key=lambda found: found[0])
    message = f"this statement's expression is nested {depth} levels deep, too deep for symback"
    if depth > MAX_DEPTH:
        raise SymbackError(message, source.place(where), _HINT)
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, old + FRAMES_PER_LEVEL * depth))
    try:
        yield
    except RecursionError:
        raise SymbackError(message, source.place(where), _HINT) from None
    finally:
        sys.setrecursionlimit(old)
