"""Bulk reads of the labels as columns (Arrow and numpy), for the agreement figures.

Every bulk read of the labels that must be fast at a million sentences lives here, so
that a change of the label tables changes one module. :func:`labels_frame` gives the
labels of codable units (not excluded, of an article that is not excluded) in the order
of :func:`desktop.core.store.labels_frame` (the unit's ``seq``, then coder id, then
dimension id), as columns made in C rather than one Python object per cell.

The labels are read as they are stored since migration 0007: ``label_current`` holds
numbers (a unit's number in ``unit_keys``, the coder's, dimension's and code's numbers in
``label_terms``, the time as microseconds since :data:`~desktop.core.store.label_keys.EPOCH`),
and the read takes those columns straight from the table, with no join and no SQL
function per row; the fast read packs the four numbers into one integer with SQLite's
shifts (:class:`_Packing`: the reader's cost is mostly per cell). The numbers are
turned into texts once per distinct number in numpy; the units' ids come from a second
query, once per unit. A time stored as text (a time not in the project's form, kept
as it came) is read only when there is one.

The reader is Arrow's ADBC driver for SQLite (``adbc-driver-sqlite``), on read-only
connections of its own: it steps SQLite and fills Arrow buffers in C without holding the
GIL, so the labels of a large project are read in ranges of unit numbers on
:data:`READERS` threads at once (the ranges partition the table, so every label is read
once, each range as of its own read transaction). Where it cannot be used (an in-memory
database, a caller inside an open transaction whose writes a second connection would not
see, the driver missing or refusing the file), the same SQL runs on the caller's
connection and its rows become the same Arrow columns.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from desktop.core.errors import ProjectError
from desktop.core.store.db import BUSY_TIMEOUT_MS, Database
from desktop.core.store.label_keys import EPOCH
from desktop.core.store.sql import in_filters

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

#: The label columns read, in order, with their Arrow types: the numbers as stored, the
#: time as integer microseconds (``micros``) or, for a time stored as text, that text
#: (``stamp``; the other is null).
LABEL_COLUMNS = (
    ("unit", "unit", "int64"),
    ("coder", "coder", "int64"),
    ("dimension", "dimension", "int64"),
    ("value", "value", "int64"),
    ("micros", "changed_at", "int64"),
    ("stamp", None, "string"),
)
#: The same where a time is stored as text: the two kinds of time in two columns (a
#: function per row, so only when the plain read found a text).
_MIXED_TIMES = {
    "micros": "CASE WHEN typeof(changed_at) = 'integer' THEN changed_at END",
    "stamp": "CASE WHEN typeof(changed_at) = 'integer' THEN NULL ELSE CAST(changed_at AS TEXT) END",
}
#: The codable units that have a number, in project order: number and id.
#: CROSS JOIN keeps the units first: read in order of the index on seq, they need no
#: sort (SQLite otherwise starts from the articles and sorts a million units).
_UNITS = (
    "SELECT k.id AS unit, u.id AS unit_id FROM units u "
    "CROSS JOIN articles a ON a.id = u.article_id CROSS JOIN unit_keys k ON k.unit_id = u.id "
    "WHERE u.excluded = 0 AND a.excluded = 0 ORDER BY u.seq"
)
UNIT_COLUMNS = (("unit", "", "int64"), ("unit_id", "", "string"))
#: Rows per batch of the ADBC reader (its default, 1,024, costs a fifth more time).
BATCH_ROWS = 65_536
#: Connections that read at once (threads: Arrow fills its buffers without the GIL).
READERS = min(2, os.cpu_count() or 1)
#: The labels of a large project are read in this many ranges of unit numbers, more than
#: :data:`READERS` so that the readers finish together (the units' ids are one more query).
RANGES = 8
#: Below this many unit numbers the labels are read in one piece.
SPLIT_UNITS = 20_000
#: The columns coded as categories in :func:`labels_frame`.
CATEGORY_COLUMNS = ("coder", "dimension", "value")
#: ``changed_at`` of :func:`labels_frame`.
TIME_DTYPE = "datetime64[ns, UTC]"
#: No time: pandas' NaT as int64 nanoseconds.
NO_TIME = -(2**63)
_NS_PER_MICRO = 1000
_EPOCH_MICROS = round((EPOCH - datetime(1970, 1, 1)).total_seconds()) * 1_000_000


def _label_sql(
    coders: list[int] | None,
    dimensions: list[int] | None,
    units: tuple[int, int] | None = None,
    *,
    mixed: bool = False,
    columns: str | None = None,
) -> tuple[str, list]:
    # The plain read leaves the text column out (a column of nulls costs a tenth more).
    if columns is None:
        columns = ", ".join(
            f"{_MIXED_TIMES.get(name, expression) if mixed else expression} AS {name}"
            for name, expression, _ in LABEL_COLUMNS
            if mixed or expression is not None
        )
    filters, params = in_filters((("coder", coders), ("dimension", dimensions)))
    if units is not None:
        filters += " AND unit BETWEEN ? AND ?"
        params += list(units)
    # No ORDER BY: a scan of the table's key gives the rows by unit, and the frame is
    # put in order after reading in any case.
    return f"SELECT {columns} FROM label_current WHERE 1{filters}", params


class _Packing(NamedTuple):
    """Unit, coder, dimension and value read as one integer: ``((unit << 3b) | (coder <<
    2b) | (dimension << b) | value)`` with ``b`` bits a term number. The ADBC reader's
    cost is mostly per cell, not per row: one column for four costs about a third less
    time (the time stays a column of its own, as it has 47 bits)."""

    bits: int

    @classmethod
    def of(cls, top_term: int, top_unit: int) -> _Packing | None:
        """The packing for term numbers up to ``top_term`` (with room for terms numbered
        during the read: twice as many) and unit numbers up to ``top_unit``; None when they
        do not fit into 62 bits (then each is a column)."""
        bits = max(1, top_term).bit_length() + 1
        if (max(1, top_unit).bit_length() + 1) + 3 * bits > PACKED_BITS:
            return None
        return cls(bits)

    @property
    def top_term(self) -> int:
        """The largest term number a field holds."""
        return (1 << self.bits) - 1

    def sql(self, coders, dimensions, units) -> tuple[str, list]:
        b = self.bits
        packed = f"(unit << {3 * b}) | (coder << {2 * b}) | (dimension << {b}) | value"
        return _label_sql(
            coders, dimensions, units, columns=f"{packed} AS packed, changed_at AS micros"
        )

    def unpack(self, packed: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """Unit numbers and the coder, dimension and value term numbers of a batch."""
        b, mask = self.bits, self.top_term
        return packed >> (3 * b), [(packed >> (s * b)) & mask for s in (2, 1, 0)]


#: Bits of a packed row (:class:`_Packing`): below 63, so that it is never negative.
PACKED_BITS = 62
#: The packed read's columns (then ``stamp``, empty, as in :data:`LABEL_COLUMNS`).
PACKED_COLUMNS = (("packed", "", "int64"), ("micros", "", "int64"), ("stamp", None, "string"))


def _unit_ranges(db: Database, parts: int) -> list[tuple[int, int] | None]:
    """``parts`` consecutive ranges of unit numbers covering every label (one, unbounded,
    for a small project)."""
    # Two subqueries: SQLite reads min() alone or max() alone from the key's ends, but
    # scans the whole table for both in one.
    low, high = db.conn.execute(
        "SELECT (SELECT min(unit) FROM label_current), (SELECT max(unit) FROM label_current)"
    ).fetchone()
    if low is None or parts < 2 or high - low + 1 < SPLIT_UNITS:
        return [None]
    cuts = [low + (high - low + 1) * i // parts for i in range(parts + 1)]
    return [(cuts[i], cuts[i + 1] - 1) for i in range(parts)]


def _project_path(db: Database) -> str:
    for _, name, path in db.conn.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return path or ""
    return ""


def _schema(columns) -> pa.Schema:
    import pyarrow as pa

    return pa.schema([(name, pa.type_for_alias(kind)) for name, _, kind in columns])


def _adbc_table(uri: str, sql: str, params: list) -> pa.Table:
    import adbc_driver_sqlite.dbapi as adbc

    with adbc.connect(uri) as conn, conn.cursor() as cursor:
        # Wait for a writer's checkpoint as the app's own connection does (db.py).
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.fetchall()
        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
        cursor.execute(sql, params or None)
        table = cursor.fetch_arrow_table()
        conn.rollback()
    return table


def _adbc_tables(path: str, queries: list[tuple[str, list]]) -> list[pa.Table] | None:
    """Run each query on a read-only ADBC connection of its own, :data:`READERS` at a
    time; None when the driver is missing or refuses (the caller then reads through
    ``sqlite3``)."""
    try:
        import adbc_driver_sqlite.dbapi  # noqa: F401
    except ImportError:
        return None
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    uri = f"{Path(path).resolve().as_uri()}?mode=ro"
    try:
        # Arrow fills its buffers without the GIL, so the readers run on separate cores.
        with ThreadPoolExecutor(max_workers=max(1, min(READERS, len(queries)))) as pool:
            return list(pool.map(lambda q: _adbc_table(uri, *q), queries))
    except Exception:  # any refusal of the second reader: read through sqlite3 instead
        return None


def _sqlite_table(db: Database, sql: str, params: list, schema: pa.Schema) -> pa.Table:
    import pyarrow as pa

    rows = db.conn.execute(sql, params).fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in schema]
    return pa.table(
        [pa.array(c, f.type) for c, f in zip(columns, schema, strict=True)], schema=schema
    )


def _typed(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with ``schema``'s names and types (an empty ADBC result has null types;
    a column of nulls has the null type)."""
    import pyarrow as pa

    if table.num_rows == 0:
        return schema.empty_table()
    columns = [
        pa.nulls(table.num_rows, field.type)
        if pa.types.is_null(column.type)
        else column.cast(field.type)
        for column, field in zip(table.columns, schema, strict=True)
    ]
    return pa.table(columns, schema=schema)


def _adbc_read(db: Database, queries: list[tuple[str, list]]) -> list[pa.Table] | None:
    """The queries' results as the ADBC reader types them, or None where it cannot be used
    or refuses."""
    path = _project_path(db)
    if not path or db.conn.in_transaction:
        return None
    return _adbc_tables(path, queries)


def read_tables(db: Database, queries: list[tuple[str, list, pa.Schema]]) -> list[pa.Table]:
    """Run read-only queries and return their results as Arrow tables.

    Through the ADBC reader when it can be used (see the module docstring), each query on
    a connection of its own; otherwise one after the other on the caller's connection.
    Both give the same tables.

    Parameters
    ----------
    queries
        ``(sql, parameters, schema)``; ``schema`` names and types the result's columns.
    """
    tables = _adbc_read(db, [(sql, params) for sql, params, _ in queries])
    if tables is None:
        tables = [_sqlite_table(db, sql, params, schema) for sql, params, schema in queries]
    return [_typed(t, schema) for t, (_, _, schema) in zip(tables, queries, strict=True)]


def term_numbers(db: Database) -> dict[str, int]:
    """``{text: number}`` of label_terms (coder ids, dimension ids, codes, actions)."""
    return dict(db.conn.execute("SELECT text, id FROM label_terms").fetchall())


def labels_table(
    db: Database,
    *,
    coders: Iterable[str] | None = None,
    dimensions: Iterable[str] | None = None,
) -> tuple[pa.Table, pa.Table]:
    """The labels as stored and the numbers and ids of the codable units, as Arrow tables.

    Returns
    -------
    labels : pyarrow.Table
        One row per label of ``label_current`` (of the coders and dimensions asked for;
        codable or not), columns :data:`LABEL_COLUMNS`: ``unit``, ``coder``,
        ``dimension`` and ``value`` as numbers, ``micros`` the time as stored (null where
        it is stored as text) and ``stamp`` that text (null elsewhere). Grouped by unit
        number when read by the ADBC reader or by ``sqlite3`` without filters; in any
        order otherwise.
    units : pyarrow.Table
        ``unit`` (number) and ``unit_id`` of every codable unit that has a number, in
        project order.
    """
    import pyarrow as pa

    read = _Read.of(db, coders, dimensions)
    tables = _adbc_read(db, read.plain())
    if tables is not None and all(_integer_times(t) for t in tables[1:]):
        units = _typed(tables[0], read.unit_schema)
        parts = [_with_stamps(t, read.schema) for t in tables[1:]]
    else:
        units, *parts = read_tables(db, read.mixed())
    return pa.concat_tables(parts), units


class _Read(NamedTuple):
    """The queries of one read of the labels."""

    coders: list[int] | None
    dimensions: list[int] | None
    ranges: list[tuple[int, int] | None]
    schema: pa.Schema
    unit_schema: pa.Schema
    packing: _Packing | None = None  # for :meth:`packed`

    @classmethod
    def of(cls, db: Database, coders, dimensions) -> _Read:
        terms = term_numbers(db)
        (top_unit,) = db.conn.execute("SELECT max(unit) FROM label_current").fetchone()
        return cls(
            None if coders is None else [terms.get(c, -1) for c in coders],
            None if dimensions is None else [terms.get(d, -1) for d in dimensions],
            _unit_ranges(db, RANGES),
            _schema(LABEL_COLUMNS),
            _schema(UNIT_COLUMNS),
            _Packing.of(max(terms.values(), default=0), top_unit or 0),
        )

    def packed(self) -> list[tuple[str, list]]:
        """The labels' queries of :meth:`plain`, packed when :attr:`packing` is set."""
        if self.packing is None:
            return self.plain()[1:]
        return [self.packing.sql(self.coders, self.dimensions, r) for r in self.ranges]

    @property
    def packed_schema(self) -> pa.Schema:
        """The schema of :meth:`packed`'s tables, with their empty ``stamp``."""
        return self.schema if self.packing is None else _schema(PACKED_COLUMNS)

    def plain(self) -> list[tuple[str, list]]:
        """The units' query, then one query per range of unit numbers (the units first:
        with more ranges than readers, the readers end together)."""
        return [(_UNITS, []), *(_label_sql(self.coders, self.dimensions, r) for r in self.ranges)]

    def mixed(self) -> list[tuple[str, list, pa.Schema]]:
        """The same with both kinds of time (see :data:`_MIXED_TIMES`), typed: for a time
        stored as text (the driver types a column by its first rows, and turns what
        follows into text or refuses it), or Python's sqlite3, which makes an object of
        every cell anyway."""
        labels = [
            (*_label_sql(self.coders, self.dimensions, r, mixed=True), self.schema)
            for r in self.ranges
        ]
        return [(_UNITS, [], self.unit_schema), *labels]


def _with_stamps(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """A plain read's table with its (empty) column of times stored as text."""
    import pyarrow as pa

    return _typed(table.append_column("stamp", pa.nulls(table.num_rows)), schema)


def _integer_times(table: pa.Table) -> bool:
    """Whether the plain read's times are all integers (none stored as text)."""
    import pyarrow as pa

    kind = table.schema.field("micros").type if table.num_rows else pa.int64()
    return pa.types.is_integer(kind) or pa.types.is_null(kind)


def _text_ns(texts: pa.Array) -> np.ndarray:
    """ISO-8601 texts as int64 nanoseconds since 1970 (UTC), :data:`NO_TIME` where a text
    is not a time: Arrow's cast, or pandas' parser when Arrow refuses one of them (as
    :func:`desktop.core.agreement.labels.time_ns` reads the text of a time)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        cast = pc.cast(texts, pa.timestamp("ns", "UTC")).cast(pa.int64())
        return np.asarray(cast.fill_null(NO_TIME).to_numpy(zero_copy_only=False), np.int64)
    except (TypeError, ValueError, ArithmeticError, NotImplementedError):
        pass
    times = pd.to_datetime(texts.to_pandas(), utc=True, format="ISO8601", errors="coerce")
    naive = times.dt.tz_localize(None)
    out = naive.to_numpy(dtype="datetime64[ns]").view(np.int64).copy()
    out[naive.isna().to_numpy()] = NO_TIME
    return out


#: Stored microseconds that are times in nanoseconds since 1970 (1677 to 2262); a time
#: beyond is no time, as its text is not one either.
_LOW_MICROS = NO_TIME // _NS_PER_MICRO - _EPOCH_MICROS + 1
_HIGH_MICROS = (2**63 - 1) // _NS_PER_MICRO - _EPOCH_MICROS


def _time_ns(labels: pa.Table) -> np.ndarray:
    """The labels' times as int64 nanoseconds since 1970 (UTC); :data:`NO_TIME` (NaT)
    where the stored text is not a time."""
    import numpy as np

    column = labels.column("micros")
    micros = column.fill_null(0) if column.null_count else column
    values = micros.to_numpy().astype(np.int64, copy=False)
    known = values >= _LOW_MICROS
    known &= values <= _HIGH_MICROS
    if column.null_count:
        known &= ~column.is_null().to_numpy()
    out = np.full(values.size, NO_TIME, dtype=np.int64)
    out[known] = (values[known] + _EPOCH_MICROS) * _NS_PER_MICRO
    stamps = labels.column("stamp")
    if stamps.null_count < len(stamps):
        texts = np.flatnonzero(~stamps.is_null().to_numpy(zero_copy_only=False))
        out[texts] = _text_ns(stamps.take(texts))
    return out


class _Terms(NamedTuple):
    """Every label term's text, sorted, and each term number's rank among them."""

    texts: list[str]
    rank: np.ndarray  # by term number; len(texts) for a number not read (a later term)

    @classmethod
    def of(cls, db: Database) -> _Terms:
        import numpy as np

        numbers = term_numbers(db)
        texts = sorted(numbers)
        top = max(numbers.values(), default=0)
        kind = np.int16 if len(texts) < 32_767 else np.int32
        rank = np.full(top + 2, len(texts), dtype=kind)
        rank[[numbers[t] for t in texts]] = np.arange(len(texts), dtype=kind)
        return cls(texts, rank)


class _Part(NamedTuple):
    """The labels of one read, decoded to numpy columns in the order they were read."""

    position: np.ndarray  # int32: the unit's place in project order; -1 not codable
    coder: np.ndarray  # ranks of the terms' texts (_Terms)
    dimension: np.ndarray
    value: np.ndarray
    times: np.ndarray  # int64 nanoseconds since 1970, NO_TIME where none
    starts: np.ndarray  # rows where another unit number begins (0 first)
    grouped: bool  # unit numbers never decrease
    ordered: bool  # within a unit, rows by coder then dimension rank
    counts: dict[str, np.ndarray]  # rows of each term rank, per category column


def _unit_index(units: pa.Table) -> pd.Index:
    """The units' ids, the categories of ``unit_id``, with their check that they are
    unique (which the categories make) done."""
    import pandas as pd

    index = pd.Index(units.column("unit_id").to_pandas(), dtype=object)
    index.is_unique  # noqa: B018  (computed once and kept by the index)
    return index


def _places(units: pa.Table) -> np.ndarray:
    """Each unit number's place in project order, -1 where the unit is not codable; one
    more -1 at the end stands for every larger number (a unit numbered after the read)."""
    import numpy as np

    numbers = units.column("unit").to_numpy()
    top = int(numbers.max()) if numbers.size else 0
    place = np.full(top + 2, -1, dtype=np.int32)
    place[numbers] = np.arange(numbers.size, dtype=np.int32)
    return place


def _decode(
    table: pa.Table, place: np.ndarray, terms: _Terms, packing: _Packing | None = None
) -> _Part:
    """Decode one table of :func:`labels_table`'s labels (or of a packed read's,
    :data:`PACKED_COLUMNS`, with its ``packing``), batch by batch (no copy of a whole
    column, and no Python object per row)."""
    import numpy as np

    n = table.num_rows
    position = np.empty(n, dtype=np.int32)
    codes = {name: np.empty(n, dtype=terms.rank.dtype) for name in CATEGORY_COLUMNS}
    step = np.ones(n, dtype=bool)
    times = np.empty(n, dtype=np.int64)
    plain_times = table.column("stamp").null_count == n
    grouped, last = True, None
    names = ("packed",) if packing is not None else ("unit", *CATEGORY_COLUMNS)
    columns = {name: table.column(name).chunks for name in (*names, "micros")}
    start = 0
    for i, first_chunk in enumerate(columns[names[0]]):
        if packing is not None:
            unit, numbers = packing.unpack(first_chunk.to_numpy())
        else:
            unit = first_chunk.to_numpy()
            numbers = [columns[name][i].to_numpy() for name in CATEGORY_COLUMNS]
        rows = slice(start, start + unit.size)
        start += unit.size
        if not unit.size:
            continue
        # Numbers beyond the places clip to the last, -1 (units are numbered from 1).
        np.take(place, unit, mode="clip", out=position[rows])
        for name, chunk in zip(CATEGORY_COLUMNS, numbers, strict=True):
            np.take(terms.rank, chunk, mode="clip", out=codes[name][rows])
        np.not_equal(unit[1:], unit[:-1], out=step[rows][1:])
        step[rows.start] = last is None or unit[0] != last
        grouped = (
            grouped and (last is None or unit[0] >= last) and bool((unit[1:] >= unit[:-1]).all())
        )
        last = unit[-1]
        micros = columns["micros"][i]
        if plain_times and not micros.null_count:
            values = micros.to_numpy()
            if values.min() >= _LOW_MICROS and values.max() <= _HIGH_MICROS:
                np.add(values, _EPOCH_MICROS, out=times[rows])
                times[rows] *= _NS_PER_MICRO
                continue
        plain_times = False
    if not plain_times:
        times = _time_ns(table)
    coder, dimension = codes["coder"], codes["dimension"]
    later = (coder[1:] > coder[:-1]) | (
        (coder[1:] == coder[:-1]) & (dimension[1:] > dimension[:-1])
    )
    ordered = bool((later | step[1:]).all())
    counts = {
        name: np.bincount(codes[name], minlength=len(terms.texts) + 1) for name in CATEGORY_COLUMNS
    }
    return _Part(
        position,
        codes["coder"],
        codes["dimension"],
        codes["value"],
        times,
        np.flatnonzero(step),
        grouped,
        ordered,
        counts,
    )


class _TextTimes(Exception):
    """A plain read met a time stored as text."""


def _adbc_decoded(db: Database, read: _Read, terms: _Terms) -> tuple[pd.Index, list[_Part]] | None:
    """Read and decode the labels on :data:`READERS` threads at once (numpy, like Arrow,
    works without the GIL): the units' ids in project order (:func:`_unit_index`) and the
    parts; None when the ADBC reader cannot be used or refuses, or a time is stored as
    text.

    Every read is queued before any decoding, which needs the units' places: a reader
    that has read its range goes on to the next instead of waiting for the units."""
    path = _project_path(db)
    if not path or db.conn.in_transaction:
        return None
    try:
        import adbc_driver_sqlite.dbapi  # noqa: F401
    except ImportError:
        return None
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    uri = f"{Path(path).resolve().as_uri()}?mode=ro"
    units_query = read.plain()[0]
    schema = read.packed_schema

    def read_units():
        units = _typed(_adbc_table(uri, *units_query), read.unit_schema)
        # The ids' index while the other reader reads.
        return units, _places(units), _unit_index(units)

    try:
        with ThreadPoolExecutor(max_workers=max(1, READERS)) as pool:
            # Submitted first, so a reader waiting for the places never waits for itself.
            units = pool.submit(read_units)

            def read_part(query):
                table = _adbc_table(uri, *query)
                if not _integer_times(table):
                    raise _TextTimes
                return _with_stamps(table, schema)

            def decode(table):
                return _decode(table.result(), units.result()[1], terms, read.packing)

            tables = [pool.submit(read_part, query) for query in read.packed()]
            # Queued after every read, so a decoding waits only for reads under way.
            decoded = [pool.submit(decode, table) for table in tables]
            parts = [part.result() for part in decoded]
            units = units.result()[2]
    except Exception:  # a time stored as text, or any refusal: read the other way
        return None
    top_term = max(term_numbers(db).values(), default=0)
    if read.packing is not None and top_term > read.packing.top_term:
        # Terms only grow: none read was larger than the largest now. A larger one would
        # have spilled into its neighbour's bits.
        raise ProjectError("the project changed while its labels were read; try again")
    return units, parts


def labels_frame(
    db: Database,
    *,
    coders: Iterable[str] | None = None,
    dimensions: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The labels of codable units, read in C, for the agreement figures.

    The rows and their order are those of :func:`desktop.core.store.labels_frame`;
    ``unit_id``, ``coder``, ``dimension`` and ``value`` are categoricals (the unit ids'
    categories in project order), and ``changed_at`` is the time as ``datetime64[ns,
    UTC]`` (NaT where the stored text is not a time), not its text. Labels on excluded
    units or excluded articles are left out.

    Returns
    -------
    DataFrame
        ``unit_id, coder, dimension, value, changed_at``; shape (R, 5).
    """
    import numpy as np
    import pandas as pd

    read = _Read.of(db, coders, dimensions)
    terms = _Terms.of(db)
    decoded = _adbc_decoded(db, read, terms)
    if decoded is None:
        units, *tables = read_tables(db, read.mixed())
        place = _places(units)
        decoded = _unit_index(units), [_decode(t, place, terms) for t in tables]
    unit_ids, parts = decoded
    columns = _in_order(parts)
    # The codes are in range by construction: no check of every row, and no copy.
    frame = {
        "unit_id": pd.Categorical.from_codes(
            columns["position"], categories=unit_ids, validate=False
        )
    }
    for name in CATEGORY_COLUMNS:
        present = sum(p.counts[name] for p in parts) > 0
        if present[-1]:  # a term numbered after the terms were read
            raise ProjectError("the project changed while its labels were read; try again")
        names = [terms.texts[i] for i in np.flatnonzero(present)]
        kind = np.int8 if len(names) < 127 else np.int16 if len(names) < 32_767 else np.int32
        renumber = (np.cumsum(present) - 1).astype(kind)
        frame[name] = pd.Categorical.from_codes(
            renumber[columns[name]], categories=pd.Index(names, dtype=str), validate=False
        )
    # Nanoseconds since 1970 are UTC already: the type says so, nothing is converted.
    # (copy=False: pandas 3 would otherwise copy, a fifth of a second at 12M labels.)
    frame["changed_at"] = pd.DatetimeIndex(
        columns["times"].view("datetime64[ns]"), dtype=TIME_DTYPE, copy=False
    )
    return pd.DataFrame(frame, copy=False)


_COLUMNS = ("position", *CATEGORY_COLUMNS, "times")
#: Above this many runs of rows to move, the rows are gathered one by one instead.
MAX_RUNS = 200_000
#: From this many labels, the columns are put in order on :data:`READERS` threads.
SPLIT_ROWS = 1_000_000


def _in_order(parts: list[_Part]) -> dict[str, np.ndarray]:
    """The codable labels of the parts in project order of their units, then coder and
    dimension order (the texts' order), as one array per column.

    The parts come grouped by unit number, each unit's rows by the numbers of coder and
    dimension, which are usually in the texts' order. Then only the units move, each
    group of rows whole, and groups that follow each other in both orders move together:
    the columns are put together from runs of rows, without sorting or gathering rows.
    """
    import numpy as np

    sizes = [p.position.size for p in parts]
    offsets = np.cumsum([0, *sizes])
    n = int(offsets[-1])
    if n == 0:
        return {name: getattr(parts[0], name) for name in _COLUMNS}
    if not (all(p.grouped for p in parts) and all(p.ordered for p in parts)):
        return _sorted(parts)
    starts = np.concatenate([p.starts + o for p, o in zip(parts, offsets, strict=False)])
    places = np.concatenate([p.position[p.starts] for p in parts])
    ends = np.r_[starts[1:], n]
    if not ((places >= 0).all() and (places[1:] > places[:-1]).all()):
        kept = np.flatnonzero(places >= 0)
        by_place = kept[np.argsort(places[kept], kind="stable")]
        starts, ends = starts[by_place], ends[by_place]
    if not starts.size:  # no codable label
        return {name: getattr(parts[0], name)[:0] for name in _COLUMNS}
    # Runs: groups whose rows follow on from the previous group's in the same part (a
    # group, one unit's rows, lies inside one part: the parts are ranges of units).
    follows = starts[1:] == ends[:-1]
    follows &= ~np.isin(starts[1:], offsets)
    breaks = np.flatnonzero(~follows) + 1
    if breaks.size > MAX_RUNS:
        return _gathered(parts, starts, ends)
    run_starts = starts[np.r_[0, breaks]]
    run_ends = ends[np.r_[breaks - 1, starts.size - 1]]
    part = np.searchsorted(offsets, run_starts, side="right") - 1
    base = offsets[part]
    pieces = list(
        zip(part.tolist(), (run_starts - base).tolist(), (run_ends - base).tolist(), strict=True)
    )

    def join(name: str) -> np.ndarray:
        return _joined([getattr(parts[p], name)[a:b] for p, a, b in pieces], parts[0], name)

    if n < SPLIT_ROWS or READERS < 2:
        return {name: join(name) for name in _COLUMNS}
    from concurrent.futures import ThreadPoolExecutor

    # The copies (and the new pages they fill) run without the GIL: columns on threads.
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        return dict(zip(_COLUMNS, pool.map(join, _COLUMNS), strict=True))


def _joined(arrays: list[np.ndarray], part: _Part, name: str) -> np.ndarray:
    import numpy as np

    if not arrays:
        return getattr(part, name)[:0]
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


def _gathered(parts: list[_Part], starts: np.ndarray, ends: np.ndarray) -> dict[str, np.ndarray]:
    """The rows of the groups ``starts[i]:ends[i]``, in that order, gathered row by row."""
    import numpy as np

    columns = {
        name: _joined([getattr(p, name) for p in parts], parts[0], name) for name in _COLUMNS
    }
    lengths = ends - starts
    total = int(lengths.sum())
    kind = np.int32 if columns["position"].size < 2**31 else np.int64
    # The output runs through each group's rows one by one (steps of 1) and jumps from
    # the last row of a group to the first of the next: a cumulative sum of the steps.
    steps = np.ones(total, dtype=kind)
    if total:
        steps[0] = starts[0]
        steps[np.cumsum(lengths)[:-1]] = starts[1:] - ends[:-1] + 1
    order = np.cumsum(steps, dtype=kind)
    return {name: column[order] for name, column in columns.items()}


def _sorted(parts: list[_Part]) -> dict[str, np.ndarray]:
    """The codable rows sorted by unit place, coder and dimension (any order read)."""
    import numpy as np

    columns = {
        name: _joined([getattr(p, name) for p in parts], parts[0], name) for name in _COLUMNS
    }
    position = columns["position"]
    order = np.lexsort((columns["dimension"], columns["coder"], position))
    order = order[np.count_nonzero(position < 0) :]  # the codable rows, sorted last
    return {name: column[order] for name, column in columns.items()}
