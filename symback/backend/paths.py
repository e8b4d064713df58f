"""A name bound in one branch of an `if` and read after it gets a placeholder in the other.

The backward pass of a branch runs under the same condition as the forward branch, so it
only reads names the forward branch bound. Python is content with that; symback, reading
the gradient code again for a second derivative, is not: it cannot tell that two `if`s test
one condition, and refuses a name that may be unbound on some path. A placeholder the code
never reads (`t2 = False` for a condition, `t2 = 0.0` for anything else) binds it on
every path; a list made in a branch (a loop's stack) is made before the `if` instead.
"""

from __future__ import annotations

import ast

from .. import code


def every_path(forward: list, backward: list, params: set[str], returned: set[str], boolean):
    """The forward and backward lines, each name they read bound on every path to it."""
    forward, backward = _lists_before_ifs(forward), _lists_before_ifs(backward)
    lines = bound_on_every_path(forward + backward, params, returned, boolean)
    return lines[: len(forward)], lines[len(forward) :]


def bound_on_every_path(lines: list, bound: set[str], live_out: set[str], boolean) -> list:
    """`lines` with placeholders where an `if` binds, in one branch only, a name that no
    earlier line (nor `bound`) binds and that a later line (or `live_out`) reads."""
    before: dict[int, frozenset] = {}  # what each block finds bound (a loop may run none)
    bound_now = set(bound)
    for i, item in enumerate(lines):
        if isinstance(item, code.Block):
            before[i] = frozenset(bound_now)
        bound_now |= _bound([item])
    live = set(live_out)
    out = []
    for i in reversed(range(len(lines))):
        item = lines[i]
        if isinstance(item, code.If):
            body = bound_on_every_path(item.body, before[i], live, boolean)
            orelse = bound_on_every_path(item.orelse, before[i], live, boolean)
            then_bound, else_bound = _bound(body), _bound(orelse)
            read_later = live - before[i]
            body += _placeholders((else_bound - then_bound) & read_later, boolean, item.line)
            orelse += _placeholders((then_bound - else_bound) & read_later, boolean, item.line)
            item = code.with_body(item, body, orelse)
        elif isinstance(item, code.Block):  # a loop: its body may run again after itself
            body = bound_on_every_path(item.body, before[i], live | item.reads, boolean)
            item = code.with_body(item, body)
        if isinstance(item, code.Line) and not item.statement:
            live -= item.targets
        live |= item.reads
        out.append(item)
    out.reverse()
    return out


def _lists_before_ifs(lines: list) -> list:
    """A list made empty inside an `if` (a loop's stack) is made before it instead: a list
    is followed only under one name, which a placeholder would turn into two."""
    out: list = []
    for item in lines:
        if isinstance(item, code.If):
            made: list = []
            body, orelse = _take_lists(item.body, made), _take_lists(item.orelse, made)
            out += made
            item = code.with_body(item, body, orelse)
        elif isinstance(item, code.Block):
            item = code.with_body(item, _lists_before_ifs(list(item.body)))
        out.append(item)
    return out


def _take_lists(items, made: list) -> list:
    """`items` without their `name = []` lines (into `made`), in nested ifs too."""
    out = []
    for item in _lists_before_ifs(list(items)):
        if (
            isinstance(item, code.Line)
            and not item.statement
            and isinstance(item.value, ast.List)
            and not item.value.elts
        ):
            made.append(item)
        else:
            out.append(item)
    return out


def _bound(items) -> set[str]:
    """The names the items bind on every path through them (a loop: none it binds first)."""
    out: set[str] = set()
    for item in items:
        if isinstance(item, code.Line):
            out |= item.targets
        elif isinstance(item, code.If):
            out |= _bound(item.body) & _bound(item.orelse)
    return out


def _placeholders(names, boolean, line) -> list[code.Line]:
    return [
        code.assign(name, ast.Constant(False if name in boolean else 0.0), line)
        for name in sorted(names)
    ]
