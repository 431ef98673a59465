"""The window's import summary names a web page with too little text (issue 16)."""

from __future__ import annotations

from pathlib import Path

CAPTION_PAGE = Path(__file__).resolve().parents[1] / "data" / "html" / "caption_only.html"


def test_the_window_s_import_summary_shows_the_warning(empty_project):
    """The import dialog's text (desktop.ui.dialogs.describe_import, plain Python) names
    the page with too little text, as the command line does."""
    from desktop.core.corpus.importer import import_paths
    from desktop.ui.dialogs import describe_import

    text = describe_import(import_paths(empty_project, [CAPTION_PAGE]))
    assert f"Warning: {CAPTION_PAGE}: only " in text
