"""Module-level helper functions that generated gradients may call, emitted only when used.

Their code is real: the functions of helper_code.py, whose tree is read once here. A helper is
emitted as its text there with its own name, `np` and the helpers it calls renamed, at the
places its tree gives, to the names symback.naming chose for the module (so that none collides
with the user's names); its docstring and comments are kept, which printing the tree would lose.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass
from pathlib import Path

from .. import naming
from . import helper_arrays, helper_code, helper_series


@dataclass(frozen=True)
class Helper:
    """One helper function: its source in helper_code.py and the module names it reads."""

    source: str
    # (line within `source`, column, key) of each module name to rename: its own name, `np`
    # and the helpers it calls
    places: tuple[tuple[int, int, str], ...]
    needs: tuple[str, ...] = ()  # the helpers it calls

    def printed(self, names: dict[str, str]) -> str:
        """Its text, with each module name as the generated module spells it."""
        lines = self.source.splitlines(keepends=True)
        for row, column, key in sorted(self.places, reverse=True):  # (later columns first)
            line = lines[row]
            lines[row] = line[:column] + names[key] + line[column + len(key) :]
        return "".join(lines)


def _read_helpers(sources, imported=("np",)) -> dict[str, Helper]:
    """Every function of the helper modules' `sources` as a Helper, in the order they are
    written; `imported`: the modules they read (renamed as the generated module spells them)."""
    functions = [
        (fn, source.splitlines(keepends=True))
        for source in sources
        for fn in ast.parse(source).body
        if isinstance(fn, ast.FunctionDef)
    ]
    keys = {fn.name for fn, _ in functions}
    out = {}
    for fn, text in functions:
        first = fn.lineno - 1  # (the tree's lines count from 1)
        bound = {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
        bound |= {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and not _loaded(n)}
        outside = (keys | set(imported)) - bound
        places = [(0, len("def "), fn.name)]
        places += [
            (n.lineno - 1 - first, n.col_offset, n.id)
            for n in ast.walk(fn)
            if isinstance(n, ast.Name) and n.id in outside
        ]
        lines = text[first : fn.end_lineno]
        for row, column, key in places:  # the tree and the text agree, or this is a bug
            if lines[row][column : column + len(key)] != key:
                raise AssertionError(f"helper_code.py: {key!r} is not at {row}:{column}")
        needs = tuple(sorted({key for _, _, key in places[1:]} - {*imported, fn.name}))
        out[fn.name] = Helper("".join(lines), tuple(places), needs)
    return out


def _loaded(node: ast.Name) -> bool:
    return isinstance(node.ctx, ast.Load)


HELPERS: dict[str, Helper] = _read_helpers(
    [inspect.getsource(m) for m in (helper_code, helper_arrays, helper_series)]
)
# The array-API target's helpers (backend/array_api.py): some of HELPERS in the standard, and
# the shape readers and spellings NumPy functions need there. Read as text, not imported:
# plain NumPy output must not need array_api_compat installed.
XP_HELPERS: dict[str, Helper] = _read_helpers(
    [Path(__file__).with_name("helper_xp.py").read_text(encoding="utf-8")], ("array_api_compat",)
)


def with_dependencies(used, table=HELPERS) -> list[str]:
    """The helpers of `table` to emit for `used`, each after the ones it calls, in a stable
    order."""
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        for dep in table[name].needs:
            visit(dep)
        order.append(name)

    for name in sorted(used):
        visit(name)
    return order


def module_names(local_names) -> dict[str, str]:
    """The generated module's names for numpy, math, the builtins and these helpers
    (naming.module_names); the array-API target's own helpers after them."""
    return naming.module_names(local_names, {**HELPERS, **XP_HELPERS})
