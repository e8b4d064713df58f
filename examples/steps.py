"""Branches and loops, for `symback explain` (docs/explain.md):

symback explain examples/steps.py -f horner --at "x=2.0"
symback explain examples/steps.py:huber --at "r=-2.0"
symback explain examples/steps.py:sines --at "x=0.1"
"""

import numpy as np


def horner(x):
    s = 1.0
    for i in range(3):
        s = s * x + 1
    return s


def huber(r, delta=1.0):
    if abs(r) <= delta:
        loss = 0.5 * r**2
    else:
        loss = delta * (abs(r) - 0.5 * delta)
    return loss


def sines(x):
    s = 0.0
    for i in range(50):
        s = s + np.sin(x * i)
    return s
