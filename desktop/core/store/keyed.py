"""Reads of one project's labels, history and unit states restricted to given keys.

The merge of changed keys (``merge.merge_changes``) reads only these rows, through the
index ``label_changes_unit`` and the primary keys, so its cost follows what changed.
"""

from __future__ import annotations

from collections.abc import Iterable

from desktop.core.store.db import Database
from desktop.core.store.label_keys import history_sql, term_sql, unit_sql
from desktop.core.store.team import LABEL_COLUMNS, STATE_COLUMNS


def label_rows_of(db: Database, keys: Iterable[tuple[str, str, str]]) -> list[tuple]:
    """The current labels (LABEL_COLUMNS) of the ``(unit, coder, dimension)`` keys."""
    query = (
        f"SELECT {', '.join(LABEL_COLUMNS)} FROM labels "
        "WHERE unit_id = ? AND coder_id = ? AND dimension = ?"
    )
    rows = []
    for key in keys:
        rows.extend(db.execute(query, list(key)).fetchall())
    return rows


def history_rows_of(db: Database, keys: Iterable[tuple[str, str, str]]) -> list[tuple]:
    """Every label history row (HISTORY_COLUMNS) of the keys, in id order."""
    query = history_sql(
        f"h.unit = {unit_sql()} AND h.coder = {term_sql()} AND h.dimension = {term_sql()}",
        by_unit=True,
    )
    rows = []
    for key in keys:
        rows.extend(db.execute(query, list(key)).fetchall())
    return sorted(rows, key=lambda row: row[0])


def state_rows_of(db: Database, pairs: Iterable[tuple[str, str]]) -> list[tuple]:
    """The unit states (STATE_COLUMNS) of the ``(unit, coder)`` pairs that have one."""
    query = f"SELECT {', '.join(STATE_COLUMNS)} FROM unit_states WHERE unit_id = ? AND coder_id = ?"
    rows = []
    for pair in pairs:
        rows.extend(db.execute(query, list(pair)).fetchall())
    return rows


def coder_state_rows(db: Database, coder: str) -> list[tuple]:
    """Every unit state (STATE_COLUMNS) of one coder."""
    return db.execute(
        f"SELECT {', '.join(STATE_COLUMNS)} FROM unit_states WHERE coder_id = ?", [coder]
    ).fetchall()
