"""One exit status scheme for every subcommand (0 ok, 1 a finding, 2 usage, 3 cannot do it,
4 inconclusive, 70 internal error), documented once and shown by every command's help."""

from __future__ import annotations

import subprocess
import sys

import pytest

from symback import cli, codegen
from symback.commands import common
from symback.errors import SymbackInternalError

MODEL = """\
import numpy as np
import symback


@symback.grad
def f(x):
    return np.sin(x) * x


def f_grad(x):
    return np.cos(x) * x + np.sin(x)


def f_wrong(x):
    return np.cos(x) * x


def stairs(x):
    return x * np.floor(x)


def stairs_grad(x):
    return np.floor(x)


def lam(x):
    y = (lambda s: s * 2)(x)
    return y
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "model.py").write_text(MODEL)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def status(argv: list[str]) -> int:
    """cli.main's exit status, argparse's own exits included."""
    try:
        return cli.main(argv)
    except SystemExit as exit_:
        return exit_.code


# each situation, for each command where it can happen: the one code it gives
SITUATIONS = [
    ("ok", ["gen", "model.py"], common.EXIT_OK),
    ("ok", ["check", "model.py:f", "f_grad", "--at", "x=0.3"], common.EXIT_OK),
    ("ok", ["explain", "model.py:f", "--at", "x=0.3"], common.EXIT_OK),
    ("finding", ["gen", "--check", "model.py"], common.EXIT_FINDING),
    ("finding", ["check", "model.py:f", "f_wrong", "--at", "x=0.3"], common.EXIT_FINDING),
    ("usage", ["gen", "--bogus", "model.py"], common.EXIT_USAGE),
    ("usage", ["check", "--bogus", "model.py:f", "f_grad"], common.EXIT_USAGE),
    ("usage", ["explain", "--bogus", "model.py:f"], common.EXIT_USAGE),
    ("usage", ["gen", "missing.py"], common.EXIT_USAGE),
    ("usage", ["check", "missing.py:f", "g"], common.EXIT_USAGE),
    ("usage", ["explain", "missing.py:f", "--at", "x=1"], common.EXIT_USAGE),
    ("usage", ["check", "model.py:f", "f_grad", "--at", "x=open(1)"], common.EXIT_USAGE),
    ("usage", ["explain", "model.py:f", "--at", "x=open(1)"], common.EXIT_USAGE),
    ("cannot", ["gen", "model.py", "-f", "lam"], common.EXIT_UNSUPPORTED),
    ("cannot", ["explain", "model.py:lam", "--at", "x=1"], common.EXIT_UNSUPPORTED),
    (
        "cannot",
        ["check", "model.py:lam", "f_grad", "--at", "x=1.0", "--require-exact"],
        common.EXIT_UNSUPPORTED,
    ),
    (
        "inconclusive",
        ["check", "model.py:stairs", "stairs_grad", "--at", "x=2.0"],
        common.EXIT_INCONCLUSIVE,
    ),
]


@pytest.mark.parametrize("what, argv, code", SITUATIONS, ids=lambda v: str(v))
def test_one_code_per_situation_across_commands(project, capsys, what, argv, code):
    assert status(argv) == code, capsys.readouterr()


def test_the_codes_are_distinct_and_70_is_no_finding():
    codes = [v for k, v in vars(common).items() if k.startswith("EXIT_") and isinstance(v, int)]
    assert len(codes) == len(set(codes)) == 6
    assert cli.EXIT_INTERNAL == 70 and common.EXIT_FINDING != cli.EXIT_INTERNAL


@pytest.mark.parametrize("command", ["gen", "check", "explain"])
def test_every_command_documents_the_same_scheme(command, capsys):
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    out = capsys.readouterr().out
    assert common.EXIT_STATUS_HELP in out
    for code in (0, 1, 2, 3, 4, 70):
        assert f"\n  {code} " in out


@pytest.mark.parametrize("error", [SymbackInternalError("a bug"), KeyError("a bug")])
def test_gen_exits_70_on_an_internal_error_not_1(project, monkeypatch, capsys, error):
    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(codegen, "module_text", broken)
    assert cli.main(["gen", "--all", "--check", "model.py"]) == cli.EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "internal error" in err and "a bug" in err and "Traceback" in err


@pytest.mark.parametrize("command", ["check", "explain"])
def test_check_and_explain_exit_70_on_an_internal_error(project, monkeypatch, capsys, command):
    from symback.commands import values

    def broken(text):
        raise KeyError("a bug")

    monkeypatch.setattr(values, "_value", broken)
    argv = ["check", "model.py:f", "f_grad"] if command == "check" else ["explain", "model.py:f"]
    assert cli.main([*argv, "--at", "x=1.0"]) == cli.EXIT_INTERNAL
    assert "internal error" in capsys.readouterr().err


def test_top_level_help_names_the_scheme():
    out = subprocess.run(
        [sys.executable, "-m", "symback", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert common.EXIT_STATUS_HELP in out and "NO_COLOR" in out and "[tool.symback]" in out
