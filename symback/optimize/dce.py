"""Dead-code removal: keep only the lines whose values reach what the function returns."""

from __future__ import annotations


def prune(lines: list, live_out: set[str]) -> list:
    """The lines needed to compute `live_out`, in their original order.

    A block (an `if`) is kept whole when anything it binds is needed; a line with an effect
    (putting back an element a write overwrote) is always kept."""
    live = set(live_out)
    kept = []
    for line in reversed(lines):
        if line.targets & live or line.effect:
            kept.append(line)
            live |= line.uses
    kept.reverse()
    return kept
