"""What became of a unit: for merging coder packages made before a curation step, and for
the agreement report's note that units changed after coding began."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from desktop.core.curation.model import CURATION_ACTIONS, CurationAction
from desktop.core.store import curation as cstore
from desktop.core.store.corpus import get_article, get_unit
from desktop.core.store.db import Database, change_log, log_change, write_transaction

_TEXT_EVENTS = {"split": "split", "merged": "merged"}
# Steps that leave every unit as it was.
_NOT_UNIT_CHANGES = {
    CurationAction.EDIT_ARTICLE.value,
    CurationAction.ADD_RULE.value,
    CurationAction.SET_RULES.value,
    CurationAction.RECONCILE_PACKAGE.value,
}


class FateKind(Enum):
    """How a unit id of an older copy of the project maps onto this one."""

    UNCHANGED = "unchanged"  # same id, same text: labels land as they are
    SPLIT = "split"  # same id, now only the first part: labels land, coder re-codes
    MERGED = "merged"  # same id, absorbed its neighbour: labels land, coder re-codes
    MERGED_INTO = "merged into"  # retired: its text is now part of ``into``
    EXCLUDED = "excluded"  # same text, but the unit or its article is not coded now
    UNKNOWN = "unknown"  # no such unit in this project


@dataclass(frozen=True)
class UnitFate:
    """The fate of one unit id; ``str()`` gives e.g. "merged into 183a85b33d7b-0003".

    Attributes
    ----------
    into
        For MERGED_INTO: the live unit that now holds the text (merges are followed).
    events
        The curation events on this unit (after ``since``), oldest first.
    """

    unit_id: str
    kind: FateKind
    into: str = ""
    events: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.kind.value} {self.into}" if self.into else self.kind.value

    @property
    def lands(self) -> bool:
        """Labels for this unit id can be stored on it (possibly to be re-coded)."""
        return self.kind not in (FateKind.MERGED_INTO, FateKind.UNKNOWN)


def unit_fate(db: Database, unit_id: str, *, since: str | None = None) -> UnitFate:
    """What curation did to ``unit_id``, optionally only after ``since``.

    Parameters
    ----------
    since
        ISO-8601 UTC time (as :func:`~desktop.core.store.db.utc_now` writes), e.g. when a
        coder package was made; steps before it are already in the package.

    Returns
    -------
    UnitFate
        MERGED_INTO when the unit is retired (whenever that happened), else SPLIT or
        MERGED when its text changed after ``since`` (the later of the two wins), else
        EXCLUDED when it is not coded now, else UNCHANGED; UNKNOWN for an id that this
        project never had.
    """
    unit = get_unit(db, unit_id)
    if unit is None:
        return UnitFate(unit_id, FateKind.UNKNOWN)
    events = tuple(c.event for c in cstore.unit_changes(db, unit_id, since=since))
    into = cstore.retired_into(db, unit_id)
    if into is not None:
        seen = {unit_id}
        while (further := cstore.retired_into(db, into)) is not None and into not in seen:
            seen.add(into)
            into = further
        return UnitFate(unit_id, FateKind.MERGED_INTO, into, events)
    text_events = [e for e in events if e in _TEXT_EVENTS]
    if text_events:
        return UnitFate(unit_id, FateKind(_TEXT_EVENTS[text_events[-1]]), "", events)
    article = get_article(db, unit.article_id)
    if unit.excluded or (article is not None and article.excluded):
        return UnitFate(unit_id, FateKind.EXCLUDED, "", events)
    return UnitFate(unit_id, FateKind.UNCHANGED, "", events)


def curation_log(db: Database) -> list[dict]:
    """The change-log entries of curation steps, oldest first (id, at, who, action, details)."""
    return [entry for entry in change_log(db) if entry["action"] in CURATION_ACTIONS]


def changes_after_coding(db: Database) -> list[dict]:
    """Curation steps that changed units after coding began, for the agreement report.

    Each entry is a change-log row (see :func:`curation_log`) made after the project's
    first label, or one that touched coded units.
    """
    first = cstore.first_label_time(db)
    if first is None:
        return []
    return [
        entry
        for entry in curation_log(db)
        if entry["action"] not in _NOT_UNIT_CHANGES
        and (entry["at"] > first or entry["details"].get("coded_units"))
    ]


def reconcile_package_labels(
    db: Database, labelled: Iterable[tuple[str, str]], *, since: str | None, who: str = ""
) -> list[tuple[str, str, UnitFate]]:
    """After labels from a coder package came in, make up for curation the package missed.

    Call it in the merge's transaction (it nests) with the ``(unit_id, coder)`` pairs the
    package labelled and the time the package was made. The labels have landed on their
    unit ids, which still exist; where a unit changed after ``since`` the coder is asked to
    code the unit holding the text again (needs_recoding), and labels that landed on a
    retired unit are kept in curation_labels of the unit it was merged into.

    Returns
    -------
    list of (unit_id, coder, UnitFate)
        Every pair whose unit is not unchanged, for the merge report (one line each).
    """
    with write_transaction(db):
        report = []
        for unit_id, coder in sorted(set(labelled)):
            fate = unit_fate(db, unit_id, since=since)
            if fate.kind is not FateKind.UNCHANGED:
                report.append((unit_id, coder, fate))
        moved = {FateKind.SPLIT, FateKind.MERGED, FateKind.MERGED_INTO}
        acting = [(u, c, f) for u, c, f in report if f.kind in moved]
        if not acting:
            return report
        log_change(
            db,
            CurationAction.RECONCILE_PACKAGE.value,
            who,
            {"units": [[u, c, str(f)] for u, c, f in acting], "since": since},
        )
        change_id = cstore.last_change_id(db)
        for unit_id, coder, fate in acting:
            target = fate.into or unit_id
            cstore.flag_needs_recoding(db, target, [coder])
            if fate.kind is FateKind.MERGED_INTO:
                source = get_unit(db, unit_id)
                cstore.snapshot_labels(db, change_id, target, source, coder)
    return report
