"""The ML examples in examples/ run, converge, and agree with closed forms where there is one."""

import importlib.util
import os

import numpy as np
import pytest

import symback
from tests.helpers import check_gradient

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


def load_example(name):
    """Import examples/<name>.py as a module (examples/ is not a package)."""
    path = os.path.join(EXAMPLES, f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"symback_example_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def logistic():
    module = load_example("logistic_regression")
    return module, module.main(verbose=False)


@pytest.fixture(scope="module")
def mlp():
    module = load_example("mlp")
    return module, module.main(verbose=False)


@pytest.fixture(scope="module")
def softmax():
    module = load_example("softmax_classifier")
    return module, module.main(verbose=False)


@pytest.fixture(scope="module")
def gaussian():
    module = load_example("gaussian_loglik")
    return module, module.main(verbose=False)


# ---------------------------------------------------------------- logistic regression


def test_logistic_regression_converges(logistic):
    _, r = logistic
    assert r["initial_loss"] == pytest.approx(np.log(2))
    assert r["final_loss"] < 0.4 * r["initial_loss"]
    assert all(b <= a + 1e-12 for a, b in zip(r["losses"], r["losses"][1:]))
    assert r["accuracy"] > 0.85


def test_logistic_regression_reaches_a_stationary_point(logistic):
    module, r = logistic
    X, y = module.make_data()
    dw, db = symback.grad(module.loss, wrt=("w", "b"))(r["w"], r["b"], X, y, 1e-3)
    assert np.linalg.norm(dw) < 1e-3 and abs(db) < 1e-3


def test_logistic_regression_gradient_is_right():
    module = load_example("logistic_regression")
    X, y = module.make_data(n=30)
    w = np.array([0.3, -0.2, 0.5])
    check_gradient(module.loss, (w, 0.1, X, y, 0.01), wrt=("w", "b", "lam"))


# ---------------------------------------------------------------- MLP


def test_mlp_converges(mlp):
    _, r = mlp
    assert r["final_loss"] < r["initial_loss"] / 50
    assert r["final_loss"] < r["baseline_loss"] / 20  # far better than predicting the mean
    assert r["final_loss"] < 0.01


def test_mlp_gradient_is_right():
    module = load_example("mlp")
    X, y = module.make_data(n=20)
    params = module.init(hidden=5)
    check_gradient(module.loss, (*params, X, y), wrt=("W1", "b1", "W2", "b2"))


# ---------------------------------------------------------------- softmax classifier


def test_softmax_classifier_converges(softmax):
    _, r = softmax
    assert r["initial_loss"] == pytest.approx(np.log(3))
    assert r["final_loss"] < r["initial_loss"] / 5
    assert r["accuracy"] > 0.9


def test_softmax_gradient_is_right_and_shift_invariant():
    module = load_example("softmax_classifier")
    X, Y, _ = module.make_data(per_class=6)
    rng = np.random.default_rng(0)
    W, b = rng.standard_normal((2, 3)), rng.standard_normal(3)
    dW, db = check_gradient(module.loss, (W, b, X, Y), wrt=("W", "b"))
    # The textbook gradient: (softmax(z) - Y) / n, which the max subtraction does not change.
    z = X @ W + b
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    n = len(X)
    np.testing.assert_allclose(dW, X.T @ (p - Y) / n, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(db, np.sum(p - Y, axis=0) / n, rtol=1e-10, atol=1e-14)


def test_softmax_gradient_at_tied_logits():
    # At W = 0, b = 0 every row's three logits tie for the maximum; the gradient must still
    # be the textbook one (the max's contributions cancel whatever the tie rule is).
    module = load_example("softmax_classifier")
    X, Y, _ = module.make_data(per_class=6)
    dW, db = symback.grad(module.loss, wrt=("W", "b"))(np.zeros((2, 3)), np.zeros(3), X, Y)
    np.testing.assert_allclose(dW, X.T @ (1 / 3 - Y) / len(X), atol=1e-15)
    np.testing.assert_allclose(db, np.mean(1 / 3 - Y, axis=0), atol=1e-15)


def test_softmax_large_logits_stay_finite():
    module = load_example("softmax_classifier")
    X, Y, _ = module.make_data(per_class=6)
    W = np.array([[800.0, 0.0, -800.0], [0.0, 900.0, 0.0]])
    dW, db = symback.grad(module.loss, wrt=("W", "b"))(W, np.zeros(3), X, Y)
    assert np.all(np.isfinite(dW)) and np.all(np.isfinite(db))


# ---------------------------------------------------------------- Gaussian MLE


def test_gaussian_mle_matches_closed_form(gaussian):
    _, r = gaussian
    assert r["mu"] == pytest.approx(r["mu_closed_form"], abs=1e-6)
    assert r["sigma"] == pytest.approx(r["sigma_closed_form"], rel=1e-6)
    assert r["final_loglik"] == pytest.approx(r["max_loglik"], abs=1e-10)
    assert r["final_loglik"] > r["initial_loglik"] + 1.0


def test_gaussian_loglik_gradient_is_right():
    module = load_example("gaussian_loglik")
    x = module.make_data(n=25)
    check_gradient(module.loglik, (0.3, 0.2, x), wrt=("mu", "log_sigma", "x"))


# ---------------------------------------------------------------- the existing example


def test_sigmoid_neuron_example_runs(capsys):
    module = load_example("sigmoid_neuron")
    module.main()  # asserts the tutorial's numbers itself
    out = capsys.readouterr().out
    assert "def value_and_grad_loss" in out or "def grad_loss" in out
    assert "checked: matches numerical gradients and the worked example" in out
