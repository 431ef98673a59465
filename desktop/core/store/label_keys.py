"""The integer keys of labels, label history and unit states (migration 0007).

``label_current``, ``label_changes`` and ``unit_state_rows`` hold small integers where
the project's texts were: a unit is numbered in ``unit_keys``, and every coder id,
dimension id, code and history action in ``label_terms``. Both dictionaries are
append-only (a number is never reused or changed), so a code dropped from the scheme
stays readable. A time in the project's form (:func:`desktop.core.timestamps.utc_now`)
is stored as integer microseconds since :data:`EPOCH` (six bytes within four years of
it, eight beyond) and reads back as exactly that text; any other text is stored as it
came.

The views ``labels``, ``label_history`` and ``unit_states`` show the old text columns;
the SQL fragments here let the store's own queries read the integer tables directly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from desktop.core.store.db import Database

_STORED = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
#: Times are stored as microseconds from here: SQLite stores an integer of up to 2**47 in
#: six bytes (4.4 years either side) and larger ones in eight.
EPOCH = datetime(2028, 1, 1)
_EPOCH_SECONDS = 1_830_297_600  # EPOCH as seconds since 1970
_MICRO = timedelta(microseconds=1)
_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def time_key(text):
    """The stored form of a time: integer microseconds since :data:`EPOCH` for the
    project's own form (``2026-11-22T10:14:00.123456Z``, 1970 or later), else ``text``
    unchanged.

    :func:`time_text` gives ``text`` back exactly (as the SQL of :func:`time_sql` does).
    """
    if type(text) is not str or not _STORED.fullmatch(text) or text < "1970":
        return text
    try:
        when = datetime.fromisoformat(text[:26])
    except ValueError:  # 2026-02-30 and the like: not a time, kept as text
        return text
    return (when - EPOCH) // _MICRO


def time_text(value):
    """The text of a stored time (the inverse of :func:`time_key`)."""
    if type(value) is not int:
        return value
    return (EPOCH + value * _MICRO).strftime(_FORMAT)


def time_sql(column: str) -> str:
    """SQL that reads a stored time column as its text."""
    micros = f"(({column} % 1000000 + 1000000) % 1000000)"
    return (
        f"CASE WHEN typeof({column}) = 'integer' THEN strftime('%Y-%m-%dT%H:%M:%S', "
        f"({column} - {micros}) / 1000000 + {_EPOCH_SECONDS}, 'unixepoch') "
        f"|| printf('.%06dZ', {micros}) ELSE {column} END"
    )


def labels_with_keys() -> str:
    """A subquery with the columns of the ``labels`` view plus the unit's and coder's
    numbers (``unit_n``, ``coder_n``), so that a query can join ``unit_state_rows`` on
    them (a LEFT JOIN to the ``unit_states`` view would copy the whole view first)."""
    return (
        "(SELECT l.unit AS unit_n, l.coder AS coder_n, k.unit_id, c.text AS coder_id, "
        "d.text AS dimension, v.text AS value, "
        f"{time_sql('l.changed_at')} AS changed_at, l.seconds "
        "FROM label_current l JOIN unit_keys k ON k.id = l.unit "
        "JOIN label_terms c ON c.id = l.coder JOIN label_terms d ON d.id = l.dimension "
        "JOIN label_terms v ON v.id = l.value)"
    )


def term_sql(param: str = "?") -> str:
    """A scalar subquery: the number of the text bound to ``param`` (NULL if none)."""
    return f"(SELECT id FROM label_terms WHERE text = {param})"


def unit_sql(param: str = "?") -> str:
    """A scalar subquery: the number of the unit id bound to ``param`` (NULL if none)."""
    return f"(SELECT id FROM unit_keys WHERE unit_id = {param})"


def term_id(db: Database, text: str | None, *, create: bool = False) -> int | None:
    """The number of ``text`` (None for None; None if unknown unless ``create``, which
    must run inside the caller's write transaction)."""
    if text is None:
        return None
    row = db.conn.execute("SELECT id FROM label_terms WHERE text = ?", [text]).fetchone()
    if row is not None:
        return row[0]
    if not create:
        return None
    return db.conn.execute("INSERT INTO label_terms (text) VALUES (?)", [text]).lastrowid


def term_ids(db: Database, texts: Sequence[str | None], *, create: bool = False) -> list:
    """:func:`term_id` of each text, in order."""
    return [term_id(db, text, create=create) for text in texts]


def unit_key(db: Database, unit_id: str, *, create: bool = False) -> int | None:
    """The number of ``unit_id`` (None if it has none unless ``create``, which must run
    inside the caller's write transaction)."""
    row = db.conn.execute("SELECT id FROM unit_keys WHERE unit_id = ?", [unit_id]).fetchone()
    if row is not None:
        return row[0]
    if not create:
        return None
    return db.conn.execute("INSERT INTO unit_keys (unit_id) VALUES (?)", [unit_id]).lastrowid


def term_texts(db: Database) -> dict[int, str]:
    """``{number: text}`` of every term (a few dozen rows)."""
    return dict(db.conn.execute("SELECT id, text FROM label_terms").fetchall())


def insert_change(
    db: Database,
    unit_id: str,
    coder: str,
    dimension: str,
    old: str | None,
    new: str | None,
    action: str,
    reverts: int | None,
    changed_at: str,
) -> int:
    """Append one label history row given as texts (inside the caller's transaction);
    returns its id."""
    unit = unit_key(db, unit_id, create=True)
    numbers = term_ids(db, [coder, dimension, old, new, action], create=True)
    return append_change(db, unit, *numbers, reverts, time_key(changed_at))


def append_change(
    db: Database,
    unit: int,
    coder: int,
    dimension: int,
    old: int | None,
    new: int | None,
    action: int,
    reverts: int | None,
    stamp,
) -> int:
    """Append one label history row given as numbers, with the next id (label_clock
    holds the last id given out; a trigger moves it on); returns the id."""
    return db.conn.execute(
        "INSERT INTO label_changes (coder, id, unit, dimension, old_value, new_value, action, "
        "reverts, changed_at) VALUES (?, (SELECT last_change + 1 FROM label_clock), "
        "?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [coder, unit, dimension, old, new, action, reverts, stamp],
    ).fetchone()[0]


def history_sql(where: str, *, by_unit: bool = False) -> str:
    """``SELECT`` of label history rows as texts (the columns of the ``label_history``
    view, in order) ``WHERE where``; ``by_unit`` reads them through the unit index
    (SQLite, without statistics, would otherwise read all of the coder's rows)."""
    index = " INDEXED BY label_changes_unit" if by_unit else ""
    return (
        "SELECT h.id, k.unit_id, c.text, d.text, o.text, n.text, a.text, h.reverts, "
        f"{time_sql('h.changed_at')} FROM label_changes h{index} "
        "JOIN unit_keys k ON k.id = h.unit JOIN label_terms c ON c.id = h.coder "
        "JOIN label_terms d ON d.id = h.dimension JOIN label_terms a ON a.id = h.action "
        "LEFT JOIN label_terms o ON o.id = h.old_value "
        f"LEFT JOIN label_terms n ON n.id = h.new_value WHERE {where}"
    )
