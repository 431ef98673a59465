"""What a curation step is called, what it returns, and when it must be confirmed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from desktop.core.errors import UsageError
from desktop.core.store import curation as cstore
from desktop.core.store.db import Database
from desktop.core.wording import plural

# The reason shown for a unit the lead excluded by hand (rules name themselves).
MANUAL_REASON = "excluded by hand"


class CurationAction(Enum):
    """The change-log action of each curation step."""

    MERGE_UNITS = "merge_units"
    SPLIT_UNIT = "split_unit"
    EXCLUDE_UNITS = "exclude_units"
    INCLUDE_UNITS = "include_units"
    EDIT_ARTICLE = "edit_article"
    EXCLUDE_ARTICLE = "exclude_article"
    INCLUDE_ARTICLE = "include_article"
    ADD_RULE = "add_rule"
    SET_RULES = "set_rules"
    REAPPLY_RULES = "reapply_rules"
    RECONCILE_PACKAGE = "reconcile_package"


CURATION_ACTIONS = frozenset(a.value for a in CurationAction)


@dataclass(frozen=True)
class CurationResult:
    """What one curation step changed, for the views to refresh from.

    Attributes
    ----------
    change_id
        The step's row in the change log; None when nothing needed changing.
    units
        Live units whose text, span or excluded state changed.
    new_units, retired_units
        Units a split created and units a merge retired.
    needs_recoding
        ``(unit_id, coder)`` pairs asked to code the unit again.
    kept_labels
        How many labels were kept in curation_labels for adjudication.
    """

    action: CurationAction
    change_id: int | None
    units: tuple[str, ...] = ()
    new_units: tuple[str, ...] = ()
    retired_units: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()
    needs_recoding: tuple[tuple[str, str], ...] = ()
    kept_labels: int = 0

    @property
    def changed(self) -> bool:
        return self.change_id is not None


class ConfirmationRequired(UsageError):
    """A step would change units that coders have already coded.

    ``coded`` is ``{unit_id: {coder: number of labels}}`` for the view's question.
    """

    def __init__(self, what: str, coded: Mapping[str, Mapping[str, int]]):
        self.coded = {unit: dict(by) for unit, by in coded.items()}
        self.summary = f"{what} would change {_describe(self.coded)}"
        super().__init__(f"{self.summary}; confirm to go ahead (no label is lost)")


def _describe(coded: Mapping[str, Mapping[str, int]], limit: int = 4) -> str:
    parts = []
    for unit, by in list(coded.items())[:limit]:
        total = sum(by.values())
        coders = ", ".join(f"{c} {n}" for c, n in sorted(by.items()))
        parts.append(f"unit {unit} ({total} label{'s' * (total != 1)}: {coders})")
    more = len(coded) - limit
    head = "coded " if len(coded) > 1 else "the coded "
    return (
        head
        + "; ".join(parts)
        + (f" and {more} more coded {plural(more, 'unit')}" if more > 0 else "")
    )


def require_confirmation(db: Database, what: str, unit_ids, confirm: bool) -> dict:
    """Raise :class:`ConfirmationRequired` if any unit is coded and ``confirm`` is False.

    Returns the label counts of the coded units (empty when none is coded).
    """
    coded = cstore.label_counts(db, unit_ids)
    if coded and not confirm:
        raise ConfirmationRequired(what, coded)
    return coded


def unknown_unit(unit_id: str) -> UsageError:
    return UsageError(f"no unit {unit_id} in this project")
