"""What the subcommands share: their parser's form, error lines, --at and --wrt, user files."""

from __future__ import annotations

import argparse
import ast
import importlib.util
import os
import sys


class UsageError(Exception):
    """A command line that does not say what to do: the command's usage exit status."""


def add_command(
    subparsers, name: str, run, *, help: str, description: str, epilog: str
) -> argparse.ArgumentParser:
    """The subcommand `name`'s parser: its help, description and examples as written (their
    line breaks kept), running `run(args) -> exit status`."""
    parser = subparsers.add_parser(
        name,
        help=help,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(run=run)
    return parser


def fail(command: str, message: str, code: int) -> int:
    """Print `symback COMMAND: message` on stderr; return the exit status `code`."""
    print(f"symback {command}: {message}", file=sys.stderr)
    return code


def at_keywords(text: str) -> list[ast.keyword]:
    """--at's items, read as a call's keyword arguments: `"w=2, x=[1, 2]"` -> w=..., x=...
    SyntaxError if the text is not a call's arguments, ValueError if one is not name=value."""
    call = ast.parse(f"f({text})", mode="eval").body
    if call.args or any(k.arg is None for k in call.keywords):
        raise ValueError(text)
    return call.keywords


def wrt_items(parts: list[str], text: str):
    """--wrt's parameters, names or indices: a tuple where `text` has a comma, else one."""
    items = tuple(int(p) if p.lstrip("-").isdigit() else p for p in parts)
    return items if "," in text else items[0]


def run_file(path: str, module_name: str):
    """Import (run) the Python file at `path` as the module `module_name`, its folder first on
    sys.path for its own imports; None if it is not a file Python can import. What the file
    raises propagates, and the module is then forgotten."""
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look modules up by name
    directory = os.path.dirname(os.path.abspath(path))
    sys.path.insert(0, directory)
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    finally:
        sys.path.remove(directory)
    return module
