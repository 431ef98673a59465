"""The long export's rows read as Arrow columns, a range of units at a time.

A long export of a large project is millions of labels; reading them through Python's
``sqlite3`` makes a tuple and a Python object for every cell. Here each range of
:data:`CHUNK_UNITS` units is read with Arrow's ADBC driver for SQLite
(``adbc-driver-sqlite``, as :mod:`desktop.core.store.label_frames` does for the agreement
figures) on read-only connections of its own, :data:`READERS` ranges at once: SQLite is
stepped and Arrow buffers filled in C, without the GIL, while the caller formats the
previous range. Where ADBC cannot be used (an in-memory database, a caller inside an
open transaction, the driver missing or refusing the file) the same SQL runs on the
caller's connection and its rows become the same Arrow columns.

A range is read in one read transaction: its labels, its units and the coders' unsure
flags and notes on them agree with each other. Labels come with their integer keys (the
numbers of ``label_terms``, see :mod:`desktop.core.store.label_keys`) and their time as
stored (integer microseconds, or the text it came as), for the caller to decode once per
distinct key and vectorised. Ranges cover the units' ``seq`` numbers in order and never
split a unit.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from desktop.core.store.db import BUSY_TIMEOUT_MS, Database
from desktop.core.store.label_keys import EPOCH
from desktop.core.store.sql import in_filters

if TYPE_CHECKING:
    import pyarrow as pa

#: Units per range read at once (about 60,000 labels of three coders on three dimensions).
CHUNK_UNITS = 2_048
#: Ranges read at once, each on a connection of its own.
READERS = 2
#: Rows per batch of the ADBC reader (its default, 1,024, is slower).
BATCH_ROWS = 65_536
#: :data:`~desktop.core.store.label_keys.EPOCH` as microseconds since 1970.
EPOCH_MICROS = (EPOCH - datetime(1970, 1, 1)) // timedelta(microseconds=1)

_CODABLE = "u.excluded = 0 AND a.excluded = 0 AND u.seq BETWEEN ? AND ?"
# Every query walks the range's units in seq order and looks the rest up (CROSS JOIN
# keeps that order: the planner would otherwise drive from the articles and read every
# unit of the project for each range).
_UNIT_RANGE = "units u INDEXED BY units_codable CROSS JOIN articles a ON a.id = u.article_id"
# A label's time is stored as integer microseconds since EPOCH, or as the text it came
# as. The ADBC reader types a column by its first rows and refuses a value of another
# type later, so a range is read with the stored column (the common case: all integers,
# no conversion) and, if that is refused, again with one column of each type: the
# microseconds (NULL where text) and the text ('' where an integer). Seconds as stored
# (0: unknown). The range's labels are read on their key and filtered ('+': a seek per
# coder and dimension costs more than reading a unit's few other labels) and come in
# unit order, each unit's in key order (the caller puts them in the texts' order).
_LABEL_JOIN = (
    f"FROM {_UNIT_RANGE} "
    "CROSS JOIN unit_keys k ON k.unit_id = u.id CROSS JOIN label_current l ON l.unit = k.id "
    f"WHERE {_CODABLE}"
)
_LABELS_STORED = (
    f"SELECT u.seq, l.coder, l.dimension, l.value, l.changed_at AS micros, l.seconds {_LABEL_JOIN}"
)
_LABELS = (
    "SELECT u.seq, l.coder, l.dimension, l.value, "
    "iif(typeof(l.changed_at) = 'integer', l.changed_at, NULL) AS micros, "
    "iif(typeof(l.changed_at) = 'integer', '', CAST(l.changed_at AS TEXT)) AS stamp, "
    f"l.seconds {_LABEL_JOIN}"
)
_UNITS = (
    "SELECT u.seq, u.id, u.article_id, a.title, u.paragraph, u.sentence, u.text "
    f"FROM {_UNIT_RANGE} WHERE {_CODABLE}"
)
_STATES = (
    f"SELECT u.seq, s.coder, s.unsure, s.note FROM {_UNIT_RANGE} "
    "CROSS JOIN unit_keys k ON k.unit_id = u.id CROSS JOIN unit_state_rows s ON s.unit = k.id "
    f"WHERE {_CODABLE} "
    "AND (coalesce(s.unsure, 0) != 0 OR coalesce(s.note, '') != '')"
)
LABEL_TYPES = (
    ("seq", "int64"),
    ("coder", "int64"),
    ("dimension", "int64"),
    ("value", "int64"),
    ("micros", "int64"),
    ("stamp", "string"),
    ("seconds", "float64"),
)
UNIT_TYPES = (
    ("seq", "int64"),
    ("unit_id", "string"),
    ("article_id", "string"),
    ("article_title", "string"),
    ("paragraph", "int64"),
    ("sentence", "int64"),
    ("text", "string"),
)
STATE_TYPES = (("seq", "int64"), ("coder", "int64"), ("unsure", "int64"), ("note", "string"))


class LongChunk(NamedTuple):
    """The long export's rows of one range of units, as read.

    labels
        ``seq, coder, dimension, value`` (numbers of label_terms), ``micros`` (int64,
        null where the time is stored as text), ``stamp`` (that text, else ``""``) and
        ``seconds`` (float64, 0 where unknown); in unit order, a unit's labels in the
        order of the numbers (the caller puts them in the texts' order).
    units
        ``seq, unit_id, article_id, article_title, paragraph, sentence, text`` of every
        codable unit of the range, in ``seq`` order.
    states
        ``seq, coder, unsure, note`` of the coders' states on those units that are not
        the default (not unsure, no note).
    """

    labels: pa.Table
    units: pa.Table
    states: pa.Table


class _Query(NamedTuple):
    sql: str
    params: list
    schema: pa.Schema
    #: A first try for the ADBC reader (fewer conversions), whose result is taken when it
    #: has the schema's types (a column missing from it is null).
    quick: str | None = None


def _schema(types) -> pa.Schema:
    import pyarrow as pa

    return pa.schema([(name, pa.type_for_alias(kind)) for name, kind in types])


def _queries(
    low: int,
    high: int,
    coders: Sequence[int] | None,
    dimensions: Sequence[int],
    articles: Sequence[str] | None,
) -> list[_Query]:
    """The three queries of the range of units ``seq`` ``low`` to ``high``."""
    article, article_params = in_filters((("u.article_id", articles),))
    label, label_params = in_filters((("+l.coder", coders), ("+l.dimension", dimensions)))
    state, state_params = in_filters((("s.coder", coders),))
    where = [low, high, *article_params]
    return [
        _Query(
            f"{_LABELS}{article}{label}",
            where + label_params,
            _schema(LABEL_TYPES),
            f"{_LABELS_STORED}{article}{label}",
        ),
        _Query(f"{_UNITS}{article} ORDER BY u.seq", list(where), _schema(UNIT_TYPES)),
        _Query(f"{_STATES}{article}{state}", where + state_params, _schema(STATE_TYPES)),
    ]


def _typed(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with ``schema``'s names and types (an empty ADBC result has null types)."""
    if table.num_rows == 0:
        return schema.empty_table()
    return table.rename_columns(schema.names).cast(schema).combine_chunks()


def _completed(table: pa.Table, schema: pa.Schema) -> pa.Table | None:
    """``table`` with ``schema``'s columns (those it lacks null), or None when a column
    it has is of another type."""
    import pyarrow as pa

    if table.num_rows == 0:
        return schema.empty_table()
    columns = []
    for field in schema:
        if field.name not in table.column_names:
            columns.append(pa.nulls(table.num_rows, field.type))
            continue
        column = table.column(field.name)
        if column.type != field.type and not pa.types.is_null(column.type):
            return None
        columns.append(column.cast(field.type))
    return pa.table(columns, schema=schema).combine_chunks()


def _rows_table(conn, query: _Query) -> pa.Table:
    """``query`` run through a ``sqlite3`` connection, its rows made Arrow columns."""
    import pyarrow as pa

    rows = conn.execute(query.sql, query.params).fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in query.schema]
    arrays = [pa.array(c, f.type) for c, f in zip(columns, query.schema, strict=True)]
    return pa.table(arrays, schema=query.schema)


def _literal(value) -> str:
    """``value`` (an int or a text without NUL) as an SQL literal."""
    if isinstance(value, int):
        return str(int(value))
    return "'" + str(value).replace("'", "''") + "'"


def _inline(query: _Query) -> str:
    """``query``'s SQL with its parameters written in (the low-level ADBC statement
    binds parameters only as Arrow arrays)."""
    parts = query.sql.split("?")
    if len(parts) != len(query.params) + 1:
        raise ValueError("parameters do not match the query")
    sql = [parts[0]]
    for value, part in zip(query.params, parts[1:], strict=True):
        sql += [_literal(value), part]
    return "".join(sql)


class _AdbcReader:
    """Read-only ADBC connections to one project file, one per reading thread.

    The driver's low-level API: its DB-API module imports pandas, which would double the
    memory of an export that never needs it.
    """

    def __init__(self, path: str):
        import threading

        import adbc_driver_sqlite

        self._database = adbc_driver_sqlite.connect(f"{Path(path).resolve().as_uri()}?mode=ro")
        self._local = threading.local()
        self._opened: list = []

    def _connection(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            import adbc_driver_manager as adbc

            conn = adbc.AdbcConnection(self._database)
            self._opened.append(conn)
            # Wait for a writer's checkpoint, as db.py does; then one read transaction
            # per range.
            self._run(conn, f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.set_options(**{"adbc.connection.autocommit": "false"})
            self._local.conn = conn
        return conn

    @staticmethod
    def _run(conn, sql: str) -> pa.Table:
        import adbc_driver_manager as adbc
        import pyarrow as pa

        statement = adbc.AdbcStatement(conn)
        try:
            statement.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
            statement.set_sql_query(sql)
            stream, _ = statement.execute_query()
            return pa.RecordBatchReader._import_from_c(stream.address).read_all()
        finally:
            statement.close()

    def read(self, queries: list[_Query]) -> list[pa.Table]:
        """Run ``queries`` in one read transaction."""
        conn = self._connection()
        try:
            return [self._table(conn, q) for q in queries]
        finally:
            conn.rollback()

    def _table(self, conn, query: _Query) -> pa.Table:
        if query.quick is not None:
            try:
                table = _completed(
                    self._run(conn, _inline(query._replace(sql=query.quick))), query.schema
                )
            except Exception:  # a value of another type than the first rows': the long way
                table = None
            if table is not None:
                return table
        return _typed(self._run(conn, _inline(query)), query.schema)

    def close(self) -> None:
        for conn in self._opened:
            conn.close()
        self._opened.clear()
        self._database.close()


def _project_path(db: Database) -> str:
    for _, name, path in db.conn.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return path or ""
    return ""


def _adbc_reader(db: Database, articles: Sequence[str] | None) -> _AdbcReader | None:
    """A reader of the project file, or None where the caller's connection must read
    (in-memory project, open transaction, no driver, a file it refuses)."""
    path = _project_path(db)
    if not path or db.conn.in_transaction:
        return None
    if any("\x00" in str(v) for v in articles or ()):
        return None  # not written into SQL text
    try:
        reader = _AdbcReader(path)
    except Exception:  # no driver, or it refuses the file: read through sqlite3 instead
        return None
    try:
        reader.read([_Query("SELECT 1 AS one", [], _schema((("one", "int64"),)))])
    except Exception:  # any refusal: read through sqlite3 instead
        reader.close()
        return None
    return reader


def _ranges(db: Database) -> list[tuple[int, int]]:
    """Consecutive ``seq`` ranges of :data:`CHUNK_UNITS` units covering every unit."""
    low, high = db.conn.execute("SELECT min(seq), max(seq) FROM units").fetchone()
    if low is None:
        return []
    return [(s, min(s + CHUNK_UNITS - 1, high)) for s in range(low, high + 1, CHUNK_UNITS)]


def long_chunks(
    db: Database,
    dimensions: Sequence[int],
    coders: Sequence[int] | None = None,
    articles: Sequence[str] | None = None,
) -> Iterator[LongChunk]:
    """The long export's labels, units and notable states, a range of units at a time,
    in unit order (see :class:`LongChunk`).

    Parameters
    ----------
    dimensions, coders
        Numbers of label_terms to cover (coders None: all).
    articles
        Article ids to cover (None: all).
    """
    ranges = _ranges(db)
    reader = _adbc_reader(db, articles)
    if reader is None:
        for low, high in ranges:
            queries = _queries(low, high, coders, dimensions, articles)
            yield LongChunk(*(_rows_table(db.conn, q) for q in queries))
        return
    from concurrent.futures import ThreadPoolExecutor

    todo = iter(ranges)
    pending: deque = deque()

    def read_ahead(pool) -> None:
        span = next(todo, None)
        if span is not None:
            pending.append(pool.submit(reader.read, _queries(*span, coders, dimensions, articles)))

    try:
        with ThreadPoolExecutor(max_workers=READERS) as pool:
            try:
                for _ in range(READERS):
                    read_ahead(pool)
                while pending:
                    tables = pending.popleft().result()
                    read_ahead(pool)
                    yield LongChunk(*tables)
            finally:  # the caller stopped early: read no more
                for future in pending:
                    future.cancel()
    finally:
        reader.close()


def term_texts(db: Database) -> dict[int, str]:
    """``{number: text}`` of label_terms (coder ids, dimension ids, codes, actions)."""
    return dict(db.conn.execute("SELECT id, text FROM label_terms").fetchall())


def term_numbers(db: Database, texts: Sequence[str]) -> list[int]:
    """The numbers of those of ``texts`` that label_terms holds (unknown ones left out)."""
    numbers = {text: n for n, text in term_texts(db).items()}
    return [numbers[t] for t in texts if t in numbers]
