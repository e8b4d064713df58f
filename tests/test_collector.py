"""The collector pause around generation: the program's own setting is kept, nothing frozen
by the program is touched, and the garbage made while paused is collected, not kept."""

from __future__ import annotations

import gc
import threading
import weakref

import numpy as np

import symback
from symback import collector


class _Cycle:
    def __init__(self):
        self.me = self


def _cycles_made_while_paused(n: int) -> list:
    refs = []
    with collector.paused_gc():
        for _ in range(n):
            refs.append(weakref.ref(_Cycle()))
    return refs


def test_the_programs_setting_is_kept():
    gc.disable()
    try:
        with collector.paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
    with collector.paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_garbage_made_while_paused_is_collected_past_the_limit(monkeypatch):
    monkeypatch.setattr(collector, "_limit", 5_000)
    monkeypatch.setattr(collector, "_moved", 0)
    first = _cycles_made_while_paused(1_000)
    assert any(r() is not None for r in first)  # (moved to the oldest generation, not yet found)
    for _ in range(10):
        _cycles_made_while_paused(1_000)
    assert all(r() is None for r in first)  # a full collection ran once 5,000 had moved


def test_objects_the_program_froze_stay_frozen():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        _cycles_made_while_paused(100)
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def _f1(x):
    return np.sum(np.sin(x) * x)


def _f2(x):
    return 2.0 * np.sum(np.sin(x) * x)


def _f3(x):
    return 3.0 * np.sum(np.sin(x) * x)


def _f4(x):
    return 4.0 * np.sum(np.sin(x) * x)


def test_threads_generating_at_once_leave_the_collector_running():
    errors = []

    def work(k, f):
        try:
            x = np.linspace(0.1, 1.0, 4)
            assert np.allclose(symback.grad(f)(x), k * (np.cos(x) * x + np.sin(x)))
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(e)

    functions = ((1.0, _f1), (2.0, _f2), (3.0, _f3), (4.0, _f4))
    threads = [threading.Thread(target=work, args=pair) for pair in functions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert gc.isenabled()
