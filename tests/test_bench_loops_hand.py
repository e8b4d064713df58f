"""The hand-written loop gradients bench_loop_rows.py times symback against are right: each
against central differences, element by element, at small sizes (a wrong baseline would make
every ratio meaningless)."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "benchmarks"))

import loop_problems as L  # noqa: E402

from tests.helpers import central_difference  # noqa: E402

CASES = [
    (L.rnn_loss, L.rnn_loss_grad, L.rnn_args(4, 5), (0, 1, 2)),
    (L.rnn_loss, L.rnn_loss_grad, L.rnn_args(3, 1), (0, 1, 2)),
    (L.lotka_volterra, L.lotka_volterra_grad, L.ode_args(30), (0,)),
    (L.lotka_volterra, L.lotka_volterra_grad_numpy_scalars, L.ode_args(7), (0,)),
    (L.horner, L.horner_grad, L.horner_args(7), (0, 1)),
    (L.horner, L.horner_grad, (-1.3, np.array([2.0])), (0, 1)),
    (L.horner, L.horner_grad_numpy_scalars, L.horner_args(5), (0, 1)),
    (L.rosen_loop, L.problems_rosenbrock_grad, L.rosen_args(6), (0,)),
    (L.rosen_loop, L.rosen_loop_grad_by_loop, L.rosen_args(6), (0,)),
    (L.laplacian_energy, L.laplacian_energy_grad, (np.arange(30.0).reshape(5, 6) ** 1.5,), (0,)),
    (L.laplacian_energy, L.laplacian_energy_grad, L.laplacian_args(5), (0,)),
    (L.laplacian_energy, L.laplacian_energy_grad_vectorised, L.laplacian_args(6), (0,)),
]


@pytest.mark.parametrize(
    "f, hand, args, wrt", CASES, ids=[f"{c[1].__name__}-{i}" for i, c in enumerate(CASES)]
)
def test_hand_written_gradient_matches_central_differences(f, hand, args, wrt):
    got = hand(*args)
    assert len(got) == len(wrt)
    for g, i in zip(got, wrt):
        want = central_difference(f, args, i)
        assert np.shape(g) == np.shape(args[i])
        np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-6 * max(1.0, np.max(np.abs(want))))


def test_the_rows_baselines_are_checked_too():
    # the rows the benchmark times use these same functions, at their sizes
    rows = L.make_rows()
    assert {r.hand for r in rows} >= {L.rnn_loss_grad, L.lotka_volterra_grad, L.horner_grad}
    assert {r.hand for r in rows} >= {L.problems_rosenbrock_grad, L.laplacian_energy_grad}
