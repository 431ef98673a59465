"""Team workflow storage: lead, project settings, rounds and assignments, gold labels,
merges, and the row-level reads and writes that coder packages and merges are built from.

Small named functions over one connection, parameterised SQL only. Functions that write
more than one row expect the caller (desktop.core.team) to hold the transaction, so that
a whole draw, adjudication or merge stands or falls together.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.core.errors import UsageError
from desktop.core.store.db import Database, get_meta, set_meta, utc_now, write_transaction
from desktop.core.store.machine import human_coder_ids, human_coders_where

if TYPE_CHECKING:
    import pandas as pd

_CODABLE = "u.excluded = 0 AND a.excluded = 0"

ALLOW_UNASSIGNED = "allow_unassigned"
COMPARISON_UNLOCKED = "comparison_unlocked"
PARENT_PROJECT_ID = "parent_project_id"
PACKAGE_CODER = "package_coder"

LABEL_COLUMNS = ("unit_id", "coder_id", "dimension", "value", "changed_at", "seconds")
HISTORY_COLUMNS = (
    "id",
    "unit_id",
    "coder_id",
    "dimension",
    "old_value",
    "new_value",
    "action",
    "reverts",
    "changed_at",
)
STATE_COLUMNS = ("unit_id", "coder_id", "unsure", "note", "seconds", "changed_at", "needs_recoding")
ROUND_COLUMNS = ("id", "kind", "seed", "created_at", "created_by", "details")
ASSIGNMENT_COLUMNS = ("unit_id", "coder_id", "round_id", "reliability", "assigned_at")
GOLD_COLUMNS = ("unit_id", "dimension", "value", "method", "adjudicator", "rationale", "decided_at")
GOLD_HISTORY_COLUMNS = (
    "unit_id",
    "dimension",
    "old_value",
    "new_value",
    "method",
    "adjudicator",
    "rationale",
    "decided_at",
)


@dataclass(frozen=True)
class SettingChange:
    """What a change of a project setting (lead, unassigned work, comparison) changed."""

    key: str
    old: str | None
    new: str | None

    @property
    def changed(self) -> bool:
        """Whether the value is different now."""
        return self.old != self.new


@dataclass(frozen=True)
class GoldChange:
    """What one gold decision changed; ``old``/``new`` are None for no gold value."""

    unit_id: str
    dimension: str
    old: str | None
    new: str | None
    method: str
    adjudicator: str
    rationale: str = ""
    history_id: int | None = None

    @property
    def changed(self) -> bool:
        """Whether the value is different now."""
        return self.old != self.new


def _in(values: Sequence) -> str:
    return ", ".join("?" * len(values))


def _rows(db: Database, sql: str, params: Sequence = ()) -> list[tuple]:
    return db.execute(sql, list(params)).fetchall()


# -- coders, lead and settings -------------------------------------------------------------


def unknown_coders(db: Database, coders: Iterable[str]) -> list[str]:
    """The ids among ``coders`` that are not registered in the project, in given order."""
    known = set(human_coder_ids(db))
    return [c for c in coders if c not in known]


def lead(db: Database) -> str | None:
    """The lead coder's id, or None when no coder is marked lead."""
    row = db.execute("SELECT id FROM coders WHERE is_lead = 1 ORDER BY id LIMIT 1").fetchone()
    return row[0] if row else None


def uncoded_reliability_assignments(db: Database, dimensions: Sequence[str]) -> int:
    """Reliability-sample assignments whose coder has not yet labelled every one of
    ``dimensions`` on the unit (what the agreement figures still wait for)."""
    row = db.execute(
        "SELECT count(*) FROM assignments s JOIN units u ON u.id = s.unit_id "
        f"JOIN articles a ON a.id = u.article_id WHERE s.reliability = 1 AND {_CODABLE} "
        "AND (SELECT count(*) FROM labels l WHERE l.unit_id = s.unit_id "
        f"AND l.coder_id = s.coder_id AND l.dimension IN ({_in(dimensions)})) < ?",
        [*dimensions, len(dimensions)],
    ).fetchone()
    return int(row[0])


def require_lead(db: Database, who: str, what: str) -> None:
    """Refuse ``what`` (a lead's step: drawing samples, splitting, calibrating, curating,
    unlocking) to ``who`` when the project has a lead and ``who`` is someone else.

    An empty ``who`` (the command line without ``--who``) and a project without a lead
    (one person working alone) are not refused.

    Raises
    ------
    UsageError
        ``"only the lead (AK) can draw a reliability sample; you are BK"``.
    """
    current = lead(db)
    if who and current is not None and who != current:
        raise UsageError(f"only the lead ({current}) can {what}; you are {who}")


def set_lead(db: Database, coder: str) -> SettingChange:
    """Mark ``coder`` as the project's only lead.

    Raises
    ------
    UsageError
        If ``coder`` is not registered.
    """
    if unknown_coders(db, [coder]):
        raise UsageError(f"unknown coder '{coder}' (register the coder first)")
    with write_transaction(db):
        old = lead(db)
        db.execute("UPDATE coders SET is_lead = (id = ?)", [coder])
    return SettingChange("lead", old, coder)


def allow_unassigned(db: Database) -> bool:
    """Whether coders may code units beyond their assignments (default: no — the issue's
    "assigned first, then anything else if the lead allows it")."""
    return get_meta(db, ALLOW_UNASSIGNED, "0") == "1"


def set_allow_unassigned(db: Database, allowed: bool) -> SettingChange:
    """Let coders code units beyond their assignments, or keep them to their assignments."""
    with write_transaction(db):
        old = get_meta(db, ALLOW_UNASSIGNED, "0")
        set_meta(db, ALLOW_UNASSIGNED, "1" if allowed else "0")
    return SettingChange(ALLOW_UNASSIGNED, old, "1" if allowed else "0")


def comparison_unlocked(db: Database) -> bool:
    """Whether the lead has unlocked comparison of coders in the coding window."""
    return get_meta(db, COMPARISON_UNLOCKED, "0") == "1"


def set_comparison_unlocked(db: Database, unlocked: bool, who: str) -> SettingChange:
    """Record the comparison flag with who changed it and when (inside one transaction)."""
    with write_transaction(db):
        old = get_meta(db, COMPARISON_UNLOCKED, "0")
        new = "1" if unlocked else "0"
        set_meta(db, COMPARISON_UNLOCKED, new)
        set_meta(db, f"{COMPARISON_UNLOCKED}_by", who)
        set_meta(db, f"{COMPARISON_UNLOCKED}_at", utc_now())
    return SettingChange(COMPARISON_UNLOCKED, old, new)


# -- units, rounds and assignments ---------------------------------------------------------


def codable_units(db: Database, *, unassigned_only: bool = False) -> list[tuple[str, int, str]]:
    """``(unit_id, seq, article_id)`` of the units to code, by article position and seq.

    With ``unassigned_only``, only units nobody has been assigned yet.
    """
    sql = (
        "SELECT u.id, u.seq, u.article_id FROM units u JOIN articles a ON a.id = u.article_id "
        f"WHERE {_CODABLE}"
    )
    if unassigned_only:
        sql += " AND NOT EXISTS (SELECT 1 FROM assignments s WHERE s.unit_id = u.id)"
    return _rows(db, sql + " ORDER BY a.position, u.seq")


def next_round_id(db: Database, kind: str) -> str:
    """A readable, reproducible id for a new round: ``<kind>-<number of rounds + 1>``."""
    number = db.execute("SELECT count(*) FROM rounds").fetchone()[0] + 1
    return f"{kind}-{number}"


def insert_round(
    db: Database, round_id: str, kind: str, seed: int | None, who: str, details: dict
) -> None:
    """Add a round (call inside the draw's transaction)."""
    db.execute(
        "INSERT INTO rounds (id, kind, seed, created_at, created_by, details) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [round_id, kind, seed, utc_now(), who, json.dumps(details, sort_keys=True)],
    )


def insert_assignments(
    db: Database, round_id: str, pairs: Iterable[tuple[str, str]], *, reliability: bool
) -> int:
    """Assign each ``(unit_id, coder)`` pair in ``round_id``; returns the number written."""
    now = utc_now()
    rows = [(unit, coder, round_id, int(reliability), now) for unit, coder in pairs]
    db.conn.executemany(
        "INSERT INTO assignments (unit_id, coder_id, round_id, reliability, assigned_at) "
        "VALUES (?, ?, ?, ?, ?)",
        rows,
    )
    return len(rows)


def list_rounds(db: Database) -> list[dict]:
    """Every round with its details, oldest first."""
    rows = _rows(db, f"SELECT {', '.join(ROUND_COLUMNS)} FROM rounds ORDER BY created_at, id")
    return [{**dict(zip(ROUND_COLUMNS, r, strict=True)), "details": json.loads(r[5])} for r in rows]


def round_assignments(db: Database, round_id: str) -> list[tuple[str, str]]:
    """``(unit_id, coder)`` pairs of one round, by unit seq then coder."""
    return _rows(
        db,
        "SELECT s.unit_id, s.coder_id FROM assignments s JOIN units u ON u.id = s.unit_id "
        "WHERE s.round_id = ? ORDER BY u.seq, s.coder_id",
        [round_id],
    )


def shared_split_units(db: Database, kind: str) -> list[tuple[str, str]]:
    """``(unit_id, round_id)`` of the units a round of ``kind`` gave to two coders or more."""
    return _rows(
        db,
        "SELECT s.unit_id, s.round_id FROM assignments s JOIN rounds r ON r.id = s.round_id "
        "WHERE r.kind = ? GROUP BY s.round_id, s.unit_id HAVING count(*) >= 2 "
        "ORDER BY s.round_id, s.unit_id",
        [kind],
    )


def kind_assignments(db: Database, kind: str, coder: str | None = None) -> list[tuple[str, str]]:
    """``(unit_id, coder)`` assigned in rounds of ``kind`` (to ``coder`` only, if given)."""
    sql = (
        "SELECT s.unit_id, s.coder_id FROM assignments s JOIN rounds r ON r.id = s.round_id "
        "JOIN units u ON u.id = s.unit_id WHERE r.kind = ?"
    )
    params = [kind]
    if coder is not None:
        sql += " AND s.coder_id = ?"
        params.append(coder)
    return _rows(db, sql + " ORDER BY u.seq, s.coder_id", params)


def label_times(db: Database, unit_id: str, coder: str) -> dict[str, str]:
    """``{dimension: changed_at}`` of one coder's labels on one unit."""
    rows = _rows(
        db,
        "SELECT dimension, changed_at FROM labels WHERE unit_id = ? AND coder_id = ?",
        [unit_id, coder],
    )
    return dict(rows)


def coder_touched_units(db: Database, coder: str) -> set[str]:
    """Units ``coder`` is assigned or has labelled (they cannot be a calibration unit)."""
    rows = _rows(
        db,
        "SELECT unit_id FROM assignments WHERE coder_id = ? "
        "UNION SELECT unit_id FROM labels WHERE coder_id = ?",
        [coder, coder],
    )
    return {r[0] for r in rows}


def fully_gold_units(db: Database, dimensions: Sequence[str]) -> list[str]:
    """Codable units with a gold label on every one of ``dimensions``, in project order."""
    return [
        r[0]
        for r in _rows(
            db,
            "SELECT u.id FROM units u JOIN articles a ON a.id = u.article_id "
            f"JOIN gold_labels g ON g.unit_id = u.id WHERE {_CODABLE} "
            f"AND g.dimension IN ({_in(dimensions)}) GROUP BY u.id "
            "HAVING count(DISTINCT g.dimension) = ? ORDER BY min(u.seq)",
            [*dimensions, len(dimensions)],
        )
    ]


def units_in_rounds_of_kind(db: Database, coder: str, kind: str) -> list[str]:
    """The units assigned to ``coder`` in rounds of ``kind`` (e.g. gold calibration)."""
    return [
        r[0]
        for r in _rows(
            db,
            "SELECT DISTINCT s.unit_id FROM assignments s JOIN rounds r ON r.id = s.round_id "
            "WHERE s.coder_id = ? AND r.kind = ? ORDER BY 1",
            [coder, kind],
        )
    ]


def copy_gold_of_kind(db: Database, coder: str, kind: str) -> None:
    """Copy the gold labels of the units ``coder`` has in rounds of ``kind`` (no adjudicator)."""
    db.execute(
        f"INSERT INTO main.gold_labels ({', '.join(GOLD_COLUMNS)}) "
        "SELECT g.unit_id, g.dimension, g.value, g.method, '', g.rationale, g.decided_at "
        "FROM src.gold_labels g WHERE g.unit_id IN (SELECT s.unit_id FROM src.assignments s "
        "JOIN src.rounds r ON r.id = s.round_id WHERE s.coder_id = ? AND r.kind = ?)",
        [coder, kind],
    )


def assigned_seqs(db: Database, coder: str) -> list[int]:
    """The seqs of the codable units assigned to ``coder``, in project order."""
    return [
        r[0]
        for r in _rows(
            db,
            "SELECT u.seq FROM assignments s JOIN units u ON u.id = s.unit_id "
            f"JOIN articles a ON a.id = u.article_id WHERE s.coder_id = ? AND {_CODABLE} "
            "ORDER BY u.seq",
            [coder],
        )
    ]


def coder_queue_seqs(db: Database, coder: str) -> list[int]:
    """The order in which the coding window offers units to ``coder``.

    Assigned units first; then every other codable unit when the lead allows
    unassigned work, or when the coder has no assignments at all (no team workflow).
    """
    assigned = assigned_seqs(db, coder)
    if assigned and not allow_unassigned(db):
        return assigned
    taken = set(assigned)
    rest = [seq for _, seq, _ in codable_units(db) if seq not in taken]
    return assigned + sorted(rest)


def progress_rows(db: Database, dimensions: Sequence[str]) -> list[tuple[str, str, str, int, int]]:
    """``(coder, round_id, kind, assigned, coded)`` per coder and round.

    A unit counts as coded when the coder labelled every one of ``dimensions``.
    """
    return _rows(
        db,
        "SELECT s.coder_id, s.round_id, r.kind, count(*), coalesce(sum(("
        "SELECT count(*) FROM labels l WHERE l.unit_id = s.unit_id AND l.coder_id = s.coder_id "
        f"AND l.dimension IN ({_in(dimensions)})) >= ?), 0) "
        "FROM assignments s JOIN rounds r ON r.id = s.round_id "
        "JOIN units u ON u.id = s.unit_id JOIN articles a ON a.id = u.article_id "
        f"WHERE {_CODABLE} GROUP BY s.coder_id, s.round_id ORDER BY s.coder_id, r.created_at",
        [*dimensions, len(dimensions)],
    )


# -- labels as adjudication sees them ------------------------------------------------------


def coded_values(db: Database, dimensions: Sequence[str]) -> list[tuple]:
    """Every coder's label on codable units, with the coder's note and unsure flag.

    Returns
    -------
    list of tuple
        ``(unit_id, seq, article_id, paragraph, text, dimension, coder, value, note,
        unsure)`` ordered by seq, dimension and coder.
    """
    return _rows(
        db,
        "SELECT u.id, u.seq, u.article_id, u.paragraph, u.text, l.dimension, l.coder_id, "
        "l.value, coalesce(s.note, ''), coalesce(s.unsure, 0) FROM labels l "
        "JOIN units u ON u.id = l.unit_id JOIN articles a ON a.id = u.article_id "
        "LEFT JOIN unit_states s ON s.unit_id = l.unit_id AND s.coder_id = l.coder_id "
        f"WHERE {_CODABLE} AND l.dimension IN ({_in(dimensions)}) "
        "ORDER BY u.seq, l.dimension, l.coder_id",
        list(dimensions),
    )


def label_code_counts(db: Database) -> dict[tuple[str, str], int]:
    """``{(dimension, code): number of current labels}`` over the whole project."""
    rows = _rows(db, "SELECT dimension, value, count(*) FROM labels GROUP BY dimension, value")
    return {(d, v): n for d, v, n in rows}


def gold_code_counts(db: Database) -> dict[tuple[str, str], int]:
    """``{(dimension, code): number of gold labels}``."""
    rows = _rows(db, "SELECT dimension, value, count(*) FROM gold_labels GROUP BY dimension, value")
    return {(d, v): n for d, v, n in rows}


def labels_with_code(db: Database, dimension: str, code: str) -> list[tuple[str, str, float]]:
    """``(unit_id, coder, seconds)`` of the current labels with ``code`` on ``dimension``."""
    return _rows(
        db,
        "SELECT unit_id, coder_id, seconds FROM labels WHERE dimension = ? AND value = ? "
        "ORDER BY unit_id, coder_id",
        [dimension, code],
    )


def gold_with_code(db: Database, dimension: str, code: str) -> list[tuple]:
    """Full gold rows (GOLD_COLUMNS) with ``code`` on ``dimension``."""
    return _rows(
        db,
        f"SELECT {', '.join(GOLD_COLUMNS)} FROM gold_labels WHERE dimension = ? AND value = ?",
        [dimension, code],
    )


def scheme_sources(db: Database) -> list[str]:
    """The TOML of every scheme snapshot installed in the project, oldest first."""
    return [r[0] for r in _rows(db, "SELECT source_toml FROM schemes ORDER BY seq")]


# -- gold labels ---------------------------------------------------------------------------


def get_gold(db: Database, unit_id: str, dimension: str) -> dict | None:
    """The gold label of a unit on a dimension as a dict of GOLD_COLUMNS, or None."""
    row = db.execute(
        f"SELECT {', '.join(GOLD_COLUMNS)} FROM gold_labels WHERE unit_id = ? AND dimension = ?",
        [unit_id, dimension],
    ).fetchone()
    return dict(zip(GOLD_COLUMNS, row, strict=True)) if row else None


def gold_values(db: Database) -> dict[tuple[str, str], str]:
    """``{(unit_id, dimension): gold value}``."""
    return {(u, d): v for u, d, v in _rows(db, "SELECT unit_id, dimension, value FROM gold_labels")}


def write_gold(
    db: Database,
    unit_id: str,
    dimension: str,
    value: str | None,
    method: str,
    adjudicator: str,
    rationale: str = "",
    *,
    at: str | None = None,
) -> GoldChange:
    """Set (or with ``value=None`` withdraw) one gold label and append its history row.

    Call inside a write transaction.
    """
    old = get_gold(db, unit_id, dimension)
    at = at or utc_now()
    if value is None:
        db.execute(
            "DELETE FROM gold_labels WHERE unit_id = ? AND dimension = ?", [unit_id, dimension]
        )
    else:
        db.execute(
            f"INSERT INTO gold_labels ({', '.join(GOLD_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (unit_id, dimension) DO UPDATE SET value = excluded.value, "
            "method = excluded.method, adjudicator = excluded.adjudicator, "
            "rationale = excluded.rationale, decided_at = excluded.decided_at",
            [unit_id, dimension, value, method, adjudicator, rationale, at],
        )
    cursor = db.execute(
        f"INSERT INTO gold_history ({', '.join(GOLD_HISTORY_COLUMNS)}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [unit_id, dimension, old and old["value"], value, method, adjudicator, rationale, at],
    )
    return GoldChange(
        unit_id,
        dimension,
        old["value"] if old else None,
        value,
        method,
        adjudicator,
        rationale,
        cursor.lastrowid,
    )


def gold_frame(db: Database) -> pd.DataFrame:
    """Every gold label as a long frame, in project order.

    Returns
    -------
    DataFrame
        Columns ``unit_id, dimension, value, method, adjudicator, rationale, decided_at``.
    """
    cursor = db.conn.execute(
        "SELECT g.unit_id, g.dimension, g.value, g.method, g.adjudicator, g.rationale, "
        "g.decided_at FROM gold_labels g JOIN units u ON u.id = g.unit_id "
        "ORDER BY u.seq, g.dimension"
    )
    import pandas as pd  # only here: the window starts without pandas

    return pd.DataFrame.from_records(cursor.fetchall(), columns=list(GOLD_COLUMNS))


# -- reading a whole project for a merge ----------------------------------------------------


def database_path(db: Database) -> Path:
    """The file behind the connection's main database."""
    for _, name, file in _rows(db, "PRAGMA database_list"):
        if name == "main":
            return Path(file)
    raise UsageError("the project has no file")  # an in-memory database


def project_ids(db: Database) -> tuple[str | None, str | None]:
    """``(project_id, parent_project_id)``; a package's parent is the project it came from."""
    return get_meta(db, "project_id"), get_meta(db, PARENT_PROJECT_ID)


def article_hashes(db: Database) -> dict[str, str]:
    """``{article_id: content_hash}``."""
    return dict(_rows(db, "SELECT id, content_hash FROM articles"))


def unit_ids(db: Database) -> set[str]:
    """The id of every unit, excluded and retired ones included."""
    return {r[0] for r in _rows(db, "SELECT id FROM units")}


def coder_rows(db: Database) -> list[tuple[str, str, str]]:
    """``(id, name, created_at)`` of every human coder (models never travel in a merge)."""
    where = human_coders_where(db)
    return _rows(db, f"SELECT id, name, created_at FROM coders WHERE {where} ORDER BY id")


def label_rows(db: Database) -> list[tuple]:
    """Every current label as a LABEL_COLUMNS tuple."""
    return _rows(db, f"SELECT {', '.join(LABEL_COLUMNS)} FROM labels")


def history_rows(db: Database) -> list[tuple]:
    """Every label history row as a HISTORY_COLUMNS tuple, in order."""
    return _rows(db, f"SELECT {', '.join(HISTORY_COLUMNS)} FROM label_history ORDER BY id")


def state_rows(db: Database) -> list[tuple]:
    """Every unit state (unsure, note, time) as a STATE_COLUMNS tuple."""
    return _rows(db, f"SELECT {', '.join(STATE_COLUMNS)} FROM unit_states")


def round_rows(db: Database) -> list[tuple]:
    """Every round as a ROUND_COLUMNS tuple."""
    return _rows(db, f"SELECT {', '.join(ROUND_COLUMNS)} FROM rounds")


def assignment_rows(db: Database) -> list[tuple]:
    """Every assignment as an ASSIGNMENT_COLUMNS tuple."""
    return _rows(db, f"SELECT {', '.join(ASSIGNMENT_COLUMNS)} FROM assignments")


def gold_rows(db: Database) -> list[tuple]:
    """Every gold label as a GOLD_COLUMNS tuple."""
    return _rows(db, f"SELECT {', '.join(GOLD_COLUMNS)} FROM gold_labels")


def gold_history_rows(db: Database) -> list[tuple]:
    """Every gold history row as a GOLD_HISTORY_COLUMNS tuple, in order."""
    return _rows(db, f"SELECT {', '.join(GOLD_HISTORY_COLUMNS)} FROM gold_history ORDER BY id")


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
    if value is None:
        db.execute(
            "DELETE FROM labels WHERE unit_id = ? AND coder_id = ? AND dimension = ?",
            [unit_id, coder, dimension],
        )
        return
    db.execute(
        f"INSERT INTO labels ({', '.join(LABEL_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (unit_id, coder_id, dimension) DO UPDATE SET value = excluded.value, "
        "changed_at = excluded.changed_at, seconds = excluded.seconds",
        [unit_id, coder, dimension, value, at, seconds],
    )


def insert_history_row(db: Database, row: Sequence) -> int:
    """Append one history row (HISTORY_COLUMNS without id); returns its new id."""
    cursor = db.execute(
        "INSERT INTO label_history (unit_id, coder_id, dimension, old_value, new_value, action, "
        "reverts, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        list(row),
    )
    return cursor.lastrowid


def put_state_row(db: Database, row: Sequence) -> None:
    """Write one unit state (STATE_COLUMNS) as merged."""
    db.execute(
        f"INSERT INTO unit_states ({', '.join(STATE_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (unit_id, coder_id) DO UPDATE SET unsure = excluded.unsure, "
        "note = excluded.note, seconds = excluded.seconds, changed_at = excluded.changed_at, "
        "needs_recoding = excluded.needs_recoding",
        list(row),
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
    rows = _rows(
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
    db.execute("INSERT INTO main.labels SELECT * FROM src.labels WHERE coder_id = ?", [coder])
    db.execute(
        "CREATE TEMP TABLE history_ids AS SELECT id AS old_id, "
        "row_number() OVER (ORDER BY id) AS new_id FROM src.label_history WHERE coder_id = ?",
        [coder],
    )
    db.execute(
        "INSERT INTO main.label_history (id, unit_id, coder_id, dimension, old_value, new_value, "
        "action, reverts, changed_at) SELECT m.new_id, h.unit_id, h.coder_id, h.dimension, "
        "h.old_value, h.new_value, h.action, r.new_id, h.changed_at FROM src.label_history h "
        "JOIN temp.history_ids m ON m.old_id = h.id "
        "LEFT JOIN temp.history_ids r ON r.old_id = h.reverts ORDER BY h.id"
    )
    db.execute("DROP TABLE temp.history_ids")
    db.execute(
        f"INSERT INTO main.unit_states ({', '.join(STATE_COLUMNS)}) "
        f"SELECT {', '.join(STATE_COLUMNS)} FROM src.unit_states WHERE coder_id = ?",
        [coder],
    )
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


def source_change_log(db: Database) -> list[tuple[str, str, str, str]]:
    """``(at, who, action, details)`` of the attached source's change log, in order."""
    return _rows(db, "SELECT at, who, action, details FROM src.change_log ORDER BY id")


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
