"""Golden files: the generated gradient code of five representative functions, byte for byte.

`tests/golden/<name>.py` holds a function's source and `tests/golden/<name>.expected` the
module symback generates for it. A change to the generated text fails here with a diff;
after reviewing it, accept it with

    SYMBACK_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py

which rewrites the .expected files. Each .expected file is also run on its own, as a plain
module without symback, and its gradient checked against central differences: the golden
files are checked for being right, not only for being the same.
"""

from __future__ import annotations

import difflib
import importlib.machinery
import importlib.util
import itertools
import os
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import symback
from tests.helpers import central_difference

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("SYMBACK_UPDATE_GOLDEN") == "1"
RTOL, ATOL = 1e-6, 1e-8

_counter = itertools.count()


@dataclass(frozen=True)
class Case:
    function: str  # the function's name in tests/golden/<name>.py
    wrt: tuple[str, ...]
    args: Callable[[], tuple]  # arguments to check the gradient at (fresh each call)


CASES: dict[str, Case] = {
    "sigmoid_neuron": Case("loss", ("w", "b"), lambda: (2.0, -1.0, 0.5, 1.0)),
    "gaussian_loglik": Case(
        "log_likelihood",
        ("mu", "log_sigma"),
        lambda: (0.3, -0.2, np.array([0.1, -1.2, 0.8, 2.0, 0.45])),
    ),
    "logistic_loss": Case(
        "logistic_loss",
        ("w", "b"),
        lambda: (
            np.array([0.5, -1.0, 2.0, 0.25]),
            0.1,
            np.array([1.5, 0.3, -0.7, 2.0]),
            np.array([1.0, -1.0, 1.0, -1.0]),
        ),
    ),
    "reassign_chain": Case("chain", ("x", "y"), lambda: (0.7, -1.3)),
    "huber_where": Case(
        "huber", ("r", "delta"), lambda: (np.array([-2.5, -0.4, 0.1, 0.9, 3.0]), 1.2)
    ),
}


# -- helpers ------------------------------------------------------------------------------


def import_path(path: Path, module_name: str) -> types.ModuleType:
    """Import a file as a module, whatever its suffix."""
    loader = importlib.machinery.SourceFileLoader(module_name, str(path))
    spec = importlib.util.spec_from_file_location(module_name, path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    loader.exec_module(module)
    return module


def original(name: str):
    module = import_path(GOLDEN / f"{name}.py", f"golden_{name}_{next(_counter)}")
    return getattr(module, CASES[name].function)


def parameter_index(f, name: str) -> int:
    return f.__code__.co_varnames[: f.__code__.co_argcount].index(name)


# -- the tests ----------------------------------------------------------------------------


def test_every_golden_function_has_a_case():
    sources = {p.stem for p in GOLDEN.glob("*.py")}
    expected = {p.stem for p in GOLDEN.glob("*.expected")}
    assert sources == set(
        CASES
    ), f"golden sources without a case or cases without a source: {sources ^ set(CASES)}"
    stale = expected - sources
    assert not stale, f".expected files without a golden source: {sorted(stale)}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_generated_source_matches_golden(name):
    case = CASES[name]
    generated = symback.grad(original(name), wrt=case.wrt).source
    path = GOLDEN / f"{name}.expected"
    if UPDATE:
        path.write_text(generated)
        return
    if not path.exists():
        pytest.fail(
            f"{path} does not exist: run with SYMBACK_UPDATE_GOLDEN=1 to create it, then read it"
        )
    expected = path.read_text()
    if generated != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                generated.splitlines(keepends=True),
                fromfile=f"golden/{name}.expected",
                tofile="generated",
            )
        )
        pytest.fail(
            f"the generated gradient of golden/{name}.py changed:\n{diff}\n"
            "rerun with SYMBACK_UPDATE_GOLDEN=1 to accept after reviewing",
            pytrace=False,
        )


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_expected_is_a_correct_gradient(name, monkeypatch):
    """Run the .expected file as a standalone module and check it numerically."""
    case = CASES[name]
    path = GOLDEN / f"{name}.expected"
    if not path.exists():
        pytest.fail(f"{path} does not exist: run with SYMBACK_UPDATE_GOLDEN=1 to create it")
    monkeypatch.setitem(sys.modules, "symback", None)  # `import symback` would now fail
    module = import_path(path, f"golden_expected_{name}_{next(_counter)}")
    monkeypatch.undo()
    for value in vars(module).values():
        assert not (
            isinstance(value, types.ModuleType) and value.__name__.startswith("symback")
        ), f"{path.name} uses symback at run time"

    f = original(name)
    grad = getattr(module, f"grad_{case.function}")
    args = case.args()
    got = grad(*args)
    if len(case.wrt) == 1:
        got = (got,)
    assert len(got) == len(case.wrt)
    for wrt_name, d in zip(case.wrt, got):
        i = parameter_index(f, wrt_name)
        expected = central_difference(f, args, i)
        np.testing.assert_allclose(
            np.asarray(d, dtype=float),
            expected,
            rtol=RTOL,
            atol=ATOL,
            err_msg=f"d {case.function} / d {wrt_name} from {path.name}",
        )
        assert np.shape(d) == np.shape(args[i]), f"d/d{wrt_name} has the wrong shape"
