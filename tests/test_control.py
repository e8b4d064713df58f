"""Control flow: loops, branches, while loops and helper calls (functions in tests/control_zoo.py).

- a loop version and a vectorised version of the same function have the same gradient;
- every zoo function's gradient matches numerical gradients, value_and_grad's value is f's
  own value bit for bit, and `.source` is black-stable and holds a loop where f has one;
- while loops (Newton, fixed point) match the implicit-function derivative;
- helpers are inlined, also when the gradient module is generated from a file;
- break, continue and return inside loops: exact gradients over the iterations that ran, for
  the first, a later or no early exit, and the generated code still loops;
- a loop's else clause, a tuple returned from a loop, recursion and in-place updates of an
  aliased array are refused with a place (the line marked `# REFUSED:<id>`).
"""

from __future__ import annotations

import ast
import copy
import importlib.util
import inspect
import math
import re
import textwrap
from pathlib import Path

import black
import numpy as np
import pytest

import symback
from symback.gradcheck.numerical import numerical_gradient
from tests import control_zoo as cz
from tests.helpers import assert_source_black_stable, check_gradient

ZOO_FILE = Path(cz.__file__).resolve()
ZOO_LINES = ZOO_FILE.read_text().splitlines()


def _ids(entries, name=lambda e: e[0].__name__):
    seen: dict[str, int] = {}
    ids = []
    for entry in entries:
        base = name(entry)
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}#{seen[base]}")
    return ids


def _as_tuple(grads, wrt):
    return grads if isinstance(wrt, tuple) else (grads,)


def _loops_in(f) -> tuple[int, int]:
    """(for loops, while loops) in f's own source."""
    nodes = list(ast.walk(ast.parse(textwrap.dedent(inspect.getsource(f)))))
    return sum(isinstance(n, ast.For) for n in nodes), sum(isinstance(n, ast.While) for n in nodes)


# ---------------------------------------------------------------- loops vs vectorised


@pytest.mark.parametrize(
    "pair",
    cz.PAIRS,
    ids=_ids(cz.PAIRS, lambda p: f"{p[0].__name__}-vs-{p[1].__name__}"),
)
def test_loop_gradient_equals_vectorised_gradient(pair):
    loop_fn, vec_fn, args, wrt = pair
    np.testing.assert_allclose(loop_fn(*args), vec_fn(*args), rtol=1e-12)
    by_loop = _as_tuple(symback.grad(loop_fn, wrt=wrt)(*args), wrt)
    by_vec = _as_tuple(symback.grad(vec_fn, wrt=wrt)(*args), wrt)
    for i, (a, b) in enumerate(zip(by_loop, by_vec)):
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f"gradient {i}")


@pytest.mark.parametrize("pair", cz.PAIRS, ids=_ids(cz.PAIRS, lambda p: p[0].__name__))
def test_loop_version_generates_a_loop(pair):
    """The generated code loops (forward and backward); it is not unrolled."""
    loop_fn, _, _, wrt = pair
    src = symback.grad(loop_fn, wrt=wrt).source
    body = src.split(f"def grad_{loop_fn.__name__}(")[1]
    assert len(re.findall(r"^\s+for .* in range\(", body, re.MULTILINE)) >= 1
    assert len(re.findall(r"^\s+for .* in reversed\(range\(", body, re.MULTILINE)) >= 1


def test_rnn_loop_code_does_not_grow_with_steps():
    """The same generated function serves every T, and it is shorter than 4 unrolled steps."""
    g = symback.grad(cz.rnn_loop, wrt=(0, 1, 2))
    unrolled = symback.grad(cz.rnn_unrolled, wrt=(0, 1, 2))
    lines = [len(s.source.split("\ndef grad_")[1].splitlines()) for s in (g, unrolled)]
    assert lines[0] < lines[1]
    rng = np.random.default_rng(5)
    for steps in (1, 7, 30):
        xs = rng.standard_normal((steps, 5))
        check_gradient(cz.rnn_loop, (cz.W5, cz.H5, xs), wrt=(0, 1, 2), directions=1)


# ---------------------------------------------------------------- the whole zoo

ZOO_IDS = _ids(cz.ZOO)


@pytest.mark.parametrize("entry", cz.ZOO, ids=ZOO_IDS)
def test_zoo_gradient(entry):
    f, args, wrt = entry
    check_gradient(f, args, wrt=wrt)


@pytest.mark.parametrize("entry", cz.ZOO, ids=ZOO_IDS)
def test_zoo_value_is_the_function_value(entry):
    f, args, wrt = entry
    value, grads = symback.value_and_grad(f, wrt=wrt)(*args)
    expected = f(*copy.deepcopy(args))
    assert np.shape(value) == ()
    assert value == expected, f"value {value!r} != f(...) = {expected!r}"
    plain = _as_tuple(symback.grad(f, wrt=wrt)(*args), wrt)
    for a, b in zip(_as_tuple(grads, wrt), plain):
        # (the same to rounding: grad alone may vectorise a loop that adds up terms, adding
        # the same numbers in another order; value_and_grad keeps the user's loop)
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("entry", cz.ZOO, ids=ZOO_IDS)
def test_zoo_source_is_black_stable(entry):
    f, _, wrt = entry
    assert_source_black_stable(f, wrt)


# ---------------------------------------------------------------- branches


@pytest.mark.parametrize("r", [-2.3, -0.7, 0.4, 1.9])
@pytest.mark.parametrize("delta", [0.5, 1.0])
def test_huber_gradient_in_both_branches(r, delta):
    d_r, d_delta = symback.grad(cz.huber, wrt=(0, 1))(r, delta)
    if abs(r) <= delta:
        assert (d_r, d_delta) == pytest.approx((r, 0.0), abs=1e-15)
    else:
        assert (d_r, d_delta) == pytest.approx((delta * np.sign(r), abs(r) - delta))


@pytest.mark.parametrize("x", [-1.5, 0.3, 1.6])
def test_clip_by_hand_sends_the_gradient_to_the_chosen_value(x):
    lo, hi = -1.0, 1.0
    d_x, d_lo, d_hi = symback.grad(cz.clip_by_hand, wrt=(0, 1, 2))(x, lo, hi)
    y = min(max(x, lo), hi)
    e = math.exp(0.1 * x)
    assert d_x == pytest.approx((lo <= x <= hi) * e + 0.1 * y * e)
    assert d_lo == pytest.approx((x < lo) * e, abs=1e-15)
    assert d_hi == pytest.approx((x > hi) * e, abs=1e-15)


def test_every_branch_of_the_zoo_is_visited():
    """The zoo's inputs reach each branch of the branchy functions (away from switches)."""
    points = {e[1][0] for e in cz.ZOO if e[0] is cz.elif_chain}
    assert {min(b for b in (-2.0, 0.0, 2.0, 5.0, math.inf) if x < b) for x in points} == {
        -2.0,
        0.0,
        2.0,
        5.0,
        math.inf,
    }
    points = {e[1][0] for e in cz.ZOO if e[0] is cz.piecewise}
    assert {x < -1 for x in points} == {True, False}
    assert {x < 1 for x in points} == {True, False}
    z = {e[1][0] * e[1][1] for e in cz.ZOO if e[0] is cz.return_in_branches}
    assert any(v > 1 for v in z) and any(v < -1 for v in z) and any(abs(v) < 1 for v in z)
    signs = {float(np.sum(e[1][0]) > 0) for e in cz.ZOO if e[0] is cz.loop_in_branch}
    assert signs == {0.0, 1.0}
    mixed = cz.MIXED
    assert np.any(mixed > 0) and np.any(mixed < 0) and np.min(np.abs(mixed)) > 0.1
    # both sides of Huber's delta = 0.5
    assert np.any(np.abs(mixed) < 0.5) and np.any(np.abs(mixed) > 0.5)
    assert np.min(np.abs(np.abs(mixed) - 0.5)) > 0.05


# ---------------------------------------------------------------- while loops


@pytest.mark.parametrize("a", [0.3, 2.0, 17.0])
def test_newton_sqrt_has_the_derivative_of_sqrt(a):
    value, d_a = cz.newton_sqrt(a), symback.grad(cz.newton_sqrt)(a)
    assert value == pytest.approx(math.sqrt(a), rel=1e-13)
    assert d_a == pytest.approx(1 / (2 * math.sqrt(a)), rel=1e-9)
    assert d_a == pytest.approx(
        float(numerical_gradient(cz.newton_sqrt, (a,), {}, wrt=0)), rel=1e-6
    )


@pytest.mark.parametrize("a", [-0.7, 2.5, 30.0])
def test_newton_cubic_has_the_implicit_derivative(a):
    """x**3 + x = a, so dx/da = 1 / (3 x**2 + 1)."""
    x, d_a = cz.newton_cubic(a), symback.grad(cz.newton_cubic)(a)
    assert x**3 + x == pytest.approx(a, abs=1e-12)
    assert d_a == pytest.approx(1 / (3 * x**2 + 1), rel=1e-9)
    assert d_a == pytest.approx(
        float(numerical_gradient(cz.newton_cubic, (a,), {}, wrt=0)), rel=1e-6
    )


@pytest.mark.parametrize("a", [-1.0, 0.2, 0.8])
def test_fixed_point_has_the_implicit_derivative(a):
    """x = 0.5 cos(x) + a, so dx/da = 1 / (1 + 0.5 sin(x))."""
    x, d_a = cz.fixed_point(a), symback.grad(cz.fixed_point)(a)
    assert x == pytest.approx(0.5 * math.cos(x) + a, abs=1e-12)
    assert d_a == pytest.approx(1 / (1 + 0.5 * math.sin(x)), rel=1e-9)
    assert d_a == pytest.approx(
        float(numerical_gradient(cz.fixed_point, (a,), {}, wrt=0)), rel=1e-6
    )


@pytest.mark.parametrize("x", [0.7, 1.7, 3.3, 13.0, 100.0])
def test_trip_count_changes_with_the_input(x):
    """Halving k times: y = x / 2**k, so d/dx (y**2 + y) = (2 y + 1) / 2**k."""
    k, y = 0, x
    while y > 1.0:
        y, k = y / 2.0, k + 1
    assert k == {0.7: 0, 1.7: 1, 3.3: 2, 13.0: 4, 100.0: 7}[x]
    d_x = symback.grad(cz.halve_until_small)(x)
    assert d_x == pytest.approx((2 * y + 1) / 2**k, rel=1e-14)


def test_while_loops_generate_while_loops():
    for f in (cz.newton_sqrt, cz.newton_cubic, cz.fixed_point, cz.halve_until_small):
        body = symback.grad(f).source.split(f"def grad_{f.__name__}(")[1]
        assert re.search(r"^\s+while .*:", body, re.MULTILINE), f.__name__
        # backward: as many iterations as the forward loop saved
        count = re.search(r"^\s+(\w+) = len\(saved_\w+\)", body, re.MULTILINE)
        assert count and f"for _ in range({count[1]}):" in body, f.__name__


# ---------------------------------------------------------------- leaving loops early


def _squares_until(x, limit=2.0):
    """How many elements sum_until adds (a plain Python reference)."""
    s = 0.0
    for k, v in enumerate(x):
        s += v * v
        if s > limit:
            return k + 1
    return len(x)


@pytest.mark.parametrize(
    "x, steps",
    [([1.6, 0.3, -0.4], 1), ([1.2, -0.9, 0.3], 2), (cz.X7, 3), (0.3 * cz.X7, 7), ([], 0)],
)
def test_break_gradient_covers_the_iterations_that_ran(x, steps):
    """d/dx of the sum of the first k squares: 2 x on those k elements, 0 after them."""
    x = np.asarray(x, dtype=float)
    assert _squares_until(x) == steps
    expected = np.where(np.arange(len(x)) < steps, 2 * x, 0.0)
    np.testing.assert_array_equal(symback.grad(cz.sum_until)(x), expected)
    np.testing.assert_array_equal(symback.grad(cz.sum_until_while)(x), expected)


@pytest.mark.parametrize("a", [0.3, 1.0, 2.0, 17.0])
def test_newton_with_break_has_the_derivative_of_sqrt(a):
    """x = sqrt(a), so d/da (x**2 + x) = 1 + 1 / (2 sqrt(a))."""
    d_a = symback.grad(cz.newton_sqrt_break)(a)
    assert cz.newton_sqrt_break(a) == pytest.approx(a + math.sqrt(a), rel=1e-13)
    assert d_a == pytest.approx(1 + 1 / (2 * math.sqrt(a)), rel=1e-9)


@pytest.mark.parametrize("t", [0.1, 0.7, 1.0, 3.0])
def test_return_in_loop_sends_the_gradient_to_the_returned_element(t):
    x = cz.X5
    i = next((k for k, v in enumerate(x) if v > t), None)
    d_x, d_t = symback.grad(cz.first_over, wrt=(0, 1))(x, t)
    if i is None:  # t * sum(x)
        np.testing.assert_allclose(d_x, np.full(len(x), t), rtol=1e-15)
        assert d_t == pytest.approx(np.sum(x), rel=1e-15)
    else:  # x[i]**2 t + sum(x[:i])
        expected = np.where(np.arange(len(x)) < i, 1.0, 0.0)
        expected[i] = 2 * x[i] * t
        np.testing.assert_allclose(d_x, expected, rtol=1e-15)
        assert d_t == pytest.approx(x[i] ** 2, rel=1e-15)


def test_exits_in_the_zoo_are_away_from_their_switch_points():
    """The zoo's inputs do not sit near a threshold, so numerical gradients are fair."""
    for x in (cz.X7, 0.3 * cz.X7, np.array([1.2, -0.9, 0.3]), np.array([1.6, 0.3, -0.4])):
        sums = np.cumsum(x**2)
        assert np.min(np.abs(sums - 2.0)) > 0.05
    A = 0.5 * np.outer(cz.Y7[:4], cz.X7)
    partial = np.cumsum(A * cz.X7, axis=1)  # the inner loop's running sums, row by row
    assert np.min(np.abs(partial - 1.0)) > 0.01
    assert set(np.any(partial > 1.0, axis=1).tolist()) == {True, False}  # breaks, and not
    for x in (cz.MIXED, 0.1 * cz.MIXED):
        s = np.cumsum(np.where(x > 0, np.sqrt(np.abs(x)) * x, 0.0))
        assert np.min(np.abs(s - 2.5)) > 0.02


def test_loops_that_leave_early_still_generate_loops():
    """The forward loop breaks; the backward loop runs the iterations the forward one ran."""
    for f, wrt in ((cz.sum_until, 0), (cz.inner_break, (0, 1)), (cz.first_over, (0, 1))):
        body = symback.grad(f, wrt=wrt).source.split(f"def grad_{f.__name__}(")[1]
        assert re.search(r"^\s+break$", body, re.MULTILINE), f.__name__
        backward = r"^\s+for \w+ in reversed\(range\(.*\)\[:iterations\w*\]\):"
        assert re.search(backward, body, re.MULTILINE), f.__name__
    body = symback.grad(cz.newton_sqrt_break).source.split("def grad_newton_sqrt_break(")[1]
    assert re.search(r"^\s+while True:", body, re.MULTILINE)
    assert re.search(r"^\s+for _ in range\(iterations\w*\):", body, re.MULTILINE)


def _backward_loop_bodies(source: str) -> list[str]:
    """The bodies of the generated backward loops (`for ... in reversed(...)` blocks)."""
    lines, bodies = source.splitlines(), []
    for i, line in enumerate(lines):
        if re.match(r"\s+for \w+ in reversed\(", line):
            indent = len(line) - len(line.lstrip())
            body = []
            for inner in lines[i + 1 :]:
                if inner.strip() and len(inner) - len(inner.lstrip()) <= indent:
                    break
                body.append(inner)
            bodies.append("\n".join(body))
    return bodies


@pytest.mark.parametrize(
    "f, wrt",
    [
        (cz.positive_squares, 0),
        (cz.first_over, (0, 1)),
        (cz.elif_break, 0),
        (cz.branch_in_loop, 0),
        (cz.double_sum_loop, (0, 1)),
        (cz.inner_break, (0, 1)),
    ],
)
def test_backward_loops_allocate_no_array_per_iteration(f, wrt):
    """What an iteration (or a branch, or an inner loop) sends to an input is added into one
    total in place: the backward pass stays linear in the trip count."""
    bodies = _backward_loop_bodies(symback.grad(f, wrt=wrt).source)
    assert bodies
    for body in bodies:
        assert "_scatter_add(" not in body, body
        for param in inspect.signature(f).parameters:
            assert f"zeros_like({param}," not in body, body


# ---------------------------------------------------------------- helper calls


def test_helpers_are_inlined_not_called():
    """The generated module does not call the helpers: it runs without them."""
    for f in (cz.helpers_calling_helpers, cz.tuple_return, cz.default_and_keyword):
        src = symback.grad(f, wrt=0).source
        for helper in ("square(", "poly(", "softplus(", "polar("):
            called = re.search(r"(?<![\w.])" + re.escape(helper), src)
            assert not called, (f.__name__, helper)


def _sigmoid(t):
    return 1 / (1 + math.exp(-t))


def test_helper_with_defaults_and_keywords_analytic():
    x, b = 0.4, 1.6
    d_x, d_b = symback.grad(cz.default_and_keyword, wrt=(0, 1))(x, b)
    assert d_x == pytest.approx(_sigmoid(x) + _sigmoid(b * x) + b * _sigmoid(2 * x * b))
    softplus = math.log1p(math.exp(b * x)) / b
    # d/dbeta of log1p(exp(beta x)) / beta
    d_beta = (x * _sigmoid(b * x) - softplus) / b
    assert d_b == pytest.approx(d_beta + x * _sigmoid(2 * x * b))


def test_closure_over_outer_variables():
    w, x = 0.7, cz.X5
    for scale, offset in ((2.5, 0.25), (1.0, -0.5)):
        f = cz.make_scaled_loss(scale, offset)
        d_w, d_x = check_gradient(f, (w, x), wrt=(0, 1))
        t = np.tanh(x * w)
        common = scale * 2 * (t - offset) * (1 - t**2)
        np.testing.assert_allclose(d_w, np.sum(common * x), rtol=1e-12)
        np.testing.assert_allclose(d_x, common * w, rtol=1e-12)


MODULE_TEXT = """\
import numpy as np

import symback

DECAY = 0.9


def cell(h, u, a=0.5):
    return np.tanh(a * h + u)


def smooth_abs(v):
    if v > 0.0:
        return v - 0.5
    return v**2 / (1.0 + v**2) - 0.5


@symback.grad(wrt=("a", "us"))
def run(a, us):
    h = 0.0
    total = 0.0
    for u in us:
        h = cell(h, u, a=a)
        total = DECAY * total + smooth_abs(h)
    return total
"""


def _load(text: str) -> dict:
    namespace: dict = {}
    exec(compile(text, "<generated>", "exec"), namespace)  # noqa: S102 - generated code
    return namespace


def _import(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generate_from_a_file_with_helpers(tmp_path):
    path = tmp_path / "model_loops.py"
    path.write_text(MODULE_TEXT)
    text = symback.generate(path)
    assert black.format_str(text, mode=black.Mode()) == text
    assert "import symback" not in text
    generated = _load(text)["grad_run"]
    live = _import(path).run  # the decorator made it a gradient already
    original = live.__wrapped__
    a, us = 0.8, np.array([0.3, -1.2, 0.7, 1.5, -0.4])
    d_a, d_us = generated(a, us)
    for got, wrt in ((d_a, 0), (d_us, 1)):
        expected = numerical_gradient(original, (a, us), {}, wrt=wrt)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9)
    for got, same in zip((d_a, d_us), live(a, us)):
        np.testing.assert_allclose(got, same, rtol=1e-13)
    # the pipeline's module generator gives the same code, before formatting
    from symback.backend.files import sealed
    from symback.pipeline import Options, generate_module

    raw = generate_module(str(path), [("run", Options(wrt=("a", "us")))])
    # (the written module is sealed: a header line holds the sha256 of the rest)
    assert sealed(black.format_str(raw, mode=black.Mode())) == text


def test_generate_from_a_file_value_and_grad(tmp_path):
    path = tmp_path / "model_loops.py"
    path.write_text(MODULE_TEXT)
    text = symback.generate(path, functions="run", wrt="us", value_and_grad=True)
    generated = _load(text)["value_and_grad_run"]
    original = _import(path).run.__wrapped__
    us = np.array([0.3, -1.2, 0.7, 1.5, -0.4])
    value, d_us = generated(0.8, us)
    assert value == original(0.8, us)
    np.testing.assert_allclose(
        d_us, numerical_gradient(original, (0.8, us), {}, wrt=1), rtol=1e-6, atol=1e-9
    )


# ---------------------------------------------------------------- refused, with a place


def _marker_line(marker: str) -> int:
    pattern = re.compile(r"#\s*REFUSED:" + re.escape(marker) + r"\s*$")
    hits = [i + 1 for i, text in enumerate(ZOO_LINES) if pattern.search(text)]
    assert len(hits) == 1, f"marker REFUSED:{marker} on lines {hits}"
    return hits[0]


@pytest.mark.parametrize("case", cz.REFUSED, ids=[c[0] for c in cz.REFUSED])
def test_unsupported_control_flow_is_refused_with_a_place(case):
    marker, f = case
    with pytest.raises(symback.SymbackError) as info:
        symback.grad(f)  # generation is eager: the error comes before any call
    err = info.value
    assert err.place is not None, f"no place: {err}"
    assert Path(err.filename).resolve() == ZOO_FILE
    assert err.lineno == _marker_line(marker), str(err)
    line = ZOO_LINES[err.lineno - 1]
    assert 0 <= err.col_offset < len(line.split("#")[0].rstrip())
    rendered = str(err)
    assert f"line {err.lineno}" in rendered and "^" in rendered


def test_refusal_messages_name_the_construct():
    words = {
        "loop_else": "else",
        "tuple_return_in_loop": "return",
        "recursion": "recursion",
        "aliased_augmented": "in-place",
    }
    cases = {c[0]: c for c in cz.REFUSED}
    for marker, word in words.items():
        with pytest.raises(symback.SymbackError, match=word):
            symback.grad(cases[marker][1])


def test_zoo_is_big_enough():
    assert len({e[0] for e in cz.ZOO}) >= 50
    assert len(cz.PAIRS) >= 10
    fors = sum(_loops_in(f)[0] > 0 for f in {e[0] for e in cz.ZOO})
    whiles = sum(_loops_in(f)[1] > 0 for f in {e[0] for e in cz.ZOO})
    assert fors >= 20 and whiles >= 5


def test_backward_loops_recompute_only_what_their_adjoints_read():
    # rosen_loop's backward loop needs x[i], x[i + 1] and 200 (x[i+1] - x[i]^2), not the
    # running sum; newton_sqrt_break's needs the saved x, not the step nor the tolerance test
    body = symback.grad(cz.rosen_loop).source.split("for i_1 in reversed(")[1]
    assert "s_2 =" not in body and "t4 = 200.0 * (t1 - t2**2)" in body, body
    body = symback.grad(cz.newton_sqrt_break).source.split("for _ in range(")[1]
    assert "x_2 =" not in body and "<=" not in body, body


def test_a_call_two_statements_read_is_computed_once_per_loop_body():
    # two_carried's c and s updates both read cos(v) and sin(v): one call each, in the
    # forward loop; the backward loop pops what the forward one saved, computing neither
    source = symback.grad(cz.two_carried).source
    assert source.count("np.sin(v)") == 1 and source.count("np.cos(v)") == 1, source
