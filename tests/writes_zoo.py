"""Element writes symback should differentiate: buffers filled by loops, writes outside loops.

Module-level functions (symback reads their source); tests/test_writes.py checks them:

- PAIRS: a version that writes into a buffer and a version without writes (vectorised, or a
  loop that carries the state instead), whose gradients must agree with each other and with
  numerical gradients;
- ZOO: every function with inputs and a wrt, checked against numerical gradients, for
  value_and_grad's value (bit for bit f's own) and for leaving the caller's arrays alone.

Refused writes (into a parameter, into an alias) are in tests/error_cases.py.
"""

import numpy as np

_rng = np.random.default_rng(20261122)

X7 = np.array([0.3, -0.8, 1.4, 0.9, -1.7, 0.2, 1.1])
Y7 = np.array([1.1, 0.4, -0.6, 2.0, 0.7, -1.3, 0.5])
MIXED = np.array([-2.3, -0.6, 0.4, 1.7, -1.4, 0.15, 2.6, -0.25])
W4 = 0.5 * _rng.standard_normal((4, 4))
H4 = _rng.standard_normal(4)
XS64 = _rng.standard_normal((6, 4))  # T = 6 inputs of size 4
Y03 = np.array([0.4, -0.9, 1.3])
M34 = _rng.standard_normal((3, 4))
DT = 0.1


# ---------------------------------------------------------------- the programs of the issue


def laplacian_loop(x):
    n = x.shape[0]
    out = np.zeros(n - 2)
    for i in range(1, n - 1):
        out[i - 1] = x[i - 1] - 2 * x[i] + x[i + 1]
    return np.sum(out**2)


def laplacian_vec(x):
    return np.sum((x[:-2] - 2 * x[1:-1] + x[2:]) ** 2)


def cumsum_by_hand(x):
    c = np.zeros_like(x)
    c[0] = x[0]
    for i in range(1, len(x)):
        c[i] = c[i - 1] + x[i]
    return np.sum(np.sin(c))


def cumsum_vec(x):
    return np.sum(np.sin(np.cumsum(x)))


def velocity(y, k):
    return -k * y + np.sin(y)


def euler_trajectory(y0, k):
    steps = 8
    traj = np.zeros((steps + 1, y0.shape[0]))
    traj[0] = y0
    for t in range(steps):
        traj[t + 1] = traj[t] + DT * velocity(traj[t], k)
    return np.sum(traj**2)


def euler_carried(y0, k):
    y = y0
    s = np.sum(y0**2)
    for _ in range(8):
        y = y + DT * velocity(y, k)
        s = s + np.sum(y**2)
    return s


def kernel_matrix_loops(x, w):
    n = len(x)
    A = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            A[i, j] = np.exp(-((x[i] - x[j]) ** 2))
    return w @ A @ w


def kernel_matrix_vec(x, w):
    A = np.exp(-((x[:, None] - x[None, :]) ** 2))
    return w @ A @ w


def hidden_states(W, h0, xs):
    T = xs.shape[0]
    H = np.zeros((T + 1, h0.shape[0]))
    H[0] = h0
    for t in range(1, T + 1):
        H[t] = np.tanh(W @ H[t - 1] + xs[t - 1])
    return np.sum(H[1:] ** 2)


def hidden_states_carried(W, h0, xs):
    h = h0
    s = 0.0
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + xs[t])
        s = s + np.sum(h**2)
    return s


# ---------------------------------------------------------------- more ways to write


def writes_outside_loops(x):
    y = np.zeros(3)
    y[0] = x[0] ** 2
    y[1] = x[1] * y[0]
    y[2] = np.sin(y[1])
    return np.sum(y * y) + x[2] * y[2]


def binned_sums(x):
    acc = np.zeros(3)
    for b in range(3):
        for k in range(b, len(x), 3):
            acc[b] += x[k] ** 2
    return acc[0] + 2.0 * acc[1] + 3.0 * acc[2] + acc[0] * acc[1]


def binned_sums_vec(x):
    acc0, acc1, acc2 = np.sum(x[0::3] ** 2), np.sum(x[1::3] ** 2), np.sum(x[2::3] ** 2)
    return acc0 + 2.0 * acc1 + 3.0 * acc2 + acc0 * acc1


def minus_and_times(x):
    y = np.ones(len(x))
    for i in range(len(x)):
        y[i] -= x[i]
        y[i] *= x[i] + 2.0
    return np.sum(y**3)


def minus_and_times_vec(x):
    return np.sum(((1.0 - x) * (x + 2.0)) ** 3)


def rows_and_columns(M, v):
    out = np.zeros((3, 4))
    for i in range(3):
        out[i, :] = M[i] * v[i]
    for j in range(4):
        out[:, j] += np.tanh(out[:, j])
    return np.sum(out**2)


def rows_and_columns_vec(M, v):
    scaled = M * v[:, None]
    return np.sum((scaled + np.tanh(scaled)) ** 2)


def slice_writes(x):
    y = np.zeros(len(x) + 2)
    y[1:-1] = x
    y[0] = x[-1]
    y[-1] = x[0]
    return np.sum(y[1:] * y[:-1])


def slice_writes_vec(x):
    y = np.concatenate([x[-1:], x, x[:1]])
    return np.sum(y[1:] * y[:-1])


def write_then_read_same_iteration(x):
    y = np.zeros_like(x)
    s = 0.0
    for i in range(len(x)):
        y[i] = x[i] ** 2
        s = s + y[i] * x[i]
    return s + np.sum(np.cos(y))


def write_then_read_vec(x):
    return np.sum(x**3) + np.sum(np.cos(x**2))


def written_twice(x):
    y = np.zeros_like(x)
    for i in range(len(x)):
        y[i] = x[i]
        y[i] = y[i] * 3.0 + x[i] ** 2
    return np.sum(y**2)


def written_twice_vec(x):
    return np.sum((3.0 * x + x**2) ** 2)


def overwritten_across_iterations(x):
    last = np.zeros(2)
    s = 0.0
    for i in range(0, len(x) - 1, 2):
        for j in range(2):
            s = s + last[j] * x[i + j]
            last[j] = np.sin(x[i + j])
    return s + np.sum(last**2)


def read_before_write(x):
    y = np.ones(len(x))
    for i in range(len(x)):
        y[i] = y[i] * x[i] + y[i - 1]
    return np.sum(y**2)


def leaky_relu_by_hand(x):
    y = np.zeros_like(x)
    for i in range(len(x)):
        if x[i] > 0.0:
            y[i] = x[i]
        else:
            y[i] = 0.1 * x[i]
    return np.sum(y**2 + y)


def leaky_relu_vec(x):
    y = np.where(x > 0.0, x, 0.1 * x)
    return np.sum(y**2 + y)


def whole_array_read_in_loop(x):
    y = np.zeros_like(x)
    for i in range(len(x)):
        y[i] = 0.3 * np.sum(y * x) + x[i]
    return np.sum(y**2)


def copy_then_write(x):
    y = x.copy()
    y[0] = 0.0
    z = np.copy(x)
    z[1:] = z[1:] * y[:-1]
    return np.sum(y**2 + z)


def row_view_then_overwrite(w):
    m = np.zeros((2, 3))
    m[0] = 1.5
    s = np.sum(w * m[0])
    m[0] = 5.0
    return s + np.sum(w * m[0]) ** 2


def fill(x):
    out = np.zeros(len(x))
    for i in range(len(x)):
        out[i] = x[i] * (i + 1)
    return out


def helper_fills_buffer(x):
    return np.sum(fill(x) ** 2) + np.sum(fill(x * x))


def helper_fills_vec(x):
    weights = np.cumsum(np.ones_like(x))
    return np.sum((x * weights) ** 2) + np.sum(x * x * weights)


def scalar_writes(a, b):
    y = np.zeros(3)
    y[0] = a * b
    y[1] = a + y[0]
    y[2] += b * y[1]
    return y[0] * y[1] * y[2]


def write_in_branch(x):
    y = x * 1.0
    if x[0] > 0.0:
        y[0] = 0.0
    return np.sum(y**2)


def write_in_while_loop(a):
    y = np.zeros(2)
    x = a
    while x > 1.0:
        y[0] = y[0] + x
        y[1] = x * y[0]
        x = x / 2.0
    return y[0] * a + y[1]


def constant_rows_then_reads(x):
    m = np.zeros((3, 2))
    s = np.sum(m[0] * x)
    for i in range(3):
        m[i] = 1.0 + i
    return s + np.sum(m[1] * x) ** 2


def carried_row_view(W, xs):
    H = np.zeros((xs.shape[0] + 1, W.shape[0]))
    h = H[0]
    for t in range(xs.shape[0]):
        H[t + 1] = np.tanh(W @ h + xs[t])
        h = H[t + 1]
    return np.sum(H**2) + np.sum(h)


def nested_fill_with_inner_reads(x):
    n = len(x)
    T = np.zeros((n, n))
    for i in range(n):
        T[i, 0] = x[i]
        for j in range(1, n):
            T[i, j] = T[i, j - 1] * x[j] + 0.1 * T[i - 1, j]
    return np.sum(T**2)


def positive_part_in_loop(x):
    y = np.zeros_like(x)
    for i in range(len(x)):
        if x[i] > 0.0:
            y[i] = x[i] ** 2
    return np.sum(y * x)


def positive_part_vec(x):
    return np.sum(np.where(x > 0.0, x**2, 0.0) * x)


def shift_in_place(x):
    y = x * 1.0
    y[1:] = y[:-1]
    y[1:] += y[:-1] * 0.5
    return np.sum(y**2 * x)


def shift_vec(x):
    y = np.concatenate([x[:1], x[:-1]])
    y = np.concatenate([y[:1], y[1:] + y[:-1] * 0.5])
    return np.sum(y**2 * x)


def copy_then_write_carried(x):
    h = x * 1.0
    y = np.zeros(len(x))
    s = 0.0
    for i in range(len(x)):
        s = s + np.sum(y * x)
        y = np.copy(h)
        y[i] = 2.0 * h[i] + 0.1
        h = np.sin(y) * x
    return s + np.sum(h) + np.sum(y**2)


def while_reads_buffer(a):
    y = np.zeros(2)
    y[1] = a
    while y[0] < 3.0:
        y[0] = y[0] + y[1]
    return y[0] * a


def into_like_buffer(x, like):
    out = np.zeros_like(like[2:])
    for i in range(1, len(x) - 1):
        out[i - 1] = x[i - 1] - 2 * x[i] + x[i + 1]
    return np.sum(out**2)


BINS7 = np.array([0, 2, 0, 1, 0, 2, 1])


def scatter_add_repeated(x, bins):
    """np.add.at with an index naming elements twice: both additions count."""
    y = np.zeros(3)
    np.add.at(y, bins, x * x)
    return np.sum(np.sin(y) * np.arange(3.0))


def scatter_add_repeated_vec(x, bins):  # bins = BINS7
    sq = x * x
    y = np.stack([sq[0] + sq[2] + sq[4], sq[3] + sq[6], sq[1] + sq[5]])
    return np.sum(np.sin(y) * np.arange(3.0))


def scatter_add_in_while_loop(x):
    """np.add.at at a counter the loop carries, which symback cannot prove an integer."""
    y = np.zeros(len(x))
    k = 0
    while k < len(x):
        np.add.at(y, k, x[k] ** 2)
        k = k + 1
    return np.sum(y * x)


def scatter_add_in_while_loop_vec(x):
    return np.sum(x**3)


def counter_reused_by_a_for_loop(x):
    k = 0
    while k < 2:  # k counts here...
        x = x * 1.1
        k += 1
    y = np.zeros(3)
    for k in range(3):  # ...and is a range's integer here: y[k] names each element once
        y[k] += np.sin(x[k])
    return np.sum(y * x)


PAIRS = [
    (scatter_add_repeated, scatter_add_repeated_vec, (X7, BINS7), 0),
    (scatter_add_in_while_loop, scatter_add_in_while_loop_vec, (X7,), 0),
    (laplacian_loop, laplacian_vec, (X7,), 0),
    (cumsum_by_hand, cumsum_vec, (X7,), 0),
    (euler_trajectory, euler_carried, (Y03, 0.7), (0, 1)),
    (kernel_matrix_loops, kernel_matrix_vec, (X7[:5], Y7[:5]), (0, 1)),
    (hidden_states, hidden_states_carried, (W4, H4, XS64), (0, 1, 2)),
    (binned_sums, binned_sums_vec, (X7,), 0),
    (minus_and_times, minus_and_times_vec, (X7,), 0),
    (rows_and_columns, rows_and_columns_vec, (M34, Y03), (0, 1)),
    (slice_writes, slice_writes_vec, (X7,), 0),
    (write_then_read_same_iteration, write_then_read_vec, (X7,), 0),
    (written_twice, written_twice_vec, (X7,), 0),
    (leaky_relu_by_hand, leaky_relu_vec, (MIXED,), 0),
    (helper_fills_buffer, helper_fills_vec, (X7,), 0),
    (positive_part_in_loop, positive_part_vec, (MIXED,), 0),
    (shift_in_place, shift_vec, (X7,), 0),
]

ZOO = [(f, args, wrt) for f, _, args, wrt in PAIRS] + [
    (writes_outside_loops, (X7,), 0),
    (overwritten_across_iterations, (X7,), 0),
    (read_before_write, (0.5 * X7,), 0),
    (whole_array_read_in_loop, (X7,), 0),
    (copy_then_write, (X7,), 0),
    (row_view_then_overwrite, (Y03,), 0),
    (scalar_writes, (0.7, -1.3), (0, 1)),
    (write_in_branch, (X7,), 0),
    (write_in_branch, (-X7,), 0),
    (write_in_while_loop, (5.3,), 0),
    (constant_rows_then_reads, (Y03[:2],), 0),
    (carried_row_view, (W4, XS64), (0, 1)),
    (nested_fill_with_inner_reads, (0.5 * X7[:5],), 0),
    (copy_then_write_carried, (X7,), 0),
    (while_reads_buffer, (0.7,), 0),
    (while_reads_buffer, (1.3,), 0),
    (counter_reused_by_a_for_loop, (X7[:3],), 0),
]
