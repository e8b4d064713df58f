"""Dead-code removal: keep only the lines whose values reach what the function returns."""

from __future__ import annotations

from .. import ir


def prune(lines: list[ir.Line], live_out: set[str]) -> list[ir.Line]:
    """The lines needed to compute `live_out`, in their original order."""
    live = set(live_out)
    kept = []
    for line in reversed(lines):
        if line.target in live:
            kept.append(line)
            live |= line.uses
    kept.reverse()
    return kept
