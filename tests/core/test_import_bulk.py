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
