"""Functions written the way NumPy users write them: lists of values as arrays, sum() and
comprehensions, tuple unpacking, asserts, // in indices, np.where of a mask computed
earlier, keyword arguments to np.clip, a string parameter, min/max of several numbers.

Each entry is (function, arguments, wrt), as in array_zoo.py; tests/test_syntax.py checks
them in grad, symback gen and check, and the array zoo's tests run over them too.
"""

import numpy as np


def list_as_array(x, y):
    """A list of values given to NumPy, and a list assigned first."""
    v = [1.0, x * y, 2.0]
    return np.sum(np.array([x, y * y, 2.0]) ** 2) + np.dot(v, [y, 1.0, x]) + np.sum([x, y])


def vectors_in_a_list(a, b):
    """A list of arrays: a matrix, by np.array and by np.mean of the list."""
    M = np.array([a, 2.0 * b, a * b])
    return np.sum(np.tanh(M) ** 2) + np.sum(np.mean([a, b], axis=0) ** 3)


def builtin_sums(x):
    """Python's sum of a list, of an array's items, of a generator with an `if`."""
    n = len(x)
    total = sum([x[0], x[1] * x[2]])
    total = total + sum(x**2) + sum(x[i] * x[i + 1] for i in range(n - 1))
    return total + sum((v**3 for v in x if v > 0.0), 1.0)


def unrolled_comprehension(x):
    """A comprehension given to NumPy over a range of known length."""
    powers = np.array([x[i] ** (i + 1) for i in range(3)])
    return np.sum(powers) + np.prod([x[k] + 2.0 for k in (0, 2)])


def unpacking(abc, M):
    """A parameter unpacked, a nested tuple, and the indices a call returns."""
    a, b, c = abc
    (p, q), r = abc[:2], abc[2:]
    i, j = np.triu_indices(M.shape[0], 1)
    return a * b + c**2 + p * np.sum(r) * q + np.sum(M[i, j] ** 2)


def asserting(x):
    """Asserts: checked by Python, no part of the derivative."""
    assert x.ndim == 1, "a vector"
    assert np.all(np.isfinite(x))
    return np.sum(np.sin(x) * x)


def floor_division_indices(x):
    """// and % in indices and in a slice bound; // of values, which has no gradient."""
    n = x.shape[0]
    total = 0.0
    for i in range(n):
        j = (i + 1) % n
        total = total + x[i] * x[i // 2] + x[j] * x[(i + 2) % n]
    half = n // 2
    return total + np.sum(x[:half] ** 2) + x[n // 2 - 1] + np.sum(x * (x // 0.5))


def mask_computed_earlier(x):
    """np.where of masks made before: a comparison, np.isfinite, a logical and."""
    positive = x > 0.0
    finite = np.isfinite(x)
    both = np.logical_and(positive, finite)
    y = np.where(positive, x**2, -x)
    return np.sum(y) + np.sum(np.where(finite, np.exp(x), 0.0)) + np.sum(np.where(both, x, 1.0))


def clip_keywords(x):
    """np.clip with a_min=/a_max=, min=/max=, and None for one bound."""
    a = np.clip(x, a_min=-0.5, a_max=0.9)
    b = np.clip(x, min=0.1, max=1.0)
    return (
        np.sum(a**2) + np.sum(b**3) + np.sum(np.clip(x, None, 0.5)) + np.sum(np.clip(x, 0.2, None))
    )


def by_mode(x, mode):
    """A string parameter compared with constants: no derivative is asked of it."""
    if mode == "sum":
        y = np.sum(x**2)
    elif mode != "max":
        y = np.mean(x**3)
    else:
        y = np.max(x)
    return 2.0 * y


def min_max_of_numbers(x, y):
    """min and max of two and of three numbers."""
    return min(x, y) ** 2 + max(x * y, 0.1) + min(x, 2.0 * y, 0.9) * max(x, y, -1.0)


def tuple_of_values(x, y):
    """A tuple of arrays given to NumPy."""
    return np.sum(np.stack((x, y)) ** 2) + np.mean((x, 2.0 * y))


_X = np.array([0.3, -0.7, 1.1, 0.45, 0.8])
_Y = np.array([0.2, 0.5, -0.9, 0.35, -0.6])
_M = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7], [0.2, 0.9, -1.1]])

SYNTAX_ZOO = [
    (list_as_array, (0.7, -0.3), ("x", "y")),
    (vectors_in_a_list, (_X, _Y), ("a", "b")),
    (builtin_sums, (_X,), 0),
    (unrolled_comprehension, (_X,), 0),
    (unpacking, (np.array([0.5, -1.5, 2.0]), _M), ("abc", "M")),
    (asserting, (_X,), 0),
    (floor_division_indices, (_X,), 0),
    (mask_computed_earlier, (_X,), 0),
    (clip_keywords, (_X,), 0),
    (by_mode, (_X, "sum"), 0),
    (by_mode, (_X, "mean"), 0),
    (by_mode, (_X, "max"), 0),
    (min_max_of_numbers, (0.7, -0.3), ("x", "y")),
    (min_max_of_numbers, (0.4, 0.8), ("x", "y")),
    (tuple_of_values, (_X, _Y), ("x", "y")),
]
