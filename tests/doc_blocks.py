"""The code blocks of README.md and docs/*.md, and how each is checked against the program.

A block is checked according to its language, or to a marker on the line before its fence:

- ```console: each `$ command` runs (in a copy of the repository's examples/ and
  pyproject.toml, `symback` being this checkout's), and what it prints, stdout and stderr
  as a terminal interleaves them, must be the lines below it.
- ```python: runs, in order with the page's other Python blocks (one namespace a page, the
  copy of examples/ the current directory); what it prints is kept for the next block.
- `<!-- doc: output -->`: the block is what the Python block before it printed.
- `<!-- doc: excerpt -->`: the block's lines appear, in order and together, in what the
  block before printed (or, after `<!-- doc: excerpt of FILE -->`, in FILE once the page's
  blocks so far have run).
- `<!-- doc: not run: WHY -->`: not run, for the reason given (the list is printed).
Expected text may use `...` for "anything": a line of its own stands for any lines, within a
line for any characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^```(\w*)\s*$")
_MARKER = re.compile(r"^<!-- doc: (.*?) -->\s*$")


@dataclass(frozen=True)
class Block:
    page: str
    line: int  # of the opening fence, 1-based
    language: str
    marker: str  # "" where none
    text: str

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def blocks(page: str) -> list[Block]:
    """The fenced blocks of `page`, in order."""
    lines = (ROOT / page).read_text().splitlines()
    out, i = [], 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        marker = _MARKER.match(lines[i - 1]) if i else None
        text = "\n".join(lines[i + 1 : end]) + "\n"
        out.append(Block(page, i + 1, fence.group(1), marker.group(1) if marker else "", text))
        i = end + 1
    return out


def matches(expected: str, actual: str, whole: bool = True) -> bool:
    """Whether `actual` is `expected` (or, not `whole`, holds it), `...` being a wildcard."""
    parts = []
    for line in expected.rstrip("\n").split("\n"):
        if line.strip() == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            pieces = [re.escape(p) for p in line.rstrip().split("...")]
            parts.append("[^\n]*".join(pieces) + r"[ \t]*\n")
    pattern = "".join(parts)
    text = "\n".join(line.rstrip() for line in actual.rstrip("\n").split("\n")) + "\n"
    if whole:
        return re.fullmatch(pattern, text) is not None
    return re.search(r"(?:^|(?<=\n))" + pattern, text) is not None


def console_steps(text: str) -> list[tuple[str, str]]:
    """(command, what it prints) for each `$ command` of a console block."""
    steps: list[tuple[str, list[str]]] = []
    for line in text.rstrip("\n").split("\n"):
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
        else:
            raise ValueError(f"a console block must start with a `$ command`: {line!r}")
    return [(command, "\n".join(lines) + "\n" if lines else "") for command, lines in steps]
