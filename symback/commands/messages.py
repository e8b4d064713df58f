"""What a command says on stderr: one prefix style, colour on terminals only, a progress line."""

from __future__ import annotations

import os
import sys
import time

from ..errors import SymbackError

RED, YELLOW, GREEN, CYAN, BOLD, RESET = "31", "33", "32", "36", "1", "0"
CLEAR_LINE = "\r\033[K"
PROGRESS_AFTER = 1.0  # seconds of work before a progress line is worth showing


def colour_on(stream) -> bool:
    """Colour for a terminal, never when piped or when NO_COLOR is set (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


def paint(text: str, code: str, on: bool) -> str:
    return f"\033[{code}m{text}\033[{RESET}m" if on else text


def coloured_diff(diff: str, on: bool) -> str:
    """A unified diff with added lines green, removed red, hunk headers cyan (when `on`)."""
    if not on:
        return diff
    lines = []
    for line in diff.splitlines(keepends=True):
        body, end = line.rstrip("\n"), line[len(line.rstrip("\n")) :]
        if line.startswith(("+++", "---")):
            lines.append(paint(body, BOLD, on) + end)
        elif line.startswith("@@"):
            lines.append(paint(body, CYAN, on) + end)
        elif line.startswith("+"):
            lines.append(paint(body, GREEN, on) + end)
        elif line.startswith("-"):
            lines.append(paint(body, RED, on) + end)
        else:
            lines.append(line)
    return "".join(lines)


class Messages:
    """stderr for one command: errors and findings always, notes unless -q, details with -v,
    a progress line only on a terminal; every error line starts `symback COMMAND: error:`."""

    def __init__(self, command: str, quiet: bool = False, verbose: bool = False):
        self.command = command
        self.quiet = quiet
        self.verbose = verbose
        self.colour = colour_on(sys.stderr)
        self.live = not quiet and sys.stderr.isatty()
        self._shown = False

    def note(self, text: str) -> None:
        """Something done (`wrote model_grad.py`): not with -q."""
        if not self.quiet:
            self._print(text)

    def detail(self, text: str) -> None:
        """Something only -v asks for (a file skipped and why, timings)."""
        if self.verbose:
            self._print(text)

    def finding(self, label: str, text: str) -> None:
        """A finding (`stale: ...`): printed even with -q, its label in yellow."""
        self._print(f"{paint(label + ':', YELLOW + ';' + BOLD, self.colour)} {text}")

    def error(self, error, code: int) -> int:
        """`symback COMMAND: error: ...` (a SymbackError's file:line:col first); returns code."""
        where = ""
        if isinstance(error, SymbackError) and error.lineno is not None:
            name = error.filename if error.filename.isprintable() else repr(error.filename)
            where = f"{name}:{error.lineno}:{error.col_offset + 1}: "
        label = paint("error:", RED + ";" + BOLD, self.colour)
        self._print(f"symback {self.command}: {label} {where}{error}")
        return code

    def progress(self, text: str) -> None:
        """Overwrite the progress line (terminals only; cleared before anything else prints)."""
        if self.live:
            sys.stderr.write(CLEAR_LINE + text)
            sys.stderr.flush()
            self._shown = True

    def clear(self) -> None:
        """Remove the progress line, before stdout gets text (a diff) on the same terminal."""
        if self._shown:
            sys.stderr.write(CLEAR_LINE)
            sys.stderr.flush()
            self._shown = False

    def _print(self, text: str) -> None:
        self.clear()
        print(text, file=sys.stderr)


class Progress:
    """`generating loss from model.py: 1200/2000 statements` once work has taken a second."""

    def __init__(self, messages: Messages, what: str):
        self.messages = messages
        self.what = what
        self.start = time.monotonic()
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.start < PROGRESS_AFTER or now - self._last < 0.1:
            return
        self._last = now
        self.messages.progress(f"{self.what}: {done}/{total} statements")
