"""symback.defgrad: a user's own derivative for a function symback cannot see into."""

import numpy as np
import pytest

import symback
from symback.gradcheck.numerical import numerical_gradient

CALLS = []


def opaque_sin(x):
    CALLS.append(np.shape(x))  # stands for compiled code symback cannot read
    return np.sin(x)


@symback.defgrad(lambda g, x, y: g * np.cos(x) * y, lambda g, x, y: g * np.sin(x))
def sin_times(x, y):
    return opaque_sin(x) * y


@symback.defgrad(lambda g, x: g * 3.0)  # deliberately wrong: the rule is trusted as given
def triple(x):
    return opaque_sin(x)


def calls_triple(x):
    return triple(x)


def uses_it(x, y):
    return np.sum(sin_times(x**2, y) + sin_times(x, 2.0 * y))


def in_a_loop(x):
    s = 0.0
    for i in range(3):
        s = s + sin_times(x, x * i)
    return s


def test_gradient_uses_the_registered_adjoints():
    x, y = np.array([0.3, 0.7]), np.array([1.5, -0.5])
    got = symback.grad(uses_it, wrt=(0, 1))(x, y)
    for i in (0, 1):
        np.testing.assert_allclose(got[i], numerical_gradient(uses_it, (x, y), wrt=i), rtol=1e-8)


def test_in_a_loop():
    x = 0.4
    got = symback.grad(in_a_loop)(x)
    assert np.isclose(got, numerical_gradient(in_a_loop, (x,)), rtol=1e-8)


def test_the_rule_is_used_not_the_body():
    # The registered adjoint (3) wins over the body's true derivative (cos x): it is the
    # user's rule that symback was asked to use.
    assert symback.grad(calls_triple)(0.5) == 3.0


def test_the_function_itself_runs_in_the_forward_pass():
    CALLS.clear()
    symback.value_and_grad(uses_it)(np.ones(3), np.ones(3))
    assert CALLS == [(3,), (3,)]


def test_source_names_the_registered_functions():
    source = symback.grad(uses_it).source
    assert "registered with symback.defgrad" in source
    assert "_sin_times(" in source and "_sin_times_grad0(" in source


def test_wrong_number_of_arguments_is_refused():
    def bad(x):
        return sin_times(x)

    with pytest.raises(symback.SymbackError, match="2 registered adjoint"):
        symback.grad(bad)
