"""Queries the coding window needs beyond single units: progress, filters, search, context.

Everything here reads one coder's labels only (blind coding). The functions that run on
every key press (:func:`context_units`, and :func:`unit_statuses` for the list rows a key
changed or a scroll shows) read the current sentence's rows, its paragraph's neighbours
or a screenful of rows, never the whole project; the project-wide ones
(:func:`progress_counts`, :func:`coder_progress`, :func:`filter_unit_seqs`,
:func:`next_uncoded_seq`) run when the window opens or when the coder asks for a list or
a jump. :func:`unit_status`, :func:`partial_count` and :func:`assigned_coded_count` read
one unit or one count each, the plain way: the window no longer calls them, and the tests
check the session's own counts and states, and the one-pass and screenful readers,
against them.

A unit counts as *coded* by a coder when it has a label in every dimension passed in
``dimensions`` (the scheme in force), so labels of a dimension that was later removed
from the scheme do not make a unit look done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

from desktop.core.store import search
from desktop.core.store.corpus import UNIT_COLUMNS, Unit, unit_from_row
from desktop.core.store.db import Database
from desktop.core.store.label_keys import term_sql, unit_sql
from desktop.core.store.sql import placeholders

_CODABLE = "u.excluded = 0 AND a.excluded = 0"


class UnitFilter(Enum):
    """Which sentences a list shows."""

    ALL = "all"
    UNCODED = "uncoded"
    PARTIAL = "partial"
    UNSURE = "unsure"
    NOTED = "noted"

    @property
    def label(self) -> str:
        return {
            UnitFilter.ALL: "All sentences",
            UnitFilter.UNCODED: "Not yet coded (partly coded too)",
            UnitFilter.PARTIAL: "Partly coded",
            UnitFilter.UNSURE: "Marked unsure",
            UnitFilter.NOTED: "With notes",
        }[self]


@dataclass(frozen=True)
class ArticleHeader:
    """What the article list shows of an article (no text, no metadata)."""

    id: str
    position: int
    title: str
    source: str
    date: str


@dataclass(frozen=True)
class UnitStatus:
    """One coder's state on one unit: how many dimensions labelled, unsure, noted."""

    labelled: int
    unsure: bool
    noted: bool


def _labelled_count_sql(dimensions: Sequence[str]) -> str:
    """A correlated subquery: how many of ``dimensions`` the coder labelled on ``u``."""
    return (
        "(SELECT count(*) FROM label_current l WHERE l.unit = "
        f"(SELECT id FROM unit_keys WHERE unit_id = u.id) AND l.coder = {term_sql()} "
        f"AND l.dimension IN ({_terms_in(dimensions)}))"
    )


def _terms_in(texts: Sequence[str]) -> str:
    """SQL for the numbers of ``texts`` (for ``IN (...)``; one parameter per text)."""
    return f"SELECT id FROM label_terms WHERE text IN ({placeholders(texts)})"


def _coded_units_sql(dimensions: Sequence[str], having: str) -> str:
    """A subquery of ``unit_id``: the units the coder (first parameter) labelled in
    ``having`` (a comparison with the last parameter) of ``dimensions`` (the parameters
    between)."""
    return (
        "(SELECT k.unit_id FROM (SELECT unit FROM label_current "
        f"WHERE coder = {term_sql()} AND dimension IN ({_terms_in(dimensions)}) "
        f"GROUP BY unit HAVING count(*) {having} ?) c JOIN unit_keys k ON k.id = c.unit)"
    )


def article_headers(db: Database) -> list[ArticleHeader]:
    """The articles that have sentences to code, in project order."""
    rows = db.execute(
        "SELECT id, position, title, source, date FROM articles WHERE excluded = 0 "
        "ORDER BY position"
    )
    return [ArticleHeader(*row) for row in rows]


def article_progress(
    db: Database,
    coder: str,
    article_id: str,
    dimensions: Sequence[str],
    *,
    assigned_only: bool = False,
) -> tuple[int, int]:
    """``(coded, total)`` codable units of one article for ``coder`` (of those assigned
    to ``coder`` when ``assigned_only``, as the coding session counts them)."""
    assigned = (
        " AND EXISTS (SELECT 1 FROM assignments s WHERE s.unit_id = u.id AND s.coder_id = ?)"
        if assigned_only
        else ""
    )
    row = db.execute(
        f"SELECT count(*), coalesce(sum({_labelled_count_sql(dimensions)} >= ?), 0) "
        "FROM units u JOIN articles a ON a.id = u.article_id "
        f"WHERE u.article_id = ? AND {_CODABLE}{assigned}",
        [coder, *dimensions, len(dimensions), article_id, *([coder] if assigned_only else [])],
    ).fetchone()
    return int(row[1]), int(row[0])


def coded_count(db: Database, coder: str, dimensions: Sequence[str]) -> int:
    """How many codable units ``coder`` has labelled in every one of ``dimensions``."""
    row = db.execute(
        f"SELECT count(*) FROM {_coded_units_sql(dimensions, '>=')} c "
        f"JOIN units u ON u.id = c.unit_id JOIN articles a ON a.id = u.article_id WHERE {_CODABLE}",
        [coder, *dimensions, len(dimensions)],
    ).fetchone()
    return int(row[0])


def partial_count(
    db: Database, coder: str, dimensions: Sequence[str], *, assigned_only: bool = False
) -> int:
    """How many codable units ``coder`` has labelled in some but not all of ``dimensions``
    (of the units assigned to ``coder`` when ``assigned_only``)."""
    sql = (
        f"SELECT count(*) FROM {_coded_units_sql(dimensions, '<')} c "
        f"JOIN units u ON u.id = c.unit_id JOIN articles a ON a.id = u.article_id WHERE {_CODABLE}"
    )
    params: list = [coder, *dimensions, len(dimensions)]
    if assigned_only:
        sql += " AND EXISTS (SELECT 1 FROM assignments s WHERE s.unit_id = u.id AND s.coder_id = ?)"
        params.append(coder)
    return int(db.execute(sql, params).fetchone()[0])


def assigned_coded_count(db: Database, coder: str, dimensions: Sequence[str]) -> int:
    """How many distinct codable units assigned to ``coder`` (in any round) ``coder`` has
    labelled in every one of ``dimensions``; a unit assigned twice counts once."""
    row = db.execute(
        f"SELECT count(*) FROM {_coded_units_sql(dimensions, '>=')} c "
        f"JOIN units u ON u.id = c.unit_id JOIN articles a ON a.id = u.article_id WHERE {_CODABLE} "
        "AND EXISTS (SELECT 1 FROM assignments s WHERE s.unit_id = u.id AND s.coder_id = ?)",
        [coder, *dimensions, len(dimensions), coder],
    ).fetchone()
    return int(row[0])


def progress_counts(
    db: Database, coder: str, dimensions: Sequence[str], *, assigned_only: bool = False
) -> tuple[int, int]:
    """``(coded, partial)``: the codable units ``coder`` has labelled in every one and in
    some but not all of ``dimensions`` (of the units assigned to ``coder`` when
    ``assigned_only``), as :func:`coded_count` (or :func:`assigned_coded_count`) and
    :func:`partial_count` count them, in one pass over the coder's labels instead of
    two (issue 24: the counts a million-sentence project reads as it opens)."""
    sql = (
        "SELECT coalesce(sum(c.n >= ?), 0), coalesce(sum(c.n < ?), 0) FROM (SELECT unit, "
        f"count(*) AS n FROM label_current WHERE coder = {term_sql()} "
        f"AND dimension IN ({_terms_in(dimensions)}) GROUP BY unit) c "
        "JOIN unit_keys k ON k.id = c.unit JOIN units u ON u.id = k.unit_id "
        f"JOIN articles a ON a.id = u.article_id WHERE {_CODABLE}"
    )
    params: list = [len(dimensions), len(dimensions), coder, *dimensions]
    if assigned_only:
        sql += " AND EXISTS (SELECT 1 FROM assignments s WHERE s.unit_id = u.id AND s.coder_id = ?)"
        params.append(coder)
    coded, partial = db.execute(sql, params).fetchone()
    return int(coded), int(partial)


def coder_progress(db: Database, coder: str, dimensions: Sequence[str]) -> tuple[int, int]:
    """``(coded, total)`` codable units of the whole project for ``coder``."""
    total = db.execute(
        f"SELECT count(*) FROM units u JOIN articles a ON a.id = u.article_id WHERE {_CODABLE}"
    ).fetchone()[0]
    return coded_count(db, coder, dimensions), int(total)


def _filter_conditions(
    coder: str, unit_filter: UnitFilter, dimensions: Sequence[str]
) -> tuple[str, list]:
    """The WHERE clause (over ``units u`` and ``articles a``) of ``unit_filter`` for
    ``coder``, and its parameters: codable units, read against this coder's rows only."""
    conditions = [_CODABLE]
    params: list = []
    if unit_filter is UnitFilter.UNCODED:
        conditions.append(f"{_labelled_count_sql(dimensions)} < ?")
        params += [coder, *dimensions, len(dimensions)]
    elif unit_filter is UnitFilter.PARTIAL:
        conditions.append(f"{_labelled_count_sql(dimensions)} BETWEEN 1 AND ?")
        params += [coder, *dimensions, len(dimensions) - 1]
    elif unit_filter is UnitFilter.UNSURE:
        conditions.append(
            "EXISTS (SELECT 1 FROM unit_state_rows s WHERE s.unit = "
            f"(SELECT id FROM unit_keys WHERE unit_id = u.id) AND s.coder = {term_sql()} "
            "AND s.unsure = 1)"
        )
        params.append(coder)
    elif unit_filter is UnitFilter.NOTED:
        conditions.append(
            "EXISTS (SELECT 1 FROM unit_state_rows s WHERE s.unit = "
            f"(SELECT id FROM unit_keys WHERE unit_id = u.id) AND s.coder = {term_sql()} "
            "AND s.note != '')"
        )
        params.append(coder)
    return " AND ".join(conditions), params


def _text_conditions(db: Database, text: str, where: str, params: list) -> tuple[str, list]:
    """``where`` and its ``params`` with the check that each piece of several words typed
    in ``text`` ("jong-un") stands in the unit's text as typed, word after word: the
    search index keeps no word positions (migration 0009), so it finds the words only."""
    phrases, phrase_params = search.phrase_filter(db, text) if text.strip() else ("", [])
    if not phrases:
        return where, params
    return f"{where} AND {phrases}", [*params, *phrase_params]


def filter_unit_seqs(
    db: Database,
    coder: str,
    unit_filter: UnitFilter,
    dimensions: Sequence[str],
    *,
    text: str = "",
    limit: int | None = None,
) -> list[int]:
    """Seq numbers of the codable units that pass ``unit_filter`` and hold ``text``, in
    project order.

    ``text`` is searched as words through the full-text index (:mod:`.search`: case and
    accents ignored, the last word as a prefix, any typed text safe); text without a
    word finds nothing. A search returns the first ``limit`` matches (all when None).
    """
    if text.strip():
        return search_unit_page(db, coder, unit_filter, dimensions, text, limit).seqs
    where, params = _filter_conditions(coder, unit_filter, dimensions)
    sql = f"SELECT u.seq FROM units u JOIN articles a ON a.id = u.article_id WHERE {where}"
    return [row[0] for row in db.execute(sql + " ORDER BY u.seq", params)]


class SeqPage(NamedTuple):
    """A page of a search's units: their seqs, whether more follow, where the next starts."""

    seqs: list[int]
    more: bool
    after: search.PageKey | None


def search_unit_page(
    db: Database,
    coder: str,
    unit_filter: UnitFilter,
    dimensions: Sequence[str],
    text: str,
    limit: int | None,
    after: search.PageKey | None = None,
) -> SeqPage:
    """The next ``limit`` units (after ``after``) that :func:`filter_unit_seqs` lists for
    the search ``text``: keyset paging over the full-text index, so a list can load more
    as the coder scrolls without reading the matches before the page again."""
    where, params = _text_conditions(db, text, *_filter_conditions(coder, unit_filter, dimensions))
    page = search.match_page(
        db,
        search.fts_query(text),
        limit,
        columns="u.seq",
        where=where,
        params=params,
        after=after,
    )
    return SeqPage([row[0] for row in page.rows], page.more, page.after)


def _codable_seq(db: Database, condition: str, order: str, seq: int) -> int | None:
    row = db.execute(
        # CROSS JOIN: units first, in seq order (see next_uncoded_seq).
        f"SELECT u.seq FROM units u CROSS JOIN articles a ON a.id = u.article_id "
        f"WHERE {_CODABLE} AND u.seq {condition} ? ORDER BY u.seq {order} LIMIT 1",
        [seq],
    ).fetchone()
    return int(row[0]) if row else None


def neighbour_codable_seq(db: Database, seq: int, step: int) -> int | None:
    """The codable unit just after (``step`` > 0) or before ``seq``; None past the end."""
    return _codable_seq(db, ">" if step > 0 else "<", "ASC" if step > 0 else "DESC", seq)


def codable_seq_at_or_after(db: Database, seq: int) -> int | None:
    """The first codable unit at or after ``seq``, else the last one (None: none at all)."""
    found = _codable_seq(db, ">=", "ASC", seq)
    return found if found is not None else _codable_seq(db, "<", "DESC", seq)


def is_codable_seq(db: Database, seq: int) -> bool:
    """Whether the unit ``seq`` is one to code (not excluded, its article not excluded)."""
    return _codable_seq(db, "=", "ASC", seq) is not None


def next_uncoded_seq(
    db: Database,
    coder: str,
    after_seq: int,
    dimensions: Sequence[str],
    *,
    assigned_only: bool = False,
) -> int | None:
    """The first codable unit after ``after_seq`` not fully coded by ``coder`` (a partly
    coded unit is not coded), among the units assigned to ``coder`` when ``assigned_only``.

    Wraps around to the start of the project; None when every unit is coded.
    """
    assigned = (
        " AND EXISTS (SELECT 1 FROM assignments s WHERE s.unit_id = u.id AND s.coder_id = ?)"
        if assigned_only
        else ""
    )
    # CROSS JOIN keeps units the outer loop, walked in seq order until the first match:
    # with a plain JOIN the planner drove from articles through 0008's covering index
    # articles_listing and sorted every unit first (0.2 s at 100k, ~2 s at 1M, per call).
    sql = (
        f"SELECT u.seq FROM units u CROSS JOIN articles a ON a.id = u.article_id "
        f"WHERE {_CODABLE} AND u.seq {{op}} ? AND {_labelled_count_sql(dimensions)} < ?"
        f"{assigned} ORDER BY u.seq LIMIT 1"
    )
    params = [coder, *dimensions, len(dimensions), *([coder] if assigned_only else [])]
    for op in (">", "<="):
        row = db.execute(sql.format(op=op), [after_seq, *params]).fetchone()
        if row:
            return int(row[0])
    return None


def context_units(db: Database, article_id: str, paragraph: int, radius: int = 1) -> list[Unit]:
    """The units of paragraphs ``paragraph - radius`` to ``paragraph + radius``.

    Excluded clutter is included (the window shows it greyed as context).
    """
    rows = db.execute(
        f"SELECT {UNIT_COLUMNS} FROM units WHERE article_id = ? AND paragraph BETWEEN ? AND ? "
        "AND retired = 0 ORDER BY start, seq",
        [article_id, paragraph - radius, paragraph + radius],
    )
    return [unit_from_row(row) for row in rows]


def unit_statuses(
    db: Database, coder: str, unit_ids: Sequence[str], dimensions: Sequence[str]
) -> dict[str, UnitStatus]:
    """:func:`unit_status` of each of ``unit_ids`` in two queries (the rows of a list
    drawn at once: three queries a row held the window 12 ms when a 1M list first
    showed, issue 24)."""
    if not unit_ids:
        return {}
    keys = f"SELECT id FROM unit_keys WHERE unit_id IN ({placeholders(unit_ids)})"
    labelled = dict(
        db.execute(
            "SELECT k.unit_id, count(*) FROM label_current l JOIN unit_keys k ON k.id = l.unit "
            f"WHERE l.unit IN ({keys}) AND l.coder = {term_sql()} "
            f"AND l.dimension IN ({_terms_in(dimensions)}) GROUP BY l.unit",
            [*unit_ids, coder, *dimensions],
        ).fetchall()
    )
    states = {
        unit_id: (bool(unsure), bool(noted))
        for unit_id, unsure, noted in db.execute(
            "SELECT k.unit_id, s.unsure, s.note != '' FROM unit_state_rows s JOIN unit_keys k "
            f"ON k.id = s.unit WHERE s.unit IN ({keys}) AND s.coder = {term_sql()}",
            [*unit_ids, coder],
        )
    }
    return {
        unit_id: UnitStatus(int(labelled.get(unit_id, 0)), *states.get(unit_id, (False, False)))
        for unit_id in unit_ids
    }


def unit_status(db: Database, coder: str, unit_id: str, dimensions: Sequence[str]) -> UnitStatus:
    """One coder's state on one unit, for a list row's mark."""
    labelled = db.execute(
        f"SELECT count(*) FROM label_current WHERE unit = {unit_sql()} AND coder = {term_sql()} "
        f"AND dimension IN ({_terms_in(dimensions)})",
        [unit_id, coder, *dimensions],
    ).fetchone()[0]
    row = db.execute(
        "SELECT unsure, note != '' FROM unit_state_rows "
        f"WHERE unit = {unit_sql()} AND coder = {term_sql()}",
        [unit_id, coder],
    ).fetchone()
    unsure, noted = (bool(row[0]), bool(row[1])) if row else (False, False)
    return UnitStatus(int(labelled), unsure, noted)
