"""The differential fuzzer: its programs, its references, and that it finds planted bugs."""

from __future__ import annotations

import dataclasses
import re
import time

import numpy as np
import pytest
import sympy as sp

import symback
from fuzz import arrays, functions, loops, scalar
from fuzz.reference import _complex_step, _richardson
from fuzz.runner import run
from symback.ops import elementwise


def _called(source: str) -> set[str]:
    return {
        f.text
        for f in functions.functions()
        if re.search(rf"(?<![\w.]){re.escape(f.text)}\(", source)
    }


def test_scalar_programs_are_deterministic_and_finite():
    first, again = scalar.program(7, 40), scalar.program(7, 40)
    assert first.source == again.source and first.point == again.point
    assert scalar.program(8, 40).source != first.source
    for seed in range(20):
        p = scalar.program(seed, 30)
        assert p.source.count("\n    v") == 30
        assert np.isfinite(p.function()(*p.point))


def test_scalar_programs_reach_every_function_of_the_table_in_every_spelling():
    called = set().union(*(_called(scalar.program(seed, 40).source) for seed in range(60)))
    spellings = {name for row in elementwise.ELEMENTWISE_TABLE for name in row.names}
    assert {f.qualified for f in functions.functions()} == {
        n for n in spellings if functions._resolve(n) is not None
    }
    assert called == {f.text for f in functions.functions()}
    assert any(f.startswith("math.") for f in called) and any(f.startswith("np.") for f in called)


def test_scalar_programs_have_the_forms_that_broke_symback():
    text = "\n".join(scalar.program(seed, 40).source for seed in range(30))
    for form in (r"exp\(\w+\.exp\(", r"tanh\(\w+\.exp\(", r"log\(1\.0 \+ \w+\.exp\(", r"\*\* v\d"):
        assert re.search(form, text), form
    assert re.search(r"np\.power\(\w[^,]*, v\d+\)", text)


def test_loop_programs_are_deterministic_and_have_every_loop_form():
    first, again = loops.program(5, 3), loops.program(5, 3)
    assert first.source == again.source
    assert all(np.array_equal(a, b) for a, b in zip(first.point, again.point))
    assert loops.program(6, 3).source != first.source
    text = "\n".join(loops.program(seed, 3).source for seed in range(40))
    forms = {
        "for over a range": r"for i\d+ in range\(",
        "from 1": r"in range\(1, ",
        "with a step": r"in range\(0, .*, 2\)",
        "reversed": r"in reversed\(range\(",
        "over elements": r"for i\d+ in [xwv]:",
        "over rows": r"for i\d+ in M:",
        "enumerate": r"in enumerate\(",
        "zip": r"in zip\(",
        "while with a counter": r"while k\d+ < \d+:\n +k\d+ \+= 1",
        "nested": r"\n        for j\d+ in ",
        "break on data": r"if .* > .*:\n +break",
        "continue on data": r"if .* > .*:\n +continue",
        "an if/else on data": r"\n +else:",
        "carried array": r"h\d+ = np\.tanh\(h\d+ \*",
        "accumulation": r"s\d+ = s\d+ \+ ",
        "augmented": r"s\d+ \+= ",
        "element write": r"y\d+\[i\d+\] = ",
        "element add": r"y\d+\[i\d+\] \+= ",
        "2-D element write": r"y\d+\[i\d+, j\d+\]",
        "a later loop reads an earlier one": r"s\d+ = r\d+",
        "math function": r"math\.\w+\(",
        "NumPy function": r"np\.(?!sum|zeros|tanh|sin)\w+\(",
    }
    missing = [name for name, form in forms.items() if not re.search(form, text)]
    assert not missing, missing
    for seed in range(10):
        p = loops.program(seed, 2)
        assert np.isfinite(p.function()(*p.point))


def test_complex_step_agrees_with_richardson_on_analytic_programs():
    checked = 0
    for seed in range(40):
        p = scalar.program(seed, 25)
        if not p.analytic:
            continue
        step = _complex_step(p)
        diff, error = _richardson(p.function(), p.point)
        np.testing.assert_allclose(step, diff, rtol=1e-6, atol=1e-6 + 20 * max(error))
        checked += 1
    assert checked >= 10


def test_prefix_keeps_what_the_statement_needs():
    p = scalar.program(3, 30)
    cut = p.prefix(20)
    f, g = p.function(), cut.function()
    assert len(cut.body) <= 21 and cut.body[-1] == p.body[20]
    # the cut returns the value statement 20 had in the full program
    namespace = {}
    exec(p.source.replace("    return", f"    return {p.body[20].split(' = ')[0]}  #"), namespace)
    assert g(*p.point) == namespace[p.name](*p.point)
    assert np.isfinite(f(*p.point))


class _SignFlippedTanh(sp.Function):
    """np.tanh with a planted bug: its derivative has the wrong sign."""

    nargs = 1

    def fdiff(self, argindex=1):
        return -(1 - self**2)


@pytest.fixture
def tanh_sign_flipped(monkeypatch):
    row = elementwise.ELEMENTWISE["numpy.tanh"]
    monkeypatch.setitem(
        elementwise.ELEMENTWISE, "numpy.tanh", dataclasses.replace(row, build=_SignFlippedTanh)
    )
    monkeypatch.setitem(elementwise.PRINTED_FUNCTIONS, _SignFlippedTanh, "np.tanh")


@pytest.mark.parametrize("kind, size", [("scalar", 6), ("arrays", 4), ("loops", 2)])
def test_a_planted_sign_error_in_a_rule_is_reported_wrong(tanh_sign_flipped, kind, size):
    make = {"scalar": scalar.program, "arrays": arrays.program, "loops": loops.program}[kind]
    seeds = [s for s in range(200) if "np.tanh(" in make(s, size).source][:10]
    report = run([(kind, s, size) for s in seeds], timeout=60, log=lambda _: None, cut=False)
    assert report.counts.get("wrong", 0) >= 3, report.counts


def _computes_forever(*args, **kwargs):
    while True:
        pass


def _waits_forever(*args, **kwargs):
    time.sleep(1000)


@pytest.mark.parametrize(
    "hang, timeout", [(_computes_forever, 1.0), (_waits_forever, 0.3)], ids=["cpu", "wait"]
)
def test_a_hang_is_reported_as_a_hang_and_the_run_goes_on(monkeypatch, hang, timeout):
    # a hang that computes is stopped after `timeout` CPU seconds; one that waits, after
    # WALL_FACTOR times it of wall time
    monkeypatch.setattr(symback, "value_and_grad", hang)
    jobs = [("scalar", 1, 5), ("scalar", 2, 5)]
    report = run(jobs, timeout=timeout, log=lambda _: None, cut=False)
    assert report.counts == {"hang": 2}


# Refusals the docs list (docs/supported.md, element writes): a view of a buffer read after a
# later write into it, an in-place update of an array another name shares.
DOCUMENTED_REFUSALS = (
    "this write into `.` also changes `.`, which line N reads after the write",
    "`.` may be the same array as `.` here",
)


# Refusals of loop programs: writes at a while loop's counter, `and` in a while test (the
# fence refuses and / or), `s = b` then `s -= ..` in a loop (b might be an array it changes).
LOOP_REFUSALS = (
    "symback writes an array only at indices that name each element once",
    "symback does not support and / or",
    "`.` is another name for `.` when the loop starts, and an in-place update",
)


def _sample(jobs: list, most_refused: float, allowed=DOCUMENTED_REFUSALS) -> None:
    report = run(jobs, timeout=120, log=lambda _: None, cut=False, plain_too=False)
    failures = [
        f"{f.outcome.status}: python -m fuzz --only {f.kind}:{f.seed}:{f.size}\n{f.outcome.detail}"
        for f in report.failures
    ]
    assert not failures, "\n\n".join(failures)
    undocumented = [r for r in report.refusals if not r.startswith(allowed)]
    assert not undocumented, undocumented
    assert report.counts.get("refused", 0) <= most_refused * len(jobs), report.counts
    assert report.counts.get("correct", 0) + report.counts.get("refused", 0) == len(jobs)


def test_a_fixed_seed_sample_of_scalar_programs_is_all_correct():
    jobs = [("scalar", seed, 10 + seed % 51) for seed in range(150)]
    _sample(jobs + [("scalar", 90_000, 1000), ("scalar", 90_001, 1000)], most_refused=0.0)


def test_a_fixed_seed_sample_of_array_programs_is_all_correct():
    _sample([("arrays", seed, 3 + seed % 10) for seed in range(60)], most_refused=0.3)


def test_a_fixed_seed_sample_of_loop_programs_is_all_correct():
    jobs = [("loops", seed, 1 + seed % 3) for seed in range(60)]
    _sample(jobs, most_refused=0.2, allowed=DOCUMENTED_REFUSALS + LOOP_REFUSALS)
