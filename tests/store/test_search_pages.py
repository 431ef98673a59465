"""A search read a page at a time (keyset paging over the full-text index): the pages
put together are exactly the whole answer, computed independently of FTS5 by a Python
scan of the units' text (test_search's ``_expected``), also after curation split units
off (rowid order no longer corpus order), for a coder's filters, and with an index built
without positions (``detail=none`` or ``column``, where FTS5 answers no phrase).
"""

from __future__ import annotations

import pytest

from desktop.core import store
from desktop.core.curation.units import split_unit
from desktop.core.store import coding_queries, search
from tests.store.test_search import _expected, _words

DIMENSIONS = ("stance", "alliance_trust", "china_role")


def _all_pages(db, text: str, size: int, **kw) -> tuple[list[int], int]:
    """Every page of the search ``text`` of ``size`` units; (seqs, pages read)."""
    seqs, after, pages = [], None, 0
    while True:
        page = coding_queries.search_unit_page(
            db, "ann", kw.get("unit_filter", coding_queries.UnitFilter.ALL), DIMENSIONS, text,
            size, after,
        )  # fmt: skip
        pages += 1
        assert len(page.seqs) <= size
        assert not page.more or len(page.seqs) == size
        seqs += page.seqs
        after = page.after
        if not page.more:
            return seqs, pages


def _split_some(db) -> None:
    """Split the first sentence of three articles: the new units get new (high) rowids
    and seqs in the middle of the corpus."""
    for article in store.list_articles(db)[:3]:
        unit = next(u for u in store.article_units(db, article.id) if not u.excluded)
        cut = unit.text.find(" ", len(unit.text) // 2)
        split_unit(db, unit.id, cut + 1, who="lead")


@pytest.mark.parametrize("split", [False, True])
@pytest.mark.parametrize("size", [1, 7, 50])
def test_pages_put_together_are_the_whole_answer_in_corpus_order(corpus_project, split, size):
    db = corpus_project
    if split:
        _split_some(db)
        assert search._displaced_rowids(db)
    for typed in ("the", "sanctions", "a", "north korea"):
        expected = _expected(db, _words(typed), prefix_last=True)
        seqs, pages = _all_pages(db, typed, size)
        assert seqs == expected, typed
        assert pages == max(1, -(-len(expected) // size))  # no page read past the end


def test_a_page_reads_on_from_its_key_not_from_the_start(corpus_project):
    """The second page's query starts after the first page's last unit in the index."""
    db = corpus_project
    first = coding_queries.search_unit_page(
        db, "ann", coding_queries.UnitFilter.ALL, DIMENSIONS, "the", 5
    )
    assert first.more and first.after.seq == first.seqs[-1]
    rowid = db.execute("SELECT rowid FROM units WHERE seq = ?", [first.seqs[-1]]).fetchone()[0]
    assert first.after.rowid == rowid
    second = coding_queries.search_unit_page(
        db, "ann", coding_queries.UnitFilter.ALL, DIMENSIONS, "the", 5, first.after
    )
    assert second.seqs and min(second.seqs) > max(first.seqs)


def test_a_filtered_search_pages_through_this_coders_units_only(corpus_project):
    """Another coder's labels change nothing in ann's pages (blind coding): "not yet
    coded" is ann's, and her own labels take units out of it."""
    db = corpus_project
    store.ensure_coder(db, "ann")
    store.ensure_coder(db, "zz")
    hits = search.search_units(db, "the", limit=10_000)
    for hit in hits[::2]:  # zz codes every other match in full
        for dimension in DIMENSIONS:
            store.set_label(db, hit.unit_id, "zz", dimension, _first_code(db, dimension))
    for hit in hits[:3]:  # ann codes the first three
        for dimension in DIMENSIONS:
            store.set_label(db, hit.unit_id, "ann", dimension, _first_code(db, dimension))
    uncoded = coding_queries.UnitFilter.UNCODED
    seqs, _ = _all_pages(db, "the", 4, unit_filter=uncoded)
    assert seqs == [h.seq for h in hits[3:]]
    assert seqs == coding_queries.filter_unit_seqs(db, "ann", uncoded, DIMENSIONS, text="the")


def _first_code(db, dimension: str) -> str:
    return store.current_scheme(db).dimension(dimension).categories[0].code


def _rebuild_index(db, detail: str) -> None:
    """The search index made again with FTS5's ``detail`` option (its triggers are kept:
    they write to the table by name)."""
    with store.write_transaction(db):
        db.execute("DROP TABLE unit_search")
        db.execute(
            "CREATE VIRTUAL TABLE unit_search USING fts5(text, content = 'units', "
            "content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 2', "
            f"prefix = '1 2 3', detail = {detail})"
        )
        db.execute("INSERT INTO unit_search (unit_search) VALUES ('rebuild')")


@pytest.mark.parametrize("detail", ["none", "column"])
def test_an_index_without_positions_answers_phrases_the_same(corpus_project, detail):
    db = corpus_project
    typed = ["north korea", "north-korea", "jong-un", "kim jong", "south kor", "the", "alli"]
    before = {t: search.search_units(db, t, limit=10_000) for t in typed}
    pages = {t: _all_pages(db, t, 3)[0] for t in typed}
    assert [h.seq for h in before["north-korea"]]  # the demo holds a phrase that matches
    _rebuild_index(db, detail)
    for t in typed:
        after = search.search_units(db, t, limit=10_000)
        assert [h.seq for h in after] == [h.seq for h in before[t]], t
        assert _all_pages(db, t, 3)[0] == pages[t] == [h.seq for h in before[t]], t
        assert search.search_units(db, t, limit=2) == after[:2]
