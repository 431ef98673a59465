"""Full-text search (migration 0008, desktop.core.store.search) on real project files.

The expected results are computed independently of FTS5: a plain Python scan of the units'
text with a word regex and accent folding (unicodedata), compared with what the index
returns.
"""

from __future__ import annotations

import re
import unicodedata

import pytest

from desktop.core import store, team
from desktop.core.curation.units import exclude_units, merge_units, split_unit
from desktop.core.store import coding_queries, search


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", _fold(text))


def _expected(db, words: list[str], *, prefix_last: bool, excluded: bool = False) -> list[int]:
    """Seqs of the units whose words hold every one of ``words`` (the last as a prefix)."""
    rows = db.execute(
        "SELECT u.seq, u.text FROM units u JOIN articles a ON a.id = u.article_id "
        + ("" if excluded else "WHERE u.excluded = 0 AND a.excluded = 0 ")
        + "ORDER BY u.seq"
    ).fetchall()
    found = []
    for seq, text in rows:
        have = _words(text)
        ok = all(w in have for w in words[:-1])
        last = words[-1]
        ok = ok and any(h.startswith(last) if prefix_last else h == last for h in have)
        if ok:
            found.append(seq)
    return found


def _integrity(db) -> None:
    """FTS5's own check that the index matches the units' text (raises if not)."""
    db.execute("INSERT INTO unit_search (unit_search, rank) VALUES ('integrity-check', 1)")


def test_search_finds_every_unit_holding_the_words_in_corpus_order(corpus_project):
    db = corpus_project
    for typed, words, prefix in [
        ("sanctions", ["sanctions"], True),
        ("seoul ", ["seoul"], False),
        ("Pressure al", ["pressure", "al"], True),
        ("north korea", ["north", "korea"], True),
        ("k", ["k"], True),
    ]:
        hits = search.search_units(db, typed, limit=10_000)
        expected = _expected(db, words, prefix_last=prefix)
        assert expected, typed  # the demo articles hold every one of these
        assert [h.seq for h in hits] == expected, typed


def test_a_page_is_the_first_matches_in_corpus_order(corpus_project):
    every = search.search_units(corpus_project, "the", limit=10_000)
    page = search.search_units(corpus_project, "the", limit=7)
    assert len(every) > 7
    assert page == every[:7]


def test_case_and_accents_are_ignored(corpus_project):
    plain = [h.seq for h in search.search_units(corpus_project, "seoul", limit=1000)]
    assert plain
    assert [h.seq for h in search.search_units(corpus_project, "SÉOUL", limit=1000)] == plain
    assert [h.seq for h in search.search_units(corpus_project, "Séo", limit=1000)] == [
        h.seq for h in search.search_units(corpus_project, "seo", limit=1000)
    ]


def test_matches_are_marked_and_the_text_is_the_units(corpus_project):
    hits = search.search_units(corpus_project, "sanct", limit=3)
    assert hits
    for hit in hits:
        assert hit.text == store.get_unit_by_seq(corpus_project, hit.seq).text
        parts = search.marked_parts(hit.marked)
        assert "".join(text for text, _ in parts) == hit.text
        marked = [text.lower() for text, is_match in parts if is_match]
        assert marked and all(m.startswith("sanct") for m in marked)


@pytest.mark.parametrize(
    "typed",
    [
        '"',
        '""',
        "*",
        "a*",
        "NEAR(",
        "NEAR(a b",
        "AND",
        "OR",
        "NOT",
        "seoul AND",
        "AND seoul",
        "(seoul",
        "seoul)",
        ")(",
        "^seoul",
        "col:seoul",
        "text:seoul",
        "-seoul",
        "+",
        "'",
        "\\",
        "\x00",
        "seoul\x00talks",
        "서울",
        "北京",
        "Пхеньян",
        "ﬁnance",
        "🙂",
        "a" * 5000,
        "   ",
        "",
    ],
)
def test_whatever_is_typed_searches_without_error(corpus_project, typed):
    hits = search.search_units(corpus_project, typed, limit=50)
    assert isinstance(hits, list)
    for hit in hits:
        assert not hit.excluded


def test_fts_syntax_is_searched_as_words(corpus_project):
    assert search.fts_query("AND") == '"AND"*'
    # words, not phrases (the index keeps no positions since migration 0009)
    assert search.fts_query('say "hi') == '"say" "hi"*'
    assert search.fts_query("kim jong-un") == '"kim" "jong" "un"*'
    assert search.fts_query("seoul talks ") == '"seoul" "talks"'
    assert search.fts_query(" * ( ") == ""
    assert search.fts_query("alli* korea ") == '"alli"* "korea"'
    # "and" is a word of the demo articles: typed as the operator it is still a word
    assert [h.seq for h in search.search_units(corpus_project, "AND ", limit=5000)] == (
        _expected(corpus_project, ["and"], prefix_last=False)
    )


def test_excluded_units_are_left_out_unless_asked_for(corpus_project):
    db = corpus_project
    hit = search.search_units(db, "sanctions", limit=1)[0]
    exclude_units(db, [hit.unit_id], who="lead")
    assert hit.seq not in [h.seq for h in search.search_units(db, "sanctions", limit=1000)]
    all_hits = search.search_units(db, "sanctions", limit=1000, include_excluded=True)
    assert next(h for h in all_hits if h.seq == hit.seq).excluded
    assert [h.seq for h in all_hits] == _expected(
        db, ["sanctions"], prefix_last=True, excluded=True
    )


def test_search_within_one_article(corpus_project):
    db = corpus_project
    articles = store.list_articles(db)
    second = articles[1].id
    hits = search.search_units(db, "the", limit=1000, article=second)
    assert hits and {h.article_id for h in hits} == {second}
    every = search.search_units(db, "the", limit=10_000)
    assert [h.seq for h in hits] == [h.seq for h in every if h.article_id == second]
    assert search.search_units(db, "the", article="no-such-article") == []


def test_merge_and_split_keep_the_index_and_the_order(corpus_project):
    db = corpus_project
    units = store.article_units(db, store.list_articles(db)[0].id)
    first, second = [u for u in units if not u.excluded][:2]
    merge_units(db, first.id, second.id, who="lead")
    _integrity(db)
    tail_word = _words(second.text)[-1]
    assert first.seq in [h.seq for h in search.search_units(db, tail_word + " ", limit=1000)]

    # split the merged unit again: the new unit gets a new rowid but a seq in the middle
    merged = store.get_unit(db, first.id)
    split_unit(db, first.id, len(first.text) + 1, who="lead")
    _integrity(db)
    for typed in ("the", tail_word, "a"):
        hits = search.search_units(db, typed, limit=10_000)
        assert [h.seq for h in hits] == _expected(db, _words(typed), prefix_last=True)
        page = search.search_units(db, typed, limit=3)
        assert page == hits[:3]
    split_off = [h for h in search.search_units(db, tail_word, limit=50) if h.seq == first.seq + 1]
    assert split_off and split_off[0].text in merged.text


def test_a_migrated_old_project_is_indexed(tmp_path, corpus_project):
    """A project made before 0008 gets its units indexed when it is opened."""
    db = corpus_project
    path = tmp_path / "project.stance"  # where the empty_project fixture made it
    for trigger in ("insert", "delete", "update"):
        db.execute(f"DROP TRIGGER unit_search_{trigger}")
    db.execute("DROP TABLE unit_search")
    db.execute("DROP INDEX articles_listing")
    db.execute("DELETE FROM schema_migrations WHERE version = 8")
    assert not search.has_search_index(db)
    db.close()
    reopened = store.open_project(path)
    try:
        assert search.has_search_index(reopened)
        _integrity(reopened)
        assert [h.seq for h in search.search_units(reopened, "sanctions", limit=1000)] == (
            _expected(reopened, ["sanctions"], prefix_last=True)
        )
    finally:
        reopened.close()


def test_a_package_carries_a_consistent_index(tmp_path, corpus_project):
    db = corpus_project
    store.ensure_coder(db, "ann")
    out = tmp_path / "ann.stance"
    team.create_package(db, "ann", out)
    package = store.open_project(out)
    try:
        _integrity(package)
        assert [h.seq for h in search.search_units(package, "seoul", limit=1000)] == [
            h.seq for h in search.search_units(db, "seoul", limit=1000)
        ]
    finally:
        package.close()


def test_article_filter_matches_title_source_author_date_and_url(corpus_project):
    from desktop.core.corpus.importer import content_hash

    db = corpus_project
    text = "Envoys met in Panmunjom on Friday."
    with store.write_transaction(db):
        added = store.add_articles(
            db,
            [
                store.NewArticle(
                    text=text,
                    content_hash=content_hash(text),
                    title="Envoys meet",
                    source="Korea Herald",
                    author="Mina Cho",
                    date="2018-01-09",
                    url="https://example.org/envoys",
                    units=[store.NewUnit(0, 0, 0, len(text), text)],
                    paragraphs=[store.NewParagraph(0, len(text))],
                )
            ],
        )[0]
    articles = store.list_articles(db)
    assert search.filter_article_ids(db, "  ") is None
    for typed in ("korea herald", "MINA", "2018-01", "example.org/env", "ENVOYS MEET"):
        assert search.filter_article_ids(db, typed) == [added], typed
    one = articles[3]
    assert search.filter_article_ids(db, one.title[3:12].upper()) == [
        a.id for a in articles if one.title[3:12].casefold() in a.title.casefold()
    ]
    # LIKE's wildcards and FTS syntax are plain characters here
    assert search.filter_article_ids(db, "%") == []
    assert search.filter_article_ids(db, "_") == []
    assert search.filter_article_ids(db, "no such words anywhere") == []
    # the new article's sentence is found by the full-text search too
    assert [h.article_id for h in search.search_units(db, "panmunjom fri")] == [added]


def test_an_import_indexes_its_units_in_one_statement_and_leaves_no_flag(corpus_project):
    db = corpus_project
    _integrity(db)
    assert store.get_meta(db, search.DEFERRED_KEY) is None
    indexed = db.execute("SELECT count(*) FROM unit_search_docsize").fetchone()[0]
    assert indexed == db.execute("SELECT count(*) FROM units").fetchone()[0]


def test_a_failed_bulk_insert_leaves_neither_flag_nor_index_rows(corpus_project):
    db = corpus_project
    before = db.execute("SELECT count(*) FROM unit_search_docsize").fetchone()[0]
    unit = store.get_unit_by_seq(db, 1)
    with pytest.raises(RuntimeError), store.write_transaction(db), search.indexing_in_bulk(db):
        db.execute(
            "INSERT INTO units (id, seq, article_id, paragraph, sentence, start, end, text, "
            "created_at) VALUES ('x-0001', 999999, ?, 0, 0, 0, 1, 'zebra crossing', '')",
            [unit.article_id],
        )
        raise RuntimeError("the import fails after its inserts")
    assert store.get_meta(db, search.DEFERRED_KEY) is None
    assert db.execute("SELECT count(*) FROM unit_search_docsize").fetchone()[0] == before
    assert search.search_units(db, "zebra") == []
    _integrity(db)
    # a single insert outside a bulk block is indexed by the trigger
    with store.write_transaction(db):
        db.execute(
            "INSERT INTO units (id, seq, article_id, paragraph, sentence, start, end, text, "
            "created_at) VALUES ('x-0002', 999999, ?, 0, 0, 0, 1, 'zebra crossing', '')",
            [unit.article_id],
        )
    assert [h.unit_id for h in search.search_units(db, "zebra")] == ["x-0002"]
    _integrity(db)


@pytest.mark.parametrize(
    "typed", ["sanct", "north korea", "SÉOUL", "the a", "kim jong-un", "talks ", "pressure al"]
)
def test_the_lists_marks_are_the_indexs_own_highlight(corpus_project, typed):
    """search.mark_matches (Python, for the window's list) marks the words FTS5's
    highlight() marks, on every unit the search finds."""
    hits = search.search_units(corpus_project, typed, limit=10_000)
    assert hits
    for hit in hits:
        assert search.mark_matches(hit.text, typed) == hit.marked, (typed, hit.text)


# What users type, hostile pieces included, with pieces of several words ("jong-un",
# "don't", "u.s.") whose words the index (detail=none since migration 0009) can only AND.
SAME_AS_PHRASES = [
    "kim jong-un",
    "jong-un",
    "jong-u",
    "north-korea",
    "u.s.",
    "u.s",
    "don't",
    "sanct",
    "north korea",
    "SÉOUL",
    "the a",
    "talks ",
    "pressure al",
    'say "hi',
    "seoul\x00talks",
    "NEAR(a b",
    "a-b-c-d",
    "e-",
    "-e",
    "1-2",
    "of-the",
    "the.alliance*",
]


def _full_detail_replica(db) -> None:
    """Migration 0008's index (word positions, phrase queries) over the same units, in the
    temp schema: the reference the position-less index must agree with."""
    db.execute("DROP TABLE IF EXISTS temp.full_index")
    db.execute(
        "CREATE VIRTUAL TABLE temp.full_index USING fts5(text, "
        "tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3')"
    )
    db.execute("INSERT INTO temp.full_index (rowid, text) SELECT rowid, text FROM units")


def _phrase_query(text: str) -> str:
    """Migration 0008's query: each piece one quoted phrase, the last as a prefix."""
    return " ".join(
        '"' + piece.replace('"', '""') + '"' + ("*" if prefix else "")
        for piece, prefix in search._pieces(text)
    )


@pytest.mark.parametrize("typed", SAME_AS_PHRASES)
def test_the_index_without_positions_finds_and_marks_what_phrase_queries_did(corpus_project, typed):
    """Every unit and every mark that 0008's phrase queries gave, and nothing else: the
    words ANDed by the index and the phrases checked in order by search.phrase_filter."""
    db = corpus_project
    _full_detail_replica(db)
    query = _phrase_query(typed)
    reference = []
    if query:
        reference = db.execute(
            "SELECT u.id, highlight(full_index, 0, ?, ?) FROM temp.full_index f "
            "JOIN units u ON u.rowid = f.rowid WHERE full_index MATCH ? ORDER BY u.seq",
            [search.MARK_START, search.MARK_END, query],
        ).fetchall()
    hits = search.search_units(db, typed, limit=100_000, include_excluded=True)
    assert [(h.unit_id, h.marked) for h in hits] == reference
    # the coding window's filtered list: the codable units among them
    seqs = coding_queries.filter_unit_seqs(
        db, "ana", coding_queries.UnitFilter.ALL, ["stance"], text=typed
    )
    assert seqs == [h.seq for h in hits if not h.excluded]


def test_the_demo_corpus_holds_phrases_whose_words_occur_apart(corpus_project):
    """The test above is a test: some pieces' words occur in units without the phrase."""
    db = corpus_project
    loose = search.fts_query("kim jong-un")
    anded = db.execute(
        "SELECT count(*) FROM unit_search WHERE unit_search MATCH ?", [loose]
    ).fetchone()[0]
    assert anded >= len(search.search_units(db, "kim jong-un", limit=10_000))
    assert any(
        db.execute(
            "SELECT count(*) FROM unit_search WHERE unit_search MATCH ?", [search.fts_query(t)]
        ).fetchone()[0]
        > len(search.search_units(db, t, limit=10_000, include_excluded=True))
        for t in SAME_AS_PHRASES
        if search.has_phrases(t)
    )
