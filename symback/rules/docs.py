"""docs/supported.md, computed from the rules tables: `python -m symback.rules.docs`."""

from __future__ import annotations

from .arrays import PRIMITIVE_TABLE
from .elementwise import ELEMENTWISE_TABLE, NON_DIFFERENTIABLE


def supported_markdown() -> str:
    rows = [
        "# Supported functions",
        "",
        "Generated from symback's rules tables by `python -m symback.rules.docs`; "
        "do not edit by hand.",
        "",
        "## Elementwise, differentiable",
        "",
        "| functions | test domain per argument |",
        "| --- | --- |",
    ]
    for row in ELEMENTWISE_TABLE:
        names = ", ".join(f"`{n}`" for n in row.names)
        domain = ", ".join(f"[{lo:g}, {hi:g}]" for lo, hi in row.domain)
        rows.append(f"| {names} | {domain} |")
    rows += ["", "## Array primitives", "", "| functions | operation |", "| --- | --- |"]
    for prim in PRIMITIVE_TABLE:
        rows.append(f"| {', '.join(f'`{n}`' for n in prim.names)} | {prim.op} (whole array) |")
    rows += [
        "",
        "## Zero gradient (the gradient does not flow through them)",
        "",
        ", ".join(f"`{n}`" for n in sorted(NON_DIFFERENTIABLE)),
        "",
    ]
    return "\n".join(rows)


if __name__ == "__main__":
    print(supported_markdown(), end="")
