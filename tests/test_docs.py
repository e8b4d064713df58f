"""The docs that are computed from the rules tables are up to date."""

from pathlib import Path

from symback.rules.docs import supported_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_supported_functions_page_is_current():
    page = (ROOT / "docs" / "supported.md").read_text()
    assert (
        page == supported_markdown()
    ), "regenerate: python -m symback.rules.docs > docs/supported.md"
