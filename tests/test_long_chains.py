"""Long chains and deep nesting in one statement: gradients right, or a SymbackError."""

import importlib.util
import itertools

import numpy as np
import pytest

import symback
from symback import depth
from symback.errors import SymbackError

from .helpers import central_difference


def _load(tmp_path, body: str, params: str):
    path = tmp_path / "chain_module.py"
    path.write_text(f"import numpy as np\n\n\ndef f({params}):\n    return {body}\n")
    spec = importlib.util.spec_from_file_location("chain_module", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.f


def test_sum_of_many_names_has_unit_gradient(tmp_path):
    # 600 terms: deeper than Python's default recursion limit allows a walk of the tree
    names = [f"x{i}" for i in range(600)]
    f = _load(tmp_path, " + ".join(names), ", ".join(names))
    args = [float(i % 7) / 3 for i in range(600)]
    grads = symback.grad(f, wrt=tuple(names))(*args)
    assert f(*args) == sum(args)  # (sanity of the module written)
    np.testing.assert_array_equal(np.array(grads), np.ones(600))


def test_left_deep_mixed_chain_matches_differences(tmp_path):
    # x*1.001 - x*x/7 + np.sin(x) ... 400 operators, every one of + - * /
    ops = itertools.cycle([" + np.sin(x)", " * 1.001", " - x * 0.5", " / 1.002"])
    body = "x" + "".join(next(ops) for _ in range(400))
    f = _load(tmp_path, body, "x")
    g = symback.grad(f)(0.7)
    assert g == pytest.approx(central_difference(f, (0.7,), 0), rel=1e-6)


def test_right_deep_nesting_matches_differences(tmp_path):
    # x0 - (x1 + (x0 - (x1 + ...))) 150 levels of parentheses, and 25 nested calls
    body = "x0"
    for i in range(150):
        body = f"x{i % 2} {'+' if i % 2 else '-'} ({body})"
    f = _load(tmp_path, body, "x0, x1")
    g = symback.grad(f, wrt=("x0", "x1"))(0.3, 0.4)
    for i in range(2):
        assert g[i] == pytest.approx(central_difference(f, (0.3, 0.4), i), rel=1e-6, abs=1e-6)
    calls = "x"
    for i in range(25):
        calls = f"np.{'sin' if i % 2 else 'tanh'}({calls} + 0.1)"
    h = _load(tmp_path, calls, "x")
    assert symback.grad(h)(0.5) == pytest.approx(central_difference(h, (0.5,), 0), rel=1e-5)


def test_too_deep_is_a_symback_error_at_the_statement(tmp_path, monkeypatch):
    monkeypatch.setattr(depth, "MAX_DEPTH", 50)
    f = _load(tmp_path, " + ".join(["x"] * 60), "x")
    with pytest.raises(SymbackError) as caught:
        symback.grad(f)
    assert caught.value.lineno == 5 and "deep" in caught.value.message and caught.value.hint
