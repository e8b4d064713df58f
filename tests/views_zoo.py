"""Views of buffers and element writes: a view read after a write into its base, a write
through a view read from its base (tests/test_views.py checks each against central
differences)."""

import numpy as np

# -- reads of a view after a write into its base ------------------------------------------


def flip_of_issue_11(x):
    y = np.zeros(4)
    y[:] = x
    z = np.flip(y)
    y[0] = 3.0 * x[0]
    return np.sum(z * x * y)


def reversed_slice(x):
    y = np.zeros(4)
    y[:] = x
    z = y[::-1]
    y[0] = 3.0 * x[0]
    return np.sum(z * x * y)


def tail_slice(x):
    y = np.zeros(4)
    y[:] = x
    z = y[1:]
    y[1] = 3.0 * x[0]
    return np.sum(z * x[1:] * y[1:])


def new_axis(x):
    y = np.zeros(4)
    y[:] = x
    z = y[:, None]
    y[0] = 3.0 * x[0]
    return np.sum(z * x)


def dot_t(m):
    y = np.zeros((2, 2))
    y[:] = m
    z = y.T
    y[0, 1] = 3.0 * m[0, 0]
    return np.sum(z * m) + np.sum(y**2)


def swapped(m):
    y = np.zeros((2, 2))
    y[:] = m
    z = np.swapaxes(y, 0, 1)
    y[0, 1] = 3.0 * m[1, 0]
    return np.sum(z * m)


def transposed(m):
    y = np.zeros((2, 2))
    y[:] = m
    z = np.transpose(y)
    y[1] = np.sin(m[0])
    return np.sum(z * m)


def broadcast(x):
    y = np.zeros(4)
    y[:] = x
    z = np.broadcast_to(y, (2,) + y.shape)
    y[2] = x[1] ** 2
    return np.sum(z * x)


def diagonal(m):
    y = np.zeros((2, 2))
    y[:] = m
    z = np.diagonal(y)
    y[1, 1] = 3.0 * m[0, 1]
    return np.sum(z * np.sum(m))


def einsum_transpose(m):
    y = np.zeros((2, 2))
    y[:] = m
    z = np.einsum("ij->ji", y)
    y[0, 1] = 3.0 * m[0, 0]
    return np.sum(z * m)


def einsum_diagonal(m):
    y = np.zeros((2, 2))
    y[:] = m
    z = np.einsum("ii->i", y)
    y[1, 1] = 3.0 * m[0, 0]
    return np.sum(z * m[0])


def squeezed(m):
    y = np.zeros((1, 2))
    y[0] = m[0] * m[1]
    z = np.squeeze(y, axis=0)
    y[0, 1] = np.cos(m[1, 1])
    return np.sum(z * m)


def view_of_a_view(x):
    y = np.zeros(4)
    y[:] = x
    z = np.flip(y)[1:]
    y[3] = 3.0 * x[0]
    return np.sum(z * x[1:])


def chain_and_writes(x):
    y = np.zeros(4)
    y[:] = x
    w = y[1:]
    z = np.flip(w)
    y[3] = 3.0 * x[0]
    y[1] = x[2] * 2.0
    return np.sum(z * x[1:] * w)


def another_name(x):
    y = np.zeros(4)
    z = y
    y[0] = x[0]
    return np.sum(z * x)


def several_writes(x):
    y = np.zeros(4)
    y[:] = x
    z = np.flip(y)
    y[0] = 3.0 * x[0]
    a = np.sum(z * x)
    y[3] = a * x[1]
    return a + np.sum(z * y)


def copy_of_a_view(x):
    y = np.zeros(4)
    y[:] = x
    z = np.flip(y).copy()  # a copy: keeps the elements from before the write
    y[0] = 3.0 * x[0]
    return np.sum(z * x * y)


def write_in_a_loop(x):
    y = np.zeros(4)
    z = np.flip(y)
    s = 0.0
    for i in range(4):
        y[i] = x[i] * 2.0
        s = s + np.sum(z * x)
    return s


def write_in_a_branch(x):
    y = np.zeros(4)
    y[:] = x
    z = np.flip(y)
    if x[0] > 0:
        y[1] = x[2] ** 2
    return np.sum(z * x)


def view_taken_in_a_loop(x):
    y = np.zeros(4)
    y[:] = x
    s = 0.0
    for i in range(3):
        z = y[i:]
        y[i] = np.sin(z[0]) + x[i]
        s = s + np.sum(z * x[i:])
    return s


def another_name_in_a_loop(x):
    y = np.zeros_like(x)
    z = y
    for i in range(len(x)):
        y[i] = x[i] ** 2
    return np.sum(z * x)


def view_in_a_branch_then_loop(x):
    y = np.zeros(4)
    if x[0] > 0:
        z = y.T
    else:
        z = y.T
    for i in range(4):
        y[i] = np.tanh(x[i] + np.sum(z))
    return np.sum(z * x)


# -- writes through a view, read from the base ---------------------------------------------


def write_through_slice(x):
    y = np.zeros(4)
    y[:] = x
    z = y[1:]
    z[0] = 5.0 * x[0]
    return np.sum(y * x)


def write_through_a_slice_of_a_slice(x):
    y = np.zeros(4)
    y[:] = x
    z = y[1:]
    w = z[::2]
    w[1] = 5.0 * x[0]
    return np.sum(y * x) + np.sum(z * w[0])


def write_through_a_row(m):
    a = np.zeros((2, 2))
    a[:] = m
    r = a[0]
    r[1] = m[1, 1] ** 2
    return np.sum(a * m) + np.sum(r)


def write_through_then_sibling(x):
    y = np.zeros(4)
    y[:] = x
    z = y[1:]
    u = np.flip(y)
    z[0] = 5.0 * x[0]
    return np.sum(u * x)


def add_through_slice(x):
    y = x * 1.0
    z = y[:2]
    z += x[2:] ** 2  # (an in-place update of an array: a write into all of z)
    return np.sum(y * x)


def write_through_in_a_loop(x):
    y = np.zeros(4)
    z = y[1:]
    for i in range(3):
        z[i] = x[i] * x[i + 1]
    return np.sum(y * x)


def write_through_in_a_branch(x):
    y = np.zeros(4)
    y[:] = x
    z = y[::-1]
    if x[1] > 0:
        z[0] = x[0] * x[2]
    return np.sum(y * x) + np.sum(z[1:])


READS = (
    flip_of_issue_11,
    reversed_slice,
    tail_slice,
    new_axis,
    dot_t,
    swapped,
    transposed,
    broadcast,
    diagonal,
    einsum_transpose,
    einsum_diagonal,
    squeezed,
    view_of_a_view,
    chain_and_writes,
    another_name,
    several_writes,
    copy_of_a_view,
    write_in_a_loop,
    write_in_a_branch,
    view_taken_in_a_loop,
    another_name_in_a_loop,
    view_in_a_branch_then_loop,
)
THROUGH = (
    write_through_slice,
    write_through_a_slice_of_a_slice,
    write_through_a_row,
    write_through_then_sibling,
    add_through_slice,
    write_through_in_a_loop,
    write_through_in_a_branch,
)


# -- results that are views or copies depending on the shapes: both are right ------------


def reshape_a_view(m):
    y = np.zeros((2, 2))
    y[:] = m
    z = np.reshape(y, (4,))  # y is contiguous: a view
    y[0, 1] = 3.0 * m[1, 1]
    return np.sum(z * m.ravel()) + np.sum(y * m)


def reshape_a_copy(m):
    y = np.zeros((2, 2))
    y[:] = m
    w = y.T
    z = w.reshape(4)  # w is not contiguous: a copy, which the write leaves alone
    y[0, 1] = 3.0 * m[1, 1]
    return np.sum(z * m.ravel()) + np.sum(y * m)


def ravel_in_a_loop(m):
    y = np.zeros((2, 2))
    z = y.ravel()
    s = 0.0
    for i in range(2):
        y[i] = np.sin(m[i]) * (i + 1.0)
        s = s + np.sum(z * m.ravel())
    return s


def row_of_a_matrix(m):
    y = np.zeros((2, 2))
    y[:] = m
    r = y[0]  # a row: a view
    y[0, 1] = m[1, 0] ** 2
    return np.sum(r * m[1])


def element_of_a_vector(x):
    y = np.zeros(4)
    y[:] = x
    r = y[1]  # a number: a copy
    y[1] = x[2] ** 2
    return r * np.sum(y * x)


def diag_of_a_matrix(m):
    y = np.zeros((2, 2))
    y[:] = m
    z = np.diag(y)  # a view of the diagonal
    y[1, 1] = m[0, 1] * m[1, 0]
    return np.sum(z * m[0])


def diag_of_a_vector(x):
    y = np.zeros(4)
    y[:] = x
    z = np.diag(y)  # a new matrix
    y[1] = x[2] ** 2
    return np.sum(z * x) + np.sum(y)


VIEWS_OR_COPIES = (
    reshape_a_view,
    reshape_a_copy,
    ravel_in_a_loop,
    row_of_a_matrix,
    element_of_a_vector,
    diag_of_a_matrix,
    diag_of_a_vector,
)
