"""Exit statuses: an internal error (a bug in symback) has its own code, 70, which no
subcommand gives for any finding; every command's help says so."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from symback import cli, codegen
from symback.commands import check, explain, gen
from symback.errors import SymbackInternalError

MODEL = "import numpy as np\n\n\ndef f(x):\n    return np.sin(x) * x\n"


def documented_codes(module) -> set[int]:
    """The exit statuses a command's help lists (the lines of its epilog starting with one)."""
    epilog = getattr(module, "EPILOG", None) or module.EXAMPLES
    text = epilog[epilog.index("exit status") :]
    return {int(n) for n in re.findall(r"(?:^|\s|;\s)(\d+)\s", text)}


@pytest.mark.parametrize("module", [gen, check, explain])
def test_internal_error_code_is_documented_and_distinct(module):
    codes = documented_codes(module)
    assert cli.EXIT_INTERNAL in codes
    findings = {v for k, v in vars(module).items() if k.startswith("EXIT_") and isinstance(v, int)}
    assert cli.EXIT_INTERNAL not in findings and len(codes) == len(findings) + 1


@pytest.mark.parametrize("error", [SymbackInternalError("a bug"), KeyError("a bug")])
def test_gen_exits_70_on_an_internal_error_not_1(tmp_path, monkeypatch, capsys, error):
    (tmp_path / "model.py").write_text(MODEL)
    monkeypatch.chdir(tmp_path)

    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(codegen, "module_text", broken)
    assert cli.main(["gen", "--all", "--check", "model.py"]) == cli.EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "internal error" in err and "a bug" in err and "Traceback" in err
    assert cli.EXIT_INTERNAL != gen.EXIT_STALE


def test_top_level_help_names_the_internal_error_code():
    out = subprocess.run(
        [sys.executable, "-m", "symback", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "70" in out and "internal error" in out
