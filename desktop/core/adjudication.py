"""The adjudication session: the lead's queue of disagreements, the shown one, and the keys.

This is the state machine behind the adjudication window, free of Qt (as
:class:`~desktop.core.session.CodingSession` is for the coding window), so that it is
tested without a display. The window turns clicks and keys into calls on an
:class:`AdjudicationSession` and redraws from the :class:`AdjudicationUpdate` each call
returns.

The queue is :func:`desktop.core.team.list_disagreements` under two filters (undecided
only or all, one dimension or all). One row is current, in one :class:`Phase`. A category
key decides the current row's gold value and starts a *transition*: the window shows the
decision for a moment, then calls :meth:`AdjudicationSession.finish_transition`, which
moves to the next undecided row. While the transition runs, further decisions are
refused, so a double key press never decides two rows. Undo takes back the session's
last decision (the gold value as it was before, with its method, adjudicator, rationale
and time).

Blind coding: the session shows every coder's labels, so it opens only for the project's
lead, or for anyone once the lead has unlocked comparison (:func:`may_adjudicate`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from desktop.core import team
from desktop.core.errors import UsageError
from desktop.core.scheme import Scheme
from desktop.core.store import Database, current_scheme, write_transaction
from desktop.core.store import team as team_store
from desktop.core.store.curation import KeptLabel, curation_labels
from desktop.core.team import AcceptSummary, CodedUnit, GoldChange, GoldMethod


class Shown(Enum):
    """Which disagreements the queue holds."""

    UNDECIDED = "undecided"
    ALL = "all"

    @property
    def label(self) -> str:
        return {Shown.UNDECIDED: "Undecided only", Shown.ALL: "All disagreements"}[self]


class Phase(Enum):
    """Where the current row is: none, shown, or a decision showing before the move."""

    EMPTY = "empty"
    SHOWING = "showing"
    TRANSITION = "transition"


@dataclass(frozen=True)
class AdjudicationUpdate:
    """What one call changed, for the window to redraw from.

    ``changes``: the gold values written. ``moved``: another row is current (or the same
    one must be shown again). ``relisted``: the queue was read again. ``transition``: a
    decision shows now; call :meth:`AdjudicationSession.finish_transition` after the
    pause. ``message``: one line for the lead. ``ignored``: the call did nothing.
    """

    changes: tuple[GoldChange, ...] = ()
    moved: bool = False
    relisted: bool = False
    transition: bool = False
    message: str = ""
    ignored: bool = False


IGNORED = AdjudicationUpdate(ignored=True)


@dataclass(frozen=True)
class AcceptPreview:
    """What :func:`desktop.core.team.accept_agreed` would do with a rule, before it runs."""

    rule: GoldMethod
    accept: int
    already_decided: int
    left: int


@dataclass(frozen=True)
class _Decision:
    """One decision of this session and the gold row it replaced (None: no gold)."""

    unit_id: str
    dimension: str
    before: dict | None


def may_adjudicate(db: Database, who: str) -> bool:
    """Whether ``who`` may see every coder's labels: the lead, or anyone after the unlock."""
    return who == team_store.lead(db) or team_store.comparison_unlocked(db)


def preview_accept(units, rule: GoldMethod) -> AcceptPreview:
    """Count what accepting by ``rule`` would decide, by accept_agreed's own test.

    ``units`` is an iterable of :class:`~desktop.core.team.CodedUnit`.
    """
    accept = decided = left = 0
    for unit in units:
        if unit.gold is not None:
            decided += 1
        elif unit.agreed or (rule is GoldMethod.MAJORITY and unit.majority() is not None):
            accept += 1
        else:
            left += 1
    return AcceptPreview(rule, accept, decided, left)


def describe_accept(summary: AcceptSummary) -> str:
    """The outcome of a bulk acceptance in one sentence."""
    return (
        f"Accepted {summary.accepted:,} {summary.rule} "
        f"value{'s' * (summary.accepted != 1)} as gold; "
        f"{summary.already_decided:,} already had a gold value; "
        f"{summary.undecided:,} left to adjudicate."
    )


class AdjudicationSession:
    """The lead's adjudication: the queue of disagreements, the current row, the decisions.

    Parameters
    ----------
    db
        The project's connection.
    adjudicator
        Who decides: stored with every gold value.
    shown, dimension
        The queue's filters: undecided rows only or all; one dimension id or all (None).

    Raises
    ------
    UsageError
        When ``adjudicator`` may not see other coders' labels (blind coding).
    """

    def __init__(
        self,
        db: Database,
        adjudicator: str,
        *,
        shown: Shown = Shown.UNDECIDED,
        dimension: str | None = None,
    ):
        if not may_adjudicate(db, adjudicator):
            lead = team_store.lead(db)
            raise UsageError(
                "comparison is locked: only the project's lead "
                f"({lead or 'none marked yet'}) sees every coder's labels"
            )
        self.db = db
        self.adjudicator = adjudicator
        self.scheme: Scheme = current_scheme(db)
        self.shown = shown
        self.dimension = dimension
        self.rows: list[CodedUnit] = []
        self.current: int | None = None
        self.phase = Phase.EMPTY
        self._row_of: dict[tuple[str, str], int] = {}
        self._drafts: dict[tuple[str, str], str] = {}
        self._decisions: list[_Decision] = []
        self.reload()

    # -- reading ------------------------------------------------------------------------

    def current_unit(self) -> CodedUnit | None:
        """The current row, or None when the queue is empty."""
        return self.rows[self.current] if self.current is not None else None

    def row_of(self, unit_id: str, dimension: str) -> int | None:
        """The row of a unit and dimension in the queue, or None."""
        return self._row_of.get((unit_id, dimension))

    def count_text(self) -> str:
        """``"3 disagreements listed, 2 without gold"``."""
        open_rows = sum(1 for u in self.rows if u.gold is None)
        noun = "disagreement" if len(self.rows) == 1 else "disagreements"
        return f"{len(self.rows):,} {noun} listed, {open_rows:,} without gold"

    def empty_text(self) -> str:
        """Why the queue is empty, and what to do."""
        return "No disagreements to show." + (
            " Every one has a gold value: choose “All disagreements” to review them."
            if self.shown is Shown.UNDECIDED
            else " Coders agree wherever at least two coded the same unit."
        )

    def gold(self) -> dict | None:
        """The stored gold row of the current unit and dimension (value, method,
        adjudicator, rationale, decided_at), or None."""
        unit = self.current_unit()
        return None if unit is None else team_store.get_gold(self.db, unit.unit_id, unit.dimension)

    def rationale(self) -> str:
        """The rationale to show: the lead's unsaved draft, else the stored one."""
        unit = self.current_unit()
        if unit is None:
            return ""
        draft = self._drafts.get((unit.unit_id, unit.dimension))
        if draft is not None:
            return draft
        gold = self.gold()
        return gold["rationale"] if gold else ""

    def kept(self) -> list[KeptLabel]:
        """Labels of the current dimension kept on the current unit by curation steps."""
        unit = self.current_unit()
        if unit is None:
            return []
        return [k for k in curation_labels(self.db, unit.unit_id) if k.dimension == unit.dimension]

    def chosen_by(self) -> dict[str, list[str]]:
        """``{code: [coders who chose it]}`` on the current row."""
        unit = self.current_unit()
        chosen: dict[str, list[str]] = {}
        for value in unit.values if unit else ():
            chosen.setdefault(value.value, []).append(value.coder)
        return chosen

    # -- the queue ----------------------------------------------------------------------

    def reload(self) -> AdjudicationUpdate:
        """Read the queue again, keeping the current row when it is still listed."""
        keep = self.current_unit()
        self.rows = team.list_disagreements(
            self.db,
            dimensions=[self.dimension] if self.dimension else None,
            undecided_only=self.shown is Shown.UNDECIDED,
        )
        self._row_of = {(u.unit_id, u.dimension): i for i, u in enumerate(self.rows)}
        row = self.row_of(keep.unit_id, keep.dimension) if keep else None
        if row is None and self.rows:
            row = self._next_undecided(-1)
            row = 0 if row is None else row
        self._show(row)
        return AdjudicationUpdate(moved=True, relisted=True)

    def set_filter(self, shown: Shown, dimension: str | None) -> AdjudicationUpdate:
        """List ``shown`` rows of ``dimension`` (None: every dimension)."""
        self.shown, self.dimension = shown, dimension
        return self.reload()

    def go_to(self, row: int) -> AdjudicationUpdate:
        """Make ``row`` current (a decision still showing is over: no move follows)."""
        if not 0 <= row < len(self.rows):
            return IGNORED
        self._show(row)
        return AdjudicationUpdate(moved=True)

    def move(self, step: int) -> AdjudicationUpdate:
        """Go ``step`` rows down (up when negative), stopping at the ends."""
        if not self.rows:
            return IGNORED
        current = self.current if self.current is not None else 0
        return self.go_to(max(0, min(len(self.rows) - 1, current + step)))

    def next_undecided(self) -> AdjudicationUpdate:
        """Go to the next row without gold (wrapping round); say so when there is none."""
        row = self._next_undecided(self.current if self.current is not None else -1)
        if row is None:
            if self.rows:
                return AdjudicationUpdate(message="Every disagreement listed has a gold value.")
            return IGNORED
        return self.go_to(row)

    def _next_undecided(self, after: int) -> int | None:
        count = len(self.rows)
        for step in range(1, count + 1):
            row = (after + step) % count
            if self.rows[row].gold is None:
                return row
        return None

    def _show(self, row: int | None) -> None:
        self.current = row
        self.phase = Phase.EMPTY if row is None else Phase.SHOWING

    # -- deciding -----------------------------------------------------------------------

    def set_draft(self, text: str) -> None:
        """Keep the lead's unsaved rationale of the current row (stored with its decision)."""
        unit = self.current_unit()
        if unit is not None:
            self._drafts[(unit.unit_id, unit.dimension)] = text

    def decide(
        self, dimension: str, code: str | None, rationale: str | None = None
    ) -> AdjudicationUpdate:
        """Set (None: withdraw) the current row's gold value with ``rationale`` (None:
        the drafted or stored one, as :meth:`rationale` gives it).

        A value starts a transition; a withdrawal stays on the row. Nothing is written
        when no row is shown, while a decision still shows, or for a key of another
        dimension (the update says which).
        """
        unit = self.current_unit()
        if unit is None or self.phase is not Phase.SHOWING:
            return IGNORED
        if dimension != unit.dimension:
            label = self.scheme.dimension(dimension).label
            here = self.scheme.dimension(unit.dimension).label
            return AdjudicationUpdate(
                message=f"That key belongs to {label}; this row is about {here}.", ignored=True
            )
        key = (unit.unit_id, unit.dimension)
        before = team_store.get_gold(self.db, *key)
        text = (self.rationale() if rationale is None else rationale).strip()
        change = team.set_gold(self.db, *key, code, self.adjudicator, text)
        self._decisions.append(_Decision(*key, before))
        self._drafts.pop(key, None)
        self._set_row_gold(self.current, code)
        if code is None:
            return AdjudicationUpdate(changes=(change,))
        self.phase = Phase.TRANSITION
        return AdjudicationUpdate(changes=(change,), transition=True)

    def withdraw(self) -> AdjudicationUpdate:
        """Remove the current row's gold value."""
        unit = self.current_unit()
        return IGNORED if unit is None else self.decide(unit.dimension, None)

    def finish_transition(self) -> AdjudicationUpdate:
        """The decision has shown long enough: go to the next undecided row."""
        if self.phase is not Phase.TRANSITION:
            return IGNORED
        self.phase = Phase.SHOWING
        return self.next_undecided()

    def save_rationale(self, text: str) -> AdjudicationUpdate:
        """Store ``text`` as the rationale of the current row's gold value, if it has one."""
        unit = self.current_unit()
        if unit is None or unit.gold is None:
            return IGNORED
        key = (unit.unit_id, unit.dimension)
        gold = team_store.get_gold(self.db, *key)
        text = text.strip()
        if gold is None or gold["rationale"] == text:
            return IGNORED
        change = team.set_gold(self.db, *key, unit.gold, self.adjudicator, text)
        self._decisions.append(_Decision(*key, gold))
        self._drafts.pop(key, None)
        return AdjudicationUpdate(changes=(change,))

    def undo(self) -> AdjudicationUpdate:
        """Take back this session's last decision: the gold row as it was, and show it."""
        if not self._decisions:
            return AdjudicationUpdate(message="Nothing to undo.", ignored=True)
        last = self._decisions.pop()
        b = last.before
        with write_transaction(self.db):
            if b is None:
                change = team_store.write_gold(
                    self.db,
                    last.unit_id,
                    last.dimension,
                    None,
                    GoldMethod.ADJUDICATED.value,
                    self.adjudicator,
                )
            else:
                change = team_store.write_gold(
                    self.db,
                    last.unit_id,
                    last.dimension,
                    b["value"],
                    b["method"],
                    b["adjudicator"],
                    b["rationale"],
                    at=b["decided_at"],
                )
        self._drafts.pop((last.unit_id, last.dimension), None)
        row = self.row_of(last.unit_id, last.dimension)
        if row is None:  # filtered out since: the change stands undone, the row unseen
            return AdjudicationUpdate(changes=(change,), message="Undone.")
        self._set_row_gold(row, b["value"] if b else None)
        self._show(row)
        return AdjudicationUpdate(changes=(change,), moved=True)

    def _set_row_gold(self, row: int, value: str | None) -> None:
        # The row stays listed whatever the filter, until the queue is read again.
        self.rows[row] = replace(self.rows[row], gold=value)

    # -- bulk acceptance ----------------------------------------------------------------

    def preview_accept(self, rule: GoldMethod) -> AcceptPreview:
        """What accepting by ``rule`` would decide now (nothing written)."""
        return preview_accept(team.coded_units(self.db), rule)

    def accept(self, rule: GoldMethod) -> AcceptSummary:
        """Make unanimous (or majority) values gold where none is decided; read the queue."""
        summary = team.accept_agreed(self.db, self.adjudicator, rule=rule)
        self.reload()
        return summary
