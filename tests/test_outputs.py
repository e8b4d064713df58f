"""Outputs that are not one number (vjp, jacobian), Hessians over several parameters, and
JAX's `argnums=`: each checked against central differences of the function itself."""

from __future__ import annotations

import numpy as np
import pytest

import symback

RNG = np.random.default_rng(3)


def central_jacobian(f, args, i, h=1e-6):
    """d f(args) / d args[i], shaped output.shape + args[i].shape, by central differences."""
    x = np.array(args[i], dtype=float)
    out = np.asarray(f(*args))
    J = np.zeros(out.shape + x.shape)
    for k in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[k] += h
        minus[k] -= h
        up = list(args)
        down = list(args)
        up[i], down[i] = (plus, minus) if x.ndim else (float(plus), float(minus))
        J[(...,) + k] = (np.asarray(f(*up)) - np.asarray(f(*down))) / (2 * h)
    return J


def central_hessian(f, args, i, j, h=1e-4):
    """d2 f / d args[i] d args[j], shaped args[i].shape + args[j].shape (second differences)."""
    xi, xj = np.shape(args[i]), np.shape(args[j])
    H = np.zeros(xi + xj)
    for p in np.ndindex(xi):
        for q in np.ndindex(xj):
            total = 0.0
            for si in (1, -1):
                for sj in (1, -1):
                    moved = [np.array(a, dtype=float) for a in args]
                    moved[i][p] += si * h
                    moved[j][q] += sj * h
                    moved = [m if np.ndim(a) else float(m) for m, a in zip(moved, args)]
                    total += si * sj * f(*moved)
            H[p + q] = total / (4 * h * h)
    return H


def mixed(a, B, c):
    return np.sum(np.sin(a) * (B.T @ (B @ a)) ** 2) + np.sum(a) ** 2 * c + c**3 * np.sum(B)


def mixed_args():
    return RNG.normal(size=3), RNG.normal(size=(2, 3)), 0.7


def test_hessian_over_several_parameters_has_jax_nesting():
    args = mixed_args()
    H = symback.hessian(mixed, wrt=(0, 1, 2))(*args)
    assert len(H) == 3 and all(len(row) == 3 for row in H)
    for i in range(3):
        for j in range(3):
            expected = central_hessian(mixed, args, i, j)
            assert np.shape(H[i][j]) == expected.shape
            np.testing.assert_allclose(H[i][j], expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(H[0][1], np.moveaxis(H[1][0], [0, 1], [1, 2]), atol=1e-12)


def test_hessian_by_name_and_by_argnums_agree_with_one_parameter():
    args = mixed_args()
    by_name = symback.hessian(mixed, wrt="B")(*args)
    by_argnums = symback.hessian(mixed, argnums=1)(*args)
    np.testing.assert_allclose(by_name, central_hessian(mixed, args, 1, 1), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(by_name, by_argnums)


def layer(x, W):
    return np.tanh(W @ x) * np.sum(x)


def test_vjp_against_the_jacobian_by_central_differences():
    x, W = RNG.normal(size=3), RNG.normal(size=(2, 3))
    out, vjp_fn = symback.vjp(layer, x, W)
    np.testing.assert_array_equal(out, layer(x, W))
    ct = RNG.normal(size=2)
    gx, gW = vjp_fn(ct)  # every positional argument, as jax.vjp
    np.testing.assert_allclose(gx, ct @ central_jacobian(layer, (x, W), 0), rtol=1e-6)
    np.testing.assert_allclose(
        gW, np.tensordot(ct, central_jacobian(layer, (x, W), 1), 1), rtol=1e-6
    )
    _, only_x = symback.vjp(layer, x, W, argnums=0)
    np.testing.assert_allclose(only_x(ct), gx, rtol=1e-12)
    with pytest.raises(symback.SymbackError, match="shape"):
        vjp_fn(np.ones(3))


def test_jacobian_one_vjp_per_output_element():
    x, W = RNG.normal(size=3), RNG.normal(size=(2, 3))
    J = symback.jacobian(layer)(x, W)
    np.testing.assert_allclose(J, central_jacobian(layer, (x, W), 0), rtol=1e-6, atol=1e-9)
    Jx, JW = symback.jacobian(layer, argnums=(0, 1))(x, W)
    assert JW.shape == (2, 2, 3)
    np.testing.assert_allclose(JW, central_jacobian(layer, (x, W), 1), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(Jx, J, rtol=1e-12)


def test_the_jacobian_of_a_gradient_is_the_hessian():
    args = mixed_args()
    J = symback.jacobian(symback.grad(mixed))(*args)
    np.testing.assert_allclose(J, central_hessian(mixed, args, 0, 0), rtol=1e-5, atol=1e-5)


def test_argnums_is_wrt_by_index():
    args = mixed_args()
    ga, gc = symback.grad(mixed, argnums=(0, 2))(*args)
    np.testing.assert_allclose(ga, central_jacobian(mixed, args, 0), rtol=1e-6)
    np.testing.assert_allclose(gc, central_jacobian(mixed, args, 2), rtol=1e-6)
    value, gB = symback.value_and_grad(mixed, argnums=1)(*args)
    assert value == mixed(*args)
    np.testing.assert_allclose(gB, central_jacobian(mixed, args, 1), rtol=1e-6)


@pytest.mark.parametrize(
    "options, match",
    [
        ({"argnums": "a"}, "argnums must be an int"),
        ({"argnums": (0, 1.5)}, "argnums must be an int"),
        ({"argnums": 0, "wrt": "B"}, "not both"),
        ({"argnums": 5}, "wrt=5"),
    ],
)
def test_argnums_mistakes_are_symback_errors(options, match):
    with pytest.raises(symback.SymbackError, match=match):
        symback.grad(mixed, **options)(*mixed_args())


def tree_layer(params, X):
    return np.tanh(X @ params["W"] + params["b"])


def test_vjp_and_jacobian_with_a_parameter_tree():
    params = {"W": RNG.normal(size=(3, 2)), "b": RNG.normal(size=2)}
    X = RNG.normal(size=(4, 3))

    def of_W(W, b, X_):
        return tree_layer({"W": W, "b": b}, X_)

    J = symback.jacobian(tree_layer)(params, X)
    assert list(J) == ["W", "b"]
    np.testing.assert_allclose(
        J["W"], central_jacobian(of_W, (params["W"], params["b"], X), 0), rtol=1e-6, atol=1e-9
    )
    np.testing.assert_allclose(
        J["b"], central_jacobian(of_W, (params["W"], params["b"], X), 1), rtol=1e-6, atol=1e-9
    )
    ct = RNG.normal(size=(4, 2))
    g_params, g_X = symback.vjp(tree_layer, params, X)[1](ct)
    np.testing.assert_allclose(g_params["W"], np.tensordot(ct, J["W"], 2), rtol=1e-10)
    np.testing.assert_allclose(
        g_X,
        np.tensordot(ct, central_jacobian(of_W, (params["W"], params["b"], X), 2), 2),
        rtol=1e-6,
    )


def tree_loss(params, X):
    return np.sum(tree_layer(params, X) ** 2)


def reads_tree(params, X):
    return np.sum(np.tanh(X @ params["W"]) ** 2)


@pytest.mark.parametrize("second", ["hessian", "hvp", "grad of grad", "jacobian of grad"])
def test_second_derivatives_of_a_tree_are_refused(second):
    params = {"W": RNG.normal(size=(3, 2)), "b": RNG.normal(size=2)}
    X = RNG.normal(size=(4, 3))
    with pytest.raises(symback.SymbackError, match="parameter tree"):
        if second == "hessian":
            symback.hessian(tree_loss)(params, X)
        elif second == "hvp":
            symback.hessian_vector_product(tree_loss)(params, X, v=params)
        elif second == "grad of grad":
            symback.grad(symback.grad(tree_loss))(params, X)
        else:
            symback.jacobian(symback.grad(reads_tree))(params, X)
