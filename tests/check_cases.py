"""Hand-written gradients with known planted mistakes, and correct ones: data for test_check.py.

Each case is a function, a gradient someone might write for it, the point to check at, and
what `symback.check` must say: the verdict and, for a wrong gradient, the kind of mistake
(and, for a term mistake, the term). Only what symback differentiates today is used
(elementwise operations, np.sum and np.mean of whole arrays), except where a case is
about symback *not* differentiating f.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Case:
    name: str
    f: Callable
    grad_f: Callable
    args: tuple
    verdict: str  # correct, wrong, inconclusive
    kind: str | None = None  # the finding that names the mistake
    wrt: Any = 0
    kwargs: dict = field(default_factory=dict)
    term: str | None = None  # for term mistakes: the term named
    says: str | None = None  # a phrase the printed report must contain


X = np.array([0.5, -1.0, 2.0, 1.5])
T = np.array([1.0, 0.0, 1.5, -0.5])
W = np.array([0.3, 0.7, -0.2, 0.1])
M = np.array([[0.2, -0.4, 0.9], [1.1, 0.3, -0.7]])  # 2 x 3
A = np.array([[1.0, 2.0, -1.0], [0.5, -1.5, 3.0]])
S = np.array([[0.2, -0.4, 0.9], [1.1, 0.3, -0.7], [0.6, -1.2, 0.4]])  # 3 x 3
B = np.array([[1.0, 2.0, -1.0], [0.5, -1.5, 3.0], [-2.0, 0.7, 1.3]])


# --- mean squared error of a linear model: mean vs sum, the factor 2, sign -------------------


def mse(w, b, x, t):
    return np.mean((w * x + b - t) ** 2)


def mse_grad(w, b, x, t):
    r = w * x + b - t
    return 2 * r * x / r.size, np.mean(2 * r)


def mse_grad_sum(w, b, x, t):  # planted: the sum's gradient, no 1/N
    r = w * x + b - t
    return 2 * r * x, np.sum(2 * r)


def mse_grad_no_2(w, b, x, t):  # planted: the 2 of the square dropped
    r = w * x + b - t
    return r * x / r.size, np.mean(r)


def mse_grad_sign(w, b, x, t):  # planted: residual written t - prediction
    r = t - (w * x + b)
    return 2 * r * x / r.size, np.mean(2 * r)


def mse_grad_swapped(w, b, x, t):  # planted: returned in the wrong order (same shapes here)
    r = w * x + b - t
    return np.mean(2 * r), np.mean(2 * r * x)


def mse_grad_swapped_shapes(w, b, x, t):  # planted: (db, dw) for an array w and a scalar b
    dw, db = mse_grad(w, b, x, t)
    return db, dw


def mse_grad_frozen(w, b, x, t):  # planted: numbers copied from a run at the given point
    return FROZEN


FROZEN = mse_grad(W, 0.1, X, T)


# --- regularised least squares: a missing or wrong term ---------------------------------------


def ridge(w, x, t, lam):
    return np.mean((w * x - t) ** 2) + lam * np.sum(w**2)


def ridge_grad(w, x, t, lam):
    return 2 * (w * x - t) * x / x.size + 2 * lam * w


def ridge_grad_no_penalty(w, x, t, lam):  # planted: forgot the L2 term
    return 2 * (w * x - t) * x / x.size


def ridge_grad_penalty_sign(w, x, t, lam):  # planted: the L2 term subtracted
    return 2 * (w * x - t) * x / x.size - 2 * lam * w


# --- matrices, built from elementwise operations: transposes, axes ----------------------------


def tanh_dot(m, a):
    return np.sum(np.tanh(m) * a)


def tanh_dot_grad(m, a):
    return (1 - np.tanh(m) ** 2) * a


def tanh_dot_grad_transposed(m, a):  # planted
    return ((1 - np.tanh(m) ** 2) * a).T


def tanh_dot_grad_column_means(m, a):  # planted: reduced over axis 0 and broadcast back
    g = (1 - np.tanh(m) ** 2) * a
    return np.broadcast_to(g.mean(axis=0, keepdims=True), g.shape)


def tanh_dot_grad_row_sums(m, a):  # planted: summed over axis 1, not broadcast back
    return ((1 - np.tanh(m) ** 2) * a).sum(axis=1)


def tanh_dot_grad_row_shifted(m, a):  # planted: row 0 gets an extra 1 (a broadcast bias?)
    g = (1 - np.tanh(m) ** 2) * a
    return g + np.array([[1.0], [0.0]])


def tanh_dot_grad_flat(m, a):  # planted: flattened
    return ((1 - np.tanh(m) ** 2) * a).ravel()


def tanh_dot_grad_chain(m, a):  # planted: the chain rule's inner factor forgotten
    return a * np.tanh(m)


# --- softplus / logistic loss: a sign ----------------------------------------------------------


def softplus_loss(w, x):
    return np.sum(np.log(1 + np.exp(-w * x)))


def softplus_grad_sign(w, x):  # planted: the minus of the inner derivative -x dropped
    return x / (1 + np.exp(w * x))


def softplus_grad(w, x):
    return -x / (1 + np.exp(w * x))


def softplus_grad_forward_difference(w, x, h=1e-5):  # planted: a one-sided difference
    return (softplus_loss(w + h, x) - softplus_loss(w, x)) / h


# --- symback cannot differentiate these (indexing): numerical reference only -----------------


def first_two(w):
    # np.convolve has no rule in symback: the check falls back to the numerical reference.
    return w[0] ** 2 + 3 * np.convolve(w, [0.0, 1.0])[2]


def first_two_grad(w):
    return np.array([2 * w[0], 3.0, 0.0])


def first_two_grad_wrong(w):
    return np.array([w[0], 3.0, 0.0])


# --- the references disagree: a jump exactly at the given point -------------------------------


def stairs(x):
    return x * np.floor(x)


def stairs_grad(x):
    return np.floor(x)


F32 = (
    W.astype(np.float32),
    np.float32(0.1),
    X.astype(np.float32),
    T.astype(np.float32),
)
WB = ("w", "b")

# fmt: off
CASES: tuple[Case, ...] = (
    Case("mse correct", mse, mse_grad, (W, 0.1, X, T), "correct", wrt=WB),
    Case("mse missing 1/N", mse, mse_grad_sum, (W, 0.1, X, T), "wrong", "factor", wrt=WB,
         says="missing 1/N: mean vs sum?"),
    Case("mse factor 2 dropped", mse, mse_grad_no_2, (W, 0.1, X, T), "wrong", "factor", wrt=WB,
         says="factor 2 from the square"),
    Case("mse sign", mse, mse_grad_sign, (W, 0.1, X, T), "wrong", "sign", wrt=WB),
    Case("mse swapped", mse, mse_grad_swapped, (0.3, 0.1, X, T), "wrong", "swapped", wrt=WB),
    Case("mse swapped, different shapes", mse, mse_grad_swapped_shapes, (W, 0.1, X, T), "wrong",
         "swapped", wrt=WB),
    Case("mse right only here", mse, mse_grad_frozen, (W, 0.1, X, T), "wrong", "point only",
         wrt=WB),
    Case("ridge correct", ridge, ridge_grad, (W, X, T, 0.3), "correct"),
    Case("ridge missing L2", ridge, ridge_grad_no_penalty, (W, X, T, 0.3), "wrong",
         "missing term", term="2*lam*w"),
    Case("ridge missing L2, lam = 0", ridge, ridge_grad_no_penalty, (W, X, T, 0.0), "wrong",
         "missing term", term="2*lam*w", says="right at the given point but wrong"),
    Case("ridge L2 sign", ridge, ridge_grad_penalty_sign, (W, X, T, 0.3), "wrong", "term sign",
         term="2*lam*w"),
    Case("matrix correct", tanh_dot, tanh_dot_grad, (M, A), "correct"),
    Case("matrix transposed", tanh_dot, tanh_dot_grad_transposed, (M, A), "wrong", "transposed"),
    Case("square matrix transposed", tanh_dot, tanh_dot_grad_transposed, (S, B), "wrong",
         "transposed"),
    Case("matrix column means", tanh_dot, tanh_dot_grad_column_means, (M, A), "wrong", "axis"),
    Case("matrix row sums", tanh_dot, tanh_dot_grad_row_sums, (M, A), "wrong", "axis"),
    Case("matrix one row wrong", tanh_dot, tanh_dot_grad_row_shifted, (M, A), "wrong", "axis",
         says="only in whole rows"),
    Case("matrix flattened", tanh_dot, tanh_dot_grad_flat, (M, A), "wrong", "reshaped"),
    Case("matrix chain rule", tanh_dot, tanh_dot_grad_chain, (M, A), "wrong", "unexplained"),
    Case("softplus correct", softplus_loss, softplus_grad, (W, X), "correct"),
    Case("softplus sign", softplus_loss, softplus_grad_sign, (W, X), "wrong", "sign"),
    Case("softplus forward difference", softplus_loss, softplus_grad_forward_difference,
         (0.3, X), "wrong", "imprecise"),
    Case("float32 correct", mse, mse_grad, F32, "correct", wrt=WB),
    Case("float32 missing 1/N", mse, mse_grad_sum, F32, "wrong", "factor", wrt=WB,
         says="missing 1/N"),
    Case("numerical only, correct", first_two, first_two_grad, (np.array([0.5, 1.0, 2.0]),),
         "correct", says="numerical reference only"),
    Case("numerical only, one element halved", first_two, first_two_grad_wrong,
         (np.array([0.5, 1.0, 2.0]),), "wrong", "factor", says="right except at w[0]"),
    Case("references disagree", stairs, stairs_grad, (2.0,), "inconclusive",
         says="references disagree"),
)
# fmt: on
