"""gen's inputs: files, directories and globs, less the files with nothing to generate."""

from __future__ import annotations

import glob
import os

from ..backend.files import GENERATED_MARK, HEADER_LINES
from ..codegen import UsageError, marked_functions
from ..errors import SymbackError
from ..frontend.static import read_module

# folders a directory's walk does not enter: caches, environments, builds, version control
SKIPPED_FOLDERS = {"__pycache__", "node_modules", "build", "dist", "site-packages"}


def python_files(arguments: list[str], chosen: bool) -> tuple[list[str], list[tuple[str, str]]]:
    """The files to generate from, in order, and (file, why) for each one skipped.

    A directory stands for the .py files under it, a glob for the files it matches. One file
    named by itself is always taken (its errors are the user's to see); of several, or of a
    directory's or glob's, symback's own modules are skipped, and so, unless functions are
    `chosen` by name or --all, are files with no function marked @symback.grad.
    """
    found: list[str] = []
    for argument in arguments:
        if os.path.isdir(argument):
            found += _walk(argument)
        elif os.path.isfile(argument):
            found.append(argument)
        elif glob.has_magic(argument):
            matches = sorted(glob.glob(argument, recursive=True))
            found += [m for m in matches if os.path.isfile(m) and m.endswith(".py")]
            if not matches:
                raise UsageError(f"{argument}: no file matches")
        else:
            raise UsageError(f"{argument}: no such file or directory")
    found = list(dict.fromkeys(os.path.normpath(path) for path in found))
    if len(found) == 1 and all(os.path.isfile(a) for a in arguments):
        return found, []
    taken, skipped = [], []
    for path in found:
        why = _nothing_to_do(path, chosen)
        if why is None:
            taken.append(path)
        else:
            skipped.append((path, why))
    return taken, skipped


def _walk(directory: str) -> list[str]:
    """The .py files under `directory`, sorted, outside hidden folders and SKIPPED_FOLDERS
    and virtual environments."""
    files = []
    for root, folders, names in os.walk(directory):
        folders[:] = sorted(
            name
            for name in folders
            if not name.startswith(".")
            and name not in SKIPPED_FOLDERS
            and not os.path.exists(os.path.join(root, name, "pyvenv.cfg"))
        )
        files += [os.path.join(root, name) for name in sorted(names) if name.endswith(".py")]
    return files


def _nothing_to_do(path: str, chosen: bool) -> str | None:
    """Why the file at `path` is skipped among several, or None to generate from it."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            head = [f.readline() for _ in range(HEADER_LINES)]
            rest = f.read()
    except OSError:
        return None  # generating reports why it cannot be read
    if any(line.startswith(GENERATED_MARK) for line in head):
        return "a module symback generated"
    if chosen:
        return None
    if "symback" not in "".join(head) + rest:
        return "no function marked @symback.grad"
    try:
        marked = marked_functions(read_module(path))
    except (SymbackError, SyntaxError, ValueError):
        return None  # generating shows the error, with its place
    return None if marked else "no function marked @symback.grad"
