"""symback.explain: the backward pass on the computation graph, as text, DOT and pictures."""

import copy
import inspect
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import symback
from symback.backprop import ArgumentError, explain
from symback.backprop import render as render_module
from symback.backprop.render import value_text
from symback.backprop.trace import BLOCKED, FLOWS, UNUSED, ZERO
from symback.cli import main
from symback.commands.explain import import_file
from tests import array_zoo, zoo
from tests.helpers import central_difference

ROOT = Path(__file__).resolve().parent.parent
HAVE_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAVE_DOT, reason="Graphviz `dot` is not installed")


def loss(w, b, x, t):
    z = w * x + b
    a = 1 / (1 + np.exp(-z))
    L = (a - t) ** 2
    return L


LOSS_LINE = inspect.getsourcelines(loss)[1]  # the `def` line


def seed_explanation():
    return explain(loss, 2.0, -1.0, 0.5, 1.0)


def edge(node, operand):
    return next(e for e in node.edges if e.operand == operand)


# ------------------------------------------------------------------ the seed example


def test_seed_forward_values():
    e = seed_explanation()
    assert [n.name for n in e.nodes] == ["w", "b", "x", "t", "z", "a", "L"]
    assert (e.node("z").value, e.node("a").value, e.node("L").value) == (0.0, 0.5, 0.25)
    assert e.value == 0.25
    assert e.node("z").code == "w * x + b" and e.node("z").line == LOSS_LINE + 1


def test_seed_backward_pass_has_the_tutorial_numbers():
    e = seed_explanation()
    a, z, out = e.node("a"), e.node("z"), e.node("L")
    assert out.upstream == 1.0
    assert edge(out, "a").local == -1.0 and a.upstream == -1.0  # dL/da
    assert edge(a, "z").local == 0.25  # da/dz
    assert edge(a, "z").product == -0.25 and z.upstream == -0.25  # dL/dz
    assert edge(z, "w").local == 0.5  # dz/dw
    assert edge(z, "w").product == -0.125
    assert e.gradients == {"w": -0.125, "b": -0.25, "x": -0.5, "t": 1.0}


def test_seed_text_table():
    text = str(seed_explanation())
    for line in (
        "loss(w=2, b=-1, x=0.5, t=1) = 0.25",
        f"line {LOSS_LINE + 1}  z = w * x + b = 0",
        f"line {LOSS_LINE + 2}  a = 1 / (1 + np.exp(-z)) = 0.5",
        f"line {LOSS_LINE + 3}  L = (a - t) ** 2 = 0.25  <- output",
        "dL/da = 2 * (a - t) = -1",
        "dL/da = -1",
        "da/dz = np.exp(-z) / (1 + np.exp(-z)) ** 2 = 0.25",
        "dL/dz += dL/da * da/dz = -1 * 0.25 = -0.25",
        "dz/dw = x = 0.5",
        "dL/dw += dL/dz * dz/dw = -0.25 * 0.5 = -0.125",
        "dL/dw = -0.125",
        "dL/db = -0.25",
    ):
        assert line in text, line
    forward, backward = text.index("Forward pass"), text.index("Backward pass")
    assert forward < backward < text.index("Gradients of L")
    # from the output back: L, then a, then z
    assert backward < text.index("  L = (a - t)", backward) < text.index("  a = 1 /", backward)
    assert text.index("  a = 1 /", backward) < text.index("  z = w * x", backward)


def test_repr_names_the_call_and_gradients():
    assert repr(seed_explanation()) == (
        "<Explanation of loss(w=2, b=-1, x=0.5, t=1): "
        "d/dw=-0.125, d/db=-0.25, d/dx=-0.5, d/dt=1>"
    )


# ------------------------------------------------------------------ the picture


def test_dot_text():
    dot = seed_explanation().to_dot()
    assert dot.startswith('digraph "loss" {') and dot.rstrip().endswith("}")
    assert "rankdir=LR" in dot
    for name in "wbxtzaL":
        assert f'  "{name}" [label=<' in dot
    assert dot.count(" -> ") == 6  # w, x, b -> z; z -> a; a, t -> L
    assert '"w" -> "z" [label=<' in dot and "dz/dw = 0.5" in dot
    assert "dL/dw += -0.125" in dot and "da/dz = 0.25" in dot
    assert "z = 0<" in dot and "dL/dz = -0.25<" in dot  # value and gradient on the node
    assert dot.count('shape="ellipse"') == 4  # the parameters are drawn apart
    assert 'penwidth="2.5"' in dot  # the output


def test_dot_escapes_html_and_marks_absences():
    def f(x, k):
        m = np.where(x > 0, x, 0 * x)
        u = x * 2  # noqa: F841 - a node that does not affect the output
        return np.sum(m * np.floor(k))

    dot = explain(f, [1.0, -2.0], 1.5).to_dot()
    assert "x &gt; 0" in dot and "x > 0" not in dot
    assert "no gradient" in dot and 'style="dashed"' in dot
    assert "does not affect the output" in dot  # u


@needs_dot
@pytest.mark.parametrize("ext", [".svg", ".png"])
def test_render_writes_the_picture(tmp_path, ext):
    path = tmp_path / f"neuron{ext}"
    assert seed_explanation().render(path) == str(path)
    data = path.read_bytes()
    if ext == ".svg":
        assert b"<svg" in data and b"dL/dw = &#45;0.125" in data
    else:
        assert data.startswith(b"\x89PNG")


@needs_dot
def test_repr_svg_for_notebooks():
    svg = seed_explanation()._repr_svg_()
    assert "<svg" in svg and "da/dz = 0.25" in svg


def test_render_without_dot_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(render_module.shutil, "which", lambda name: None)
    e = seed_explanation()
    with pytest.raises(symback.SymbackError, match="Graphviz") as info:
        e.render(tmp_path / "x.svg")
    assert "install" in info.value.hint
    assert e._repr_svg_() is None


def test_render_refuses_unknown_formats(tmp_path):
    with pytest.raises(symback.SymbackError, match="unknown picture format .gif"):
        seed_explanation().render(tmp_path / "x.gif")


# ------------------------------------------------------------------ a second method


CROSS_CHECKED = [
    (loss, (2.0, -1.0, 0.5, 1.0)),
    (zoo.mse_linear, (0.7, -0.2, zoo.X5, zoo.Y5)),
    (zoo.row_plus_matrix, (zoo.R3, zoo.M23)),
    (zoo.column_plus_row, (zoo.C21, zoo.R3)),
    (zoo.matrix_times_row_mean, (zoo.M23, zoo.R3)),
    (zoo.sum_times_mean, (zoo.X5,)),
    (zoo.elastic_net, (zoo.W4, zoo.V4, 0.5 * zoo.W4, 0.1)),
    (zoo.softmax_cross_entropy, (zoo.V4, np.array([0.0, 1.0, 0.0, 0.0]))),
    (zoo.vector_reassign_augmented, (zoo.V4, 0.7)),
    (zoo.mask_array, (zoo.X5,)),
]
CROSS_CHECKED += [(f, args) for f, args, _ in zoo.ZOO if f.__name__ not in zoo.KWARGS]


def _float_parameters(f, args):
    """Every parameter symback.grad accepts: the ones not declared or defaulted as ints."""
    names = list(inspect.signature(f).parameters)[: len(args)]
    accepted = []
    for name in names:
        try:
            symback.grad(f, wrt=name)
        except symback.WrtError:
            continue
        accepted.append(name)
    return tuple(accepted)


@pytest.mark.parametrize(
    "f, args",
    CROSS_CHECKED,
    ids=[f"{f.__name__}-{i}" for i, (f, _) in enumerate(CROSS_CHECKED)],
)
def test_gradients_match_symback_grad(f, args):
    """The explainer's numeric backward pass agrees with the generated gradient code."""
    e = explain(f, *args)
    assert e.value == f(*copy.deepcopy(args))  # f may update its arrays in place
    wrt = _float_parameters(f, args)
    expected = symback.grad(f, wrt=wrt)(*copy.deepcopy(args))
    for name, want in zip(wrt, expected):
        got = e.gradients[name]
        assert np.shape(got) == np.shape(want), name
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14, err_msg=name)
    str(e), e.to_dot()  # every zoo function can be shown


def test_keyword_arguments_and_defaults():
    e = explain(zoo.keyword_only_default, 0.3, shift=0.5)
    want = symback.grad(zoo.keyword_only_default, wrt=("x", "scale", "shift"))(0.3, shift=0.5)
    np.testing.assert_allclose([e.gradients[k] for k in ("x", "scale", "shift")], want)


# ------------------------------------------------------------------ graph details


def test_broadcast_products_are_summed_to_the_operand_shape():
    def f(w, x):
        y = w * x
        return np.sum(y)

    e = explain(f, 2.0, [1.0, 2.0, 3.0])
    w_edge = edge(e.node("y"), "w")
    assert w_edge.reduced and w_edge.product == 6.0 and np.shape(w_edge.product) == ()
    assert not edge(e.node("y"), "x").reduced
    np.testing.assert_array_equal(e.gradients["x"], [2.0, 2.0, 2.0])
    assert "df/dw += sum(df/dy * dy/dw) = sum([1 1 1] * [1 2 3]) = 6" in str(e)


def test_lists_become_float_arrays():
    def f(x):
        return np.mean(x**2)

    e = explain(f, [1, 2, 3])
    assert e.node("x").value.dtype == float
    np.testing.assert_allclose(e.gradients["x"], [2 / 3, 4 / 3, 2.0])
    assert "1 / 3 = 0.333333 for each element" in str(e)


def test_a_value_used_twice_sums_its_uses():
    def f(x):
        s = np.sin(x)
        return s * s + s

    e = explain(f, 0.5)
    s = e.node("s")
    assert [user for user, _ in s.uses] == ["f"]  # one statement uses it (s*s + s)
    np.testing.assert_allclose(s.upstream, 2 * np.sin(0.5) + 1)

    def g(x):
        y = x * 3
        z = np.exp(y)
        return z + y

    e = explain(g, 0.1)
    y = e.node("y")
    assert [user for user, _ in y.uses] == ["g", "z"]
    assert y.upstream == sum(p for _, p in y.uses)
    assert "(summed over its 2 uses: g, z)" in str(e)


def test_absences_are_named():
    def f(x, k, unused):
        c = x > 0
        m = np.where(c, x, 0.1 * x)
        n = np.floor(k) * m
        dead = x * 7  # noqa: F841 - a node that does not affect the output
        return n

    e = explain(f, 2.0, 1.5, 3.0)
    assert edge(e.node("m"), "c").flow == ZERO
    assert edge(e.node("t1"), "k").flow == BLOCKED  # t1 = np.floor(k)
    assert edge(e.node("n"), "m").flow == FLOWS
    assert edge(e.node("dead"), "x").flow == UNUSED
    assert not e.node("dead").affects_output and e.node("dead").upstream is None
    assert e.node("c").upstream is None and e.node("c").affects_output
    assert e.gradients["k"] == 0.0 and e.gradients["unused"] == 0.0
    text = str(e)
    assert "dn/dk = 0  (no gradient flows back to it)" in text
    assert "dn/dunused = 0  (does not affect the output)" in text
    assert "dead = x * 7 = 14  (does not affect the output)" in text
    assert "passes no gradient" in text and "no gradient reaches c" in text


def test_zero_gradient_parameters_keep_their_shape():
    e = explain(zoo.unused_vector_parameter, 1.1, zoo.V4)
    assert e.gradients["v"].shape == (4,) and not e.gradients["v"].any()


def test_output_may_be_a_parameter_or_a_constant():
    def ident(x):
        return x

    def const(x):
        return 3.0

    assert explain(ident, 2.0).gradients == {"x": 1.0}
    assert "the output is the input x itself" in str(explain(ident, 2.0))
    assert explain(const, 2.0).gradients == {"x": 0.0}


def test_value_text():
    assert value_text(-0.0) == "0"
    assert value_text(np.float64(1 / 3)) == "0.333333"
    assert value_text(2) == "2" and value_text(True) == "True"
    assert value_text(np.array([[1.0, -0.0], [0.5, 2.25]]), shape=True) == (
        "[[1 0] [0.5 2.25]]  (shape 2x2)"
    )
    assert "..." in value_text(np.arange(100.0))


# ------------------------------------------------------------------ errors


def test_non_scalar_output_is_refused():
    def f(x):
        return x * 2

    with pytest.raises(symback.NonScalarOutputError, match=r"shape \(2,\)"):
        explain(f, [1.0, 2.0])


def test_arguments_that_do_not_fit():
    with pytest.raises(ArgumentError, match="missing a required argument: 't'"):
        explain(loss, 2.0, -1.0, 0.5)
    with pytest.raises(ArgumentError, match="could not be broadcast") as info:
        explain(loss, [1.0, 2.0], [1.0, 2.0, 3.0], 0.5, 1.0)
    assert info.value.lineno == LOSS_LINE + 1 and "z = w * x + b" in str(info.value)
    assert isinstance(info.value, symback.SymbackError)


def test_unsupported_code_is_a_symback_error():
    def f(x):
        return np.sum(np.cumsum(x))

    with pytest.raises(symback.SymbackError, match="explain cannot show np.cumsum") as info:
        explain(f, [1.0, 2.0])
    assert info.value.lineno == inspect.getsourcelines(f)[1] + 1


# ------------------------------------------------------------------ the command line

MODEL = """\
import numpy as np


def loss(w, b, x, t):
    z = w * x + b
    a = 1 / (1 + np.exp(-z))
    L = (a - t) ** 2
    return L


def total(w, x):
    return np.sum(w * x)


def running(x):
    return np.sum(np.cumsum(x))
"""
AT = "w=2, b=-1, x=0.5, t=1"


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    return path


def test_cli_prints_the_table(model, capsys):
    assert main(["explain", f"{model}:loss", "--at", AT]) == 0
    out = capsys.readouterr().out
    module = import_file(str(model))
    assert out == str(explain(module.loss, w=2.0, b=-1.0, x=0.5, t=1.0))
    assert "line 5  z = w * x + b = 0" in out


def test_cli_writes_dot(model, tmp_path, capsys):
    dot = tmp_path / "g.dot"
    assert main(["explain", f"{model}:loss", "--at", AT, "--dot", str(dot)]) == 0
    assert dot.read_text() == explain(import_file(str(model)).loss, 2.0, -1.0, 0.5, 1.0).to_dot()


@needs_dot
def test_cli_renders(model, tmp_path, capsys):
    png = tmp_path / "g.png"
    assert main(["explain", f"{model}:loss", "--at", AT, "--render", str(png)]) == 0
    assert png.read_bytes().startswith(b"\x89PNG")


def test_cli_render_without_dot(model, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(render_module.shutil, "which", lambda name: None)
    assert (
        main(
            [
                "explain",
                f"{model}:loss",
                "--at",
                AT,
                "--render",
                str(tmp_path / "g.svg"),
            ]
        )
        == 3
    )
    assert "install Graphviz" in capsys.readouterr().err


def test_cli_arrays(model, capsys):
    assert main(["explain", f"{model}:total", "--at", "w=[1, 2], x=[[1], [2]]"]) == 0
    out = capsys.readouterr().out
    assert "dtotal/dw = [3 3]  (shape 2)" in out and "dtotal/dx = [[3] [3]]  (shape 2x1)" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["{model}", "--at", AT], "expected FILE.py:FUNCTION"),
        (["{model}:nope", "--at", AT], "defines no function 'nope'"),
        (["{dir}/missing.py:loss", "--at", AT], "no such file"),
        (["{model}:loss", "--at", "w=np.load('x'), b=1, x=1, t=1"], "np.load is not evaluated"),
        (["{model}:loss", "--at", "w=open('x'), b=1, x=1, t=1"], "open(...) is not evaluated"),
        (["{model}:loss", "--at", "2, 3"], "NAME=VALUE"),
        (["{model}:loss", "--at", "w=(1"], "NAME=VALUE"),
        (["{model}:loss", "--at", "w=2, b=-1"], "missing a required argument"),
        (["{model}:loss", "--at", "w=[1, 2], b=[1, 2, 3], x=1, t=1"], "broadcast"),
        (["{model}:loss", "--at", "w=[[1], [1, 2]], b=1, x=1, t=1"], "rectangular"),
        (["{model}:loss", "--at", AT, "--render", "g.gif"], ".svg, .png, .pdf"),
    ],
)
def test_cli_usage_errors(model, capsys, argv, message):
    argv = [a.format(model=model, dir=model.parent) for a in argv]
    assert main(["explain", *argv]) == 2
    assert message in capsys.readouterr().err


def test_cli_unsupported_code(model, capsys):
    assert main(["explain", f"{model}:running", "--at", "x=[1, 2]"]) == 3
    err = capsys.readouterr().err
    assert "model.py" in err and "hint:" in err


def test_cli_module_that_raises(tmp_path, capsys):
    path = tmp_path / "broken.py"
    path.write_text("raise RuntimeError('boom')\n")
    assert main(["explain", f"{path}:f"]) == 3
    assert "RuntimeError: boom" in capsys.readouterr().err


def test_cli_help_has_examples(capsys):
    with pytest.raises(SystemExit):
        main(["explain", "--help"])
    assert 'symback explain model.py:loss --at "w=2, b=-1, x=0.5, t=1"' in capsys.readouterr().out


# ------------------------------------------------------------------ the example


def test_example_script(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "explain_neuron.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert "dL/dw = -0.125" in done.stdout
    assert (tmp_path / "neuron.dot").read_text().startswith('digraph "loss"')
    assert (tmp_path / "neuron.svg").exists() == HAVE_DOT


# ------------------------------------------------------------------ reductions over some axes


def row_sums(A):
    return np.sum(np.sum(A, axis=1) ** 2)


def column_means(A):
    return np.sum(np.mean(A, axis=0) ** 2)


def kept_dims(A):
    return np.sum(np.sum(A, axis=(0, 1), keepdims=True) * np.mean(A, -1, keepdims=True))


def dot_of_matrix(A, v):
    return np.sum(np.dot(A, v) ** 2)


@pytest.mark.parametrize("f", [row_sums, column_means, kept_dims])
def test_reductions_over_some_axes_match_central_differences(f):
    A = np.arange(6.0).reshape(2, 3)
    e = explain(f, A)
    np.testing.assert_allclose(e.gradients["A"], central_difference(f, [A], 0), rtol=1e-7)


def test_a_row_sum_spreads_each_rows_gradient_along_its_row():
    # r = [3, 12]; L = sum(r^2): dL/dr = [6, 24], each row's gradient spread along the row
    e = explain(row_sums, np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(e.gradients["A"], [[6, 6, 6], [24, 24, 24]])
    assert "(spread back along the reduced axes to A's shape)" in str(e)


def test_a_column_mean_divides_by_the_column_length():
    # m = [1.5, 2.5, 3.5]; dL/dm = 2 m; each element gets 2 m / 2 (2 rows), not / 6
    e = explain(column_means, np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(e.gradients["A"], [[1.5, 2.5, 3.5], [1.5, 2.5, 3.5]])
    assert edge(e.node("t1"), "A").formula == "1 / 2"


def test_np_dot_of_a_matrix_and_a_vector():
    A, v = np.arange(6.0).reshape(2, 3), np.array([1.0, 2.0, 3.0])
    e = explain(dot_of_matrix, A, v)
    for i, name in enumerate(("A", "v")):
        numerical = central_difference(dot_of_matrix, [A, v], i)
        np.testing.assert_allclose(e.gradients[name], numerical, rtol=1e-7)


def test_products_of_more_than_two_dimensions_are_refused():
    def f(A, B):
        return np.sum(A @ B)

    with pytest.raises(symback.SymbackError, match="vectors and matrices") as info:
        explain(f, np.ones((2, 2, 2)), np.ones((2, 2)))
    assert "symback.grad differentiates it" in info.value.hint


# ------------------------------------------------------------------ the array zoo


@pytest.mark.parametrize("entry", array_zoo.ARRAY_ZOO, ids=array_zoo.entry_id)
def test_array_zoo_explained_right_or_refused(entry):
    """Every array function: the same gradients as symback.grad, or a clear refusal of an
    operation explain does not show; never other numbers, never a bare exception."""
    f, args, wrt = entry[:3]
    names = list(inspect.signature(f).parameters)
    wrt = tuple(names[w] if isinstance(w, int) else w for w in np.atleast_1d(wrt).tolist())
    try:
        e = explain(f, *copy.deepcopy(args))
    except symback.SymbackError as exc:
        assert str(exc).startswith(("explain cannot show", "explain shows @")), str(exc)
        return
    expected = symback.grad(f, wrt=wrt)(*copy.deepcopy(args))
    for name, want in zip(wrt, expected):
        got = e.gradients[name]
        assert np.shape(got) == np.shape(want), name
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=name)
    str(e), e.to_dot()
