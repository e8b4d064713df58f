"""Element writes (functions in tests/writes_zoo.py): buffers filled by loops, writes outside.

- a version that writes into a buffer and one without writes (vectorised, or carrying the
  state in a loop) have the same gradient, and both match numerical gradients;
- every zoo function's gradient matches numerical gradients, value_and_grad's value is f's
  own value bit for bit, the caller's arrays are left alone, `.source` is black-stable;
- the backward pass of a buffer-filling loop saves one element per write (not the buffer),
  and a backward pass run twice gives the same gradient (the writes are undone exactly).
"""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest

import symback
from tests import writes_zoo as wz
from tests.helpers import assert_source_black_stable, check_gradient


def _as_tuple(grads, wrt):
    return grads if isinstance(wrt, tuple) else (grads,)


@pytest.mark.parametrize("pair", wz.PAIRS, ids=[p[0].__name__ for p in wz.PAIRS])
def test_written_buffer_gradient_equals_the_version_without_writes(pair):
    with_writes, without, args, wrt = pair
    np.testing.assert_allclose(with_writes(*args), without(*args), rtol=1e-12)
    by_writes = _as_tuple(symback.grad(with_writes, wrt=wrt)(*args), wrt)
    by_other = _as_tuple(symback.grad(without, wrt=wrt)(*args), wrt)
    for i, (a, b) in enumerate(zip(by_writes, by_other)):
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f"gradient {i}")


@pytest.mark.parametrize("entry", wz.ZOO, ids=[e[0].__name__ for e in wz.ZOO])
def test_zoo_gradient(entry):
    f, args, wrt = entry
    check_gradient(f, args, wrt=wrt)


@pytest.mark.parametrize("entry", wz.ZOO, ids=[e[0].__name__ for e in wz.ZOO])
def test_value_is_the_function_value_and_inputs_stay_untouched(entry):
    f, args, wrt = entry
    originals = copy.deepcopy(args)
    value, grads = symback.value_and_grad(f, wrt=wrt)(*args)
    assert value == f(*copy.deepcopy(args)), "value_and_grad's value is not f's own"
    for before, after in zip(originals, args):
        np.testing.assert_array_equal(before, after)  # the caller's arrays are not written
    again = _as_tuple(symback.grad(f, wrt=wrt)(*args), wrt)
    for a, b in zip(_as_tuple(grads, wrt), again):
        # (the same to rounding: grad alone computes on Python floats with math, where
        # value_and_grad keeps the user's NumPy calls, whose last bits may differ)
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("entry", wz.ZOO, ids=[e[0].__name__ for e in wz.ZOO])
def test_source_is_black_stable(entry):
    f, _, wrt = entry
    assert_source_black_stable(f, wrt)


def test_laplacian_gradient_is_the_closed_form():
    """d/dx sum(L x)^2 = 2 L^T L x for the second-difference matrix L."""
    x = wz.X7
    n = len(x)
    L = np.zeros((n - 2, n))
    for i in range(n - 2):
        L[i, i : i + 3] = (1.0, -2.0, 1.0)
    expected = 2 * L.T @ (L @ x)
    np.testing.assert_allclose(symback.grad(wz.laplacian_loop)(x), expected, rtol=1e-12)


def test_cumsum_by_hand_gradient_is_a_reversed_cumsum():
    x = wz.X7
    upstream = np.cos(np.cumsum(x))
    expected = np.cumsum(upstream[::-1])[::-1]
    np.testing.assert_allclose(symback.grad(wz.cumsum_by_hand)(x), expected, rtol=1e-12)


def test_overwritten_element_gets_no_gradient():
    """Only the last value written into an element reaches the output."""

    x = wz.X7
    d = symback.grad(wz.overwritten_across_iterations)(x)
    # by hand: s = sum_k last_before_k * x[k] over k < 6, where the element read then holds
    # sin(x[k - 2]) (0 for k < 2); the last two written, sin(x[4]) and sin(x[5]), are squared
    expected = np.zeros(len(x))
    for k in range(6):
        expected[k] += np.sin(x[k - 2]) if k >= 2 else 0.0
        if k + 2 < 6:
            expected[k] += np.cos(x[k]) * x[k + 2]
    for k in (4, 5):
        expected[k] += 2 * np.sin(x[k]) * np.cos(x[k])
    np.testing.assert_allclose(d, expected, rtol=1e-12)


@pytest.mark.parametrize("n", [1, 2, 9])
def test_buffer_loops_for_any_length(n):
    """Lengths 1 and 2 make y[i - 1] wrap round to an element written in the same loop."""
    x = np.linspace(-0.9, 0.8, n)
    check_gradient(wz.read_before_write, (x,), directions=2)
    check_gradient(wz.cumsum_by_hand, (x,), directions=2)
    np.testing.assert_allclose(
        symback.grad(wz.cumsum_by_hand)(x), symback.grad(wz.cumsum_vec)(x), rtol=1e-12
    )


def test_backward_saves_elements_not_buffers():
    """The loop logs the overwritten element, and nothing else: the buffer is the same
    object in every iteration, not saved at all (so the memory is O(n), not O(n^2))."""
    src = symback.grad(wz.cumsum_by_hand).source
    body = src.split("def grad_cumsum_by_hand(")[1]
    assert re.search(r"_log_write\(writes, c_\d+, np\.s_\[i_\d+\]", body)
    assert "log.append((array, index, array[index].copy()))" in src  # the element only
    assert "np.copy(c" not in body and not re.search(r"saved_c_\d+", body)
    assert not re.search(r"d_c_\d+ = d_c_\d+ \+", body), "the buffer's adjoint is rebuilt"


def test_writes_inside_a_branch_of_a_loop_use_the_taken_branch():
    x = wz.MIXED
    d = symback.grad(wz.leaky_relu_by_hand)(x)
    slope = np.where(x > 0, 1.0, 0.1)
    y = x * slope
    np.testing.assert_allclose(d, (2 * y + 1) * slope, rtol=1e-12)


def test_an_integer_buffer_is_refused_when_it_is_called():
    """Writing a differentiated value into an integer array rounds it: no gradient exists."""
    g = symback.grad(wz.into_like_buffer)
    np.testing.assert_allclose(g(wz.X7, np.zeros(7)), symback.grad(wz.laplacian_loop)(wz.X7))
    with pytest.raises(TypeError, match="dtype int"):
        g(wz.X7, np.zeros(7, dtype=int))


def test_explain_refuses_writes_with_a_place():
    with pytest.raises(symback.SymbackError, match="writes into an array element") as info:
        symback.explain(wz.writes_outside_loops, wz.X7)
    assert info.value.lineno is not None and "^" in str(info.value)


# ---------------------------------------------------------------- random programs

_ROW = {1: "", 2: "[:, None]"}  # how x lines up with y's rows: y is (6,) or (6, 2)


def _random_program(rng, index: int, ndim: int) -> str:
    """A loop over rows of a buffer: writes (=, +=, *=, -=, slices, in branches, in an
    inner loop), reads of single rows, of slices and of the whole buffer, a view bound to
    a name (refused when read after a write), copies to and from the buffer. Indices stay in
    range, or wrap round from -1."""
    col = _ROW[ndim]

    def value():
        c = rng.integers(-2, 3)
        return rng.choice(
            [f"x[i + {c}]", f"np.sin(x[i + {c}])", f"y[i + {c}]", f"x[i] * y[i + {c}]", "0.5"]
            + [f"np.tanh(y[i + {c}] + x[i])", "np.sum(y[0:3]) * 0.3"]
        )

    def statement():
        c, d = rng.integers(-2, 3), rng.integers(-2, 3)
        return rng.choice(
            [
                f"y[i + {c}] = {value()}",
                f"y[i + {c}] += {value()}",
                f"y[i + {c}] *= {value()}",
                f"y[i + {c}] -= {value()}",
                f"s = s + np.sum(y[i + {c}] * {value()})",
                f"if x[i] > 0.0:\n            y[i + {c}] = {value()}\n"
                f"        else:\n            s = s + np.sum({value()})",
                "y[1:3] = y[1:3] * 0.5 + x[i]",
                f"s = s + np.sum(y * x{col}) * 0.1",
                f"for j in range(2):\n            y[i + {c}] += x[j] * y[i + {d}]",
                f"r = y[i + {c}]",
                "s = s + np.sum(r * x[i])",
                "y = np.copy(np.sin(y) * 0.5)",
                "h = np.copy(y)",
                "y = np.copy(h * 0.7)",
                "s = s + np.sum(h * x[i])",
            ]
        )

    start = "np.zeros(6)" if ndim == 1 else "np.zeros((6, 2))"
    start = rng.choice([start, f"np.ones_like(x{col} * x[:{ndim}])", f"x{col} * x[:{ndim}]"])
    body = "\n        ".join(statement() for _ in range(rng.integers(1, 5)))
    low, high = [(2, 4), (0, 4), (1, 3)][rng.integers(3)]
    return f"""
def f{index}(x):
    y = {start}
    s = 0.0
    r = y[1]
    h = y * 1.0
    y[0] = x[1] ** 2
    for i in range({low}, {high}):
        {body}
    y[3:] = np.tanh(y[3:])
    return np.sum(y**2) + np.sum(np.sin(y) * x{col}) + s
"""


@pytest.mark.parametrize("ndim", [1, 2])
def test_random_write_programs_match_numerical_gradients(tmp_path, ndim):
    import importlib.util

    rng = np.random.default_rng(100 + ndim)
    sources = [_random_program(rng, i, ndim) for i in range(25)]
    path = tmp_path / f"random_writes_{ndim}.py"
    path.write_text("import numpy as np\n" + "".join(sources))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    x = np.array([0.3, -0.8, 1.4, 0.9, -1.7, 0.25])
    checked = refused = 0
    for i in range(len(sources)):
        f = getattr(module, f"f{i}")
        try:
            if np.ndim(f(x.copy())) != 0:
                continue  # (the program is not a scalar function: nothing to check)
        except (IndexError, ValueError):
            continue
        try:
            symback.grad(f)
        except symback.SymbackError as err:
            assert "write" in str(err), str(err)  # refused: only for an unsafe write
            refused += 1
            continue
        check_gradient(f, (x,), rtol=1e-5, atol=1e-7, directions=2)
        checked += 1
    assert checked >= 12 and refused >= 1, (checked, refused)


@pytest.mark.parametrize("loop, vec, args", [(f, g, a) for f, g, a, w in wz.PAIRS if w == 0])
def test_hessians_through_writes_match_the_vectorised_gradient(loop, vec, args):
    """The first gradient is generated again with the writes as copies, which symback then
    differentiates: against differences of the vectorised version's exact gradient."""
    x, rest = args[0], args[1:]
    gradient = symback.grad(vec)  # the vectorised version's exact first gradient, differenced
    h = 1e-5
    columns = []
    for e in np.eye(x.size):
        step = h * e.reshape(x.shape)
        columns.append((gradient(x + step, *rest) - gradient(x - step, *rest)).ravel() / (2 * h))
    expected = np.array(columns).T.reshape(x.shape + x.shape)
    np.testing.assert_allclose(symback.hessian(loop)(*args), expected, rtol=1e-6, atol=1e-6)


def _asarray_alias_read_after_write(x):
    z = x * 1.0
    y = np.asarray(z)  # the same array as z
    z[0] = 5.0
    return np.sum(y * x)


def _write_through_asarray_alias(x):
    z = x * 1.0
    y = np.asarray(z)
    y[1] = 2.0 * x[0]
    return np.sum(z * x)


def _asarray_alias_not_read_after_write(x):
    z = x * 1.0
    y = np.asarray(z)
    s = np.sum(y * x)
    z[0] = 5.0 * x[1]
    return s + np.sum(z)


@pytest.mark.parametrize("f", [_asarray_alias_read_after_write, _write_through_asarray_alias])
def test_a_write_into_an_array_with_another_name_is_refused_not_wrong(f):
    # the true gradients differ from what ignoring the alias gives: a refusal, never that
    with pytest.raises(symback.SymbackError, match="may be the same array"):
        symback.grad(f)(np.array([1.0, 2.0, 3.0]))


def test_an_alias_not_read_after_the_write_is_left_alone():
    check_gradient(_asarray_alias_not_read_after_write, (np.array([1.0, 2.0, 3.0]),))
