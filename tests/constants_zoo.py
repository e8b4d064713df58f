"""Functions reading constants from their module or closure: arrays, tuples, lists, masks.

Each entry is (function, arguments, wrt), as in array_zoo.py. The constants are read when the
gradient runs (tests/test_constants.py changes some after the gradient is made), and by the
module `symback gen` writes for this file, which imports them from here.
"""

import numpy as np

_rng = np.random.default_rng(20261207)

TARGET = _rng.standard_normal(4)
DESIGN = _rng.standard_normal((4, 3))
COEFFS = (0.5, -1.25, 0.75, 0.1)
COEFFS_LIST = [2.0, -1.0, 0.5]
MASK = np.array([True, False, True, True])
IDX = np.array([3, 0, 0, 2])
LAYERS = (_rng.standard_normal((3, 4)), _rng.standard_normal(3))
SHAPE = (2, 2)
N_TERMS = 3
MODE = 1
SCALE = np.float64(1.5)
WEIGHTS = np.linspace(0.5, 2.0, 4)
# a constant computed from others: gen cannot know it without running the file
GRAM = DESIGN.T @ DESIGN + np.eye(3)


def least_squares(w):
    """A design matrix and a target read from the module."""
    r = DESIGN @ w - TARGET
    return 0.5 * np.sum(r**2)


def polynomial(x):
    """Coefficients in a tuple, indexed."""
    return COEFFS[0] + COEFFS[1] * x + COEFFS[2] * x**2 + COEFFS[3] * x**3


def horner(x):
    """Coefficients in a tuple, looped over."""
    acc = 0.0
    for c in COEFFS:
        acc = acc * x + c
    return acc


def list_coefficients(v):
    """A list of numbers, as an operand of NumPy's functions."""
    return np.dot(COEFFS_LIST, v**2) + np.sum(np.multiply(v, COEFFS_LIST))


def masked_where(v):
    """A boolean mask constant as np.where's condition."""
    return np.sum(np.where(MASK, np.sin(v), v**2))


def masked_index(v):
    """A boolean mask and an integer index array as indices."""
    return np.sum(v[MASK] ** 2) + np.sum(np.exp(v[IDX]))


def two_layers(x):
    """A tuple of arrays: weights and bias."""
    h = np.tanh(LAYERS[0] @ x + LAYERS[1])
    return np.sum(h**2)


def reshaped(v):
    """A tuple of integers as a shape, an integer as a loop bound."""
    m = v.reshape(SHAPE)
    total = 0.0
    for k in range(N_TERMS):
        total = total + np.sum(m ** (k + 1)) / (k + 1)
    return total


def scaled(v):
    """A NumPy scalar and an array computed at import."""
    return SCALE * v @ GRAM @ v


def _weighted(v):
    return WEIGHTS * v**2


def through_helper(v):
    """A helper reads a constant of its own module."""
    return np.sum(np.log1p(_weighted(v)))


def in_loop_and_branch(v):
    """A constant read inside a loop and a branch: read once, at the start."""
    total = 0.0
    for i in range(3):
        if MODE > 0:
            total = total + np.sum(WEIGHTS * v) * i
        else:
            total = total - np.sum(TARGET * v)
    return total * np.sum(v**2)


def make_closure():
    """A function reading an array from its closure."""
    B = _rng.standard_normal(4)

    def closure_array(v):
        return np.sum(B * v**3) + np.sum(np.cos(B * v))

    return closure_array


closure_array = make_closure()

V4 = np.array([0.3, -0.8, 1.1, 0.45])
W3 = np.array([0.2, -0.4, 0.9])
X4 = np.array([0.1, 0.5, -0.3, 0.8])

CONSTANTS_ZOO = [
    (least_squares, (W3,), 0),
    (polynomial, (0.7,), 0),
    (horner, (0.7,), 0),
    (list_coefficients, (W3,), 0),
    (masked_where, (V4,), 0),
    (masked_index, (V4,), 0),
    (two_layers, (X4,), 0),
    (reshaped, (V4,), 0),
    (scaled, (W3,), 0),
    (through_helper, (V4,), 0),
    (in_loop_and_branch, (V4,), 0),
    (closure_array, (V4,), 0),
]
