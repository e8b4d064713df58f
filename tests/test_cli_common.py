"""What every subcommand shares: one --at parser, -q/-v/--json, one message style, colour on
terminals only, gen's directories and globs, and [tool.symback] defaults."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from symback import cli
from symback.commands.common import UsageError
from symback.commands.values import parse_at

MODEL = """\
import numpy as np
import symback


@symback.grad(wrt="w")
def loss(w, x):
    return np.sum((w * x - 1.0) ** 2)


def loss_grad(w, x):
    return np.sum(2 * x * (w * x - 1.0))


def loss_wrong(w, x):
    return np.sum(x * (w * x - 1.0))
"""
PLAIN = "def helper(x):\n    return x + 1\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "model.py").write_text(MODEL)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def run(argv, capsys):
    try:
        code = cli.main(argv)
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


# -- --at: one parser, safe ---------------------------------------------------------------------


def test_at_reads_literals_arithmetic_and_numpy_constructors():
    values = parse_at(
        "w=np.ones(3), b=-0.5, x=[1, 2], M=np.eye(2) * 3, n=4, z=np.zeros((2, 3)), "
        "p=2 * np.pi, r=np.arange(4.0).reshape(2, 2), s='a', y=[1, 2] * 2"
    )
    assert np.array_equal(values["w"], np.ones(3)) and values["b"] == -0.5
    assert values["x"].dtype == np.float64 and np.array_equal(values["x"], [1.0, 2.0])
    assert np.array_equal(values["M"], 3 * np.eye(2)) and values["z"].shape == (2, 3)
    assert values["n"] == 4 and isinstance(values["n"], int)  # a loop count stays an int
    assert values["p"] == 2 * np.pi and values["s"] == "a"
    assert np.array_equal(values["r"], [[0.0, 1.0], [2.0, 3.0]])
    assert np.array_equal(values["y"], [2.0, 4.0])  # NumPy's arithmetic, not list repetition


@pytest.mark.parametrize(
    "text, message",
    [
        ("x=__import__('os').system('true')", "not evaluated"),
        ("x=open('f')", "not evaluated"),
        ("x=np.load('f')", "np.load is not evaluated"),
        ("x=np.ones(3).__class__", "not evaluated"),
        ("x=().__class__.__base__", "not evaluated"),
        ("x=np.ones(10**12)", "more than"),
        ("x=9**9**9", "exponent"),
        ("x=[lambda: 1]", "not evaluated"),
        ("x=1, 2", "NAME=VALUE"),
        ("x=(1", "NAME=VALUE"),
        ("**kw", "NAME=VALUE"),
        ("x=[[1], [1, 2]]", "rectangular"),
        ("x=1/0", "ZeroDivisionError"),
    ],
)
def test_at_refuses_anything_else_with_a_usage_error(text, message):
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace("*", r"\*")):
        parse_at(text)


@pytest.mark.parametrize("command", ["check", "explain"])
def test_at_takes_numpy_in_check_and_explain_alike(project, capsys, command):
    at = ["--at", "w=np.sqrt(0.25), x=np.arange(1.0, 4.0)"]
    argv = [command, "model.py:loss", *(["loss_grad"] if command == "check" else []), *at]
    code, out, err = run([*argv, "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["at"]["x"] == [1.0, 2.0, 3.0] and data["exit_status"] == 0


# -- -q, -v, --json on every subcommand; one message style --------------------------------------


def test_json_on_every_command(project, capsys):
    code, out, _ = run(["gen", "--json", "model.py"], capsys)
    data = json.loads(out)
    assert code == 0 == data["exit_status"]
    assert data["files"] == [
        {
            "source": "model.py",
            "output": "model_grad.py",
            "functions": ["loss"],
            "status": "wrote",
            "exit_status": 0,
        }
    ]
    (project / "model.py").write_text(MODEL + "\n# changed\n")
    code, out, _ = run(["gen", "--check", "--json", "model.py"], capsys)
    assert code == 1 and json.loads(out)["files"][0]["status"] == "stale"

    code, out, _ = run(
        ["check", "model.py:loss", "loss_wrong", "--at", "w=2.0, x=[1, 3]", "--json"], capsys
    )
    assert code == 1 and json.loads(out)["verdict"] == "wrong"

    code, out, _ = run(["explain", "model.py:loss", "--at", "w=2, x=[1, 3]", "--json"], capsys)
    data = json.loads(out)
    # d/dw sum((w x - 1)^2) = sum(2 x (w x - 1)) = 2*1*1 + 2*3*5; d/dx_i = 2 w (w x_i - 1)
    assert code == 0 and data["value"] == 1.0 + 25.0
    assert data["gradients"] == {"w": 32.0, "x": [4.0, 20.0]}


def test_quiet_prints_only_errors_and_findings(project, capsys):
    code, out, err = run(["gen", "-q", "model.py"], capsys)
    assert (code, out, err) == (0, "", "")
    code, out, err = run(
        ["check", "-q", "model.py:loss", "loss_grad", "--at", "w=2.0, x=[1, 3]"], capsys
    )
    assert (code, out, err) == (0, "", "")
    code, out, _ = run(
        ["check", "-q", "model.py:loss", "loss_wrong", "--at", "w=2.0, x=[1, 3]"], capsys
    )
    assert code == 1 and "WRONG" in out
    code, out, err = run(["explain", "-q", "model.py:loss", "--at", "w=2, x=[1, 3]"], capsys)
    assert code == 0 and out.splitlines() == ["dloss/dw = 32.0", "dloss/dx = [4.0, 20.0]"]


def test_verbose_names_what_gen_skipped(project, capsys):
    (project / "plain.py").write_text(PLAIN)
    assert cli.main(["gen", "."]) == 0
    code, _, err = run(["gen", "-v", "--check", "."], capsys)
    assert code == 0
    assert "skipped model_grad.py: a module symback generated" in err
    assert "skipped plain.py: no function marked @symback.grad" in err
    _, _, quiet = run(["gen", "--check", "."], capsys)
    assert "skipped" not in quiet
    code, _, err = run(["gen", "-q", "-v", "model.py"], capsys)
    assert code == 2 and "not allowed with argument" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["gen", "missing.py"],
        ["check", "missing.py:f", "g"],
        ["explain", "missing.py:f"],
        ["check", "model.py:loss", "loss_grad", "--at", "w=open(1)"],
        ["explain", "model.py:loss", "--at", "w=open(1)"],
    ],
)
def test_every_error_line_starts_with_the_command(project, capsys, argv):
    code, _, err = run(argv, capsys)
    assert code == 2 and err.startswith(f"symback {argv[0]}: error: "), err


# -- colour: terminals only, never with NO_COLOR or when piped ----------------------------------


def test_colour_only_on_a_terminal_without_no_color(project, capsys, monkeypatch):
    argv = ["explain", "missing.py:f"]
    _, _, piped = run(argv, capsys)
    assert "\033[" not in piped
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.setenv("TERM", "xterm")
    _, _, terminal = run(argv, capsys)
    assert terminal.startswith("symback explain: \033[31;1merror:\033[0m no such file")
    monkeypatch.setenv("NO_COLOR", "1")
    _, _, no_color = run(argv, capsys)
    assert "\033[" not in no_color and no_color == piped


def test_progress_is_cleared_before_a_diff_on_a_terminal(project, capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.setenv("NO_COLOR", "1")
    order = []
    monkeypatch.setattr(sys.stderr, "write", lambda text: order.append(("err", text)))
    monkeypatch.setattr(sys.stdout, "write", lambda text: order.append(("out", text)))
    assert cli.main(["gen", "--diff", "model.py"]) == 0
    first_out = next(i for i, (stream, _) in enumerate(order) if stream == "out")
    progress = [i for i, (s, t) in enumerate(order) if s == "err" and "generating" in t]
    assert progress and progress[0] < first_out
    assert ("err", "\r\033[K") in order[progress[0] : first_out]
    assert order[first_out][1].startswith("--- /dev/null")


# -- gen: directories and globs, skipping what has nothing to generate ---------------------------


def test_documented_ci_recipe_works_with_the_shells_glob(project):
    (project / "plain.py").write_text(PLAIN)
    assert cli.main(["gen", "model.py"]) == 0
    files = sorted(str(p.name) for p in project.glob("*.py"))
    assert files == ["model.py", "model_grad.py", "plain.py"]
    assert cli.main(["gen", "--check", "--diff", *files]) == 0
    (project / "model.py").write_text(MODEL.replace("- 1.0", "- 2.0"))
    assert cli.main(["gen", "--check", "--diff", *files]) == 1


def test_directories_and_quoted_globs(project, capsys):
    package = project / "src" / "pkg"
    package.mkdir(parents=True)
    (package / "deep.py").write_text(MODEL)
    (package / "plain.py").write_text(PLAIN)
    (project / "src" / ".hidden").mkdir()
    (project / "src" / ".hidden" / "h.py").write_text(MODEL)
    assert cli.main(["gen", "src"]) == 0
    assert (package / "deep_grad.py").exists() and not (
        project / "src" / ".hidden" / "h_grad.py"
    ).exists()
    assert cli.main(["gen", "--check", "src/**/*.py"]) == 0
    code, _, err = run(["gen", "--check", "nothing/*.py"], capsys)
    assert code == 2 and "nothing/*.py: no file matches" in err
    code, _, err = run(["gen", "src/pkg/plain.py", str(package / "deep_grad.py")], capsys)
    assert code == 2 and "nothing to generate" in err


def test_a_missing_input_is_a_usage_error(project, capsys):
    code, _, err = run(["gen", "model.py", "missing.py"], capsys)
    assert code == 2 and "missing.py: no such file or directory" in err


# -- [tool.symback] in pyproject.toml -----------------------------------------------------------


def test_pyproject_gives_defaults_the_command_line_overrides(project, capsys):
    (project / "pyproject.toml").write_text(
        '[tool.symback]\nquiet = true\n\n[tool.symback.gen]\nfiles = ["model.py"]\n'
        "\n[tool.symback.check]\nseed = 5\npoints = 1\n"
    )
    code, out, err = run(["gen"], capsys)
    assert (code, err) == (0, "") and (project / "model_grad.py").exists()
    code, out, _ = run(
        ["check", "model.py:loss", "loss_grad", "--at", "w=2.0, x=[1, 3]", "--json"], capsys
    )
    data = json.loads(out)
    assert code == 0 and data["seed"] == 5 and data["points"] == 1
    code, out, _ = run(
        ["check", "model.py:loss", "loss_grad", "--at", "w=2.0, x=[1, 3]", "--json", "--seed", "9"],
        capsys,
    )
    assert json.loads(out)["seed"] == 9


@pytest.mark.parametrize(
    "toml, message",
    [
        ("[tool.symback]\nfrobnicate = 1\n", "no symback command has this option"),
        ("[tool.symback.gen]\nseed = 1\n", "symback gen has no option 'seed'"),
        ("[tool.symback.gen]\nquiet = 'yes'\n", "must be true or false"),
        ("[tool.symback\n", "cannot read"),
    ],
)
def test_pyproject_mistakes_are_usage_errors(project, capsys, toml, message):
    (project / "pyproject.toml").write_text(toml)
    code, _, err = run(["gen", "model.py"], capsys)
    assert code == 2 and message in err and err.startswith("symback gen: error: ")


def test_the_command_runs_as_a_console_script_and_module(project):
    done = subprocess.run(
        [sys.executable, "-m", "symback", "gen", "--json", "model.py"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and json.loads(done.stdout)["exit_status"] == 0
    assert "\033[" not in done.stderr  # piped: no colour


# -- generated modules follow the target project's black configuration --------------------------

LONG = """\
import numpy as np
import symback


@symback.grad(wrt=("weights", "bias"))
def objective(weights, bias, inputs, targets):
    prediction = np.tanh(weights * inputs + bias) * np.exp(-0.5 * inputs * inputs)
    return np.sum((prediction - targets) ** 2 + 0.01 * weights * weights + 0.01 * bias * bias)
"""


def test_generated_module_follows_the_projects_black_settings(tmp_path, monkeypatch, capsys):
    import black

    (tmp_path / ".git").mkdir()  # the project's root: its pyproject.toml is the one read
    (tmp_path / "pyproject.toml").write_text(
        '[tool.black]\nline-length = 60\ntarget-version = ["py310", "py311"]\n'
    )
    package = tmp_path / "src"
    package.mkdir()
    (package / "obj.py").write_text(LONG)
    monkeypatch.chdir(package)
    assert cli.main(["gen", "obj.py"]) == 0
    text = (package / "obj_grad.py").read_text()
    # black's own reading of the project's configuration, independent of symback's
    config = black.parse_pyproject_toml(str(tmp_path / "pyproject.toml"))
    versions = {black.TargetVersion[v.upper()] for v in config["target_version"]}
    mode = black.Mode(line_length=config["line_length"], target_versions=versions)
    assert black.format_str(text, mode=mode) == text
    assert black.format_str(text, mode=black.Mode()) != text, "88 columns would differ"
    unsplittable = ('"""', "Source sha256", "Module sha256")  # strings black cannot break
    long = [line for line in text.splitlines() if len(line) > 60]
    assert long and all(line.strip().startswith(unsplittable) for line in long), long
    assert cli.main(["gen", "--check", "obj.py"]) == 0
    # the project changes its line length: the module, formatted for the old one, is stale
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 88\n")
    capsys.readouterr()
    assert cli.main(["gen", "--check", "obj.py"]) == 1
    assert "stale: obj_grad.py" in capsys.readouterr().err


def test_an_unknown_black_target_version_is_a_usage_error(tmp_path, monkeypatch, capsys):
    (tmp_path / "pyproject.toml").write_text('[tool.black]\ntarget-version = ["py27x"]\n')
    (tmp_path / "obj.py").write_text(LONG)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["gen", "obj.py"], capsys)
    assert code == 2 and "target-version 'py27x'" in err and not (tmp_path / "obj_grad.py").exists()
