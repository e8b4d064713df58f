"""Formatting generated text with black, once per distinct text, and checking that it is stable."""

from __future__ import annotations

import ast
import hashlib
from functools import lru_cache

from ..collector import paused_gc
from ..errors import SymbackInternalError


@lru_cache(maxsize=256)
def _format_by_hash(digest: str, text: str, settings: tuple = ()) -> str:
    import black  # imported here: black costs ~0.2 s to import and is needed only for text

    mode = _mode(black, dict(settings))
    with paused_gc():
        once = black.format_str(text, mode=mode)
        twice = black.format_str(once, mode=mode)
    if once != twice:
        raise SymbackInternalError("black formatting of generated code is not stable")
    if ast.dump(ast.parse(once)) != ast.dump(ast.parse(text)):
        raise SymbackInternalError("black changed the meaning of generated code")
    return once


def black_format(text: str, settings: tuple = ()) -> str:
    """`text` as black formats it (checked: parses the same, formatting twice changes nothing).

    `settings`: (name, value) pairs of black.Mode's options, as project.black_settings reads
    them from a project's [tool.black]; black's defaults without them."""
    return _format_by_hash(hashlib.sha256(text.encode()).hexdigest(), text, settings)


def _mode(black, settings: dict):
    """black.Mode for `settings` (target versions by their names, "py310")."""
    if "target_versions" in settings:
        known = {v.name.lower(): v for v in black.TargetVersion}
        unknown = [name for name in settings["target_versions"] if name not in known]
        if unknown:
            from .project import ProjectConfigError

            raise ProjectConfigError(
                f"[tool.black] target-version {unknown[0]!r} is not one this black knows",
                hint=f"black {black.__version__} knows {', '.join(sorted(known))}",
            )
        settings = dict(settings, target_versions={known[n] for n in settings["target_versions"]})
    return black.Mode(**settings)
