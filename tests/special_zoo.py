"""scipy.special's functions as statistics code calls them: (function, args, wrt) entries
that tests/funcs_zoo.py adds to the zoo where SciPy is installed (importing this module
fails without it)."""

import numpy as np
from scipy import special

_rng = np.random.default_rng(20261208)


def _normal(*shape):
    return _rng.standard_normal(shape)


def logistic_loss_expit(w, X, y):
    p = special.expit(X @ w)
    return -np.sum(special.xlogy(y, p) + special.xlog1py(1.0 - y, -p)) + np.sum(special.logit(p))


def gamma_likelihood(alpha, x):
    """The log-likelihood of a gamma distribution with rate 1, as statistics code writes it."""
    return np.sum((alpha - 1.0) * np.log(x) - x - special.gammaln(alpha)) + np.sum(
        special.digamma(alpha)
    )


def probit_and_errors(z):
    return np.sum(special.log_ndtr(z) + special.ndtr(z) ** 2 + special.erf(z) * special.erfc(z))


def softmax_model(W, X):
    logits = X @ W
    lse = special.logsumexp(logits, axis=1)
    return (
        np.sum(lse)
        + np.sum(special.softmax(logits, axis=1) ** 2)
        + np.sum(special.log_softmax(logits, axis=0)[0])
        + special.logsumexp(W)
    )


def mixture_log_likelihood(logits, weights):
    """A mixture's log-likelihood: log sum_k w_k exp(l_k), the weights b= differentiated too,
    and a difference of two exponentials by its sign."""
    total = special.logsumexp(logits, axis=1, b=weights)
    value, sign = special.logsumexp(logits[0], b=np.array([1.0, -2.0, 0.5]), return_sign=True)
    return np.sum(total) + value * sign + special.logsumexp(logits, b=weights[None, :] ** 2)


SPECIAL_ZOO = [
    (mixture_log_likelihood, (_normal(4, 3), np.array([0.2, 0.5, 0.3])), ("logits", "weights")),
    (
        logistic_loss_expit,
        (_normal(3), _normal(5, 3), np.array([1.0, 0.0, 1.0, 1.0, 0.0])),
        ("w", "X"),
    ),
    (gamma_likelihood, (np.array([0.7, 1.5, 3.2]), np.array([0.4, 1.1, 2.5])), ("alpha", "x")),
    (probit_and_errors, (np.array([-2.5, -0.3, 0.4, 1.7]),), 0),
    (softmax_model, (_normal(3, 4), _normal(5, 3)), ("W", "X")),
]
