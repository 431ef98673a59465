"""The rows a merge reads and writes, as named tuples over the store's column tuples."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple


class LabelRow(NamedTuple):
    """A current label (``team_store.LABEL_COLUMNS``)."""

    unit_id: str
    coder_id: str
    dimension: str
    value: str | None
    changed_at: str
    seconds: float


class HistoryRow(NamedTuple):
    """A label history row (``team_store.HISTORY_COLUMNS``)."""

    id: int
    unit_id: str
    coder_id: str
    dimension: str
    old_value: str | None
    new_value: str | None
    action: str
    reverts: int | None
    changed_at: str

    @property
    def key(self) -> tuple[str, str, str]:
        """``(unit, coder, dimension)``."""
        return (self.unit_id, self.coder_id, self.dimension)


class StateRow(NamedTuple):
    """A unit state (``team_store.STATE_COLUMNS``)."""

    unit_id: str
    coder_id: str
    unsure: int
    note: str
    seconds: float
    changed_at: str
    needs_recoding: int


class RoundRow(NamedTuple):
    """A round of assignments (``team_store.ROUND_COLUMNS``)."""

    id: str
    kind: str
    seed: int | None
    created_at: str
    created_by: str
    details: str


class AssignmentRow(NamedTuple):
    """An assignment (``team_store.ASSIGNMENT_COLUMNS``)."""

    unit_id: str
    coder_id: str
    round_id: str
    reliability: int
    assigned_at: str


class GoldRow(NamedTuple):
    """A gold label (``team_store.GOLD_COLUMNS``)."""

    unit_id: str
    dimension: str
    value: str | None
    method: str
    adjudicator: str
    rationale: str
    decided_at: str


def as_rows(kind: type, rows: Iterable[Sequence]) -> list:
    """``rows`` (plain tuples from the store) as ``kind`` named tuples."""
    return [kind(*row) for row in rows]
