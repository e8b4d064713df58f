"""Every way symback refuses a function: the right error class, place, rendering and hint.

The functions under test live in tests/error_cases.py. Each offending line there carries a
marker comment `# ERR:<case id>`; the expected line number is found by searching for it, and
the expected column is checked by what the source line says at that column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

import symback
from symback import (
    NonScalarOutputError,
    SourceUnavailableError,
    SymbackError,
    UnknownFunctionError,
    UnsupportedSyntaxError,
    WrtError,
)

from . import error_cases as ec

CASES_FILE = Path(ec.__file__).resolve()
CASES_LINES = CASES_FILE.read_text().splitlines()


def marker_line(marker: str) -> int:
    """The 1-based line of error_cases.py carrying `# ERR:<marker>` (exactly one must)."""
    pattern = re.compile(r"#\s*ERR:" + re.escape(marker) + r"\s*$")
    hits = [i + 1 for i, text in enumerate(CASES_LINES) if pattern.search(text)]
    assert len(hits) == 1, f"marker ERR:{marker} found on lines {hits}, expected exactly one"
    return hits[0]


@dataclass(frozen=True)
class Case:
    id: str
    trigger: Callable[[], object]
    exc: type | tuple[type, ...]  # the class (or acceptable classes) expected
    at: tuple[str, ...] | None  # what the source line says at the column; None: no place exists
    hint: bool = True  # a hint is expected
    marker: str | None = None  # defaults to the id
    mentions: str | None = None  # a word the message must contain (for place-less errors)

    @property
    def line(self) -> int:
        return marker_line(self.marker or self.id)


def g(fn, **kwargs):
    """A trigger that only builds the gradient: generation (and its errors) must be eager."""
    return lambda: symback.grad(fn, **kwargs)


S, U, W = UnsupportedSyntaxError, UnknownFunctionError, WrtError

CASES: list[Case] = [
    # statements
    Case("try", g(ec.uses_try), S, ("try",)),
    Case("with", g(ec.uses_with), S, ("with",)),
    Case("global", g(ec.uses_global), S, ("global",)),
    Case("yield", g(ec.generator), S, ("yield", "generator")),
    Case("nonlocal", g(ec.USES_NONLOCAL), S, ("nonlocal",)),
    Case("print", g(ec.uses_print), S, ("print(y)",)),
    Case("if", g(ec.uses_if), S, ("y * 2.0",)),
    Case("for", g(ec.uses_for), S, ("for i in range(3)",)),
    Case("while", g(ec.uses_while), S, ("while y > 1.0",)),
    Case(
        "tuple_return_in_loop",
        g(ec.tuple_return_in_loop, has_aux=True),
        S,
        ("return y, x",),
    ),
    Case("bare_return_in_loop", g(ec.bare_return_in_loop), S, ("return",)),
    Case("nested_def", g(ec.nested_def), S, ("def inner",)),
    Case("import", g(ec.import_inside), S, ("import math",)),
    Case("import_from", g(ec.import_from_inside), S, ("from math",)),
    Case("assert", g(ec.uses_assert), S, ("x is not None",)),
    Case("raise", g(ec.uses_raise), S, ("raise",)),
    Case("del", g(ec.uses_del), S, ("del y",)),
    Case("after_return", g(ec.code_after_return), S, ("z = y",)),
    Case("no_return", g(ec.no_return), S, ("def no_return",)),
    Case("bare_return", g(ec.bare_return), S, ("return",)),
    Case("tuple_return", g(ec.returns_tuple), S, ("y, x",)),
    Case("setitem", g(ec.write_subscript), S, ("x[0]",)),
    Case("setitem_view", g(ec.write_into_view_of_parameter), S, ("v[0]",)),
    Case("setitem_index", g(ec.write_at_computed_index), S, ("k]",)),
    Case("setitem_aux", g(ec.write_into_aux, has_aux=True), S, ("y[0]",)),
    Case("setitem_chained", g(ec.write_chained_index), S, ("y[0][1]",)),
    Case("setitem_helper", g(ec.helper_writes_into_callers_array), S, ("buf[0]",)),
    Case("setattr", g(ec.write_attribute), S, ("y.attr",)),
    # lists used as stacks
    Case("stack_literal", g(ec.stack_with_items), S, ("s.pop()",)),
    Case("stack_alias", g(ec.stack_aliased), S, ("s",)),
    Case("stack_index", g(ec.stack_indexed), S, ("s[0]", "s")),
    Case("stack_pop_index", g(ec.stack_popped_at), S, ("s.pop(0)",)),
    Case("stack_push_written", g(ec.stack_pushes_written_buffer), S, ("y",)),
    Case("stack_made_in_loop", g(ec.stack_made_again_in_loop), S, ("for i in range(3)",)),
    Case("append_not_stack", g(ec.append_to_parameter), S, ("out",)),
    Case("stack_in_header", g(ec.loop_over_stack_length), S, ("s",)),
    # expressions
    Case("lambda_body", g(ec.lambda_in_body), S, ("lambda",)),
    Case("listcomp", g(ec.list_comprehension), S, ("[t * 2.0 for",)),
    Case("setcomp", g(ec.set_comprehension), S, ("{t * 2.0 for",)),
    Case("dictcomp", g(ec.dict_comprehension), S, ("{t: t * 2.0 for",)),
    Case("genexp", g(ec.generator_expression), S, ("(t * 2.0 for", "t * 2.0 for")),
    Case("scipy", g(ec.calls_scipy), U, ("scipy.special.gamma(y)",)),
    Case("helper", g(ec.calls_helper), S, ("recursive(t)",)),
    Case("sorted", g(ec.calls_sorted), U, ("sorted(y)",)),
    Case("index", g(ec.uses_indexing), S, ("np.argmax(x)",)),
    Case("slice_bound_call", g(ec.slice_bound_call), S, ("np.random.randint(1, 3)",)),
    Case("matmul", g(ec.uses_matmul), U, ("np.convolve(x, x)",)),
    Case("method", g(ec.uses_method), S, ("y.astype(np.float32)",)),
    Case("diag_offset", g(ec.diag_offset_not_literal), S, ("k)",)),
    Case("hstack_keyword", g(ec.hstack_with_dtype), S, ("dtype=float",)),
    Case("full_arity", g(ec.full_without_value), S, ("np.full(3)",)),
    Case("floordiv", g(ec.uses_floordiv), S, ("x << 2",)),
    Case("and", g(ec.uses_and), S, ("x and 2.0",)),
    Case("or", g(ec.uses_or), S, ("x or 2.0",)),
    Case("string", g(ec.uses_string), S, ('"abc"',)),
    Case("fstring", g(ec.uses_fstring), S, ('f"{x}"',)),
    Case("global_dict", g(ec.reads_global_dict), SymbackError, ("CONFIG",)),
    Case("global_string", g(ec.reads_global_string), SymbackError, ("LABEL",)),
    # signatures and whole functions
    Case("varargs", g(ec.varargs_fn), S, ("args)",)),
    Case("varkw", g(ec.varkw_fn), S, ("kwargs)",)),
    Case("lambda_fn", g(ec.lambda_fn), (SourceUnavailableError, S), ("lambda",)),
    Case("builtin_np_sin", g(np.sin), SourceUnavailableError, None, mentions="sin"),
    Case("builtin_len", g(len), SourceUnavailableError, None, mentions="len"),
    Case(
        "exec_function",
        g(ec.make_exec_function()),
        SourceUnavailableError,
        None,
        mentions="from_exec",
    ),
    Case("wrt_name", g(ec.two_params, wrt="z"), W, ("def two_params",), marker="wrt_plain"),
    Case("wrt_index", g(ec.two_params, wrt=5), W, ("def two_params", "x, w"), marker="wrt_plain"),
    Case(
        "wrt_name_decorated",
        g(ec.decorated_two_params, wrt="z"),
        W,
        ("def decorated_two_params",),
        marker="wrt_decorated",
    ),
    Case(
        "wrt_index_decorated",
        g(ec.decorated_two_params, wrt=5),
        W,
        ("def decorated_two_params", "x, w"),
        marker="wrt_decorated",
    ),
    Case("wrt_decorator_name", ec.decorator_form_wrt_name, W, ("def inner_name",)),
    Case(
        "wrt_decorator_index",
        ec.decorator_form_wrt_index,
        W,
        ("def inner_index", "x, w"),
    ),
    Case("wrt_int_annotation", g(ec.int_annotated, wrt="n"), W, ("n: int",)),
    Case("wrt_int_default", g(ec.int_default, wrt="k"), W, ("k=2",)),
    Case(
        "nonscalar",
        lambda: symback.grad(ec.returns_array)(np.ones(3)),
        NonScalarOutputError,
        ("return", "x * 2.0"),
    ),
]

IDS = [c.id for c in CASES]
assert len(set(IDS)) == len(IDS), "case ids must be unique"
PLACED = [c for c in CASES if c.at is not None]
PLACELESS = [c for c in CASES if c.at is None]


def raised(case: Case) -> BaseException:
    """The exception the case raises; fails the test if it raises nothing."""
    with pytest.raises(BaseException) as info:
        case.trigger()
    return info.value


def symback_error(case: Case) -> SymbackError:
    """The SymbackError the case raises; fails clearly if something else escapes."""
    err = raised(case)
    if not isinstance(err, SymbackError):
        pytest.fail(f"{case.id}: expected a SymbackError, got {type(err).__name__}: {err}")
    return err


# -- nothing but SymbackError escapes --------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_only_symback_errors_escape(case):
    err = raised(case)
    assert isinstance(
        err, SymbackError
    ), f"a bare {type(err).__module__}.{type(err).__name__} escaped: {err!r}"
    assert err.message and isinstance(err.message, str)
    assert str(err).startswith(err.message)


# -- the class -------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_error_class(case):
    err = symback_error(case)
    expected = case.exc if isinstance(case.exc, tuple) else (case.exc,)
    assert isinstance(err, expected), (
        f"expected {' or '.join(c.__name__ for c in expected)}, got {type(err).__name__}: "
        f"{err.message}"
    )


def test_non_scalar_output_is_a_value_error_raised_only_at_call_time():
    gradient = symback.grad(ec.returns_array)  # generation itself succeeds
    assert gradient(2.0) == pytest.approx(2.0)  # a scalar input gives a scalar output
    with pytest.raises(ValueError) as info:
        gradient(np.ones(3))
    assert isinstance(info.value, NonScalarOutputError)
    assert "(3,)" in str(info.value)  # the offending shape is named


# -- the place -------------------------------------------------------------------------------


@pytest.mark.parametrize("case", PLACED, ids=[c.id for c in PLACED])
def test_error_place(case):
    err = symback_error(case)
    assert err.filename is not None, f"no place given: {err.message}"
    assert Path(err.filename).resolve() == CASES_FILE, err.filename
    assert err.lineno == case.line, (
        f"line {err.lineno} ({CASES_LINES[err.lineno - 1].strip() if err.lineno else None!r}), "
        f"expected {case.line} ({CASES_LINES[case.line - 1].strip()!r})"
    )
    text = CASES_LINES[case.line - 1]
    assert err.col_offset is not None and 0 <= err.col_offset < len(text)
    assert text[err.col_offset :].startswith(
        case.at
    ), f"column {err.col_offset} points at {text[err.col_offset:]!r}, expected one of {case.at}"


@pytest.mark.parametrize("case", PLACELESS, ids=[c.id for c in PLACELESS])
def test_placeless_errors_name_the_function(case):
    err = symback_error(case)
    assert case.mentions in err.message
    if err.lineno is None:
        assert '  File "' not in str(err)


# -- the rendering ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", PLACED, ids=[c.id for c in PLACED])
def test_error_rendering(case):
    err = symback_error(case)
    assert err.lineno is not None and err.col_offset is not None, f"no place rendered in:\n{err}"
    text = CASES_LINES[case.line - 1]
    stripped = text.strip()
    indent = len(text) - len(text.lstrip())
    rendered = str(err).splitlines()
    assert rendered[0] == err.message.splitlines()[0]
    header = f'  File "{err.filename}", line {case.line}, column {err.col_offset + 1}'
    assert header in rendered, f"no line {header!r} in:\n{err}"
    i = rendered.index(header)
    assert rendered[i + 1] == "    " + stripped, f"source line missing in:\n{err}"
    caret = rendered[i + 2]
    assert set(caret.strip()) == {"^"}, f"bad caret line {caret!r}"
    assert caret.index("^") == 4 + err.col_offset - indent, f"caret misplaced in:\n{err}"
    # The caret stays within the source line.
    assert len(caret) <= 4 + len(stripped)


# -- the hint --------------------------------------------------------------------------------

HINTED = [c for c in CASES if c.hint]


@pytest.mark.parametrize("case", HINTED, ids=[c.id for c in HINTED])
def test_error_hint(case):
    err = symback_error(case)
    assert err.hint, f"no hint for: {err.message}"
    assert str(err).splitlines()[-1] == f"hint: {err.hint}"


# -- the other entry points report the same error at the same place ----------------------------

SAMPLE = ["try", "lambda_body", "helper", "matmul", "setitem", "nonlocal", "wrt_name"]


@pytest.mark.parametrize("case_id", SAMPLE)
@pytest.mark.parametrize(
    "entry",
    [
        pytest.param(lambda fn, **kw: symback.value_and_grad(fn, **kw), id="value_and_grad"),
        pytest.param(lambda fn, **kw: symback.grad(**kw)(fn), id="decorator"),
        pytest.param(lambda fn, **kw: symback.value_and_grad(**kw)(fn), id="vg_decorator"),
    ],
)
def test_other_entry_points_agree(case_id, entry):
    case = next(c for c in CASES if c.id == case_id)
    reference = symback_error(case)
    fn, kwargs = _function_of(case_id)
    with pytest.raises(SymbackError) as info:
        entry(fn, **kwargs)
    err = info.value
    assert type(err) is type(reference)
    assert (err.filename, err.lineno, err.col_offset) == (
        reference.filename,
        reference.lineno,
        reference.col_offset,
    )


def _function_of(case_id: str):
    return {
        "try": (ec.uses_try, {}),
        "lambda_body": (ec.lambda_in_body, {}),
        "helper": (ec.calls_helper, {}),
        "matmul": (ec.uses_matmul, {}),
        "setitem": (ec.write_subscript, {}),
        "nonlocal": (ec.USES_NONLOCAL, {}),
        "wrt_name": (ec.two_params, {"wrt": "z"}),
    }[case_id]


# -- the fixtures are sound: the same file's supported function differentiates fine -------------


def test_supported_function_in_the_cases_file_works():
    x = np.array([0.5, -1.5, 2.0])
    gx = symback.grad(ec.supported)(x, 2.0)
    eps = 1e-6
    numeric = np.array(
        [
            (ec.supported(x + eps * e, 2.0) - ec.supported(x - eps * e, 2.0)) / (2 * eps)
            for e in np.eye(3)
        ]
    )
    np.testing.assert_allclose(gx, numeric, rtol=1e-5, atol=1e-6)
    gw = symback.grad(ec.supported, wrt="w")(x, 2.0)
    numeric_w = (ec.supported(x, 2.0 + eps) - ec.supported(x, 2.0 - eps)) / (2 * eps)
    assert gw == pytest.approx(numeric_w, rel=1e-5)
