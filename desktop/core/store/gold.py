"""Gold labels: the adjudicated value of a unit in a dimension, with its history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.core.store.db import Database, utc_now
from desktop.core.store.team_tables import (
    GOLD_COLUMNS,
    GOLD_HISTORY_COLUMNS,
    GoldChange,
    fetch_rows,
)

if TYPE_CHECKING:
    import pandas as pd


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
    return {
        (u, d): v for u, d, v in fetch_rows(db, "SELECT unit_id, dimension, value FROM gold_labels")
    }


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
