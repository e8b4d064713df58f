"""The NumPy functions added for issue 13 through `symback gen` and `symback.check`: the
generated module (numpy and math only) against central differences, and hand-written
gradients of tensordot, tril, repeat and % judged right, planted mistakes in them caught."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import shutil
from pathlib import Path

import numpy as np
import pytest

import symback
from symback import codegen
from symback.gradcheck.api import check
from tests import funcs_zoo
from tests.funcs_zoo import FUNCS_ZOO

STEP = 1e-6


def central_differences(f, args, i):
    """d f / d args[i], element by element."""
    x = np.asarray(args[i], dtype=float)
    out = np.zeros(x.shape)
    for k in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[k] += STEP
        down[k] -= STEP
        if np.ndim(args[i]) == 0:
            up, down = float(up), float(down)
        hi = f(*[up if j == i else a for j, a in enumerate(args)])
        lo = f(*[down if j == i else a for j, a in enumerate(args)])
        out[k] = (hi - lo) / (2 * STEP)
    return out


@pytest.fixture(scope="module")
def zoo_copy(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("funcs_gen")
    return Path(shutil.copy(funcs_zoo.__file__, directory / "funcs_zoo_copy.py"))


def _names(f, wrt):
    params = list(f.__code__.co_varnames[: f.__code__.co_argcount])
    wrt = wrt if isinstance(wrt, tuple) else (wrt,)
    return [params[w] if isinstance(w, int) else w for w in wrt], params


@pytest.mark.parametrize("entry", FUNCS_ZOO, ids=[e[0].__name__ for e in FUNCS_ZOO])
def test_generated_module_matches_central_differences(entry, zoo_copy, tmp_path):
    f, args, wrt = entry
    names, params = _names(f, wrt)
    source = Path(inspect.getsourcefile(f))
    if source.name != "funcs_zoo.py":  # (scipy's entries: tests/special_zoo.py)
        zoo_copy = Path(shutil.copy(source, tmp_path / "special_zoo_copy.py"))
    text = codegen.generate(zoo_copy, functions=f.__name__, wrt=tuple(names))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(ast.parse(text))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module)])
    }
    # numpy and math only, and scipy where the user's function calls scipy.special
    uses_scipy = "special." in inspect.getsource(f)
    assert imported <= {"numpy", "math"} | ({"scipy"} if uses_scipy else set()), imported
    path = tmp_path / f"gen_{f.__name__}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    got = getattr(module, f"grad_{f.__name__}")(*args)
    got = got if isinstance(got, tuple) else (got,)
    for name, g in zip(names, got):
        i = params.index(name)
        expected = central_differences(f, args, i)
        np.testing.assert_allclose(
            g, expected, rtol=1e-6, atol=1e-7 * max(1.0, np.abs(expected).max()), err_msg=name
        )


# ---------------------------------------------------------------- symback.check


def contracted(T, u):
    return np.sum(np.tensordot(T, u, axes=([0], [0])) ** 2)


def contracted_grad(T, u):
    M = np.einsum("ijk,i->jk", T, u)
    return 2 * np.einsum("jk,i->ijk", M, u), 2 * np.einsum("ijk,jk->i", T, M)


def contracted_grad_no_2(T, u):  # planted: the 2 of the square dropped
    M = np.einsum("ijk,i->jk", T, u)
    return np.einsum("jk,i->ijk", M, u), np.einsum("ijk,jk->i", T, M)


def lower(L):
    return np.sum(np.tril(L) ** 3)


def lower_grad(L):
    return 3 * np.tril(L) ** 2


def lower_grad_whole(L):  # planted: the mask forgotten
    return 3 * L**2


def repeated(x):
    return np.sum(np.repeat(x, 2) * np.arange(8.0))


def repeated_grad(x):
    return np.arange(0.0, 8.0, 2.0) + np.arange(1.0, 8.0, 2.0)


def repeated_grad_first(x):  # planted: only the first copy of each element counted
    return np.arange(0.0, 8.0, 2.0)


def wrapped(a, b):
    return np.sum((a % b) ** 2)


def wrapped_grad(a, b):
    r = a % b
    return 2 * r, -2 * r * np.floor(a / b)


def wrapped_grad_no_floor(a, b):  # planted: d(a % b)/db taken as 0
    return 2 * (a % b), np.zeros_like(b)


_T = np.random.default_rng(3).standard_normal((3, 2, 2))
_U = np.array([0.4, -1.2, 0.7])
_L = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7], [0.2, 0.9, -1.1]])
_X = np.array([0.5, -1.0, 2.0, 1.5])
_A = np.array([2.3, 5.1, -1.7, 7.4])
_B = np.array([1.1, 1.6, 0.9, 2.5])

CHECKS = [
    ("tensordot", contracted, contracted_grad, (_T, _U), (0, 1), "correct"),
    ("tensordot_no_2", contracted, contracted_grad_no_2, (_T, _U), (0, 1), "wrong"),
    ("tril", lower, lower_grad, (_L,), 0, "correct"),
    ("tril_whole", lower, lower_grad_whole, (_L,), 0, "wrong"),
    ("repeat", repeated, repeated_grad, (_X,), 0, "correct"),
    ("repeat_first", repeated, repeated_grad_first, (_X,), 0, "wrong"),
    ("mod", wrapped, wrapped_grad, (_A, _B), (0, 1), "correct"),
    ("mod_no_floor", wrapped, wrapped_grad_no_floor, (_A, _B), (0, 1), "wrong"),
]


@pytest.mark.parametrize("name, f, grad_f, args, wrt, verdict", CHECKS, ids=[c[0] for c in CHECKS])
def test_check_judges_hand_written_gradients(name, f, grad_f, args, wrt, verdict):
    report = check(f, grad_f, *args, wrt=wrt)
    assert report.verdict == verdict, str(report)


# ---------------------------------------------------------------- decompositions: where no gradient


def eigenvector_weight(A):
    return np.sum(np.linalg.eigh(A)[1] ** 2 * np.arange(3.0))


def eigenvalue_energy(A):
    w, v = np.linalg.eigh(A)
    return np.sum(w**2)


def left_singular_vectors(A):
    return np.sum(np.linalg.svd(A)[0] ** 3)


def whole_tuple(A):
    return np.sum(np.linalg.eigh(A))


def spectral_norm_of_unknown_kind(A):
    return np.linalg.norm(A, -2)


def norm_with_a_keyword(A):
    return np.linalg.norm(A, dtype=float)


def test_repeated_eigenvalues_have_no_eigenvector_gradient():
    with pytest.raises(symback.SymbackError, match="repeated values") as info:
        symback.grad(eigenvector_weight)(np.eye(3))
    assert "np.linalg.eigh's eigenvectors" in str(info.value)
    with pytest.raises(symback.SymbackError, match="repeated values"):
        symback.grad(left_singular_vectors)(np.eye(3))


def test_repeated_eigenvalues_still_have_an_eigenvalue_gradient():
    """sum(w**2) = ||A||_F^2 for symmetric A; eigh reads the lower triangle only, so the
    gradient is 2 A there (doubled below the diagonal, which stands for both) and 0 above."""
    A = np.eye(3) * 2.0
    np.testing.assert_allclose(symback.grad(eigenvalue_energy)(A), 2 * A, atol=1e-12)
    S = np.array([[2.0, 0.5, 0.1], [0.5, 1.0, -0.3], [0.1, -0.3, 3.0]])
    expected = np.tril(4 * S) - 2 * np.diag(np.diag(S))
    np.testing.assert_allclose(symback.grad(eigenvalue_energy)(S), expected, atol=1e-12)


def test_a_tuple_returned_whole_is_refused_by_name():
    with pytest.raises(symback.SymbackError, match="np.linalg.eigh returns a tuple") as info:
        symback.grad(whole_tuple)
    assert "eigenvalues, eigenvectors" in str(info.value)


def test_norm_refusals_say_np_linalg_norm():
    with pytest.raises(symback.SymbackError, match="`np.linalg.norm` with respect to `A`"):
        symback.grad(spectral_norm_of_unknown_kind)
    with pytest.raises(symback.SymbackError, match="np.linalg.norm with `dtype=`"):
        symback.grad(norm_with_a_keyword)
