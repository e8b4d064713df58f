"""The derivative printer: numbers common to a sum's terms are multiplied once."""

import numpy as np
import sympy as sp

from symback.backend.printer import print_template
from symback.ops import symbols


def test_a_number_common_to_integer_and_float_coefficients_is_taken_out_once():
    # Rosenbrock's d/dx[:-1] after the shared factor is read: 2 a - 2.0 a b - 2, where the
    # 2.0 is the user's 400.0 / 200.0 and the 2s come from SymPy's own differentiation.
    a, b = symbols.operand(0), symbols.operand(1)
    expr = 2 * a - sp.Float(2.0) * a * b - 2
    text = print_template(expr)
    assert text.count("*") == 2, text  # 2.0 * (a - a * b - 1): two products, not three
    fields = {"a0": "a", "a1": "b", "np": "np"}
    for a_value, b_value in [
        (np.array([1.5, -0.25, 3.0]), np.array([0.5, 2.0, -1.0])),
        (np.array([1, 2, 3]), np.array([4, 5, 6])),  # integers: still a float result
    ]:
        got = eval(text.format(**fields), {"np": np, "a": a_value, "b": b_value})
        want = 2 * a_value - 2.0 * a_value * b_value - 2
        assert got.dtype == want.dtype == np.float64
        np.testing.assert_array_equal(got, want)  # times 2 is exact: the same bits
