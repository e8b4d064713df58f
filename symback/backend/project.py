"""The target project's pyproject.toml: where it is, its tables, its black configuration."""

from __future__ import annotations

import os
import sys

from ..errors import SymbackError

if sys.version_info >= (3, 11):
    import tomllib
else:  # black depends on tomli where tomllib is missing
    import tomli as tomllib


class ProjectConfigError(SymbackError):
    """A pyproject.toml that cannot be read, or a setting in it that makes no sense."""


def find_pyproject(start) -> str | None:
    """The nearest pyproject.toml from the folder `start` (or a file's folder) up, stopping at
    a repository's root (a folder holding .git), as black looks for its configuration."""
    directory = os.path.abspath(os.fspath(start))
    if not os.path.isdir(directory):
        directory = os.path.dirname(directory)
    while True:
        candidate = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory or os.path.exists(os.path.join(directory, ".git")):
            return None
        directory = parent


def read_table(path: str, *keys: str) -> dict:
    """The table at `keys` (e.g. "tool", "black") of the TOML file at `path`, or {}."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProjectConfigError(f"cannot read {path}: {exc}") from None
    for key in keys:
        data = data.get(key, {})
        if not isinstance(data, dict):
            raise ProjectConfigError(f"{path}: [{'.'.join(keys)}] must be a table")
    return data


def black_settings(source) -> tuple:
    """The black options of the project holding the file `source`, as a hashable tuple of
    (name, value) pairs black.Mode takes: line length, target versions, string
    normalisation, magic trailing commas, preview. () where the project configures none."""
    path = find_pyproject(source)
    if path is None:
        return ()
    table = read_table(path, "tool", "black")
    settings = []
    length = table.get("line-length", table.get("line_length"))
    if length is not None:
        if not isinstance(length, int) or isinstance(length, bool) or length < 1:
            raise ProjectConfigError(f"{path}: [tool.black] line-length must be a positive integer")
        settings.append(("line_length", length))
    targets = table.get("target-version", table.get("target_version"))
    if targets is not None:
        if isinstance(targets, str):
            targets = [targets]
        if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            raise ProjectConfigError(f"{path}: [tool.black] target-version must be a list")
        settings.append(("target_versions", tuple(sorted(t.lower() for t in targets))))
    for key, option in (
        ("skip-string-normalization", "string_normalization"),
        ("skip-magic-trailing-comma", "magic_trailing_comma"),
    ):
        value = table.get(key, table.get(key.replace("-", "_")))
        if value is not None:
            settings.append((option, not bool(value)))
    if table.get("preview"):
        settings.append(("preview", True))
    return tuple(settings)
