"""Bulk reads of the labels as columns (Arrow), for the agreement figures.

Every bulk read of the labels that must be fast at a million sentences lives here, so
that a change of the label tables changes one module. The rows and their order are
those of :func:`desktop.core.store.labels_frame` (codable units only: not excluded, of
an article that is not excluded; ordered by the unit's ``seq``, then coder id, then
dimension id); only their representation differs: columns made in C, not one Python
object per cell.

The reader is Arrow's ADBC driver for SQLite (``adbc-driver-sqlite``), on a second,
read-only connection to the project file: it steps SQLite and fills Arrow buffers in C,
about three times faster than Python's ``sqlite3`` module, which makes a tuple and a Python
object for every cell. Where it cannot be used (an in-memory database, a caller inside
an open transaction whose writes a second connection would not see, the driver missing
or refusing the file), the same SQL runs on the caller's connection and its rows become
the same Arrow columns.

The labels of a large project are read in :data:`READERS` ranges of units at once, each
on a connection of its own (Arrow fills its buffers without holding the GIL); the ranges
partition the units, so every label is read once, each range as of its own read
transaction.

A unit is read as its ``seq`` (an integer) and its id is looked up once per unit, not
once per label; the coder, dimension and value come back as dictionary (categorical)
columns, which is what the agreement code factorises anyway.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from desktop.core.errors import ProjectError
from desktop.core.store.db import BUSY_TIMEOUT_MS, Database
from desktop.core.store.label_keys import time_sql
from desktop.core.store.sql import in_filters

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

# The integer tables of migration 0007: a label's coder, dimension and value are numbers
# of label_terms, its unit a number of unit_keys, its time microseconds since an epoch.
_CODABLE = (
    "FROM label_current l JOIN unit_keys k ON k.id = l.unit JOIN units u ON u.id = k.unit_id "
    "JOIN articles a ON a.id = u.article_id WHERE u.excluded = 0 AND a.excluded = 0"
)
#: The label columns read, in order, with their Arrow types (the type of an empty result).
LABEL_COLUMNS = (
    ("seq", "u.seq", "int64"),
    # One text for the three (a few dozen distinct among millions of labels): a fifth
    # less to read than three columns, and one dictionary to make.
    # (numbers of label_terms, as text: decoded once per distinct key).
    ("key", "l.dimension || char(31) || l.value || char(31) || l.coder", "string"),
    ("changed_at", time_sql("l.changed_at"), "string"),
    ("seconds", "l.seconds", "float64"),
)
_UNIT_IDS = (
    "SELECT u.seq, u.id FROM units u JOIN articles a ON a.id = u.article_id "
    "WHERE u.excluded = 0 AND a.excluded = 0 ORDER BY u.seq"
)
#: Rows per batch of the ADBC reader (its default, 1,024, costs a fifth more time).
BATCH_ROWS = 65_536
#: Connections that read at once: the labels of a large project are read in this many
#: ranges of units, each by a thread of its own.
READERS = min(2, os.cpu_count() or 1)
#: Below this many units the labels are read in one piece.
SPLIT_UNITS = 20_000
#: The columns coded as categories in :func:`labels_frame`, and where each is in a key.
CATEGORY_COLUMNS = ("coder", "dimension", "value")
_KEY_PARTS = {"dimension": 0, "value": 1, "coder": 2}
#: Separates the dimension, value and coder in a label's key (dimension ids and category
#: codes never hold it; a coder id, last, may).
KEY_SEPARATOR = "\x1f"


def _label_sql(
    coders: list[int] | None,
    dimensions: list[int] | None,
    seqs: tuple[int, int] | None = None,
) -> tuple[str, list]:
    columns = ", ".join(f"{expression} AS {name}" for name, expression, _ in LABEL_COLUMNS)
    filters, params = in_filters((("l.coder", coders), ("l.dimension", dimensions)))
    if seqs is not None:
        filters += " AND u.seq BETWEEN ? AND ?"
        params += list(seqs)
    # In unit order; within a unit the numbers' order, put in the texts' order after reading.
    sql = f"SELECT {columns} {_CODABLE}{filters} ORDER BY u.seq, l.coder, l.dimension"
    return sql, params


def _seq_ranges(db: Database, parts: int) -> list[tuple[int, int] | None]:
    """``parts`` consecutive ranges of unit ``seq`` covering every unit (one, unbounded,
    for a small project)."""
    low, high = db.conn.execute("SELECT min(seq), max(seq) FROM units").fetchone()
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
    """``table`` with ``schema``'s names and types (an empty ADBC result has null types)."""
    if table.num_rows == 0:
        return schema.empty_table()
    return table.rename_columns(schema.names).cast(schema)


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
    path = _project_path(db)
    tables = None
    if path and not db.conn.in_transaction:
        tables = _adbc_tables(path, [(sql, params) for sql, params, _ in queries])
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
    """The labels of codable units and those units' ids, as Arrow tables.

    Returns
    -------
    labels : pyarrow.Table
        ``seq`` (int64), ``key`` (the dimension, value and coder joined by
        :data:`KEY_SEPARATOR`), ``changed_at`` (string) and ``seconds`` (float64), one
        row per label, in the order of :func:`desktop.core.store.labels_frame`.
    units : pyarrow.Table
        ``seq`` (int64, ascending) and ``unit_id`` (string) of every codable unit.
    """
    import pyarrow as pa

    terms = term_numbers(db)
    coders = None if coders is None else [terms.get(c, -1) for c in coders]
    dimensions = None if dimensions is None else [terms.get(d, -1) for d in dimensions]
    schema = _schema(LABEL_COLUMNS)
    queries = [(*_label_sql(coders, dimensions, seqs), schema) for seqs in _seq_ranges(db, READERS)]
    unit_schema = _schema((("seq", "", "int64"), ("unit_id", "", "string")))
    *parts, units = read_tables(db, [*queries, (_UNIT_IDS, [], unit_schema)])
    return pa.concat_tables(parts), units


def labels_frame(
    db: Database,
    *,
    coders: Iterable[str] | None = None,
    dimensions: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The rows of :func:`desktop.core.store.labels_frame`, read in C.

    Same columns, rows and order; ``unit_id``, ``coder``, ``dimension`` and ``value`` are
    categoricals (the unit ids' categories in project order), ``changed_at`` Arrow-backed
    text. Labels on excluded units or excluded articles are left out.

    Returns
    -------
    DataFrame
        ``unit_id, coder, dimension, value, changed_at, seconds``; shape (R, 6).
    """
    import numpy as np
    import pandas as pd
    import pyarrow.compute as pc

    labels, units = labels_table(db, coders=coders, dimensions=dimensions)
    unit_seqs = units.column("seq").to_numpy()
    seqs = labels.column("seq").to_numpy()
    if seqs.size and (seqs[1:] >= seqs[:-1]).all():
        # In unit order: look each unit up once, not each label.
        first = np.empty(seqs.size, dtype=bool)
        first[0] = True
        np.not_equal(seqs[1:], seqs[:-1], out=first[1:])
        position = np.searchsorted(unit_seqs, seqs[first])[np.cumsum(first) - 1]
    else:
        position = np.searchsorted(unit_seqs, seqs)
    inside = position < unit_seqs.size
    if not inside.all() or (unit_seqs[position[inside]] != seqs[inside]).any():
        raise ProjectError("the project changed while its labels were read; try again")
    unit_ids = pd.Index(units.column("unit_id").to_pylist(), dtype=object)
    keys = pc.dictionary_encode(labels.column("key")).combine_chunks()
    rows = keys.indices.to_numpy(zero_copy_only=False)
    text_of = {number: text for text, number in term_numbers(db).items()}
    parts = [
        [text_of[int(n)] for n in key.split(KEY_SEPARATOR)] for key in keys.dictionary.to_pylist()
    ]
    codes_of = {}
    for name in CATEGORY_COLUMNS:
        values = [p[_KEY_PARTS[name]] for p in parts]
        names = sorted(set(values))
        number = {value: n for n, value in enumerate(names)}
        lookup = np.array([number[v] for v in values], dtype=np.int32)
        codes_of[name] = (lookup[rows] if rows.size else np.zeros(0, dtype=np.int32), names)
    changed_at = labels.column("changed_at")
    seconds = labels.column("seconds").to_numpy()
    # The query orders a unit's labels by the numbers of their coder and dimension; the
    # frame orders them by the texts (the categories' codes are in text order).
    order = _text_order(seqs, codes_of["coder"][0], codes_of["dimension"][0])
    if order is not None:
        position = position[order]
        codes_of = {name: (codes[order], names) for name, (codes, names) in codes_of.items()}
        changed_at = changed_at.take(order)
        seconds = seconds[order]
    columns = {
        "unit_id": pd.Categorical.from_codes(position.astype(np.int32), categories=unit_ids),
    }
    for name in CATEGORY_COLUMNS:
        codes, names = codes_of[name]
        columns[name] = pd.Categorical.from_codes(codes, categories=pd.Index(names, dtype=str))
    columns["changed_at"] = changed_at.to_pandas()
    columns["seconds"] = seconds
    return pd.DataFrame(columns)


def _text_order(seqs, coders, dimensions):
    """The permutation that sorts labels by (unit, coder, dimension) codes, or None when
    they already are (the usual case: one vectorised pass instead of a sort)."""
    import numpy as np

    if seqs.size < 2:
        return None
    same_unit = seqs[1:] == seqs[:-1]
    same_coder = same_unit & (coders[1:] == coders[:-1])
    ascending = (seqs[1:] > seqs[:-1]) | (same_unit & (coders[1:] > coders[:-1]))
    ascending |= same_coder & (dimensions[1:] > dimensions[:-1])
    if ascending.all():
        return None
    return np.lexsort((dimensions, coders, seqs))
