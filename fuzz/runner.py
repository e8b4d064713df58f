"""Run many programs in a worker process, each under a timeout, and cut failures down."""

from __future__ import annotations

import multiprocessing
import resource
import time
from dataclasses import dataclass, field

from .check import Outcome, check

MEMORY = 3 * 2**30  # a worker that grows past this is stopped (the bug is then a crash)


def make(kind: str, seed: int, size: int, prefix: int | None = None):
    """The program a job names: its kind ("scalar" or "arrays"), seed, size and prefix cut."""
    if kind == "scalar":
        from .scalar import program
    else:
        from .arrays import program
    made = program(seed, size)
    return made if prefix is None else made.prefix(prefix)


def _serve(conn) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    while True:
        job = conn.recv()
        if job is None:
            return
        start = time.perf_counter()
        try:
            program = make(*job)
        except Exception as error:  # the generator's own bug: say so, do not hide it
            conn.send((Outcome("crash", 0.0, f"generator: {error!r}"), 0.0, ""))
            continue
        made = time.perf_counter() - start
        conn.send((check(program), made, program.source))


class Worker:
    """One process that checks programs; replaced when a program hangs it."""

    def __init__(self):
        self.context = multiprocessing.get_context("fork")
        self.process = None

    def run(self, job: tuple, timeout: float) -> tuple[Outcome, float, str]:
        if self.process is None or not self.process.is_alive():
            self.conn, child = self.context.Pipe()
            self.process = self.context.Process(target=_serve, args=(child,), daemon=True)
            self.process.start()
        self.conn.send(job)
        if self.conn.poll(timeout):
            try:
                return self.conn.recv()
            except EOFError:
                pass
            self.stop()
            return Outcome("crash", timeout, "the worker process died (memory limit?)"), 0.0, ""
        self.stop()
        return Outcome("hang", timeout, f"no answer within {timeout:g} s"), 0.0, ""

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join()
            self.process = None

    def close(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.conn.send(None)
            self.process.join(5)
        self.stop()


@dataclass
class Failure:
    kind: str
    seed: int
    size: int
    outcome: Outcome
    source: str = ""  # the smallest failing program found
    prefix: int | None = None


@dataclass
class Report:
    counts: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)
    refusals: dict = field(default_factory=dict)  # first line of the message -> count
    timings: list = field(default_factory=list)  # (seconds to generate, kind, seed, size)
    slowest_made: list = field(default_factory=list)  # (seconds to draw the program, ...)


def minimise(
    worker: Worker,
    kind: str,
    seed: int,
    size: int,
    status: str,
    timeout: float,
    budget: float = 60.0,
) -> tuple[int | None, str]:
    """The smallest prefix cut of the program that fails the same way, within a time budget."""
    deadline = time.monotonic() + budget
    fails = {}

    def failing(k: int) -> bool:
        if k not in fails and time.monotonic() < deadline:
            outcome, _, source = worker.run((kind, seed, size, k), timeout)
            fails[k] = (outcome.status == status, source)
        return fails.get(k, (False, ""))[0]

    if size <= 40:
        found = next((k for k in range(size) if failing(k)), None)
    else:  # bisect, as if failing were monotonic in k (a guess: the cut is checked anyway)
        lo, hi = 0, size - 1
        if not failing(hi):
            return None, ""
        while lo < hi:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if failing(mid) else (mid + 1, hi)
        found = hi if failing(hi) else None
    return (found, fails[found][1]) if found is not None else (None, "")


def run(jobs, timeout: float, log=print, cut: bool = True) -> Report:
    """Check every (kind, seed, size) job; failures are cut down when `cut`."""
    report, worker = Report(), Worker()
    try:
        for kind, seed, size in jobs:
            outcome, made, source = worker.run((kind, seed, size, None), timeout)
            report.counts[outcome.status] = report.counts.get(outcome.status, 0) + 1
            report.timings.append((outcome.seconds, kind, seed, size))
            report.slowest_made.append((made, kind, seed, size))
            if outcome.status == "refused":
                report.refusals[outcome.detail] = report.refusals.get(outcome.detail, 0) + 1
            if outcome.status in ("wrong", "crash", "hang"):
                failure = Failure(kind, seed, size, outcome, source)
                if cut:
                    k, small = minimise(worker, kind, seed, size, outcome.status, timeout)
                    if k is not None:
                        failure.prefix, failure.source = k, small
                report.failures.append(failure)
                log(f"{outcome.status}: {kind} seed {seed} size {size}")
    finally:
        worker.close()
    return report
