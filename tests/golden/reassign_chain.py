"""One name re-assigned again and again, with augmented assignments among them."""

import numpy as np


def chain(x, y):
    h = x * y
    h = np.sin(h) + x
    h = h * h
    h += y
    h = np.sqrt(1 + h**2)
    h *= x
    return h
