"""The `symback` command: one subcommand per module in symback.commands."""

from __future__ import annotations

import argparse
import importlib
import sys

# subcommand -> module in symback.commands defining add_parser(subparsers) and run(args) -> int
SUBCOMMANDS = ("gen", "check", "explain")

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symback",
        description="Readable reverse-mode gradient code for Python/NumPy functions.",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"symback {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"symback.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"symback.commands.{name}":
                raise
            continue  # not built yet
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
