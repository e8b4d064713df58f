"""Every row of the elementwise rules table, checked against central differences.

The cases are generated from `ELEMENTWISE_TABLE` itself (one per row and name), so a row added
to the table is tested without touching this file. For each name a tiny module
`def f(x, y, z): return <call>` is written to a temporary file, differentiated by symback with
respect to the arguments the call uses, and compared with a numerical derivative.
"""

from __future__ import annotations

import builtins
import math
import sys
import warnings
import zlib

import numpy as np
import pytest

import symback
from fuzz.program import load
from symback.ops.elementwise import BOOLEAN, ELEMENTWISE_TABLE, NON_DIFFERENTIABLE, VERSIONED
from tests.helpers import central_difference

PARAMS = ("x", "y", "z")
SHAPE = (5,)
RTOL, ATOL = 1e-6, 1e-8
KINK_GAP = 0.1  # how far samples stay from a kink
CONDITION_THRESHOLD = 0.5  # np.where's condition is written `x > 0.5`
MODULES = {"numpy": np, "math": math, "builtins": builtins}


# -- helpers ------------------------------------------------------------------------------


def call_text(name: str, arity: int, condition: bool) -> tuple[str, str]:
    """(import line, call text) for `name` applied to the first `arity` parameters."""
    module, _, attr = name.partition(".")
    imports = {
        "numpy": "import numpy as np\n",
        "math": "import math\n",
        "builtins": "",
        "scipy": "import numpy as np\nfrom scipy import special\n",
    }[module]
    func = {"numpy": f"np.{attr}", "math": f"math.{attr}", "builtins": attr, "scipy": attr}[module]
    args = list(PARAMS[:arity])
    if condition:
        args[0] = f"{args[0]} > {CONDITION_THRESHOLD}"
    return imports, f"{func}({', '.join(args)})"


def is_condition(domain) -> bool:
    return tuple(domain) == tuple(BOOLEAN)


def sample(row, name: str, arity: int, rng: np.random.Generator) -> list:
    """Arguments drawn from each argument's domain, kept away from the row's kinks."""
    is_array = name.startswith(("numpy.", "scipy."))
    domains = row.domain[:arity]
    n = SHAPE[0] if is_array else 1

    def draw(domain, size):
        if is_condition(domain):  # a float compared with the threshold, kept away from it
            return rng.uniform(0.0, 1.0, size)
        lo, hi = domain
        return rng.uniform(lo, hi, size)

    columns = [draw(d, n) for d in domains]
    for _ in range(10_000):
        bad = np.zeros(n, dtype=bool)
        for d, col in zip(domains, columns):
            if is_condition(d):
                bad |= np.abs(col - CONDITION_THRESHOLD) <= KINK_GAP
        for kink in row.kinks:
            if arity == 1:
                bad |= np.abs(columns[0] - kink) <= KINK_GAP
            else:  # e.g. maximum(x, y) at x == y; clip(x, lo, hi) at x == lo and x == hi
                for other in columns[1:arity]:
                    bad |= np.abs(columns[0] - other - kink) <= KINK_GAP
        if not bad.any():
            break
        for d, col in zip(domains, columns):
            col[bad] = draw(d, int(bad.sum()))
    else:
        raise AssertionError(f"could not sample {name} away from its kinks")
    if is_array:
        return [col.copy() for col in columns]
    return [float(col[0]) for col in columns]


def cases():
    for row in ELEMENTWISE_TABLE:
        for name in row.names:
            yield pytest.param(row, name, id=name)


# -- the table, row by row ----------------------------------------------------------------


@pytest.mark.parametrize("row, name", list(cases()))
def test_rule_matches_central_difference(row, name, tmp_path):
    if name.startswith("scipy."):  # (the user's dependency: tested where installed)
        pytest.importorskip("scipy.special")
    if name in VERSIONED and not _existing(name):
        pytest.skip(f"{name}: {VERSIONED[name]}")
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    condition = is_condition(row.domain[0])
    for arity in row.arities:
        imports, call = call_text(name, arity, condition)
        body = f"np.sum({call})" if name.startswith(("numpy.", "scipy.")) else call
        source = f"{imports}\n\ndef f(x, y, z):\n    return {body}\n"
        f = load(source, "f")
        args = sample(row, name, arity, rng) + [0.0] * (len(PARAMS) - arity)
        wrt = tuple(range(arity))
        g = symback.grad(f, wrt=wrt)
        got = g(*args)
        assert len(got) == arity, f"{name} (arity {arity}): expected {arity} gradients"
        for i in wrt:
            expected = central_difference(f, args, i)
            np.testing.assert_allclose(
                np.asarray(got[i], dtype=float),
                expected,
                rtol=RTOL,
                atol=ATOL,
                err_msg=(
                    f"d/d{PARAMS[i]} of {call} (arity {arity}) at "
                    f"{', '.join(f'{p}={a!r}' for p, a in zip(PARAMS, args))}\n"
                    f"generated:\n{g.source}"
                ),
            )
            assert np.shape(got[i]) == np.shape(args[i]), (
                f"d/d{PARAMS[i]} of {call} has shape {np.shape(got[i])}, "
                f"not the parameter's shape {np.shape(args[i])}"
            )


# -- zero-gradient functions ----------------------------------------------------------------


# Away from integers and half-integers (floor, ceil, round, int) and from zero (sign).
_X_ARRAY = np.array([-2.3, -0.7, 0.4, 1.35, 2.2])
_Y_ARRAY = np.array([-1.6, 0.8, 0.9, -0.4, 2.7])


def _existing(name: str) -> bool:
    module, _, attr = name.partition(".")
    if module == "scipy":  # (checked where SciPy is installed)
        try:
            from scipy import special
        except ModuleNotFoundError:
            return True
        return hasattr(special, attr.partition(".")[2])
    return hasattr(MODULES[module], attr)


@pytest.mark.parametrize("name", sorted(n for n in NON_DIFFERENTIABLE if _existing(n)))
def test_non_differentiable_has_zero_gradient(name, tmp_path):
    """`sum(g(x) * x)` has gradient g(x): nothing flows through g itself."""
    module, _, attr = name.partition(".")
    func = getattr(MODULES[module], attr)
    arity = getattr(func, "nin", 1)  # a ufunc says how many arguments it takes
    imports, call = call_text(name, arity, condition=False)
    is_array = module == "numpy"
    body = f"np.sum({call} * x)" if is_array else f"{call} * x"
    source = f"{imports}\n\ndef f(x, y):\n    return {body}\n"
    f = load(source, "f")
    if is_array:
        args = [_X_ARRAY.copy(), _Y_ARRAY.copy()]
    else:
        args = [float(_X_ARRAY[0]), float(_Y_ARRAY[0])]
    g = symback.grad(f, wrt=(0, 1))
    with warnings.catch_warnings():
        if "deprecated" in VERSIONED.get(name, ""):  # (the user's call warns: f's and g's alike)
            warnings.simplefilter("ignore", DeprecationWarning)
        d_x, d_y = g(*args)
        expected_x = np.asarray(func(*args[:arity]), dtype=float)
    np.testing.assert_allclose(
        np.asarray(d_x, dtype=float), expected_x, rtol=0, atol=0, err_msg=f"{g.source}"
    )
    np.testing.assert_array_equal(np.asarray(d_y, dtype=float), np.zeros(np.shape(args[1])))
    assert np.shape(d_x) == np.shape(args[0]) and np.shape(d_y) == np.shape(args[1])


# -- what the project promised ------------------------------------------------------------

PROMISED_DIFFERENTIABLE = (
    "exp", "expm1", "exp2", "log", "log1p", "log2", "log10", "sqrt", "cbrt", "square",
    "reciprocal", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
    "arcsinh", "arccosh", "arctanh", "arctan2", "hypot", "abs", "maximum", "minimum", "power",
    "logaddexp", "where", "clip",
)  # fmt: skip
PROMISED_NON_DIFFERENTIABLE = ("floor", "ceil", "round", "sign")


def test_table_covers_promised_functions():
    names = {name for row in ELEMENTWISE_TABLE for name in row.names}
    missing = [f"numpy.{n}" for n in PROMISED_DIFFERENTIABLE if f"numpy.{n}" not in names]
    if "math.erf" not in names:
        missing.append("math.erf")
    missing += [
        f"numpy.{n}" for n in PROMISED_NON_DIFFERENTIABLE if f"numpy.{n}" not in NON_DIFFERENTIABLE
    ]
    assert not missing, f"promised but not in the rules table: {missing}"
    overlap = names & NON_DIFFERENTIABLE
    assert not overlap, f"both differentiable and non-differentiable: {sorted(overlap)}"


def test_every_table_name_exists():
    """A name that is not a real function could never be matched by the resolver."""
    names = {name for row in ELEMENTWISE_TABLE for name in row.names} | NON_DIFFERENTIABLE
    missing = sorted(n for n in names if not _existing(n) and n not in VERSIONED)
    assert not missing, f"the rules name functions that do not exist: {missing}"
    from symback.ops.arrays import KNOWN_FUNCTIONS

    unknown = set(VERSIONED) - names - set(KNOWN_FUNCTIONS)
    assert not unknown, f"VERSIONED names functions the rules do not have: {unknown}"


def test_versioned_names_exist_where_promised():
    """math.cbrt from Python 3.11 (what VERSIONED says, so docs/supported.md says it)."""
    assert VERSIONED["math.cbrt"] == "Python 3.11 and later"
    assert _existing("math.cbrt") == (sys.version_info >= (3, 11))


def test_deprecated_numpy_function_warns_only_where_the_user_calls_it(monkeypatch):
    """NumPy 2.5's numpy.fix warns at every call (emulated here on any NumPy): symback adds no
    warning of its own while generating, and its gradient calls it once a call, as f does."""
    from symback.frontend import resolve

    def fix(x, out=None):  # NumPy 2.5's, as numpy/lib/_ufunclike_impl.py has it
        warnings.warn("numpy.fix is deprecated. Use numpy.trunc", DeprecationWarning, stacklevel=2)
        return np.trunc(x, out=out)

    fix.__module__ = "numpy"
    monkeypatch.setattr(np, "fix", fix)
    resolve._known_in.cache_clear()  # (the rules find functions by identity)
    try:
        f = load("import numpy as np\n\ndef f(x):\n    return np.sum(np.fix(x) * x * x)\n", "f")
        x = np.array([1.5, -2.5, 3.25])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            g = symback.grad(f)
            assert [str(w.message) for w in caught] == []
            g(x)  # (the first call specialises: its probe is quiet in a one-thread program only)
            caught.clear()
            got = g(x)
        assert [str(w.message) for w in caught] == ["numpy.fix is deprecated. Use numpy.trunc"]
        np.testing.assert_array_equal(got, 2 * np.trunc(x) * x)
    finally:
        monkeypatch.undo()
        resolve._known_in.cache_clear()


# -- edge of the power rule ---------------------------------------------------------------

_POWER_FORMS = {
    "x ** y": ("", "x ** y", False),
    "numpy.power": ("import numpy as np\n", "np.sum(np.power(x, y))", True),
    "numpy.float_power": ("import numpy as np\n", "np.sum(np.float_power(x, y))", True),
    "math.pow": ("import math\n", "math.pow(x, y)", False),
    "builtins.pow": ("", "pow(x, y)", False),
}


@pytest.mark.parametrize("form", sorted(_POWER_FORMS))
def test_power_with_zero_base(form, tmp_path):
    """x**y at x = 0 with y > 1: d/dx = y * x**(y - 1) = 0 and d/dy = 0 (0**y is 0 for all y > 0).

    Outside the table's sampling domain (bases from 0.2), but `x ** y` meets zero bases in
    ordinary code (norms, polynomials); the gradient must be finite there.
    """
    imports, body, is_array = _POWER_FORMS[form]
    f = load(f"{imports}\n\ndef f(x, y):\n    return {body}\n", "f")
    if is_array:
        x, y = np.array([0.0, 0.5, 2.0]), np.array([2.0, 3.0, 2.5])
    else:
        x, y = 0.0, 2.0
    g = symback.grad(f, wrt=(0, 1))
    with np.errstate(all="ignore"):
        d_x, d_y = g(x, y)
        expected_x = y * np.power(x, y - 1)
        expected_y = np.where(np.asarray(x) == 0, 0.0, np.power(x, y) * np.log(x))
    np.testing.assert_allclose(np.asarray(d_x, dtype=float), expected_x, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(np.asarray(d_y, dtype=float), expected_y, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("func", ["np.power", "np.float_power"])
@pytest.mark.parametrize("as_array", [False, True])
def test_power_of_a_negative_base_is_real(func, as_array, tmp_path):
    """np.power(-2.0, 0.5) is nan (not complex, as `(-2.0) ** 0.5` is in Python): both
    derivatives are real numbers too, nan where the function is, for floats and arrays."""
    body = f"np.sum({func}(x, p))" if as_array else f"{func}(x, p)"
    f = load(f"import numpy as np\n\n\ndef f(x, p):\n    return {body}\n", "f")
    x, p = (np.array([-2.0, 3.0]), np.array([0.5, 1.5])) if as_array else (-2.0, 0.5)
    with np.errstate(all="ignore"):
        d_x, d_p = symback.grad(f, wrt=(0, 1))(x, p)
        value = np.power(x, p)
    for d in (d_x, d_p):
        assert np.isrealobj(d), f"a complex gradient: {d!r}"
        np.testing.assert_array_equal(np.isnan(d), np.isnan(value))
    if as_array:  # where the function is defined, the closed forms
        np.testing.assert_allclose(d_x[1], 1.5 * 3.0**0.5)
        np.testing.assert_allclose(d_p[1], 3.0**1.5 * np.log(3.0))


# -- every array record, by its examples: first and second derivatives --------------------

from symback.backend.helpers import HELPERS  # noqa: E402
from symback.ops.arrays import HELPER_TABLE, PRIMITIVE_TABLE  # noqa: E402

_ARRAY_PARAMS = ("a", "b", "c")


def _example_cases():
    for row in PRIMITIVE_TABLE + HELPER_TABLE:
        for k, example in enumerate(row.examples):
            yield pytest.param(row, example, id=f"{row.op}-{k}")


def _helper_functions(module) -> None:
    """Put symback's helpers in a test module, marked as the generated modules mark them."""
    names = {name: name for name in HELPERS} | {"np": "np"}
    namespace = vars(module)
    for name, helper in HELPERS.items():
        exec(helper.printed(names), namespace)
        namespace[name].__symback_helper__ = name


def _example_function(example, name="f"):
    """def f(a, b): return np.sum(np.cos(<call>)), the call's every element weighed in."""
    params = ", ".join(_ARRAY_PARAMS[: len(example.shapes)])
    scipy = ""
    if "special." in example.call:  # scipy.special's records (where SciPy is installed)
        pytest.importorskip("scipy.special")
        scipy = "from scipy import special\n"
    source = (
        f"import numpy as np\n{scipy}\n\ndef {name}({params}):\n"
        f"    return np.sum(np.cos({example.call}))\n"
    )
    f = load(source, name)
    _helper_functions(sys.modules[f.__module__])
    return f


def _example_arguments(example, rng):
    lo, hi = example.domain
    return [rng.uniform(lo, hi, shape) for shape in example.shapes]


@pytest.mark.parametrize("row, example", list(_example_cases()))
def test_array_record_first_derivatives(row, example, tmp_path):
    f = _example_function(example)
    args = _example_arguments(example, np.random.default_rng(zlib.crc32(example.call.encode())))
    wrt = tuple(i for i in range(len(args)) if i not in example.refused)
    got = symback.grad(f, wrt=wrt)(*args)
    for i, g in zip(wrt, got):
        expected = central_difference(f, args, i)
        np.testing.assert_allclose(
            g,
            expected,
            rtol=1e-6,
            atol=1e-7 * max(1.0, np.abs(expected).max()),  # (f sums many terms: rounding)
            err_msg=f"d/d{_ARRAY_PARAMS[i]} of {example.call} ({row.op})",
        )
        assert np.shape(g) == np.shape(args[i])
    for i in example.refused:
        with pytest.raises(symback.SymbackError, match="cannot yet differentiate"):
            symback.grad(f, wrt=i)(*args)


@pytest.mark.parametrize("row, example", list(_example_cases()))
def test_array_record_second_derivatives(row, example, tmp_path):
    """The gradient of <grad f, v> with respect to every argument (all blocks of the Hessian,
    through the helpers' own records), against central differences of that sum."""
    f = _example_function(example)
    rng = np.random.default_rng(zlib.crc32(example.call.encode()) + 1)
    args = _example_arguments(example, rng)
    params = ", ".join(_ARRAY_PARAMS[: len(args)])
    wrt = [i for i in range(len(args)) if i not in example.refused]
    vs = [rng.uniform(-1.0, 1.0, np.shape(args[i])) for i in wrt]
    directions = ", ".join(f"v{i}" for i in wrt)
    total = " + ".join(f"np.sum(g{i} * v{i})" for i in wrt)
    source = (
        f"import numpy as np\n\n\ndef second({params}, {directions}):\n"
        f"    {''.join(f'g{i}, ' for i in wrt)}= first({params})\n"
        f"    return {total}\n"
    )

    def second_gradient():
        first = symback.grad(f, wrt=tuple(wrt))
        second = load(source, "second")
        vars(sys.modules[second.__module__])["first"] = first.function
        return second, symback.grad(second, wrt=tuple(range(len(args))))(*args, *vs)

    if example.first_order_only:
        with pytest.raises(symback.SymbackError, match="cannot yet differentiate"):
            second_gradient()
        return
    second, got = second_gradient()
    for i in range(len(args)):
        expected = central_difference(second, args + vs, i)
        np.testing.assert_allclose(
            got[i],
            expected,
            rtol=1e-5,
            atol=1e-7 * max(1.0, np.abs(expected).max()),
            err_msg=f"second derivative d/d{_ARRAY_PARAMS[i]} of {example.call} ({row.op})",
        )


def test_every_helper_has_its_code_and_its_record():
    """A helper a rule calls is emitted from backend/helper_code.py and differentiated again
    by its record: both exist (the records' own check, validate(), covers the second)."""
    called = {h for row in PRIMITIVE_TABLE + HELPER_TABLE for h in row.helpers}
    recorded = {n.partition(".")[2] for row in HELPER_TABLE for n in row.names}
    assert called - set(HELPERS) == set()
    assert recorded - set(HELPERS) == set()
