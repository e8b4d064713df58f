"""The one error family for problems with the user's code or call, each with a place and a hint."""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, Protocol, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Place:
    """Where in the user's file something is: 1-based line, 0-based column, and that line."""

    filename: str
    lineno: int
    col_offset: int
    line: str = ""
    end_col_offset: int | None = None


class SymbackError(Exception):
    """Base of every error about user input; shows file, line, column, the line and a caret."""

    def __init__(self, message: str, place: Place | None = None, hint: str | None = None):
        self.message = message
        self.place = place
        self.hint = hint
        self.filename = place.filename if place else None
        self.lineno = place.lineno if place else None
        self.col_offset = place.col_offset if place else None
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [self.message]
        if self.place is not None:
            p = self.place
            where = f"File {shown_path(p.filename)}, line {p.lineno}, column {p.col_offset + 1}"
            parts.append("  " + where)
            if p.line:
                text = p.line.rstrip("\n")
                stripped = text.lstrip()
                indent = len(text) - len(stripped)
                width = 1
                if p.end_col_offset is not None and p.end_col_offset > p.col_offset:
                    width = p.end_col_offset - p.col_offset
                width = max(1, min(width, len(text) - p.col_offset))
                parts.append("    " + stripped)
                parts.append("    " + " " * (p.col_offset - indent) + "^" * width)
        if self.hint:
            parts.append(f"hint: {self.hint}")
        return "\n".join(parts)


def shown_path(path: str) -> str:
    """A file name as messages and generated text show it: in quotes, as its repr where it
    holds a character that is not printable (a newline must not start a line of its own)."""
    return f'"{path}"' if path.isprintable() else repr(path)


class UnsupportedSyntaxError(SymbackError):
    """A Python construct symback does not differentiate (yet)."""


class UnknownFunctionError(SymbackError):
    """A call to something symback cannot see into or has no derivative rule for."""


class SourceUnavailableError(SymbackError):
    """The function has no Python source to read (a builtin, a C extension, exec'd code)."""


class WrtError(SymbackError):
    """`wrt` names no parameter, or a parameter that cannot be differentiated."""


class NonScalarOutputError(SymbackError, ValueError):
    """The differentiated function returned something that is not a scalar."""


class ComplexOutputError(SymbackError):
    """The differentiated function returned a complex number (a negative float to a
    fractional power, in Python's arithmetic)."""


class SingularMatrixError(SymbackError):
    """The gradient code needs the inverse of a matrix that is singular at this call."""


class NoGradientError(SymbackError):
    """The gradient does not exist at this call (repeated eigenvalues, a wide QR)."""


def user_facing(fn: Callable[P, R]) -> Callable[P, R]:
    """`fn` as a public entry point: a SymbackError it raises is about the user's code, which
    its message shows (file, line, caret, hint), so its traceback ends at the user's call,
    not ten frames deep in symback."""

    def entry(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except SymbackError as error:
            raise error.with_traceback(None) from None

    # the one frame of symback's the traceback shows reads "in grad", not "in entry"
    entry.__code__ = entry.__code__.replace(co_name=getattr(fn, "__name__", "entry"))
    return functools.wraps(fn)(entry)


class SymbackInternalError(Exception):
    """A bug in symback itself, never the user's fault; please report it."""


class Located(Protocol):
    """Where a parsed piece of source sits in its file (frontend.source.SourceInfo)."""

    filename: str
    line_shift: int
    col_shift: int

    def user_line(self, lineno: int) -> str: ...


def node_place(source: Located, node: ast.AST) -> Place:
    """The user-file place of an AST node parsed from `source`."""
    lineno = getattr(node, "lineno", 1)
    col = getattr(node, "col_offset", 0) + source.col_shift
    end_line = getattr(node, "end_lineno", lineno)
    end_col = getattr(node, "end_col_offset", None)
    if end_col is not None:
        end_col = end_col + source.col_shift if end_line == lineno else None
    user_lineno = lineno + source.line_shift
    return Place(source.filename, user_lineno, col, source.user_line(user_lineno), end_col)
