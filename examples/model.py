"""A small model file for `symback gen`: two functions marked for differentiation.

Generate their gradient module (examples/model_grad.py) without running this file:

    symback gen examples/model.py

Run this file to see the same gradients computed by the decorators at import time.
"""

import math

import numpy as np

import symback

G = 9.81  # gravitational acceleration, m/s^2


@symback.grad(wrt=("w", "b"))
def logistic_loss(w, b, x, y, lam=0.01):
    """Mean binary cross-entropy of a one-feature logistic regression, with an L2 penalty."""
    p = 1 / (1 + np.exp(-(w * x + b)))
    data = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    return data + lam * w**2


@symback.grad(wrt=("speed", "angle"))
def projectile_range(speed, angle):
    """How far a projectile launched over flat ground flies, without air resistance."""
    return speed**2 * math.sin(2 * angle) / G


if __name__ == "__main__":
    x = np.array([-1.5, -0.5, 0.5, 2.0])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    print("d loss / d (w, b):", logistic_loss(0.3, -0.1, x, y))
    print("d range / d (speed, angle):", projectile_range(20.0, 0.6))
