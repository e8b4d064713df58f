"""A 2-layer tanh MLP fitted to a synthetic regression task with symback gradients.

The target is a smooth function of two inputs plus a little noise; the loss is half the mean
squared error. Training is full-batch gradient descent with momentum.

    python examples/mlp.py
"""

import numpy as np

import symback


def loss(W1, b1, W2, b2, X, y):
    """Half the mean squared error of a one-hidden-layer tanh network."""
    H = np.tanh(X @ W1 + b1)
    pred = H @ W2 + b2
    return 0.5 * np.mean((pred - y) ** 2)


def target(X):
    return np.sin(2 * X[:, 0]) + 0.5 * X[:, 1] ** 2


def make_data(n=200, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.5, 1.5, size=(n, 2))
    y = target(X) + 0.05 * rng.standard_normal(n)
    return X, y


def init(hidden=16, seed=2):
    rng = np.random.default_rng(seed)
    return [
        rng.standard_normal((2, hidden)) / np.sqrt(2),
        np.zeros(hidden),
        rng.standard_normal(hidden) / np.sqrt(hidden),
        0.0,
    ]


def main(steps=1500, lr=0.1, momentum=0.9, verbose=True):
    X, y = make_data()
    params = init()
    value_and_grad = symback.value_and_grad(loss, wrt=("W1", "b1", "W2", "b2"))
    velocity = [np.zeros_like(np.asarray(p, dtype=float)) for p in params]
    losses = []
    for step in range(steps):
        value, grads = value_and_grad(*params, X, y)
        losses.append(float(value))
        for i, g in enumerate(grads):
            velocity[i] = momentum * velocity[i] - lr * g
            params[i] = params[i] + velocity[i]
        if verbose and step % 250 == 0:
            print(f"step {step:5d}  loss {value:.5f}")
    final = float(loss(*params, X, y))
    baseline = float(0.5 * np.mean((y - np.mean(y)) ** 2))  # predicting the mean
    if verbose:
        print(
            f"final loss {final:.5f} (started at {losses[0]:.5f}; predicting the mean: {baseline:.5f})"
        )
    return {
        "initial_loss": losses[0],
        "final_loss": final,
        "baseline_loss": baseline,
        "losses": losses,
        "params": params,
    }


if __name__ == "__main__":
    main()
