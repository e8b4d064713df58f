"""The array problems timed by `bench_arrays.py`: forward functions and hand-written gradients.

Each forward function is an ordinary module-level function (symback reads its source), written
the way a NumPy user would write it. Next to each is a careful hand-written NumPy gradient: the
reverse sweep done by hand, reusing forward values, working in place where that saves a pass
over memory, and letting BLAS do the contractions. The hand-written gradient returns the same
structure as `symback.grad(f, wrt=...)`: a tuple with one array (or float) per `wrt` entry.

The 20-step recurrence is written unrolled, as symback has no loops yet: `rnn_forward(steps)`
writes a module with `steps` explicit statements `h = np.tanh(W @ h + x[k])` to a temporary
file and imports it, so the function has real source.

The scalar formula comes twice: `formula` with `math` functions (the one the target is about)
and `formula_np`, the same formula written with `np.` functions on Python floats. Both are
compared with the hand-written `math` gradient `formula_grad`.

`make_problems(quick)` returns the list of `Problem`s (one per problem and size) with seeded
data. Nothing here imports symback or any peer library.
"""

from __future__ import annotations

import importlib.util
import math
import os
import sys
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

# -- Rosenbrock ------------------------------------------------------------------------------


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosenbrock_grad(x):
    """d/dx of the Rosenbrock sum: t = 200 (x[1:] - x[:-1]^2) flows to x[1:] and, times
    -2 x[:-1], to x[:-1], which also gets 2 (x[:-1] - 1) from the (1 - x)^2 term."""
    xm = x[:-1]
    t = xm * xm
    np.subtract(x[1:], t, out=t)
    t *= 200.0
    g = np.empty_like(x)
    g[0] = 0.0
    g[1:] = t
    t *= xm  # x[:-1] * t
    np.subtract(xm, t, out=t)  # x[:-1] - x[:-1] t
    t -= 1.0
    t *= 2.0  # 2 (x[:-1] - 1 - x[:-1] t)
    g[:-1] += t
    return (g,)


# -- L2-regularised logistic regression ------------------------------------------------------


def logreg(w, X, y, lam):
    z = X @ w
    return np.mean(np.logaddexp(0.0, -y * z)) + 0.5 * lam * np.sum(w * w)


def logreg_grad(w, X, y, lam):
    """Labels y are +-1. d/dz log(1 + exp(-y z)) = -y / (1 + exp(y z))."""
    m = X @ w
    m *= y
    np.exp(m, out=m)
    m += 1.0
    p = np.divide(y, m, out=m)
    p *= -1.0 / y.shape[0]
    g = p @ X  # X.T @ p
    g += lam * w
    return (g,)


# -- 2-layer tanh MLP, squared error ---------------------------------------------------------


def mlp(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    out = h @ W2 + b2
    return np.mean((out - Y) ** 2)


def mlp_tree(params, X, Y):
    """The same MLP, its parameters in one dict (the usual shape of machine-learning code)."""
    h = np.tanh(X @ params["W1"] + params["b1"])
    out = h @ params["W2"] + params["b2"]
    return np.mean((out - Y) ** 2)


def tree_twin(grad_of_tree, args):
    """`grad_of_tree` (symback's gradient of mlp_tree) called as the flat gradients are:
    the dict is made once from the same arrays, outside the timing, and the gradient's dict
    read back as a tuple."""
    params = dict(zip(("W1", "b1", "W2", "b2"), args[:4]))

    def gradient(W1, b1, W2, b2, X, Y):
        return tuple(grad_of_tree(params, X, Y).values())

    return gradient


def mlp_grad(W1, b1, W2, b2, X, Y):
    h = X @ W1
    h += b1
    np.tanh(h, out=h)
    d = h @ W2
    d += b2
    d -= Y
    d *= 2.0 / d.size  # d loss / d out
    gW2 = h.T @ d
    gb2 = d.sum(axis=0)
    dh = d @ W2.T
    h *= h
    np.subtract(1.0, h, out=h)
    dh *= h  # d loss / d (X @ W1 + b1)
    gW1 = X.T @ dh
    gb1 = dh.sum(axis=0)
    return gW1, gb1, gW2, gb2


# -- softmax cross-entropy -------------------------------------------------------------------


def softmax_xent(Z, Y):
    m = np.max(Z, axis=1, keepdims=True)
    s = Z - m
    lse = np.log(np.sum(np.exp(s), axis=1, keepdims=True))
    return -np.sum(Y * (s - lse)) / Z.shape[0]


def softmax_xent_grad(Z, Y):
    """(softmax(Z) * rowsum(Y) - Y) / n: right for every Y the function accepts (soft labels,
    label smoothing), as symback's gradient must be. The max shift cancels."""
    p = Z - Z.max(axis=1, keepdims=True)
    np.exp(p, out=p)
    p *= Y.sum(axis=1, keepdims=True) / p.sum(axis=1, keepdims=True)
    p -= Y
    p *= 1.0 / Z.shape[0]
    return (p,)


def softmax_xent_grad_one_hot(Z, Y):
    """(softmax(Z) - Y) / n: right only when each row of Y sums to 1 (one-hot labels), which
    a person who knows the data may assume and symback cannot. Timed as an extra."""
    p = Z - Z.max(axis=1, keepdims=True)
    np.exp(p, out=p)
    p *= 1.0 / p.sum(axis=1, keepdims=True)
    p -= Y
    p *= 1.0 / Z.shape[0]
    return (p,)


# -- a 40-operation formula of six floats ----------------------------------------------------
# Operations counted per line: unary minus, + - * / ** and each function call count one.


def formula(a, b, c, d, e, f):
    t1 = a * b + c  # 2
    t2 = math.sin(t1) * d  # 2
    t3 = math.exp(-e * e)  # 3
    t4 = t2 + t3 / (1.0 + f * f)  # 4
    t5 = math.sqrt(1.0 + t4 * t4)  # 3
    t6 = math.log(1.0 + t5) * a  # 3
    t7 = math.tanh(b - c * t6)  # 3
    t8 = t7 * t7 + math.cos(d * e)  # 4
    t9 = t8 / (2.0 + math.sin(f))  # 3
    t10 = t9 * t5 - 0.5 * t1  # 3
    t11 = math.atan(t10) + t3 * t8 * t6  # 4
    return t11 * c - math.log1p(t9 * t9) + e * f  # 6: 40 in all


def formula_np(a, b, c, d, e, f):
    t1 = a * b + c
    t2 = np.sin(t1) * d
    t3 = np.exp(-e * e)
    t4 = t2 + t3 / (1.0 + f * f)
    t5 = np.sqrt(1.0 + t4 * t4)
    t6 = np.log(1.0 + t5) * a
    t7 = np.tanh(b - c * t6)
    t8 = t7 * t7 + np.cos(d * e)
    t9 = t8 / (2.0 + np.sin(f))
    t10 = t9 * t5 - 0.5 * t1
    t11 = np.arctan(t10) + t3 * t8 * t6
    return t11 * c - np.log1p(t9 * t9) + e * f


def formula_grad(a, b, c, d, e, f):
    """The reverse sweep by hand, in `math` and Python floats."""
    t1 = a * b + c
    s1 = math.sin(t1)
    t2 = s1 * d
    t3 = math.exp(-e * e)
    r = 1.0 + f * f
    t4 = t2 + t3 / r
    t5 = math.sqrt(1.0 + t4 * t4)
    lg = math.log(1.0 + t5)
    t6 = lg * a
    t7 = math.tanh(b - c * t6)
    de = d * e
    t8 = t7 * t7 + math.cos(de)
    q = 2.0 + math.sin(f)
    t9 = t8 / q
    t10 = t9 * t5 - 0.5 * t1
    t38 = t3 * t8
    t11 = math.atan(t10) + t38 * t6
    # reverse
    g11 = c
    gc = t11
    g9 = -2.0 * t9 / (1.0 + t9 * t9)
    ge = f
    gf = e
    g10 = g11 / (1.0 + t10 * t10)
    g36 = g11 * t6
    g3 = g36 * t8
    g8 = g36 * t3
    g6 = g11 * t38
    g9 += g10 * t5
    g5 = g10 * t9
    g1 = -0.5 * g10
    g8 += g9 / q
    gf -= g9 * t9 / q * math.cos(f)
    g7 = 2.0 * t7 * g8
    sde = g8 * math.sin(de)
    gd = -sde * e
    ge -= sde * d
    gu = g7 * (1.0 - t7 * t7)
    gb = gu
    gc -= gu * t6
    g6 -= gu * c
    g5 += g6 * a / (1.0 + t5)
    ga = g6 * lg
    g4 = g5 * t4 / t5
    g3 += g4 / r
    gf -= 2.0 * f * g4 * t3 / (r * r)
    ge -= 2.0 * e * g3 * t3
    g1 += g4 * d * math.cos(t1)
    gd += g4 * s1
    ga += g1 * b
    gb += g1 * a
    gc += g1
    return ga, gb, gc, gd, ge, gf


# -- the unrolled tanh recurrence ------------------------------------------------------------

_rnn_modules: dict[int, object] = {}


def rnn_source(steps: int = 20) -> str:
    """A module defining `rnn(W, h, x)`: `steps` steps of `h = tanh(W @ h + x[k])`, unrolled,
    and the loss `sum(h ** 2)` of the last state."""
    lines = [
        '"""Generated by benchmarks/problems.py: an unrolled tanh recurrence."""',
        "import numpy as np",
        "",
        "",
        "def rnn(W, h, x):",
    ]
    lines += [f"    h = np.tanh(W @ h + x[{k}])" for k in range(steps)]
    lines += ["    return np.sum(h ** 2)", ""]
    return "\n".join(lines)


def rnn_forward(steps: int = 20):
    """Write the unrolled recurrence to a temporary .py file, import it, return `rnn`."""
    mod = _rnn_modules.get(steps)
    if mod is None:
        folder = tempfile.mkdtemp(prefix="symback_bench_")
        name = f"bench_rnn_{steps}"
        path = os.path.join(folder, name + ".py")
        with open(path, "w") as fh:
            fh.write(rnn_source(steps))
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        _rnn_modules[steps] = mod
    return mod.rnn


def rnn_grad(W, h, x):
    """Backpropagation through time, with the steps' pre-activation gradients stacked so
    that d/dW is one matrix product."""
    steps, n = x.shape
    H = np.empty((steps + 1, n))
    H[0] = h
    for k in range(steps):
        hk = H[k + 1]
        np.matmul(W, H[k], out=hk)
        hk += x[k]
        np.tanh(hk, out=hk)
    dh = 2.0 * H[steps]
    DZ = np.empty((steps, n))
    tmp = np.empty(n)
    for k in range(steps - 1, -1, -1):
        hk = H[k + 1]
        np.multiply(hk, hk, out=tmp)
        np.subtract(1.0, tmp, out=tmp)
        dz = np.multiply(dh, tmp, out=DZ[k])
        dh = dz @ W  # W.T @ dz
    gW = DZ.T @ H[:steps]
    return gW, dh, DZ


# -- the problem list ------------------------------------------------------------------------


@dataclass
class Problem:
    name: str
    size: str
    forward: Callable
    hand: Callable
    args: tuple
    wrt: tuple
    largest: bool = False  # skipped by --quick
    scalar: bool = False  # Python floats in, floats out
    extra: dict = field(default_factory=dict)  # other gradients to compare, e.g. scipy


def _rng(tag: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(tag.encode()))


def rosenbrock_problem(n: int, largest: bool = False) -> Problem:
    rng = _rng(f"rosen{n}")
    x = rng.uniform(-1.5, 1.5, size=n)
    extra = {}
    try:
        from scipy.optimize import rosen_der

        extra["scipy.rosen_der"] = lambda x: (rosen_der(x),)
    except ImportError:  # pragma: no cover - scipy is a test dependency
        pass
    return Problem(
        "rosenbrock",
        f"n={n:.0e}" if n >= 1000 else f"n={n}",
        rosenbrock,
        rosenbrock_grad,
        (x,),
        (0,),
        largest=largest,
        extra=extra,
    )


def logreg_problem(n: int, d: int, largest: bool = False) -> Problem:
    rng = _rng(f"logreg{n}x{d}")
    X = rng.standard_normal((n, d)) / np.sqrt(d)
    w_true = rng.standard_normal(d)
    y = np.where(X @ w_true + 0.5 * rng.standard_normal(n) > 0, 1.0, -1.0)
    w = rng.standard_normal(d)
    return Problem("logreg", f"{n}x{d}", logreg, logreg_grad, (w, X, y, 0.1), (0,), largest=largest)


def mlp_problem(batch: int, sizes=(784, 128, 10), largest: bool = False) -> Problem:
    n_in, n_hid, n_out = sizes
    rng = _rng(f"mlp{batch}")
    W1 = rng.standard_normal((n_in, n_hid)) / np.sqrt(n_in)
    b1 = 0.1 * rng.standard_normal(n_hid)
    W2 = rng.standard_normal((n_hid, n_out)) / np.sqrt(n_hid)
    b2 = 0.1 * rng.standard_normal(n_out)
    X = rng.uniform(0.0, 1.0, size=(batch, n_in))
    Y = np.eye(n_out)[rng.integers(0, n_out, size=batch)]
    return Problem(
        "mlp",
        f"batch {batch}",
        mlp,
        mlp_grad,
        (W1, b1, W2, b2, X, Y),
        (0, 1, 2, 3),
        largest=largest,
    )


def softmax_problem(n: int, k: int) -> Problem:
    rng = _rng(f"softmax{n}x{k}")
    Z = 3.0 * rng.standard_normal((n, k))
    Y = np.eye(k)[rng.integers(0, k, size=n)]
    extra = {"hand, one-hot Y only": softmax_xent_grad_one_hot}
    args = (Z, Y)
    return Problem(
        "softmax_xent", f"{n}x{k}", softmax_xent, softmax_xent_grad, args, (0,), extra=extra
    )


def formula_problem(numpy_version: bool = False) -> Problem:
    args = (0.7, -0.3, 1.1, 0.4, -0.8, 0.25)
    return Problem(
        "formula_np" if numpy_version else "formula",
        "6 floats",
        formula_np if numpy_version else formula,
        formula_grad,
        args,
        (0, 1, 2, 3, 4, 5),
        scalar=True,
    )


def rnn_problem(n: int, steps: int = 20, largest: bool = False) -> Problem:
    rng = _rng(f"rnn{n}")
    W = rng.standard_normal((n, n)) * (1.0 / np.sqrt(n))
    h = rng.uniform(-1.0, 1.0, size=n)
    x = 0.5 * rng.standard_normal((steps, n))
    return Problem(
        "rnn",
        f"{steps} steps, n={n}",
        rnn_forward(steps),
        rnn_grad,
        (W, h, x),
        (0, 1, 2),
        largest=largest,
    )


PROBLEM_NAMES = (
    "rosenbrock",
    "logreg",
    "mlp",
    "softmax_xent",
    "formula",
    "formula_np",
    "rnn",
)


def make_problems(quick: bool = False, names=PROBLEM_NAMES) -> list[Problem]:
    makers = {
        "rosenbrock": lambda: [
            rosenbrock_problem(10),
            rosenbrock_problem(1000),
            rosenbrock_problem(10**6, largest=True),
        ],
        "logreg": lambda: [
            logreg_problem(1000, 100),
            logreg_problem(100000, 100, largest=True),
        ],
        "mlp": lambda: [mlp_problem(64), mlp_problem(1024, largest=True)],
        "softmax_xent": lambda: [softmax_problem(1000, 100)],
        "formula": lambda: [formula_problem()],
        "formula_np": lambda: [formula_problem(numpy_version=True)],
        "rnn": lambda: [rnn_problem(100), rnn_problem(1000, largest=True)],
    }
    out = []
    for name in names:
        out += [p for p in makers[name]() if not (quick and p.largest)]
    return out
