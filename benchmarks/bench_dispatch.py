"""Dispatch: what a call costs past the limit of specialisations, beside the general code.

A gradient called with more kinds of arguments (array sizes) than
`symback.gradient.MAX_SPECIALISED` must cost no more than the general code where no
specialisation fits (a miss: no chain of guards, no signature binding first), and run the
specialised code where one does (a hit). Timed in one run, side by side, on a small function
(where dispatch shows most) and a larger one, after the first calls made the specialisations:

- general: the general code alone (gradient.SPECIALISE = False), the missed sizes in turn;
- miss: specialising on, past the limit, the sizes that were not specialised, in turn;
- hit: specialising on, past the limit, the sizes that were, in turn;
- one size: a gradient only ever called with one size (the specialised code, for reference).

    python benchmarks/bench_dispatch.py
    python benchmarks/bench_dispatch.py --repeat 9

Prints a table and a PASS/FAIL line (a miss within 1.15x of the general code); exits 1 on FAIL.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time

import numpy as np

import symback
from symback import gradient


def small(x):
    return np.sum(x * x)


def larger(w, x):
    h = np.tanh(w * x + 1.0)
    return np.sum(h * h) + np.mean(np.exp(-x * x))


def _per_call(rows, repeat: int) -> list[float]:
    """For each (gradient, calls, specialising on): the median over `repeat` samples of the
    time per call, in microseconds. The rows' samples alternate, so that a busy machine slows
    each alike."""
    samples = [[] for _ in rows]
    for _ in range(repeat):
        for out, (g, calls, specialise) in zip(samples, rows):
            gradient.SPECIALISE = specialise
            gc.disable()
            start = time.perf_counter()
            for args in calls:
                g(*args)
            out.append((time.perf_counter() - start) / len(calls) * 1e6)
            gc.enable()
    return [statistics.median(out) for out in samples]


def _fresh(fn):
    """A gradient made anew (not the one an earlier row specialised)."""
    gradient._epoch = object()
    return symback.grad(fn)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=300, help="passes over the sizes")
    options = parser.parse_args()
    limit = gradient.MAX_SPECIALISED
    sizes = range(1, 2 * limit + 1)  # the first `limit` are specialised, the rest missed
    rng = np.random.default_rng(0)
    cases = {
        "small": (small, [(rng.normal(size=n),) for n in sizes]),
        "larger": (larger, [(rng.normal(size=n), rng.normal(size=n)) for n in sizes]),
    }
    ok = True
    header = ("general µs", "miss µs", "miss/general", "hit µs", "one size µs")
    print(f"{'function':10}" + "".join(f"{h:>14}" for h in header))
    for name, (fn, calls) in cases.items():
        hits, misses = calls[:limit] * options.rounds, calls[limit:] * options.rounds
        gradient.SPECIALISE = False
        plain = _fresh(fn)
        gradient.SPECIALISE = True
        g, alone = _fresh(fn), _fresh(fn)
        for args in calls:  # the first `limit` sizes get their code; the rest find none
            g(*args)
        alone(*calls[0])
        rows = [(plain, misses, False), (g, misses, True), (g, hits, True)]
        general, miss, hit, one = _per_call(
            rows + [(alone, hits[:1] * len(hits), True)], options.repeat
        )
        ok &= miss <= 1.15 * general  # (a busy machine varies by about a microsecond)
        row = (general, miss, miss / general, hit, one)
        print(f"{name:10}" + "".join(f"{v:14.2f}" for v in row))
    print("PASS" if ok else "FAIL", "a miss past the limit within 1.15x of the general code")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
