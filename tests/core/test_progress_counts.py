"""Issue 24: the coder's fully and partly coded units counted in one pass
(``coding_queries.progress_counts``), on cases whose counts are known by construction."""

from __future__ import annotations

from desktop.core import store, team
from desktop.core.curation.articles import exclude_article
from desktop.core.curation.units import exclude_units
from desktop.core.store import coding_queries

DIMS = ("stance", "alliance_trust", "china_role")


def _label(db, unit_id: str, coder: str, dims: tuple[str, ...]) -> None:
    scheme = store.current_scheme(db)
    for dim in dims:
        store.set_label(db, unit_id, coder, dim, scheme.dimension(dim).categories[0].code)


def test_complete_partial_and_untouched_units_are_counted_apart(corpus_project):
    db = corpus_project
    for coder in ("ak", "bm"):
        store.ensure_coder(db, coder)
    units = [store.get_unit_by_seq(db, seq) for seq in store.coded_unit_seqs(db)]
    # ak: units 0-2 complete, 3-4 partly (two and one dimension), the rest untouched;
    # bm's labels on units 5-9 are not ak's.
    for unit in units[:3]:
        _label(db, unit.id, "ak", DIMS)
    _label(db, units[3].id, "ak", DIMS[:2])
    _label(db, units[4].id, "ak", DIMS[:1])
    for unit in units[5:10]:
        _label(db, unit.id, "bm", DIMS)
    assert coding_queries.progress_counts(db, "ak", DIMS) == (3, 2)
    assert coding_queries.progress_counts(db, "bm", DIMS) == (5, 0)
    # Over the first two dimensions only, unit 3 is complete as well.
    assert coding_queries.progress_counts(db, "ak", DIMS[:2]) == (4, 1)
    # A cleared label makes a complete unit partly coded.
    store.set_label(db, units[0].id, "ak", "china_role", None)
    assert coding_queries.progress_counts(db, "ak", DIMS) == (2, 3)


def test_excluded_units_and_articles_are_not_counted(corpus_project):
    db = corpus_project
    store.ensure_coder(db, "ak")
    units = [store.get_unit_by_seq(db, seq) for seq in store.coded_unit_seqs(db)]
    first_article = units[0].article_id
    in_first = [u for u in units if u.article_id == first_article]
    other = next(u for u in units if u.article_id != first_article)
    _label(db, in_first[0].id, "ak", DIMS)
    _label(db, in_first[1].id, "ak", DIMS[:1])
    _label(db, other.id, "ak", DIMS)
    assert coding_queries.progress_counts(db, "ak", DIMS) == (2, 1)
    exclude_units(db, [other.id], confirm=True)
    assert coding_queries.progress_counts(db, "ak", DIMS) == (1, 1)
    exclude_article(db, first_article, confirm=True)
    assert coding_queries.progress_counts(db, "ak", DIMS) == (0, 0)


def test_assigned_only_counts_the_coders_assigned_units(corpus_project):
    db = corpus_project
    for coder in ("ak", "bm"):
        store.ensure_coder(db, coder)
    team.draw_reliability_sample(db, ["ak", "bm"], share=0.2, seed=11)
    assigned = set(team.coder_queue_seqs(db, "ak"))
    seqs = store.coded_unit_seqs(db)
    inside = [store.get_unit_by_seq(db, s) for s in seqs if s in assigned][:3]
    outside = [store.get_unit_by_seq(db, s) for s in seqs if s not in assigned][:2]
    _label(db, inside[0].id, "ak", DIMS)
    _label(db, inside[1].id, "ak", DIMS)
    _label(db, inside[2].id, "ak", DIMS[:2])
    _label(db, outside[0].id, "ak", DIMS)
    _label(db, outside[1].id, "ak", DIMS[:1])
    assert coding_queries.progress_counts(db, "ak", DIMS, assigned_only=True) == (2, 1)
    assert coding_queries.progress_counts(db, "ak", DIMS) == (3, 2)


def test_list_rows_read_together_have_each_units_own_state(corpus_project):
    """``unit_statuses`` (a screenful of the unit list in two queries) gives each unit
    the state written on it, and the same as ``unit_status`` one unit at a time."""
    db = corpus_project
    for coder in ("ak", "bm"):
        store.ensure_coder(db, coder)
    units = [store.get_unit_by_seq(db, seq) for seq in store.coded_unit_seqs(db)][:6]
    _label(db, units[0].id, "ak", DIMS)
    _label(db, units[1].id, "ak", DIMS[:2])
    store.set_unsure(db, units[2].id, "ak", True)
    store.set_note(db, units[3].id, "ak", "check the quote")
    _label(db, units[4].id, "bm", DIMS)  # another coder's labels and state
    store.set_unsure(db, units[4].id, "bm", True)
    ids = [u.id for u in units]
    statuses = coding_queries.unit_statuses(db, "ak", ids, DIMS)
    assert [statuses[i] for i in ids] == [
        coding_queries.UnitStatus(3, False, False),
        coding_queries.UnitStatus(2, False, False),
        coding_queries.UnitStatus(0, True, False),
        coding_queries.UnitStatus(0, False, True),
        coding_queries.UnitStatus(0, False, False),
        coding_queries.UnitStatus(0, False, False),
    ]
    assert all(statuses[i] == coding_queries.unit_status(db, "ak", i, DIMS) for i in ids)
    assert coding_queries.unit_statuses(db, "ak", [], DIMS) == {}
    listed = store.corpus.units_by_seqs(db, [units[5].seq, units[0].seq, 10**9])
    assert [u.id for u in listed] == [units[0].id, units[5].id]


def _codable_seqs_row_by_row(db) -> list[int]:
    return [
        row[0]
        for row in db.execute(
            "SELECT u.seq FROM units u JOIN articles a ON a.id = u.article_id "
            "WHERE u.excluded = 0 AND a.excluded = 0 ORDER BY u.seq"
        )
    ]


def test_the_whole_list_leaves_out_excluded_units_and_articles(corpus_project, monkeypatch):
    """The whole project's list is built from the seq range less the units left out (in
    pieces: the piece size is made small here so that several are joined)."""
    db = corpus_project
    monkeypatch.setattr(store.corpus, "_SEQ_PIECE", 7)
    every = _codable_seqs_row_by_row(db)
    assert store.coded_unit_seqs(db) == every
    units = [store.get_unit_by_seq(db, seq) for seq in every]
    exclude_units(db, [units[0].id, units[5].id, units[-1].id], confirm=True)
    exclude_article(db, units[20].article_id, confirm=True)
    expected = [
        u.seq
        for n, u in enumerate(units)
        if n not in (0, 5, len(units) - 1) and u.article_id != units[20].article_id
    ]
    assert store.coded_unit_seqs(db) == expected == _codable_seqs_row_by_row(db)
    # One article's list is read as before.
    article = units[30].article_id
    assert store.coded_unit_seqs(db, [article]) == [u.seq for u in units if u.article_id == article]


def test_the_whole_list_with_gaps_in_the_seqs_is_read_row_by_row(corpus_project):
    db = corpus_project
    top = _codable_seqs_row_by_row(db)[-1]
    with store.write_transaction(db):
        db.execute("UPDATE units SET seq = seq + 1000 WHERE seq = ?", [top])
    listed = store.coded_unit_seqs(db)
    assert listed == _codable_seqs_row_by_row(db)
    assert listed[-1] == top + 1000 and top not in listed
