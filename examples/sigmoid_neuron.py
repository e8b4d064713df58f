"""One sigmoid neuron with squared error: the worked example of backpropagation tutorials.

Run it: it differentiates `loss`, prints the generated gradient code, and checks the
gradient against numerical differentiation and against the tutorial's numbers.
"""

import numpy as np

import symback
from symback.gradcheck.numerical import numerical_gradient


def loss(w, b, x, t):
    a = 1 / (1 + np.exp(-(w * x + b)))
    return (a - t) ** 2


def half_loss(w, b, x, t):
    a = 1 / (1 + np.exp(-(w * x + b)))
    return 0.5 * (a - t) ** 2


def main() -> None:
    grad = symback.value_and_grad(loss, wrt=("w", "b"))
    print(grad.source)

    w, b, x, t = 2.0, -1.0, 0.5, 1.0
    value, (dw, db) = grad(w, b, x, t)
    print(f"loss = {value}, dL/dw = {dw}, dL/db = {db}")
    assert (value, dw, db) == (0.25, -0.125, -0.25), "the tutorial's numbers"

    for name in ("w", "b"):
        numeric = numerical_gradient(loss, (w, b, x, t), wrt=name)
        exact = dw if name == "w" else db
        print(f"  d loss / d {name}: symback {exact:+.12f}   numerical {float(numeric):+.12f}")
        assert abs(exact - numeric) < 1e-9

    _, (dw_half, db_half) = symback.value_and_grad(half_loss, wrt=("w", "b"))(w, b, x, t)
    assert (dw_half, db_half) == (dw / 2, db / 2)
    print("checked: matches numerical gradients and the worked example")


if __name__ == "__main__":
    main()
