"""The Huber loss: quadratic near zero, linear beyond delta, chosen with np.where."""

import numpy as np


def huber(r, delta):
    a = np.abs(r)
    quadratic = 0.5 * r**2
    linear = delta * (a - 0.5 * delta)
    return np.sum(np.where(a <= delta, quadratic, linear))
