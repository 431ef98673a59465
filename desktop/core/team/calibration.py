"""Calibration against gold, without breaking blindness.

The lead places gold units (every dimension decided) into coders' queues as a round of
kind ``gold``: each coder gets units they were never assigned and never labelled, at
their places in project order among the rest of their work. Once a coder's own label on
such a unit is final (every dimension labelled), the coder sees their own agreement with
gold per dimension and the gold value with its rationale. Every function that answers a
coder reads that coder's labels and the gold labels only: never another coder's label.

Gold calibration codings are not independent once feedback is shown, so the agreement
figures leave them out (:func:`drop_calibration_labels`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktop.core.errors import UsageError
from desktop.core.store import team as team_store
from desktop.core.store.db import Database, current_scheme, log_change, write_transaction
from desktop.core.store.labels import unit_labels
from desktop.core.wording import counted

if TYPE_CHECKING:  # the feedback path in the coding window needs no pandas
    import pandas as pd

GOLD_KIND = "gold"


@dataclass(frozen=True)
class DimensionScore:
    """Agreement with gold on one dimension: ``agree`` of ``units`` final calibration units."""

    dimension: str
    units: int
    agree: int

    @property
    def accuracy(self) -> float:
        """Share of units on which the coder's value equals gold (``nan`` without units)."""
        return self.agree / self.units if self.units else float("nan")


@dataclass(frozen=True)
class GoldValue:
    """The gold value of a dimension and the coder's own value, for feedback."""

    dimension: str
    gold: str
    own: str
    rationale: str

    @property
    def agrees(self) -> bool:
        return self.gold == self.own


@dataclass(frozen=True)
class CoderFeedback:
    """What a coder may see: their own scores, and gold on their final calibration units."""

    coder: str
    scores: tuple[DimensionScore, ...]
    units: dict[str, tuple[GoldValue, ...]]

    def summary(self) -> str:
        """One line for a status bar, e.g. ``Gold check: stance 3/4, china_role 4/4``."""
        done = [s for s in self.scores if s.units]
        if not done:
            return ""
        return "Gold check: " + ", ".join(f"{s.dimension} {s.agree}/{s.units}" for s in done)


def place_gold_calibration(
    db: Database, coders: Sequence[str], size: int, *, seed: int | None = None, who: str = ""
) -> str:
    """Put ``size`` gold units into each coder's queue, hidden among their other units.

    A gold unit has a gold label on every dimension of the scheme (adjudicated or set by
    hand). Each coder gets units drawn at random (seeded) from the gold units they were
    never assigned and never labelled.

    Returns
    -------
    str
        The id of the new round (kind ``gold``).

    Raises
    ------
    UsageError
        If a coder is unknown or has fewer than ``size`` gold units left to code.
    """
    import numpy as np

    from desktop.core.team.assign import known_coders, seed_or_random

    coders = known_coders(db, coders)
    size = int(size)
    if size < 1:
        raise UsageError(f"--size must be at least 1, not {size}")
    seed = seed_or_random(seed)
    rng = np.random.default_rng(seed)
    with write_transaction(db):
        gold = team_store.fully_gold_units(db, current_scheme(db).dimension_ids)
        pairs = []
        for coder in coders:
            touched = team_store.coder_touched_units(db, coder)
            free = [u for u in gold if u not in touched]
            if len(free) < size:
                raise UsageError(
                    f"coder {coder} has {counted(len(free), 'gold unit')} left to code, fewer than "
                    f"{size} (decide more gold first: stancecoder adjudicate)"
                )
            drawn = rng.choice(np.array(free), size, replace=False).tolist()
            pairs += [(unit, coder) for unit in drawn]
        round_id = team_store.next_round_id(db, GOLD_KIND)
        details = {"coders": coders, "units_per_coder": size}
        team_store.insert_round(db, round_id, GOLD_KIND, seed, who, details)
        team_store.insert_assignments(
            db, round_id, [(str(u), c) for u, c in pairs], reliability=False
        )
        log_change(db, "assign", who, {"round": round_id, **details, "seed": seed})
    return round_id


def _final_units(
    db: Database, coder: str, dimensions: Sequence[str] | None = None
) -> list[tuple[str, dict[str, str], dict[str, dict]]]:
    """``(unit_id, own labels, gold rows)`` of the coder's final calibration units.

    Reads the coder's own labels and the gold labels, nothing else; cheap when the coder
    has no calibration units (one indexed query, no scheme parsed), so the window can call
    it per change.
    """
    assigned = team_store.kind_assignments(db, GOLD_KIND, coder)
    if not assigned:
        return []
    dimensions = dimensions or current_scheme(db).dimension_ids
    final = []
    for unit, _ in assigned:
        own = unit_labels(db, unit, coder)
        if not all(d in own for d in dimensions):
            continue
        gold = {d: team_store.get_gold(db, unit, d) for d in dimensions}
        final.append((unit, own, {d: g for d, g in gold.items() if g is not None}))
    return final


def coder_feedback(
    db: Database, coder: str, dimensions: Sequence[str] | None = None
) -> CoderFeedback:
    """The coder's own agreement with gold per dimension, and gold on their final units.

    Reads only ``coder``'s labels and the gold labels, so it is safe to show the coder.
    ``dimensions`` (the scheme's dimension ids) saves parsing the scheme on every call;
    a coder without calibration units gets empty feedback from one indexed query.
    """
    final = _final_units(db, coder, dimensions)
    if not final:
        return CoderFeedback(coder, (), {})
    units = {
        unit: tuple(GoldValue(d, g["value"], own[d], g["rationale"]) for d, g in gold.items())
        for unit, own, gold in final
    }
    scores = tuple(
        DimensionScore(
            d,
            sum(1 for values in units.values() for v in values if v.dimension == d),
            sum(1 for values in units.values() for v in values if v.dimension == d and v.agrees),
        )
        for d in dimensions or current_scheme(db).dimension_ids
    )
    return CoderFeedback(coder, scores, units)


def calibration_frame(db: Database) -> pd.DataFrame:
    """Every final calibration coding against gold, for the lead.

    Returns
    -------
    DataFrame
        Columns ``coder, unit_id, dimension, value, gold, changed_at, agrees``.
    """
    import pandas as pd

    columns = ["coder", "unit_id", "dimension", "value", "gold", "changed_at"]
    rows = []
    for coder in sorted({c for _, c in team_store.kind_assignments(db, GOLD_KIND)}):
        for unit, own, gold in _final_units(db, coder):
            times = team_store.label_times(db, unit, coder)
            for d, g in gold.items():
                rows.append((coder, unit, d, own[d], g["value"], times.get(d, "")))
    frame = pd.DataFrame.from_records(rows, columns=columns)
    frame["agrees"] = frame["value"] == frame["gold"]
    return frame


def accuracy_table(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Units, agreements with gold and accuracy grouped by ``by`` (columns of ``frame``).

    ``by`` may name ``month`` (the UTC month of the coder's label) besides the columns of
    :func:`calibration_frame`; group by ``gold`` for accuracy per gold category.
    """
    frame = frame.assign(month=frame["changed_at"].astype(str).str[:7])
    grouped = frame.groupby(list(by), sort=True)["agrees"]
    table = grouped.agg(units="size", agree="sum").reset_index()
    table["agree"] = table["agree"].astype(int)
    table["accuracy"] = table["agree"] / table["units"]
    return table


def drop_calibration_labels(db: Database, labels: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """``labels`` without the codings of gold calibration units (not independent codings).

    Returns
    -------
    tuple
        The remaining labels, and the note for the report ("" when no gold units were
        placed): the number of (unit, coder) codings left out and of units they are on.
    """
    import pandas as pd

    pairs = team_store.kind_assignments(db, GOLD_KIND)
    if not pairs:
        return labels, ""
    placed = pd.MultiIndex.from_tuples(pairs)
    keys = pd.MultiIndex.from_arrays([labels["unit_id"], labels["coder"]])
    hit = keys.isin(placed)
    codings = labels[hit][["unit_id", "coder"]].drop_duplicates()
    kept = labels[~hit].reset_index(drop=True)
    note = (
        "Gold calibration codings are excluded from the reliability estimates: "
        f"{counted(len(codings), 'coding')} of "
        f"{counted(codings['unit_id'].nunique(), 'gold unit')} placed "
        "in coders' queues are left out, because coders see gold feedback on them and they "
        "are not independent codings."
    )
    return kept, note


def lead_summary(db: Database) -> list[dict]:
    """Per coder and dimension: final calibration units, agreements with gold, accuracy."""
    table = accuracy_table(calibration_frame(db), ["coder", "dimension"])
    return [
        {
            "coder": r.coder,
            "dimension": r.dimension,
            "units": int(r.units),
            "agree": int(r.agree),
            "accuracy": float(r.accuracy),
        }
        for r in table.itertuples()
    ]
