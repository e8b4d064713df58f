"""examples/dask_logreg.py on a small LocalCluster of threads: the first step's gradient is the
closed form of the logistic loss's, and the loss goes down."""

import numpy as np
import pytest

from tests.test_examples import load_example

pytest.importorskip("dask.distributed")
pytest.importorskip("array_api_compat")


def test_dask_logistic_regression_takes_closed_form_steps():
    import dask.array as da

    module = load_example("dask_logreg")
    result = module.main(
        gigabytes=0.0008, memory_limit="100MB", steps=3, rate=0.5, processes=False, verbose=False
    )
    losses = result["losses"]
    assert losses[0] == pytest.approx(np.log(2), rel=1e-12)  # w = 0: every p is 1/2
    assert losses[2] < losses[1] < losses[0]
    # the same data, made again on this machine (the data set is seeded)
    rows = result["rows"]
    X, y, _ = module.data(da, rows, 10, chunk_rows=rows)
    X, y = np.asarray(X), np.asarray(y)
    # first step from w = 0: w1 = -rate * X^T (1/2 - y) / n
    w1 = -0.5 * X.T @ (0.5 - y) / rows
    p = 1 / (1 + np.exp(-(X @ w1)))
    w2 = w1 - 0.5 * X.T @ (p - y) / rows
    loss_w1 = np.mean(np.log1p(np.exp(X @ w1)) - y * (X @ w1))
    assert losses[1] == pytest.approx(loss_w1, rel=1e-10)
    p2 = 1 / (1 + np.exp(-(X @ w2)))
    w3 = w2 - 0.5 * X.T @ (p2 - y) / rows
    np.testing.assert_allclose(result["weights"], w3, rtol=1e-9)
