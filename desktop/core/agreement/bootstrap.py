"""Bootstrap confidence interval for Krippendorff's alpha, resampling units or articles.

What this bootstrap is
----------------------
A nonparametric bootstrap of *units* (sentences): each resample draws as many pairable
units as the data have, with replacement, adds up their coincidence contributions and
computes alpha from the resampled coincidence matrix, recomputing both the observed
disagreement D_o and the expected disagreement D_e (and, at the ordinal level, the
distances, which depend on the marginals). The interval is the 2.5th and 97.5th
percentile of the resampled alphas, and ``q`` is the share of resampled alphas below a
minimum (Hayes & Krippendorff, 2007, report the same ``q``).

Resampling articles (clusters)
------------------------------
The sentences of one article share its topic, writer and difficulty, so they are not
independent draws. When the units come from a sample of articles, :func:`bootstrap_alpha`
given ``clusters`` resamples whole articles with replacement (each article's pairable
units together, Davison & Hinkley, 1997, section 3.8) and adds up their coincidences;
the interval then reflects the variation between articles, which the unit bootstrap
misses (benchmarks/measures/coverage.py measures both).

Resamples without a defined alpha
---------------------------------
A resample whose values all fall in one category has no alpha. The interval and the
shares ``q`` rest on the *usable* resamples only, and are withheld when fewer than
:data:`MIN_USABLE_SHARE` of the resamples (or fewer than :data:`MIN_USABLE`) are usable:
the undefined ones could then hold a whole tail of the distribution.

How it differs from KALPHA
--------------------------
Hayes and Krippendorff's (2007) KALPHA macro for SPSS and SAS (version 3.0, 2011)
bootstraps *pairs of values*: it draws pairs from the observed coincidence matrix (as
many as the smaller of 25 times its non-empty cells and (coders - 1) * n / 2, n the
pairable values), averages their distances, and divides by the expected disagreement of
the full data, which it holds fixed; it also recodes some resampled alphas of 1 to 0.
Treating pairs as independent ignores that the pairs within one unit share values, and
fixing D_e ignores the sampling error in the distribution of values. Resampling units
keeps the units' dependence and lets D_e vary, and units are what a content analysis
samples.

Speed
-----
Units with the same value counts contribute the same coincidences. The pairable units
are grouped into P distinct count patterns; a resample is then a multinomial draw of
pattern counts, and the resampled coincidence matrices are one matrix product, so the
cost is O(resamples x P x K^2) instead of O(resamples x units). When almost every unit
has its own pattern (many coders, many categories) units are drawn by index instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from desktop.core.agreement.alpha import (
    alpha_from_coincidences,
    grouped_coincidences,
    row_sums,
    unit_coincidences,
)

METHOD = "units"
METHOD_DESCRIPTION = (
    "nonparametric bootstrap of units: units resampled with replacement, observed and "
    "expected disagreement recomputed from each resampled coincidence matrix, percentile "
    "interval (Hayes & Krippendorff's KALPHA instead resamples pairs of values with the "
    "expected disagreement held fixed)"
)
CLUSTER_METHOD = "articles"
CLUSTER_METHOD_DESCRIPTION = (
    "nonparametric cluster bootstrap of articles: articles resampled with replacement, "
    "each with all its pairable units, observed and expected disagreement recomputed from "
    "each resampled coincidence matrix, percentile interval (Hayes & Krippendorff's KALPHA "
    "instead resamples pairs of values with the expected disagreement held fixed)"
)
THRESHOLDS = (0.8, 0.667)
CONFIDENCE = 0.95
MIN_USABLE_SHARE = 0.975
MIN_USABLE = 40


@dataclass(frozen=True)
class BootstrapResult:
    """Bootstrap distribution summary of alpha.

    Attributes
    ----------
    low, high
        Percentile confidence interval; ``nan`` when it cannot be computed.
    p_below
        For each threshold, the share of resampled alphas below it.
    resamples
        Number of resamples drawn.
    undefined
        Resamples whose alpha was undefined (all values in one category); they are left
        out of the interval and the shares.
    mean
        Mean of the defined resampled alphas.
    reason
        Why the interval is missing; empty otherwise.
    alphas
        The resampled alphas, shape (resamples,), kept for plots and tests.
    method
        ``"units"`` or ``"articles"``: what was resampled.
    clusters
        Number of articles resampled (0 when units were resampled).
    """

    low: float
    high: float
    p_below: dict[float, float]
    resamples: int
    undefined: int = 0
    mean: float = float("nan")
    reason: str = ""
    alphas: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)
    method: str = METHOD
    clusters: int = 0

    @property
    def usable(self) -> int:
        """Resamples with a defined alpha: the base of the interval and of ``q``."""
        return max(0, self.resamples - self.undefined) if self.alphas.size else 0


def missing_bootstrap(reason: str, resamples: int = 0) -> BootstrapResult:
    """A result without an interval, carrying ``reason``."""
    nan = float("nan")
    return BootstrapResult(
        low=nan,
        high=nan,
        p_below={t: nan for t in THRESHOLDS},
        resamples=resamples,
        reason=reason,
    )


def count_patterns(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group units by their value counts.

    Parameters
    ----------
    counts : ndarray of int, shape (N, K)

    Returns
    -------
    patterns : ndarray, shape (P, K)
        The distinct rows of ``counts``.
    frequency : ndarray of int, shape (P,)
        How many units have each pattern.
    inverse : ndarray of int, shape (N,)
        Pattern index of each unit.
    """
    counts = np.asarray(counts, dtype=np.int64)
    n, k = counts.shape
    if n == 0:
        return counts.reshape(0, k), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    base = int(counts.max()) + 1
    if k * np.log2(base) < 62:
        # One int64 key per unit: far faster than np.unique over rows.
        keys = counts @ (base ** np.arange(k, dtype=np.int64))
        _, first, inverse, frequency = np.unique(
            keys, return_index=True, return_inverse=True, return_counts=True
        )
        return counts[first], frequency, inverse.reshape(-1)
    patterns, inverse, frequency = np.unique(
        counts, axis=0, return_inverse=True, return_counts=True
    )
    return patterns, frequency, inverse.reshape(-1)


def bootstrap_alpha(
    counts: np.ndarray,
    level: str,
    values: np.ndarray,
    *,
    resamples: int = 1000,
    rng: np.random.Generator,
    thresholds: tuple[float, ...] = THRESHOLDS,
    confidence: float = CONFIDENCE,
    clusters: np.ndarray | None = None,
) -> BootstrapResult:
    """Bootstrap alpha by resampling units or articles (see the module docstring).

    Parameters
    ----------
    counts : ndarray of int, shape (N, K)
        Value counts per unit; units with fewer than two values are ignored.
    level : {"nominal", "ordinal", "interval", "ratio"}
    values : ndarray, shape (K,)
    resamples : int
        Number of bootstrap resamples.
    rng : numpy.random.Generator
        Source of randomness; seed it for reproducible reports.
    thresholds : tuple of float
        Minimum alphas for which to report the share of resamples below.
    confidence : float
        Coverage of the percentile interval.
    clusters : ndarray of int, shape (N,), optional
        Article (cluster) of each unit; when given, whole articles are resampled. When
        the pairable units all come from one article, units are resampled instead and
        the result's ``method`` says so.

    Returns
    -------
    BootstrapResult
        The interval and shares rest on the usable resamples; both are ``nan`` with a
        reason when too few are usable (see :data:`MIN_USABLE_SHARE`).
    """
    counts = np.asarray(counts, dtype=np.int64)
    pairable = row_sums(counts) >= 2
    counts = counts[pairable]
    n_units = counts.shape[0]
    if resamples <= 0:
        return missing_bootstrap("no bootstrap was requested")
    if n_units == 0:
        return missing_bootstrap("there are no pairable units to resample", resamples)
    groups, n_groups = None, 0
    if clusters is not None:
        _, groups = np.unique(np.asarray(clusters)[pairable], return_inverse=True)
        groups = groups.reshape(-1)
        n_groups = int(groups.max()) + 1
    if n_groups >= 2:
        alphas = _cluster_alphas(counts, groups, n_groups, level, values, resamples, rng)
        method, n_clusters = CLUSTER_METHOD, n_groups
    else:
        # One article cannot be resampled: its units are (the caller says so).
        alphas = _unit_alphas(counts, level, values, resamples, rng)
        method, n_clusters = METHOD, 0
    return summarize(alphas, thresholds, confidence, method=method, clusters=n_clusters)


def summarize(
    alphas: np.ndarray,
    thresholds: tuple[float, ...] = THRESHOLDS,
    confidence: float = CONFIDENCE,
    *,
    method: str = METHOD,
    clusters: int = 0,
) -> BootstrapResult:
    """Percentile interval and shares below ``thresholds`` of resampled alphas.

    Parameters
    ----------
    alphas : ndarray, shape (R,)
        Resampled alphas, ``nan`` where undefined.

    Returns
    -------
    BootstrapResult
        Without an interval (``nan``, with the reason) when fewer than
        ``MIN_USABLE_SHARE`` of the resamples, or fewer than ``MIN_USABLE``, are usable.
    """
    alphas = np.asarray(alphas, dtype=float)
    resamples = alphas.size
    defined = alphas[~np.isnan(alphas)]
    undefined = resamples - defined.size
    usable_needed = max(MIN_USABLE, int(np.ceil(MIN_USABLE_SHARE * resamples)))
    if defined.size < usable_needed:
        if defined.size == 0:
            why = f"alpha was undefined in every one of the {resamples:,} resamples"
        else:
            why = (
                f"only {defined.size:,} of {resamples:,} resamples had a defined alpha "
                f"(the others had all values in one category); an interval needs "
                f"{usable_needed:,} or more, since the undefined resamples could hold a "
                "whole tail of the distribution"
            )
        result = missing_bootstrap(why, resamples)
        mean = float(defined.mean()) if defined.size else float("nan")
        return replace(
            result,
            undefined=int(undefined),
            alphas=alphas,
            mean=mean,
            method=method,
            clusters=clusters,
        )
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(defined, [tail, 1.0 - tail])
    return BootstrapResult(
        low=float(low),
        high=float(high),
        p_below={t: float(np.mean(defined < t)) for t in thresholds},
        resamples=resamples,
        undefined=int(undefined),
        mean=float(defined.mean()),
        alphas=alphas,
        method=method,
        clusters=clusters,
    )


def _unit_alphas(
    counts: np.ndarray, level: str, values: np.ndarray, resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """Alphas of ``resamples`` resamples of the pairable units in ``counts``."""
    n_units = counts.shape[0]
    patterns, frequency, inverse = count_patterns(counts)
    per_pattern = unit_coincidences(patterns)
    k = counts.shape[1]
    flat = per_pattern.reshape(len(patterns), k * k)
    alphas = np.empty(resamples)
    # Chunks bound the memory of the weight matrix to about 32 MB.
    if len(patterns) * 4 <= n_units:
        p = frequency / n_units
        chunk = max(1, 4_000_000 // max(1, len(patterns)))
        for start in range(0, resamples, chunk):
            size = min(chunk, resamples - start)
            weights = rng.multinomial(n_units, p, size=size).astype(float)
            o = (weights @ flat).reshape(size, k, k)
            alphas[start : start + size] = alpha_from_coincidences(o, level, values)
    else:
        chunk = max(1, 4_000_000 // n_units)
        for start in range(0, resamples, chunk):
            size = min(chunk, resamples - start)
            draws = inverse[rng.integers(0, n_units, size=(size, n_units))]
            rows = np.repeat(np.arange(size), n_units) * len(patterns) + draws.reshape(-1)
            weights = np.bincount(rows, minlength=size * len(patterns)).reshape(size, -1)
            o = (weights.astype(float) @ flat).reshape(size, k, k)
            alphas[start : start + size] = alpha_from_coincidences(o, level, values)
    return alphas


def _cluster_alphas(
    counts: np.ndarray,
    groups: np.ndarray,
    n_groups: int,
    level: str,
    values: np.ndarray,
    resamples: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Alphas of ``resamples`` resamples of whole articles (``groups`` of the units)."""
    k = counts.shape[1]
    flat = grouped_coincidences(counts, groups, n_groups).reshape(n_groups, k * k)
    alphas = np.empty(resamples)
    p = np.full(n_groups, 1.0 / n_groups)
    chunk = max(1, 4_000_000 // n_groups)
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        weights = rng.multinomial(n_groups, p, size=size).astype(float)
        o = (weights @ flat).reshape(size, k, k)
        alphas[start : start + size] = alpha_from_coincidences(o, level, values)
    return alphas
