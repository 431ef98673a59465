"""The values a coding session hands out and takes in: the phase of the shown unit, a
typed key, the update a call returns, and one coder's counted progress.

Kept apart from :mod:`desktop.core.session` (which re-exports them) so that the state
machine's module stays one thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from desktop.core import store
from desktop.core.keys import Action
from desktop.core.store import Change, Database, coding_queries


class Phase(Enum):
    """Where the shown unit is in its life on screen."""

    EMPTY = "empty"  # the project has no sentence to code
    SHOWING = "showing"  # keys write to the shown unit
    TRANSITIONING = "transitioning"  # the unit is complete; keys queue until it moves


# Keys that may act on a transition at once (nothing queued): they mean the same whether
# the pending move has happened or not (see the module docstring).
FORWARD_ACTIONS = frozenset({Action.CONFIRM, Action.NEXT, Action.NEXT_UNCODED})
AT_ONCE_ACTIONS = FORWARD_ACTIONS | {Action.UNDO}


@dataclass(frozen=True)
class Keystroke:
    """One key the coder typed: a named action of :mod:`desktop.core.keys`, or a
    category (``dimension``, ``code``) of the scheme."""

    action: Action | None = None
    dimension: str = ""
    code: str = ""

    @classmethod
    def category(cls, dimension: str, code: str) -> Keystroke:
        return cls(None, dimension, code)


@dataclass(frozen=True)
class Update:
    """What one call changed, for the window to refresh from.

    ``coded_delta`` is +1 when the call made a unit fully coded, -1 when it made one
    incomplete, and applies to ``article_id``; an update that combines several steps
    (queued keys applied together) lists them in ``coded_deltas`` instead. ``queued``:
    the key waits for the transition to end.
    """

    changes: tuple[Change, ...] = ()
    moved: bool = False
    transition: int | None = None
    message: str = ""
    ignored: bool = False
    article_id: str | None = None
    coded_delta: int = 0
    coded_deltas: tuple[tuple[str, int], ...] = ()
    queued: bool = False
    open_notice: bool = False  # the message names the dimensions still open

    @property
    def wrote(self) -> bool:
        return any(change.changed for change in self.changes)

    @property
    def deltas(self) -> tuple[tuple[str, int], ...]:
        """Every ``(article_id, change in fully coded units)`` of this update."""
        if self.coded_deltas:
            return self.coded_deltas
        if self.article_id and self.coded_delta:
            return ((self.article_id, self.coded_delta),)
        return ()


def combine(updates: list[Update]) -> Update:
    """One update standing for ``updates`` applied in order (the last transition and
    message win; changes and coded counts add up)."""
    updates = [u for u in updates if u is not None]
    if not updates:
        return Update(ignored=True)
    if len(updates) == 1:
        return updates[0]
    return Update(
        changes=tuple(change for u in updates for change in u.changes),
        moved=any(u.moved for u in updates),
        transition=updates[-1].transition,
        message=next((u.message for u in reversed(updates) if u.message), ""),
        ignored=all(u.ignored for u in updates),
        open_notice=updates[-1].open_notice,
        coded_deltas=tuple(delta for u in updates for delta in u.deltas),
    )


@dataclass(frozen=True)
class Counts:
    """One coder's progress over the session's units, as read in one snapshot.

    ``marker`` is the newest ``label_history`` id the snapshot held: label writes with
    a larger id were made after it and are not in ``coded`` and ``partial``.
    """

    coded: int
    partial: int
    marker: int
    seqs: list[int] | None = None  # the codable units, when asked for (with_seqs)


def count_progress(
    db: Database,
    coder: str,
    dimensions: tuple[str, ...],
    *,
    assigned_only: bool,
    with_seqs: bool = False,
) -> Counts:
    """Units fully and partly coded by ``coder`` (of those assigned to ``coder`` when
    ``assigned_only``), in one read snapshot; with ``with_seqs``, the seqs of every
    codable unit too (the list of a session that opened without it).

    A pass over all of the coder's labels: seconds on a million-sentence project, so a
    window runs it off its own thread (:meth:`CodingSession.adopt_counts`).
    """
    in_transaction = db.conn.in_transaction
    if not in_transaction:
        db.conn.execute("BEGIN")  # one snapshot for the counts and the marker
    try:
        # The last history id handed out (migration 0007's label_clock; never reused):
        # max(id) over the label_history view read every history row (0.55 s at 100k).
        marker = db.execute("SELECT last_change FROM label_clock").fetchone()[0]
        coded, partial = coding_queries.progress_counts(
            db, coder, dimensions, assigned_only=assigned_only
        )
        seqs = store.coded_unit_seqs(db) if with_seqs else None
    finally:
        if not in_transaction:
            db.conn.execute("COMMIT")
    return Counts(coded, partial, int(marker), seqs)
