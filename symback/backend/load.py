"""Loading generated text: compile it, register it with linecache, return its functions."""

from __future__ import annotations

import hashlib
import linecache


def load(text: str, label: str) -> dict:
    """Execute module `text` in a fresh namespace; tracebacks show its lines."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    filename = f"<symback {label} {digest}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    namespace: dict = {"__name__": f"symback_generated_{digest}"}
    exec(compile(text, filename, "exec"), namespace)
    return namespace
