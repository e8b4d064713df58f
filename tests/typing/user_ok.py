"""A user's file using symback's public API: `mypy --strict` passes on it (tests/test_typing.py)."""

# ruff: noqa: F821 - reveal_type is mypy's, known to the checker only

import numpy as np
import numpy.typing as npt

import symback

Array = npt.NDArray[np.float64]


def loss(w: Array, b: float, x: Array) -> float:
    return float(np.sum((x @ w + b) ** 2))


g = symback.grad(loss, wrt=("w", "b"))
reveal_type(g)


@symback.grad
def power(w: float, k: int = 2) -> float:
    return w**k


reveal_type(power)


@symback.value_and_grad(wrt="w")
def square(w: float) -> float:
    return w * w


reveal_type(square)
hessian = symback.hessian(loss)
reveal_type(hessian)
report = symback.check(loss, g, np.ones(2), 0.5, np.ones((3, 2)), wrt=("w", "b"))
reveal_type(report)
right: bool = bool(report)
code: str = g.source
slope = power(1.5, k=3)
value, gradient = square(2.0)
failure: type[symback.SymbackError] = symback.UnsupportedSyntaxError
by_hand = symback.check(
    loss, lambda w, b, x: (2 * x.T @ (x @ w + b), 0.0), np.ones(2), 0.5, np.ones((3, 2))
)
explained = symback.explain(loss, np.ones(2), 0.5, np.ones((3, 2)))
print(explained.value, by_hand.verdict)
