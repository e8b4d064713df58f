"""The loop rows timed by `bench_loop_rows.py`: forwards written with loops, and their gradients by hand.

Each forward is written the way people write it: a `for` over `range(X.shape[0])`, over an
array, over `range(steps)`, nested `for`s filling a buffer element by element. Beside each is a
careful hand-written gradient of the same loop (the reverse sweep done by hand: forward values
saved in preallocated arrays or lists, nothing recomputed, accumulations batched, scalar loops
on Python floats rather than NumPy scalars), except for
Rosenbrock, whose baseline is the vectorised gradient (`problems.rosenbrock_grad`), as the issue
asks. The hand-written gradients are checked against central differences element by element in
tests/test_bench_loops_hand.py, and against a central difference again before each timing.

Every gradient returns a tuple, one entry per `wrt` entry, as `symback.grad(f, wrt=(...))`.
Nothing here imports symback.
"""

from __future__ import annotations

import numpy as np
from problems import Problem, _rng, rnn_grad
from problems import rosenbrock_grad as problems_rosenbrock_grad

# -- the recurrence h = tanh(W h + x_t) ------------------------------------------------------


def rnn_loss(W, h0, X):
    h = h0
    for t in range(X.shape[0]):
        h = np.tanh(W @ h + X[t])
    return np.sum(h**2)


# rnn_grad (problems.py): backpropagation through time, states in one preallocated (T+1, H)
# array, the steps' pre-activation gradients stacked so that d/dW is one product D.T @ H.
rnn_loss_grad = rnn_grad


# -- explicit Euler on the Lotka-Volterra equations ------------------------------------------


def lotka_volterra(p, x0, y0, dt, steps):
    a, b, c, d = p
    x, y = x0, y0
    for _ in range(steps):
        dx = a * x - b * x * y
        dy = d * x * y - c * y
        x = x + dt * dx
        y = y + dt * dy
    return (x - 1.0) ** 2 + (y - 0.5) ** 2


def _lotka_volterra_sweep(a, b, c, d, x0, y0, dt, steps):
    """The states before each step saved in lists; the backward loop reverses the steps."""
    xs, ys = [0.0] * steps, [0.0] * steps
    x, y = x0, y0
    for t in range(steps):
        xs[t] = x
        ys[t] = y
        dx = a * x - b * x * y
        dy = d * x * y - c * y
        x = x + dt * dx
        y = y + dt * dy
    d_x, d_y = 2.0 * (x - 1.0), 2.0 * (y - 0.5)
    d_a = d_b = d_c = d_d = 0.0
    for t in range(steps - 1, -1, -1):
        x, y = xs[t], ys[t]
        e_x, e_y = dt * d_x, dt * d_y  # the adjoints of dx and dy
        xy = x * y
        d_a += e_x * x
        d_b -= e_x * xy
        d_c -= e_y * y
        d_d += e_y * xy
        d_x, d_y = (
            d_x + e_x * (a - b * y) + e_y * d * y,
            d_y - e_x * b * x + e_y * (d * x - c),
        )
    return (np.array([d_a, d_b, d_c, d_d]),)


def lotka_volterra_grad(p, x0, y0, dt, steps):
    """On Python floats, as a careful hand-writer does (p.tolist()): 3.5x faster than on the
    NumPy scalars the user's `a, b, c, d = p` gives, and the same bits."""
    return _lotka_volterra_sweep(*p.tolist(), x0, y0, dt, steps)


def lotka_volterra_grad_numpy_scalars(p, x0, y0, dt, steps):
    """The same on the NumPy scalars the forward computes with (shown beside it)."""
    return _lotka_volterra_sweep(*p, x0, y0, dt, steps)


# -- Horner's rule on floats ----------------------------------------------------------------


def horner(x, coeffs):
    y = 0.0
    for c in coeffs:
        y = y * x + c
    return y


def _horner_sweep(x, coeffs):
    """y_k = y_{k-1} x + c_k: d/dc_k is the adjoint of y_k, d/dx gathers it times y_{k-1}."""
    n = len(coeffs)
    before = [0.0] * n
    y = 0.0
    for k, c in enumerate(coeffs):
        before[k] = y
        y = y * x + c
    d_c = [0.0] * n
    d_y, d_x = 1.0, 0.0
    for k in range(n - 1, -1, -1):
        d_c[k] = d_y
        d_x += d_y * before[k]
        d_y *= x
    return d_x, np.array(d_c)


def horner_grad(x, coeffs):
    """On Python floats (coeffs.tolist()), as a careful hand-writer does: 2x faster."""
    return _horner_sweep(x, coeffs.tolist())


def horner_grad_numpy_scalars(x, coeffs):
    """The same on the NumPy scalars iterating the array gives (shown beside it)."""
    return _horner_sweep(x, coeffs)


# -- Rosenbrock as an index loop ------------------------------------------------------------


def rosen_loop(x):
    s = 0.0
    for i in range(len(x) - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
    return s


def rosen_loop_grad_by_loop(x):
    """The same sum's gradient as an index loop by hand (shown beside the vectorised one)."""
    g = np.zeros_like(x)
    for i in range(len(x) - 1):
        t = 200.0 * (x[i + 1] - x[i] ** 2)
        g[i + 1] += t
        g[i] += -2.0 * x[i] * t - 2.0 * (1 - x[i])
    return (g,)


# -- a 2-D Laplacian filled by element writes -----------------------------------------------


def laplacian_energy(u):
    n, m = u.shape
    L = np.zeros((n, m))
    for i in range(1, n - 1):
        for j in range(1, m - 1):
            L[i, j] = u[i - 1, j] + u[i + 1, j] + u[i, j - 1] + u[i, j + 1] - 4.0 * u[i, j]
    return 0.5 * np.sum(L**2)


def laplacian_energy_grad(u):
    """The same loops forward; backward, each interior L[i, j] sends itself to its stencil."""
    n, m = u.shape
    L = np.zeros((n, m))
    for i in range(1, n - 1):
        for j in range(1, m - 1):
            L[i, j] = u[i - 1, j] + u[i + 1, j] + u[i, j - 1] + u[i, j + 1] - 4.0 * u[i, j]
    d_u = np.zeros((n, m))
    for i in range(n - 2, 0, -1):
        for j in range(m - 2, 0, -1):
            e = L[i, j]  # d/dL of 0.5 * sum(L ** 2)
            d_u[i - 1, j] += e
            d_u[i + 1, j] += e
            d_u[i, j - 1] += e
            d_u[i, j + 1] += e
            d_u[i, j] -= 4.0 * e
    return (d_u,)


def laplacian_energy_grad_vectorised(u):
    """The same gradient with slices (shown beside the loop one): the stencil's transpose."""
    L = np.zeros_like(u)
    L[1:-1, 1:-1] = u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:] - 4.0 * u[1:-1, 1:-1]
    e = L[1:-1, 1:-1]
    d_u = np.zeros_like(u)
    d_u[:-2, 1:-1] += e
    d_u[2:, 1:-1] += e
    d_u[1:-1, :-2] += e
    d_u[1:-1, 2:] += e
    d_u[1:-1, 1:-1] -= 4.0 * e
    return (d_u,)


# -- the rows ----------------------------------------------------------------------------------


def rnn_args(H: int, T: int):
    rng = _rng(f"loop rnn {H} {T}")
    W = rng.standard_normal((H, H)) / np.sqrt(H)
    return W, rng.uniform(-1.0, 1.0, H), 0.5 * rng.standard_normal((T, H))


def ode_args(steps: int):
    return np.array([1.1, 0.4, 0.4, 0.1]), 2.0, 1.0, 0.01, steps


def horner_args(degree: int):
    return 0.9, _rng(f"loop horner {degree}").standard_normal(degree + 1)


def rosen_args(n: int):
    return (_rng(f"loop rosen {n}").uniform(-1.5, 1.5, n),)


def laplacian_args(n: int):
    return (_rng(f"loop laplacian {n}").standard_normal((n, n)),)


def make_rows(quick: bool = False) -> list[Problem]:
    """The issue's loop rows, each a Problem of problems.py (hand = the baseline, extra = shown)."""
    from scipy.optimize import rosen_der

    rows = [
        Problem("rnn loop", f"H={H} T={T}", rnn_loss, rnn_loss_grad, rnn_args(H, T), (0, 1, 2))
        for H, T in ((16, 20), (256, 20), (64, 200))
    ]
    rows += [
        Problem(
            "euler lotka-volterra",
            f"T={T}",
            lotka_volterra,
            lotka_volterra_grad,
            ode_args(T),
            (0,),
            largest=T > 100,
            extra={"hand, NumPy scalars": lotka_volterra_grad_numpy_scalars},
        )
        for T in (100, 1000)
    ]
    rows.append(
        Problem(
            "horner",
            "degree 50",
            horner,
            horner_grad,
            horner_args(50),
            (0, 1),
            extra={"hand, NumPy scalars": horner_grad_numpy_scalars},
        )
    )
    rows += [
        Problem(
            "rosen loop",
            f"n={n}",
            rosen_loop,
            problems_rosenbrock_grad,
            rosen_args(n),
            (0,),
            largest=n > 100,
            extra={
                "scipy.rosen_der": lambda x: (rosen_der(x),),
                "hand, index loop": rosen_loop_grad_by_loop,
            },
        )
        for n in (100, 1000)
    ]
    rows += [
        Problem(
            "laplacian writes",
            f"{n}x{n}",
            laplacian_energy,
            laplacian_energy_grad,
            laplacian_args(n),
            (0,),
            largest=n > 16,
            extra={"hand, vectorised": laplacian_energy_grad_vectorised},
        )
        for n in (16, 48)
    ]
    return [r for r in rows if not (quick and r.largest)]
