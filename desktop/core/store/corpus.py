"""Articles, paragraphs and units (sentences) in the project file."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from desktop.core.store.db import Database, utc_now
from desktop.core.store.machine import human_coders_where
from desktop.core.store.search import DEFERRED_KEY, has_search_index, indexing_in_bulk
from desktop.core.store.sql import placeholders


class NewParagraph(NamedTuple):
    start: int
    end: int
    excluded: bool = False
    excluded_by: str = ""


class NewUnit(NamedTuple):
    paragraph: int
    sentence: int
    start: int
    end: int
    text: str
    excluded: bool = False
    excluded_by: str = ""


@dataclass
class NewArticle:
    """An article ready to store: its text, metadata, paragraphs and sentences."""

    text: str
    content_hash: str
    title: str = ""
    source: str = ""
    author: str = ""
    date: str = ""
    url: str = ""
    metadata: dict = field(default_factory=dict)
    origin: str = ""
    encoding: str = "utf-8"
    paragraphs: list[NewParagraph] = field(default_factory=list)
    units: list[NewUnit] = field(default_factory=list)

    @property
    def id(self) -> str:
        return article_id_for(self.content_hash)


@dataclass(frozen=True)
class Unit:
    id: str
    seq: int
    article_id: str
    paragraph: int
    sentence: int
    start: int
    end: int
    text: str
    excluded: bool
    excluded_by: str


UNIT_COLUMNS = "id, seq, article_id, paragraph, sentence, start, end, text, excluded, excluded_by"


def article_id_for(content_hash: str) -> str:
    """An article's id: the first 12 hex digits of its content hash, the same everywhere."""
    return content_hash[:12]


def unit_id_for(article_id: str, ordinal: int) -> str:
    """A unit's id: its article's id and its 1-based position in the article at import."""
    return f"{article_id}-{ordinal:04d}"


def article_id_by_hash(db: Database, content_hash: str) -> str | None:
    row = db.execute("SELECT id FROM articles WHERE content_hash = ?", [content_hash]).fetchone()
    return row[0] if row else None


def add_articles(db: Database, articles: Sequence[NewArticle]) -> list[str]:
    """Insert articles with their paragraphs and units (call inside a write transaction).

    Returns
    -------
    list of str
        The ids of the inserted articles, in order.
    """
    return ArticleWriter(db).add(articles)


#: Units indexed for search per statement when a bulk load fills the index at its end:
#: a few tenths of a second each, so that the progress dialog answers in between.
SEARCH_CHUNK_UNITS = 50_000
#: While a bulk load's batches are stored (``search_while_storing``), the units stored
#: are indexed for search once at least this many wait: FTS5 writes a segment of the
#: index at every statement and merges them as they pile up, so one statement per
#: batch of a few hundred lines cost half again as much as one per 10,000 units
#: (100k sentences: 0.54 s against 0.37 s of CPU; benchmarks/README.md).
SEARCH_STEP_UNITS = 10_000
#: The trigger of migration 0008 that indexes each unit inserted (unless deferred).
SEARCH_INSERT_TRIGGER = "unit_search_insert"


class ArticleWriter:
    """Inserts the articles of one import in batches, inside one write transaction.

    Positions and seq numbers continue from the project's last ones and every row gets
    the same time, so that storing an import batch by batch (while later batches are
    still being segmented, :mod:`desktop.core.corpus.importer`) stores exactly the rows
    one :func:`add_articles` call of all of them stores. Create it inside the write
    transaction.

    With ``bulk`` (an import at least as large as the project's units, e.g. into a new
    project) the units' secondary indexes are dropped at the start, and :meth:`finish`
    creates them again from their own SQL and indexes the new units for search, chunk by
    chunk (or, with ``search_while_storing``, the units are indexed as they are stored,
    every :data:`SEARCH_STEP_UNITS`: a little more work in all, but done while worker
    processes are still segmenting). The search index's insert trigger is dropped too
    and created again from its own SQL (its work is that indexing; with it in place
    every row inserted paid for a look-up of the flag that mutes it). Building an index
    from sorted rows costs a fraction of inserting a million keys at random places in it
    (the units' ids start with their article's hash); the rows stored are the same. Everything stays
    inside the caller's transaction, so a failure or a cancel rolls the indexes back too.
    """

    def __init__(
        self, db: Database, *, bulk: bool = False, search_while_storing: bool = False
    ) -> None:
        self._db = db
        self._conn = conn = db.conn
        self._position = conn.execute("SELECT coalesce(max(position), 0) FROM articles").fetchone()[
            0
        ]
        self._seq = conn.execute("SELECT coalesce(max(seq), 0) FROM units").fetchone()[0]
        self._search_seq = self._seq  # the seq of the last unit indexed while storing
        # units up to this rowid are in the search index
        self._search_from = conn.execute("SELECT coalesce(max(rowid), 0) FROM units").fetchone()[0]
        self._now = utc_now()
        self._bulk = bulk
        self._search_while_storing = search_while_storing
        # A project file from before the search index (format 7 and older) has none to fill.
        self._searchable = not bulk or has_search_index(db)
        self._indexes: list[tuple[str, str]] = []
        self._triggers: list[tuple[str, str]] = []
        if bulk:
            # Every index of units declared with CREATE INDEX (not the primary key's and
            # the unique constraint's, which SQLite keeps), whatever migrations added.
            self._indexes = conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'units' AND sql IS NOT NULL ORDER BY rowid"
            ).fetchall()
            for name, _ in self._indexes:
                conn.execute(f'DROP INDEX "{name}"')
            self._triggers = conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'units' AND name = ?",
                [SEARCH_INSERT_TRIGGER],
            ).fetchall()
            for name, _ in self._triggers:
                conn.execute(f'DROP TRIGGER "{name}"')
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, '1')", [DEFERRED_KEY])

    def add(self, articles: Sequence[NewArticle]) -> list[str]:
        """Insert ``articles`` after those added before; returns their ids, in order."""
        now = self._now
        position, seq = self._position, self._seq
        ids = []
        article_rows, paragraph_rows, unit_rows = [], [], []
        for article in articles:
            position += 1
            aid = article.id
            ids.append(aid)
            article_rows.append(
                (
                    aid,
                    position,
                    article.title,
                    article.source,
                    article.author,
                    article.date,
                    article.url,
                    article.text,
                    article.content_hash,
                    json.dumps(article.metadata, ensure_ascii=False, sort_keys=True),
                    article.origin,
                    article.encoding,
                    now,
                )
            )
            paragraph_rows += [
                (aid, idx, p.start, p.end, int(p.excluded), p.excluded_by)
                for idx, p in enumerate(article.paragraphs)
            ]
            # The unit's fields in NewUnit order are the columns paragraph .. excluded_by
            # (a bool is stored as the integer 0 or 1, as int() would give).
            unit_rows += [
                (f"{aid}-{ordinal:04d}", seq + ordinal, aid, *u, now)  # unit_id_for
                for ordinal, u in enumerate(article.units, start=1)
            ]
            seq += len(article.units)
        conn = self._conn
        conn.executemany(
            "INSERT INTO articles (id, position, title, source, author, date, url, text, "
            "content_hash, metadata, origin, encoding, imported_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            article_rows,
        )
        conn.executemany(
            "INSERT INTO paragraphs (article_id, idx, start, end, excluded, excluded_by) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            paragraph_rows,
        )
        insert_units = (
            f"INSERT INTO units ({UNIT_COLUMNS}, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        if not self._bulk:
            with indexing_in_bulk(self._db):  # the search index, in one statement (issue 24)
                conn.executemany(insert_units, unit_rows)
        else:
            conn.executemany(insert_units, unit_rows)
            if self._search_while_storing and seq - self._search_seq >= SEARCH_STEP_UNITS:
                self._index_for_search()
                self._search_seq = seq
        self._position, self._seq = position, seq
        return ids

    def finish(self, step: Callable[[str], None] | None = None) -> None:
        """After the last :meth:`add` of a bulk load: create the units' indexes again and
        index the new units for search. ``step`` is called with what comes next before
        each statement (a progress dialog stays responsive, and may cancel by raising).
        Nothing to do without ``bulk``."""
        if not self._bulk:
            return
        conn = self._conn
        for name, sql in self._indexes:
            if step:
                step(f"indexing sentences ({name})")
            conn.execute(sql)
        self._index_for_search(step)
        for _, sql in self._triggers:
            conn.execute(sql)
        conn.execute("DELETE FROM meta WHERE key = ?", [DEFERRED_KEY])
        self._bulk = False

    def _index_for_search(self, step: Callable[[str], None] | None = None) -> None:
        """Index the units stored since the last call, in chunks of rowids."""
        conn = self._conn
        last = conn.execute("SELECT coalesce(max(rowid), 0) FROM units").fetchone()[0]
        if not self._searchable:
            self._search_from = last
            return
        for low in range(self._search_from + 1, last + 1, SEARCH_CHUNK_UNITS):
            if step:
                step("indexing sentences for search")
            # rowid and text only: right for whatever options the FTS5 table has
            conn.execute(
                "INSERT INTO unit_search (rowid, text) SELECT rowid, text FROM units "
                "WHERE rowid BETWEEN ? AND ?",
                [low, min(last, low + SEARCH_CHUNK_UNITS - 1)],
            )
        self._search_from = last


def unit_from_row(row: Sequence) -> Unit:
    return Unit(
        id=row[0],
        seq=row[1],
        article_id=row[2],
        paragraph=row[3],
        sentence=row[4],
        start=row[5],
        end=row[6],
        text=row[7],
        excluded=bool(row[8]),
        excluded_by=row[9],
    )


def get_unit(db: Database, unit_id: str) -> Unit | None:
    row = db.execute(f"SELECT {UNIT_COLUMNS} FROM units WHERE id = ?", [unit_id]).fetchone()
    return unit_from_row(row) if row else None


def get_unit_by_seq(db: Database, seq: int) -> Unit | None:
    row = db.execute(f"SELECT {UNIT_COLUMNS} FROM units WHERE seq = ?", [seq]).fetchone()
    return unit_from_row(row) if row else None


def _all_coded_unit_seqs(db: Database) -> list[int] | None:
    """:func:`coded_unit_seqs` of the whole project from the seqs left out, or None when
    the seqs have gaps (or most units are left out) and the list is read row by row."""
    low, high, count = db.execute("SELECT min(seq), max(seq), count(*) FROM units").fetchone()
    if not count:
        return []
    if high - low + 1 != count:
        return None
    # Two queries, each on its index: excluded units, and the units of excluded
    # articles (one query with an OR looked every unit's article up: 0.37 s at 1M).
    # Each gives one row, its seqs joined by SQLite (a row a seq handed the interpreter
    # lock back and forth 137,000 times at 1M), read back a piece at a time.
    left_out = 0
    codable = bytearray(b"\x01") * count
    for sql in (
        "SELECT group_concat(seq) FROM units WHERE excluded != 0",
        "SELECT group_concat(seq) FROM units WHERE article_id IN "
        "(SELECT id FROM articles WHERE excluded != 0)",
    ):
        joined = db.execute(sql).fetchone()[0] or ""
        start = 0
        while start < len(joined):
            end = joined.find(",", start + _SEQ_PIECE)
            end = len(joined) if end < 0 else end
            for seq in map(int, joined[start:end].split(",")):
                codable[seq - low] = 0
                left_out += 1
            start = end + 1
        if left_out > count // 2:
            return None
    view = memoryview(codable)
    seqs: list[int] = []
    for start in range(0, count, _SEQ_PIECE):
        piece = range(low + start, low + min(count, start + _SEQ_PIECE))
        seqs.extend(itertools.compress(piece, view[start : start + _SEQ_PIECE]))
    return seqs


def units_by_seqs(db: Database, seqs: Sequence[int]) -> list[Unit]:
    """The units of ``seqs`` in one query, in seq order (unknown seqs left out)."""
    if not seqs:
        return []
    rows = db.execute(
        f"SELECT {UNIT_COLUMNS} FROM units WHERE seq IN ({placeholders(seqs)}) ORDER BY seq",
        list(seqs),
    )
    return [unit_from_row(r) for r in rows]


def article_units(db: Database, article_id: str) -> list[Unit]:
    """Every live unit of an article (excluded clutter included, units retired by a
    merge left out), in text order."""
    rows = db.execute(
        f"SELECT {UNIT_COLUMNS} FROM units WHERE article_id = ? AND retired = 0 "
        "ORDER BY start, seq",
        [article_id],
    )
    return [unit_from_row(r) for r in rows]


def paragraph_units(db: Database, article_id: str, paragraph: int) -> list[Unit]:
    rows = db.execute(
        f"SELECT {UNIT_COLUMNS} FROM units WHERE article_id = ? AND paragraph = ? "
        "AND retired = 0 ORDER BY start, seq",
        [article_id, paragraph],
    )
    return [unit_from_row(r) for r in rows]


def unit_seq_bound(db: Database) -> int:
    """The largest unit seq (0 without units): at least the number of units, read from
    the seq index at once, to tell a large project from a small one."""
    return int(db.execute("SELECT coalesce(max(seq), 0) FROM units").fetchone()[0])


# The whole list is built this many seqs at a time (each piece a short hold of the
# interpreter, so that a window's thread waiting for it gets it between pieces).
_SEQ_PIECE = 16_384


def coded_unit_seqs(db: Database, article_ids: Iterable[str] | None = None) -> list[int]:
    """The seq numbers of all codable units (not excluded, article not excluded), in order.

    The whole project's list is built from the seq range less the seqs that are not
    codable (a few rows), when the seqs have no gaps: a million rows read one Python
    object at a time took 0.55 s of CPU and the interpreter lock with it, in the thread
    that reads a large project's list while the coder types (issue 24).
    """
    if article_ids is None:
        seqs = _all_coded_unit_seqs(db)
        if seqs is not None:
            return seqs
    sql = (
        "SELECT u.seq FROM units u JOIN articles a ON a.id = u.article_id "
        "WHERE u.excluded = 0 AND a.excluded = 0"
    )
    params: list = []
    if article_ids is not None:
        ids = list(article_ids)
        sql += f" AND u.article_id IN ({placeholders(ids)})"
        params = ids
    return [r[0] for r in db.execute(sql + " ORDER BY u.seq", params)]


@dataclass(frozen=True)
class Article:
    id: str
    position: int
    title: str
    source: str
    author: str
    date: str
    url: str
    metadata: dict
    origin: str
    excluded: bool


_ARTICLE_COLUMNS = "id, position, title, source, author, date, url, metadata, origin, excluded"


def _article(row: Sequence) -> Article:
    return Article(
        id=row[0],
        position=row[1],
        title=row[2],
        source=row[3],
        author=row[4],
        date=row[5],
        url=row[6],
        metadata=json.loads(row[7]),
        origin=row[8],
        excluded=bool(row[9]),
    )


def get_article(db: Database, article_id: str) -> Article | None:
    row = db.execute(
        f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id = ?", [article_id]
    ).fetchone()
    return _article(row) if row else None


def list_articles(db: Database) -> list[Article]:
    rows = db.execute(f"SELECT {_ARTICLE_COLUMNS} FROM articles ORDER BY position")
    return [_article(r) for r in rows]


def article_text(db: Database, article_id: str) -> str:
    row = db.execute("SELECT text FROM articles WHERE id = ?", [article_id]).fetchone()
    return row[0] if row else ""


@dataclass(frozen=True)
class Paragraph:
    article_id: str
    idx: int
    start: int
    end: int
    excluded: bool
    excluded_by: str


def article_paragraphs(db: Database, article_id: str) -> list[Paragraph]:
    rows = db.execute(
        "SELECT article_id, idx, start, end, excluded, excluded_by FROM paragraphs "
        "WHERE article_id = ? ORDER BY idx",
        [article_id],
    )
    return [Paragraph(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]


def iter_units_rows(db: Database, *, include_excluded: bool = False) -> Iterable[dict]:
    """Stream units with their article's title, in project order (for exports)."""
    where = "WHERE u.retired = 0"
    if not include_excluded:
        where += " AND u.excluded = 0 AND a.excluded = 0"
    cursor = db.conn.execute(
        "SELECT u.id, u.article_id, a.title, u.paragraph, u.sentence, u.start, u.end, u.text, "
        f"u.excluded FROM units u JOIN articles a ON a.id = u.article_id {where} ORDER BY u.seq"
    )
    for row in cursor:
        yield {
            "unit_id": row[0],
            "article_id": row[1],
            "article_title": row[2],
            "paragraph": row[3],
            "sentence": row[4],
            "start": row[5],
            "end": row[6],
            "text": row[7],
        }


def counts(db: Database) -> dict[str, int]:
    """Sizes for ``stancecoder info``."""
    one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
    return {
        "articles": one("SELECT count(*) FROM articles"),
        "units": one(
            "SELECT count(*) FROM units u JOIN articles a ON a.id = u.article_id "
            "WHERE u.excluded = 0 AND a.excluded = 0"
        ),
        "excluded_units": one("SELECT count(*) FROM units WHERE excluded = 1 AND retired = 0"),
        "coders": one(f"SELECT count(*) FROM coders WHERE {human_coders_where(db)}"),
        "labels": one("SELECT count(*) FROM label_current"),
    }


def unit_ids_of_articles(db: Database, article_ids: Iterable[str]) -> list[str]:
    """The ids of every unit of the given articles."""
    ids = list(article_ids)
    rows = db.execute(
        f"SELECT id FROM units WHERE article_id IN ({placeholders(ids)}) ORDER BY seq",
        ids,
    )
    return [r[0] for r in rows]


def unit_articles(db: Database) -> dict[str, str]:
    """The article id of every unit, by unit id (for resampling articles in the bootstrap)."""
    return dict(db.execute("SELECT id, article_id FROM units").fetchall())


def reliability_unit_ids(db: Database) -> list[str]:
    """The units of the reliability sample (assigned with reliability = 1)."""
    rows = db.execute("SELECT DISTINCT unit_id FROM assignments WHERE reliability = 1")
    return sorted(r[0] for r in rows)
