"""Gradients derived by hand, for `symback check` (README.md, docs/check.md); some are wrong
on purpose, each saying how:

    symback check examples/hand_gradients.py:loss loss_grad --wrt w,b \
        --at "w=[1, 2, 3], b=0.5, x=[0.1, 0.2, 0.3], t=[1, 0, 1]"
"""

import numpy as np


def loss(w, b, x, t):
    return np.mean((w * x + b - t) ** 2)


def loss_grad(w, b, x, t):  # derived by hand: forgot the 1/N of the mean
    r = w * x + b - t
    return 2 * r * x, np.sum(2 * r)


def layer(W, A):
    return np.sum(np.tanh(W * A) ** 2)


def layer_grad(W, A):  # right
    y = np.tanh(W * A)
    return 2 * y * (1 - y**2) * A
