"""The `symback` command: one subcommand per module in symback.commands."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from .commands import config
from .commands.common import EXIT_INTERNAL, EXIT_STATUS_HELP, EXIT_USAGE, UsageError
from .commands.messages import Messages

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell shows for a command whose reader quit

# subcommand -> module in symback.commands defining add_parser(subparsers) and run(args) -> int
SUBCOMMANDS = config.SUBCOMMANDS

EPILOG = f"""\
Each command takes -q (only errors and findings), -v (more detail on stderr) and --json
(the result on stdout as JSON). Colour is used on terminals only, never with NO_COLOR set.
Defaults for any option can be set in the project's pyproject.toml, under [tool.symback]
(for every command) or [tool.symback.gen], [tool.symback.check], [tool.symback.explain].

{EXIT_STATUS_HELP}"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symback",
        description="Readable reverse-mode gradient code for Python/NumPy functions.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    commands = parser._subparsers._group_actions[0].choices  # noqa: SLF001 - argparse's own
    try:
        settings = config.defaults(commands, args.command)
    except UsageError as exc:
        return Messages(args.command).error(exc, EXIT_USAGE)
    if settings:  # parsed again, so that the command line overrides the project's settings
        commands[args.command].set_defaults(**settings)
        args = parser.parse_args(argv)
    try:
        return args.run(args)
    except BrokenPipeError:  # `symback ... | head`: the reader stopped; as a shell reports it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
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
