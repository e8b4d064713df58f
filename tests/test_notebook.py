"""How gradients, check reports, explanations and errors show in notebooks and tracebacks."""

from __future__ import annotations

import html
import pydoc
import re
import sys
import traceback

import numpy as np
import pytest

import symback
from fuzz.program import load
from symback.backprop import render

SOURCE = '''
import contextlib

import numpy as np


def loss(w, b, x):
    """Hinge-like loss (has a `<` to escape)."""
    return np.sum(np.where(x @ w + b < 1.0, 1.0 - (x @ w + b), 0.0) ** 2)


def bad(w):
    with contextlib.nullcontext():
        w = w + 1.0
    return w
'''

W, B, X = np.array([0.3, -0.2]), 0.1, np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.1]])


@pytest.fixture(scope="module")
def module():
    return load(SOURCE, "loss"), load(SOURCE, "bad")


def _text_of(markup: str) -> str:
    """What an HTML fragment shows: tags dropped, entities read."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def test_repr_is_short_and_says_what_it_is(module):
    loss, _ = module
    g = symback.grad(loss, wrt=("w", "b"))
    assert repr(g) == "<symback grad_loss: gradient of loss(w, b, x) with respect to w, b>"
    v = symback.value_and_grad(loss)
    assert "value and gradient of loss(w, b, x) with respect to w" in repr(v)


@pytest.mark.parametrize("pygments", [True, False])
def test_html_shows_the_source_escaped(module, monkeypatch, pygments):
    loss, _ = module
    if not pygments:
        monkeypatch.setitem(sys.modules, "pygments", None)  # (import fails: the plain form)
    g = symback.grad(loss, wrt=("w", "b"))
    page = g._repr_html_()
    assert "< 1.0" not in page  # (escaped, or `<` would open a tag)
    head = "grad_loss: the gradient of loss(w, b, x) with respect to w, b"
    assert _text_of(page).rstrip() == head + g.source.rstrip()


def test_source_is_a_str_that_shows_as_code(module):
    loss, _ = module
    g = symback.grad(loss)
    assert isinstance(g.source, str) and "def grad_loss(w, b, x):" in g.source
    assert str(g.source) == g.source
    block = g.source._repr_markdown_()
    assert block == "```python\n" + g.source.rstrip() + "\n```"
    assert g._repr_markdown_().endswith(block)


def test_help_shows_the_gradient_not_its_class_twice(module):
    loss, _ = module
    g = symback.grad(loss, wrt=("w", "b"))
    before = pydoc.render_doc(g, renderer=pydoc.plaintext)
    g(W, B, X)  # (the first call installs a faster class for the calls after)
    g(W, B, X)
    after = pydoc.render_doc(g, renderer=pydoc.plaintext)
    for page in (before, after):
        assert "GradientFunction(GradientFunction)" not in page
        assert "The gradient of loss(w, b, x) with respect to w, b" in page
        assert "Hinge-like loss" in page


def test_check_report_shows_as_its_text():
    def f(w):
        return np.sum(w**2)

    report = symback.check(f, lambda w: w, np.array([1.0, 2.0]))
    assert repr(report) == (
        "<CheckReport wrong: <lambda> as the gradient of f with respect to w, 3 random points>"
    )
    assert _text_of(report._repr_html_()) == str(report)
    assert report._repr_markdown_() == f"```text\n{report}\n```"


def test_explanation_without_graphviz_shows_its_table(monkeypatch, module):
    loss, _ = module
    e = symback.explain(loss, W, B, X)
    monkeypatch.setattr(render, "have_dot", lambda: False)
    assert e._repr_markdown_() == f"```text\n{str(e).rstrip()}\n```"
    assert e._repr_svg_() is None
    monkeypatch.setattr(render, "have_dot", lambda: True)
    assert e._repr_markdown_() is None  # (the picture shows instead)


def _symback_frames(error: BaseException) -> list[str]:
    root = symback.__file__.rpartition("/")[0]
    return [
        f"{f.filename}:{f.name}"
        for f in traceback.extract_tb(error.__traceback__)
        if f.filename.startswith(root)
    ]


@pytest.mark.parametrize(
    "entry",
    [
        lambda f: symback.grad(f),
        lambda f: symback.value_and_grad(f),
        lambda f: symback.hessian(f),
        lambda f: symback.jacobian(f)(1.0),
        lambda f: symback.vjp(f, 1.0),
        lambda f: symback.explain(f, 1.0),
    ],
)
def test_errors_about_user_code_show_user_code(module, entry):
    _, bad = module
    with pytest.raises(symback.UnsupportedSyntaxError) as info:
        entry(bad)
    frames = _symback_frames(info.value)
    assert len(frames) <= 1, frames  # the entry point's own frame at most
    assert info.value.__cause__ is None and info.value.__suppress_context__
    message = str(info.value)
    assert "with contextlib.nullcontext():" in message and "\n    ^" in message
    assert "hint: " in message and info.value.lineno == 13
