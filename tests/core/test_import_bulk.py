"""An import into a new project is a bulk load (issue 24): the units' indexes are built
once at the end and the search index is filled in a few statements. It must store, index
and find exactly what the batch-by-batch path does, and a cancel while the indexes are
being built must leave the project as it was.
"""

from __future__ import annotations

import sqlite3

import pytest

from desktop.core import store
from desktop.core.corpus.clutter import load_rules
from desktop.core.corpus.importer import import_paths, prepare_article
from desktop.core.corpus.readers import read_documents
from desktop.core.store.corpus import ArticleWriter
from desktop.core.store.search import fts_query
from tests.core.test_import_parallel import stored_rows
from tests.core.test_import_stored import generated_articles

WORDS = ["alliance", "seoul", "north korea", "sanction", "presid", "the", "jong-un"]


def _articles(folder):
    rules = load_rules()
    return [
        prepare_article(document, rules)
        for path in sorted(folder.glob("*.txt"))
        for document in read_documents(path)
    ]


def _schema_and_search(path):
    conn = sqlite3.connect(path)
    try:
        conn.execute("INSERT INTO unit_search (unit_search) VALUES ('integrity-check')")
        indexes = conn.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
        ).fetchall()
        found = {
            word: conn.execute(
                "SELECT rowid FROM unit_search WHERE unit_search MATCH ? ORDER BY rowid",
                [fts_query(word)],
            ).fetchall()
            for word in WORDS
        }
        flag = conn.execute("SELECT count(*) FROM meta WHERE key = 'search_index_deferred'")
        return indexes, found, flag.fetchone()[0]
    finally:
        conn.close()


def test_a_bulk_load_stores_indexes_and_finds_what_batch_by_batch_does(tmp_path, scheme):
    articles = _articles(generated_articles(tmp_path / "articles"))
    batches = [articles[i : i + 7] for i in range(0, len(articles), 7)]
    paths = {}
    for bulk in (True, False):
        paths[bulk] = tmp_path / f"bulk-{bulk}.stance"
        db = store.create_project(paths[bulk], scheme)
        try:
            with store.write_transaction(db):
                writer = ArticleWriter(db, bulk=bulk)
                for batch in batches:
                    writer.add(batch)
                writer.finish()
        finally:
            db.close()
    assert stored_rows(paths[True]) == stored_rows(paths[False])
    bulk_schema, bulk_found, bulk_flag = _schema_and_search(paths[True])
    assert (bulk_schema, bulk_found) == _schema_and_search(paths[False])[:2]
    assert {name for name, table, _ in bulk_schema if table == "units"} >= {
        "units_article",
        "units_codable",
    }
    assert len(bulk_found["alliance"]) > 0 and bulk_flag == 0


def test_a_bulk_load_in_many_search_chunks_finds_what_one_chunk_finds(
    tmp_path, scheme, monkeypatch
):
    from desktop.core.store import corpus

    articles = _articles(generated_articles(tmp_path / "articles"))
    found = []
    for chunk in (corpus.SEARCH_CHUNK_UNITS, 7):  # 7: hundreds of statements
        monkeypatch.setattr(corpus, "SEARCH_CHUNK_UNITS", chunk)
        path = tmp_path / f"chunk-{chunk}.stance"
        db = store.create_project(path, scheme)
        try:
            with store.write_transaction(db):
                writer = ArticleWriter(db, bulk=True)
                writer.add(articles)
                writer.finish()
        finally:
            db.close()
        found.append(_schema_and_search(path))
    assert found[0] == found[1]
    assert found[0][1]["alliance"] and found[0][1]["the"]


@pytest.mark.parametrize("step", ["indexing sentences (units_codable)", "indexing sentences for"])
def test_cancelling_while_the_indexes_are_built_leaves_the_project_as_before(
    tmp_path, empty_project, dump, step
):
    folder = generated_articles(tmp_path / "articles")
    path = tmp_path / "project.stance"
    before = dump(path)
    seen = []

    class Cancelled(Exception):
        pass

    def progress(done, total, what):
        seen.append(what)
        if what.startswith(step):
            raise Cancelled

    with pytest.raises(Cancelled):
        import_paths(empty_project, [folder], workers=1, progress=progress)
    assert dump(path) == before
    assert "storing" in seen  # every batch was stored before the indexes
    summary = import_paths(empty_project, [folder], workers=1)  # and it imports after
    assert summary.units > 1000


# Sentences written for these tests: phrases, diacritics (composed and decomposed), CJK,
# Hangul, an empty line's neighbours and a very long sentence, each in its own article.
_EDGE_TEXTS = [
    "Kim Jong-un met the envoys in Pyongyang. The talks on sanctions went on.",
    "Café Mélange in Zürich hosted Ségolène. Cafe\u0301 owners said nothing.",
    "北朝鮮のミサイル発射について。日本政府は抗議した。",
    "한미 동맹은 굳건하다. 서울에서 회담이 열렸다.",
    "A line before a blank one.\n\n\nAnd one after it, about the alliance.",
    "The alliance " + "and the long treaty " * 400 + "ends here.",
    "Jong-un and Kim met; kim jong un said the jong un name. Naïve naive NAÏVE.",
]
_EDGE_WORDS = [
    "jong-un",
    "kim jong",
    "cafe",
    "café",
    "zurich",
    "北朝鮮",
    "동맹은",
    "naive",
    "alliance",
    "treaty ends",
    "the alliance and",
    "segolene",
]


def _edge_articles(copies: int) -> list:
    from desktop.core.corpus.readers import Document

    rules = load_rules()
    return [
        prepare_article(
            Document(text=f"{text}\nCopy {copy} of case {case}.", origin=f"{case}-{copy}.txt"),
            rules,
        )
        for copy in range(copies)
        for case, text in enumerate(_EDGE_TEXTS)
    ]


def _searches(db) -> dict[str, list[int]]:
    from desktop.core.store import search

    return {word: [h.seq for h in search.search_units(db, word)] for word in _EDGE_WORDS}


@pytest.mark.parametrize("step", [1, 5, 10_000])
def test_the_search_index_filled_while_storing_finds_what_one_filled_at_the_end_finds(
    tmp_path, scheme, monkeypatch, step
):
    """With worker processes the importer indexes units for search every
    SEARCH_STEP_UNITS as batches are stored; the index, the rows and every search are
    those of a bulk load indexed at its end and of a load batch by batch (trigger)."""
    from desktop.core.store import corpus

    monkeypatch.setattr(corpus, "SEARCH_STEP_UNITS", step)
    articles = _edge_articles(copies=6)
    batches = [articles[i : i + 4] for i in range(0, len(articles), 4)]
    results = {}
    for how in ("while storing", "at the end", "batch by batch"):
        path = tmp_path / f"{how}.stance"
        db = store.create_project(path, scheme)
        try:
            with store.write_transaction(db):
                writer = ArticleWriter(
                    db, bulk=how != "batch by batch", search_while_storing=how == "while storing"
                )
                for batch in batches:
                    writer.add(batch)
                writer.finish()
            results[how] = (_searches(db), stored_rows(path), _schema_and_search(path))
        finally:
            db.close()
    assert results["while storing"] == results["at the end"] == results["batch by batch"]
    found = results["while storing"][0]
    for word in ("jong-un", "cafe", "café", "北朝鮮", "동맹은", "naive", "treaty ends"):
        assert found[word], word  # every kind of case is found at all
    assert found["cafe"] == found["café"]  # diacritics removed, composed or not
    assert found["kim jong"] and found["jong-un"] != found["alliance"]


def test_a_bulk_load_puts_back_the_search_trigger_as_it_was(tmp_path, scheme):
    """The bulk load drops the search index's insert trigger and creates it again from
    its own SQL: the same trigger afterwards, indexing the next unit inserted alone."""
    from desktop.core.store import search

    path = tmp_path / "project.stance"
    db = store.create_project(path, scheme)
    try:
        query = "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        before = db.execute(query).fetchall()
        assert "unit_search_insert" in {name for name, _, _ in before}
        with store.write_transaction(db):
            writer = ArticleWriter(db, bulk=True, search_while_storing=True)
            names = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
            assert "unit_search_insert" not in names  # out of the way while storing
            writer.add(_edge_articles(copies=1))
            writer.finish()
        assert db.execute(query).fetchall() == before
        unit = store.get_unit_by_seq(db, 1)
        with store.write_transaction(db):
            db.execute(
                "INSERT INTO units (id, seq, article_id, paragraph, sentence, start, end, text, "
                "created_at) VALUES ('x-0001', 999999, ?, 0, 0, 0, 1, 'zebra crossing', '')",
                [unit.article_id],
            )
        assert [h.unit_id for h in search.search_units(db, "zebra")] == ["x-0001"]
    finally:
        db.close()
