"""Formatting generated text with black, once per distinct text, and checking that it is stable."""

from __future__ import annotations

import ast
import hashlib
from functools import lru_cache

from ..collector import paused_gc
from ..errors import SymbackInternalError


@lru_cache(maxsize=256)
def _format_by_hash(digest: str, text: str) -> str:
    import black  # imported here: black costs ~0.2 s to import and is needed only for text

    mode = black.Mode()
    with paused_gc():
        once = black.format_str(text, mode=mode)
        twice = black.format_str(once, mode=mode)
    if once != twice:
        raise SymbackInternalError("black formatting of generated code is not stable")
    if ast.dump(ast.parse(once)) != ast.dump(ast.parse(text)):
        raise SymbackInternalError("black changed the meaning of generated code")
    return once


def black_format(text: str) -> str:
    """`text` as black formats it (checked: parses the same, formatting twice changes nothing)."""
    return _format_by_hash(hashlib.sha256(text.encode()).hexdigest(), text)
