"""Streaming reads for exports: units, labels with their coder's state, gold labels.

Every function binds its filters (article ids, coder ids, the scheme's dimension ids) as
parameters and yields plain tuples in a stable order, fetching :data:`CHUNK` rows at a
time, so memory stays bounded however large the project is. Excluded sentences and
excluded articles are left out everywhere, as in :func:`desktop.core.store.labels_frame`.

Rows are ordered by the unit's ``seq`` (project order), then coder id, then the
dimension's position in the scheme, so two exports of the same project are identical.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from desktop.core.store.db import Database

CHUNK = 5_000

_CODABLE = "u.excluded = 0 AND a.excluded = 0"


def _marks(values: Sequence) -> str:
    return ", ".join("?" * len(values))


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
        sql += f" AND u.article_id IN ({_marks(articles)})"
        params += list(articles)
    if coders is not None:
        sql += f" AND {table}.coder_id IN ({_marks(coders)})"
        params += list(coders)
    if dimensions is not None:
        sql += f" AND {table}.dimension IN ({_marks(dimensions)})"
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
    """How many codable units the export covers."""
    where, params = _scope(articles)
    sql = f"SELECT count(*) FROM units u JOIN articles a ON a.id = u.article_id WHERE {where}"
    return int(db.execute(sql, params).fetchone()[0])


def count_articles(db: Database, articles: Sequence[str] | None = None) -> int:
    """How many articles with codable units the export covers."""
    where, params = _scope(articles)
    sql = (
        "SELECT count(DISTINCT u.article_id) FROM units u "
        f"JOIN articles a ON a.id = u.article_id WHERE {where}"
    )
    return int(db.execute(sql, params).fetchone()[0])


def count_labels(
    db: Database,
    dimensions: Sequence[str],
    coders: Sequence[str] | None = None,
    articles: Sequence[str] | None = None,
) -> int:
    """How many current labels (unit x coder x dimension) the export covers."""
    where, params = _scope(articles, coders, dimensions)
    sql = (
        "SELECT count(*) FROM labels l JOIN units u ON u.id = l.unit_id "
        f"JOIN articles a ON a.id = u.article_id WHERE {where}"
    )
    return int(db.execute(sql, params).fetchone()[0])


def count_labels_outside(
    db: Database,
    dimensions: Sequence[str],
    coders: Sequence[str] | None = None,
    articles: Sequence[str] | None = None,
) -> int:
    """Labels of dimensions that are no longer in the scheme (left out of exports)."""
    where, params = _scope(articles, coders)
    sql = (
        "SELECT count(*) FROM labels l JOIN units u ON u.id = l.unit_id "
        f"JOIN articles a ON a.id = u.article_id WHERE {where} "
        f"AND l.dimension NOT IN ({_marks(dimensions)})"
    )
    return int(db.execute(sql, [*params, *dimensions]).fetchone()[0])


def coders_with_labels(
    db: Database,
    dimensions: Sequence[str],
    coders: Sequence[str] | None = None,
    articles: Sequence[str] | None = None,
) -> list[str]:
    """The ids of coders with at least one label in scope, sorted."""
    where, params = _scope(articles, coders, dimensions)
    sql = (
        "SELECT DISTINCT l.coder_id FROM labels l JOIN units u ON u.id = l.unit_id "
        f"JOIN articles a ON a.id = u.article_id WHERE {where} ORDER BY l.coder_id"
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
    row = db.execute(
        "SELECT max(t) FROM ("
        "SELECT max(changed_at) AS t FROM label_history "
        "UNION ALL SELECT max(changed_at) FROM unit_states "
        "UNION ALL SELECT max(decided_at) FROM gold_history "
        "UNION ALL SELECT max(decided_at) FROM gold_labels "
        "UNION ALL SELECT max(imported_at) FROM articles "
        "UNION ALL SELECT max(installed_at) FROM schemes "
        "UNION ALL SELECT max(at) FROM change_log)"
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
        end, coder, dimension, value, unsure, note, seconds, changed_at)``
    """
    where, params = _scope(articles, coders, dimensions)
    order, order_params = _dimension_order(dimensions)
    cursor = db.conn.execute(
        "SELECT u.seq, u.id, u.article_id, a.title, u.paragraph, u.sentence, u.text, "
        "u.start, u.end, l.coder_id, l.dimension, l.value, coalesce(s.unsure, 0), "
        "coalesce(s.note, ''), l.seconds, l.changed_at "
        "FROM labels l JOIN units u ON u.id = l.unit_id "
        "JOIN articles a ON a.id = u.article_id "
        "LEFT JOIN unit_states s ON s.unit_id = l.unit_id AND s.coder_id = l.coder_id "
        f"WHERE {where} ORDER BY u.seq, l.coder_id, {order}",
        params + order_params,
    )
    return _stream(cursor)


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
        sql += f" AND id IN ({_marks(articles)})"
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
        f"AND l.dimension IN ({_marks(dimensions)})) ORDER BY u.seq, s.coder_id",
        [*params, *dimensions],
    )
    return _stream(cursor)
