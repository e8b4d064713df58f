"""The path a call took, in words, and the middle of long loops left out of what is shown.

A loop of up to WHOLE_LOOP iterations is shown whole; a longer one shows its first and
last SHOWN_AT_EACH_END iterations and one line (one box in the picture) for the middle.
The numbers are those of every iteration either way: `Explanation.nodes` holds them all,
and `all_iterations=True` (`--all-iterations`) shows them all.
"""

from __future__ import annotations

import linecache
from collections import defaultdict
from dataclasses import dataclass

from .graph import Trace
from .unroll import Branch, LoopRun

WHOLE_LOOP = 8
SHOWN_AT_EACH_END = 3
LISTED = 6  # iterations named one by one in the path; more are summarised


@dataclass(frozen=True)
class Gap:
    """The middle iterations of one loop run, not shown."""

    run: LoopRun
    first: int  # 0-based, inclusive
    last: int
    nodes: int

    @property
    def key(self) -> str:
        return f"gap{self.run.number}"

    def text(self) -> str:
        count = self.last - self.first + 1
        where = f"iterations {self.run.tags[self.first]} to {self.run.tags[self.last]}"
        return (
            f"... {where} of `{self.run.header}` (line {self.run.line}): {count} iterations, "
            f"{self.nodes} nodes not shown ..."
        )


def gaps(trace: Trace, all_iterations: bool = False) -> dict[str, Gap]:
    """The node names left out, each with the gap that holds it."""
    if all_iterations:
        return {}
    runs = {run.number: run for run in trace.loops}
    hiding: dict[str, int] = {}
    for node in trace.nodes:
        for number, k in node.iteration:
            run = runs[number]
            if run.iterations > WHOLE_LOOP and (
                SHOWN_AT_EACH_END <= k < run.iterations - SHOWN_AT_EACH_END
            ):
                hiding[node.name] = number
                break
    size: dict[int, int] = defaultdict(int)
    for number in hiding.values():
        size[number] += 1
    made = {
        number: Gap(
            runs[number],
            SHOWN_AT_EACH_END,
            runs[number].iterations - SHOWN_AT_EACH_END - 1,
            count,
        )
        for number, count in size.items()
    }
    return {name: made[number] for name, number in hiding.items()}


def shown(nodes, hidden: dict[str, Gap]):
    """`nodes` in order, each gap once where its first node would be: (node or gap)."""
    done = set()
    for node in nodes:
        gap = hidden.get(node.name)
        if gap is None:
            yield node
        elif gap.key not in done:
            done.add(gap.key)
            yield gap


def path_lines(trace: Trace) -> list[tuple[int, str]]:
    """(line, what happened there) for each `if` and loop the call passed, by line."""
    runs = {run.number: run for run in trace.loops}
    rows = []
    by_line: dict[tuple[int, str], list[Branch]] = defaultdict(list)
    for branch in trace.branches:
        by_line[branch.line, branch.header].append(branch)
    for (line, header), branches in by_line.items():
        rows.append((line, _branch_text(header, branches, runs)))
    loops: dict[tuple[int, str], list[LoopRun]] = defaultdict(list)
    for run in trace.loops:
        loops[run.line, run.header].append(run)
    for (line, header), group in loops.items():
        rows.append((line, _loop_text(header, group, trace.filename)))
    return sorted(rows, key=lambda row: row[0])


def _branch_text(header: str, branches: list[Branch], runs) -> str:
    if len(branches) == 1 and not branches[0].iteration:
        return f"`{header}` was {branches[0].value}: {_ran(branches[0])}"
    outcomes: dict[tuple[bool, str], list[str]] = defaultdict(list)
    for b in branches:
        outcomes[b.value, b.taken].append(_tag(b.iteration, runs))
    parts = []
    for (value, _), tags in outcomes.items():
        taken = next(b for b in branches if b.value == value)
        parts.append(f"{value} {_times(tags)} ({_ran(taken)})")
    return f"`{header}` was " + ", ".join(parts)


def _ran(branch: Branch) -> str:
    if branch.taken == "next":
        return "on to the `elif`"
    if not branch.taken:
        return "its branch was skipped"
    return f"the {branch.taken} branch ran"


def _times(tags: list[str]) -> str:
    if len(tags) == 1:
        return f"at {tags[0]}" if tags[0] else "once"
    if len(tags) <= LISTED:
        return "at " + ", ".join(tags)
    return f"{len(tags)} times ({tags[0]}, ..., {tags[-1]})"


def _tag(iteration, runs) -> str:
    return ", ".join(runs[r].tags[k] for r, k in iteration)


def _loop_text(header: str, group: list[LoopRun], filename: str) -> str:
    if len(group) == 1:
        run = group[0]
        text = f"`{header}` ran {_iterations(run.iterations)}"
        if run.iterations:
            tags = list(run.tags)
            shown = tags if len(tags) <= LISTED else [tags[0], "...", tags[-1]]
            text += f" ({', '.join(shown)})"
        if run.break_line is not None:
            text += f", then {_exit(filename, run.break_line)} at line {run.break_line} left it"
        return text
    counts = sorted({run.iterations for run in group})
    each = (
        f"{_iterations(counts[0])} each"
        if len(counts) == 1
        else ", ".join(str(run.iterations) for run in group) + " iterations"
    )
    breaks = sum(run.break_line is not None for run in group)
    left = f"; left early {breaks} times" if breaks else ""
    return f"`{header}` ran {len(group)} times (inside another loop): {each}{left}"


def _exit(filename: str, line: int) -> str:
    """`break` or `return`: what the user wrote at `line`."""
    words = linecache.getline(filename, line).split()
    return f"`{words[0]}`" if words and words[0] in ("break", "return") else "an exit"


def _iterations(n: int) -> str:
    return f"{n} iteration" + ("" if n == 1 else "s")
