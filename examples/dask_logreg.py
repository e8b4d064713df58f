"""Logistic regression on a Dask cluster, by gradient descent with symback's gradient.

The data set is made chunk by chunk on the workers (never whole in one place) and is larger
than any one worker's memory limit; symback.grad, called with Dask arrays, runs its array-API
code (backend/array_api.py), so each gradient is a lazy Dask graph the cluster computes chunk by
chunk. Run it as

    pip install "symback[dask]"
    python examples/dask_logreg.py                      # 3 GB of data, 2 workers of 1 GB
    python examples/dask_logreg.py --gigabytes 0.05 --memory-limit 200MB --steps 5

It prints the dashboard's address (watch the workers' memory there) and the loss per step.
"""

from __future__ import annotations

import argparse

import numpy as np

import symback


def loss(w, X, y):
    """The mean logistic loss of weights w on rows X with labels y in {0, 1}."""
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - y * z)


def data(da, rows: int, features: int, chunk_rows: int, seed: int = 0):
    """A chunked data set made on the workers: rows of standard normal features and labels
    drawn from a logistic model with known weights (returned too)."""
    truth = np.linspace(-1.0, 1.0, features)
    state = da.random.RandomState(seed)
    X = state.standard_normal((rows, features), chunks=(chunk_rows, features))
    p = 1 / (1 + da.exp(-(X @ truth)))
    y = (state.random_sample(rows, chunks=chunk_rows) < p) * 1.0
    return X, y, truth


def main(
    gigabytes: float = 3.0,
    workers: int = 2,
    memory_limit: str = "1GB",
    features: int = 10,
    steps: int = 10,
    rate: float = 1.0,
    processes: bool = True,
    verbose: bool = True,
) -> dict:
    import dask.array as da
    from dask.distributed import Client, LocalCluster
    from dask.utils import parse_bytes

    rows = int(gigabytes * 1e9 / 8 / features)
    # chunks of a 16th of a worker's memory (at most 64 MB): a task holds a chunk of X and
    # a few row vectors beside it, with room for the chunks queued next
    chunk_bytes = min(64e6, parse_bytes(memory_limit) / 16)
    chunk_rows = max(1, min(rows, int(chunk_bytes / 8 / features)))
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        # (threads in this process, for tests, share its memory: no limit for them)
        memory_limit=memory_limit if processes else 0,
        processes=processes,
        dashboard_address=":0",
    )
    client = Client(cluster)
    show = print if verbose else (lambda *a, **k: None)
    show(f"dashboard: {client.dashboard_link}")
    show(
        f"data: {rows} rows x {features} features = {rows * features * 8 / 1e9:.2f} GB, "
        f"in chunks of {chunk_rows} rows; {workers} workers of {memory_limit} each"
    )
    try:
        X, y, truth = data(da, rows, features, chunk_rows)
        value_and_grad = symback.value_and_grad(loss)
        w = np.zeros(features)
        losses = []
        for step in range(steps):
            # the graph of the value and gradient, computed together (one pass over the data)
            value, gradient = value_and_grad(da.from_array(w), X, y)
            value, gradient = da.compute(value, gradient)
            losses.append(float(value))
            show(f"step {step:3d}  loss {float(value):.6f}")
            w = w - rate * np.asarray(gradient)
        return {"losses": losses, "weights": w, "truth": truth, "rows": rows}
    finally:
        client.close()
        cluster.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gigabytes", type=float, default=3.0, help="size of X (default 3)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="1GB", help="per worker (default 1GB)")
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--rate", type=float, default=1.0, help="gradient descent step")
    args = parser.parse_args()
    main(args.gigabytes, args.workers, args.memory_limit, args.features, args.steps, args.rate)
