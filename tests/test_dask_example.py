"""examples/dask_logreg.py on a small LocalCluster of threads: the first steps are the closed-form
gradient descent of the logistic loss, and the loss goes down. (Run in a process of its own:
a cluster leaves threads behind, and symback's first call is quiet only in a process of one
thread, specialise._quiet.)"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("dask.distributed")
pytest.importorskip("array_api_compat")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN = """
import json, sys
import numpy as np
import dask.array as da
from tests.test_examples import load_example

module = load_example("dask_logreg")
result = module.main(
    gigabytes=0.0008, memory_limit="100MB", steps=3, rate=0.5, processes=False, verbose=False
)
rows = result["rows"]
X, y, _ = module.data(da, rows, 10, chunk_rows=rows)  # the same seeded data, made again
print(json.dumps({
    "losses": result["losses"], "weights": list(result["weights"]), "rows": rows,
    "X": np.asarray(X).tolist(), "y": np.asarray(y).tolist(),
}))
"""


def test_dask_logistic_regression_takes_closed_form_steps():
    path = os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")])
    run = subprocess.run(
        [sys.executable, "-c", RUN],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": path},
        timeout=300,
    )
    result = json.loads(run.stdout.strip().splitlines()[-1])
    losses, rows = result["losses"], result["rows"]
    X, y = np.array(result["X"]), np.array(result["y"])
    assert losses[0] == pytest.approx(np.log(2), rel=1e-12)  # w = 0: every p is 1/2
    assert losses[2] < losses[1] < losses[0]
    # gradient descent from w = 0 with the logistic loss's gradient X^T (p - y) / n
    w = np.zeros(10)
    for loss in losses:
        z = X @ w
        assert loss == pytest.approx(np.mean(np.logaddexp(0.0, z) - y * z), rel=1e-10)
        w = w - 0.5 * X.T @ (1 / (1 + np.exp(-z)) - y) / rows
    np.testing.assert_allclose(result["weights"], w, rtol=1e-9)
