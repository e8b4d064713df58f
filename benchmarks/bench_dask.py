"""Dask: gradient throughput (GB of data per second) on a LocalCluster, beside NumPy in memory.

The logistic-regression and MLP losses, summed over a data set X of the given size, are
differentiated by symback.grad (with Dask arrays it runs the array-API code); each row times
the gradient's computation once the graph is built (the first call, which generates the code,
is not timed):

- numpy: the same data in memory, the NumPy gradient (specialised code);
- dask N workers: the data made chunk by chunk on a LocalCluster of N worker processes (one
  thread each, --memory-limit each), the gradient computed there.

    python benchmarks/bench_dask.py                       # 0.2 GB, 1 and 2 workers
    python benchmarks/bench_dask.py --gigabytes 3 --memory-limit 1GB   # larger than a worker

On a machine of 2 cores, 2 workers cannot beat NumPy in memory: Dask's worth is the data set
larger than memory (the last rows), not speed on one machine. Prints a table; no PASS/FAIL.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import symback


def logistic(w, X, y):
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - y * z)


def mlp(W1, b1, w2, X, y):
    h = np.tanh(X @ W1 + b1)
    return np.mean((h @ w2 - y) ** 2)


HIDDEN = 16


def _parameters(features: int):
    rng = np.random.default_rng(0)
    return {
        "logistic": (logistic, "w", (rng.standard_normal(features) * 0.1,)),
        "mlp": (
            mlp,
            ("W1", "b1", "w2"),
            (
                rng.standard_normal((features, HIDDEN)) * 0.1,
                np.zeros(HIDDEN),
                rng.standard_normal(HIDDEN) * 0.1,
            ),
        ),
    }


def _best(run, args, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def numpy_row(rows: int, features: int, repeat: int) -> dict[str, float]:
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((rows, features)), (rng.random(rows) < 0.5) * 1.0
    out = {}
    for name, (f, wrt, params) in _parameters(features).items():
        g = symback.grad(f, wrt=wrt)
        g(*params, X, y)  # generation and specialisation, untimed
        out[name] = _best(g, (*params, X, y), repeat)
    return out


def dask_row(rows, features, workers, memory_limit, repeat) -> dict[str, float]:
    import dask
    import dask.array as da
    from dask.distributed import Client, LocalCluster
    from dask.utils import parse_bytes

    chunk_rows = max(1, int(min(64e6, parse_bytes(memory_limit) / 16) / 8 / features))
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            memory_limit=memory_limit,
            dashboard_address=":0",
        ) as cluster,
        Client(cluster),
    ):
        state = da.random.RandomState(1)
        X = state.standard_normal((rows, features), chunks=(chunk_rows, features))
        y = (state.random_sample(rows, chunks=chunk_rows) < 0.5) * 1.0
        fits = rows * features * 8 < workers * parse_bytes(memory_limit) / 2
        if fits:  # kept on the workers
            X, y = dask.persist(X, y)
        out = {"kept": fits}
        for name, (f, wrt, params) in _parameters(features).items():
            g = symback.grad(f, wrt=wrt)
            lazy = [da.from_array(p) for p in params]
            g(*lazy, X, y)  # generation of the array-API code, untimed
            out[name] = _best(lambda *a, g=g: dask.compute(g(*a)), (*lazy, X, y), repeat)
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gigabytes", type=float, default=0.2, help="size of X (default 0.2)")
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--memory-limit", default="2GB", help="per worker (default 2GB)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-numpy", action="store_true", help="skip NumPy (data too large)")
    args = parser.parse_args()
    rows = int(args.gigabytes * 1e9 / 8 / args.features)
    gigabytes = rows * args.features * 8 / 1e9
    print(f"X: {rows} x {args.features} float64 = {gigabytes:.2f} GB; best of {args.repeat}")
    print(f"{'':24s} {'logistic GB/s':>14s} {'mlp GB/s':>10s}")
    results = {}
    if not args.no_numpy:
        results["numpy (in memory)"] = numpy_row(rows, args.features, args.repeat)
    for n in args.workers:
        label = f"dask {n} worker{'s' if n > 1 else ''} ({args.memory_limit})"
        results[label] = dask_row(rows, args.features, n, args.memory_limit, args.repeat)
    for label, times in results.items():
        remade = "  (data remade each time)" if times.get("kept") is False else ""
        rates = f"{gigabytes / times['logistic']:14.2f} {gigabytes / times['mlp']:10.2f}"
        print(f"{label:24s} {rates}{remade}")


if __name__ == "__main__":
    main()
