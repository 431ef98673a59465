"""Team workflow storage: lead, project settings, rounds and assignments, and labels as
adjudication sees them. Gold labels are in :mod:`.gold` and the row-level reads and writes
that coder packages and merges are built from in :mod:`.merge_rows`; both are named here
too, for the team modules that read the team's storage as one.

Small named functions over one connection, parameterised SQL only. Functions that write
more than one row expect the caller (desktop.core.team) to hold the transaction, so that
a whole draw, adjudication or merge stands or falls together.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from desktop.core.errors import UsageError
from desktop.core.store.db import Database, get_meta, set_meta, utc_now, write_transaction
from desktop.core.store.gold import (  # re-exported: the team modules read them here
    get_gold,
    gold_frame,
    gold_values,
    write_gold,
)
from desktop.core.store.label_keys import labels_with_keys
from desktop.core.store.machine import human_coder_ids
from desktop.core.store.merge_rows import (  # re-exported, as above
    article_hashes,
    assignment_rows,
    attach_source,
    coder_rows,
    copy_coder,
    copy_corpus,
    database_path,
    detach_source,
    gold_history_rows,
    gold_rows,
    history_rows,
    insert_assignment_row,
    insert_coder_row,
    insert_gold_history_row,
    insert_history_row,
    insert_round_row,
    label_rows,
    list_merges,
    open_for_copy,
    project_ids,
    put_gold_row,
    put_label_row,
    put_state_row,
    record_merge,
    replace_change_log,
    round_rows,
    source_change_log,
    source_meta,
    state_rows,
    table_counts,
    unit_ids,
)
from desktop.core.store.sql import placeholders
from desktop.core.store.team_tables import (
    ALLOW_UNASSIGNED,
    ASSIGNMENT_COLUMNS,
    COMPARISON_UNLOCKED,
    GOLD_COLUMNS,
    GOLD_HISTORY_COLUMNS,
    HISTORY_COLUMNS,
    LABEL_COLUMNS,
    PACKAGE_CODER,
    PARENT_PROJECT_ID,
    ROUND_COLUMNS,
    STATE_COLUMNS,
    GoldChange,
    SettingChange,
    fetch_rows,
)

_CODABLE = "u.excluded = 0 AND a.excluded = 0"

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
        f"AND l.coder_id = s.coder_id AND l.dimension IN ({placeholders(dimensions)})) < ?",
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
    return fetch_rows(db, sql + " ORDER BY a.position, u.seq")


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
    rows = fetch_rows(db, f"SELECT {', '.join(ROUND_COLUMNS)} FROM rounds ORDER BY created_at, id")
    return [{**dict(zip(ROUND_COLUMNS, r, strict=True)), "details": json.loads(r[5])} for r in rows]


def round_assignments(db: Database, round_id: str) -> list[tuple[str, str]]:
    """``(unit_id, coder)`` pairs of one round, by unit seq then coder."""
    return fetch_rows(
        db,
        "SELECT s.unit_id, s.coder_id FROM assignments s JOIN units u ON u.id = s.unit_id "
        "WHERE s.round_id = ? ORDER BY u.seq, s.coder_id",
        [round_id],
    )


def shared_split_units(db: Database, kind: str) -> list[tuple[str, str]]:
    """``(unit_id, round_id)`` of the units a round of ``kind`` gave to two coders or more."""
    return fetch_rows(
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
    return fetch_rows(db, sql + " ORDER BY u.seq, s.coder_id", params)


def label_times(db: Database, unit_id: str, coder: str) -> dict[str, str]:
    """``{dimension: changed_at}`` of one coder's labels on one unit."""
    rows = fetch_rows(
        db,
        "SELECT dimension, changed_at FROM labels WHERE unit_id = ? AND coder_id = ?",
        [unit_id, coder],
    )
    return dict(rows)


def coder_touched_units(db: Database, coder: str) -> set[str]:
    """Units ``coder`` is assigned or has labelled (they cannot be a calibration unit)."""
    rows = fetch_rows(
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
        for r in fetch_rows(
            db,
            "SELECT u.id FROM units u JOIN articles a ON a.id = u.article_id "
            f"JOIN gold_labels g ON g.unit_id = u.id WHERE {_CODABLE} "
            f"AND g.dimension IN ({placeholders(dimensions)}) GROUP BY u.id "
            "HAVING count(DISTINCT g.dimension) = ? ORDER BY min(u.seq)",
            [*dimensions, len(dimensions)],
        )
    ]


def units_in_rounds_of_kind(db: Database, coder: str, kind: str) -> list[str]:
    """The units assigned to ``coder`` in rounds of ``kind`` (e.g. gold calibration)."""
    return [
        r[0]
        for r in fetch_rows(
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
        for r in fetch_rows(
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
    return fetch_rows(
        db,
        "SELECT s.coder_id, s.round_id, r.kind, count(*), coalesce(sum(("
        "SELECT count(*) FROM labels l WHERE l.unit_id = s.unit_id AND l.coder_id = s.coder_id "
        f"AND l.dimension IN ({placeholders(dimensions)})) >= ?), 0) "
        "FROM assignments s JOIN rounds r ON r.id = s.round_id "
        "JOIN units u ON u.id = s.unit_id JOIN articles a ON a.id = u.article_id "
        f"WHERE {_CODABLE} GROUP BY s.coder_id, s.round_id ORDER BY s.coder_id, r.created_at",
        [*dimensions, len(dimensions)],
    )


# -- labels as adjudication sees them ------------------------------------------------------


class CodedValueRow(NamedTuple):
    """One coder's current label on a codable unit, with the unit's place and text."""

    unit_id: str
    seq: int
    article_id: str
    paragraph: int
    text: str
    dimension: str
    coder: str
    value: str
    note: str
    unsure: int


def coded_values(db: Database, dimensions: Sequence[str]) -> list[CodedValueRow]:
    """Every coder's label on codable units, with the coder's note and unsure flag.

    Returns
    -------
    list of CodedValueRow
        Ordered by seq, dimension and coder.
    """
    return [
        CodedValueRow(*row)
        for row in fetch_rows(
            db,
            "SELECT u.id, u.seq, u.article_id, u.paragraph, u.text, l.dimension, l.coder_id, "
            f"l.value, coalesce(s.note, ''), coalesce(s.unsure, 0) FROM {labels_with_keys()} l "
            "JOIN units u ON u.id = l.unit_id JOIN articles a ON a.id = u.article_id "
            "LEFT JOIN unit_state_rows s ON s.unit = l.unit_n AND s.coder = l.coder_n "
            f"WHERE {_CODABLE} AND l.dimension IN ({placeholders(dimensions)}) "
            "ORDER BY u.seq, l.dimension, l.coder_id",
            list(dimensions),
        )
    ]


def label_code_counts(db: Database) -> dict[tuple[str, str], int]:
    """``{(dimension, code): number of current labels}`` over the whole project."""
    rows = fetch_rows(
        db,
        "SELECT d.text, v.text, n FROM (SELECT dimension, value, count(*) AS n "
        "FROM label_current GROUP BY dimension, value) l "
        "JOIN label_terms d ON d.id = l.dimension JOIN label_terms v ON v.id = l.value",
    )
    return {(d, v): n for d, v, n in rows}


def gold_code_counts(db: Database) -> dict[tuple[str, str], int]:
    """``{(dimension, code): number of gold labels}``."""
    rows = fetch_rows(
        db, "SELECT dimension, value, count(*) FROM gold_labels GROUP BY dimension, value"
    )
    return {(d, v): n for d, v, n in rows}


def labels_with_code(db: Database, dimension: str, code: str) -> list[tuple[str, str, float]]:
    """``(unit_id, coder, seconds)`` of the current labels with ``code`` on ``dimension``."""
    return fetch_rows(
        db,
        "SELECT unit_id, coder_id, seconds FROM labels WHERE dimension = ? AND value = ? "
        "ORDER BY unit_id, coder_id",
        [dimension, code],
    )


def gold_with_code(db: Database, dimension: str, code: str) -> list[tuple]:
    """Full gold rows (GOLD_COLUMNS) with ``code`` on ``dimension``."""
    return fetch_rows(
        db,
        f"SELECT {', '.join(GOLD_COLUMNS)} FROM gold_labels WHERE dimension = ? AND value = ?",
        [dimension, code],
    )


def scheme_sources(db: Database) -> list[str]:
    """The TOML of every scheme snapshot installed in the project, oldest first."""
    return [r[0] for r in fetch_rows(db, "SELECT source_toml FROM schemes ORDER BY seq")]


__all__ = [
    "ALLOW_UNASSIGNED",
    "ASSIGNMENT_COLUMNS",
    "COMPARISON_UNLOCKED",
    "GOLD_COLUMNS",
    "GOLD_HISTORY_COLUMNS",
    "HISTORY_COLUMNS",
    "LABEL_COLUMNS",
    "PACKAGE_CODER",
    "PARENT_PROJECT_ID",
    "ROUND_COLUMNS",
    "STATE_COLUMNS",
    "GoldChange",
    "SettingChange",
    "allow_unassigned",
    "article_hashes",
    "assigned_seqs",
    "assignment_rows",
    "attach_source",
    "codable_units",
    "coded_values",
    "coder_queue_seqs",
    "coder_rows",
    "coder_touched_units",
    "comparison_unlocked",
    "copy_coder",
    "copy_corpus",
    "copy_gold_of_kind",
    "database_path",
    "detach_source",
    "fully_gold_units",
    "get_gold",
    "gold_code_counts",
    "gold_frame",
    "gold_history_rows",
    "gold_rows",
    "gold_values",
    "gold_with_code",
    "history_rows",
    "insert_assignment_row",
    "insert_assignments",
    "insert_coder_row",
    "insert_gold_history_row",
    "insert_history_row",
    "insert_round",
    "insert_round_row",
    "kind_assignments",
    "label_code_counts",
    "label_rows",
    "label_times",
    "labels_with_code",
    "lead",
    "list_merges",
    "list_rounds",
    "next_round_id",
    "open_for_copy",
    "progress_rows",
    "project_ids",
    "put_gold_row",
    "put_label_row",
    "put_state_row",
    "record_merge",
    "replace_change_log",
    "require_lead",
    "round_assignments",
    "round_rows",
    "scheme_sources",
    "set_allow_unassigned",
    "set_comparison_unlocked",
    "set_lead",
    "shared_split_units",
    "source_change_log",
    "source_meta",
    "state_rows",
    "table_counts",
    "uncoded_reliability_assignments",
    "unit_ids",
    "unknown_coders",
    "write_gold",
]
