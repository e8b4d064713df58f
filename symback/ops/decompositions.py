"""Records and adjoints of the matrix decompositions: np.linalg.slogdet, eigh, eig, svd, qr,
cholesky, and pinv.

A decomposition returns a tuple; each part a function uses is a statement of its own
(frontend/arrays.py), whose adjoint reads the other parts by decomposing again. The formulas
are the standard ones (Giles 2008; Murray 2016 for Cholesky; Townsend 2016 for the SVD),
written with recorded operations only, so that Hessians differentiate them again. Where the
gradient does not exist (repeated eigenvalues, a wide matrix's QR), a helper raises at run
time and says which (backend/helper_arrays.py: distinct, require).
"""

from __future__ import annotations

import dataclasses

from .build import helper, np
from .primitive import UNSUPPORTED, ArrayPrimitive, Context, Contribution
from .primitive import example as _e


def _t(m):
    return np.swapaxes(m, -1, -2)


def _eye(x, axis=-1):
    return np.eye(np.shape(x)[axis])


def _lower(g, x, upper=False):
    """The gradient for a function reading one triangle of x only (as LAPACK does), from g,
    its gradient for symmetric changes: each element off the diagonal of that triangle
    moves two of the symmetric matrix's, the diagonal one."""
    both = g + _t(g)
    return (np.triu(both) if upper else np.tril(both)) - _eye(x) * g


def _gaps(values, what: str):
    """F[i, j] = 1 / (values[j] - values[i]) off the diagonal, 0 on it; values checked to
    be distinct (otherwise the gradient does not exist)."""
    w = helper.distinct(values, what)
    eye = _eye(values)
    return (1.0 - eye) / (w[..., None, :] - w[..., :, None] + eye)


def slogdet(c: Context):
    # the sign is constant where it is defined; log|det a| has the gradient inv(a)^T
    if c.params["part"] == 0:
        return (None,)
    scale = np.asarray(c.bar)[..., None, None]
    return (Contribution(scale * _t(np.linalg.inv(c.x))),)


def eigh(c: Context):
    upper = c.params.get("UPLO", "L") in ("U", "u")
    kw = {"UPLO": c.params["UPLO"]} if "UPLO" in c.params else {}
    w, v = (np.linalg.eigh(c.x, **kw)[k] for k in (0, 1))
    if c.params["part"] == 0:  # dw = diag(V^T dA V)
        g = (v * c.bar[..., None, :]) @ _t(v)
    else:  # dV = V (F o (V^T dA V))
        f = _gaps(w, "the gradient of np.linalg.eigh's eigenvectors")
        g = v @ (f * (_t(v) @ c.bar)) @ _t(v)
    return (Contribution(_lower(g, c.x, upper)),)


def eig(c: Context):
    # a real matrix with real, distinct eigenvalues: dw = diag(V^-1 dA V), and dV =
    # V (F o (V^-1 dA V)) less each column's change along itself (the columns have norm 1)
    w, v = (np.linalg.eig(c.x)[k] for k in (0, 1))
    inverse_t = _t(np.linalg.inv(v))
    if c.params["part"] == 0:
        w = helper.distinct(w, "the gradient of np.linalg.eig's eigenvalues")
        middle = _eye(c.x) * c.bar[..., None, :] + 0.0 * w[..., None, :]
    else:
        f = _gaps(w, "the gradient of np.linalg.eig's eigenvectors")
        along = v * np.sum(v * c.bar, axis=-2)[..., None, :]
        middle = f * (_t(v) @ (c.bar - along))
    return (Contribution(inverse_t @ middle @ _t(v)),)


def svd(c: Context):
    part = c.params.get("part", 1)  # (compute_uv=False: the singular values alone)
    u, s, vh = (np.linalg.svd(c.x, full_matrices=False)[k] for k in (0, 1, 2))
    if part == 1:  # ds = diag(U^T dA V)
        return (Contribution((u * c.bar[..., None, :]) @ vh),)
    if c.params.get("full_matrices", True):  # U and Vh must be the reduced ones
        x = helper.require(
            c.x,
            np.shape(c.x)[-1].eq(np.shape(c.x)[-2]),
            "np.linalg.svd: the gradient of U and Vh of a matrix that is not square needs "
            "full_matrices=False (the extra columns are not unique)",
        )
        u, s, vh = (np.linalg.svd(x, full_matrices=False)[k] for k in (0, 1, 2))
    # F[i, j] = 1 / (s_j^2 - s_i^2), the singular values checked distinct and not 0 (1 / s
    # below) themselves, not their squares (which overflow and underflow first)
    s = helper.distinct(s, "the gradient of np.linalg.svd's U and Vh (singular values)", True)
    eye = _eye(s)
    f = (1.0 - eye) / (
        (s[..., None, :] - s[..., :, None]) * (s[..., None, :] + s[..., :, None]) + eye
    )
    s_inv = 1.0 / s
    v = _t(vh)
    if part == 0:  # U's gradient (Townsend 2016), V's part zero
        j = f * (_t(u) @ c.bar - _t(c.bar) @ u)
        inner = j * s[..., None, :]
        outside = (c.bar - u @ (_t(u) @ c.bar)) * s_inv[..., None, :]
        return (Contribution(u @ inner @ vh + outside @ vh),)
    vbar = _t(c.bar)  # Vh's gradient as V's
    k = f * (_t(v) @ vbar - _t(vbar) @ v)
    inner = s[..., :, None] * k
    outside = (u * s_inv[..., None, :]) @ _t(vbar - v @ (_t(v) @ vbar))
    return (Contribution(u @ inner @ vh + outside),)


def qr(c: Context):
    # reduced QR of a matrix with at least as many rows as columns (Walter and Lehmann):
    # M = R Rbar^T - Qbar^T Q, b = Qbar + Q copyltu(M), Abar = b R^-T
    if c.params.get("mode", "reduced") != "reduced":
        return (UNSUPPORTED,)
    x = helper.require(
        c.x,
        np.greater_equal(np.shape(c.x)[-2], np.shape(c.x)[-1]),
        "np.linalg.qr: the gradient of a wide matrix's QR (fewer rows than columns) is "
        "not written",
    )
    q, r = (np.linalg.qr(x)[k] for k in (0, 1))
    if c.params["part"] == 0:
        m = -(_t(c.bar) @ q)
        b = c.bar + q @ (np.tril(m) + _t(np.tril(m, -1)))
    else:
        m = r @ _t(c.bar)
        b = q @ (np.tril(m) + _t(np.tril(m, -1)))
    return (Contribution(_t(np.linalg.solve(r, _t(b)))),)


def cholesky(c: Context):
    # L = cholesky(A) reads A's lower triangle. For symmetric changes (Murray 2016):
    # Abar = sym(L^-T Phi(L^T Lbar) L^-1), Phi taking the lower triangle, diagonal halved
    if c.params.get("upper"):
        return (UNSUPPORTED,)
    lower = c.value
    p = lower_t = _t(lower)
    p = np.tril(lower_t @ c.bar) - 0.5 * _eye(c.x) * (lower_t @ c.bar)
    left = np.linalg.solve(lower_t, p)  # L^-T P
    s = _t(np.linalg.solve(lower_t, _t(left)))  # L^-T P L^-1
    return (Contribution(_lower(0.5 * (s + _t(s)), c.x)),)


def pinv(c: Context):
    # dX = -X dA X + X X^T dA^T (I - A X) + (I - X A) dA^T X^T X, X = pinv(A) (constant rank)
    a, x, g = c.x, c.value, c.bar
    rows, columns = _eye(a, -2), _eye(a, -1)
    first = -(_t(x) @ g @ _t(x))
    second = (rows - a @ x) @ _t(g) @ x @ _t(x)
    third = _t(x) @ x @ _t(g) @ (columns - x @ a)
    return (Contribution(first + second + third),)


def _values_of(rule, part: int):
    """The rule of a function returning one part of a decomposition (np.linalg.eigvalsh:
    eigh's eigenvalues): the decomposition's rule for that part."""

    def values(c: Context):
        return rule(dataclasses.replace(c, params={**c.params, "part": part}))

    return values


_SPD = "a @ a.T + 3.0 * np.eye(3)"  # (symmetric positive definite, well conditioned)
_SYM = "a + a.T + np.diag(np.arange(3.0)) * 3.0"  # (symmetric, eigenvalues apart)

DECOMPOSITION_TABLE: tuple[ArrayPrimitive, ...] = (
    ArrayPrimitive(
        "slogdet",
        ("numpy.linalg.slogdet",),
        1,
        slogdet,
        parts=("sign", "logabsdet"),
        examples=(
            _e(f"np.linalg.slogdet({_SPD})[1]", (3, 3)),
            _e("np.linalg.slogdet(a - 3.0 * np.eye(3)).logabsdet", (3, 3)),
        ),
    ),
    ArrayPrimitive(
        "eigh",
        ("numpy.linalg.eigh",),
        1,
        eigh,
        ("UPLO",),
        positional=("UPLO",),
        parts=("eigenvalues", "eigenvectors"),
        examples=(
            _e(f"np.linalg.eigh({_SYM})[0]", (3, 3)),
            _e(f"np.linalg.eigh({_SYM})[1][:, 1:] ** 2", (3, 3)),
            _e("np.linalg.eigh(a + np.diag(np.arange(3.0)) * 3.0, 'U').eigenvectors ** 2", (3, 3)),
        ),
    ),
    ArrayPrimitive(
        "eigvalsh",
        ("numpy.linalg.eigvalsh",),
        1,
        _values_of(eigh, 0),
        ("UPLO",),
        positional=("UPLO",),
        examples=(
            _e(f"np.linalg.eigvalsh({_SYM})", (3, 3)),
            _e("np.linalg.eigvalsh(a + np.diag(np.arange(3.0)) * 3.0, 'U')", (3, 3)),
        ),
    ),
    ArrayPrimitive(
        "eigvals",
        ("numpy.linalg.eigvals",),
        1,
        _values_of(eig, 0),
        examples=(_e(f"np.linalg.eigvals({_SYM})", (3, 3)),),
    ),
    ArrayPrimitive(
        "svdvals",
        ("numpy.linalg.svdvals",),
        1,
        _values_of(svd, 1),
        examples=(_e("np.linalg.svdvals(a)", (3, 2)),),
    ),
    ArrayPrimitive(
        "eig",
        ("numpy.linalg.eig",),
        1,
        eig,
        parts=("eigenvalues", "eigenvectors"),
        examples=(
            _e(f"np.linalg.eig({_SYM})[0]", (3, 3)),
            _e(f"np.linalg.eig({_SYM})[1] ** 2", (3, 3)),
        ),
    ),
    ArrayPrimitive(
        "svd",
        ("numpy.linalg.svd",),
        1,
        svd,
        ("full_matrices", "compute_uv"),
        parts=("U", "S", "Vh"),
        one_value_when=("compute_uv", False),
        examples=(
            _e("np.linalg.svd(a, compute_uv=False)", (3, 2)),
            _e("np.linalg.svd(a)[1]", (2, 4)),
            _e("np.linalg.svd(a, full_matrices=False)[0] ** 2", (4, 3)),
            _e("np.linalg.svd(a, full_matrices=False)[2] ** 2", (3, 4)),
            _e("np.linalg.svd(a)[0] ** 2 + np.linalg.svd(a).Vh", (3, 3)),
        ),
    ),
    ArrayPrimitive(
        "qr",
        ("numpy.linalg.qr",),
        1,
        qr,
        ("mode",),
        positional=("mode",),
        parts=("Q", "R"),
        examples=(_e("np.linalg.qr(a)[0] ** 2", (4, 3)), _e("np.linalg.qr(a).R", (3, 3))),
    ),
    ArrayPrimitive(
        "cholesky",
        ("numpy.linalg.cholesky",),
        1,
        cholesky,
        ("upper",),
        examples=(
            _e(f"np.linalg.cholesky({_SPD})", (3, 3)),
            _e("np.linalg.cholesky(a + 3.0 * np.eye(3))", (3, 3)),
        ),
    ),
    ArrayPrimitive(
        "pinv",
        ("numpy.linalg.pinv",),
        1,
        pinv,
        examples=(_e("np.linalg.pinv(a)", (3, 2)), _e("np.linalg.pinv(a)", (2, 4))),
    ),
)


def identity_rule(c: Context):
    return (Contribution(c.bar),)


# The checks' records (ops/helper_ops.py puts them in HELPER_TABLE): each returns its first
# argument unchanged, or raises.
CHECK_HELPERS: tuple[ArrayPrimitive, ...] = (
    ArrayPrimitive(
        "distinct",
        ("symback.distinct",),
        1,
        identity_rule,
        passthrough=2,
        view=0,
        examples=(_e("distinct(a, 'values')", (3,)), _e("distinct(a, 'values', True)", (3,))),
    ),
    ArrayPrimitive(
        "require",
        ("symback.require",),
        1,
        identity_rule,
        passthrough=2,
        view=0,
        examples=(_e("require(a, True, 'a check')", (3,)),),
    ),
)
