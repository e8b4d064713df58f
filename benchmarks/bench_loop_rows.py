"""Loops written as people write them: symback's gradient against a hand-written one, side by side.

The rows of the issue "Loops as fast as hand-written backpropagation" (forwards and
hand-written gradients in `loop_problems.py`):
- the recurrence `h = np.tanh(W @ h + X[t])` over `for t in range(X.shape[0])`, then
  `np.sum(h ** 2)`, with respect to W, h0 and X: H=16 T=20, H=256 T=20, H=64 T=200;
- explicit Euler on the Lotka-Volterra equations (parameters an array, unpacked into four
  scalars; the state two floats), T=100 and 1,000 steps, with respect to the parameters;
- Horner's rule, `for c in coeffs: y = y * x + c` on a float x, degree 50, with respect to x and
  the coefficients;
- Rosenbrock as an index loop, n=100 and 1,000, against the vectorised hand-written gradient
  (scipy's rosen_der and a hand-written index loop are shown beside it);
- a 2-D Laplacian filled by element writes `L[i, j] = ...` in two nested loops, then
  `0.5 * np.sum(L ** 2)`, 16x16 and 48x48 (a vectorised hand-written gradient shown beside it).

Requirements checked (PASS/FAIL lines): every loop row within 1.15x of the hand-written
gradient of the same loop, and the Rosenbrock loop within 2x of the vectorised gradient
(median over interleaved rounds of the ratio of the two samples taken side by side); the
peak memory of the gradient call (tracemalloc, after a warm-up call) within 1.2x of the
hand-written one on the T=200 recurrence and on the Rosenbrock loop at n=1e6; the specialised
gradient of the recurrence has as many lines at T=20 as at T=200.

The timing, the checks and the peers are bench_arrays.py's (`run_problem`): every gradient is
checked before it is timed, the hand-written one against a central difference along a random
direction, symback's and each peer's against the hand-written one (relative error at most
1e-8; a wrong symback gradient fails the run); then the forward, the hand-written gradient,
symback's and the extras are timed interleaved. Peers (autograd, jax, jax.jit, torch) are
timed when installed (`-` otherwise).

    python benchmarks/bench_loop_rows.py                    # every row, memory, line counts
    python benchmarks/bench_loop_rows.py --quick            # the smallest size of each row
    python benchmarks/bench_loop_rows.py --rows horner rnn  # rows whose name contains these
    python benchmarks/bench_loop_rows.py --no-memory        # skip the memory rows (n=1e6 is slow)
    python benchmarks/bench_loop_rows.py --show horner      # print symback's specialised code

Run it with `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE` as bench_arrays.py. This is a
benchmark, not a test: it prints a table and PASS/FAIL lines and exits 1 when a requirement
fails or a gradient is wrong.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import math
import os
import sys
import time
import tracemalloc
import warnings

# BLAS on one thread (set before NumPy loads: threadpoolctl, which bench_arrays uses for this,
# may not be installed); with two threads on a shared 2-core machine the hand-written
# recurrence at H=256 measured 13 ms a call instead of 0.4 ms. Set the variables to override.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_arrays as BA  # noqa: E402 - after the thread variables, before NumPy loads
import loop_problems as L  # noqa: E402
import problems as P  # noqa: E402

TARGET = 1.15  # a loop row / the hand-written gradient of the same loop, at most
ROSEN_TARGET = 2.0  # the Rosenbrock index loop / the vectorised hand-written gradient, at most
MEMORY_TARGET = 1.2  # peak memory of the gradient call / the hand-written one's, at most


def target(problem) -> float:
    return ROSEN_TARGET if problem.name == "rosen loop" else TARGET


def peak_memory(fn, args) -> int:
    """Bytes allocated at the peak of one call beyond what was allocated before it."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        fn(*args)
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def memory_rows(symback):
    """(label, hand peak, symback peak, forward peak) on the T=200 recurrence and Rosenbrock
    n=1e6; each function is called once before, so code generation is not counted."""
    rows = []
    for label, forward, hand, args, wrt in (
        ("rnn loop H=64 T=200", L.rnn_loss, L.rnn_loss_grad, L.rnn_args(64, 200), (0, 1, 2)),
        ("rosen loop n=1e6", L.rosen_loop, P.rosenbrock_grad, L.rosen_args(10**6), (0,)),
    ):
        g = symback.grad(forward, wrt=wrt)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            err = BA.rel_error(g(*args), hand(*args))
        peaks = [peak_memory(fn, args) for fn in (hand, g, forward)]
        rows.append((label, err, *peaks))
    return rows


def line_counts(symback, steps=(20, 200)) -> list[int]:
    """Lines of the recurrence's specialised gradient at H=64 for each T (the general one's
    where a call was not specialised)."""
    counts = []
    for T in steps:
        g = symback.grad(L.rnn_loss, wrt=(0, 1, 2))
        g(*L.rnn_args(64, T))
        counts.append(len((g.specialised_source or g.source).splitlines()))
    return counts


def fmt_bytes(n: float) -> str:
    return f"{n / 2**20:.2f} MiB" if n >= 2**20 else f"{n / 2**10:.1f} KiB"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="the smallest size of each row")
    ap.add_argument("--rows", nargs="+", help="only rows whose name contains one of these")
    ap.add_argument("--peers", nargs="*", choices=BA.PEERS, default=list(BA.PEERS))
    ap.add_argument("--no-peers", action="store_true", help="time symback and hand-written only")
    ap.add_argument("--no-memory", action="store_true", help="skip the memory rows")
    ap.add_argument("--budget", type=float, default=None, help="seconds per row (default 4)")
    ap.add_argument("--sample", type=float, default=0.01, help="seconds per timing sample")
    ap.add_argument("--min-rounds", type=int, default=9)
    ap.add_argument("--max-rounds", type=int, default=301)
    ap.add_argument("--show", metavar="ROW", help="print symback's specialised code for a row")
    ns = ap.parse_args(argv)
    ns.raw = False
    if ns.budget is None:
        ns.budget = 1.5 if ns.quick else 4.0
    wanted = set() if ns.no_peers else set(ns.peers)

    import symback

    rows = L.make_rows(quick=ns.quick or bool(ns.show))
    if ns.rows or ns.show:
        keys = ns.rows or [ns.show]
        rows = [r for r in rows if any(k in r.name for k in keys)]
    if importlib.util.find_spec("threadpoolctl"):
        BA.limit_threads(1)  # also torch's and XLA's threads, for the peers
    if ns.show:
        for r in rows:
            g = symback.grad(r.forward, wrt=r.wrt)
            g(*r.args)
            print(f"# ---- {r.name} {r.size} ----")
            print(g.specialised_source or g.source)
        return 0

    print("bench_loop_rows: loops written as people write them, against hand-written gradients")
    for line in BA.environment():
        print("  " + line)
    print(f"  symback {symback.__version__} ({os.path.dirname(symback.__file__)})")
    print(f"  budget {ns.budget:g} s per row, samples of ~{ns.sample * 1e3:g} ms")
    print()

    results, bad = [], []
    for r in rows:
        t0 = time.perf_counter()
        res = BA.run_problem(r, symback, ns, wanted)
        res["target"] = target(r)
        results.append(res)
        note = ", ".join(f"{k}: {v}" for k, v in res["skipped"].items())
        ratio = res["paired"].get("symback", math.nan)
        print(
            f"  {r.name:21s} {r.size:12s} {res['rounds']:4d} rounds, symback/hand {ratio:.2f}, "
            f"{time.perf_counter() - t0:.1f} s" + (f"  [{note}]" if note else ""),
            flush=True,
        )
        if "hand" in res["skipped"]:
            bad.append(f"{r.name} {r.size}: {res['skipped']['hand']}")
        if "symback" in res["skipped"]:
            bad.append(f"{r.name} {r.size}: symback {res['skipped']['symback']}")
    print()
    BA.print_table(results, wanted)
    extra = [(res, lab) for res in results for lab in res["paired"] if lab in res["extra"]]
    if extra:
        print()
        for res, lab in extra:
            m = res["median"]
            print(
                f"{res['name']} {res['size']}: {lab} {BA.fmt_time(m[lab])} = "
                f"{res['paired'][lab]:.2f}x hand; symback/({lab}) {m['symback'] / m[lab]:.2f}"
            )

    print()
    fails = 0
    for res in results:
        tag, pr = f"{res['name']} {res['size']}", res["paired"]
        if "symback" not in pr:
            print(
                f"FAIL  {tag}: symback's gradient was not timed ({res['skipped'].get('symback')})"
            )
            fails += 1
            continue
        ok = pr["symback"] <= res["target"]
        fails += not ok
        against = "vectorised hand-written" if res["target"] == ROSEN_TARGET else "hand-written"
        print(
            f"{'PASS' if ok else 'FAIL'}  {tag}: symback/{against} {pr['symback']:.2f} "
            f"(target <= {res['target']:g})"
        )

    if not ns.no_memory and not ns.rows:
        for label, err, hand, sym, fwd in memory_rows(symback):
            if not err <= BA.CHECK_RTOL:
                bad.append(f"{label}: symback's gradient differs from hand-written by {err:.1e}")
            ok = sym <= MEMORY_TARGET * hand
            fails += not ok
            print(
                f"{'PASS' if ok else 'FAIL'}  {label}: peak memory of the gradient call "
                f"{fmt_bytes(sym)} = {sym / hand:.2f}x the hand-written {fmt_bytes(hand)} "
                f"(target <= {MEMORY_TARGET:g}; forward {fmt_bytes(fwd)})"
            )
    if not ns.rows:
        counts = line_counts(symback)
        ok = len(set(counts)) == 1
        fails += not ok
        print(
            f"{'PASS' if ok else 'FAIL'}  rnn loop H=64: specialised gradient lines at T=20 and "
            f"T=200: {counts[0]} and {counts[1]} (must be equal)"
        )
    fd = max((res["fd"] for res in results), default=0.0)
    print(
        f"{'PASS' if not bad else 'FAIL'}  every gradient checked before timing "
        f"(hand-written vs central differences, worst {fd:.1e}; symback vs hand-written "
        f"<= {BA.CHECK_RTOL:g})"
    )
    for line in bad:
        print("      " + line)
    return 1 if (fails or bad) else 0


if __name__ == "__main__":
    sys.exit(main())
