"""Parameter trees: a dict, list, tuple or NamedTuple parameter's gradient has its structure,
each leaf's gradient checked against central differences of the function itself."""

from __future__ import annotations

import copy
from typing import NamedTuple

import numpy as np
import pytest

import symback

RNG = np.random.default_rng(7)


def numerical_tree_gradient(f, tree, *rest, h=1e-6):
    """d f / d (every element of every leaf), by central differences, as a tree like `tree`
    (walked here independently of symback's own tree code)."""

    def walk(node, set_leaf):
        if isinstance(node, dict):
            return {
                k: walk(v, lambda new, k=k, node=node: node.__setitem__(k, new))
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [
                walk(v, lambda new, i=i, node=node: node.__setitem__(i, new))
                for i, v in enumerate(node)
            ]
        if isinstance(node, tuple):
            parts = [walk(v, None) for v in node]
            return type(node)(*parts) if hasattr(type(node), "_fields") else tuple(parts)
        return _leaf_gradient(node)

    def _leaf_gradient(leaf):
        x = np.array(leaf, dtype=float)
        g = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            for sign in (1, -1):
                y = x.copy()
                y[i] += sign * h
                g[i] += sign * f(replace(tree, leaf, y if np.ndim(leaf) else float(y)), *rest)
        return g / (2 * h) if np.ndim(leaf) else float(g / (2 * h))

    return walk(tree, None)


def replace(tree, old, new):
    """`tree` with the leaf that is `old` (by identity) replaced by `new`."""
    if tree is old:
        return new
    if isinstance(tree, dict):
        return {k: replace(v, old, new) for k, v in tree.items()}
    if isinstance(tree, list):
        return [replace(v, old, new) for v in tree]
    if isinstance(tree, tuple):
        parts = [replace(v, old, new) for v in tree]
        return type(tree)(*parts) if hasattr(type(tree), "_fields") else tuple(parts)
    return tree


def assert_trees_close(got, expected, rtol=1e-6, atol=1e-8, path="grad"):
    if isinstance(expected, (dict, list, tuple)):  # (a scalar's gradient may be np.float64)
        assert type(got) is type(expected), f"{path}: {type(got).__name__}"
    if isinstance(expected, dict):
        assert list(got) == list(expected), f"{path}: keys {list(got)} != {list(expected)}"
        for k in expected:
            assert_trees_close(got[k], expected[k], rtol, atol, f"{path}[{k!r}]")
    elif isinstance(expected, (list, tuple)):
        assert len(got) == len(expected), path
        for i, (a, b) in enumerate(zip(got, expected)):
            assert_trees_close(a, b, rtol, atol, f"{path}[{i}]")
    else:
        assert np.shape(got) == np.shape(expected), f"{path}: shape {np.shape(got)}"
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, err_msg=path)


def check(f, tree, *rest, **grad_options):
    before = copy.deepcopy(tree)
    got = symback.grad(f, **grad_options)(tree, *rest)
    assert_trees_close(got, numerical_tree_gradient(f, tree, *rest))
    assert_trees_close(tree, before)  # the caller's tree is left alone
    return got


# -- the shapes of trees and the ways code reads them ----------------------------------------


def mlp(params, X, Y):
    h = np.tanh(X @ params["W1"] + params["b1"])
    out = h @ params["W2"] + params["b2"]
    return np.sum((out - Y) ** 2)


def mlp_params():
    return {
        "W1": RNG.normal(size=(3, 4)),
        "b1": RNG.normal(size=4),
        "W2": RNG.normal(size=(4, 2)),
        "b2": RNG.normal(size=2),
    }


def test_a_dict_of_arrays():
    X, Y = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 2))
    g = check(mlp, mlp_params(), X, Y)
    assert list(g) == ["W1", "b1", "W2", "b2"]


def swapped(params):
    # same shapes, different roles: a gradient given under the wrong key would be wrong
    return np.sum(params["a"] ** 3) + 5.0 * np.sum(np.sin(params["b"]))


def test_keys_are_not_mixed_up_whatever_their_order():
    a, b = RNG.normal(size=3), RNG.normal(size=3)
    for tree in ({"a": a, "b": b}, {"b": b, "a": a}):
        g = check(swapped, tree)
        np.testing.assert_allclose(g["a"], 3 * a**2)
        np.testing.assert_allclose(g["b"], 5 * np.cos(b))


class Layer(NamedTuple):
    W: np.ndarray
    b: np.ndarray


def by_fields(layer, x):
    return np.sum(np.tanh(layer.W @ x + layer.b) ** 2)


def test_a_namedtuple_read_by_field():
    layer = Layer(RNG.normal(size=(2, 3)), RNG.normal(size=2))
    g = check(by_fields, layer, RNG.normal(size=3))
    assert type(g) is Layer


def by_index(p):
    return p[0] * np.sum(p[1] ** 2) + np.sum(np.exp(p[-1]))


def test_lists_and_tuples_read_by_index():
    for tree in ([1.5, RNG.normal(size=3)], (0.5, RNG.normal(size=(2, 2)))):
        g = check(by_index, tree)
        assert type(g) is type(tree)
        assert isinstance(g[0], float)


def deep(layers, x):
    h = x
    for W, b in layers:
        h = np.tanh(W @ h + b)
    return np.sum(h**2)


def test_a_for_loop_over_a_list_of_tuples():
    sizes = [(3, 4), (2, 3), (1, 2)]
    layers = [(RNG.normal(size=s), RNG.normal(size=s[0])) for s in sizes]
    g = check(deep, layers, RNG.normal(size=4))
    assert [tuple(np.shape(w) for w in layer) for layer in g] == [
        ((3, 4), (3,)),
        ((2, 3), (2,)),
        ((1, 2), (1,)),
    ]


def unpacked(params, x):
    W, b = params
    return np.sum((W @ x + b) ** 2)


def test_unpacking_a_parameter():
    check(unpacked, (RNG.normal(size=(2, 3)), RNG.normal(size=2)), RNG.normal(size=3))


def nested(params, x):
    enc = params["encoder"]
    h = np.tanh(enc["W"] @ x)
    total = 0.0
    for i, (W, b) in enumerate(params["decoder"]):
        h = np.sin(W @ h + b) * (i + 1)
        total = total + np.sum(h)
    for key, value in params["scales"].items():
        total = total + value * np.sum(h) * (len(key) + 1)
    return total + len(params["decoder"]) * params["scales"]["s"] ** 2


def test_nested_trees_enumerate_items_and_len():
    params = {
        "encoder": {"W": RNG.normal(size=(3, 2))},
        "decoder": [(RNG.normal(size=(3, 3)), RNG.normal(size=3)) for _ in range(2)],
        "scales": {"s": 0.7, "t": -1.2},
    }
    check(nested, params, RNG.normal(size=2))


def by_key(params, x):
    total = 0.0
    for key, value in params.items():
        if key == "w":
            total = total + np.sum(value * x)
        else:
            total = total + np.sum(value**2)
    return total


def test_a_branch_on_the_key():
    params = {"w": RNG.normal(size=3), "v": RNG.normal(size=3)}
    x = RNG.normal(size=3)
    g = check(by_key, params, x)
    np.testing.assert_allclose(g["w"], x)  # (the branch for "w" only)
    np.testing.assert_allclose(g["v"], 2 * params["v"])


def regularised(params, x):
    total = 0.0
    for w in params.values():
        total = total + 0.1 * np.sum(w**2)
    return total + np.sum(params["w"] * x)


def test_values_and_an_unused_leaf():
    params = {"w": RNG.normal(size=3), "unused": RNG.normal(size=(2, 2)), "c": 2.0}
    g = check(lambda_free_unused, params, RNG.normal(size=3))
    np.testing.assert_array_equal(g["unused"], np.zeros((2, 2)))
    check(regularised, params, RNG.normal(size=3))


def lambda_free_unused(params, x):
    return np.sum(params["w"] * x) * params["c"]


def test_with_respect_to_a_tree_and_an_array():
    X, Y = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 2))
    params = mlp_params()
    g_params, g_X = symback.grad(mlp, wrt=("params", "X"))(params, X, Y)
    assert_trees_close(g_params, numerical_tree_gradient(mlp, params, X, Y))
    assert_trees_close(g_X, numerical_tree_gradient(lambda X_, p, Y_: mlp(p, X_, Y_), X, params, Y))


def test_value_and_grad_and_has_aux_with_a_dict():
    def with_aux(params, X, Y):
        h = np.tanh(X @ params["W1"] + params["b1"])
        out = h @ params["W2"] + params["b2"]
        return np.sum((out - Y) ** 2), {"out": out, "h": h}

    X, Y = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 2))
    params = mlp_params()
    (value, aux), g = symback.value_and_grad(with_aux, has_aux=True)(params, X, Y)
    assert value == mlp(params, X, Y)
    assert_trees_close(g, numerical_tree_gradient(mlp, params, X, Y))
    np.testing.assert_array_equal(aux["h"], np.tanh(X @ params["W1"] + params["b1"]))
    g2, aux2 = symback.grad(with_aux, has_aux=True)(params, X, Y)
    assert_trees_close(g2, g, rtol=0, atol=0)
    assert set(aux2) == {"out", "h"}


def test_a_second_structure_and_plain_arrays_after_trees():
    g = symback.grad(by_index)
    for tree in ([1.5, RNG.normal(size=3)], (0.5, RNG.normal(size=(2, 2))), [2.0, 3.0]):
        for _ in range(2):  # (the second call runs the fast path)
            assert_trees_close(g(tree), numerical_tree_gradient(by_index, tree))
    x = RNG.normal(size=3)
    np.testing.assert_allclose(
        symback.grad(by_index)(x), [np.sum(x[1:2] ** 2), 2 * x[0] * x[1], np.exp(x[2])]
    )


def test_source_before_and_after_a_call():
    def mlp_here(params, X, Y):
        return np.sum((np.tanh(X @ params["W1"] + params["b1"]) @ params["W2"] - Y) ** 2)

    g = symback.grad(mlp_here)
    with pytest.raises(symback.SymbackError, match="first call"):
        _ = g.source
    params = mlp_params()
    del params["b2"]
    g(params, RNG.normal(size=(5, 3)), RNG.normal(size=(5, 2)))
    assert "def grad_mlp_here(params_W1, params_b1, params_W2, X, Y)" in g.source


def predict(params, X):
    h = np.tanh(X @ params["W1"] + params["b1"])
    return h @ params["W2"] + params["b2"]


def squared_error(params, X, Y):
    return np.sum((predict(params, X) - Y) ** 2) + penalty(layers=[params["W1"], params["W2"]])


def penalty(scale=0.1, *, layers):
    total = 0.0
    for W in layers:
        total = total + scale * np.sum(W**2)
    return total


def test_a_tree_passed_on_to_helper_functions():
    X, Y = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 2))
    check(squared_error, mlp_params(), X, Y)


def through_fields(layer, x):
    return by_fields(layer, x) + by_fields(Layer(layer.b[:, None] * layer.W, layer.b), x)


def test_a_namedtuple_passed_on_and_rebuilt():
    layer = Layer(RNG.normal(size=(2, 3)), RNG.normal(size=2))
    with pytest.raises(symback.SymbackError, match="Layer"):  # (a new tree is not followed)
        symback.grad(through_fields)(layer, RNG.normal(size=3))


# -- what stays refused, with a place ---------------------------------------------------------


def writes_into(params):
    params["w"] = params["w"] * 2.0
    return np.sum(params["w"])


def missing_key(params):
    return np.sum(params["nope"])


def indexed_by_data(layers, i):
    return np.sum(layers[i])


def early_exit(layers):
    total = 0.0
    for w in layers:
        if total > 1.0:
            break
        total = total + np.sum(w)
    return total


@pytest.mark.parametrize(
    "f, args, match",
    [
        (writes_into, ({"w": np.ones(2)},), "assigned again|writing into"),
        (missing_key, ({"w": np.ones(2)},), "no key 'nope'"),
        (indexed_by_data, ([np.ones(2), np.ones(2)], 1), "known only as it runs"),
        (early_exit, ([np.ones(2), np.ones(2)],), "unrolled"),
    ],
)
def test_refusals_name_the_construct(f, args, match):
    with pytest.raises(symback.SymbackError, match=match) as info:
        symback.grad(f)(*args)
    assert info.value.lineno is not None


def test_symback_gen_refuses_a_tree_and_says_why(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(
        "import numpy as np\n"
        "import symback\n\n\n"
        "@symback.grad\n"
        "def loss(params, X):\n"
        '    return np.sum(np.tanh(X @ params["W"]))\n\n\n'
        "@symback.grad(argnums=1)\n"
        "def other(a, b):\n"
        "    return np.sum(a * b**2)\n"
    )
    with pytest.raises(symback.SymbackError, match="known only at a call") as info:
        symback.generate(path)
    assert (info.value.lineno, info.value.col_offset) == (7, 30)
    text = symback.generate(path, functions="other")  # argnums=1 in the decorator: wrt b
    namespace: dict = {}
    exec(compile(text, "other_grad", "exec"), namespace)
    a, b = RNG.normal(size=3), RNG.normal(size=3)
    np.testing.assert_allclose(namespace["grad_other"](a, b), 2 * a * b)


def test_check_and_explain_refuse_a_tree_with_a_symback_error():
    params, X, Y = mlp_params(), RNG.normal(size=(5, 3)), RNG.normal(size=(5, 2))
    with pytest.raises(symback.SymbackError, match="parameter tree"):
        symback.check(mlp, symback.grad(mlp), params, X, Y)
    with pytest.raises(symback.SymbackError, match="parameter tree"):
        symback.explain(mlp, params, X, Y)


class Dense(NamedTuple):
    W: np.ndarray
    b: float


def dense_stack(layers, x, *, scale):
    h = x
    for layer in layers:
        h = np.tanh(layer.W @ h + layer.b)
    return scale * np.sum(h**2)


def test_a_list_of_namedtuples_with_float_leaves_by_keyword():
    layers = [Dense(RNG.normal(size=(3, 3)), 0.5), Dense(RNG.normal(size=(2, 3)), -0.2)]
    x = RNG.normal(size=3)
    g = symback.grad(dense_stack)
    by_keyword = g(layers=layers, x=x, scale=2.0)
    assert_trees_close(
        by_keyword, numerical_tree_gradient(lambda t, x_: dense_stack(t, x_, scale=2.0), layers, x)
    )
    assert type(by_keyword[1]) is Dense and isinstance(by_keyword[1].b, float)
    assert_trees_close(g(layers, x, scale=2.0), by_keyword, rtol=0, atol=0)


def with_dict_aux(params, X):
    h = np.tanh(X @ params["W"] + params["b"])
    return np.sum(h**2), {"h": h}


@pytest.mark.parametrize("value_too", [False, True])
@pytest.mark.parametrize("wrt", [0, (0, 1)])
def test_the_generated_call_agrees_with_the_first(value_too, wrt):
    # (the first call with a structure goes the general way; the next ones run the
    # generated call that takes the tree apart and builds the gradient's)
    params = {"W": RNG.normal(size=(3, 2)), "b": RNG.normal(size=2)}
    X = RNG.normal(size=(4, 3))
    make = symback.value_and_grad if value_too else symback.grad
    g = make(with_dict_aux, wrt=wrt, has_aux=True)
    first, second = g(params, X), g(params, X)
    assert repr(first) == repr(second)
    gradient = first[1] if value_too else first[0]
    tree = gradient[0] if isinstance(wrt, tuple) else gradient
    assert_trees_close(
        tree, numerical_tree_gradient(lambda p, X_: with_dict_aux(p, X_)[0], params, X)
    )
