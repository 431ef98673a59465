"""How many doubly-coded units a dimension needs before alpha is known well enough.

Two answers, per dimension:

Krippendorff's planning rule
    Krippendorff (2019, *Content Analysis*, 4th ed., section 12.4, after Bloch & Kraemer,
    1989, eq. 3.7): the minimum number of units for the smallest acceptable alpha
    ``alpha_min`` at significance level ``p``, given the share ``p_c`` of the least
    frequent category::

        N = m z^2 ((1 + a)(3 - a) / (4 (1 - a) p_c (1 - p_c)) - a),   z = z_(1-p)

    with ``m = 2`` coders in his table (ATLAS.ti's manual, which reproduces the table,
    reads more coders as ``m`` times ``z^2``). Four equally frequent categories at
    p = .05 need 139 units for .800 and 81 for .667.
From the data coded so far
    The same bootstrap as the report (:mod:`desktop.core.agreement.bootstrap`): for a
    candidate number of pairable units ``M``, draw samples of ``M`` units from the
    observed ones; the percentile interval of a sample of ``M`` units reaches down by
    the spread of those draws (median minus their lower percentile), so its lower bound
    clears the target in the share of draws where ``alpha_M - spread >= target``. The
    planner finds the smallest ``M`` where that share reaches :data:`POWER` (80%). When
    the point estimate is at or below the target, no number of units will do: more
    units only narrow the interval around the estimate.

Units are treated as independent here; when articles are resampled for the report,
its interval is wider, so read the figure as a lower bound on what is needed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from statistics import NormalDist

import numpy as np
import pandas as pd

from desktop.core.agreement.alpha import (
    alpha_from_coincidences,
    coincidence_matrix,
    row_sums,
    unit_coincidences,
)
from desktop.core.agreement.bootstrap import count_patterns
from desktop.core.agreement.compute import DEFAULT_SEED, level_counts
from desktop.core.agreement.labels import prepare_labels
from desktop.core.scheme import Scheme

TARGET = 0.800
LOWER = 0.667
CONFIDENCE = 0.95
POWER = 0.80
RESAMPLES = 400
MAX_UNITS = 1_000_000


class PlanStatus(StrEnum):
    """What the data coded so far say about a dimension's sample size."""

    ENOUGH = "enough"
    MORE = "more"
    CANNOT = "cannot"
    NO_DATA = "no data"


@dataclass(frozen=True)
class DimensionPlan:
    """The planner's answer for one dimension.

    Attributes
    ----------
    units
        Pairable units coded so far (two or more values at the dimension's level).
    alpha
        Alpha of those units (``nan`` when undefined).
    smallest_share, smallest_category
        ``p_c`` and the category it belongs to (equal shares when nothing is coded yet).
    coders
        ``m`` of Krippendorff's rule: the mean number of values per pairable unit (2 at
        least).
    rule_target, rule_lower
        Krippendorff's minimum number of units for ``alpha_min`` = target and = lower.
    needed_target, needed_lower
        Pairable units needed in all, from the data, for the lower bound of the interval
        to clear the target (and the lower threshold) in 80% of samples; ``None`` when it
        cannot happen or there are no data.
    status, reason
        :class:`PlanStatus` for the target, and the sentence that explains it.
    """

    dimension: str
    level: str
    units: int
    alpha: float
    smallest_share: float
    smallest_category: str
    coders: int
    rule_target: int | None
    rule_lower: int | None
    needed_target: int | None
    needed_lower: int | None
    status: PlanStatus
    reason: str
    target: float = TARGET

    @property
    def more_needed(self) -> int | None:
        """Further pairable units needed for the target (0 when enough)."""
        if self.needed_target is None:
            return None
        return max(0, self.needed_target - self.units)

    def to_json_dict(self) -> dict:
        """JSON-ready values (``nan`` as ``None``)."""
        alpha = None if math.isnan(self.alpha) else self.alpha
        return {
            "dimension": self.dimension,
            "level": self.level,
            "units": self.units,
            "alpha": alpha,
            "smallest_share": self.smallest_share,
            "smallest_category": self.smallest_category,
            "coders": self.coders,
            "krippendorff_rule_target": self.rule_target,
            "krippendorff_rule_lower": self.rule_lower,
            "needed_target": self.needed_target,
            "needed_lower": self.needed_lower,
            "more_needed": self.more_needed,
            "status": self.status.value,
            "reason": self.reason,
        }


def krippendorff_minimum_units(
    alpha_min: float, smallest_share: float, significance: float = 0.05, coders: int = 2
) -> int | None:
    """Krippendorff's (2019) minimum number of units (see the module docstring).

    Parameters
    ----------
    alpha_min : float
        The smallest acceptable alpha, in (0, 1).
    smallest_share : float
        ``p_c``, the share of the least frequent category, in (0, 1).
    significance : float
        ``p``, the one-sided level (0.05 for a 95% interval).
    coders : int
        ``m``; Krippendorff's table is for two.

    Returns
    -------
    int or None
        Units, rounded up; None when ``p_c`` is 0 or 1 (no second category).
    """
    if not 0 < smallest_share < 1:
        return None
    if not 0 < alpha_min < 1:
        raise ValueError(f"alpha_min must be between 0 and 1, not {alpha_min}")
    z = NormalDist().inv_cdf(1.0 - significance)
    a, p = alpha_min, smallest_share
    core = (1 + a) * (3 - a) / (4 * (1 - a) * p * (1 - p)) - a
    # Round before the ceiling so that float noise (138.000000001) does not add a unit.
    return math.ceil(round(coders * z * z * core, 9))


def _lower_bound_power(
    flat: np.ndarray,
    p: np.ndarray,
    m: int,
    n: int,
    level: str,
    values: np.ndarray,
    target: float,
    confidence: float,
    rng: np.random.Generator,
    resamples: int,
) -> float:
    """Share of future samples of ``m`` units whose interval's lower bound clears.

    Two stages, so that the uncertainty of the data coded so far counts too: each
    future sample is drawn from a bootstrap copy of the coded units (``n`` of them,
    the pattern frequencies ``p * n``). The interval of a sample of ``m`` units reaches
    below its alpha by the spread of one-stage samples of ``m`` units.
    """
    k = values.size
    one_stage = rng.multinomial(m, p, size=resamples).astype(float)
    alphas = alpha_from_coincidences((one_stage @ flat).reshape(resamples, k, k), level, values)
    alphas = alphas[~np.isnan(alphas)]
    if alphas.size < resamples // 2:
        return 0.0
    tail = (1.0 - confidence) / 2.0
    spread = float(np.median(alphas) - np.quantile(alphas, tail))
    copies = rng.multinomial(n, p, size=resamples) / n
    future = rng.multinomial(m, copies).astype(float)
    predicted = alpha_from_coincidences((future @ flat).reshape(resamples, k, k), level, values)
    predicted = np.where(np.isnan(predicted), -np.inf, predicted)
    return float(np.mean(predicted - spread >= target))


def units_needed(
    counts: np.ndarray,
    level: str,
    values: np.ndarray,
    target: float,
    *,
    confidence: float = CONFIDENCE,
    rng: np.random.Generator,
    power: float = POWER,
    resamples: int = RESAMPLES,
) -> int | None:
    """Pairable units needed in all for the interval's lower bound to clear ``target``.

    Parameters
    ----------
    counts : ndarray of int, shape (N, K)
        Value counts of the units coded so far; units with fewer than two are ignored.
    level, values
        As for :func:`~desktop.core.agreement.alpha.alpha_from_coincidences`.
    target : float
    confidence : float
        Of the interval whose lower bound must clear.
    rng : numpy.random.Generator
    power : float
        Share of samples in which it must clear.

    Returns
    -------
    int or None
        None when alpha is undefined or at or below ``target`` (it cannot happen), or
        when more than :data:`MAX_UNITS` would be needed.
    """
    counts = np.asarray(counts, dtype=np.int64)
    counts = counts[row_sums(counts) >= 2]
    n = counts.shape[0]
    if n == 0:
        return None
    alpha = alpha_from_coincidences(coincidence_matrix(counts), level, values)
    if math.isnan(alpha) or alpha <= target:
        return None
    patterns, frequency, _ = count_patterns(counts)
    k = counts.shape[1]
    flat = unit_coincidences(patterns).reshape(len(patterns), k * k)
    p = frequency / n

    def clears(m: int) -> bool:
        power_m = _lower_bound_power(
            flat, p, m, n, level, values, target, confidence, rng, resamples
        )
        return power_m >= power

    if clears(n):
        return n
    low, high = n, max(2 * n, 10)
    while not clears(high):
        low, high = high, high * 2
        if high > MAX_UNITS:
            return None
    # Bisection to within 2% (or one unit).
    while high - low > max(1, high // 50):
        middle = (low + high) // 2
        if clears(middle):
            high = middle
        else:
            low = middle
    return high


def plan_dimension(
    counts: np.ndarray,
    level: str,
    values: np.ndarray,
    names: Sequence[str],
    *,
    dimension: str,
    target: float = TARGET,
    lower: float = LOWER,
    confidence: float = CONFIDENCE,
    rng: np.random.Generator,
) -> DimensionPlan:
    """Krippendorff's rule and the data's answer for one dimension.

    Parameters
    ----------
    counts : ndarray of int, shape (N, K)
        Value counts at the dimension's level (not-applicable categories left out).
    level : str
    values : ndarray, shape (K,)
    names : sequence of str, length K
        Category codes.
    dimension : str
        Its id, for the result.
    """
    counts = np.asarray(counts, dtype=np.int64)
    pairable = counts[row_sums(counts) >= 2]
    units = int(pairable.shape[0])
    significance = 1.0 - confidence
    o = coincidence_matrix(counts) if units else np.zeros((len(names), len(names)))
    n_c = o.sum(axis=1)
    if units and n_c.sum() > 0:
        share = n_c / n_c.sum()
        # The least frequent category that occurs: one that never occurs has no share.
        present = np.flatnonzero(share > 0)
        smallest = int(present[np.argmin(share[present])])
        p_c, category = float(share[smallest]), names[smallest]
        coders = max(2, round(float(n_c.sum()) / units))
    else:
        p_c, category, coders = 1.0 / max(1, len(names)), "", 2
    rule_target = krippendorff_minimum_units(target, p_c, significance, coders)
    rule_lower = krippendorff_minimum_units(lower, p_c, significance, coders)
    alpha = float(alpha_from_coincidences(o, level, values)) if units else float("nan")
    needed_target = needed_lower = None
    if units:
        needed_target = units_needed(counts, level, values, target, confidence=confidence, rng=rng)
        needed_lower = units_needed(counts, level, values, lower, confidence=confidence, rng=rng)
    if not units:
        status = PlanStatus.NO_DATA
        reason = "no unit has two or more values yet; Krippendorff's rule assumes equal shares"
    elif math.isnan(alpha):
        status = PlanStatus.CANNOT
        reason = "alpha is undefined so far (every pairable value is in one category)"
    elif needed_target is None and alpha <= target:
        status = PlanStatus.CANNOT
        reason = (
            f"alpha so far ({alpha:.3f}) is at or below the target {target:.3f}: more units "
            "narrow the interval around it but cannot lift its lower bound above the target"
        )
    elif needed_target is None:
        status = PlanStatus.CANNOT
        reason = (
            f"alpha so far ({alpha:.3f}) is above the target {target:.3f} but too close to "
            f"it: the {units:,} units coded so far cannot promise, at any sample size, that "
            f"the lower bound clears it in {POWER:.0%} of samples; code more units and plan "
            "again"
        )
    elif needed_target <= units:
        status = PlanStatus.ENOUGH
        reason = (
            f"enough: with {units:,} pairable units the lower bound clears {target:.3f} in "
            f"{POWER:.0%} of samples"
        )
    else:
        status = PlanStatus.MORE
        reason = (
            f"{needed_target - units:,} more doubly-coded units needed "
            f"({needed_target:,} in all) for the lower bound to clear {target:.3f} in "
            f"{POWER:.0%} of samples"
        )
    return DimensionPlan(
        dimension=dimension,
        level=level,
        units=units,
        alpha=alpha,
        smallest_share=p_c,
        smallest_category=category,
        coders=coders,
        rule_target=rule_target,
        rule_lower=rule_lower,
        needed_target=needed_target,
        needed_lower=needed_lower,
        status=status,
        reason=reason,
        target=target,
    )


def plan_agreement(
    labels: pd.DataFrame,
    scheme: Scheme,
    *,
    coders: Sequence[str] | None = None,
    target: float = TARGET,
    lower: float = LOWER,
    confidence: float = CONFIDENCE,
    seed: int = DEFAULT_SEED,
) -> list[DimensionPlan]:
    """The planner's answer for every dimension of ``scheme`` from long labels.

    Parameters
    ----------
    labels : DataFrame
        Long labels as for :func:`~desktop.core.agreement.compute_agreement`.
    target, lower : float
        The alpha the interval's lower bound should clear, and the lower acceptable one.
    confidence : float
        Of the interval (its one-sided significance ``1 - confidence`` in the rule).
    seed : int
        Seed of the simulation; each dimension draws from ``(seed, its index)``.

    Raises
    ------
    ValueError
        If a threshold or the confidence is outside (0, 1).
    """
    for name, value in (("target", target), ("lower", lower), ("confidence", confidence)):
        if not 0 < value < 1:
            raise ValueError(f"{name} must be between 0 and 1, not {value}")
    prepared = prepare_labels(labels, scheme, coders=coders, times=False)
    plans = []
    for index, dimension in enumerate(scheme.dimensions):
        counts, values, names = level_counts(prepared.dimensions[dimension.id])
        plans.append(
            plan_dimension(
                counts,
                dimension.level,
                values,
                names,
                dimension=dimension.id,
                target=target,
                lower=lower,
                confidence=confidence,
                rng=np.random.default_rng([seed, index]),
            )
        )
    return plans


def proposed_sample_size(plans: Sequence[DimensionPlan]) -> int | None:
    """The size a reliability sample should have: the largest need over the dimensions.

    The data's figure where there is one, Krippendorff's rule for the target otherwise.
    """
    sizes = [p.needed_target if p.needed_target is not None else p.rule_target for p in plans]
    sizes = [s for s in sizes if s is not None]
    return max(sizes) if sizes else None


def plan_summary(plan: DimensionPlan) -> str:
    """One short line for a view: "93 more doubly-coded units needed", "enough", ..."""
    if plan.status is PlanStatus.ENOUGH:
        return f"Sample size: enough ({plan.units:,} pairable units)"
    if plan.status is PlanStatus.MORE and plan.more_needed is not None:
        return f"Sample size: {plan.more_needed:,} more doubly-coded units needed"
    if plan.status is PlanStatus.NO_DATA and plan.rule_target is not None:
        return f"Sample size: about {plan.rule_target:,} units (Krippendorff's rule)"
    if plan.status is PlanStatus.NO_DATA:
        return "Sample size: no doubly-coded units yet"
    if not math.isnan(plan.alpha) and plan.alpha > plan.target:
        return "Sample size: alpha is too close to the target to plan yet; code more"
    return "Sample size: more units cannot lift alpha to the target"


def rule_sample_size(
    scheme: Scheme, coders: int = 2, *, target: float = TARGET, confidence: float = CONFIDENCE
) -> int | None:
    """Krippendorff's rule before any coding: equal shares of each dimension's categories.

    The largest minimum over the dimensions (the not-applicable categories left out on
    ordinal, interval and ratio dimensions, as alpha leaves them out), for ``coders``
    coders per unit.
    """
    sizes = []
    for dimension in scheme.dimensions:
        categories = dimension.categories
        if dimension.level != "nominal":
            categories = [c for c in categories if not c.not_applicable]
        if len(categories) >= 2:
            share = 1.0 / len(categories)
            sizes.append(krippendorff_minimum_units(target, share, 1.0 - confidence, coders))
    sizes = [s for s in sizes if s is not None]
    return max(sizes) if sizes else None
