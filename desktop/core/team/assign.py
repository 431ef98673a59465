"""Who codes what: reliability samples, calibration batches, the split of the rest, progress.

Every draw is seeded (``numpy.random.default_rng(seed)``) and stored as a round with its
seed, so the same project and seed give the same assignments on any machine. Draws are
stratified by article: each article contributes in proportion to its codable units, and
at least one unit when the draw is large enough.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import numpy as np

from desktop.core.errors import UsageError
from desktop.core.store import team as team_store
from desktop.core.store.corpus import reliability_unit_ids
from desktop.core.store.db import Database, current_scheme, log_change, write_transaction
from desktop.core.store.labels import labels_frame
from desktop.core.wording import plural

if TYPE_CHECKING:  # pandas loads on first use, not with the coding window
    import pandas as pd

DEFAULT_SHARE = 0.2


class RoundKind(Enum):
    """What a round of assignments is for."""

    RELIABILITY = "reliability"
    CALIBRATION = "calibration"
    SPLIT = "split"


@dataclass(frozen=True)
class ProgressRow:
    """One coder's progress in one round: units assigned and units fully coded."""

    coder: str
    round_id: str
    kind: str
    assigned: int
    coded: int


def allocate(sizes: Sequence[int], n: int) -> list[int]:
    """Split ``n`` draws among strata of ``sizes`` in proportion (largest remainders).

    Every stratum gets at least one draw when ``n`` is at least the number of non-empty
    strata, and never more than its size.

    Parameters
    ----------
    sizes : sequence of int, shape (A,)
        Units available in each stratum.
    n : int
        Total draws, ``0 <= n <= sum(sizes)``.

    Returns
    -------
    list of int, shape (A,)
        Draws per stratum, summing to ``n``.

    Examples
    --------
    >>> allocate([25, 44], 14)
    [5, 9]
    >>> allocate([1, 100], 5)
    [1, 4]
    """
    total = sum(sizes)
    if not 0 <= n <= total:
        raise UsageError(f"cannot draw {n} of {total} units")
    quotas = [n * s / total if total else 0.0 for s in sizes]
    floor_one = n >= sum(1 for s in sizes if s > 0)
    counts = [
        min(s, max(int(q), 1 if floor_one and s > 0 else 0))
        for s, q in zip(sizes, quotas, strict=True)
    ]
    while sum(counts) > n:  # the minimum of one pushed us over: take from the most over quota
        i = max((i for i, c in enumerate(counts) if c > 1), key=lambda i: counts[i] - quotas[i])
        counts[i] -= 1
    while sum(counts) < n:  # hand out the rest by largest remainder, first article first
        i = max(
            (i for i, c in enumerate(counts) if c < sizes[i]),
            key=lambda i: (quotas[i] - counts[i], -i),
        )
        counts[i] += 1
    return counts


def _by_article(units: list[tuple[str, int, str]]) -> list[list[str]]:
    """Unit ids grouped by article, articles in project order, units in seq order."""
    groups: dict[str, list[str]] = {}
    for unit_id, _, article_id in units:
        groups.setdefault(article_id, []).append(unit_id)
    return list(groups.values())


def _stratified(units: list[tuple[str, int, str]], n: int, rng: np.random.Generator) -> list[str]:
    """Draw ``n`` unit ids stratified by article, returned in project order."""
    groups = _by_article(units)
    chosen: set[str] = set()
    for group, take in zip(groups, allocate([len(g) for g in groups], n), strict=True):
        if take:
            chosen.update(rng.choice(np.array(group), size=take, replace=False).tolist())
    return [unit_id for unit_id, _, _ in units if unit_id in chosen]


def known_coders(db: Database, coders: Sequence[str]) -> list[str]:
    """``coders`` stripped and without repeats, each registered in the project.

    Raises
    ------
    UsageError
        When none is named or one is not registered.
    """
    coders = list(dict.fromkeys(c.strip() for c in coders if c.strip()))
    if not coders:
        raise UsageError("name at least one coder")
    unknown = team_store.unknown_coders(db, coders)
    if unknown:
        raise UsageError(
            f"unknown {plural(len(unknown), 'coder')} {', '.join(unknown)} (register them first: "
            "stancecoder coders PROJECT --add NAME)"
        )
    return coders


def seed_or_random(seed: int | None) -> int:
    """``seed`` as an int, or a fresh random seed when it is None."""
    return secrets.randbelow(2**31) if seed is None else int(seed)


def draw_reliability_sample(
    db: Database,
    coders: Sequence[str],
    *,
    share: float | None = None,
    count: int | None = None,
    k: int | None = None,
    seed: int | None = None,
    who: str = "",
) -> str:
    """Draw the reliability sample from units nobody is assigned yet, and assign it.

    Parameters
    ----------
    coders
        Registered coder ids who code the sample.
    share, count
        Size of the sample as a share of the unassigned codable units (default 0.2) or
        as a number of units; not both.
    k
        Coders per unit (default: all of ``coders``). Units are dealt to coders in
        rotation so that each coder gets the same number of units, give or take one.
    seed
        Makes the draw reproducible; drawn at random (and stored) when None.

    Returns
    -------
    str
        The id of the new round.
    """
    team_store.require_lead(db, who, "draw a reliability sample")
    coders = known_coders(db, coders)
    if share is not None and count is not None:
        raise UsageError("give either a share or a count of units, not both")
    k = len(coders) if k is None else int(k)
    if not 2 <= k <= len(coders):
        raise UsageError(f"k must be between 2 and the number of coders ({len(coders)}), not {k}")
    seed = seed_or_random(seed)
    with write_transaction(db):
        units = team_store.codable_units(db, unassigned_only=True)
        if count is None:
            share = DEFAULT_SHARE if share is None else float(share)
            if not 0 < share <= 1:
                raise UsageError(f"the share must be between 0 and 1, not {share}")
            count = max(1, round(share * len(units))) if units else 0
        if not 0 < count <= len(units):
            raise UsageError(f"cannot draw {count} units: {len(units)} units are unassigned")
        sample = _stratified(units, count, np.random.default_rng(seed))
        pairs = [
            (unit_id, coders[(i * k + j) % len(coders)])
            for i, unit_id in enumerate(sample)
            for j in range(k)
        ]
        round_id = team_store.next_round_id(db, RoundKind.RELIABILITY.value)
        details = {"coders": coders, "k": k, "units": len(sample), "share": share}
        team_store.insert_round(db, round_id, RoundKind.RELIABILITY.value, seed, who, details)
        team_store.insert_assignments(db, round_id, pairs, reliability=True)
        log_change(db, "assign", who, {"round": round_id, **details, "seed": seed})
    return round_id


def draw_calibration_batch(
    db: Database, coders: Sequence[str], size: int, *, seed: int | None = None, who: str = ""
) -> str:
    """Draw a training batch of ``size`` unassigned units, stratified, coded by all ``coders``.

    Returns
    -------
    str
        The id of the new round; compare its agreement with :func:`round_labels`.
    """
    team_store.require_lead(db, who, "draw a calibration batch")
    coders = known_coders(db, coders)
    seed = seed_or_random(seed)
    with write_transaction(db):
        units = team_store.codable_units(db, unassigned_only=True)
        if not 0 < size <= len(units):
            raise UsageError(f"cannot draw {size} units: {len(units)} units are unassigned")
        batch = _stratified(units, int(size), np.random.default_rng(seed))
        round_id = team_store.next_round_id(db, RoundKind.CALIBRATION.value)
        details = {"coders": coders, "units": len(batch)}
        team_store.insert_round(db, round_id, RoundKind.CALIBRATION.value, seed, who, details)
        team_store.insert_assignments(
            db, round_id, [(u, c) for u in batch for c in coders], reliability=False
        )
        log_change(db, "assign", who, {"round": round_id, **details, "seed": seed})
    return round_id


def split_remaining(
    db: Database,
    coders: Sequence[str],
    *,
    overlap: float = 0.0,
    min_coders: int = 2,
    seed: int | None = None,
    who: str = "",
) -> str:
    """Split every unassigned codable unit among ``coders``, with a hidden overlap.

    Units are shuffled within each article and dealt in turn, the turn carrying over from
    one article to the next: totals differ by at most one and each article is shared
    evenly. A share ``overlap`` of the units, drawn at random stratified by article, is
    dealt to ``min_coders`` coders each (the next ones in turn) instead of one: these
    units fall at random positions in each coder's queue, are assigned in the same round,
    at the same time and with the same flags as the others, so nothing a coder sees tells
    them apart. The lead finds them with :func:`overlap_unit_ids`.

    Parameters
    ----------
    overlap
        Share of the units coded by several coders, ``0 <= overlap <= 1``.
    min_coders
        Coders per overlap unit, ``2 <= min_coders <= len(coders)``.

    Returns
    -------
    str
        The id of the new round.
    """
    team_store.require_lead(db, who, "split the remaining units")
    coders = known_coders(db, coders)
    overlap = float(overlap)
    if not 0 <= overlap <= 1:
        raise UsageError(f"the overlap must be between 0 and 1, not {overlap:g}")
    if overlap and not 2 <= int(min_coders) <= len(coders):
        raise UsageError(
            f"--min-coders must be between 2 and the number of coders ({len(coders)}), "
            f"not {min_coders}"
        )
    seed = seed_or_random(seed)
    rng = np.random.default_rng(seed)
    with write_transaction(db):
        units = team_store.codable_units(db, unassigned_only=True)
        if not units:
            raise UsageError("every unit is already assigned")
        shared = set(_stratified(units, round(overlap * len(units)), rng) if overlap else ())
        order = list(rng.permutation(len(coders)))  # who is dealt the first unit
        pairs, turn = [], 0
        for group in _by_article(units):
            for unit_id in rng.permutation(np.array(group)).tolist():
                for _ in range(int(min_coders) if unit_id in shared else 1):
                    pairs.append((unit_id, coders[order[turn % len(coders)]]))
                    turn += 1
        round_id = team_store.next_round_id(db, RoundKind.SPLIT.value)
        details = {"coders": coders, "units": len(units)}
        if shared:
            details.update(overlap=overlap, min_coders=int(min_coders), overlap_units=len(shared))
        team_store.insert_round(db, round_id, RoundKind.SPLIT.value, seed, who, details)
        team_store.insert_assignments(db, round_id, pairs, reliability=False)
        log_change(db, "assign", who, {"round": round_id, **details, "seed": seed})
    return round_id


def overlap_unit_ids(db: Database) -> dict[str, str]:
    """The overlap units of the split rounds, with their round: ``{unit_id: round_id}``.

    An overlap unit is one a split round assigned to two coders or more. Only the lead's
    project can tell: a coder's package holds that coder's assignments alone.
    """
    return dict(team_store.shared_split_units(db, RoundKind.SPLIT.value))


UNIT_SELECTIONS = ("sample", "overlap", "both", "all")


def agreement_units(db: Database, which: str, *, name: str = "the project") -> set[str] | None:
    """The units an agreement report covers: ``which`` of :data:`UNIT_SELECTIONS`.

    ``sample`` is the reliability sample, ``overlap`` the hidden overlap of the split
    rounds, ``both`` their union, and ``all`` (``None``: no restriction) every unit.

    Raises
    ------
    UsageError
        If ``which`` is unknown or names units the project does not have.
    """
    if which not in UNIT_SELECTIONS:
        raise UsageError(f"--units must be one of {', '.join(UNIT_SELECTIONS)}, not {which!r}")
    if which == "all":
        return None
    units: set[str] = set()
    if which in ("sample", "both"):
        units |= set(reliability_unit_ids(db))
    if which in ("overlap", "both"):
        units |= set(overlap_unit_ids(db))
    if not units:
        missing = {
            "sample": "no reliability sample (draw one first)",
            "overlap": "no overlap units (split with --overlap first)",
            "both": "neither a reliability sample nor overlap units",
        }[which]
        raise UsageError(f"{name} has {missing}")
    return units


def progress(db: Database) -> list[ProgressRow]:
    """Units assigned and fully coded (every dimension of the scheme) per coder and round."""
    dimensions = current_scheme(db).dimension_ids
    return [ProgressRow(*row) for row in team_store.progress_rows(db, dimensions)]


def round_labels(db: Database, round_id: str) -> pd.DataFrame:
    """The labels of a round's coders on the round's units (for its agreement).

    Returns
    -------
    DataFrame
        As :func:`desktop.core.store.labels_frame`.
    """
    pairs = team_store.round_assignments(db, round_id)
    if not pairs:
        raise UsageError(f"no round '{round_id}'")
    units = {u for u, _ in pairs}
    frame = labels_frame(db, coders=sorted({c for _, c in pairs}))
    return frame[frame["unit_id"].isin(units)].reset_index(drop=True)
