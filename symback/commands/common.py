"""What the subcommands share: exit statuses, their parser's form, --wrt, user files."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys

# One exit status scheme for every subcommand, documented once (EXIT_STATUS_HELP).
EXIT_OK = 0
EXIT_FINDING = 1  # what the command looks for was found: a stale module, a wrong gradient
EXIT_USAGE = 2  # argparse's own code: the command line, or a file or function it names
EXIT_UNSUPPORTED = 3  # symback cannot do it for this function or file (the message says why)
EXIT_INCONCLUSIVE = 4  # check: symback's gradient and the numerical one disagree
# A bug in symback, never a finding about the user's code: no subcommand gives this code
# for anything else (sysexits.h's EX_SOFTWARE), so CI can tell a crash from a stale file.
EXIT_INTERNAL = 70

EXIT_STATUS_HELP = f"""\
exit status (the same for every command):
  {EXIT_OK}   done: the modules are written or up to date, the gradient is correct, the
      call is explained
  {EXIT_FINDING}   a finding: gen --check, a gradient module is stale or missing; check, the
      gradient is wrong
  {EXIT_USAGE}   usage: bad arguments or --at values, a file or function that does not exist,
      nothing to generate, an output file symback did not write (see --force)
  {EXIT_UNSUPPORTED}   symback cannot do it: the function cannot be differentiated, checked or
      explained (the message shows file, line and column), the file fails to import
      or a file cannot be written, Graphviz is missing for --render
  {EXIT_INCONCLUSIVE}   inconclusive: check, symback's gradient and the numerical one disagree
  {EXIT_INTERNAL}  internal error: a bug in symback (please report it), never a finding
"""


class UsageError(Exception):
    """A command line that does not say what to do: exit status EXIT_USAGE."""


def add_command(
    subparsers, name: str, run, *, help: str, description: str, epilog: str
) -> argparse.ArgumentParser:
    """The subcommand `name`'s parser: its help, description and examples as written (their
    line breaks kept), running `run(args) -> exit status`."""
    parser = subparsers.add_parser(
        name,
        help=help,
        description=description,
        epilog=f"{epilog}\n{EXIT_STATUS_HELP}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(run=run)
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument(
        "-q", "--quiet", action="store_true", help="print only errors and findings"
    )
    loudness.add_argument(
        "-v", "--verbose", action="store_true", help="say more about what is done, on stderr"
    )
    parser.add_argument(
        "--json", action="store_true", help="print the result on stdout as one JSON object"
    )
    return parser


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
