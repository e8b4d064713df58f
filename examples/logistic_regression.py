"""L2-regularised logistic regression trained by plain gradient descent with symback.grad.

Two overlapping Gaussian classes in 3-D from a seeded generator; the loss is the mean binary
cross-entropy written with np.logaddexp (stable for large |z|) plus lam * |w|^2.

    python examples/logistic_regression.py
"""

import numpy as np

import symback


def loss(w, b, X, y, lam):
    """Mean cross-entropy of sigmoid(X @ w + b) against labels y in {0, 1}, plus an L2 penalty."""
    z = X @ w + b
    nll = np.mean(np.logaddexp(0.0, z) - y * z)
    return nll + lam * (w @ w)


def make_data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.5).astype(float)
    centre = np.array([1.0, -0.5, 0.75])
    X = rng.standard_normal((n, 3)) + np.outer(2 * y - 1, centre)
    return X, y


def accuracy(w, b, X, y):
    return float(np.mean(((X @ w + b) > 0) == (y == 1)))


def main(steps=300, lr=0.5, lam=1e-3, verbose=True):
    X, y = make_data()
    w, b = np.zeros(3), 0.0
    value_and_grad = symback.value_and_grad(loss, wrt=("w", "b"))
    losses = []
    for step in range(steps):
        value, (dw, db) = value_and_grad(w, b, X, y, lam)
        losses.append(float(value))
        w, b = w - lr * dw, b - lr * db
        if verbose and step % 50 == 0:
            print(f"step {step:4d}  loss {value:.5f}")
    final = float(loss(w, b, X, y, lam))
    acc = accuracy(w, b, X, y)
    if verbose:
        print(f"final loss {final:.5f} (started at {losses[0]:.5f}), accuracy {acc:.3f}")
        print(f"w = {np.round(w, 3)}, b = {b:.3f}")
    return {
        "initial_loss": losses[0],
        "final_loss": final,
        "losses": losses,
        "accuracy": acc,
        "w": w,
        "b": b,
    }


if __name__ == "__main__":
    main()
