"""The array-API target: the array zoo on array_api_strict and Dask arrays against NumPy's
gradients, the refusal of NumPy functions outside the standard, and the in-memory dispatch."""

import ast
import sys

import numpy as np
import pytest

import symback
from symback.ir import live_holders
from symback.pipeline import Options, generate
from tests import array_zoo as az

xps = pytest.importorskip("array_api_strict")
pytest.importorskip("array_api_compat")

from symback.backend.load import load  # noqa: E402

STRICT_ARRAY = type(xps.asarray(0.0))


@pytest.fixture(autouse=True, scope="module")
def _no_dask_threads_left():
    """Dask's threaded scheduler keeps a pool of threads: shut it after these tests (symback's
    first call is quiet only in a process of one thread, specialise._quiet)."""
    yield
    threaded = sys.modules.get("dask.threaded")
    if threaded is not None and threaded.default_pool is not None:
        threaded.default_pool.shutdown(wait=True)
        threaded.default_pool = None


# Zoo programs that generate but fail on array_api_strict at run time, and why (each is a
# limit of the target, listed so that a new failure is seen).
STRICT_LIMITS = {
    # x[i] of a matrix: the standard asks for x[i, ...] (NumPy, Dask and torch take x[i])
    "column_and_row": "index with fewer indices than axes",
    "squeeze_and_expand_dims": "index with fewer indices than axes",
    "new_axes": "index with fewer indices than axes",
    "vectors_in_a_list": "index with fewer indices than axes",
    "tuple_of_values": "index with fewer indices than axes",
    # ... in the gradients of np.hstack, np.vstack and np.column_stack (a row block of g)
    "joins_of_vectors": "index with fewer indices than axes",
    "joins_of_matrices": "index with fewer indices than axes",
    "joins_mixed": "index with fewer indices than axes",
    # an int array (a mask's sum) times a float array: the standard does not promote
    "mask_computed_earlier": "int and float arrays",
    # np.sqrt of a Python int (a shape): the standard's functions take arrays
    "attention": "a NumPy function of a Python number",
}
MESSAGE = "has no equivalent in the Python array API standard"


def _strict(value):
    """A float NumPy array as an array_api_strict array; anything else as it is."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return xps.asarray(value)
    return value


def _array_api_function(f, wrt):
    generated = generate(f, Options(wrt=wrt, array_api=True))
    namespace = load(generated.text, generated.function_name)
    namespace.update(live_holders(generated.lowered))
    return generated, namespace[generated.function_name]


def _as_tuple(value):
    return value if isinstance(value, tuple) else (value,)


def _matches_numpy(f, args, wrt, got) -> None:
    want = _as_tuple(symback.grad(f, wrt=wrt)(*args))
    got = _as_tuple(got)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        g = np.asarray(g)
        assert g.shape == np.shape(w)
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12)


def _run_zoo_entry(entry):
    """'ran' (and matched NumPy), 'refused' (a SymbackError naming the function) or
    'limit' (a listed failure on array_api_strict)."""
    f, args, wrt = entry
    try:
        _, fn = _array_api_function(f, wrt)
    except symback.SymbackError as error:
        assert MESSAGE in error.message
        assert error.lineno is not None  # (at the user's line)
        return "refused"
    try:
        got = fn(*[_strict(a) for a in args])
    except (TypeError, IndexError, ValueError):
        if f.__name__ in STRICT_LIMITS:
            return "limit"
        raise
    _matches_numpy(f, args, wrt, got)
    return "ran"


def test_array_zoo_on_array_api_strict():
    """Every zoo program: the same gradient on array_api_strict as on NumPy, or a
    SymbackError naming the NumPy function outside the standard, or a listed limit; and
    enough of them ran (the test fails if everything is refused)."""
    outcomes = [_run_zoo_entry(entry) for entry in az.ARRAY_ZOO]
    counts = {kind: outcomes.count(kind) for kind in ("ran", "refused", "limit")}
    assert counts["ran"] >= 110, counts
    assert counts["limit"] <= len(STRICT_LIMITS)


def test_models_on_array_api_strict():
    """The zoo's models: the gradient comes back as array_api_strict arrays."""
    models = {"linear_regression", "logistic_regression", "two_layer_mlp", "batch_norm"}
    entries = [e for e in az.ARRAY_ZOO if e[0].__name__ in models]
    assert len(entries) == len(models)
    for f, args, wrt in entries:
        got = symback.grad(f, wrt=wrt)(*[_strict(a) for a in args])
        assert all(isinstance(g, STRICT_ARRAY) for g in _as_tuple(got))
        _matches_numpy(f, args, wrt, got)


def uses_einsum(A, x):
    return np.sum(np.einsum("ij,j->i", A, x) ** 2)


def test_a_function_outside_the_standard_is_named():
    A, x = np.eye(3) + 0.1, np.arange(3.0)
    with pytest.raises(symback.SymbackError, match="np.einsum " + MESSAGE) as caught:
        symback.grad(uses_einsum, wrt="x")(xps.asarray(A), xps.asarray(x))
    assert caught.value.lineno == uses_einsum.__code__.co_firstlineno + 1
    # the NumPy gradient is unchanged: 2 A^T (A x)
    got = symback.grad(uses_einsum, wrt="x")(A, x)
    np.testing.assert_allclose(got, 2 * A.T @ (A @ x), rtol=1e-12)


def logistic(w, X, y):
    p = 1 / (1 + np.exp(-(X @ w)))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def test_numpy_arguments_keep_the_numpy_code():
    g = symback.grad(logistic)
    rng = np.random.default_rng(1)
    X, y, w = rng.standard_normal((20, 3)), (rng.random(20) > 0.5) * 1.0, rng.standard_normal(3)
    p = 1 / (1 + np.exp(-(X @ w)))
    closed_form = X.T @ (p - y) / len(y)
    np.testing.assert_allclose(g(w, X, y), closed_form, rtol=1e-12)
    assert "import numpy as np" in g.source
    assert g.specialised_source is not None  # (NumPy arguments: the specialised code)
    got = g(xps.asarray(w), xps.asarray(X), xps.asarray(y))
    assert isinstance(got, STRICT_ARRAY)
    np.testing.assert_allclose(np.asarray(got), closed_form, rtol=1e-12)


def test_array_api_module_imports_only_array_api_compat():
    g = symback.grad(logistic)
    tree = ast.parse(g.array_api_source)
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert imported <= {"array_api_compat", "array_api_compat.numpy", "math"}
    assert "np" not in {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def test_dask_arrays_give_lazy_gradients_equal_to_numpy():
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(2)
    X, y, w = rng.standard_normal((400, 3)), (rng.random(400) > 0.5) * 1.0, rng.standard_normal(3)
    g = symback.grad(logistic)
    lazy = g(da.from_array(w), da.from_array(X, chunks=(100, 3)), da.from_array(y, chunks=100))
    assert isinstance(lazy, da.Array)
    p = 1 / (1 + np.exp(-(X @ w)))
    np.testing.assert_allclose(lazy.compute(scheduler="threads"), X.T @ (p - y) / 400, rtol=1e-12)


@pytest.mark.parametrize("name", ["two_layer_mlp", "softmax_cross_entropy", "linear_regression"])
def test_zoo_models_on_dask(name):
    da = pytest.importorskip("dask.array")
    f, args, wrt = next(e for e in az.ARRAY_ZOO if e[0].__name__ == name)
    lazy = symback.grad(f, wrt=wrt)(
        *[da.from_array(a, chunks=2) if isinstance(a, np.ndarray) else a for a in args]
    )
    assert all(isinstance(g, da.Array) for g in _as_tuple(lazy))
    computed = tuple(g.compute(scheduler="threads") for g in _as_tuple(lazy))
    _matches_numpy(f, args, wrt, computed)


MODEL_FILE = """
import numpy as np
import symback


@symback.grad(wrt=("W", "b"))
def loss(W, b, X, y):
    h = np.tanh(X @ W + b)
    return np.mean((np.sum(h, axis=1) - y) ** 2)


@symback.grad
def with_einsum(x, A):
    return np.sum(np.einsum("ij,j->i", A, x))
"""


def test_gen_array_api_writes_a_module_importing_only_array_api_compat(tmp_path, capsys):
    from symback.cli import main

    source = tmp_path / "model.py"
    source.write_text(MODEL_FILE)
    assert main(["gen", "--array-api", "-f", "loss", str(source)]) == 0
    written = tmp_path / "model_grad.py"
    text = written.read_text()
    tree = ast.parse(text)
    imported = {a.name for n in tree.body if isinstance(n, ast.Import) for a in n.names}
    assert imported == {"array_api_compat"}
    anywhere = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert all(name.startswith("array_api_compat") for name in anywhere)
    namespace: dict = {}
    exec(compile(text, str(written), "exec"), namespace)
    rng = np.random.default_rng(3)
    W, b, X, y = (
        rng.standard_normal((3, 2)),
        rng.standard_normal(2),
        rng.standard_normal((5, 3)),
        rng.standard_normal(5),
    )
    d_W, d_b = namespace["grad_loss"](*map(xps.asarray, (W, b, X, y)))
    # by hand: r = sum(h, 1) - y, d/d(X W + b) = 2 r / n * (1 - h^2)
    h = np.tanh(X @ W + b)
    inner = (2 * (np.sum(h, axis=1) - y) / 5)[:, None] * (1 - h**2)
    np.testing.assert_allclose(np.asarray(d_W), X.T @ inner, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(d_b), np.sum(inner, axis=0), rtol=1e-12)


def test_gen_array_api_names_a_function_outside_the_standard(tmp_path, capsys):
    from symback.cli import main

    source = tmp_path / "model.py"
    source.write_text(MODEL_FILE)
    assert main(["gen", "--array-api", "-f", "with_einsum", "--stdout", str(source)]) != 0
    err = capsys.readouterr().err
    assert "np.einsum" in err and "line 14" in err.replace(":14", "line 14")
    assert main(["gen", "-f", "with_einsum", "--stdout", str(source)]) == 0  # NumPy: fine


def first_row(X):
    return np.sum(X[0] ** 2)


def test_what_the_library_refuses_is_a_symback_error():
    """array_api_strict takes no x[i] of a matrix (it asks for x[i, ...]): a SymbackError
    saying so, not the library's IndexError; NumPy arrays: 2 X[0] in row 0."""
    X = np.arange(6.0).reshape(2, 3)
    g = symback.grad(first_row)
    with pytest.raises(symback.SymbackError, match="array_api_strict arrays: IndexError"):
        g(xps.asarray(X))
    np.testing.assert_array_equal(g(X), np.array([[0.0, 2.0, 4.0], [0.0, 0.0, 0.0]]))
    with pytest.raises(TypeError):  # (a wrong call is Python's error)
        g(xps.asarray(X), 1.0)


NUMPY_ONLY = """
import sys
import numpy as np
import symback
from logistic_module import logistic

X, y, w = np.ones((4, 2)), np.array([0.0, 1.0, 1.0, 0.0]), np.zeros(2)
g = symback.grad(logistic)
assert abs(g(w, X, y) - X.T @ (0.5 - y) / 4).max() < 1e-15
source = g.source
print(sorted(m for m in ("array_api_compat", "array_api_strict", "dask") if m in sys.modules))
"""


def test_numpy_gradients_import_no_array_api_package(tmp_path):
    import inspect
    import os
    import subprocess
    import sys

    (tmp_path / "logistic_module.py").write_text(
        "import numpy as np\n\n\n" + inspect.getsource(logistic)
    )
    path = os.pathsep.join([str(tmp_path), os.path.dirname(os.path.dirname(symback.__file__))])
    run = subprocess.run(
        [sys.executable, "-c", NUMPY_ONLY],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": path},
    )
    assert run.stdout.strip() == "[]"


def test_numpy_weights_with_dask_data():
    """NumPy parameters beside Dask data: the Dask namespace, the NumPy arrays put in it."""
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(4)
    X, y, w = rng.standard_normal((60, 3)), (rng.random(60) > 0.5) * 1.0, rng.standard_normal(3)
    value, lazy = symback.value_and_grad(logistic)(w, da.from_array(X, chunks=20), y)
    assert isinstance(lazy, da.Array) and isinstance(value, da.Array)
    p = 1 / (1 + np.exp(-(X @ w)))
    np.testing.assert_allclose(lazy.compute(scheduler="threads"), X.T @ (p - y) / 60, rtol=1e-12)
    want = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert float(value.compute(scheduler="threads")) == pytest.approx(want, rel=1e-13)
