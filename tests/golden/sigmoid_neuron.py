"""One sigmoid neuron with squared error: the worked example of backpropagation tutorials."""

import numpy as np


def loss(w, b, x, t):
    a = 1 / (1 + np.exp(-(w * x + b)))
    return (a - t) ** 2
