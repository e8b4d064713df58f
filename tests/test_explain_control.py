"""symback.explain on branches and loops: the dynamic graph of one call, checked by hand and
against central differences."""

import copy
import inspect
import shutil

import numpy as np
import pytest

import symback
from symback.backprop import ArgumentError, explain
from symback.backprop.paths import SHOWN_AT_EACH_END, WHOLE_LOOP
from symback.backprop.unroll import MAX_STEPS
from symback.cli import main
from tests import control_zoo as cz
from tests.helpers import central_difference

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is missing")


def edge(node, operand):
    (found,) = [e for e in node.edges if e.operand == operand]
    return found


def line_of(f, text: str) -> int:
    """The file line of the first line of f that contains `text`."""
    lines, first = inspect.getsourcelines(f)
    return first + next(i for i, line in enumerate(lines) if text in line)


# ------------------------------------------------------------------ a 3-step loop, by hand


def horner(x):
    s = 1.0
    for i in range(3):  # noqa: B007 - the counter names the iterations: s[i=2]
        s = s * x + 1
    return s


def test_loop_iterations_are_nodes_of_their_own():
    e = explain(horner, 2.0)
    assert [n.name for n in e.nodes] == ["x", "s", "s[i=0]", "s[i=1]", "s[i=2]"]
    # s0 = 1, s1 = 1*2 + 1 = 3, s2 = 3*2 + 1 = 7, s3 = 7*2 + 1 = 15
    assert [e.node(n).value for n in ("s", "s[i=0]", "s[i=1]", "s[i=2]")] == [1.0, 3.0, 7.0, 15.0]
    assert e.value == 15.0
    assert e.node("s[i=1]").code == "s[i=0] * x + 1"
    assert e.node("s[i=1]").iteration == ((0, 1),)


def test_loop_backward_numbers_worked_by_hand():
    """s3 = s2 x + 1, s2 = s1 x + 1, s1 = s0 x + 1 at x = 2, walked back from s3."""
    e = explain(horner, 2.0)
    s1, s2, s3 = e.node("s[i=0]"), e.node("s[i=1]"), e.node("s[i=2]")
    assert s3.upstream == 1.0
    # ds3/ds2 = x = 2, ds3/dx = s2 = 7
    assert edge(s3, "s[i=1]").local == 2.0 and edge(s3, "s[i=1]").product == 2.0
    assert edge(s3, "x").local == 7.0 and edge(s3, "x").product == 7.0
    # upstream of s2 is 2; ds2/ds1 = 2 -> 4; ds2/dx = s1 = 3 -> 6
    assert s2.upstream == 2.0
    assert edge(s2, "s[i=0]").local == 2.0 and edge(s2, "s[i=0]").product == 4.0
    assert edge(s2, "x").local == 3.0 and edge(s2, "x").product == 6.0
    # upstream of s1 is 4; ds1/ds0 = 2 -> 8; ds1/dx = s0 = 1 -> 4
    assert s1.upstream == 4.0
    assert edge(s1, "s").product == 8.0 and e.node("s").upstream == 8.0
    assert edge(s1, "x").local == 1.0 and edge(s1, "x").product == 4.0
    # dL/dx = 7 + 6 + 4 = 17 = 3x^2 + 2x + 1 at x = 2
    assert [p for _, p in e.node("x").uses] == [7.0, 6.0, 4.0]
    assert e.gradients == {"x": 17.0}
    assert e.gradients["x"] == pytest.approx(central_difference(horner, [2.0], 0), rel=1e-8)


def test_loop_text():
    text = str(explain(horner, 2.0))
    header = line_of(horner, "for i in")
    body = line_of(horner, "s = s * x")
    for row in (
        "horner(x=2) = 15",
        "Path taken (the graph holds only what ran)",
        f"line {header}  `for i in range(3)` ran 3 iterations (i=0, i=1, i=2)",
        f"line {body}  s[i=0] = s * x + 1 = 3",
        f"line {body}  s[i=2] = s[i=1] * x + 1 = 15  <- output",
        # the output is `s`, and so is the start value: dL/dv is written with the function
        "dhorner/ds[i=2] = 1  (the output)",
        "ds[i=1]/ds[i=0] = x = 2",
        "dhorner/ds[i=0] += dhorner/ds[i=1] * ds[i=1]/ds[i=0] = 2 * 2 = 4",
        "dhorner/dx += dhorner/ds[i=1] * ds[i=1]/dx = 2 * 3 = 6",
        "dhorner/dx = 7 + 6 + 4 = 17  (summed over its 3 uses: s[i=2], s[i=1], s[i=0])",
    ):
        assert row in text, row
    backward = text.index("Backward pass")
    # the backward pass walks the iterations in reverse
    assert text.index("  s[i=2] = ", backward) < text.index("  s[i=1] = ", backward)
    assert text.index("  s[i=1] = ", backward) < text.index("  s[i=0] = ", backward)


def doubling(x):
    s = x
    while s < 10:
        s = s * 2 + x
    return s


def test_while_loop_worked_by_hand():
    """s1 = 2x + x, s2 = 2 s1 + x, s3 = 2 s2 + x at x = 1: 3, 7, 15, then 15 < 10 fails."""
    e = explain(doubling, 1.0)
    assert [n.name for n in e.nodes] == ["x", "s[#1]", "s[#2]", "s[#3]"]
    assert [n.value for n in e.nodes[1:]] == [3.0, 7.0, 15.0]
    first = e.node("s[#1]")
    # s1 reads x twice (s starts as x): one edge, local 2 + 1 = 3, sending 4 * 3 = 12
    assert edge(first, "x").formula == "2 + 1" and edge(first, "x").local == 3.0
    assert first.upstream == 4.0 and edge(first, "x").product == 12.0
    assert [p for _, p in e.node("x").uses] == [1.0, 2.0, 12.0]
    assert e.gradients["x"] == 15.0 == pytest.approx(central_difference(doubling, [1.0], 0))
    assert e.path == [(line_of(doubling, "while"), "`while s < 10` ran 3 iterations (#1, #2, #3)")]


# ------------------------------------------------------------------ Huber, both sides


def test_huber_quadratic_side():
    e = explain(cz.huber, 0.5, 1.0)
    assert [n.name for n in e.nodes] == ["r", "delta", "t1", "loss"]  # no node of the else
    assert e.node("t1").value is np.True_ or e.node("t1").value is True
    loss = e.node("loss")
    assert loss.code == "0.5 * r**2" and loss.value == 0.125
    assert edge(loss, "r").local == 0.5  # d(0.5 r^2)/dr = r
    assert e.gradients == {"r": 0.5, "delta": 0.0}
    assert e.path == [
        (line_of(cz.huber, "if abs(r)"), "`if abs(r) <= delta` was True: the if branch ran")
    ]
    assert "dloss/ddelta = 0  (no gradient flows back to it)" in str(e)


def test_huber_linear_side():
    e = explain(cz.huber, -2.3, 1.0)
    loss = e.node("loss")
    assert loss.code == "delta * (abs(r) - 0.5 * delta)"
    assert loss.value == pytest.approx(1.8)  # 1 * (2.3 - 0.5)
    assert edge(loss, "r").local == -1.0  # delta * sign(r)
    assert edge(loss, "delta").local == pytest.approx(1.3)  # |r| - delta
    assert e.gradients["r"] == -1.0 and e.gradients["delta"] == pytest.approx(1.3)
    for i, name in enumerate(("r", "delta")):
        want = central_difference(cz.huber, [-2.3, 1.0], i)
        assert e.gradients[name] == pytest.approx(want, rel=1e-7)
    assert e.path[0][1] == "`if abs(r) <= delta` was False: the else branch ran"
    assert "0.5 * r**2" not in str(e)  # the branch not taken is not in the graph


def test_elif_chain_names_each_decision():
    e = explain(cz.elif_chain, 1.0)
    words = [what for _, what in e.path]
    assert words[0].endswith("was False: on to the `elif`")
    assert any(w.endswith("the elif branch ran") for w in words)
    assert e.gradients["x"] == pytest.approx(central_difference(cz.elif_chain, [1.0], 0))


def absolute_plus(x, c):
    y = x * c
    if y < 0.0:
        y = -y
    return y + c


def test_if_without_else_says_its_branch_was_skipped():
    e = explain(absolute_plus, 2.0, 0.5)
    assert e.path[0][1] == "`if y < 0.0` was False: its branch was skipped"
    assert e.gradients == {"x": 0.5, "c": 3.0}  # y + c = x c + c
    e = explain(absolute_plus, -2.0, 0.5)
    assert e.path[0][1] == "`if y < 0.0` was True: the if branch ran"
    assert e.gradients == {"x": -0.5, "c": 3.0}  # -x c + c


# ------------------------------------------------------------------ loops over arrays, break


def squares(x):
    s = 0.0
    for v in x:
        s = s + v**2
    return s


def test_element_reads_place_the_gradient_at_the_element():
    e = explain(squares, [1.0, 2.0, 3.0])
    read = e.node("v[#2]")
    assert read.code == "x[1]" and read.value == 2.0
    assert read.upstream == 4.0  # d(v^2)/dv = 2 v
    x_edge = edge(read, "x")
    np.testing.assert_array_equal(x_edge.local, [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(x_edge.product, [0.0, 4.0, 0.0])
    np.testing.assert_array_equal(e.gradients["x"], [2.0, 4.0, 6.0])
    text = str(e)
    assert "dv[#2]/dx = 1 at x[1], 0 elsewhere" in text
    assert "dsquares/dx += dsquares/dv[#2] added at x[1] = [0 4 0]" in text


def masked(x):
    m = x > 0
    return np.sum(x[m] ** 2)


def repeated(x):
    return np.sum(x[[0, 0, 2]] * 3.0)


def corner_and_column(A):
    return np.sum(A[1:, 0] ** 2) + A[0, 1]


@pytest.mark.parametrize(
    "f, x, want",
    [
        (masked, [1.0, -2.0, 3.0], [2.0, 0.0, 6.0]),  # 2 x where x > 0
        (repeated, [1.0, 2.0, 3.0], [6.0, 0.0, 3.0]),  # x[0] read twice: 3 + 3
        (corner_and_column, [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], [[0, 1], [4, 0], [8, 0]]),
    ],
)
def test_indexing_outside_loops(f, x, want):
    e = explain(f, x)
    np.testing.assert_array_equal(e.gradients[next(iter(e.gradients))], want)
    numerical = central_difference(f, [np.array(x)], 0)
    np.testing.assert_allclose(e.gradients[next(iter(e.gradients))], numerical, rtol=1e-7)


def until_over(x):
    s = 0.0
    for i in range(10):
        s = s + x * i
        if s > 5:
            break
    return s


def test_break_ends_the_unrolled_loop():
    e = explain(until_over, 1.0)  # s = 0, 1, 3, 6: stops at i = 3
    assert [n.name for n in e.nodes if n.name.startswith("s[")] == [
        "s[i=0]",
        "s[i=1]",
        "s[i=2]",
        "s[i=3]",
    ]
    assert e.node("s[i=1]").code == "s[i=0] + x * 1"  # the counter, as its value
    header, test, stop = (line_of(until_over, t) for t in ("for i", "if s > 5", "break"))
    assert e.path == [
        (
            header,
            f"`for i in range(10)` ran 4 iterations (i=0, i=1, i=2, i=3), then `break` at line {stop} left it",
        ),
        (
            test,
            "`if s > 5` was False at i=0, i=1, i=2 (its branch was skipped), True at i=3 (the if branch ran)",
        ),
    ]
    # the conditions decide the path: they affect the output, yet no gradient reaches them
    condition = e.node("t1[i=3]")
    assert condition.affects_output and condition.upstream is None
    assert e.gradients["x"] == 6.0  # 0 + 1 + 2 + 3
    assert e.gradients["x"] == pytest.approx(central_difference(until_over, [1.0], 0))


def grid(x):
    s = 0.0
    for i in range(2):
        for j in range(3):
            s = s + x * i * j
    return s


def test_nested_loops_tag_both_counters():
    e = explain(grid, 0.5)
    names = [n.name for n in e.nodes[2:]]
    assert names == [f"s[i={i}, j={j}]" for i in range(2) for j in range(3)]
    assert e.gradients["x"] == 3.0  # sum of i j
    assert (
        e.path[1][1] == "`for j in range(3)` ran 2 times (inside another loop): 3 iterations each"
    )


def layer(W, h):
    y = W @ h
    return np.sum(y**2)


def test_matrix_products_worked_by_hand():
    """y = W h = [1 - 2, 3 - 4] = [-1, -1]; dL/dy = 2 y = [-2, -2];
    dL/dW = outer(dL/dy, h) = [[-2, 2], [-2, 2]]; dL/dh = W^T dL/dy = [-8, -12]."""
    e = explain(layer, [[1.0, 2.0], [3.0, 4.0]], [1.0, -1.0])
    y = e.node("y")
    np.testing.assert_array_equal(y.upstream, [-2.0, -2.0])
    np.testing.assert_array_equal(edge(y, "W").product, [[-2.0, 2.0], [-2.0, 2.0]])
    np.testing.assert_array_equal(edge(y, "h").product, [-8.0, -12.0])
    text = str(e)
    assert "dlayer/dW += np.outer(dlayer/dy, h) = [[-2 2] [-2 2]]" in text
    assert "dlayer/dh += W.T @ dlayer/dy = [-8 -12]" in text


def gram(A, B):
    return np.sum((A @ B) ** 2) + np.sum(A @ A)


def test_matrix_products_against_central_differences():
    A = np.array([[0.5, -1.0], [2.0, 0.3]])
    B = np.array([[1.5, 0.2, -0.4], [0.7, -0.9, 1.1]])
    e = explain(gram, A, B)  # (2, 2) @ (2, 3), and A @ A: A read twice
    for i, name in enumerate(("A", "B")):
        numerical = central_difference(gram, [A, B], i)
        np.testing.assert_allclose(e.gradients[name], numerical, rtol=1e-7, err_msg=name)


def test_rnn_names_each_step():
    W = np.array([[0.5, -0.2], [0.1, 0.3]])
    h0, xs = np.array([0.1, -0.2]), np.array([[1.0, 0.5], [0.2, -0.3], [0.4, 0.1]])
    e = explain(cz.rnn_loop, W, h0, xs)
    assert [n.name for n in e.nodes if n.name.startswith("h[")] == ["h[t=0]", "h[t=1]", "h[t=2]"]
    assert e.node("h[t=1]").code == "np.tanh(t1[t=1] + t2[t=1])"
    assert e.node("t1[t=1]").code == "W @ h[t=0]"
    assert len(e.node("W").uses) == 3  # each step's W @ h sends its part of dL/dW
    for i, name in enumerate(("W", "h0", "xs")):
        numerical = central_difference(cz.rnn_loop, [W, h0, xs], i)
        np.testing.assert_allclose(e.gradients[name], numerical, rtol=1e-6, err_msg=name)


# ------------------------------------------------------------------ long loops


def sines(x, n):
    s = 0.0
    for i in range(int(n)):
        s = s + np.sin(x * i)
    return s


def test_a_long_loop_shows_its_ends_and_all_its_numbers():
    e = explain(sines, 0.3, 100)
    assert len(e.nodes) == 3 + 100  # every iteration computed
    want = sum(i * np.cos(0.3 * i) for i in range(100))
    assert e.gradients["x"] == pytest.approx(want, rel=1e-12)
    assert e.gradients["x"] == pytest.approx(central_difference(sines, [0.3, 100], 0), rel=1e-6)
    text = str(e)
    first_hidden, last_hidden = SHOWN_AT_EACH_END, 100 - SHOWN_AT_EACH_END - 1
    gap = (
        f"... iterations i={first_hidden} to i={last_hidden} of `for i in range(int(n))` "
        f"(line {line_of(sines, 'for i')}): 94 iterations, 94 nodes not shown ..."
    )
    assert text.count(gap) == 2  # in the forward and in the backward pass
    assert "s[i=2] = " in text and "s[i=97] = " in text and "s[i=50]" not in text
    assert "(summed over its 100 uses)" in text
    full = e.text(all_iterations=True)
    assert "s[i=50] = s[i=49] + np.sin(x * 50)" in full and "not shown" not in full
    dot = e.to_dot()
    assert '"gap0" [label=<' in dot and '"s[i=2]" -> "gap0" [style=dashed];' in dot
    assert '"gap0" -> "s[i=97]" [style=dashed];' in dot and "s[i=50]" not in dot
    assert "s[i=50]" in e.to_dot(all_iterations=True)


def repeat(x):
    for _ in range(2):
        x = x * x
    return x


def test_an_unnamed_counter_numbers_the_iterations():
    e = explain(repeat, 3.0)
    assert [n.name for n in e.nodes] == ["x", "x[#1]", "x[#2]"]
    assert e.gradients["x"] == 108.0  # d(x^4)/dx = 4 x^3


def test_short_loops_are_shown_whole():
    text = str(explain(sines, 0.3, WHOLE_LOOP))
    assert "not shown" not in text and f"s[i={WHOLE_LOOP - 1}]" in text
    assert "not shown" in str(explain(sines, 0.3, WHOLE_LOOP + 1))


def forever(x):
    while x > 0.0:
        x = x * 1.5
    return x


def test_an_endless_loop_is_refused_with_a_hint():
    with pytest.raises(symback.SymbackError, match=f"explain stops after {MAX_STEPS}") as info:
        explain(forever, 1.0)
    assert info.value.lineno == line_of(forever, "x = x * 1.5")
    assert "smaller case" in info.value.hint


def sign_of_vector(x):
    if x > 0:
        return np.sum(x)
    return -np.sum(x)


def test_an_array_condition_is_refused_with_a_hint():
    with pytest.raises(ArgumentError, match=r"an array of shape \(2,\)") as info:
        explain(sign_of_vector, [1.0, -1.0])
    assert info.value.lineno == line_of(sign_of_vector, "if x > 0")
    assert "np.where" in info.value.hint
    assert explain(sign_of_vector, [1.0]).gradients["x"] == [1.0]  # one element decides


def test_output_is_deterministic():
    for f, args in ((until_over, (1.0,)), (sines, (0.3, 20)), (cz.elif_break, (cz.MIXED,))):
        first, second = explain(f, *args), explain(f, *args)
        assert str(first) == str(second) and first.to_dot() == second.to_dot()


# ------------------------------------------------------------------ the control-flow zoo

# explain shows sum, mean, indexing and @ of the array operations; this one uses np.cumsum
NOT_SHOWN = {"enumerate_weighted_vec"}
# ... and no lists used as stacks
STACKS = {"user_stack", "stack_left_with_values", "stack_in_branches", "drain_while"}


@pytest.mark.parametrize(
    "f, args, wrt", cz.ZOO, ids=[f"{e[0].__name__}-{i}" for i, e in enumerate(cz.ZOO)]
)
def test_zoo_gradients_match_central_differences(f, args, wrt):
    if f.__name__ in NOT_SHOWN | STACKS:
        what = "explain cannot show np" if f.__name__ in NOT_SHOWN else "lists used as stacks"
        with pytest.raises(symback.SymbackError, match=what):
            explain(f, *copy.deepcopy(args))
        return
    e = explain(f, *copy.deepcopy(args))
    wrt = wrt if isinstance(wrt, tuple) else (wrt,)
    names = list(inspect.signature(f).parameters)
    exact = symback.grad(f, wrt=wrt)(*copy.deepcopy(args))
    for i, want in zip(wrt, exact):
        got = e.gradients[names[i]]
        numerical = central_difference(f, copy.deepcopy(list(args)), i)
        np.testing.assert_allclose(got, numerical, rtol=1e-5, atol=1e-6, err_msg=names[i])
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=names[i])
    assert e.value == pytest.approx(f(*copy.deepcopy(args)), rel=1e-15)
    str(e), e.to_dot()  # can be shown


# ------------------------------------------------------------------ the command line

MODEL = """\
import numpy as np


def horner(x):
    s = 1.0
    for i in range(3):
        s = s * x + 1
    return s


def huber(r, delta=1.0):
    if abs(r) <= delta:
        loss = 0.5 * r**2
    else:
        loss = delta * (abs(r) - 0.5 * delta)
    return loss


def sines(x):
    s = 0.0
    for i in range(50):
        s = s + np.sin(x * i)
    return s
"""


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    return path


def test_cli_loop(model, capsys):
    assert main(["explain", str(model), "-f", "horner", "--at", "x=2.0"]) == 0
    out = capsys.readouterr().out
    for row in (
        "horner(x=2) = 15",
        "line 6  `for i in range(3)` ran 3 iterations (i=0, i=1, i=2)",
        "line 7  s[i=1] = s[i=0] * x + 1 = 7",
        "dhorner/ds[i=0] += dhorner/ds[i=1] * ds[i=1]/ds[i=0] = 2 * 2 = 4",
        "dhorner/dx = 7 + 6 + 4 = 17",
    ):
        assert row in out, row


def test_cli_branch(model, capsys):
    assert main(["explain", f"{model}:huber", "--at", "r=-2.0"]) == 0
    out = capsys.readouterr().out
    assert "line 12  `if abs(r) <= delta` was False: the else branch ran" in out
    assert "line 15  loss = delta * (abs(r) - 0.5 * delta) = 1.5  <- output" in out
    assert "dloss/dr = -1" in out and "dloss/ddelta = 1" in out
    assert "0.5 * r**2" not in out


def test_cli_all_iterations_and_dot(model, tmp_path, capsys):
    dot = tmp_path / "g.dot"
    assert main(["explain", f"{model}:sines", "--at", "x=0.1", "--dot", str(dot)]) == 0
    assert "44 iterations, 44 nodes not shown" in capsys.readouterr().out
    assert "gap0" in dot.read_text()
    argv = ["explain", f"{model}:sines", "--at", "x=0.1", "--all-iterations", "--dot", str(dot)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "not shown" not in out and "s[i=25]" in out and "gap0" not in dot.read_text()


def test_cli_function_named_twice(model, capsys):
    assert main(["explain", f"{model}:horner", "-f", "huber", "--at", "x=1"]) == 2
    assert "name the function once" in capsys.readouterr().err


@needs_dot
def test_loop_picture_renders(tmp_path):
    path = tmp_path / "sines.svg"
    explain(sines, 0.3, 30).render(path)
    svg = path.read_text()
    assert "<svg" in svg and "not shown" in svg and "s[i=29]" in svg
