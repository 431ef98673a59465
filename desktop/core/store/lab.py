"""Project-file side of the lab server: the rows sync reads and writes, as small functions.

Table and column names come from :data:`LEAD_TABLES` (ours, never input); values are
always parameters. Functions that write expect the caller to hold the transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from desktop.core.store.db import Database, get_meta, set_meta
from desktop.core.store.label_keys import insert_change, term_sql
from desktop.core.store.sql import placeholders
from desktop.core.store.team import (
    ASSIGNMENT_COLUMNS,
    GOLD_COLUMNS,
    GOLD_HISTORY_COLUMNS,
    HISTORY_COLUMNS,
    LABEL_COLUMNS,
    ROUND_COLUMNS,
    STATE_COLUMNS,
)

# meta keys of a project linked to a lab server
SERVER = "lab_server"  # the address without a password
ROLE = "lab_role"  # lead | coder
CODER = "lab_coder"  # the coder a joined file codes as
PLAIN = "lab_plain"  # "1": the lead opted out of TLS
PUSHED = "lab_pushed"  # the last label-history id pushed
STATES_AT = "lab_states_at"  # the latest unit-state time pushed
PULLED = "lab_pulled"  # the lead's publication last pulled (coder)
LOG_ID = "lab_log_id"  # the last server change-log id pulled (coder)
PUBLISHED = "lab_published"  # fingerprint of the lead's tables last published
VERSIONS = "lab_versions"  # JSON {coder: version} of the coders' pushes merged (lead)
EVENT_MARKS = "lab_event_marks"  # JSON {coder: [server_seq, events]} merged (lead)


class Table(NamedTuple):
    """A table kept the same in the project file and on the server."""

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    mirror: bool = False  # rows gone from the project are deleted on the server


LEAD_TABLES: tuple[Table, ...] = (
    Table(
        "schemes", ("seq", "scheme_id", "version", "title", "source_toml", "installed_at"), ("seq",)
    ),
    Table(
        "articles",
        (
            "id",
            "position",
            "title",
            "source",
            "author",
            "date",
            "url",
            "text",
            "content_hash",
            "metadata",
            "origin",
            "encoding",
            "excluded",
            "imported_at",
        ),
        ("id",),
    ),
    Table(
        "paragraphs",
        ("article_id", "idx", "start", "end", "excluded", "excluded_by"),
        ("article_id", "idx"),
    ),
    Table(
        "units",
        (
            "id",
            "seq",
            "article_id",
            "paragraph",
            "sentence",
            "start",
            "end",
            "text",
            "excluded",
            "excluded_by",
            "created_at",
            "retired",
            "manual",
        ),
        ("id",),
    ),
    Table("coders", ("id", "name", "is_lead", "created_at"), ("id",)),
    Table("rounds", ROUND_COLUMNS, ("id",)),
    Table("assignments", ASSIGNMENT_COLUMNS, ("unit_id", "coder_id"), mirror=True),
    Table("change_log", ("id", "at", "who", "action", "details"), ("id",)),
    Table(
        "unit_changes",
        ("id", "change_id", "unit_id", "event", "other_unit", "old_start", "old_end", "old_text"),
        ("id",),
    ),
    Table(
        "curation_labels",
        (
            "id",
            "change_id",
            "unit_id",
            "from_unit",
            "from_text",
            "kind",
            "coder_id",
            "dimension",
            "value",
            "changed_at",
        ),
        ("id",),
    ),
    Table("gold_labels", GOLD_COLUMNS, ("unit_id", "dimension"), mirror=True),
    Table("gold_history", ("id", *GOLD_HISTORY_COLUMNS), ("id",)),
)
TABLES = {t.name: t for t in LEAD_TABLES}


def _names(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def table_rows(db: Database, table: Table) -> list[tuple]:
    """Every row of one of the lead's tables, in key order."""
    return db.execute(
        f"SELECT {_names(table.columns)} FROM {table.name} ORDER BY {_names(table.key)}"
    ).fetchall()


def lead_fingerprint(db: Database) -> str:
    """A cheap summary that changes whenever a lead's table changes (counts, last ids,
    latest times, settings): publishing is skipped while it stays the same."""
    parts = []
    for sql in (
        "SELECT count(*), max(seq) FROM schemes",
        "SELECT count(*), max(id) FROM change_log",
        "SELECT count(*), max(assigned_at) FROM assignments",
        "SELECT count(*) FROM rounds",
        "SELECT count(*), group_concat(id || '=' || name || is_lead) FROM coders",
        "SELECT count(*), max(id) FROM gold_history",
        "SELECT count(*), sum(excluded), sum(retired) FROM units",
        "SELECT count(*), sum(excluded) FROM articles",
        "SELECT value FROM meta WHERE key IN ('allow_unassigned', 'comparison_unlocked') "
        "ORDER BY key",
    ):
        parts.append(db.execute(sql).fetchall())
    return json.dumps(parts, default=str)


def upsert_rows(db: Database, table: Table, rows: Iterable[Sequence]) -> None:
    """Insert rows of one of the lead's tables, updating those whose key exists."""
    updates = [c for c in table.columns if c not in table.key]
    sql = (
        f"INSERT INTO {table.name} ({_names(table.columns)}) "
        f"VALUES ({placeholders(table.columns)}) ON CONFLICT ({_names(table.key)}) "
    )
    sql += (
        "DO UPDATE SET " + ", ".join(f'"{c}" = excluded."{c}"' for c in updates)
        if updates
        else "DO NOTHING"
    )
    db.conn.executemany(sql, [list(r) for r in rows])


def replace_assignments(db: Database, coder: str, rows: Iterable[Sequence]) -> None:
    """Make ``coder``'s assignments exactly ``rows`` (ASSIGNMENT_COLUMNS)."""
    db.execute("DELETE FROM assignments WHERE coder_id = ?", [coder])
    db.conn.executemany(
        f"INSERT INTO assignments ({_names(ASSIGNMENT_COLUMNS)}) VALUES (?, ?, ?, ?, ?)",
        [list(r) for r in rows],
    )


def replace_schemes(db: Database, rows: Iterable[Sequence]) -> None:
    """Make the scheme snapshots exactly ``rows`` (same seqs as the lead's)."""
    db.execute("DELETE FROM schemes")
    upsert_rows(db, TABLES["schemes"], rows)


def append_change_log(db: Database, rows: Iterable[Sequence]) -> None:
    """Append ``(at, who, action, details)`` rows to the change log."""
    db.conn.executemany(
        "INSERT INTO change_log (at, who, action, details) VALUES (?, ?, ?, ?)",
        [list(r) for r in rows],
    )


def latest_log_time(db: Database) -> str:
    """The time of the latest change-log entry: the curation this file has seen."""
    return db.execute("SELECT coalesce(max(at), '') FROM change_log").fetchone()[0]


def history_after(db: Database, coder: str, after_id: int) -> list[tuple]:
    """``coder``'s label history rows (HISTORY_COLUMNS) with an id above ``after_id``."""
    return db.execute(
        f"SELECT {', '.join(HISTORY_COLUMNS)} FROM label_history WHERE coder_id = ? AND id > ? "
        "ORDER BY id",
        [coder, after_id],
    ).fetchall()


def last_history_id(db: Database, coder: str) -> int:
    """The id of ``coder``'s latest label history row (0 for none)."""
    row = db.execute(
        f"SELECT coalesce(max(id), 0) FROM label_changes WHERE coder = {term_sql()}", [coder]
    ).fetchone()
    return row[0]


def current_labels(db: Database, coder: str, keys: Iterable[tuple[str, str]]) -> dict:
    """``{(unit, dimension): LABEL_COLUMNS row or None}`` for ``coder`` on ``keys``."""
    out: dict[tuple[str, str], tuple | None] = {}
    for unit, dimension in keys:
        out[(unit, dimension)] = db.execute(
            f"SELECT {', '.join(LABEL_COLUMNS)} FROM labels "
            "WHERE unit_id = ? AND coder_id = ? AND dimension = ?",
            [unit, coder, dimension],
        ).fetchone()
    return out


def states_since(db: Database, coder: str, since: str, units: Iterable[str]) -> list[tuple]:
    """``coder``'s unit states (STATE_COLUMNS) changed at or after ``since`` or on ``units``."""
    rows = {
        r[0]: r
        for r in db.execute(
            f"SELECT {', '.join(STATE_COLUMNS)} FROM unit_states "
            "WHERE coder_id = ? AND changed_at >= ?",
            [coder, since],
        )
    }
    for unit in set(units) - set(rows):
        row = db.execute(
            f"SELECT {', '.join(STATE_COLUMNS)} FROM unit_states "
            "WHERE unit_id = ? AND coder_id = ?",
            [unit, coder],
        ).fetchone()
        if row:
            rows[unit] = row
    return list(rows.values())


def waiting_count(db: Database) -> int:
    """How many label changes of this file's coder the server has not received yet."""
    coder = get_meta(db, CODER)
    if not coder:
        return 0
    pushed = int(get_meta(db, PUSHED, "0") or 0)
    row = db.execute(
        f"SELECT count(*) FROM label_changes WHERE coder = {term_sql()} AND id > ?",
        [coder, pushed],
    ).fetchone()
    return row[0]


def replace_coder_data(
    db: Database, coder: str, labels: Sequence, history: Sequence, states: Sequence
) -> None:
    """Make ``coder``'s labels, history and unit states exactly the given rows.

    ``history`` rows are HISTORY_COLUMNS in order; their ids are renumbered from the
    largest id in the file and ``reverts`` follows.
    """
    for table in ("label_current", "label_changes", "unit_state_rows"):
        db.execute(f"DELETE FROM {table} WHERE coder = {term_sql()}", [coder])
    db.conn.executemany(
        f"INSERT INTO labels ({', '.join(LABEL_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",
        [list(r) for r in labels],
    )
    ids: dict = {}
    for row in history:
        ids[row[0]] = insert_change(db, *row[1:7], ids.get(row[7]), row[8])
    db.conn.executemany(
        f"INSERT INTO unit_states ({', '.join(STATE_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [list(r) for r in states],
    )


def truncate_change_log(db: Database, until: str, note: tuple) -> None:
    """Keep only change-log entries up to ``until`` and append ``note`` (at, who, action,
    details) — so that the file claims to have seen exactly the curation up to then."""
    db.execute("DELETE FROM change_log WHERE at > ?", [until])
    append_change_log(db, [note])


def lab_settings(db: Database) -> dict[str, str]:
    """Every ``lab_*`` meta value of the project."""
    rows = db.execute("SELECT key, value FROM meta WHERE key LIKE 'lab\\_%' ESCAPE '\\'")
    return dict(rows.fetchall())


def set_lab_meta(db: Database, values: dict[str, str]) -> None:
    """Write ``lab_*`` meta values (inside the caller's transaction)."""
    for key, value in values.items():
        set_meta(db, key, value)


def free_unit_seqs(db: Database) -> None:
    """Make every unit's seq negative, so that units written next may take any seq."""
    db.execute("UPDATE units SET seq = -seq WHERE seq > 0")


def clear_change_log(db: Database) -> None:
    """Empty the change log (a file filled from the lab starts with the lab's entries)."""
    db.execute("DELETE FROM change_log")


def counts(db: Database, coder: str) -> dict[str, int]:
    """Units of the project and ``coder``'s assignments and labels."""
    return {
        "units": db.execute("SELECT count(*) FROM units").fetchone()[0],
        "assignments": db.execute(
            "SELECT count(*) FROM assignments WHERE coder_id = ?", [coder]
        ).fetchone()[0],
        "labels": db.execute("SELECT count(*) FROM labels WHERE coder_id = ?", [coder]).fetchone()[
            0
        ],
    }


def clear_coder_tables(db: Database) -> None:
    """Empty the tables that hold coders and their work (a package copied for another
    coder), children before parents."""
    for table in (
        "label_current",
        "label_changes",
        "unit_state_rows",
        "assignments",
        "rounds",
        "coders",
    ):
        db.execute(f"DELETE FROM {table}")


def replace_other_labels(db: Database, coder: str, rows: Sequence[Sequence]) -> None:
    """Make the labels of every coder but ``coder`` exactly ``rows`` (LABEL_COLUMNS),
    registering coders not yet in the file."""
    db.execute(
        "DELETE FROM label_current WHERE coder IS NOT (SELECT id FROM label_terms WHERE text = ?)",
        [coder],
    )
    for other in sorted({r[1] for r in rows}):
        db.execute(
            "INSERT INTO coders (id, name, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO NOTHING",
            [other, other, ""],
        )
    db.conn.executemany(
        f"INSERT INTO labels ({', '.join(LABEL_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",
        [list(r) for r in rows],
    )


def relax_durability(db: Database) -> None:
    """Let this connection's commits skip the fsync (``synchronous = NORMAL`` in WAL
    mode: still atomic and consistent, durable at the next checkpoint or fsync of
    another connection). Only for a connection whose writes can be redone."""
    db.execute("PRAGMA synchronous = NORMAL")
