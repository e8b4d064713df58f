"""Array operations: the array zoo against numerical gradients, and the kink/tie conventions."""

import inspect

import black
import numpy as np
import pytest

import symback
from tests import array_zoo as az
from tests.helpers import check_gradient


def _ids(entries):
    seen: dict[str, int] = {}
    ids = []
    for entry in entries:
        base = az.entry_id(entry)
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}#{seen[base]}")
    return ids


ZOO_IDS = _ids(az.ARRAY_ZOO)


@pytest.mark.parametrize("entry", az.ARRAY_ZOO, ids=ZOO_IDS)
def test_array_zoo_gradient(entry):
    f, args, wrt = entry
    check_gradient(f, args, wrt=wrt, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("entry", az.ARRAY_ZOO, ids=ZOO_IDS)
def test_array_zoo_value_and_source(entry):
    """value_and_grad returns f's own value; the source is black-stable and compiles."""
    f, args, wrt = entry
    vg = symback.value_and_grad(f, wrt=wrt)
    value, _ = vg(*args)
    assert np.shape(value) == ()
    assert value == f(*args)
    assert black.format_str(vg.source, mode=black.Mode()) == vg.source
    compile(vg.source, "<generated>", "exec")


def test_array_zoo_is_big_enough():
    assert len({e[0] for e in az.ARRAY_ZOO}) >= 50


# ---------------------------------------------------------------- operations covered


def test_every_array_operation_appears_in_the_zoo():
    text = "\n".join(inspect.getsource(e[0]) for e in az.ARRAY_ZOO)
    spellings = [
        " @ ", "np.matmul(", "np.dot(", ".dot(", "np.outer(", ".T", "np.transpose(",
        ".transpose(", "np.reshape(", ".reshape(", "np.ravel(", ".ravel()", ".flatten()",
        "np.sum(", "np.mean(", "np.max(", "np.min(", "np.amax(", "np.amin(", "np.var(",
        "np.std(", ".sum(", ".mean(", ".max(", ".min(", ".var(", ".std(", "np.cumsum(",
        ".cumsum(", "np.linalg.norm(", "np.linalg.det(", "np.linalg.inv(",
        "np.linalg.solve(", "np.trace(", ".trace()", "keepdims=True", "ddof=1",
        "axis=(", "axis=-1", "[1:]", "[:-1]", "[::2]", "[:, 0]", "[..., i]", "[idx]",
        "[v > 0]", ".shape", ".ndim", ".size", "np.where(", "np.maximum(", "np.clip(",
        "np.diag(", "np.diagonal(", ".diagonal(", "np.hstack(", "np.vstack(",
        "np.column_stack(", "np.inner(", "np.squeeze(", ".squeeze(", "np.expand_dims(",
        "np.newaxis", "[None]", '"...', '"ii->', "np.einsum(", "np.stack(", "np.concatenate(",
    ]  # fmt: skip
    missing = [s for s in spellings if s not in text]
    assert not missing, f"not exercised by the array zoo: {missing}"


# ---------------------------------------------------------------- exact values


def test_matmul_gradients_by_hand():
    A, x = az.M53, az.V3
    gA, gx = symback.grad(lambda_free_matvec, wrt=("A", "x"))(A, x)
    np.testing.assert_allclose(gA, np.outer(np.ones(5), x), rtol=1e-14)
    np.testing.assert_allclose(gx, A.sum(axis=0), rtol=1e-14)


def lambda_free_matvec(A, x):
    return np.sum(A @ x)


def repeated_index_sum(v, idx):
    return np.sum(v[idx])


def test_repeated_integer_indices_accumulate():
    g = symback.grad(repeated_index_sum)(az.V5, az.IDX_REPEAT)
    np.testing.assert_array_equal(g, [2.0, 0.0, 3.0, 0.0, 1.0])


def mask_sum(v):
    return np.sum(v[v > 0] * 2.0)


def test_boolean_mask_gradient_is_zero_outside():
    v = np.array([1.0, -2.0, 0.5, -0.1, 3.0])
    np.testing.assert_array_equal(symback.grad(mask_sum)(v), [2.0, 0, 2.0, 0, 2.0])


def solve_sum(A, b):
    return np.sum(np.linalg.solve(A, b))


def test_solve_gradient_closed_form():
    A, b = az.A4, az.V4
    gA, gb = symback.grad(solve_sum, wrt=("A", "b"))(A, b)
    lam = np.linalg.solve(A.T, np.ones(4))
    x = np.linalg.solve(A, b)
    np.testing.assert_allclose(gb, lam, rtol=1e-12)
    np.testing.assert_allclose(gA, -np.outer(lam, x), rtol=1e-12)


def log_det(A):
    return np.log(np.linalg.det(A))


def test_log_det_gradient_is_inverse_transpose():
    g = symback.grad(log_det)(az.SPD3)
    np.testing.assert_allclose(g, np.linalg.inv(az.SPD3).T, rtol=1e-12)


# ---------------------------------------------------------------- kinks and ties


def global_max(x):
    return np.max(x)


def row_max_sum(X):
    return np.sum(np.max(X, axis=1))


def global_min(x):
    return np.min(x)


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_max_tie_shares_gradient_equally(k):
    x = np.array([0.5, 2.0, -1.0, 2.0, 2.0, 0.0, 2.0])
    ties = np.flatnonzero(x == 2.0)[:k]
    x = np.where(x == 2.0, 1.0, x)
    x[ties] = 2.0
    g = symback.grad(global_max)(x)
    expected = np.zeros_like(x)
    expected[ties] = 1.0 / k
    np.testing.assert_allclose(g, expected, rtol=1e-15)


def test_min_tie_shares_gradient_equally():
    x = np.array([-3.0, 1.0, -3.0, 2.0])
    np.testing.assert_allclose(symback.grad(global_min)(x), [0.5, 0, 0.5, 0])


def test_max_with_axis_ties_per_row():
    X = np.array([[1.0, 1.0, 0.0], [2.0, 2.0, 2.0], [0.0, 3.0, 1.0]])
    g = symback.grad(row_max_sum)(X)
    np.testing.assert_allclose(
        g, [[0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3], [0.0, 1.0, 0.0]], rtol=1e-15
    )


def maximum_self(x):
    return np.sum(np.maximum(x, x))


def minimum_self(x):
    return np.sum(np.minimum(x, x))


def test_maximum_of_x_and_x_has_gradient_one():
    x = np.array([-1.5, 0.0, 0.3, 2.0])
    np.testing.assert_array_equal(symback.grad(maximum_self)(x), np.ones(4))
    np.testing.assert_array_equal(symback.grad(minimum_self)(x), np.ones(4))


def maximum_pair(a, b):
    return np.sum(np.maximum(a, b))


def test_maximum_tie_gives_half_to_each():
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([1.0, 0.0, 5.0])
    ga, gb = symback.grad(maximum_pair, wrt=("a", "b"))(a, b)
    np.testing.assert_array_equal(ga, [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(gb, [0.5, 0.0, 1.0])


def abs_sum(x):
    return np.sum(np.abs(x))


def test_abs_at_zero_has_gradient_zero():
    x = np.array([-2.0, 0.0, 0.0, 1.5])
    np.testing.assert_array_equal(symback.grad(abs_sum)(x), [-1.0, 0.0, 0.0, 1.0])


def clip_sum(x, lo, hi):
    return np.sum(np.clip(x, lo, hi))


def test_clip_at_its_ends_passes_gradient_to_x():
    x = np.array([-1.0, -0.3, 1.0, 2.0, -4.0])
    gx, glo, ghi = symback.grad(clip_sum, wrt=("x", "lo", "hi"))(x, -1.0, 1.0)
    np.testing.assert_array_equal(gx, [1.0, 1.0, 1.0, 0.0, 0.0])
    assert glo == 1.0  # only from x = -4, strictly below
    assert ghi == 1.0  # only from x = 2, strictly above


def clip_sum_array_bounds(x, lo, hi):
    return np.sum(np.clip(x, lo, hi) ** 2)


def test_clip_at_array_bounds():
    x = np.array([0.0, 0.5, 2.0])
    lo = np.array([0.0, -1.0, 0.0])
    hi = np.array([1.0, 0.5, 1.0])
    gx, glo, ghi = symback.grad(clip_sum_array_bounds, wrt=("x", "lo", "hi"))(x, lo, hi)
    np.testing.assert_array_equal(gx, [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(glo, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(ghi, [0.0, 0.0, 2.0])


def guarded_sqrt(x):
    return np.sum(np.where(x > 0, np.sqrt(x), 0.0))


def test_where_guarded_sqrt_at_zero_is_finite():
    x = np.array([0.0, 4.0, -1.0, 0.0, 0.25])
    with np.errstate(divide="ignore", invalid="ignore"):
        g = symback.grad(guarded_sqrt)(x)
    assert np.all(np.isfinite(g)), g
    np.testing.assert_array_equal(g, [0.0, 0.25, 0.0, 0.0, 1.0])


def norm_of(v):
    return np.linalg.norm(v)


def test_norm_at_zero_has_gradient_zero():
    g = symback.grad(norm_of)(np.zeros(3))
    np.testing.assert_array_equal(g, np.zeros(3))


def sum_of_weighted_diagonal(A, w):
    return np.sum(np.diag(A, 1) * w)


@pytest.mark.parametrize("shape", [(3, 4), (4, 4), (5, 3)])
def test_diag_gradient_is_the_weights_on_that_diagonal(shape):
    A = np.ones(shape)
    length = len(np.diag(A, 1))
    w = np.arange(1.0, length + 1)
    expected = np.zeros(shape)
    expected[np.arange(length), np.arange(length) + 1] = w
    np.testing.assert_array_equal(symback.grad(sum_of_weighted_diagonal)(A, w), expected)


def einsum_trace(A):
    return np.einsum("ii->", A)


def test_einsum_trace_gradient_is_the_identity():
    np.testing.assert_array_equal(symback.grad(einsum_trace)(az.A3), np.eye(3))


def einsum_stretched(a, b):
    return np.sum(np.einsum("ij,jk->ik", a, b))


def test_einsum_axis_of_length_one_gets_its_gradient_summed():
    """a's j has length 1 and einsum stretches it to b's 2: d/da[i, 0] = sum of all of b."""
    a, b = np.ones((2, 1)), np.arange(6.0).reshape(2, 3)
    d_a, d_b = symback.grad(einsum_stretched, wrt=("a", "b"))(a, b)
    np.testing.assert_array_equal(d_a, np.full((2, 1), b.sum()))
    np.testing.assert_array_equal(d_b, np.full((2, 3), 2.0))


def hstack_with_number(s, v, w):
    return np.sum(np.hstack([s, v]) * w)


def test_hstack_gives_a_number_a_number():
    g = symback.grad(hstack_with_number, wrt=("s", "v"))
    d_s, d_v = g(0.5, np.ones(3), np.arange(1.0, 5.0))
    assert np.shape(d_s) == () and d_s == 1.0
    np.testing.assert_array_equal(d_v, [2.0, 3.0, 4.0])


def vstack_rows(a, b, w):
    return np.sum(np.vstack([a, b]) * w)


def test_vstack_of_vectors_gives_each_its_row():
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    d_a, d_b = symback.grad(vstack_rows, wrt=("a", "b"))(np.ones(2), np.ones(2), w)
    np.testing.assert_array_equal(d_a, [1.0, 2.0])
    np.testing.assert_array_equal(d_b, [3.0, 4.0])


def cubes_on_superdiagonal(v):
    return np.sum(np.diag(v, 1) ** 3)


def cubes_of_diagonal(A):
    return np.sum(np.diag(A) ** 3) + np.sum(A.diagonal(1) ** 3)


def squared_trace(A):
    return np.einsum("ii->", A) ** 2


def test_hessians_through_diag_and_einsum_match_closed_forms():
    v = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(symback.hessian(cubes_on_superdiagonal)(v), np.diag(6 * v))
    A = az.M34
    expected = np.zeros((3, 4, 3, 4))
    for i, j in [(0, 0), (1, 1), (2, 2), (0, 1), (1, 2), (2, 3)]:
        expected[i, j, i, j] = 6 * A[i, j]
    np.testing.assert_allclose(symback.hessian(cubes_of_diagonal)(A), expected, rtol=1e-12)
    expected = np.einsum("ij,kl->ijkl", np.eye(3), np.eye(3)) * 2.0
    np.testing.assert_allclose(symback.hessian(squared_trace)(az.A3), expected)


def through_hstack(v):
    return np.sum(np.hstack([v, v**2]) ** 2)


def through_vstack(v):
    return np.sum(np.vstack([v, v**2]) ** 2)


def through_inner(v):
    return np.inner(v, v) ** 2


def through_dot(v):
    return np.dot(v, v) ** 2


def through_diag(v):
    return np.sum(np.sin(np.diag(v, -1) + 0.5) ** 2)


def through_squeeze_and_new_axis(v):
    return np.sum(np.squeeze(v[None, :]) ** 3 * np.expand_dims(v, 0))


@pytest.mark.parametrize(
    "f",
    [
        through_hstack,
        through_vstack,
        through_inner,
        through_dot,
        through_diag,
        through_squeeze_and_new_axis,
    ],
)
def test_hessians_are_right_or_refused(f):
    """Against central differences of the gradient (itself checked by the zoo)."""
    v = np.array([0.3, -0.8, 1.1])
    try:
        H = symback.hessian(f)(v)
    except symback.SymbackError:
        return  # the generated gradient calls something symback cannot differentiate
    grad, h = symback.grad(f), 1e-6
    numerical = np.array([(grad(v + h * e) - grad(v - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(H, numerical, rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------- dtypes and inputs

FLOAT32_CASES = [
    (az.least_squares, (az.M53, az.V3, az.Y5), ("A", "x")),
    (
        az.softmax_cross_entropy,
        (az.M34[:, :3], az.V3, az.M43, az.ONE_HOT_43),
        ("W", "b"),
    ),
    (az.layer_norm, (az.M34, az.V4, az.W4), ("X", "gamma")),
    (az.solve_vector, (az.A4, az.V4), ("A", "b")),
    (az.max_over_axes, (az.SPREAD34,), 0),
    (az.repeated_gather, (az.V5, az.IDX_REPEAT), "v"),
    (az.cumsum_axes, (az.M34,), 0),
]


def _as_float32(value):
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        return value.astype(np.float32)
    if isinstance(value, float):
        return np.float32(value)
    return value


@pytest.mark.parametrize("case", FLOAT32_CASES, ids=[c[0].__name__ for c in FLOAT32_CASES])
def test_float32_inputs_give_float_gradients_to_float32_accuracy(case):
    f, args, wrt = case
    args32 = tuple(_as_float32(a) for a in args)
    g64 = symback.grad(f, wrt=wrt)(*args)
    g32 = symback.grad(f, wrt=wrt)(*args32)
    many = isinstance(wrt, tuple)
    for got, ref in zip(g32 if many else (g32,), g64 if many else (g64,)):
        dtype = np.asarray(got).dtype
        assert dtype in (np.float32, np.float64), dtype
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, ref, rtol=2e-4, atol=2e-5)


def in_place_looking(X, v):
    Y = X.T
    Y = Y * 2.0
    r = X[0]
    r = r + v
    return np.sum(Y**2) + np.sum(r**2) + np.sum(X.ravel() * 0.5)


def test_caller_arrays_are_never_mutated():
    X = az.M34.copy()
    v = az.V4.copy()
    before = (X.copy(), v.copy())
    check_gradient(in_place_looking, (X, v), wrt=("X", "v"))
    symback.value_and_grad(in_place_looking, wrt=("X", "v"))(X, v)
    np.testing.assert_array_equal(X, before[0])
    np.testing.assert_array_equal(v, before[1])


def test_gradient_does_not_alias_inputs():
    X = az.M34.copy()
    g = symback.grad(az.transpose_forms, wrt="A")(X, X.T.copy())
    assert not np.shares_memory(g, X)


def _concatenate_weighted(x, y, w):
    return np.sum(np.concatenate([x, y]) * w)


def _stack_weighted(x, y, w):
    return np.sum(np.stack([x, y], axis=1) * w)


def _vstack_weighted(x, y, w):
    return np.sum(np.vstack([x, y]) * w)


def _transpose_weighted(x, y, w):
    return np.sum(x.T * w) + np.sum(y)


def _reshape_weighted(x, y, w):
    return np.sum(np.reshape(x, (6,)) * w) + np.sum(y)


def _diag_weighted(x, y, w):
    return np.sum(np.diag(x) * w) + np.sum(y)


def _stack_summed(x, y, w):
    return np.sum(np.stack([x, y])) + np.sum(np.hstack([x, y]) * 0.0)


PIECES = [
    (_concatenate_weighted, ((3,), (3,), (6,))),
    (_stack_weighted, ((3,), (3,), (3, 2))),
    (_vstack_weighted, ((3,), (3,), (2, 3))),
    (_transpose_weighted, ((2, 3), (3,), (3, 2))),
    (_reshape_weighted, ((2, 3), (3,), (6,))),
    (_diag_weighted, ((3,), (3,), (3, 3))),
    (_stack_summed, ((3,), (3,), ())),
]


@pytest.mark.parametrize("f, shapes", PIECES, ids=[p[0].__name__ for p in PIECES])
def test_a_gradient_that_is_a_piece_of_another_array_is_its_own(f, shapes):
    # the gradient of a join's operand is a slice of the join's gradient, that of a
    # transpose its gradient transposed (views): where that is the whole gradient, it is
    # handed out as a fresh array, neither the caller's `w` again nor a read-only broadcast
    rng = np.random.default_rng(0)
    args = [rng.normal(size=s) for s in shapes]
    g = symback.grad(f, wrt=(0, 1))
    for gradients in (g(*args), g.function(*args)):
        for got in gradients:
            assert got.flags.writeable
            assert not any(np.shares_memory(got, a) for a in args)
    check_gradient(f, args, wrt=(0, 1))


# ---------------------------------------------------------------- right or refused

EDGE_IDS = _ids(az.RIGHT_OR_REFUSED)


@pytest.mark.parametrize("entry", az.RIGHT_OR_REFUSED, ids=EDGE_IDS)
def test_edge_spellings_are_right_or_refused(entry):
    f, args, wrt = entry
    try:
        symback.grad(f, wrt=wrt)
    except symback.SymbackError:
        return  # refused when generating, with symback's error: fine
    check_gradient(f, args, wrt=wrt)
