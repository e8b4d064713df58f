"""The derivative formulas' trees: numbers common to a sum's terms are multiplied once;
comparisons (the real form of arg) print and compute."""

import ast

import numpy as np
import pytest
import sympy as sp

from symback.adjoint.derivatives import as_real
from symback.backend.formulas import compiled, fill, formula
from symback.backend.printer import print_code
from symback.ops import symbols
from symback.ops.elementwise import ELEMENTWISE_TABLE
from symback.ops.functions import Sigmoid, Where


def test_a_number_common_to_integer_and_float_coefficients_is_taken_out_once():
    # Rosenbrock's d/dx[:-1] after the shared factor is read: 2 a - 2.0 a b - 2, where the
    # 2.0 is the user's 400.0 / 200.0 and the 2s come from SymPy's own differentiation.
    a, b = symbols.operand(0), symbols.operand(1)
    expr = 2 * a - sp.Float(2.0) * a * b - 2
    text = print_code(fill(formula(expr), {"a0": "a", "a1": "b", "np": "np"}))
    assert text.count("*") == 2, text  # 2.0 * (a - a * b - 1): two products, not three
    for a_value, b_value in [
        (np.array([1.5, -0.25, 3.0]), np.array([0.5, 2.0, -1.0])),
        (np.array([1, 2, 3]), np.array([4, 5, 6])),  # integers: still a float result
    ]:
        got = eval(compiled(expr), {"np": np, "a0": a_value, "a1": b_value})
        want = 2 * a_value - 2.0 * a_value * b_value - 2
        assert got.dtype == want.dtype == np.float64
        np.testing.assert_array_equal(got, want)  # times 2 is exact: the same bits


def _formulas():
    """The derivatives of every row of the table (and of the stable forms they take), over
    operands, times an upstream adjoint, and sums and products of them."""
    bar = symbols.UPSTREAM
    for row in ELEMENTWISE_TABLE:
        args = [symbols.operand(i) for i in range(row.arity)]
        expr = row.build(*args)
        for a in args:
            d = sp.diff(expr, a)
            if d != 0 and not d.has(sp.Derivative, sp.DiracDelta, sp.Subs):
                yield d
                yield -bar * d / (a - 3) + d * Sigmoid(a) - 2 * a**2


def test_every_rows_derivative_is_built_and_printed_as_the_tree_it_is():
    # with each set of flags; Python's own parser reads the printed text back as the tree
    checked = 0
    for expr in _formulas():
        for flags in [(False, False), (True, False), (False, True), (True, True)]:
            tree = formula(expr, *flags).tree
            assert ast.dump(ast.parse(print_code(tree), mode="eval").body) == ast.dump(tree)
            checked += 1
    assert checked > 100


def test_a_product_is_computed_left_to_right_as_its_text_reads():
    # -x * g * e / (1 + e): ((-x) * g * e) / (1 + e), the order NumPy computes the text in
    # and the one the printer always wrote; not g * (e / (1 + e)), one more array pass
    g, x = symbols.UPSTREAM, symbols.operand(0)
    cases = [
        (
            formula(g * sp.exp(x) / (1 + sp.exp(x)) * -x),
            "-a0 * bar * np.exp(a0) / (np.exp(a0) + 1)",
        ),
        # on floats, the sigmoid factor is itself a quotient that joins the chain
        (
            formula(-g * Sigmoid(x) * x, True, True),
            "-a0 * bar * math.exp(min(a0, 0.0)) / (1.0 + math.exp(-abs(a0)))",
        ),
    ]
    for built, text in cases:
        want = ast.parse(text, mode="eval").body
        assert ast.dump(built.tree) == ast.dump(want), print_code(built.tree)


def test_a_comparison_in_a_where_condition_prints_and_computes():
    # arg(u) of a real u is pi where u < 0, else 0 (derivatives.as_real): a formula reading
    # it (fuzz scalar:57:947 once: "the printer has no rule for StrictLessThan")
    u, w = symbols.operand(0), symbols.operand(1)
    expr = as_real(w * sp.arg(u))
    text = print_code(fill(formula(expr), {"a0": "u", "a1": "w", "np": "np"}))
    assert "u < 0" in text, text
    uv, wv = np.array([-2.0, 0.0, 3.0]), np.array([1.5, 2.0, -1.0])
    got = eval(compiled(expr), {"np": np, "a0": uv, "a1": wv})
    np.testing.assert_allclose(got, wv * np.angle(uv))
    for relation, numpy_relation in [
        (sp.LessThan, np.less_equal),
        (sp.StrictGreaterThan, np.greater),
        (sp.GreaterThan, np.greater_equal),
        (sp.Unequality, np.not_equal),
        (sp.Equality, np.equal),
    ]:
        expr = Where(relation(u, w), u, w)
        got = eval(compiled(expr), {"np": np, "a0": uv, "a1": wv})
        np.testing.assert_array_equal(got, np.where(numpy_relation(uv, wv), uv, wv))


HOSTILE_TEXTS = [
    'q"""; open("PWNED", "w"); """',
    'ends in a quote"',
    "ends in a backslash\\",
    "  spaces at the ends  \n  of rows  ",
    "\x00\x1b[31m\t\r\u2028\u0085\udcff",
    "é中文",
    "",
]


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_docstring_literal_holds_exactly_the_text(text):
    from symback.backend.fmt import black_format
    from symback.backend.printer import print_docstring

    module = print_docstring(text) + "\n"
    assert ast.get_docstring(ast.parse(module), clean=False) == text
    assert ast.get_docstring(ast.parse(black_format(module)), clean=False) == text
    assert len(ast.parse(module).body) == 1


@pytest.mark.parametrize("name", ["a b", "x)", "None", "import", "", "1x", "a.b", "f(open('x'))"])
def test_a_name_that_is_not_an_identifier_is_refused(name):
    from symback.backend.printer import identifier
    from symback.errors import SymbackInternalError

    with pytest.raises(SymbackInternalError):
        identifier(name)


def test_an_integer_past_pythons_decimal_limit_prints_in_hex():
    value = 3 * 16**5000 + 7
    assert ast.literal_eval(print_code(ast.Constant(value))) == value
