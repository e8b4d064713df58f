"""The pytest plugin, as pytest loads it in a project that never uses symback: light and quiet."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib.metadata import entry_points

import pytest


def _plugin_arguments() -> list[str]:
    """How the subprocess gets the plugin: by its entry point when symback is installed."""
    if any(e.value == "symback.pytest_plugin" for e in entry_points(group="pytest11")):
        return []
    return ["-p", "symback.pytest_plugin"]


def _pytest(project, *options: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *_plugin_arguments()]
        + list(options)
        + [str(project)],
        capture_output=True,
        text=True,
        cwd=project,
        env=env,
        check=False,
    )


UNRELATED = """
    import sys

    def test_symback_stays_unloaded():
        assert "symback.pytest_plugin" in sys.modules  # (the plugin is loaded ...)
        heavy = sorted(m for m in ("sympy", "symback.api", "symback.pipeline") if m in sys.modules)
        assert not heavy, heavy  # (... and nothing of symback's machinery with it)
"""


def test_plugin_loads_no_sympy_in_an_unrelated_project(tmp_path):
    (tmp_path / "test_unrelated.py").write_text(textwrap.dedent(UNRELATED))
    run = _pytest(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout
    assert "symback" not in run.stdout.replace("plugins: symback", ""), run.stdout


@pytest.mark.parametrize("ask", [["--symback-seed=7"], ["SYMBACK_PYTEST_HEADER=1"]])
def test_header_only_when_asked(tmp_path, ask, monkeypatch):
    (tmp_path / "test_unrelated.py").write_text(textwrap.dedent(UNRELATED))
    import os

    env = dict(os.environ)
    options = [a for a in ask if a.startswith("--")]
    env.update(a.split("=", 1) for a in ask if not a.startswith("--"))
    run = _pytest(tmp_path, *options, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    seed = "7" if options else "0"
    assert f"symback seed: {seed} (reproduce with --symback-seed={seed})" in run.stdout
