"""`symback check` on the command line: exit statuses 0-4, text and --json output, --shape."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from symback.cli import main

MODEL = textwrap.dedent("""
    import numpy as np

    def loss(w, b, x, t):
        return np.mean((w * x + b - t) ** 2)

    def loss_grad(w, b, x, t):
        r = w * x + b - t
        return 2 * r * x / r.size, np.mean(2 * r)

    def loss_grad_sum(w, b, x, t):
        r = w * x + b - t
        return 2 * r * x, np.sum(2 * r)

    def stairs(x):
        return x * np.floor(x)

    def stairs_grad(x):
        return np.floor(x)

    def vector(w):
        return 2 * w

    def vector_grad(w):
        return 2 + 0 * w

    def indexed(w):
        return 0.5 * np.convolve(w, w)[1]  # np.convolve has no rule: numerical reference only

    def indexed_grad(w):
        return np.array([w[1], w[0]])
    """)
AT = "w=[1, 2, 3], b=0.5, x=[0.1, 0.2, 0.3], t=[1, 0, 1]"


@pytest.fixture
def model(tmp_path):
    (tmp_path / "model.py").write_text(MODEL)
    (tmp_path / "broken.py").write_text("import numpy as np\nraise RuntimeError('no')\n")
    (tmp_path / "notes.txt").write_text(MODEL)  # Python, but not a file Python imports
    return tmp_path


def symback_check(folder, *argv):
    return subprocess.run(
        [sys.executable, "-m", "symback", "check", *argv],
        check=False,
        capture_output=True,
        text=True,
        cwd=folder,
    )


def in_process(folder, monkeypatch, capsys, *argv):
    """The same command run in this process (fast): (exit status, stdout, stderr)."""
    monkeypatch.chdir(folder)
    try:
        code = main(["check", *argv])
    except SystemExit as exc:  # argparse's own exits
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def flat(text: str) -> str:
    """The text with its line wrapping undone."""
    return " ".join(text.split())


def test_correct_exits_0(model):
    run = symback_check(model, "model.py:loss", "model.py:loss_grad", "--wrt", "w,b", "--at", AT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "loss_grad is correct" in run.stdout
    assert run.stdout.startswith("at: w=[1., 2., 3.], b=0.5")


def test_wrong_exits_1_and_names_the_mistake(model):
    run = symback_check(model, "model.py:loss", "loss_grad_sum", "--wrt", "w,b", "--at", AT)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "missing 1/N: mean vs sum? (here N is 3" in flat(run.stdout)
    assert "d loss/d w = 2*x*(b - t + w*x)/N" in flat(run.stdout)


def test_json_output(model):
    run = symback_check(
        model, "model.py:loss", "loss_grad_sum", "--wrt", "w,b", "--at", AT, "--json"
    )
    assert run.returncode == 1
    data = json.loads(run.stdout)
    assert data["verdict"] == "wrong" and data["exit_status"] == 1
    assert data["wrt"] == ["w", "b"]
    assert data["findings"][0]["kind"] == "factor"
    assert data["findings"][0]["parameters"] == ["w", "b"]
    assert data["parameters"][0]["status"] == "all wrong"
    assert data["at"]["w"] == [1.0, 2.0, 3.0]
    assert "def grad_loss" in data["code"]


def test_random_values_from_shapes(model, monkeypatch, capsys):
    argv = ["model.py:loss", "loss_grad", "--wrt", "w,b", "--shape", "w=3 b= x=3 t=3"]
    code, out, err = in_process(model, monkeypatch, capsys, *argv, "--json", "--seed", "4")
    assert code == 0, out + err
    data = json.loads(out)
    assert len(data["at"]["w"]) == 3 and isinstance(data["at"]["b"], float)
    assert all(0.1 <= v < 0.9 for v in data["at"]["x"])
    _, again, _ = in_process(model, monkeypatch, capsys, *argv, "--json", "--seed", "4")
    assert json.loads(again)["at"] == data["at"]  # seeded


def test_at_overrides_shape_and_takes_numpy(model, monkeypatch, capsys):
    code, out, err = in_process(
        model,
        monkeypatch,
        capsys,
        "model.py:loss",
        "loss_grad",
        "--wrt",
        "w,b",
        "--shape",
        "w=3 b= x=3",
        "--at",
        "t=np.zeros(3), b=0.25",
    )
    assert code == 0, out + err
    assert "b=0.25" in out and "t=[0., 0., 0.]" in out


def test_inconclusive_exits_4(model):
    run = symback_check(model, "model.py:stairs", "stairs_grad", "--at", "x=2.0")
    assert run.returncode == 4, run.stdout + run.stderr
    assert "INCONCLUSIVE" in run.stdout and "DISAGREE" in run.stdout


@pytest.mark.parametrize(
    "argv, message",
    [
        (["model.py:loss", "loss_grad", "--at", "w=[1,"], "--at must be NAME=VALUE"),
        (["model.py:loss", "loss_grad", "--shape", "w=3x"], None),
        (["model.py:loss", "loss_grad", "--shape", "w=three"], "a shape is numbers"),
        (["model.py:loss", "loss_grad", "--at", "w=1"], "no value for b, x, t"),
        (["model.py:loss", "loss_grad", "--at", AT + ", q=1"], "no parameter q"),
        (
            ["model.py:loss", "loss_grad", "--wrt", "z", "--at", AT],
            "names no parameter",
        ),
        (["missing.py:loss", "loss_grad"], "no such file: missing.py"),
        (["notes.txt:loss", "loss_grad"], "cannot import notes.txt: not a Python file"),
        (["model.py:nope", "loss_grad", "--at", AT], "has no function 'nope'"),
        (["model.py", "loss_grad"], "expected path.py:name"),
        (["model.py:loss"], "required: GRAD"),
        (["model.py:loss", "loss_grad", "--bogus"], "unrecognized arguments: --bogus"),
        (["model.py:loss", "loss_grad", "--seed", "x"], "invalid int value"),
    ],
)
def test_usage_errors_exit_2(model, monkeypatch, capsys, argv, message):
    code, out, err = in_process(model, monkeypatch, capsys, *argv)
    if message is None:  # "w=3x" is the shape (3,): fine, but then b, x, t are missing
        message = "no value for b, x, t"
    assert code == 2, out + err
    assert message in err, err
    assert not out


def test_usage_error_exits_2_in_a_subprocess_too(model):
    run = symback_check(model, "model.py:loss", "loss_grad", "--bogus")
    assert run.returncode == 2 and "unrecognized arguments: --bogus" in run.stderr


def test_cannot_check_exits_3(model):
    run = symback_check(model, "model.py:vector", "vector_grad", "--shape", "w=3")
    assert run.returncode == 3 and "only a scalar" in run.stdout
    run = symback_check(model, "broken.py:f", "g")
    assert run.returncode == 3 and "importing broken.py failed: RuntimeError: no" in run.stderr


def test_numerical_only_unless_exact_is_required(model):
    argv = ["model.py:indexed", "indexed_grad", "--at", "w=[2, 3]"]
    run = symback_check(model, *argv)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "numerical reference only" in run.stdout
    assert symback_check(model, *argv, "--require-exact").returncode == 3


def test_help_has_examples_and_exit_codes():
    run = subprocess.run(
        [sys.executable, "-m", "symback", "check", "--help"],
        check=False,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0
    assert "examples:" in run.stdout and "exit status" in run.stdout
    assert "2   usage" in run.stdout and "4   inconclusive" in run.stdout
