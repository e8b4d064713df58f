"""Constants read from outside the function (arrays, tuples, lists, masks, closure arrays):
right gradients and Hessians against numerical derivatives, read when the gradient runs (a
constant changed after the gradient was made gives the new gradient), the same in the module
`symback gen` writes, and clear refusals of what is not a constant."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

import symback
from symback.gradcheck.api import check
from symback.gradcheck.numerical import numerical_gradient
from tests import constants_zoo as cz
from tests.helpers import check_gradient

ROOT = Path(__file__).resolve().parents[1]
STEP = 1e-6
IDS = [f.__name__ for f, _, _ in cz.CONSTANTS_ZOO]


@pytest.mark.parametrize("f, args, wrt", cz.CONSTANTS_ZOO, ids=IDS)
def test_gradient_matches_finite_differences(f, args, wrt):
    check_gradient(f, args, wrt)


@pytest.mark.parametrize("f, args, wrt", cz.CONSTANTS_ZOO, ids=IDS)
def test_hessian_matches_the_gradient_differenced(f, args, wrt):
    x = np.asarray(args[0], dtype=float)
    g = symback.grad(f)
    H = symback.hessian(f)(*args)
    numeric = np.empty((x.size, x.size))
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = STEP
        up = np.asarray(g(*_at(args, x + e.reshape(x.shape))))
        down = np.asarray(g(*_at(args, x - e.reshape(x.shape))))
        numeric[:, i] = np.reshape((up - down) / (2 * STEP), -1)
    np.testing.assert_allclose(np.reshape(H, numeric.shape), numeric, rtol=1e-5, atol=1e-6)


def _at(args, x):
    x = float(x) if np.ndim(args[0]) == 0 else x
    return (x, *args[1:])


def test_array_changed_in_place_and_rebound_gives_the_new_gradient(monkeypatch):
    w = cz.W3
    g = symback.grad(cz.least_squares)
    vg = symback.value_and_grad(cz.least_squares)
    g(w)  # made and specialised with the first target
    target = cz.TARGET.copy()
    monkeypatch.setattr(cz, "TARGET", target)
    target[1] += 3.0  # in place
    expected = cz.DESIGN.T @ (cz.DESIGN @ w - target)
    np.testing.assert_allclose(g(w), expected, rtol=1e-12)
    monkeypatch.setattr(cz, "TARGET", np.zeros(4))  # rebound
    np.testing.assert_allclose(g(w), cz.DESIGN.T @ (cz.DESIGN @ w), rtol=1e-12)
    value, grad = vg(w)
    assert value == cz.least_squares(w)
    np.testing.assert_allclose(grad, cz.DESIGN.T @ (cz.DESIGN @ w), rtol=1e-12)


def test_rebound_to_another_shape_and_kind(monkeypatch):
    g = symback.grad(cz.polynomial)
    assert g(0.7) == pytest.approx(-1.25 + 2 * 0.75 * 0.7 + 3 * 0.1 * 0.49)
    monkeypatch.setattr(cz, "COEFFS", (1.0, 2.0, 3.0, 4.0))
    assert g(0.7) == pytest.approx(2.0 + 6.0 * 0.7 + 12.0 * 0.49)
    monkeypatch.setattr(cz, "COEFFS", {"a": 1.0})  # no longer a constant: refused
    with pytest.raises(symback.SymbackError, match="COEFFS"):
        g(0.7)


def test_closure_cell_changed_after_the_gradient_was_made():
    def make(b):
        def f(v):
            return np.sum(b * v**2)

        def rebind(value):
            nonlocal b
            b = value

        return f, rebind

    f, rebind = make(np.array([1.0, 2.0]))
    g = symback.grad(f)
    v = np.array([0.5, -1.5])
    np.testing.assert_allclose(g(v), 2 * np.array([1.0, 2.0]) * v)
    rebind(np.array([3.0, -1.0]))
    np.testing.assert_allclose(g(v), 2 * np.array([3.0, -1.0]) * v)


def test_check_against_hand_written_gradients():
    def right(w):
        return cz.DESIGN.T @ (cz.DESIGN @ w - cz.TARGET)

    def wrong(w):
        return cz.DESIGN.T @ (cz.DESIGN @ w)  # the target forgotten

    assert check(cz.least_squares, right, cz.W3)
    assert not check(cz.least_squares, wrong, cz.W3)
    numeric = numerical_gradient(cz.masked_index, (cz.V4,), 0)
    assert check(cz.masked_index, lambda v: numeric, cz.V4, points=0)


# -- symback gen: the module imports the constants from the file's module, by name ------------

GENERATED = [f for f, _, _ in cz.CONSTANTS_ZOO if f is not cz.closure_array]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen") / "constants_zoo_grad.py"
    names = [arg for f in GENERATED for arg in ("-f", f.__name__)]
    run = subprocess.run(
        [sys.executable, "-m", "symback", "gen", "tests/constants_zoo.py", *names, "-o", out],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    text = out.read_text()
    assert "import tests.constants_zoo as constants_zoo" in text
    assert "import symback" not in text and "from symback" not in text
    spec = importlib.util.spec_from_file_location("constants_zoo_grad", out)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("f", GENERATED, ids=[f.__name__ for f in GENERATED])
def test_generated_module_matches_finite_differences(generated, f):
    args = next(a for g, a, _ in cz.CONSTANTS_ZOO if g is f)
    got = getattr(generated, f"grad_{f.__name__}")(*args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        numeric = numerical_gradient(f, args, 0)
    np.testing.assert_allclose(got, numeric, rtol=1e-6, atol=1e-8)


def test_generated_module_reads_the_constant_when_it_runs(generated, monkeypatch):
    monkeypatch.setattr(cz, "TARGET", np.ones(4))
    w = cz.W3
    expected = cz.DESIGN.T @ (cz.DESIGN @ w - 1.0)
    np.testing.assert_allclose(generated.grad_least_squares(w), expected, rtol=1e-12)


def test_generated_module_of_a_package_file_runs_without_symback(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "model.py").write_text(textwrap.dedent("""\
            import numpy as np

            TARGET = np.linspace(0.0, 1.0, 3)
            SIGNS = (1.0, -1.0, 2.0)

            def loss(x):
                return np.sum(np.asarray(SIGNS) * (x - TARGET) ** 2)
            """))
    cmd = [sys.executable, "-m", "symback", "gen", str(package / "model.py"), "-f", "loss"]
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "import pkg.model as model" in (package / "model_grad.py").read_text()
    script = (
        "import sys; sys.modules['symback'] = None\n"  # the module must not need symback
        "import numpy as np, pkg.model as m, pkg.model_grad as g\n"
        "x = np.array([0.2, 0.4, 0.9])\n"
        "m.TARGET = np.zeros(3)\n"
        "print(repr(g.grad_loss(x).tolist()))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert eval(out.stdout) == pytest.approx([2 * 0.2, -2 * 0.4, 4 * 0.9])


def test_gen_refuses_a_constant_of_a_file_whose_name_cannot_be_imported(tmp_path):
    path = tmp_path / "my-model.py"
    path.write_text("import numpy as np\nT = np.ones(2)\n\ndef f(x):\n    return np.sum(x * T)\n")
    run = subprocess.run(
        [sys.executable, "-m", "symback", "gen", str(path), "-f", "f", "--stdout"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 3
    assert "my-model.py" in run.stderr and "cannot be imported" in run.stderr


def test_gen_refuses_what_is_plainly_not_a_constant(tmp_path):
    path = tmp_path / "strings.py"
    path.write_text('NAME = "abc"\n\ndef f(x):\n    return x * len(NAME)\n')
    run = subprocess.run(
        [sys.executable, "-m", "symback", "gen", str(path), "-f", "f", "--stdout"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 3 and "NAME" in run.stderr


# -- refusals --------------------------------------------------------------------------------

PAIR = (1.0, 2.0)
OBJECT = object()


def repeats_a_tuple(x):
    return np.sum(x * (2 * PAIR))


def reads_an_object(x):
    return x * OBJECT


def test_python_arithmetic_on_a_tuple_is_refused():
    with pytest.raises(symback.SymbackError, match="list or tuple") as info:
        symback.grad(repeats_a_tuple)
    assert "2 * PAIR" in str(info.value)


def test_an_object_is_refused_naming_it():
    with pytest.raises(symback.SymbackError, match="`OBJECT` \\(a object\\)"):
        symback.grad(reads_an_object)
