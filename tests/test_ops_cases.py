"""Cases of issue 11 in array operations, each against central differences: std and var over
one element, views read after an element write, einsum with `...` anywhere."""

from __future__ import annotations

import numpy as np
import pytest

import symback
from fuzz.program import load
from tests.helpers import central_difference

# -- std and var: every axis, keepdims and ddof, one element or more ------------------------

_REDUCTION_CASES = [
    ((), ""),
    ((1,), ""),
    ((1, 3), ", axis=0"),
    ((1, 3), ", axis=0, keepdims=True"),
    ((3, 1), ", axis=1"),
    ((1, 1), ", axis=(0, 1)"),
    ((2, 3), ""),
    ((2, 3), ", axis=0, ddof=1"),
    ((2, 3), ", ddof=2"),
    ((2, 3), ", axis=(0, 1)"),
    ((2, 3), ", axis=1, keepdims=True"),
    ((2, 1, 3), ", axis=1"),
]


@pytest.mark.parametrize("op", ["std", "var"])
@pytest.mark.parametrize("shape, arguments", _REDUCTION_CASES)
def test_std_and_var_match_central_differences(op, shape, arguments, tmp_path):
    """np.std over one element is 0 for every x: its gradient is 0, as np.var's is."""
    source = f"import numpy as np\n\n\ndef f(x):\n    return np.sum(np.{op}(x{arguments}) * 1.5)\n"
    f = load(source, "f")
    x = np.random.default_rng(len(shape)).uniform(-1.0, 1.0, shape) if shape else 0.7
    got = symback.grad(f)(x)
    np.testing.assert_allclose(got, central_difference(f, [x], 0), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("op", ["std", "var"])
def test_second_derivative_of_std_over_one_element_is_zero(op, tmp_path):
    source = f"import numpy as np\n\n\ndef f(x):\n    return np.sum(np.{op}(x, axis=0))\n"
    f = load(source, "f")
    hessian = symback.hessian(f)(np.array([[0.3, -0.2, 1.1]]))
    np.testing.assert_array_equal(hessian, np.zeros((1, 3, 1, 3)))


# -- a view of a buffer, read after an element write into the buffer ----------------------

# y is a (2, 2) buffer holding x; z is made from y, then y[0, 0] is written, then z is read.
_VIEWS = {  # NumPy returns a view of y whatever the shapes: z sees the write
    "np.flip(y)": (2, 2),
    "np.flip(y, 0)": (2, 2),
    "np.swapaxes(y, 0, 1)": (2, 2),
    "np.broadcast_to(y, (3, 2, 2))": (2, 2),
    "np.transpose(y)": (2, 2),
    "y.T": (2, 2),
    "np.squeeze(y[None])": (2, 2),
    "np.expand_dims(y, 0)": (1, 2, 2),
    "y[:, None]": (2, 1, 2),
    "np.diagonal(y)": (2,),
    "y[:, ::-1]": (2, 2),
    "np.einsum('ij->ji', y)": (2, 2),
    "np.einsum('ii->i', y)": (2,),
}
_MAYBE_VIEWS = {  # a view or a copy, depending on the shapes or strides: told apart at run time
    "np.reshape(y, (4,))": (4,),
    "y.reshape(4)": (4,),
    "np.ravel(y)": (4,),
    "np.reshape(y.T, (4,))": (4,),  # (a copy: y.T is not contiguous)
    "np.diag(y)": (2,),
    "y[0]": (2,),
    "y[0][1]": (),  # (a number)
}
_COPIES = {  # a new array: the write leaves z as it was
    "y.flatten()": (4,),
    "np.copy(y)": (2, 2),
    "np.flip(y).copy()": (2, 2),
    "np.cumsum(y, axis=0)": (2, 2),
    "y[[0, 1, 1]]": (3, 2),
    "np.concatenate([y, y])": (4, 2),
    "y * 1.0": (2, 2),
}


def _view_program(tmp_path, made: str, shape):
    weights = np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape)
    source = (
        "import numpy as np\n\n\n"
        "def f(x, w):\n"
        "    y = np.zeros((2, 2))\n"
        "    y[:] = x\n"
        f"    z = {made}\n"
        "    y[0, 0] = 3.0 * x[0, 0]\n"
        "    return np.sum(z * w) * np.sum(x * y)\n"
    )
    return load(source, "f"), weights


@pytest.mark.parametrize("made", sorted(_VIEWS) + sorted(_MAYBE_VIEWS) + sorted(_COPIES))
def test_a_view_or_copy_read_after_a_write_into_its_buffer_is_differentiated(made, tmp_path):
    f, w = _view_program(tmp_path, made, {**_VIEWS, **_MAYBE_VIEWS, **_COPIES}[made])
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    value, got = symback.value_and_grad(f)(x, w)
    assert value == f(x, w)
    np.testing.assert_allclose(got, central_difference(f, [x, w], 0), rtol=1e-6)


def test_the_flip_of_the_issue_and_its_copy_are_right(tmp_path):
    """issue 11's case: [72, 21, 16, 27], never [28, 15, 10, 15]. The flip sees the write:
    f = 3 x0^2 x3 + x1^2 x2 + x1 x2^2 + 3 x0 x3^2. A copy of the flip keeps the elements
    from before the write: f = 3 x0^2 x3 + x1^2 x2 + x1 x2^2 + x0 x3^2, whose gradient at
    [1, 2, 3, 4] is [40, 21, 16, 11]."""
    template = (
        "import numpy as np\n\n\ndef f(x):\n    y = np.zeros(4)\n    y[:] = x\n"
        "    z = {}\n    y[0] = 3.0 * x[0]\n    return np.sum(z * x * y)\n"
    )
    x = np.array([1.0, 2.0, 3.0, 4.0])
    flipped = load(template.format("np.flip(y)"), "f")
    np.testing.assert_allclose(symback.grad(flipped)(x), [72.0, 21.0, 16.0, 27.0])
    for copied in ("1.0 * np.flip(y)", "np.flip(y).copy()", "np.copy(np.flip(y))"):
        f = load(template.format(copied), "f")
        np.testing.assert_allclose(symback.grad(f)(x), [40.0, 21.0, 16.0, 11.0])


# -- einsum with `...` anywhere --------------------------------------------------------------


def _random_einsum(rng: np.random.Generator):
    """Subscripts of 1 to 3 operands, each with 1 to 3 named axes and, mostly, an ellipsis at
    any place (of fewer axes than the others', or of length 1: broadcast), and shapes to fit."""
    sizes = {c: int(rng.integers(2, 4)) for c in "ijkl"}
    ellipsis = [int(n) for n in rng.integers(2, 4, int(rng.integers(1, 3)))]
    subs, shapes = [], []
    for _ in range(int(rng.choice([1, 2, 2, 3]))):
        named = list(dict.fromkeys(rng.choice(list("ijkl"), int(rng.integers(1, 4)))))
        terms, shape = list(named), [sizes[c] for c in named]
        if rng.random() < 0.8:
            mine = ellipsis[int(rng.integers(0, len(ellipsis) + 1)) :]
            mine = [1 if rng.random() < 0.2 else n for n in mine]
            at = int(rng.integers(0, len(named) + 1))
            terms[at:at], shape[at:at] = ["..."], mine
        subs.append("".join(terms))
        shapes.append(tuple(shape))
    output = [c for c in sorted(set("".join(subs)) - {"."}) if rng.random() < 0.5]
    rng.shuffle(output)
    if any("..." in s for s in subs) and rng.random() < 0.7:
        output.insert(int(rng.integers(0, len(output) + 1)), "...")
    return ",".join(subs) + "->" + "".join(output), shapes


def _einsum_cases(count: int):
    rng = np.random.default_rng(11)
    cases = [
        ("j...k,lj...->lk...", [(2, 3, 4, 5), (6, 2, 4)]),  # issue 11: wrong values
        ("jk...,lj...->lk...", [(2, 3, 4), (5, 2, 1)]),  # issue 11: a ValueError
        ("...k,k...l->l...", [(1, 3), (3, 2)]),
    ]
    while len(cases) < count:
        subscripts, shapes = _random_einsum(rng)
        try:
            np.einsum(subscripts, *[np.ones(s) for s in shapes])
        except ValueError:
            continue  # (shapes that do not broadcast)
        cases.append((subscripts, shapes))
    return cases


def _einsum_function(tmp_path, subscripts: str, count: int):
    names = ", ".join("abc"[:count])
    source = (
        f"import numpy as np\n\n\ndef f({names}):\n"
        f"    return np.sum(np.cos(np.einsum({subscripts!r}, {names})))\n"
    )
    return load(source, "f")


@pytest.mark.parametrize("subscripts, shapes", _einsum_cases(60))
def test_einsum_with_ellipsis_matches_central_differences(subscripts, shapes, tmp_path):
    f = _einsum_function(tmp_path, subscripts, len(shapes))
    rng = np.random.default_rng(len(subscripts))
    args = [rng.uniform(-1.0, 1.0, s) for s in shapes]
    got = symback.grad(f, wrt=tuple(range(len(shapes))))(*args)
    for i in range(len(shapes)):
        assert np.shape(got[i]) == shapes[i]
        expected = central_difference(f, args, i)
        np.testing.assert_allclose(got[i], expected, rtol=1e-6, atol=1e-8, err_msg=subscripts)


@pytest.mark.parametrize("subscripts, shapes", _einsum_cases(12)[::2])
def test_einsum_with_ellipsis_second_derivatives(subscripts, shapes, tmp_path):
    """The gradient's own einsums, ones and unbroadcasts differentiate again."""
    f = _einsum_function(tmp_path, subscripts, len(shapes))
    rng = np.random.default_rng(len(subscripts))
    args = [rng.uniform(-1.0, 1.0, s) for s in shapes]
    v = rng.uniform(-1.0, 1.0, shapes[0])
    got = symback.hessian_vector_product(f, wrt=0)(*args, v=v)
    gradient = symback.grad(f, wrt=0)
    h = 1e-5
    ahead = gradient(args[0] + h * v, *args[1:])
    behind = gradient(args[0] - h * v, *args[1:])
    np.testing.assert_allclose(got, (ahead - behind) / (2 * h), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("subscripts", ["i{j},j->i", "{np}i,i->i", "i..j,j->i", "ié,é->i"])
def test_einsum_subscripts_that_are_not_letters_are_refused(subscripts, tmp_path):
    f = _einsum_function(tmp_path, subscripts, 2)
    with pytest.raises(symback.SymbackError, match="not letters"):
        symback.grad(f)(np.ones((2, 3)), np.ones(3))


# -- a reduction's result is a number only where its record says so -----------------------


@pytest.mark.parametrize(
    "call, shape",
    [("np.linalg.det(a)", (2, 3, 3)), ("np.trace(a)", (3, 2, 2)), ("np.sum(a, axis=0)", (2, 3))],
)
def test_an_array_output_of_a_reduction_is_refused(call, shape, tmp_path):
    """np.linalg.det of a stack of matrices is an array: no gradient of it without a word."""
    f = load(f"import numpy as np\n\n\ndef f(a):\n    return {call}\n", "f")
    a = np.random.default_rng(0).uniform(size=shape)
    assert np.ndim(f(a)) == 1
    with pytest.raises(symback.NonScalarOutputError):
        symback.grad(f)(a)
