"""Coders, labels, unsure flags, notes and time, each write one transaction.

Every write returns a :class:`Change` that says what changed, so views refresh from it.
Every label change is appended to ``label_history``; undo and redo are new history rows
that point at the row they reverse, so the undo stack survives a restart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktop.core.errors import UsageError
from desktop.core.store.db import Database, utc_now, write_transaction
from desktop.core.store.label_keys import (
    append_change,
    history_sql,
    term_id,
    term_ids,
    term_sql,
    time_key,
    time_sql,
    unit_key,
    unit_sql,
)
from desktop.core.store.machine import coder_kind, human_coders_where
from desktop.core.store.sql import in_filters, placeholders

if TYPE_CHECKING:
    import pandas as pd

USER_ACTIONS = ("set", "clear")


@dataclass(frozen=True)
class Change:
    """What one write changed. ``old``/``new`` are None when there was or is no value."""

    kind: str  # label, unsure, note, time
    unit_id: str
    coder: str
    dimension: str = ""
    old: str | None = None
    new: str | None = None
    history_id: int | None = None

    @property
    def changed(self) -> bool:
        return self.old != self.new


# -- coders -------------------------------------------------------------------------------


def ensure_coder(db: Database, coder: str, name: str = "") -> str:
    """Register ``coder`` (an id such as initials) if new; returns the id."""
    coder = coder.strip()
    if not coder:
        raise UsageError("a coder needs a name or initials")
    if coder_kind(db, coder) == "model":
        raise UsageError(f"'{coder}' is a model; a person needs another name")
    with write_transaction(db):
        db.execute(
            "INSERT INTO coders (id, name, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO NOTHING",
            [coder, name or coder, utc_now()],
        )
    return coder


def list_coders(db: Database) -> list[dict]:
    """The human coders (models are listed by desktop.core.store.machine)."""
    where = human_coders_where(db)
    rows = db.execute(f"SELECT id, name, is_lead FROM coders WHERE {where} ORDER BY id")
    return [{"id": r[0], "name": r[1], "is_lead": bool(r[2])} for r in rows]


# -- labels -------------------------------------------------------------------------------


def _current(db: Database, unit: int, coder: int, dimension: int) -> tuple:
    """``(code, its number)`` of one label, ``(None, None)`` when there is none."""
    row = db.execute(
        "SELECT v.text, l.value FROM label_current l JOIN label_terms v ON v.id = l.value "
        "WHERE l.unit = ? AND l.coder = ? AND l.dimension = ?",
        [unit, coder, dimension],
    ).fetchone()
    return row or (None, None)


def _term_numbers(db: Database, texts: list[str | None]) -> list[int | None]:
    """:func:`term_ids` with ``create``, in one query for the terms already numbered
    (all of them but for a new code or coder: a key press reads them once, not four
    times); inside the caller's write transaction."""
    wanted = [text for text in dict.fromkeys(texts) if text is not None]
    found = dict(
        db.conn.execute(
            f"SELECT text, id FROM label_terms WHERE text IN ({placeholders(wanted)})", wanted
        ).fetchall()
    )
    missing = [text for text in wanted if text not in found]
    found.update(zip(missing, term_ids(db, missing, create=True), strict=True))
    return [None if text is None else found[text] for text in texts]


def write_label_row(
    db: Database,
    unit_id: str,
    coder: str,
    dimension: str,
    value: str | None,
    action: str,
    *,
    seconds: float = 0.0,
    reverts: int | None = None,
    at: str | None = None,
) -> Change:
    """Set or clear one label and append its history row (inside a transaction)."""
    return _write_label_row(
        db, unit_id, coder, dimension, value, action, seconds=seconds, reverts=reverts, at=at
    )[0]


def _write_label_row(
    db: Database,
    unit_id: str,
    coder: str,
    dimension: str,
    value: str | None,
    action: str,
    *,
    seconds: float = 0.0,
    reverts: int | None = None,
    at: str | None = None,
) -> tuple[Change, int, int, object]:
    """:func:`write_label_row`, also returning the unit's and the coder's numbers and
    the stored time (so that the same transaction can use them again)."""
    unit = unit_key(db, unit_id, create=True)
    coder_n, dimension_n, action_n, new_n = _term_numbers(db, [coder, dimension, action, value])
    old, old_n = _current(db, unit, coder_n, dimension_n)
    stamp = time_key(at or utc_now())
    if value is None:
        db.execute(
            "DELETE FROM label_current WHERE unit = ? AND coder = ? AND dimension = ?",
            [unit, coder_n, dimension_n],
        )
    else:
        db.execute(
            "INSERT INTO label_current (unit, coder, dimension, value, changed_at, seconds) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (unit, coder, dimension) DO UPDATE "
            "SET value = excluded.value, changed_at = excluded.changed_at, "
            "seconds = excluded.seconds",
            [unit, coder_n, dimension_n, new_n, stamp, seconds],
        )
    history_id = append_change(
        db, unit, coder_n, dimension_n, old_n, new_n, action_n, reverts, stamp
    )
    return Change("label", unit_id, coder, dimension, old, value, history_id), unit, coder_n, stamp


def set_label(
    db: Database,
    unit_id: str,
    coder: str,
    dimension: str,
    value: str | None,
    *,
    seconds: float = 0.0,
    add_seconds: float = 0.0,
) -> Change:
    """Set (or, with ``value=None``, clear) one label, durably, in one transaction.

    Parameters
    ----------
    seconds
        Time the coder had spent on the sentence when choosing the value.
    add_seconds
        Time to add to the coder's time on the unit in the same transaction (as
        :func:`add_time` does), so that the key that completes a unit commits once.
    """
    with write_transaction(db):
        change, unit, coder_n, stamp = _write_label_row(
            db,
            unit_id,
            coder,
            dimension,
            value,
            "set" if value is not None else "clear",
            seconds=seconds,
        )
        _add_seconds_numbered(db, unit, coder_n, add_seconds, stamp)
    return change


def clear_label(db: Database, unit_id: str, coder: str, dimension: str) -> Change:
    return set_label(db, unit_id, coder, dimension, None)


def unit_labels(db: Database, unit_id: str, coder: str) -> dict[str, str]:
    """This coder's labels on one unit: ``{dimension: code}``."""
    rows = db.execute(
        "SELECT d.text, v.text FROM label_current l JOIN label_terms d ON d.id = l.dimension "
        f"JOIN label_terms v ON v.id = l.value WHERE l.unit = {unit_sql()} "
        f"AND l.coder = {term_sql()}",
        [unit_id, coder],
    )
    return dict(rows.fetchall())


def coded_dimension_counts(db: Database, coder: str) -> dict[str, int]:
    """For one coder: ``{unit_id: number of dimensions labelled}`` over all units."""
    rows = db.execute(
        "SELECT k.unit_id, count(*) FROM label_current l JOIN unit_keys k ON k.id = l.unit "
        f"WHERE l.coder = {term_sql()} GROUP BY l.unit",
        [coder],
    )
    return dict(rows.fetchall())


def labels_frame(
    db: Database,
    *,
    coders: Iterable[str] | None = None,
    dimensions: Iterable[str] | None = None,
) -> pd.DataFrame:
    """All labels as a long frame: unit_id, coder, dimension, value, changed_at, seconds.

    Labels on excluded units or excluded articles are left out.
    """
    sql = (
        "SELECT k.unit_id, c.text AS coder, d.text AS dimension, v.text AS value, "
        f"{time_sql('l.changed_at')} AS changed_at, l.seconds "
        "FROM label_current l JOIN unit_keys k ON k.id = l.unit "
        "JOIN label_terms c ON c.id = l.coder JOIN label_terms d ON d.id = l.dimension "
        "JOIN label_terms v ON v.id = l.value "
        "JOIN units u ON u.id = k.unit_id JOIN articles a ON a.id = u.article_id "
        "WHERE u.excluded = 0 AND a.excluded = 0"
    )
    filters, params = in_filters((("c.text", coders), ("d.text", dimensions)))
    sql += filters
    sql += " ORDER BY u.seq, c.text, d.text"
    import pandas as pd  # only here: the window starts without pandas

    cursor = db.conn.execute(sql, params)
    columns = [d[0] for d in cursor.description]
    return pd.DataFrame.from_records(cursor.fetchall(), columns=columns)


# -- unsure, notes, time ------------------------------------------------------------------


def unit_state(db: Database, unit_id: str, coder: str) -> dict:
    row = db.execute(
        "SELECT unsure, note, seconds FROM unit_state_rows "
        f"WHERE unit = {unit_sql()} AND coder = {term_sql()}",
        [unit_id, coder],
    ).fetchone()
    if row is None:
        return {"unsure": False, "note": "", "seconds": 0.0}
    return {"unsure": bool(row[0]), "note": row[1], "seconds": row[2]}


def upsert_unit_state(db: Database, unit_id: str, coder: str, column: str, value) -> None:
    """Set one column (``unsure`` or ``note``) of a coder's state of a unit (inside a
    transaction; no :class:`Change` is returned)."""
    db.execute(
        f"INSERT INTO unit_state_rows (unit, coder, {column}, changed_at) VALUES (?, ?, ?, ?) "
        f"ON CONFLICT (unit, coder) DO UPDATE SET {column} = excluded.{column}, "
        "changed_at = excluded.changed_at",
        [
            unit_key(db, unit_id, create=True),
            term_id(db, coder, create=True),
            value,
            time_key(utc_now()),
        ],
    )


def set_unsure(db: Database, unit_id: str, coder: str, unsure: bool) -> Change:
    with write_transaction(db):
        old = unit_state(db, unit_id, coder)["unsure"]
        upsert_unit_state(db, unit_id, coder, "unsure", int(unsure))
    return Change("unsure", unit_id, coder, old=str(int(old)), new=str(int(unsure)))


def set_note(db: Database, unit_id: str, coder: str, note: str) -> Change:
    with write_transaction(db):
        old = unit_state(db, unit_id, coder)["note"]
        upsert_unit_state(db, unit_id, coder, "note", note)
    return Change("note", unit_id, coder, old=old, new=note)


def add_time(db: Database, unit_id: str, coder: str, seconds: float) -> Change:
    """Add ``seconds`` to the time this coder has spent on the unit."""
    if seconds <= 0:
        return Change("time", unit_id, coder)
    with write_transaction(db):
        _add_seconds(db, unit_id, coder, seconds)
    return Change("time", unit_id, coder, new=f"{seconds:.3f}")


def _add_seconds(db: Database, unit_id: str, coder: str, seconds: float) -> None:
    if seconds > 0:
        _add_seconds_numbered(
            db,
            unit_key(db, unit_id, create=True),
            term_id(db, coder, create=True),
            seconds,
            time_key(utc_now()),
        )


def _add_seconds_numbered(db: Database, unit: int, coder: int, seconds: float, stamp) -> None:
    if seconds > 0:
        db.execute(
            "INSERT INTO unit_state_rows (unit, coder, seconds, changed_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (unit, coder) DO UPDATE "
            "SET seconds = seconds + excluded.seconds",
            [unit, coder, float(seconds), stamp],
        )


# -- undo and redo ------------------------------------------------------------------------

# How far back a restart looks to rebuild the undo stack.
UNDO_DEPTH = 2_000


def _stacks(db: Database, coder: str) -> tuple[list[tuple], list[tuple]]:
    """Replay the coder's recent history into (undo stack, redo stack) of history rows
    ``(id, unit, dimension, old value, new value, action, reverts)``, as numbers (only
    the row undone or redone is read as text, by :func:`_reverse`)."""
    numbers = dict(
        db.execute(
            "SELECT text, id FROM label_terms WHERE text IN ('set', 'clear', 'undo', 'redo')"
        ).fetchall()
    )
    user = {numbers[a] for a in USER_ACTIONS if a in numbers}
    undo_n, redo_n = numbers.get("undo"), numbers.get("redo")
    rows = db.execute(
        "SELECT id, unit, dimension, old_value, new_value, action, reverts FROM label_changes "
        f"WHERE coder = {term_sql()} ORDER BY id DESC LIMIT ?",
        [coder, UNDO_DEPTH],
    ).fetchall()
    undo: list[tuple] = []
    redo: list[tuple] = []
    for row in reversed(rows):
        action = row[5]
        if action in user:
            undo.append(row)
            redo.clear()
        elif action == undo_n:
            if undo and undo[-1][0] == row[6]:
                undo.pop()
            redo.append(row)
        elif action == redo_n:
            if redo and redo[-1][0] == row[6]:
                redo.pop()
            undo.append(row)
    return undo, redo


def _reverse(db: Database, coder: str, row: tuple, action: str) -> Change:
    """Write the label history row's old value back (an undo, or the redo of an undo:
    an undo row's old value is what the undone change had set)."""
    unit_id, dimension, old = db.execute(
        "SELECT k.unit_id, d.text, (SELECT text FROM label_terms WHERE id = ?) "
        "FROM unit_keys k, label_terms d WHERE k.id = ? AND d.id = ?",
        [row[3], row[1], row[2]],
    ).fetchone()
    return write_label_row(db, unit_id, coder, dimension, old, action, reverts=row[0])


def undo(db: Database, coder: str) -> Change | None:
    """Reverse this coder's most recent label change not yet undone (None if nothing)."""
    with write_transaction(db):
        stack, _ = _stacks(db, coder)
        return _reverse(db, coder, stack[-1], "undo") if stack else None


def redo(db: Database, coder: str) -> Change | None:
    """Re-apply the most recently undone change (None if nothing to redo)."""
    with write_transaction(db):
        _, stack = _stacks(db, coder)
        return _reverse(db, coder, stack[-1], "redo") if stack else None


def label_history(db: Database, unit_id: str | None = None, coder: str | None = None) -> list:
    where, params = "1 = 1", []
    if unit_id is not None:
        where += f" AND h.unit = {unit_sql()}"
        params.append(unit_id)
    if coder is not None:
        where += f" AND h.coder = {term_sql()}"
        params.append(coder)
    sql = history_sql(where, by_unit=unit_id is not None)
    keys = ("id", "unit_id", "coder", "dimension", "old", "new", "action", "reverts", "at")
    return [dict(zip(keys, r, strict=True)) for r in db.execute(sql + " ORDER BY h.id", params)]
