"""Storage for corpus curation: small named functions, each one statement or two.

None of these opens a transaction; :mod:`desktop.core.curation` wraps each curation step
in one :func:`~desktop.core.store.db.write_transaction`. A *live* unit is one that has not
been retired by a merge (``retired = 0``), whether it is coded or excluded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from desktop.core.resources import clutter_rules_path
from desktop.core.store.corpus import UNIT_COLUMNS, Unit, paragraph_units, unit_id_for
from desktop.core.store.db import Database, get_meta, utc_now
from desktop.core.store.label_keys import term_id, term_sql, time_key, unit_key, unit_sql
from desktop.core.store.sql import placeholders

ARTICLE_FIELDS = ("title", "source", "author", "date", "url")

#: The meta key of the project's own copy of its clutter rules (TOML text).
RULES_META_KEY = "clutter_rules"


def project_rules_text(db: Database) -> str:
    """The project's clutter rules as TOML text: its own copy once the lead changed them
    (meta ``clutter_rules``), the shipped resources/clutter_rules.toml until then."""
    text = get_meta(db, RULES_META_KEY)
    return text if text is not None else clutter_rules_path().read_text(encoding="utf-8")


# -- units ---------------------------------------------------------------------------------


def retired_into(db: Database, unit_id: str) -> str | None:
    """The unit a retired unit was merged into; None if ``unit_id`` is not retired."""
    row = db.execute(
        "SELECT other_unit FROM unit_changes WHERE unit_id = ? AND event = 'merged_into' "
        "ORDER BY id DESC LIMIT 1",
        [unit_id],
    ).fetchone()
    retired = db.execute("SELECT retired FROM units WHERE id = ?", [unit_id]).fetchone()
    return row[0] if row and retired and retired[0] else None


def manual_unit_ids(db: Database, article_id: str) -> set[str]:
    """Units of the article that the lead excluded or included by hand."""
    rows = db.execute(
        "SELECT id FROM units WHERE article_id = ? AND manual = 1 AND retired = 0", [article_id]
    )
    return {r[0] for r in rows}


def set_unit_span(db: Database, unit_id: str, start: int, end: int, text: str) -> None:
    """Give a unit a new span of its article (offsets) and text."""
    db.execute(
        "UPDATE units SET start = ?, end = ?, text = ? WHERE id = ?", [start, end, text, unit_id]
    )


def retire_unit(db: Database, unit_id: str, into: str) -> None:
    """Retire a unit merged into ``into``: excluded for good, never codable again."""
    db.execute(
        "UPDATE units SET retired = 1, excluded = 1, excluded_by = ? WHERE id = ?",
        [f"merged into {into}", unit_id],
    )


def set_units_excluded(
    db: Database, unit_ids: Sequence[str], excluded: bool, reason: str, *, manual: bool
) -> None:
    """Exclude or include live units; ``reason`` is the rule name (empty when included)."""
    if not unit_ids:
        return
    db.execute(
        f"UPDATE units SET excluded = ?, excluded_by = ?, manual = ? "
        f"WHERE id IN ({placeholders(unit_ids)}) AND retired = 0",
        [int(excluded), reason, int(manual), *unit_ids],
    )


def next_unit_id(db: Database, article_id: str) -> str:
    """An id no unit of the article ever had: one past the highest ordinal, retired included."""
    rows = db.execute("SELECT id FROM units WHERE article_id = ?", [article_id])
    ordinals = [int(r[0].rsplit("-", 1)[1]) for r in rows]
    return unit_id_for(article_id, max(ordinals, default=0) + 1)


def make_room_after_seq(db: Database, seq: int) -> int:
    """Shift every seq above ``seq`` up by one; returns the freed seq (``seq + 1``).

    seq is UNIQUE and SQLite checks it row by row, so the shift goes through negative
    values instead of colliding with the next row.
    """
    db.execute("UPDATE units SET seq = -(seq + 1) WHERE seq > ?", [seq])
    db.execute("UPDATE units SET seq = -seq WHERE seq < 0")
    return seq + 1


def insert_unit(db: Database, unit: Unit, *, manual: bool = False) -> None:
    """Insert a unit made by curation (its seq must be free: see make_room_after_seq)."""
    db.execute(
        f"INSERT INTO units ({UNIT_COLUMNS}, manual, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            unit.id,
            unit.seq,
            unit.article_id,
            unit.paragraph,
            unit.sentence,
            unit.start,
            unit.end,
            unit.text,
            int(unit.excluded),
            unit.excluded_by,
            int(manual),
            utc_now(),
        ],
    )


def is_manual(db: Database, unit_id: str) -> bool:
    """Whether the lead excluded or included the unit by hand."""
    row = db.execute("SELECT manual FROM units WHERE id = ?", [unit_id]).fetchone()
    return bool(row and row[0])


def renumber_sentences(db: Database, article_id: str, paragraph: int) -> None:
    """Number the paragraph's live units 0, 1, 2 ... in text order."""
    units = paragraph_units(db, article_id, paragraph)
    db.conn.executemany(
        "UPDATE units SET sentence = ? WHERE id = ?",
        [(number, u.id) for number, u in enumerate(units) if u.sentence != number],
    )


# -- paragraphs ----------------------------------------------------------------------------


def paragraph_at(db: Database, article_id: str, offset: int) -> int | None:
    """The index of the paragraph whose span holds article offset ``offset``."""
    row = db.execute(
        "SELECT idx FROM paragraphs WHERE article_id = ? AND start <= ? AND ? <= end "
        "ORDER BY idx LIMIT 1",
        [article_id, offset, offset],
    ).fetchone()
    return row[0] if row else None


def sync_paragraph(db: Database, article_id: str, paragraph: int) -> None:
    """Mark a paragraph excluded exactly when all its live units are (with their reason)."""
    units = paragraph_units(db, article_id, paragraph)
    if not units:
        return
    excluded = all(u.excluded for u in units)
    reason = units[0].excluded_by if excluded else ""
    db.execute(
        "UPDATE paragraphs SET excluded = ?, excluded_by = ? WHERE article_id = ? AND idx = ?",
        [int(excluded), reason, article_id, paragraph],
    )


# -- labels, states, assignments -----------------------------------------------------------


def label_counts(db: Database, unit_ids: Iterable[str]) -> dict[str, dict[str, int]]:
    """``{unit_id: {coder: number of labels}}`` for the given units that have labels.

    Gold labels count under the adjudicator's id prefixed with ``gold:``.
    """
    ids = list(unit_ids)
    if not ids:
        return {}
    found: dict[str, dict[str, int]] = {}
    rows = db.execute(
        f"SELECT unit_id, coder_id, count(*) FROM labels WHERE unit_id IN ({placeholders(ids)}) "
        "GROUP BY unit_id, coder_id "
        "UNION ALL "
        f"SELECT unit_id, 'gold:' || adjudicator, count(*) FROM gold_labels "
        f"WHERE unit_id IN ({placeholders(ids)}) GROUP BY unit_id, adjudicator",
        [*ids, *ids],
    )
    for unit_id, coder, n in rows:
        found.setdefault(unit_id, {})[coder] = n
    return found


def label_coders(db: Database, unit_ids: Sequence[str]) -> list[str]:
    """The coders with at least one label on any of the units, sorted."""
    if not unit_ids:
        return []
    rows = db.execute(
        f"SELECT DISTINCT coder_id FROM labels WHERE unit_id IN ({placeholders(unit_ids)}) "
        "ORDER BY coder_id",
        list(unit_ids),
    )
    return [r[0] for r in rows]


def snapshot_labels(
    db: Database, change_id: int, unit_id: str, source: Unit, coder: str | None = None
) -> int:
    """Copy the labels and gold labels of ``source`` into curation_labels for ``unit_id``.

    With ``coder``, only that coder's labels (and no gold). Returns the rows copied.
    """
    before = db.execute("SELECT count(*) FROM curation_labels").fetchone()[0]
    db.execute(
        "INSERT INTO curation_labels (change_id, unit_id, from_unit, from_text, kind, "
        "coder_id, dimension, value, changed_at) "
        "SELECT ?, ?, unit_id, ?, 'label', coder_id, dimension, value, changed_at "
        "FROM labels WHERE unit_id = ? AND coder_id = coalesce(?, coder_id) "
        "ORDER BY coder_id, dimension",
        [change_id, unit_id, source.text, source.id, coder],
    )
    if coder is None:
        db.execute(
            "INSERT INTO curation_labels (change_id, unit_id, from_unit, from_text, kind, "
            "coder_id, dimension, value, changed_at) "
            "SELECT ?, ?, unit_id, ?, 'gold', adjudicator, dimension, value, decided_at "
            "FROM gold_labels WHERE unit_id = ? ORDER BY dimension",
            [change_id, unit_id, source.text, source.id],
        )
    return db.execute("SELECT count(*) FROM curation_labels").fetchone()[0] - before


@dataclass(frozen=True)
class KeptLabel:
    """A label a unit held when curation changed its text, kept for adjudication."""

    change_id: int
    at: str
    unit_id: str
    from_unit: str
    from_text: str
    kind: str  # label | gold
    coder: str
    dimension: str
    value: str
    changed_at: str


def curation_labels(db: Database, unit_id: str) -> list[KeptLabel]:
    """The labels kept on ``unit_id`` by curation steps (merges and splits), oldest first."""
    rows = db.execute(
        "SELECT k.change_id, c.at, k.unit_id, k.from_unit, k.from_text, k.kind, k.coder_id, "
        "k.dimension, k.value, k.changed_at FROM curation_labels k "
        "JOIN change_log c ON c.id = k.change_id WHERE k.unit_id = ? ORDER BY k.id",
        [unit_id],
    )
    return [KeptLabel(*r) for r in rows]


def flag_needs_recoding(db: Database, unit_id: str, coders: Iterable[str]) -> None:
    """Ask each coder to code ``unit_id`` again (unit_states.needs_recoding = 1)."""
    now = time_key(utc_now())
    unit = unit_key(db, unit_id, create=True)
    db.conn.executemany(
        "INSERT INTO unit_state_rows (unit, coder, needs_recoding, changed_at) "
        "VALUES (?, ?, 1, ?) ON CONFLICT (unit, coder) DO UPDATE "
        "SET needs_recoding = 1, changed_at = excluded.changed_at",
        [(unit, term_id(db, coder, create=True), now) for coder in coders],
    )


def needs_recoding_coders(db: Database, unit_ids: Sequence[str]) -> dict[str, list[str]]:
    """``{unit_id: [coders asked to re-code it]}`` for the given units."""
    if not unit_ids:
        return {}
    rows = db.execute(
        "SELECT unit_id, coder_id FROM unit_states WHERE needs_recoding = 1 "
        f"AND unit_id IN ({placeholders(unit_ids)}) ORDER BY unit_id, coder_id",
        list(unit_ids),
    )
    found: dict[str, list[str]] = {}
    for unit_id, coder in rows:
        found.setdefault(unit_id, []).append(coder)
    return found


def units_needing_recoding(db: Database, coder: str) -> list[str]:
    """The live units ``coder`` is asked to code again, in project order."""
    rows = db.execute(
        "SELECT s.unit_id FROM unit_states s JOIN units u ON u.id = s.unit_id "
        "WHERE s.coder_id = ? AND s.needs_recoding = 1 AND u.retired = 0 ORDER BY u.seq",
        [coder],
    )
    return [r[0] for r in rows]


def clear_needs_recoding(db: Database, unit_id: str, coder: str) -> None:
    """The coder has re-coded the unit (call inside the transaction that saves the label)."""
    db.execute(
        f"UPDATE unit_state_rows SET needs_recoding = 0 WHERE unit = {unit_sql()} "
        f"AND coder = {term_sql()}",
        [unit_id, coder],
    )


def copy_assignments(db: Database, from_unit: str, to_unit: str) -> None:
    """Give ``to_unit`` to every coder ``from_unit`` is assigned to (keeping round and flag)."""
    db.execute(
        "INSERT INTO assignments (unit_id, coder_id, round_id, reliability, assigned_at) "
        "SELECT ?, coder_id, round_id, reliability, ? FROM assignments WHERE unit_id = ? "
        "ON CONFLICT (unit_id, coder_id) DO NOTHING",
        [to_unit, utc_now(), from_unit],
    )


# -- articles ------------------------------------------------------------------------------


def article_unit_ids(db: Database, article_id: str) -> list[str]:
    """Ids of the article's live units, in project order."""
    rows = db.execute(
        "SELECT id FROM units WHERE article_id = ? AND retired = 0 ORDER BY seq", [article_id]
    )
    return [r[0] for r in rows]


def update_article_fields(db: Database, article_id: str, fields: dict[str, str]) -> None:
    """Set metadata columns (only names in :data:`ARTICLE_FIELDS`)."""
    unknown = set(fields) - set(ARTICLE_FIELDS)
    if unknown:
        raise ValueError(f"not article metadata: {sorted(unknown)}")
    if not fields:
        return
    assignments = ", ".join(f"{name} = ?" for name in fields)
    db.execute(f"UPDATE articles SET {assignments} WHERE id = ?", [*fields.values(), article_id])


def set_article_excluded(db: Database, article_id: str, excluded: bool) -> None:
    """Take a whole article out of coding, or bring it back."""
    db.execute("UPDATE articles SET excluded = ? WHERE id = ?", [int(excluded), article_id])


# -- the record of curation ----------------------------------------------------------------


def last_change_id(db: Database) -> int:
    """The id of the change-log row just written (call right after ``log_change``)."""
    return db.execute("SELECT max(id) FROM change_log").fetchone()[0]


def record_unit_change(
    db: Database, change_id: int, before: Unit, event: str, other_unit: str = ""
) -> None:
    """Record what step ``change_id`` did to a unit (``before``: the unit as it was)."""
    db.execute(
        "INSERT INTO unit_changes (change_id, unit_id, event, other_unit, old_start, old_end, "
        "old_text) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [change_id, before.id, event, other_unit, before.start, before.end, before.text],
    )


@dataclass(frozen=True)
class UnitChange:
    """One thing a curation step did to one unit."""

    change_id: int
    at: str
    who: str
    unit_id: str
    event: str
    other_unit: str
    old_start: int
    old_end: int
    old_text: str


def unit_changes(db: Database, unit_id: str, *, since: str | None = None) -> list[UnitChange]:
    """What curation did to ``unit_id``, oldest first; only after ``since`` (ISO UTC) if given."""
    sql = (
        "SELECT k.change_id, c.at, c.who, k.unit_id, k.event, k.other_unit, k.old_start, "
        "k.old_end, k.old_text FROM unit_changes k JOIN change_log c ON c.id = k.change_id "
        "WHERE k.unit_id = ?"
    )
    params: list = [unit_id]
    if since is not None:
        sql += " AND c.at > ?"
        params.append(since)
    return [UnitChange(*r) for r in db.execute(sql + " ORDER BY k.id", params)]


def first_label_time(db: Database) -> str | None:
    """When the first label of the project was given (None before any coding)."""
    return db.execute("SELECT earliest FROM label_clock").fetchone()[0]


def kept_label_counts(db: Database, unit_ids: Sequence[str]) -> dict[str, int]:
    """``{unit_id: number of labels kept by curation}`` for units that have any."""
    if not unit_ids:
        return {}
    rows = db.execute(
        "SELECT unit_id, count(*) FROM curation_labels "
        f"WHERE unit_id IN ({placeholders(unit_ids)}) GROUP BY unit_id",
        list(unit_ids),
    )
    return dict(rows.fetchall())
