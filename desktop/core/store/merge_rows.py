"""Whole-project rows for merges and coder packages: reading a project table by table,
writing merged rows (inside the merge's transaction), and filling a fresh package file
from its source project."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

from desktop.core.errors import UsageError
from desktop.core.store.db import Database, get_meta, utc_now
from desktop.core.store.label_keys import (
    insert_change,
    term_id,
    term_ids,
    time_key,
    unit_key,
)
from desktop.core.store.machine import human_coders_where
from desktop.core.store.team_tables import (
    ASSIGNMENT_COLUMNS,
    GOLD_COLUMNS,
    GOLD_HISTORY_COLUMNS,
    HISTORY_COLUMNS,
    LABEL_COLUMNS,
    PARENT_PROJECT_ID,
    ROUND_COLUMNS,
    STATE_COLUMNS,
    fetch_rows,
)

# -- reading a whole project for a merge ----------------------------------------------------


def database_path(db: Database) -> Path:
    """The file behind the connection's main database."""
    for _, name, file in fetch_rows(db, "PRAGMA database_list"):
        if name == "main":
            return Path(file)
    raise UsageError("the project has no file")  # an in-memory database


def project_ids(db: Database) -> tuple[str | None, str | None]:
    """``(project_id, parent_project_id)``; a package's parent is the project it came from."""
    return get_meta(db, "project_id"), get_meta(db, PARENT_PROJECT_ID)


def article_hashes(db: Database) -> dict[str, str]:
    """``{article_id: content_hash}``."""
    return dict(fetch_rows(db, "SELECT id, content_hash FROM articles"))


def unit_ids(db: Database) -> set[str]:
    """The id of every unit, excluded and retired ones included."""
    return {r[0] for r in fetch_rows(db, "SELECT id FROM units")}


def coder_rows(db: Database) -> list[tuple[str, str, str]]:
    """``(id, name, created_at)`` of every human coder (models never travel in a merge)."""
    where = human_coders_where(db)
    return fetch_rows(db, f"SELECT id, name, created_at FROM coders WHERE {where} ORDER BY id")


def label_rows(db: Database) -> list[tuple]:
    """Every current label as a LABEL_COLUMNS tuple."""
    return fetch_rows(db, f"SELECT {', '.join(LABEL_COLUMNS)} FROM labels")


def history_rows(db: Database) -> list[tuple]:
    """Every label history row as a HISTORY_COLUMNS tuple, in order."""
    return fetch_rows(db, f"SELECT {', '.join(HISTORY_COLUMNS)} FROM label_history ORDER BY id")


def state_rows(db: Database) -> list[tuple]:
    """Every unit state (unsure, note, time) as a STATE_COLUMNS tuple."""
    return fetch_rows(db, f"SELECT {', '.join(STATE_COLUMNS)} FROM unit_states")


def round_rows(db: Database) -> list[tuple]:
    """Every round as a ROUND_COLUMNS tuple."""
    return fetch_rows(db, f"SELECT {', '.join(ROUND_COLUMNS)} FROM rounds")


def assignment_rows(db: Database) -> list[tuple]:
    """Every assignment as an ASSIGNMENT_COLUMNS tuple."""
    return fetch_rows(db, f"SELECT {', '.join(ASSIGNMENT_COLUMNS)} FROM assignments")


def gold_rows(db: Database) -> list[tuple]:
    """Every gold label as a GOLD_COLUMNS tuple."""
    return fetch_rows(db, f"SELECT {', '.join(GOLD_COLUMNS)} FROM gold_labels")


def gold_history_rows(db: Database) -> list[tuple]:
    """Every gold history row as a GOLD_HISTORY_COLUMNS tuple, in order."""
    return fetch_rows(db, f"SELECT {', '.join(GOLD_HISTORY_COLUMNS)} FROM gold_history ORDER BY id")


# -- writing merged rows (inside the merge's transaction) -----------------------------------


def insert_coder_row(db: Database, coder: str, name: str, created_at: str) -> None:
    """Register a coder as it was registered elsewhere (no-op if known)."""
    db.execute(
        "INSERT INTO coders (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
        [coder, name, created_at],
    )


def put_label_row(
    db: Database, unit_id: str, coder: str, dimension: str, value: str | None, at: str, seconds
) -> None:
    """Write a label's current value as merged (no history row; the caller appends it)."""
    unit = unit_key(db, unit_id, create=True)
    coder_n, dimension_n = term_ids(db, [coder, dimension], create=True)
    if value is None:
        db.execute(
            "DELETE FROM label_current WHERE unit = ? AND coder = ? AND dimension = ?",
            [unit, coder_n, dimension_n],
        )
        return
    db.execute(
        "INSERT INTO label_current (unit, coder, dimension, value, changed_at, seconds) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (unit, coder, dimension) DO UPDATE "
        "SET value = excluded.value, changed_at = excluded.changed_at, "
        "seconds = excluded.seconds",
        [unit, coder_n, dimension_n, term_id(db, value, create=True), time_key(at), seconds],
    )


def insert_history_row(db: Database, row: Sequence) -> int:
    """Append one history row (HISTORY_COLUMNS without id); returns its new id."""
    return insert_change(db, *row)


def put_state_row(db: Database, row: Sequence) -> None:
    """Write one unit state (STATE_COLUMNS) as merged."""
    unit_id, coder, unsure, note, seconds, changed_at, needs_recoding = row
    db.execute(
        "INSERT INTO unit_state_rows (unit, coder, unsure, note, seconds, changed_at, "
        "needs_recoding) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (unit, coder) DO UPDATE SET unsure = excluded.unsure, "
        "note = excluded.note, seconds = excluded.seconds, changed_at = excluded.changed_at, "
        "needs_recoding = excluded.needs_recoding",
        [
            unit_key(db, unit_id, create=True),
            term_id(db, coder, create=True),
            unsure,
            note,
            seconds,
            time_key(changed_at),
            needs_recoding,
        ],
    )


def insert_round_row(db: Database, row: Sequence) -> None:
    """Add a round (ROUND_COLUMNS) unless its id is known."""
    db.execute(
        f"INSERT INTO rounds ({', '.join(ROUND_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO NOTHING",
        list(row),
    )


def insert_assignment_row(db: Database, row: Sequence) -> None:
    """Add one assignment (ASSIGNMENT_COLUMNS)."""
    db.execute(
        f"INSERT INTO assignments ({', '.join(ASSIGNMENT_COLUMNS)}) VALUES (?, ?, ?, ?, ?)",
        list(row),
    )


def put_gold_row(db: Database, row: Sequence) -> None:
    """Write one gold label (GOLD_COLUMNS) as merged or remapped."""
    db.execute(
        f"INSERT INTO gold_labels ({', '.join(GOLD_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (unit_id, dimension) DO UPDATE SET value = excluded.value, "
        "method = excluded.method, adjudicator = excluded.adjudicator, "
        "rationale = excluded.rationale, decided_at = excluded.decided_at",
        list(row),
    )


def insert_gold_history_row(db: Database, row: Sequence) -> None:
    """Append one gold history row (GOLD_HISTORY_COLUMNS)."""
    db.execute(
        f"INSERT INTO gold_history ({', '.join(GOLD_HISTORY_COLUMNS)}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        list(row),
    )


def record_merge(
    db: Database, source: str, source_project_id: str, digest: str, who: str, report: dict
) -> int:
    """Add one row to the merges table; returns its id."""
    cursor = db.execute(
        "INSERT INTO merges (merged_at, merged_by, source_path, source_project_id, "
        "source_digest, report) VALUES (?, ?, ?, ?, ?, ?)",
        [utc_now(), who, source, source_project_id, digest, json.dumps(report, sort_keys=True)],
    )
    return cursor.lastrowid


def list_merges(db: Database) -> list[dict]:
    """Every recorded merge with its report, oldest first."""
    rows = fetch_rows(
        db,
        "SELECT id, merged_at, merged_by, source_path, source_project_id, source_digest, report "
        "FROM merges ORDER BY id",
    )
    keys = ("id", "merged_at", "merged_by", "source_path", "source_project_id", "digest")
    return [{**dict(zip(keys, r[:6], strict=True)), "report": json.loads(r[6])} for r in rows]


# -- writing a coder package: a fresh project file filled from the source ------------------


def open_for_copy(path: Path) -> Database:
    """A URI connection to a freshly created package, so that ATTACH can take a URI."""
    conn = sqlite3.connect(path.resolve().as_uri(), uri=True, isolation_level=None)
    db = Database(conn, execute_plugins=False)
    db.execute("PRAGMA foreign_keys = ON")
    return db


def attach_source(db: Database, source: Path) -> None:
    """Attach the project being packaged, read-only, as schema ``src``."""
    db.execute("ATTACH DATABASE ? AS src", [f"{source.resolve().as_uri()}?mode=ro"])


def detach_source(db: Database) -> None:
    """Detach the project attached by :func:`attach_source`."""
    db.execute("DETACH DATABASE src")


def copy_corpus(db: Database) -> None:
    """Copy the scheme snapshots, articles, paragraphs and units with the same ids and seqs."""
    db.execute("DELETE FROM main.schemes")  # the snapshot create_project wrote
    db.execute("INSERT INTO main.schemes SELECT * FROM src.schemes ORDER BY seq")
    for table in ("articles", "paragraphs", "units"):
        db.execute(f"INSERT INTO main.{table} SELECT * FROM src.{table}")


def copy_coder(db: Database, coder: str) -> None:
    """Copy one coder's row, labels, history, unit states, assignments and their rounds.

    History ids are renumbered from 1 (with ``reverts`` following), so the package does
    not even show how many changes other coders made. Rounds keep only their id, kind
    and time: their details and creator may name other coders, and with the seed a coder
    could re-run a draw and find which units of a split are hidden overlap.
    """
    db.execute("INSERT INTO main.coders SELECT * FROM src.coders WHERE id = ?", [coder])
    copy_coder_labels(db, coder)
    db.execute(
        "INSERT INTO main.rounds (id, kind, seed, created_at, created_by, details) "
        "SELECT r.id, r.kind, NULL, r.created_at, '', '{}' FROM src.rounds r "
        "WHERE r.id IN (SELECT round_id FROM src.assignments WHERE coder_id = ?)",
        [coder],
    )
    db.execute(
        f"INSERT INTO main.assignments SELECT {', '.join(ASSIGNMENT_COLUMNS)} "
        "FROM src.assignments WHERE coder_id = ?",
        [coder],
    )


def copy_coder_labels(db: Database, coder: str) -> None:
    """Copy one coder's labels, history and unit states from ``src`` into the package.

    The integer rows are copied as they are stored, their numbers mapped to the
    package's own dictionaries, which receive only the texts and unit ids this coder's
    rows use (so the package does not even show the other coders' ids or codes).
    History ids are renumbered from 1 in order, with ``reverts`` following.
    """
    source = _source_term(db, coder)
    db.execute(
        "CREATE TEMP TABLE copy_terms AS "
        "WITH l AS MATERIALIZED (SELECT DISTINCT dimension, value FROM src.label_current "
        "WHERE coder = ?1), "
        "h AS MATERIALIZED (SELECT DISTINCT dimension, old_value, new_value, action "
        "FROM src.label_changes WHERE coder = ?1) "
        "SELECT t.id AS old, t.text FROM src.label_terms t WHERE t.id = ?1 OR t.id IN ("
        "SELECT dimension FROM l UNION SELECT value FROM l UNION SELECT dimension FROM h "
        "UNION SELECT old_value FROM h UNION SELECT new_value FROM h UNION SELECT action FROM h)",
        [source],
    )
    db.execute(
        "INSERT OR IGNORE INTO main.label_terms (text) SELECT text FROM temp.copy_terms "
        "ORDER BY text"
    )
    db.execute(
        "CREATE TEMP TABLE term_map AS SELECT c.old, m.id AS new FROM temp.copy_terms c "
        "JOIN main.label_terms m ON m.text = c.text"
    )
    db.execute("CREATE UNIQUE INDEX temp.term_map_old ON term_map (old)")
    db.execute(
        "CREATE TEMP TABLE copy_units AS SELECT k.id AS old, k.unit_id FROM src.unit_keys k "
        "WHERE k.id IN (SELECT unit FROM src.label_current WHERE coder = ?1 "
        "UNION SELECT unit FROM src.label_changes WHERE coder = ?1 "
        "UNION SELECT unit FROM src.unit_state_rows WHERE coder = ?1)",
        [source],
    )
    db.execute(
        "INSERT OR IGNORE INTO main.unit_keys (unit_id) SELECT unit_id FROM temp.copy_units "
        "ORDER BY unit_id"
    )
    db.execute(
        "CREATE TEMP TABLE unit_map AS SELECT c.old, m.id AS new FROM temp.copy_units c "
        "JOIN main.unit_keys m ON m.unit_id = c.unit_id"
    )
    db.execute("CREATE UNIQUE INDEX temp.unit_map_old ON unit_map (old)")
    term = "(SELECT new FROM temp.term_map WHERE old = {})".format
    unit = "(SELECT new FROM temp.unit_map WHERE old = {})".format
    db.execute(
        "INSERT INTO main.label_current (unit, coder, dimension, value, changed_at, seconds) "
        f"SELECT {unit('l.unit')}, {term('l.coder')}, {term('l.dimension')}, "
        f"{term('l.value')}, l.changed_at, l.seconds FROM src.label_current l "
        "WHERE l.coder = ? ORDER BY 1, 2, 3",
        [source],
    )
    db.execute(
        "CREATE TEMP TABLE history_ids AS SELECT id AS old_id, "
        "row_number() OVER (ORDER BY id) AS new_id FROM src.label_changes WHERE coder = ?",
        [source],
    )
    db.execute("CREATE UNIQUE INDEX temp.history_ids_old ON history_ids (old_id)")
    db.execute(
        "INSERT INTO main.label_changes (coder, id, unit, dimension, old_value, new_value, "
        f"action, reverts, changed_at) SELECT {term('h.coder')}, m.new_id, {unit('h.unit')}, "
        f"{term('h.dimension')}, {term('h.old_value')}, {term('h.new_value')}, "
        f"{term('h.action')}, r.new_id, h.changed_at FROM src.label_changes h "
        "JOIN temp.history_ids m ON m.old_id = h.id "
        "LEFT JOIN temp.history_ids r ON r.old_id = h.reverts WHERE h.coder = ? ORDER BY h.id",
        [source],
    )
    db.execute(
        "INSERT INTO main.unit_state_rows (unit, coder, unsure, note, seconds, changed_at, "
        f"needs_recoding) SELECT {unit('s.unit')}, {term('s.coder')}, s.unsure, s.note, "
        "s.seconds, s.changed_at, s.needs_recoding FROM src.unit_state_rows s "
        "WHERE s.coder = ? ORDER BY 1, 2",
        [source],
    )
    for table in ("copy_terms", "term_map", "copy_units", "unit_map", "history_ids"):
        db.execute(f"DROP TABLE temp.{table}")


def _source_term(db: Database, text: str) -> int | None:
    row = db.execute("SELECT id FROM src.label_terms WHERE text = ?", [text]).fetchone()
    return row[0] if row else None


def source_change_log(db: Database) -> list[tuple[str, str, str, str]]:
    """``(at, who, action, details)`` of the attached source's change log, in order."""
    return fetch_rows(db, "SELECT at, who, action, details FROM src.change_log ORDER BY id")


def replace_change_log(db: Database, rows: Iterable[Sequence]) -> None:
    """Replace the package's change log with ``rows`` of ``(at, who, action, details)``."""
    db.execute("DELETE FROM main.change_log")
    db.conn.executemany(
        "INSERT INTO main.change_log (at, who, action, details) VALUES (?, ?, ?, ?)", rows
    )


def source_meta(db: Database, key: str) -> str | None:
    """A meta value of the attached source project."""
    row = db.execute("SELECT value FROM src.meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def table_counts(db: Database, tables: Sequence[str]) -> dict[str, int]:
    """Row counts of the named tables of the main database (names are ours, not input)."""
    return {t: db.execute(f"SELECT count(*) FROM main.{t}").fetchone()[0] for t in tables}
