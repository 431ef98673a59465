"""``stancecoder search PROJECT QUERY`` on a real project of the demo articles."""

from __future__ import annotations

import json
import re

import pytest

from desktop.cli import main
from desktop.core import store
from desktop.core.store import search


@pytest.fixture
def project(tmp_path, corpus_project):
    corpus_project.close()
    return tmp_path / "project.stance"  # where the empty_project fixture made it


def test_search_prints_unit_article_and_text_in_corpus_order(project, capsys):
    assert main(["search", str(project), "sanctions"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    db = store.open_project(project, readonly=True)
    try:
        expected = search.search_units(db, "sanctions ", limit=200)
    finally:
        db.close()
    assert expected and len(lines) == len(expected)
    for line, hit in zip(lines, expected, strict=True):
        seq, title, text = line.split("\t")
        assert int(seq) == hit.seq
        assert title == " ".join(hit.article_title.split())
        assert text == " ".join(hit.text.split())
        assert "sanction" in text.lower()
    assert err.strip() == f"{len(expected)} sentences"


def test_whole_words_unless_a_star_asks_for_a_prefix(project, capsys):
    assert main(["search", str(project), "talk", "--json"]) == 0
    whole = json.loads(capsys.readouterr().out)
    assert main(["search", str(project), "talk*", "--json"]) == 0
    prefix = json.loads(capsys.readouterr().out)
    assert whole and all("talk" in re.findall(r"[^\W_]+", r["text"].lower()) for r in whole)
    assert any("talks" in re.findall(r"[^\W_]+", r["text"].lower()) for r in prefix)
    assert {r["unit"] for r in whole} < {r["unit"] for r in prefix}
    assert main(["search", str(project), "talk*", "--limit", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == prefix[:2]


def test_one_article_and_excluded_sentences(project, capsys):
    db = store.open_project(project, readonly=True)
    try:
        article = store.list_articles(db)[0].id
    finally:
        db.close()
    assert main(["search", str(project), "the", "--article", article, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and {r["article_id"] for r in rows} == {article}
    assert main(["search", str(project), "getty", "--json"]) == 0
    codable = json.loads(capsys.readouterr().out)
    assert main(["search", str(project), "getty", "--all", "--json"]) == 0
    every = json.loads(capsys.readouterr().out)
    # "Getty Images" credit lines are clutter: excluded at import, found only with --all
    assert not codable and every and all(r["excluded"] for r in every)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["*"], "nothing to search for"),
        (['" ( )'], "nothing to search for"),
        (["seoul", "--limit", "0"], "--limit must be between"),
        (["seoul", "--limit", "many"], "--limit must be a whole number"),
        (["seoul", "--article", "nope"], "no article 'nope'"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_changes_nothing(project, capsys, dump, args, message):
    before = dump(project)
    try:
        code = main(["search", str(project), *args])
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    assert code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and message in err
    assert dump(project) == before


def test_a_missing_project_is_one_line(tmp_path, capsys):
    missing = tmp_path / "nope.stance"
    assert main(["search", str(missing), "seoul"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and str(missing) in err


def test_the_count_says_more_match_only_when_they_do(project, capsys):
    db = store.open_project(project, readonly=True)
    try:
        total = len(search.search_units(db, "sanctions ", limit=10_000))
    finally:
        db.close()
    assert total > 2
    assert main(["search", str(project), "sanctions", "--limit", str(total)]) == 0
    assert capsys.readouterr().err.strip() == f"{total} sentences"  # all of them: no "more"
    assert main(["search", str(project), "sanctions", "--limit", str(total - 1)]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == total - 1
    assert err.strip() == f"{total - 1} sentences (the first ones: more match; --limit shows more)"
