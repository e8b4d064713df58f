"""Run many programs in a worker process, each under a timeout, and cut failures down."""

from __future__ import annotations

import multiprocessing
import re
import resource
import signal
import time
from dataclasses import dataclass, field

from .check import Outcome, check

MEMORY = 3 * 2**30  # a worker that grows past this is stopped (the bug is then a crash)
# A program's timeout counts the worker's CPU seconds, so that a long run on a machine
# shared with other work does not report a slow-but-running program as a hang; a program
# that waits without computing is still stopped after this many times the timeout.
WALL_FACTOR = 10


def make(kind: str, seed: int, size: int, cut: tuple | None = None):
    """The program a job names: kind ("scalar", "arrays" or "loops"), seed, size, and a cut of
    it, ("truncated", k) or ("prefix", k) (see Program)."""
    if kind == "scalar":
        from .scalar import program
    elif kind == "loops":
        from .loops import program
    else:
        from .arrays import program
    made = program(seed, size)
    return made if cut is None else getattr(made, cut[0])(cut[1])


def _serve(conn, plain_too: bool) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    while True:
        job = conn.recv()
        if job is None:
            return
        job, cpu_seconds = job
        used = resource.getrusage(resource.RUSAGE_SELF)
        limit = int(used.ru_utime + used.ru_stime + cpu_seconds) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (limit, resource.RLIM_INFINITY))  # SIGXCPU
        start = time.perf_counter()
        try:
            program = make(*job)
        except Exception as error:  # the generator's own bug: say so, do not hide it
            conn.send((Outcome("crash", 0.0, f"generator: {error!r}"), 0.0, ""))
            continue
        made = time.perf_counter() - start
        conn.send((check(program, plain_too), made, program.source))


class Worker:
    """One process that checks programs; replaced when a program hangs it."""

    def __init__(self, plain_too: bool = True):
        self.context = multiprocessing.get_context("fork")
        self.process, self.plain_too = None, plain_too

    def run(self, job: tuple, timeout: float) -> tuple[Outcome, float, str]:
        if self.process is None or not self.process.is_alive():
            self.conn, child = self.context.Pipe()
            self.process = self.context.Process(
                target=_serve, args=(child, self.plain_too), daemon=True
            )
            self.process.start()
        self.conn.send((job, timeout))
        deadline = time.monotonic() + WALL_FACTOR * timeout
        while time.monotonic() < deadline:
            if self.conn.poll(min(1.0, max(0.0, deadline - time.monotonic()))):
                try:
                    return self.conn.recv()
                except EOFError:
                    break
            if not self.process.is_alive():
                break
        else:
            self.stop()
            return (
                Outcome("hang", timeout, f"no answer within {WALL_FACTOR * timeout:g} s"),
                0.0,
                "",
            )
        self.process.join(1)
        if self.process.exitcode == -signal.SIGXCPU:
            self.stop()
            return Outcome("hang", timeout, f"more than {timeout:g} s of CPU"), 0.0, ""
        self.stop()
        return Outcome("crash", 0.0, "the worker process died (memory limit?)"), 0.0, ""

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
    cut: tuple | None = None  # how the program shown was cut from the one drawn


@dataclass
class Report:
    counts: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)
    refusals: dict = field(default_factory=dict)  # first line of the message -> count
    refused_example: dict = field(default_factory=dict)  # ... -> the first program refused so
    timings: list = field(default_factory=list)  # (seconds to generate, kind, seed, size)
    slowest_made: list = field(default_factory=list)  # (seconds to draw the program, ...)


def refusal_kind(message: str) -> str:
    """A refusal's message without its names and line numbers, to count refusals by kind."""
    return re.sub(r"line \d+", "line N", re.sub(r"`[^`]*`", "`.`", message))


def minimise(
    worker: Worker,
    kind: str,
    seed: int,
    size: int,
    status: str,
    timeout: float,
    budget: float = 90.0,
) -> tuple[tuple | None, str]:
    """A small cut of the program that fails the same way, found within a time budget.

    The shortest failing truncation (every value still reaches the result, so failing is
    about monotonic in its length: bisect), then, if it fails too, only what its last
    statement needs.
    """
    deadline = time.monotonic() + budget
    seen: dict = {}

    def failing(cut: tuple) -> bool:
        if cut not in seen and time.monotonic() < deadline:
            outcome, _, source = worker.run((kind, seed, size, cut), timeout)
            seen[cut] = (outcome.status == status, source)
        return seen.get(cut, (False, ""))[0]

    lo, hi = 0, size - 1
    if not failing(("truncated", hi)):
        return None, ""
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if failing(("truncated", mid)) else (mid + 1, hi)
    best = ("prefix", hi) if failing(("prefix", hi)) else ("truncated", hi)
    return best, seen[best][1]


def run(jobs, timeout: float, log=print, cut: bool = True, plain_too: bool = True) -> Report:
    """Check every job, (kind, seed, size) or (kind, seed, size, cut); cut failures down."""
    report, worker = Report(), Worker(plain_too)
    try:
        for job in jobs:
            kind, seed, size, given_cut = (*job, None)[:4]
            outcome, made, source = worker.run((kind, seed, size, given_cut), timeout)
            report.counts[outcome.status] = report.counts.get(outcome.status, 0) + 1
            report.timings.append((outcome.seconds, kind, seed, size))
            report.slowest_made.append((made, kind, seed, size))
            if outcome.status == "refused":
                reason = refusal_kind(outcome.detail)
                report.refusals[reason] = report.refusals.get(reason, 0) + 1
                report.refused_example.setdefault(reason, f"{kind}:{seed}:{size}")
            if outcome.status in ("wrong", "crash", "hang"):
                failure = Failure(kind, seed, size, outcome, source)
                if cut and given_cut is None:
                    how, small = minimise(worker, kind, seed, size, outcome.status, timeout)
                    if how is not None:
                        failure.cut, failure.source = how, small
                report.failures.append(failure)
                log(f"{outcome.status}: {kind} seed {seed} size {size}")
            done = sum(report.counts.values())
            if done % 100 == 0:
                log(f"[{done}] " + ", ".join(f"{n} {s}" for s, n in sorted(report.counts.items())))
    finally:
        worker.close()
    return report
