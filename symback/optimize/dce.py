"""Dead-code removal: keep only the lines whose values reach what the function returns."""

from __future__ import annotations

import re

from .. import ir

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def prune(lines: list, live_out: set[str]) -> list:
    """The lines needed to compute `live_out`, in their original order.

    A line with an effect (putting back an element a write overwrote, a pop, a `break`) is
    always kept. A block is kept when anything it binds is needed, and pruned inside: a
    branch's lines by what is read after the `if`, a loop body's by what is read after the
    loop or anywhere in the loop (the next iteration reads what this one binds), so a
    backward loop recomputes only the forward values its adjoints read."""
    live = set(live_out)
    kept = []
    for line in reversed(lines):
        if isinstance(line, ir.Block):
            if not (line.targets & live or line.effect or "" in line.targets):
                continue
            line = _pruned(line, live)
        elif not (line.targets & live or line.effect or not line.target):
            continue
        kept.append(line)
        live |= reads(line)
    kept.reverse()
    return kept


def live_lines(program: ir.GradientProgram, returned: set[str]) -> tuple[list, list]:
    """The forward and backward lines needed to compute the gradients and `returned`."""
    returned = set(program.gradients) | returned
    backward = prune(list(program.backward), returned)
    needed = set().union(*(reads(line) for line in backward)) | returned
    return prune(list(program.forward), needed), backward


def reads(item) -> set[str]:
    """Every name a line or block may read: its recorded uses and every name in its text
    (a line's uses may leave out a name its text reads only for a shape)."""
    if isinstance(item, ir.Block):
        out = set(_NAME.findall(item.header))
        for inner in item.body + item.orelse:
            out |= reads(inner)
        return out
    return set(item.uses) | set(_NAME.findall(item.text))


def _pruned(block: ir.Block, live: set[str]) -> ir.Block:
    if block.is_branch:
        body, orelse = prune(list(block.body), live), prune(list(block.orelse), live)
    else:  # a loop: what any iteration reads, to a fixed point (a line dropped reads no more)
        body, orelse = list(block.body), list(block.orelse)
        inside = live | reads(block)
        while True:  # (`inside` only shrinks)
            pruned = prune(body, inside)
            now = live | reads(ir.Block(block.header, tuple(pruned)))
            if now == inside:
                break
            inside = now
        body = pruned
    return ir.Block(block.header, tuple(body), tuple(orelse), block.line)
