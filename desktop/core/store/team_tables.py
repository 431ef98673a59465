"""The team tables' column lists, the settings' meta keys and the changes a team write
returns: shared by the team, gold and merge-row modules of the store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from desktop.core.store.db import Database

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


def fetch_rows(db: Database, sql: str, params: Sequence = ()) -> list[tuple]:
    """Every row of a parameterised query."""
    return db.execute(sql, list(params)).fetchall()
