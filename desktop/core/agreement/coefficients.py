"""Percent agreement, Fleiss' kappa, Gwet's AC1, Cohen's kappa and majority agreement.

All work on value counts per unit (see :func:`desktop.core.agreement.alpha.value_counts`)
or on coders x units matrices of category indices (-1 missing), vectorised with numpy.
Each returns an :class:`Estimate`: the value, or ``nan`` with the reason it is undefined.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from desktop.core.agreement.alpha import column_sums, row_sums, rows_where

NAN = float("nan")


@dataclass(frozen=True)
class Estimate:
    """A coefficient, the units it rests on, and why it is undefined when it is ``nan``."""

    value: float
    reason: str = ""
    units: int = 0


def _undefined(reason: str, units: int = 0) -> Estimate:
    return Estimate(NAN, reason, units)


def _one_category(codes: tuple[str, ...] | list[str], used: np.ndarray) -> str:
    names = ", ".join(f"'{codes[i]}'" for i in np.flatnonzero(used))
    return f"all values are {names}: with one category chance agreement is 1"


def percent_agreement(counts: np.ndarray) -> Estimate:
    """Multi-rater percent agreement as Gwet (2014) defines it (irrCAC `pa.coeff.raw`).

    The mean, over units with two or more values, of the share of agreeing pairs of
    values within the unit: ``sum_k n_uk (n_uk - 1) / (m_u (m_u - 1))``.

    Parameters
    ----------
    counts : ndarray, shape (N, K)
    """
    counts = np.asarray(counts, dtype=float)
    m = row_sums(counts)
    rated = m >= 2
    units = int(np.count_nonzero(rated))
    if units == 0:
        return _undefined("no unit has values from two or more coders")
    c = rows_where(counts, rated)
    mu = rows_where(m, rated)
    share = row_sums(c * (c - 1)) / (mu * (mu - 1))
    return Estimate(float(share.mean()), "", units)


def fleiss_kappa(counts: np.ndarray, n_coders: int, codes: tuple[str, ...] | list[str]) -> Estimate:
    """Fleiss' (1971) kappa over the units rated by all ``n_coders`` coders.

    Parameters
    ----------
    counts : ndarray, shape (N, K)
    n_coders : int
        Number of selected coders; only units with exactly this many values count.
    codes : sequence of str, length K
        Category names for the reason.
    """
    counts = np.asarray(counts, dtype=float)
    if n_coders < 2:
        return _undefined("Fleiss' kappa needs two or more coders")
    full = counts[row_sums(counts) == n_coders]
    units = full.shape[0]
    if units == 0:
        return _undefined(f"no unit was coded by all {n_coders} coders")
    totals = column_sums(full)
    # Chance agreement is 1 exactly when one category holds every value: an exact test
    # on the counts, so that 99,999 units of one category and one of another stay defined.
    if np.count_nonzero(totals) < 2:
        return _undefined(_one_category(codes, totals > 0), units)
    # kappa = 1 - D_o / D_e with the disagreements computed directly, not as 1 - p_e,
    # which would lose the digits that matter when p_e is close to 1.
    d_o = float((n_coders * n_coders - row_sums(full * full)).mean()) / (n_coders * (n_coders - 1))
    # sum_j p_j (1 - p_j) from the integer totals: 1 - p_j in floating point would lose
    # the digits of a rare category.
    grand = float(units * n_coders)
    d_e = float((totals * (grand - totals)).sum()) / (grand * grand)
    return Estimate(1.0 - d_o / d_e, "", units)


def gwet_ac1(
    counts: np.ndarray, n_categories: int | None = None, *, percent: Estimate | None = None
) -> Estimate:
    """Gwet's AC1 for any number of raters with missing ratings (Gwet, 2008; 2014).

    ``p_a`` is the percent agreement over units with two or more values;
    ``pi_k`` is the mean over all units with at least one value of ``n_uk / m_u``;
    ``p_e = sum_k pi_k (1 - pi_k) / (q - 1)``; ``AC1 = (p_a - p_e) / (1 - p_e)``.
    This is the computation of Gwet's irrCAC ``gwet.ac1.raw``. The caller decides which
    units to pass; :func:`desktop.core.agreement.compute_agreement` passes the units
    coded by two or more coders.

    Parameters
    ----------
    counts : ndarray, shape (N, K)
    n_categories : int, optional
        ``q``, the number of categories of the scale (default K).
    percent : Estimate, optional
        ``percent_agreement(counts)``, when the caller has it already.
    """
    counts = np.asarray(counts, dtype=float)
    q = counts.shape[1] if n_categories is None else n_categories
    if q < 2:
        return _undefined("AC1 needs two or more categories")
    pa = percent_agreement(counts) if percent is None else percent
    if np.isnan(pa.value):
        return pa
    m = row_sums(counts)
    rated = m >= 1
    shares = rows_where(counts, rated) / rows_where(m, rated)[:, None]
    pi = column_sums(shares) / np.count_nonzero(rated)
    p_e = float((pi * (1.0 - pi)).sum() / (q - 1))
    return Estimate(float((pa.value - p_e) / (1.0 - p_e)), "", pa.units)


def linear_weights(positions: np.ndarray) -> np.ndarray:
    """Linear agreement weights ``1 - |x_i - x_j| / (max - min)``.

    Parameters
    ----------
    positions : array_like, shape (K,)
        Ranks (ordinal) or values (interval, ratio) of the categories.

    Returns
    -------
    ndarray, shape (K, K)
    """
    x = np.asarray(positions, dtype=float)
    span = x.max() - x.min()
    if span == 0:
        return np.ones((x.size, x.size))
    return 1.0 - np.abs(x[:, None] - x[None, :]) / span


def cohen_kappa(
    table: np.ndarray, weights: np.ndarray | None = None, codes: tuple[str, ...] | list[str] = ()
) -> Estimate:
    """Cohen's (1960) kappa of a two-coder contingency table, optionally weighted (1968).

    Parameters
    ----------
    table : array_like, shape (K, K)
        ``table[i, j]``: units the first coder put in category i and the second in j.
    weights : array_like, shape (K, K), optional
        Agreement weights (1 on the diagonal); identity (unweighted kappa) if omitted.
    codes : sequence of str, length K
        Category names for the reason.
    """
    table = np.asarray(table, dtype=float)
    units = round(float(table.sum()))
    if units == 0:
        return _undefined("the two coders share no unit")
    k = table.shape[0]
    w = np.eye(k) if weights is None else np.asarray(weights, dtype=float)
    p = table / table.sum()
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    # Chance agreement is 1 exactly when every pair of categories the two coders used has
    # weight 1 (one category, unweighted): tested on the table, not with a tolerance.
    disagree = 1.0 - w
    if not np.any((disagree != 0) & np.outer(rows > 0, cols > 0)):
        names = codes or [str(i) for i in range(k)]
        return _undefined(_one_category(names, (rows + cols) > 0), units)
    # 1 - D_o / D_e, as scikit-learn's cohen_kappa_score: no cancellation near p_e = 1.
    d_o = float((disagree * p).sum())
    d_e = float((disagree * np.outer(rows, cols)).sum())
    return Estimate(1.0 - d_o / d_e, "", units)


def pair_table(
    first: np.ndarray, second: np.ndarray, n_categories: int, units: np.ndarray | None = None
) -> np.ndarray:
    """Contingency table of two coders' category indices over the units both coded.

    Parameters
    ----------
    first, second : ndarray of int, shape (N,)
        Category indices, -1 where missing.
    units : ndarray of int, shape (N,), optional
        How many units each column stands for (see
        :func:`desktop.core.agreement.patterns.unit_patterns`); 1 each if omitted.

    Returns
    -------
    ndarray of int64, shape (K, K)
    """
    both = (first >= 0) & (second >= 0)
    flat = first[both].astype(np.int64) * n_categories + second[both]
    size = n_categories * n_categories
    if units is None:
        return np.bincount(flat, minlength=size).reshape(n_categories, n_categories)
    # Sums of whole numbers below 2**53 are exact in floating point.
    table = np.bincount(flat, weights=units[both], minlength=size)
    return table.astype(np.int64).reshape(n_categories, n_categories)


def majority_agreement(
    codes: np.ndarray, counts: np.ndarray, coder: int, units: np.ndarray | None = None
) -> Estimate:
    """How often a coder's value equals the strict majority of the other coders.

    Over the units the coder coded where at least two other coders coded it and more
    than half of them chose the same category.

    Parameters
    ----------
    codes : ndarray of int, shape (C, N)
        Category indices, -1 where missing.
    counts : ndarray, shape (N, K)
        :func:`~desktop.core.agreement.alpha.value_counts` of ``codes``.
    coder : int
        Row of the coder in ``codes``.
    units : ndarray of int, shape (N,), optional
        How many units each column stands for (see
        :func:`desktop.core.agreement.patterns.unit_patterns`); 1 each if omitted.
    """
    own = codes[coder]
    coded = np.flatnonzero(own >= 0)
    mine = own[coded].astype(np.int64)
    others = counts[coded]
    # Leave the coder's own value out of the unit's counts.
    m = row_sums(others) - 1
    has_majority = np.zeros(coded.size, dtype=bool)
    for k in range(others.shape[1]):
        has_majority |= 2 * (others[:, k] - (mine == k)) > m
    has_majority &= m >= 2
    weight = None if units is None else np.asarray(units)[coded]
    counted = _count(has_majority, weight)
    if counted == 0:
        return _undefined("no unit coded by this coder has a strict majority of two or more others")
    # A strict majority is unique, so the coder agrees with it exactly when its own
    # category holds more than half of the other values.
    agree = 2 * (others[np.arange(coded.size), mine] - 1) > m
    return Estimate(float(_count(agree & has_majority, weight) / counted), "", counted)


def _count(where: np.ndarray, units: np.ndarray | None) -> int:
    """The units where ``where`` holds, each column counting ``units`` (1 if None)."""
    return int(np.count_nonzero(where)) if units is None else int(units[where].sum())
