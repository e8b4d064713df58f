"""symback's public API under `mypy --strict`: its own modules, and a user's file using it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy", reason="mypy is in the test extras")

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent / "typing"
# symback's public modules: strict-clean (the rest of the package is not, yet)
PUBLIC = ["__init__.py", "api.py", "gradient.py", "dispatch.py", "errors.py", "display.py"]
PUBLIC += ["testing.py", "pytest_plugin.py"]


@pytest.fixture(scope="module")
def mypy(tmp_path_factory) -> dict[str, list[str]]:
    """One `mypy --strict` run over the public modules and both user files: its lines, by file."""
    cache = tmp_path_factory.mktemp("mypy_cache")
    files = [str(ROOT / "symback" / m) for m in PUBLIC] + [
        str(HERE / "user_ok.py"),
        str(HERE / "user_wrong.py"),
    ]
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent"]
        + ["--cache-dir", str(cache), "--no-error-summary", "--show-error-codes", *files],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "MYPYPATH": str(ROOT)},
        check=False,
    )
    assert not run.stderr.strip(), run.stderr
    by_file: dict[str, list[str]] = {}
    for line in run.stdout.splitlines():
        by_file.setdefault(Path(line.partition(":")[0]).name, []).append(line)
    return by_file


def test_public_modules_are_strict_clean(mypy):
    found = [line for m in PUBLIC for line in mypy.get(m, [])]
    assert not found, "\n".join(found)


def test_a_users_file_passes_and_keeps_the_signatures(mypy):
    lines = mypy.get("user_ok.py", [])
    errors = [line for line in lines if ": error:" in line]
    assert not errors, "\n".join(errors)
    revealed = [line.partition("Revealed type is ")[2] for line in lines if "Revealed type" in line]
    assert len(revealed) == 5, lines
    grad, power, square, hessian, report = (r.replace("builtins.", "") for r in revealed)
    # the gradient is called as the function is: its parameters, their types and defaults
    assert grad.startswith('"symback.gradient.GradientFunction[[w: numpy.ndarray['), grad
    assert re.search(r"\], b: float, x: numpy.ndarray\[.*\]\]\]\"$", grad), grad
    assert power == '"symback.gradient.GradientFunction[[w: float, k: int =]]"'
    assert square == '"symback.gradient.GradientFunction[[w: float]]"'
    assert hessian.startswith('"def (w: numpy.ndarray[') and "b: float, x: numpy" in hessian
    assert report == '"symback.gradcheck.report.CheckReport"'


def test_wrong_calls_are_refused(mypy):
    lines = [line for line in mypy.get("user_wrong.py", []) if ": error:" in line]
    flagged = sorted({int(re.match(r"[^:]+:(\d+):", line).group(1)) for line in lines})
    assert flagged == [11, 12, 13, 14, 15], "\n".join(lines)
