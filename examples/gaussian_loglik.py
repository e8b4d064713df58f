"""Maximum likelihood for a Gaussian's mean and log standard deviation, by gradient ascent.

Parametrising by log_sigma keeps sigma positive without constraints. The answer has a closed
form, mu = mean(x) and sigma = std(x) (ddof=0), which the ascent should reach.

    python examples/gaussian_loglik.py
"""

import math

import numpy as np

import symback

LOG_2PI = math.log(2 * math.pi)


def loglik(mu, log_sigma, x):
    """Mean log-density of the samples x under N(mu, exp(log_sigma)^2)."""
    sigma = np.exp(log_sigma)
    z = (x - mu) / sigma
    return np.mean(-0.5 * z**2 - log_sigma - 0.5 * LOG_2PI)


def make_data(n=500, seed=4):
    rng = np.random.default_rng(seed)
    return 2.5 + 1.7 * rng.standard_normal(n)


def main(steps=400, lr=0.2, verbose=True):
    x = make_data()
    mu, log_sigma = 0.0, 0.0
    value_and_grad = symback.value_and_grad(loglik, wrt=("mu", "log_sigma"))
    values = []
    for step in range(steps):
        value, (d_mu, d_log_sigma) = value_and_grad(mu, log_sigma, x)
        values.append(float(value))
        mu, log_sigma = mu + lr * d_mu, log_sigma + lr * d_log_sigma  # ascent
        if verbose and step % 50 == 0:
            print(f"step {step:4d}  mean log-likelihood {value:.6f}")
    mu_mle, sigma_mle = float(np.mean(x)), float(np.std(x))
    result = {
        "mu": float(mu),
        "sigma": float(np.exp(log_sigma)),
        "mu_closed_form": mu_mle,
        "sigma_closed_form": sigma_mle,
        "initial_loglik": values[0],
        "final_loglik": float(loglik(mu, log_sigma, x)),
        "max_loglik": float(loglik(mu_mle, math.log(sigma_mle), x)),
        "values": values,
    }
    if verbose:
        print(f"gradient ascent: mu = {result['mu']:.6f}, sigma = {result['sigma']:.6f}")
        print(f"closed form:     mu = {mu_mle:.6f}, sigma = {sigma_mle:.6f}")
    return result


if __name__ == "__main__":
    main()
