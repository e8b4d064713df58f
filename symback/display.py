"""How symback's objects show in notebooks: code highlighted, reports as preformatted text."""

from __future__ import annotations

import html
import importlib
import re


class Source(str):
    """Generated code: a plain `str`, which a notebook shows as highlighted Python rather
    than as one long escaped string."""

    __slots__ = ()

    def _repr_html_(self) -> str:
        return code_html(self)

    def _repr_markdown_(self) -> str:
        return code_markdown(self)


def code_html(code: str) -> str:
    """Python code as HTML: highlighted by Pygments where it is installed (symback does not
    depend on it), else preformatted; escaped either way."""
    try:
        pygments = importlib.import_module("pygments")
        formatters = importlib.import_module("pygments.formatters")
        lexers = importlib.import_module("pygments.lexers")
    except ImportError:
        return f"<pre><code>{html.escape(code)}</code></pre>"
    formatter = formatters.HtmlFormatter(noclasses=True, nobackground=True)
    return str(pygments.highlight(code, lexers.PythonLexer(), formatter))


def code_markdown(code: str, language: str = "python") -> str:
    """`code` in a fenced block, fenced with more backticks than any run of them inside."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{code.rstrip()}\n{fence}"


def text_html(text: str) -> str:
    """Preformatted text (a report, a table) as HTML."""
    return f"<pre>{html.escape(text)}</pre>"


def heading_html(text: str) -> str:
    """One line above a block: `text` with `code spans` in backticks shown as code."""
    parts = html.escape(text).split("`")
    return (
        "<p>" + "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts)) + "</p>"
    )
