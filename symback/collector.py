"""Python's cyclic garbage collector, paused while symback builds a gradient.

Generating allocates millions of short-lived objects (SymPy expressions, trees): collection
passes during it cost 15-50% of its time. When it ends, what it made that is still alive (the
gradient's trees, the caches) would all be young, and the first collection after would
traverse every one of them: a second at 10,000 statements. They go to the oldest generation
instead (gc.freeze, then gc.unfreeze), which is where they would end after surviving two
collections, without the traversals. Whatever garbage went with them is found by the next
full collection; so that it is never far off, symback starts one itself once it has moved as
many objects as survived its last one (two million at first), as CPython's own rule spaces
full collections by the growth of the long-lived objects.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0  # generations running (threads may generate at once: the first pauses, the last resumes)
_was_enabled = False
_moved = 0  # young objects moved to the oldest generation since symback's last full collection
_limit = 2_000_000  # past this many, a full collection (then: at least as many as survived it)


@contextmanager
def paused_gc():
    """Pause the collector for the block (and on exit, if it was running, resume it)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                _to_oldest_generation()
                gc.enable()


def _to_oldest_generation() -> None:
    global _moved, _limit
    if gc.get_freeze_count():  # the program froze objects of its own (before a fork): leave them
        return
    _moved += gc.get_count()[0]  # (the objects made since the last collection, about)
    gc.freeze()
    gc.unfreeze()
    if _moved > _limit:
        gc.collect()
        _moved = 0
        _limit = max(_limit, len(gc.get_objects()))
