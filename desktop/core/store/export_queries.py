"""Streaming reads for exports: units, labels with their coder's state, gold labels.

Every function binds its filters (article ids, coder ids, the scheme's dimension ids) as
parameters and gives plain tuples in a stable order; streams fetch :data:`CHUNK` rows at
a time, so memory stays bounded however large the project is. Excluded sentences and
excluded articles are left out everywhere, as in :func:`desktop.core.store.labels_frame`.

Rows are ordered by the unit's ``seq`` (project order), then coder id, then the
dimension's position in the scheme, so two exports of the same project are identical.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from desktop.core.store.db import Database
from desktop.core.store.label_keys import labels_with_keys, time_text
from desktop.core.store.sql import placeholders

CHUNK = 2_000  # rows per fetch (larger fetches were slower, not faster)

_CODABLE = "u.excluded = 0 AND a.excluded = 0"


def _stream(cursor, size: int = CHUNK) -> Iterator[tuple]:
    while rows := cursor.fetchmany(size):
        yield from rows


def _scope(
    articles: Sequence[str] | None,
    coders: Sequence[str] | None = None,
    dimensions: Sequence[str] | None = None,
    *,
    table: str = "l",
) -> tuple[str, list]:
    """The WHERE clause shared by every query, with its parameters."""
    sql, params = _CODABLE, []
    if articles is not None:
        sql += f" AND u.article_id IN ({placeholders(articles)})"
        params += list(articles)
    if coders is not None:
        sql += f" AND {table}.coder_id IN ({placeholders(coders)})"
        params += list(coders)
    if dimensions is not None:
        sql += f" AND {table}.dimension IN ({placeholders(dimensions)})"
        params += list(dimensions)
    return sql, params


def _dimension_order(dimensions: Sequence[str], table: str = "l") -> tuple[str, list]:
    """An ORDER BY term that sorts dimensions as the scheme lists them."""
    if not dimensions:
        return f"{table}.dimension", []
    whens = " ".join("WHEN ? THEN ?" for _ in dimensions)
    params: list = []
    for position, dimension in enumerate(dimensions):
        params += [dimension, position]
    return f"CASE {table}.dimension {whens} END", params


# -- sizes and names -----------------------------------------------------------------------


def count_units(db: Database, articles: Sequence[str] | None = None) -> int:
    """How many codable units the export covers (counted on a covering index)."""
    sql = (
        "SELECT count(*) FROM units u INDEXED BY units_codable WHERE u.excluded = 0 "
        "AND u.article_id NOT IN (SELECT id FROM articles WHERE excluded != 0)"
    )
    params: list = []
    if articles is not None:
        sql += f" AND u.article_id IN ({placeholders(articles)})"
        params = list(articles)
    return int(db.execute(sql, params).fetchone()[0])


def count_articles(db: Database, articles: Sequence[str] | None = None) -> int:
    """How many articles with codable units the export covers."""
    sql = (
        "SELECT count(*) FROM articles a WHERE a.excluded = 0 AND EXISTS (SELECT 1 FROM units "
        "u INDEXED BY units_article WHERE u.article_id = a.id AND u.excluded = 0)"
    )
    params: list = []
    if articles is not None:
        sql += f" AND a.id IN ({placeholders(articles)})"
        params = list(articles)
    return int(db.execute(sql, params).fetchone()[0])


def count_labels(
    db: Database,
    dimensions: Sequence[str],
    coders: Sequence[str] | None = None,
    articles: Sequence[str] | None = None,
) -> int:
    """How many current labels (unit x coder x dimension) the export covers."""
    return label_counts(db, dimensions, coders, articles)[0]


def label_counts(
    db: Database,
    dimensions: Sequence[str],
    coders: Sequence[str] | None = None,
    articles: Sequence[str] | None = None,
) -> tuple[int, int]:
    """``(labels the export covers, labels of dimensions no longer in the scheme)``.

    Counted on the integer tables of migration 0007 (through the ``labels`` view every
    label's texts and time were decoded only to be counted). Without an article filter:
    every label of the coders, on the coder index, less those on units that are not
    codable (excluded, of an excluded article, or no longer in the project), which are
    few; with one, the labels of each codable unit of those articles.
    """
    number = dict(db.execute("SELECT text, id FROM label_terms").fetchall())
    inside = [number[d] for d in dimensions if d in number]
    counts = f"count(*), count(CASE WHEN l.dimension IN ({placeholders(inside)}) THEN 1 END)"
    coder_sql, coder_params = "", []
    if coders is not None:
        known = [number[c] for c in coders if c in number]
        coder_sql, coder_params = f" AND l.coder IN ({placeholders(known)})", known
    if articles is not None:
        sql = (
            f"SELECT {counts} FROM units u INDEXED BY units_codable "
            "CROSS JOIN unit_keys k ON k.unit_id = u.id "
            "CROSS JOIN label_current l ON l.unit = k.id WHERE u.excluded = 0 "
            "AND u.article_id NOT IN (SELECT id FROM articles WHERE excluded != 0) "
            f"AND u.article_id IN ({placeholders(articles)}){coder_sql}"
        )
        total, covered = db.execute(sql, [*inside, *articles, *coder_params]).fetchone()
        return int(covered), int(total - covered)
    queries = [
        f"SELECT {counts} FROM label_current l INDEXED BY label_current_coder WHERE 1{coder_sql}",
        # labels on units that are not codable
        f"SELECT {counts} FROM units u INDEXED BY units_codable "
        "CROSS JOIN unit_keys k ON k.unit_id = u.id "
        "CROSS JOIN label_current l ON l.unit = k.id WHERE (u.excluded != 0 "
        f"OR u.article_id IN (SELECT id FROM articles WHERE excluded != 0)){coder_sql}",
        # labels on units no longer in the project
        f"SELECT {counts} FROM unit_keys k CROSS JOIN label_current l ON l.unit = k.id "
        f"WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.id = k.unit_id){coder_sql}",
    ]
    (total, covered), *out = [db.execute(q, [*inside, *coder_params]).fetchone() for q in queries]
    for less_total, less_covered in out:
        total, covered = total - less_total, covered - less_covered
    return int(covered), int(total - covered)


def coders_with_labels(
    db: Database,
    dimensions: Sequence[str],
    coders: Sequence[str] | None = None,
    articles: Sequence[str] | None = None,
) -> list[str]:
    """The ids of coders with at least one label in scope, sorted.

    Each coder's number is found on the coder index by a skip scan (the smallest number
    above the previous one) and checked for a label in scope, rather than visiting every
    label.
    """
    where, params = _scope(articles, coders, dimensions)
    sql = (
        "WITH RECURSIVE coder(n) AS ("
        "SELECT min(coder) FROM label_current UNION ALL "
        "SELECT (SELECT min(coder) FROM label_current WHERE coder > coder.n) FROM coder "
        "WHERE coder.n IS NOT NULL) "
        "SELECT t.text FROM coder JOIN label_terms t ON t.id = coder.n WHERE EXISTS (SELECT 1 "
        "FROM labels l JOIN units u ON u.id = l.unit_id JOIN articles a ON a.id = u.article_id "
        f"WHERE l.coder_id = t.text AND {where}) ORDER BY t.text"
    )
    return [row[0] for row in db.execute(sql, params)]


def coder_names(db: Database) -> dict[str, str]:
    """``{coder id: display name}`` for every registered coder."""
    return dict(db.execute("SELECT id, name FROM coders ORDER BY id").fetchall())


def article_ids(db: Database) -> set[str]:
    """The ids of every article in the project (excluded ones included)."""
    return {row[0] for row in db.execute("SELECT id FROM articles")}


def data_as_of(db: Database) -> str:
    """The time of the latest change to the project's data (ISO-8601 UTC), or ``""``.

    Formats that must carry a timestamp (xlsx, sav, dta, qdpx) use this rather than the
    clock, so two exports of an unchanged project are byte-identical.
    """
    # label_clock keeps the latest history time; a state's time is integer microseconds
    # or text (see label_keys): the larger of each kind, read as text.
    stamped, text = db.execute(
        "SELECT max(iif(typeof(changed_at) = 'integer', changed_at, NULL)), "
        "max(iif(typeof(changed_at) = 'text', changed_at, NULL)) FROM unit_state_rows"
    ).fetchone()
    row = db.execute(
        "SELECT max(t) FROM ("
        "SELECT latest AS t FROM label_clock UNION ALL SELECT ? UNION ALL SELECT ? "
        "UNION ALL SELECT max(decided_at) FROM gold_history "
        "UNION ALL SELECT max(decided_at) FROM gold_labels "
        "UNION ALL SELECT max(imported_at) FROM articles "
        "UNION ALL SELECT max(installed_at) FROM schemes "
        "UNION ALL SELECT max(at) FROM change_log)",
        [None if stamped is None else time_text(stamped), text],
    ).fetchone()
    return row[0] or ""


def project_file(db: Database) -> str:
    """The path of the project file behind ``db`` (``""`` for an in-memory database)."""
    for _, name, path in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return path or ""
    return ""


# -- streams -------------------------------------------------------------------------------


def iter_units(db: Database, articles: Sequence[str] | None = None) -> Iterator[tuple]:
    """Codable units in project order.

    Yields
    ------
    tuple
        ``(seq, unit_id, article_id, article_title, paragraph, sentence, text)``
    """
    where, params = _scope(articles)
    cursor = db.conn.execute(
        "SELECT u.seq, u.id, u.article_id, a.title, u.paragraph, u.sentence, u.text "
        f"FROM units u JOIN articles a ON a.id = u.article_id WHERE {where} ORDER BY u.seq",
        params,
    )
    return _stream(cursor)


def iter_labels(
    db: Database,
    dimensions: Sequence[str],
    coders: Sequence[str] | None = None,
    articles: Sequence[str] | None = None,
) -> Iterator[tuple]:
    """Current labels, ordered by unit, coder and the scheme's dimension order.

    Yields
    ------
    tuple
        ``(seq, coder, dimension, value)``
    """
    where, params = _scope(articles, coders, dimensions)
    order, order_params = _dimension_order(dimensions)
    cursor = db.conn.execute(
        "SELECT u.seq, l.coder_id, l.dimension, l.value FROM labels l "
        f"JOIN units u ON u.id = l.unit_id JOIN articles a ON a.id = u.article_id "
        f"WHERE {where} ORDER BY u.seq, l.coder_id, {order}",
        params + order_params,
    )
    return _stream(cursor)


def iter_long(
    db: Database,
    dimensions: Sequence[str],
    coders: Sequence[str] | None = None,
    articles: Sequence[str] | None = None,
) -> Iterator[tuple]:
    """Labels with their unit, article and the coder's unsure flag and note.

    A coder without a stored state on the unit reads as not unsure, with no note (what
    ``import-labels`` stores for the same row, so a long export round-trips).

    Yields
    ------
    tuple
        ``(seq, unit_id, article_id, article_title, paragraph, sentence, text, start,
        end, coder, dimension, value, unsure, note, seconds, changed_at)``; seconds
        is None where unknown (stored as 0, as for labels imported without times)
    """
    where, params = _scope(articles, coders, dimensions)
    order, order_params = _dimension_order(dimensions)
    cursor = db.conn.execute(
        "SELECT u.seq, u.id, u.article_id, a.title, u.paragraph, u.sentence, u.text, "
        "u.start, u.end, l.coder_id, l.dimension, l.value, coalesce(s.unsure, 0), "
        "coalesce(s.note, ''), nullif(l.seconds, 0), l.changed_at "
        f"FROM {labels_with_keys()} l JOIN units u ON u.id = l.unit_id "
        "JOIN articles a ON a.id = u.article_id "
        "LEFT JOIN unit_state_rows s ON s.unit = l.unit_n AND s.coder = l.coder_n "
        f"WHERE {where} ORDER BY u.seq, l.coder_id, {order}",
        params + order_params,
    )
    return _stream(cursor)


#: Separates the dimension, value and coder in :func:`iter_label_chunks`' label keys
#: (dimension ids and category codes never contain it; a coder id, last, may).
KEY_SEPARATOR = "\x1f"


def iter_label_chunks(
    db: Database,
    dimensions: Sequence[str],
    coders: Sequence[str] | None = None,
    articles: Sequence[str] | None = None,
) -> Iterator[list[tuple]]:
    """Current labels with the label's own cells only, a fetch at a time, in unit (seq),
    coder and dimension id order: the labels table's key order, which SQLite reads
    without sorting (the caller puts each unit's labels in the scheme's order).
    :func:`units_by_seq` gives the units' cells and :func:`notable_states` the coders'
    unsure flags and notes, once per unit.

    Yields
    ------
    list of tuple
        ``(seq, key, seconds, changed_at)``; ``key`` is ``dimension, value, coder``
        joined by :data:`KEY_SEPARATOR`: one text per label instead of three (there are
        a few dozen distinct keys among millions of labels). Seconds are None where
        unknown (stored as 0).
    """
    where, params = _scope(articles, coders, dimensions)
    cursor = db.conn.execute(
        "SELECT u.seq, l.dimension || char(31) || l.value || char(31) || l.coder_id, "
        "nullif(l.seconds, 0), l.changed_at "
        "FROM labels l JOIN units u ON u.id = l.unit_id JOIN articles a ON a.id = u.article_id "
        f"WHERE {where} ORDER BY u.seq, l.coder_id, l.dimension",
        params,
    )
    while rows := cursor.fetchmany(CHUNK):
        yield rows


def units_by_seq(db: Database, seqs: Sequence[int]) -> list[tuple]:
    """The units with these ``seq`` numbers (ascending), in project order.

    Returns
    -------
    list of tuple
        ``(seq, unit_id, article_id, article_title, paragraph, sentence, text)``
    """
    rows: list[tuple] = []
    for part in _groups(seqs):
        rows += db.conn.execute(
            "SELECT u.seq, u.id, u.article_id, a.title, u.paragraph, u.sentence, u.text "
            "FROM units u JOIN articles a ON a.id = u.article_id "
            f"WHERE u.seq IN ({placeholders(part)}) ORDER BY u.seq",
            part,
        ).fetchall()
    return rows


def notable_states(db: Database, unit_ids: Sequence[str]) -> list[tuple]:
    """Coders' states on these units that are not the default (not unsure, no note).

    Returns
    -------
    list of tuple
        ``(unit_id, coder, unsure, note)``
    """
    rows: list[tuple] = []
    for part in _groups(unit_ids):
        rows += db.conn.execute(
            "SELECT unit_id, coder_id, unsure, note FROM unit_states "
            f"WHERE unit_id IN ({placeholders(part)}) "
            "AND (coalesce(unsure, 0) != 0 OR coalesce(note, '') != '')",
            part,
        ).fetchall()
    return rows


def _groups(values: Sequence, size: int = 500) -> Iterator[list]:
    """``values`` in lists of at most ``size``: few enough parameters for any SQLite."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def iter_gold(
    db: Database, dimensions: Sequence[str], articles: Sequence[str] | None = None
) -> Iterator[tuple]:
    """Gold labels (adjudicated or recorded by the team workflow), in unit order.

    Yields
    ------
    tuple
        ``(seq, dimension, value, method, adjudicator)``
    """
    where, params = _scope(articles, dimensions=dimensions, table="g")
    order, order_params = _dimension_order(dimensions, "g")
    cursor = db.conn.execute(
        "SELECT u.seq, g.dimension, g.value, g.method, g.adjudicator FROM gold_labels g "
        "JOIN units u ON u.id = g.unit_id JOIN articles a ON a.id = u.article_id "
        f"WHERE {where} ORDER BY u.seq, {order}",
        params + order_params,
    )
    return _stream(cursor)


def iter_articles(db: Database, articles: Sequence[str] | None = None) -> Iterator[tuple]:
    """Articles that are not excluded, in project order, with their full text.

    Yields
    ------
    tuple
        ``(article_id, title, source, author, date, url, text, imported_at)``
    """
    sql = (
        "SELECT id, title, source, author, date, url, text, imported_at FROM articles "
        "WHERE excluded = 0"
    )
    params: list = []
    if articles is not None:
        sql += f" AND id IN ({placeholders(articles)})"
        params = list(articles)
    return _stream(db.conn.execute(sql + " ORDER BY position", params), size=50)


def iter_notes(
    db: Database,
    dimensions: Sequence[str],
    coders: Sequence[str] | None = None,
    articles: Sequence[str] | None = None,
) -> Iterator[tuple]:
    """Coders' notes on units where that coder has a label in scope, in unit order.

    Yields
    ------
    tuple
        ``(unit_id, coder, note, changed_at)``
    """
    where, params = _scope(articles, coders, table="s")
    cursor = db.conn.execute(
        "SELECT s.unit_id, s.coder_id, s.note, s.changed_at FROM unit_states s "
        "JOIN units u ON u.id = s.unit_id JOIN articles a ON a.id = u.article_id "
        f"WHERE {where} AND s.note != '' AND EXISTS (SELECT 1 FROM labels l "
        "WHERE l.unit_id = s.unit_id AND l.coder_id = s.coder_id "
        f"AND l.dimension IN ({placeholders(dimensions)})) ORDER BY u.seq, s.coder_id",
        [*params, *dimensions],
    )
    return _stream(cursor)
