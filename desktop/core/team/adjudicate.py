"""Adjudication: where coders disagree, the lead's gold value, bulk acceptance of agreement.

Functions a view calls: :func:`list_disagreements` gives each disputed unit and
dimension with every coder's value, note and unsure flag; :func:`set_gold` records the
lead's decision; :func:`accept_agreed` turns unanimous (or majority) values into gold.
Comparison of coders in the coding window stays locked until :func:`unlock_comparison`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from itertools import groupby

from desktop.core.errors import UsageError
from desktop.core.store import team as team_store
from desktop.core.store.corpus import get_unit
from desktop.core.store.db import Database, current_scheme, log_change, write_transaction
from desktop.core.store.team import GoldChange, SettingChange
from desktop.core.team.calibration import GOLD_KIND


class GoldMethod(Enum):
    """How a gold value was decided."""

    ADJUDICATED = "adjudicated"
    UNANIMOUS = "unanimous"
    MAJORITY = "majority"


@dataclass(frozen=True)
class CoderValue:
    """One coder's label on a unit and dimension, with the coder's note and unsure flag."""

    coder: str
    value: str
    note: str
    unsure: bool


@dataclass(frozen=True)
class CodedUnit:
    """Every coder's value on one unit and dimension, and the gold value if decided."""

    unit_id: str
    seq: int
    article_id: str
    paragraph: int
    text: str
    dimension: str
    values: tuple[CoderValue, ...]
    gold: str | None

    @property
    def agreed(self) -> bool:
        """Whether every coder chose the same value."""
        return len({v.value for v in self.values}) == 1

    def majority(self) -> str | None:
        """The value more than half of the coders chose, or None."""
        (value, n), *_ = Counter(v.value for v in self.values).most_common(1)
        return value if n * 2 > len(self.values) else None


@dataclass(frozen=True)
class AcceptSummary:
    """What :func:`accept_agreed` decided."""

    rule: str
    accepted: int
    already_decided: int
    undecided: int
    changes: tuple[GoldChange, ...] = ()


def coded_units(
    db: Database,
    *,
    dimensions: Sequence[str] | None = None,
    coders: Sequence[str] | None = None,
    min_coders: int = 2,
) -> Iterator[CodedUnit]:
    """Units and dimensions coded by at least ``min_coders`` coders, in project order.

    Gold calibration codings (a coder's labels on a gold unit placed in their queue) are
    left out: they test the coder against a decided value and are not independent codings
    once feedback is shown (the agreement figures leave them out too).
    """
    scheme = current_scheme(db)
    dimensions = list(dimensions or scheme.dimension_ids)
    order = {d: i for i, d in enumerate(scheme.dimension_ids)}
    gold = team_store.gold_values(db)
    wanted = set(coders) if coders is not None else None
    calibration = set(team_store.kind_assignments(db, GOLD_KIND))
    rows = [
        r
        for r in team_store.coded_values(db, dimensions)
        if (wanted is None or r.coder in wanted) and (r.unit_id, r.coder) not in calibration
    ]
    rows.sort(key=lambda r: (r.seq, order.get(r.dimension, len(order)), r.coder))
    for (unit_id, seq, article_id, paragraph, text, dimension), group in groupby(
        rows, key=lambda r: r[:6]
    ):
        values = tuple(CoderValue(r.coder, r.value, r.note, bool(r.unsure)) for r in group)
        if len(values) >= min_coders:
            yield CodedUnit(
                unit_id,
                seq,
                article_id,
                paragraph,
                text,
                dimension,
                values,
                gold.get((unit_id, dimension)),
            )


def list_disagreements(
    db: Database,
    *,
    dimensions: Sequence[str] | None = None,
    coders: Sequence[str] | None = None,
    undecided_only: bool = False,
) -> list[CodedUnit]:
    """Every unit and dimension where coders chose different values.

    Parameters
    ----------
    dimensions, coders
        Restrict to these (default: the scheme's dimensions, every coder).
    undecided_only
        Leave out those that already have a gold value.

    Returns
    -------
    list of CodedUnit
        In project order, dimensions in scheme order; coders' values sorted by coder.
        The sentence's context comes from ``store.coding_queries.context_units``.
    """
    return [
        u
        for u in coded_units(db, dimensions=dimensions, coders=coders)
        if not u.agreed and not (undecided_only and u.gold is not None)
    ]


def _check_code(db: Database, unit_id: str, dimension: str, value: str | None) -> None:
    scheme = current_scheme(db)
    if get_unit(db, unit_id) is None:
        raise UsageError(f"no unit '{unit_id}' in the project")
    try:
        codes = scheme.dimension(dimension).codes
    except KeyError:
        raise UsageError(
            f"no dimension '{dimension}' in the scheme ({', '.join(scheme.dimension_ids)})"
        ) from None
    if value is not None and value not in codes:
        raise UsageError(f"'{value}' is not a code of {dimension} ({', '.join(codes)})")


def set_gold(
    db: Database,
    unit_id: str,
    dimension: str,
    value: str | None,
    adjudicator: str,
    rationale: str = "",
) -> GoldChange:
    """Record the adjudicated gold value of a unit on a dimension (None withdraws it).

    Raises
    ------
    UsageError
        For an unknown unit, dimension or code, or without an adjudicator.
    """
    if not adjudicator.strip():
        raise UsageError("say who adjudicates (--who)")
    _check_code(db, unit_id, dimension, value)
    with write_transaction(db):
        return team_store.write_gold(
            db, unit_id, dimension, value, GoldMethod.ADJUDICATED.value, adjudicator, rationale
        )


def accept_agreed(
    db: Database,
    adjudicator: str,
    *,
    rule: str | GoldMethod = GoldMethod.UNANIMOUS,
    dimensions: Sequence[str] | None = None,
    min_coders: int = 2,
) -> AcceptSummary:
    """Turn agreed values into gold where no gold value exists yet, in one transaction.

    Parameters
    ----------
    rule
        ``"unanimous"``: every coder chose the value; ``"majority"``: more than half did
        (unanimous units are accepted too).
    min_coders
        Units coded by fewer coders are left alone.

    Returns
    -------
    AcceptSummary
        ``accepted`` new gold values, ``already_decided`` left as they were, and
        ``undecided`` units the rule could not settle.
    """
    method = GoldMethod(rule)
    if method is GoldMethod.ADJUDICATED:
        raise UsageError("accept by 'unanimous' or 'majority'")
    if not adjudicator.strip():
        raise UsageError("say who adjudicates (--who)")
    changes, decided, undecided = [], 0, 0
    with write_transaction(db):
        for unit in coded_units(db, dimensions=dimensions, min_coders=min_coders):
            if unit.gold is not None:
                decided += 1
                continue
            value = unit.values[0].value if unit.agreed else None
            if value is None and method is GoldMethod.MAJORITY:
                value = unit.majority()
            if value is None:
                undecided += 1
                continue
            used = GoldMethod.UNANIMOUS if unit.agreed else GoldMethod.MAJORITY
            changes.append(
                team_store.write_gold(
                    db, unit.unit_id, unit.dimension, value, used.value, adjudicator
                )
            )
    return AcceptSummary(method.value, len(changes), decided, undecided, tuple(changes))


def unlock_comparison(db: Database, who: str) -> SettingChange:
    """Let the coding window show other coders' values; only the lead may do this.

    Raises
    ------
    UsageError
        When no lead is marked or ``who`` is not the lead.
    """
    lead = team_store.lead(db)
    if lead is None:
        raise UsageError("no lead is marked (stancecoder coders PROJECT --lead NAME)")
    if who != lead:
        raise UsageError(f"only the lead ({lead}) can unlock comparison")
    with write_transaction(db):
        change = team_store.set_comparison_unlocked(db, True, who)
        log_change(db, "unlock_comparison", who, {})
    return change


def comparison_unlocked(db: Database) -> bool:
    """Whether coders may be compared in the coding window (False: blind coding)."""
    return team_store.comparison_unlocked(db)
