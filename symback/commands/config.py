"""[tool.symback] in the project's pyproject.toml: defaults for the command's options."""

from __future__ import annotations

import argparse

from ..backend import project
from .common import UsageError

SUBCOMMANDS = ("gen", "check", "explain")


def read_table(path: str, *keys: str) -> dict:
    """backend.project.read_table, its error a usage error."""
    try:
        return project.read_table(path, *keys)
    except project.ProjectConfigError as exc:
        raise UsageError(str(exc)) from None


def defaults(parsers: dict[str, argparse.ArgumentParser], command: str, start: str = ".") -> dict:
    """The defaults [tool.symback] and [tool.symback.COMMAND] give `command`'s options, by
    their argparse names, checked against the options of `parsers` (command -> its parser):
    a setting in [tool.symback] is for every command that has the option."""
    path = project.find_pyproject(start)
    if path is None:
        return {}
    table = read_table(path, "tool", "symback")
    specific = table.get(command, {})
    if not isinstance(specific, dict):
        raise UsageError(f"{path}: [tool.symback.{command}] must be a table")
    actions = {name: _options(parser) for name, parser in parsers.items()}
    out = {}
    for key, value in table.items():
        if key in parsers:
            continue
        dest = key.replace("-", "_")
        if not any(dest in options for options in actions.values()):
            raise UsageError(f"{path}: [tool.symback] {key}: no symback command has this option")
        if dest in actions[command]:
            out[dest] = _converted(value, actions[command][dest], f"{path}: {key}")
    for key, value in specific.items():
        action = actions[command].get(key.replace("-", "_"))
        if action is None:
            known = ", ".join(sorted(a.replace("_", "-") for a in actions[command]))
            raise UsageError(f"{path}: symback {command} has no option {key!r}; it has: {known}")
        out[action.dest] = _converted(value, action, f"{path}: {key}")
    return out


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {a.dest: a for a in parser._actions if a.dest not in ("help", "run", "version")}


def _converted(value, action: argparse.Action, where: str):
    """A TOML value as the option takes it: booleans for flags, lists for repeated options."""
    if action.nargs == 0:
        if not isinstance(value, bool):
            raise UsageError(f"{where} must be true or false, not {value!r}")
        return value
    if action.nargs in ("*", "+") or isinstance(action, argparse._AppendAction):
        items = value if isinstance(value, list) else [value]
        return [_one(item, action, where) for item in items]
    return _one(value, action, where)


def _one(value, action: argparse.Action, where: str):
    if isinstance(value, (dict, list)):
        raise UsageError(f"{where} takes one value, not {value!r}")
    if action.type is None:
        return str(value)
    try:
        return action.type(str(value))
    except (argparse.ArgumentTypeError, ValueError, TypeError) as exc:
        raise UsageError(f"{where}: {exc}") from None
