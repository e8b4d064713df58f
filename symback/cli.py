"""The `symback` command: one subcommand per module in symback.commands."""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback

# subcommand -> module in symback.commands defining add_parser(subparsers) and run(args) -> int
SUBCOMMANDS = ("gen", "check", "explain")

EXIT_USAGE = 2
# A bug in symback, never a finding about the user's code: no subcommand gives this code
# for anything else (sysexits.h's EX_SOFTWARE), so CI can tell a crash from a stale file.
EXIT_INTERNAL = 70


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symback",
        description="Readable reverse-mode gradient code for Python/NumPy functions.",
        epilog=f"exit status: each command's --help lists its own; {EXIT_INTERNAL} from any "
        "command is an internal error (a bug in symback: please report it with the message)",
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
    try:
        return args.run(args)
    except Exception:  # noqa: BLE001 - what no command expects is symback's own bug
        return _internal_error(args.command)


def _internal_error(command: str) -> int:
    """Report an exception no command handled: a bug in symback, with its traceback."""
    details = traceback.format_exc()
    print(details, file=sys.stderr, end="")
    summary = details.rstrip().splitlines()[-1]
    print(
        f"symback {command}: internal error (a bug in symback, not in your code; please "
        f"report it with the traceback above): {summary}",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
