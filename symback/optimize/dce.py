"""Dead-code removal: keep only the lines whose values reach what the function returns."""

from __future__ import annotations

from .. import code


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
        if not (line.targets & live or line.effect):
            continue
        if isinstance(line, code.Block):
            line = _pruned(line, live)
        kept.append(line)
        live |= line.reads
    kept.reverse()
    return kept


def live_lines(program: code.GradientProgram, returned: set[str]) -> tuple[list, list]:
    """The forward and backward lines needed to compute the gradients and `returned`."""
    returned = set(program.gradients) | returned
    backward = prune(list(program.backward), returned)
    needed = set().union(*(line.reads for line in backward)) | returned
    return prune(list(program.forward), needed), backward


def _pruned(block: code.Block, live: set[str]) -> code.Block:
    if isinstance(block, code.If):
        return code.with_body(block, prune(list(block.body), live), prune(list(block.orelse), live))
    # a loop: what any iteration reads, to a fixed point grown from what is read after it
    # (names that only bind each other, `y_3 = y_2` and `y_2 = y_3`, stay out)
    body = list(block.body)
    inside = set(live)
    while True:  # (`inside` only grows)
        pruned = prune(body, inside)
        now = live | code.with_body(block, pruned).reads
        if now == inside:
            break
        inside = now
    return code.with_body(block, pruned)
