"""One common-subexpression pass over the forward and backward code: what both compute is
computed once, and what a write, a loop, a branch or an impure call separates is not merged."""

import ast
from types import SimpleNamespace

import numpy as np
import pytest

import symback
from symback import code
from symback.backend.helpers import module_names
from symback.backend.printer import print_statement
from symback.optimize.cse import common_subexpressions
from tests import array_zoo as zoo
from tests.helpers import check_gradient


def calls(source: str, func: str) -> int:
    """How many calls of `func` (as written, e.g. "np.linalg.solve") the source makes."""
    tree = ast.parse(source)
    return sum(isinstance(n, ast.Call) and ast.unparse(n.func) == func for n in ast.walk(tree))


def body(g) -> str:
    """The generated gradient function alone (the helpers before it call NumPy too)."""
    return "def grad_" + g.source.split("def grad_", 1)[1]


def test_softmax_exponential_is_computed_once():
    g = symback.grad(zoo.attention)
    assert calls(body(g), "np.exp") == 1
    rng = np.random.default_rng(0)
    args = [rng.normal(size=(3, 4)) for _ in range(3)]
    check_gradient(zoo.attention, args)


def test_one_solve_for_both_gradients():
    g = symback.grad(zoo.solve_matrix, wrt=(0, 1))
    # one in the forward pass, one for the adjoint system, which both gradients read
    assert calls(body(g), "np.linalg.solve") == 2
    rng = np.random.default_rng(1)
    A = rng.normal(size=(3, 3)) + 3.0 * np.eye(3)
    check_gradient(zoo.solve_matrix, (A, rng.normal(size=(3, 2))), wrt=(0, 1))


def det_and_inverse(A, B):
    return np.linalg.det(A) + np.sum(np.linalg.inv(A) * B)


def two_solves(A, b, c):
    return np.sum(np.linalg.solve(A, b) * c) + np.sum(np.linalg.solve(A, b) ** 2)


def test_an_inverse_in_the_forward_pass_is_read_by_the_determinant_s_adjoint():
    g = symback.grad(det_and_inverse, wrt=(0, 1))
    assert calls(body(g), "np.linalg.inv") == 1
    rng = np.random.default_rng(2)
    A = rng.normal(size=(3, 3)) + 3.0 * np.eye(3)
    check_gradient(det_and_inverse, (A, rng.normal(size=(3, 3))), wrt=(0, 1))


def test_a_repeated_solve_is_one_forward_and_one_backward():
    g = symback.grad(two_solves, wrt=(0, 1, 2))
    assert calls(body(g), "np.linalg.solve") == 2
    rng = np.random.default_rng(3)
    A = rng.normal(size=(3, 3)) + 3.0 * np.eye(3)
    check_gradient(two_solves, (A, rng.normal(size=3), rng.normal(size=3)), wrt=(0, 1, 2))


# -- where merging would be wrong: whole functions, against central differences -------------


def exp_around_a_write(x):
    y = np.zeros(4)
    y[:] = x
    a = np.sum(np.exp(y) * x)
    y[1] = 3.0 * x[0]
    return a + np.sum(np.exp(y) * x)


def exp_in_a_loop(x):
    s = np.sum(np.exp(x))
    for _ in range(3):
        s = s + np.sum(np.exp(x) * np.cos(x))
        x = x * 0.5
    return s + np.sum(np.exp(x))


def exp_in_a_branch(x):
    if np.sum(x) > 0.0:
        a = np.sum(np.exp(x) * x)
    else:
        a = np.sum(np.cos(x))
    return a + np.sum(np.exp(x))


def exp_around_an_accumulation(x):
    y = np.zeros(4)
    for i in range(4):
        y[i] += np.exp(x[i])
        y[i] += np.exp(x[i]) * y[i]
    return np.sum(np.exp(y) * y)


@pytest.mark.parametrize(
    "f", [exp_around_a_write, exp_in_a_loop, exp_in_a_branch, exp_around_an_accumulation]
)
def test_repeats_separated_by_writes_loops_and_branches_stay_right(f):
    for x in (np.array([0.3, -0.2, 0.5, 0.1]), np.array([-0.9, -0.2, 0.4, -0.3])):
        check_gradient(f, (x,))
        np.testing.assert_allclose(symback.grad(f).function(x), symback.grad(f)(x))
        value, _ = symback.value_and_grad(f)(x)
        assert value == f(x)  # bit for bit


def test_a_value_from_a_branch_is_not_read_after_it():
    g = symback.grad(exp_in_a_branch)
    tree = ast.parse(body(g))
    branch = next(n for n in tree.body[0].body if isinstance(n, ast.If))  # the forward one
    # one inside the branch, and the one after it, which the other side needs too
    assert calls(ast.unparse(branch), "np.exp") >= 1
    assert calls(body(g), "np.exp") > calls(ast.unparse(branch), "np.exp")


# -- the pass on trees made by hand: writes, views, loops, branches and impure calls ---------

NAMES = module_names(set())


def merged(*lines, kept=("out",)):
    """The lines after the pass (as one function's forward pass), as text."""
    fn = SimpleNamespace(params=(SimpleNamespace(name="x"),), user_names=frozenset())
    program = code.GradientProgram(fn, ("x",), tuple(lines), (), ("out",))
    out = common_subexpressions(program, NAMES, set(kept))
    return "\n".join(_text(item) for item in out.forward)


def _text(item) -> str:
    if isinstance(item, code.Block):
        inner = "; ".join(_text(i) for i in item.body)
        other = "; ".join(_text(i) for i in item.orelse)
        return f"{type(item).__name__}[{inner}][{other}]"
    return print_statement(item.node)


def line(text: str, **kw) -> code.Line:
    return code.Line(ast.parse(text).body[0], **kw)


def test_the_same_call_twice_is_computed_once():
    text = merged(line("a = np.exp(x)"), line("b = np.exp(x)"), line("out = a + b"))
    assert text.count("np.exp") == 1 and "out = a + a" in text


def test_a_write_into_the_array_keeps_both():
    text = merged(
        line("y = np.zeros(3)"),
        line("a = np.exp(y)"),
        line("y[0] = 1.0"),
        line("b = np.exp(y)"),
        line("out = a + b"),
    )
    assert text.count("np.exp(y)") == 2


def test_a_write_into_an_array_a_view_reads_keeps_both():
    text = merged(
        line("y = np.zeros(3)"),
        line("z = y[1:]"),
        line("w = np.flip(y)"),
        line("a = np.sin(z) + np.cos(w)"),
        line("y[1] = 2.0"),
        line("b = np.sin(z) + np.cos(w)"),
        line("out = a + b"),
    )
    assert text.count("np.sin(z)") == 2 and text.count("np.cos(w)") == 2


def test_a_write_through_a_view_keeps_both():
    text = merged(
        line("y = x * 1.0"),
        line("z = y[1:]"),
        line("a = np.exp(y)"),
        line("z[0] += 2.0"),
        line("b = np.exp(y)"),
        line("out = a + b"),
    )
    assert text.count("np.exp(y)") == 2


def test_impure_calls_are_never_merged():
    text = merged(
        line("a = helper(x)"),
        line("b = helper(x)"),
        line("c = np.random.normal(x)"),
        line("d = np.random.normal(x)"),
        line("e = np.exp(x, out=y)"),
        line("f = np.exp(x, out=y)"),
        line("g = s.pop()"),
        line("h = s.pop()"),
        line("out = a + b + c + d + e + f + g + h"),
    )
    for call in ("helper(x)", "np.random.normal(x)", "np.exp(x, out=y)", "s.pop()"):
        assert text.count(call) == 2, text


def test_a_user_function_may_change_its_argument():
    text = merged(
        line("y = x * 1.0"),
        line("a = np.exp(y)"),
        line("changes(y)", changes="y"),
        line("b = np.exp(y)"),
        line("c = mutate(y)"),
        line("d = np.exp(y)"),
        line("out = a + b + c + d"),
    )
    assert text.count("np.exp(y)") == 3


def test_a_loop_changing_an_operand_keeps_the_one_inside():
    loop = code.For(
        body=(line("t = np.exp(y)"), line("y = y * 0.5")),
        index=ast.Name("i", ast.Store()),
        iter=ast.parse("range(3)").body[0].value,
    )
    text = merged(line("y = x * 1.0"), line("a = np.exp(y)"), loop, line("out = a + t"))
    assert text.count("np.exp(y)") == 2


def test_a_value_from_before_a_branch_is_read_inside_it_but_not_the_reverse():
    branch = code.If(
        body=(line("b = np.exp(x) + np.sin(x)"),),
        orelse=(line("b = np.cos(x)"),),
        test=ast.parse("x > 0").body[0].value,
    )
    text = merged(line("a = np.exp(x)"), branch, line("c = np.sin(x)"), line("out = a + b + c"))
    assert text.count("np.exp(x)") == 1  # read inside the branch
    assert text.count("np.sin(x)") == 2  # computed inside the branch only: again after it


def test_a_name_returned_keeps_its_line_and_an_element_write_copies():
    text = merged(
        line("a = np.exp(x)"),
        line("out = np.exp(x)"),
        line("y = np.zeros(3)"),
        line("y[0] = np.exp(x)"),
        line("b = np.exp(x)"),
        kept=("out", "b"),
    )
    # returned: `out` reads the value by the name a (b too would return the same array twice)
    assert text.count("np.exp(x)") == 2 and "out = a" in text and "y[0] = a" in text


def test_nested_repeats_name_only_the_outer_value():
    text = merged(
        line("a = np.sum(np.linalg.solve(x.T, x) * 2.0)"),
        line("b = np.sum(np.linalg.solve(x.T, x) ** 2)"),
        line("out = a + b"),
    )
    assert text.count("np.linalg.solve") == 1 and text.count("x.T") == 1
