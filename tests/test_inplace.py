"""The pass that computes large elementwise lines into buffers (optimize/inplace.py), on
hand-made lines: it must never write into an input, into a view of one, or into a value a
later line still reads, and the code must compute what it computed before."""

import ast

import numpy as np
import pytest

from symback import code
from symback.backend.emit import header
from symback.backend.printer import print_statement
from symback.optimize import inplace


def line(target, text, statement=False):
    """A generated line, from its text (`target = text`, or the statement `text`)."""
    if not statement:
        return code.assign(target, ast.parse(text, mode="eval").body)
    node = ast.parse(text).body[0]
    return code.Line(node, changes=target if isinstance(node, ast.Expr) else "")


def run(lines, inputs: dict, returned):
    """Execute the lines as a function body; the returned names' values."""
    rows = _rows(lines, "")
    namespace = {"np": np, **inputs}
    exec("\n".join(rows), namespace)
    return [np.array(namespace[name], copy=True) for name in returned]


def _rows(lines, pad: str) -> list[str]:
    rows = []
    for ln in lines:
        if isinstance(ln, code.Block):
            rows += [f"{pad}{header(ln)}:", *_rows(ln.body, pad + "    ")]
        else:
            rows.append(pad + print_statement(ln.node))
    return rows


def check(lines, inputs, returned, moved: bool):
    """The pass keeps the values of `returned`, leaves the inputs alone, and writes into a
    slice (`moved`) or not."""
    program = code.GradientProgram(None, ("x",), tuple(lines), (), tuple(returned))
    arrays = {name: value.shape for name, value in inputs.items()}
    before = {name: value.copy() for name, value in inputs.items()}
    want = run(lines, {k: v.copy() for k, v in inputs.items()}, returned)
    new = inplace.write_in_place(program, arrays, frozenset(), "np", set())
    got = run(new.forward, inputs, returned)
    for name, value in inputs.items():
        np.testing.assert_array_equal(value, before[name], err_msg=f"{name} was written")
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    texts = "\n".join(_rows(new.forward, ""))
    assert (", out=d[" in texts) == moved, texts
    return texts


@pytest.fixture(autouse=True)
def everywhere(monkeypatch):
    monkeypatch.setattr(inplace, "MIN_BYTES", 0)


rng = np.random.default_rng(1)


def inputs():
    return {"a": rng.normal(size=5), "b": rng.normal(size=5)}


def test_a_value_only_the_slice_reads_is_computed_into_it():
    lines = [
        line("v", "a * b - 2.0 * a"),
        line("d", "np.zeros((6,))"),
        line("d", "d[1:] = v", statement=True),
    ]
    texts = check(lines, inputs(), ["d"], moved=True)
    assert "np.empty((6,))" in texts and "d[:1] = 0.0" in texts


def test_a_value_read_again_later_is_not_moved_into_the_slice():
    lines = [
        line("v", "a * b - 2.0 * a"),
        line("d", "np.zeros((6,))"),
        line("d", "d[1:] = v", statement=True),
        line("w", "v + 1.0"),
    ]
    check(lines, inputs(), ["d", "w"], moved=False)


def test_a_value_returned_is_not_moved_into_the_slice():
    lines = [
        line("v", "a * b - 2.0 * a"),
        line("d", "np.zeros((6,))"),
        line("d", "d[1:] = v", statement=True),
    ]
    check(lines, inputs(), ["d", "v"], moved=False)


def test_the_buffer_read_in_between_keeps_the_order():
    lines = [
        line("d", "np.zeros((6,))"),
        line("v", "a * b - 2.0 * a"),
        line("s", "d * 3.0"),  # reads d before the slice is written
        line("d", "d[1:] = v", statement=True),
    ]
    check(lines, inputs(), ["d", "s"], moved=False)


def test_an_operand_written_in_between_keeps_the_order():
    lines = [
        line("c", "a * 1.0"),
        line("v", "c * b"),
        line("d", "np.zeros((6,))"),
        line("c", "c[0] = 5.0", statement=True),  # v read c before this write
        line("d", "d[1:] = v", statement=True),
    ]
    check(lines, inputs(), ["d", "c"], moved=False)


def test_an_index_that_copies_is_not_written_through():
    lines = [
        line("v", "a * b - 2.0 * a"),
        line("d", "np.zeros((6,))"),
        line("d", "d[[1, 2, 3, 4, 5]] = v", statement=True),  # d[[...]] is a copy, not a view
    ]
    check(lines, inputs(), ["d"], moved=False)


def test_a_line_reading_its_own_name_gets_no_buffer_of_its_own():
    lines = [line("acc", "a * 2.0"), line("acc", "acc * b + a")]
    texts = check(lines, inputs(), ["acc"], moved=False)
    assert texts.count("np.empty") == 1  # the first line only


def test_an_input_is_never_the_buffer():
    lines = [line("v", "np.exp(a) * b + a"), line("w", "np.tanh(v) - b / 2.0")]
    texts = check(lines, inputs(), ["v", "w"], moved=False)
    assert "out=a" not in texts and "out=b" not in texts


def test_a_name_bound_again_inside_a_block_is_no_longer_known():
    lines = [
        line("v", "a * b"),
        code.If(
            test=ast.Constant(True), body=(line("v", "np.ones((2,))"),)
        ),  # v changes shape here
        line("w", "v * 2.0 + 1.0"),  # (2,): no (5,) buffer for it
    ]
    texts = check(lines, inputs(), ["w"], moved=False)
    assert texts.count("np.empty") == 1  # v's only


def test_views_known_from_the_arguments_keep_their_shapes():
    # t1 and t2 are slices of an argument: not elementwise, but their shapes are known
    lines = [line("t1", "x[1:]"), line("t2", "x[:-1]"), line("t3", "200.0 * (t1 - t2**2)")]
    program = code.GradientProgram(None, ("x",), tuple(lines), (), ("t3",))
    arrays = {"t1": (4,), "t2": (4,), "x": (5,)}
    new = inplace.write_in_place(program, arrays, frozenset(), "np", set())
    x = rng.normal(size=5)
    given = x.copy()
    (got,) = run(new.forward, {"x": x}, ["t3"])
    np.testing.assert_array_equal(x, given)
    np.testing.assert_array_equal(got, 200.0 * (x[1:] - x[:-1] ** 2))
    assert "np.empty((4,))" in "\n".join(_rows(new.forward, ""))


# -- a dead buffer holds the next value of its shape


def test_a_buffer_nothing_reads_any_more_takes_the_next_value():
    lines = [line("u", "a * b + 1.0"), line("v", "np.exp(u)"), line("w", "np.tanh(v)")]
    texts = check(lines, inputs(), ["w"], moved=False)
    assert texts.count("np.empty") == 1 and "v = u" in texts and "w = v" in texts, texts
    # an operation of several steps reading the dead buffer: a buffer of its own
    lines = [line("u", "a * b + 1.0"), line("v", "np.exp(u)"), line("w", "v * a - b")]
    assert check(lines, inputs(), ["w"], moved=False).count("np.empty") == 2


def test_a_buffer_read_later_is_not_taken():
    lines = [line("u", "a * b + 1.0"), line("v", "np.exp(u) * 2.0"), line("w", "v * u")]
    texts = check(lines, inputs(), ["w"], moved=False)
    assert "v = u" not in texts, texts


def test_a_buffer_with_a_view_or_a_holder_is_not_taken():
    for holder in ("s = u[1:]", "s = u", "s = u.T"):
        name, text = holder.split(" = ")
        lines = [
            line("u", "a * b + 1.0"),
            line(name, text),
            line("v", "np.exp(a) * 2.0"),
            line("w", "v + s[0]" if "[" in text else "v + s"),
        ]
        texts = check(lines, inputs(), ["w"], moved=False)
        assert "v = u" not in texts, texts
    lines = [
        line("saved", "[]"),
        line("u", "a * b + 1.0"),
        line("saved", "saved.append(u)", statement=True),
        line("v", "np.exp(a) * 2.0"),
        line("w", "v + saved.pop()"),
    ]
    texts = check(lines, inputs(), ["w"], moved=False)
    assert "v = u" not in texts, texts


def test_an_operation_on_several_values_does_not_write_over_one_it_reads_twice():
    lines = [line("u", "a * b + 1.0"), line("v", "u * u - u / 2.0")]
    texts = check(lines, inputs(), ["v"], moved=False)
    assert "v = u" not in texts, texts


def test_a_line_the_code_drops_lends_no_buffer():
    # u is read by nothing returned: emitted code drops it, unless v took its buffer
    lines = [line("u", "a * b + 1.0"), line("v", "np.exp(a) * 2.0 - b")]
    texts = check(lines, inputs(), ["v"], moved=False)
    assert "v = u" not in texts, texts
