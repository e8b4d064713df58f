"""symback.check: planted mistakes are named, right gradients pass, references are handled with care."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import symback
from symback.errors import WrtError
from symback.gradcheck.api import check
from symback.gradcheck.diagnose import describe_factor
from symback.gradcheck.formula import fit, formulas
from symback.testing import assert_grad_close

from .check_cases import CASES, A, M, T, W, X, mse, mse_grad, mse_grad_sum, ridge


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_planted_case(case):
    report = check(case.f, case.grad_f, *case.args, wrt=case.wrt, **case.kwargs)
    text = str(report)
    assert report.verdict == case.verdict, text
    assert bool(report) == (case.verdict == "correct")
    kinds = [f.kind for f in report.findings]
    if case.kind is not None:
        assert case.kind in kinds, text
    if case.verdict == "correct":
        assert not report.findings and "is correct" in text
    if case.term is not None:
        assert case.term in [f.term for f in report.findings], text
        assert case.term in text
    if case.says is not None:
        assert case.says in text, text
    json.dumps(report.to_dict(), allow_nan=False)  # strict JSON, always


def test_report_says_where_worst_first():
    w = np.array([0.3, 0.7, -0.2, 0.1])
    report = check(mse, mse_grad_sum, w, 0.1, X, T, wrt=("w", "b"))
    pw, pb = report.parameters
    assert (pw.status, pw.wrong, pw.total) == ("all wrong", 4, 4)
    errors = [e.abs_error for e in pw.elements]
    assert errors == sorted(errors, reverse=True)
    worst = pw.elements[0]
    assert worst.got == pytest.approx(4 * worst.expected)
    assert worst.rel_error == pytest.approx(3.0)
    assert pb.status == "all wrong" and pb.shape == ()


def test_some_wrong_elements():
    def g(w, b, x, t):
        dw, db = mse_grad(w, b, x, t)
        dw = dw.copy()
        dw[2] += 1.0
        return dw, db

    report = check(mse, g, W, 0.1, X, T, wrt=("w", "b"))
    pw, pb = report.parameters
    assert pw.status == "some wrong" and pw.wrong == 1 and pw.elements[0].index == (2,)
    assert pb.status == "all right"
    assert "w[2]" in str(report)


def test_formula_and_code_shown_when_wrong():
    report = check(mse, mse_grad_sum, W, 0.1, X, T, wrt="w")
    assert report.formulas == {"w": "2*x*(b - t + w*x)/N"}
    assert report.sizes == {"N": "size((b - t + w*x)**2)"}
    assert "def grad_mse(w, b, x, t):" in report.code
    namespace = {}
    exec(report.code, namespace)  # noqa: S102 - the code can be pasted and run
    np.testing.assert_allclose(namespace["grad_mse"](W, 0.1, X, T), mse_grad(W, 0.1, X, T)[0])


def test_wrt_by_index_and_single_gradient():
    report = check(mse, lambda w, b, x, t: mse_grad(w, b, x, t)[1], W, 0.1, X, T, wrt=1)
    assert report and report.wrt == ("b",)


def test_bad_wrt_is_a_symback_error():
    with pytest.raises(WrtError, match="names no parameter"):
        check(mse, mse_grad, W, 0.1, X, T, wrt="q")


def test_inputs_are_never_modified():
    w, x, t = W.copy(), X.copy(), T.copy()

    def rude_grad(w, b, x, t):  # scribbles on its inputs after computing
        result = mse_grad(w, b, x, t)
        w += 100.0
        x *= -1
        return result

    report = check(mse, rude_grad, w, 0.1, x, t, wrt=("w", "b"))
    assert report, str(report)
    np.testing.assert_array_equal(w, W)
    np.testing.assert_array_equal(x, X)
    np.testing.assert_array_equal(t, T)


def test_seeded_and_reproducible():
    one = check(ridge, lambda w, x, t, lam: 0 * w, W, X, T, 0.3, seed=7)
    two = check(ridge, lambda w, x, t, lam: 0 * w, W, X, T, 0.3, seed=7)
    assert one.to_dict() == two.to_dict() and one.seed == 7
    fresh = check(mse, mse_grad, W, 0.1, X, T, wrt=("w", "b"), seed=None)
    assert isinstance(fresh.seed, int)


def test_float32_inputs_references_in_float64():
    args = (
        W.astype(np.float32),
        np.float32(0.1),
        X.astype(np.float32),
        T.astype(np.float32),
    )
    report = check(mse, mse_grad, *args, wrt=("w", "b"))
    assert report, str(report)
    assert report.references.agree  # evaluated in float64: exact and numerical agree
    bad = check(mse, lambda *a: tuple(1.01 * g for g in mse_grad(*a)), *args, wrt=("w", "b"))
    assert bad.verdict == "wrong"  # a 1% error is still caught at float32 tolerance


def test_nan_reference_is_said_and_skipped():
    def f(w):
        return np.sum(np.sqrt(w))

    def g(w):
        return 0.5 / np.sqrt(w)

    report = check(f, g, np.array([0.0, 1.0, 4.0]))
    assert report.verdict == "correct", str(report)
    assert report.parameters[0].undefined == ((0,),)
    assert "the reference is NaN or infinite at w[0]" in str(report)


def test_function_that_raises_or_returns_an_array_is_an_error():
    def bad(w):
        raise ValueError("nope")

    def vector(w):
        return w * 2

    report = check(bad, lambda w: w, W)
    assert report.verdict == "error" and "bad raised ValueError: nope" in str(report)
    report = check(vector, lambda w: w, W)
    assert report.verdict == "error" and "only a scalar" in str(report)


def test_gradient_that_raises_or_returns_too_few_values_is_wrong():
    def boom(w, b, x, t):
        raise ZeroDivisionError("oops")

    report = check(mse, boom, W, 0.1, X, T, wrt=("w", "b"))
    assert report.verdict == "wrong" and "raised ZeroDivisionError: oops" in str(report)
    report = check(mse, lambda w, b, x, t: mse_grad(w, b, x, t)[0], W, 0.1, X, T, wrt=("w", "b"))
    assert report.verdict == "wrong" and "wrt names 2" in str(report)


def test_decorated_function_is_unwrapped():
    report = check(symback.grad(mse, wrt="w"), lambda *a: mse_grad(*a)[0], W, 0.1, X, T)
    assert report and report.function == "mse"


def test_symback_unsupported_falls_back_to_numerical():
    def f(w):
        return 0.5 * np.convolve(w, w)[1]

    report = check(f, lambda w: np.array([w[1], w[0]]), np.array([2.0, 3.0]))
    assert report and not report.references.exact
    assert "no derivative rule for `np.convolve`" in report.references.exact_unavailable
    assert report.code is None and report.formulas == {}


def test_references_disagree_never_blames_the_user():
    def f(x):
        return x * np.floor(x)

    report = check(f, lambda x: 123.0, 2.0)  # wrong, but the references disagree here
    assert report.verdict == "inconclusive" and not report.findings
    assert not report.references.agree
    assert "WRONG" not in str(report)


def test_assert_grad_close():
    assert assert_grad_close(mse, mse_grad, W, 0.1, X, T, wrt=("w", "b"))
    with pytest.raises(AssertionError) as info:
        assert_grad_close(mse, mse_grad_sum, W, 0.1, X, T, wrt=("w", "b"))
    assert "missing 1/N: mean vs sum?" in str(info.value)
    assert "w (shape (4,)): all wrong" in str(info.value)


def test_pytest_plugin_seed_option_and_fixture(tmp_path):
    (tmp_path / "test_user.py").write_text(textwrap.dedent("""
            import numpy as np
            from symback import testing
            from symback.testing import assert_grad_close

            def f(w):
                return np.sum(w ** 2)

            def test_seed(symback_seed):
                assert symback_seed == 5 == testing.DEFAULT_SEED
                report = assert_grad_close(f, lambda w: 2 * w, np.array([1.0, 2.0]))
                assert report.seed == 5

            def test_wrong():
                assert_grad_close(f, lambda w: w, np.array([1.0, 2.0]))
            """))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--symback-seed=5",  # the plugin is loaded by its pytest11 entry point
            "-p",
            "no:cacheprovider",
            str(tmp_path / "test_user.py"),
        ],
        check=False,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert "1 failed, 1 passed" in run.stdout, run.stdout + run.stderr
    assert "symback seed: 5" in run.stdout
    assert "factor 2 from the square" in run.stdout


def test_describe_factor_names():
    sizes = {4: "the size of x"}
    assert describe_factor(4.0, sizes)[2].startswith("missing 1/N: mean vs sum? (here N is 4")
    assert "extra 1/N" in describe_factor(0.25, sizes)[2]
    assert "2 was dropped" in describe_factor(0.5, sizes)[2]
    assert describe_factor(-1.0, sizes)[0] == "sign"
    assert describe_factor(-2.0, sizes)[1] == "minus 2 times"
    assert describe_factor(1.5, {})[1:] == ("3/2 times", "")


def test_formula_terms_and_fit():
    forms = formulas(ridge, ("w",))
    assert forms.gradient_text("w") == "2*lam*w + 2*x*(-t + w*x)/N"
    texts = [t.text for t in forms.terms["w"]]
    assert texts[0] == "2*lam*w"
    point = {"w": W, "x": X, "t": T, "lam": 0.3}
    np.testing.assert_allclose(forms.terms["w"][0].values(point, (4,)), 0.6 * W)
    assert formulas(lambda w: np.sum(np.floor(w) * w), ("w",)) is None  # opaque: no formula
    np.testing.assert_array_equal(fit(np.ones((2, 3)), (3,)), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(fit(np.ones((2, 3)), (2, 1)), [[3.0], [3.0]])
    np.testing.assert_array_equal(fit(np.array(2.0), (2,)), [2.0, 2.0])
    assert fit(np.arange(3.0), ()) == 3.0


def test_matrix_report_mentions_transpose_fix():
    report = check(
        lambda m, a: np.sum(np.tanh(m) * a),
        lambda m, a: ((1 - np.tanh(m) ** 2) * a).T,
        M,
        A,
    )
    assert report.parameters[0].status == "wrong shape"
    assert report.parameters[0].got_shape == (3, 2)
    assert "return its .T" in str(report)


def _product_sum(x, y):
    return np.sum(x * y) + x[0] ** 2


def test_wrt_as_a_one_element_tuple_takes_the_gradient_in_a_tuple_or_bare():
    x, y = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    right = lambda x, y: (y + np.array([2.0 * x[0], 0.0]),)  # noqa: E731 - closed form
    wrong = lambda x, y: (y,)  # noqa: E731 - misses the x[0]**2 term
    for wrt in (("x",), (0,)):
        assert symback.check(_product_sum, right, x, y, wrt=wrt).verdict == "correct"
        assert symback.check(_product_sum, wrong, x, y, wrt=wrt).verdict == "wrong"
    scalar = symback.check(lambda_free_product, lambda a, b: (b,), 2.0, 3.0, wrt=("a",))
    assert scalar.verdict == "correct", str(scalar)
    # the one gradient returned bare: as clear as in a tuple (an array is not a tuple of two)
    bare_right = lambda x, y: right(x, y)[0]  # noqa: E731
    bare_wrong = lambda x, y: wrong(x, y)[0]  # noqa: E731
    assert symback.check(_product_sum, bare_right, x, y, wrt=("x",)).verdict == "correct"
    assert symback.check(_product_sum, bare_wrong, x, y, wrt=("x",)).verdict == "wrong"
    bare_scalar = symback.check(lambda_free_product, lambda a, b: b, 2.0, 3.0, wrt=("a",))
    assert bare_scalar.verdict == "correct", str(bare_scalar)


def lambda_free_product(a, b):
    return a * b
