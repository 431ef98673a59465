"""Saved web pages: no word of the article lost, furniture left out, thin pages flagged.

The pages in tests/data/html were written for these tests in the shapes that real saved
news pages show (issue 16): link text wrapped in ``<span class="link">`` inside a
sentence, a drop cap in its own element, a standfirst inside ``<header>``, a caption with
a trailing credit, a CMS token as the page's title, and a gallery page whose only article
text is a caption.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core import store
from desktop.core.corpus.readers import document_from_html, read_html
from desktop.core.errors import InputError

HTML = Path(__file__).resolve().parents[1] / "data" / "html"
ARTICLE = HTML / "links_dropcap_standfirst.html"
CAPTION_PAGE = HTML / "caption_only.html"


def coded(db) -> list[str]:
    rows = db.execute("SELECT text FROM units WHERE excluded = 0 ORDER BY seq")
    return [r[0] for r in rows]


def excluded(db) -> dict[str, str]:
    rows = db.execute("SELECT text, excluded_by FROM units WHERE excluded = 1 ORDER BY seq")
    return {r[0]: r[1] for r in rows}


def test_link_text_stays_inside_its_sentence(empty_project):
    from desktop.core.corpus.importer import import_paths

    import_paths(empty_project, [ARTICLE])
    units = coded(empty_project)
    assert (
        "But they are especially high for families travelling with cars, who now pay almost "
        "twice what they paid three years ago." in units
    )
    assert (
        "Local councils are pulling for Northport, Eastbay and Millhaven, whose routes are "
        "the most at risk." in units
    )
    assert any(u.endswith("according to figures from the port authority.") for u in units)
    # emphasis is part of the sentence too
    assert any(u.startswith("The decision on subsidies came after months of talks") for u in units)
    # no sentence has a hole where a link was
    assert not [u for u in units if " ." in u or " ," in u or "for ." in u]


def test_drop_cap_and_standfirst_are_kept(empty_project):
    from desktop.core.corpus.importer import import_paths

    import_paths(empty_project, [ARTICLE])
    units = coded(empty_project)
    assert units[0] == (
        "Ferry operators expect fewer crossings as fuel costs stay high and two routes close."
    )
    assert units[1].startswith("Ferry operators along the coast said on Tuesday")


def test_every_word_of_the_page_body_is_in_the_article_text():
    """Every word of the page's paragraphs is in the article's text, in order, except the
    line a rule excludes (which stays in the text too)."""
    import re

    html = ARTICLE.read_text(encoding="utf-8")
    document = document_from_html(html, str(ARTICLE))
    words = " ".join(document.text.split())
    for paragraph in re.findall(r"<p[^>]*>(.*?)</p>", html, flags=re.S):
        plain = " ".join(re.sub(r"<[^>]+>", "", paragraph).split())
        if "Copyright" in plain:
            continue  # the page footer, outside the article
        assert plain in words


def test_a_cms_token_is_never_the_title():
    document = read_html(ARTICLE)[0]
    assert document.title == "Harbour towns brace for a quieter summer"
    assert document.title_in_text


def test_furniture_is_excluded_and_named(empty_project):
    from desktop.core.corpus.importer import import_paths

    summary = import_paths(empty_project, [ARTICLE])
    assert excluded(empty_project) == {
        "Harbour towns brace for a quieter summer": "title",
        "Read more: Why ferry fares keep rising": "read more",
    }
    assert summary.excluded_lines == {"title": 1, "read more": 1}
    assert summary.warnings == []


def test_a_page_with_too_little_text_is_imported_with_a_warning(empty_project):
    from desktop.core.corpus.importer import import_paths

    summary = import_paths(empty_project, [CAPTION_PAGE])
    assert len(summary.warnings) == 1
    assert summary.warnings[0].startswith(f"{CAPTION_PAGE}: only ")
    # the caption's credit is taken out of the coded line, and counted
    assert "Waves break over the sea wall during the storm." in coded(empty_project)
    assert summary.inline_removed == {"caption credit": 1}


def test_strict_refuses_a_page_with_too_little_text_and_changes_nothing(
    empty_project, tmp_path, dump
):
    from desktop.core.corpus.importer import import_paths

    before = dump(tmp_path / "project.stance")
    with pytest.raises(InputError) as caught:
        import_paths(empty_project, [ARTICLE, CAPTION_PAGE], strict=True)
    assert str(CAPTION_PAGE) in str(caught.value)
    assert "--strict" in str(caught.value)
    assert dump(tmp_path / "project.stance") == before
    assert store.list_articles(empty_project) == []


def test_the_command_line_warns_on_stderr_and_strict_exits_2(tmp_path, capsys):
    import desktop.cli

    project = tmp_path / "cli.stance"
    assert desktop.cli.main(["new", str(project)]) == 0
    capsys.readouterr()
    assert desktop.cli.main(["import", str(project), str(CAPTION_PAGE), "--strict"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(CAPTION_PAGE) in err
    assert desktop.cli.main(["import", str(project), str(CAPTION_PAGE)]) == 0
    captured = capsys.readouterr()
    assert f"warning: {CAPTION_PAGE}: only " in captured.err
    assert "caption credit" in captured.out
