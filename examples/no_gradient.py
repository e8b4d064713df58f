"""Where no gradient flows, for `symback explain` (docs/explain.md):

symback explain examples/no_gradient.py:f --at "x=[2, -1], k=1.5"
"""

import numpy as np


def f(x, k):
    m = np.where(x > 0, x, 0.1 * x)
    unused = x * 7
    return np.sum(m * np.floor(k))
