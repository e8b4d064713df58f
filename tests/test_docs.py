"""The docs that are computed from the rules tables are up to date."""

from pathlib import Path

from symback.ops.docs import supported_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_supported_functions_page_is_current():
    page = (ROOT / "docs" / "supported.md").read_text()
    assert (
        page == supported_markdown()
    ), "regenerate: python -m symback.ops.docs > docs/supported.md"


def test_codegen_page_shows_what_symback_gen_writes(tmp_path):
    import shutil

    import symback
    from symback.backend.fmt import black_format

    shutil.copy(ROOT / "examples" / "model.py", tmp_path / "model.py")
    written = black_format(symback.generate(str(tmp_path / "model.py")))
    page = (ROOT / "docs" / "codegen.md").read_text()
    start = page.index("```python\n", page.index("exactly as written")) + len("```python\n")
    shown = page[start : page.index("```", start)]
    assert shown == written, "docs/codegen.md shows an old examples/model_grad.py: update it"
