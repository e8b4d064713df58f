"""A softmax (multinomial logistic) classifier on three Gaussian blobs, trained with symback.

The loss is the mean cross-entropy written the numerically stable way: subtract each row's
maximum logit before exponentiating (the maximum's gradient contributions cancel, so the
gradient is the same as without it; symback differentiates it as written).

    python examples/softmax_classifier.py
"""

import numpy as np

import symback


def loss(W, b, X, Y):
    """Mean softmax cross-entropy of logits X @ W + b against one-hot labels Y."""
    z = X @ W + b
    z = z - np.max(z, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(np.sum(Y * logp, axis=1))


CENTRES = np.array([[0.0, 2.0], [-1.8, -1.0], [1.8, -1.0]])


def make_data(per_class=150, seed=3):
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(CENTRES)), per_class)
    X = CENTRES[labels] + 0.9 * rng.standard_normal((len(labels), 2))
    Y = np.eye(len(CENTRES))[labels]
    return X, Y, labels


def predict(W, b, X):
    return np.argmax(X @ W + b, axis=1)


def main(steps=300, lr=0.5, verbose=True):
    X, Y, labels = make_data()
    W, b = np.zeros((2, 3)), np.zeros(3)
    value_and_grad = symback.value_and_grad(loss, wrt=("W", "b"))
    losses = []
    for step in range(steps):
        value, (dW, db) = value_and_grad(W, b, X, Y)
        losses.append(float(value))
        W, b = W - lr * dW, b - lr * db
        if verbose and step % 50 == 0:
            print(f"step {step:4d}  loss {value:.5f}")
    final = float(loss(W, b, X, Y))
    acc = float(np.mean(predict(W, b, X) == labels))
    if verbose:
        print(f"final loss {final:.5f} (started at {losses[0]:.5f} = log 3), accuracy {acc:.3f}")
    return {
        "initial_loss": losses[0],
        "final_loss": final,
        "losses": losses,
        "accuracy": acc,
        "W": W,
        "b": b,
    }


if __name__ == "__main__":
    main()
