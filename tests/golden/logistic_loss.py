"""The logistic (softplus) loss of a linear model, averaged over the examples."""

import numpy as np


def logistic_loss(w, b, x, y):
    margin = y * (w * x + b)
    return np.mean(np.logaddexp(0.0, -margin))
