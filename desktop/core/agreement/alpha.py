"""Krippendorff's alpha from value counts and coincidence matrices.

Notation follows Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability":
a unit ``u`` holds ``m_u`` values; ``n_uk`` of them are category ``k``. A unit with
``m_u >= 2`` is *pairable* and adds ``(n_uc * n_uk - [c == k] * n_uc) / (m_u - 1)`` to
the coincidence cell ``o_ck``, so that every pairable value adds exactly 1 to the
matrix. With marginals ``n_c`` and total ``n``::

    alpha = 1 - D_o / D_e = 1 - (n - 1) * sum(o_ck * delta_ck) / sum(n_c * n_k * delta_ck)

The headline alpha (:func:`alpha_of_counts`) follows the same formulas in the same order
of operations as the ``krippendorff`` package (0.9), which gives the same alpha to the last
bit (the tests check it against the package to 1e-12, and against Krippendorff's worked
examples) in a fraction of its time and memory: the package makes a K x K matrix of
every unit. The other functions here compute the same quantity from coincidences, in
batches, for the bootstrap, the drift over time, the per-category and the
leave-one-coder-out diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEVELS = ("nominal", "ordinal", "interval", "ratio")


@dataclass(frozen=True)
class AlphaResult:
    """Alpha and the data behind it.

    Attributes
    ----------
    alpha
        Krippendorff's alpha, ``nan`` when undefined.
    reason
        Why alpha is undefined; empty when it is defined.
    coincidences
        Coincidence matrix, shape (K, K), rows and columns in the order of ``values``
        (None when not asked for).
    pairable_values
        ``n``, the number of pairable values (the sum of the coincidence matrix).
    units
        Number of pairable units (units with two or more values).
    """

    alpha: float
    reason: str
    coincidences: np.ndarray | None
    pairable_values: int
    units: int


def row_sums(a: np.ndarray) -> np.ndarray:
    """Sum of each row of a narrow 2-D array, shape (N, K) -> (N,).

    Adding the K columns is about six times faster than ``a.sum(axis=1)`` for the few
    categories of a scheme.
    """
    a = np.asarray(a)
    if a.shape[1] == 0:
        return np.zeros(a.shape[0], dtype=a.dtype)
    total = a[:, 0].copy()
    for j in range(1, a.shape[1]):
        total += a[:, j]
    return total


def column_sums(a: np.ndarray) -> np.ndarray:
    """Sum of each column of a narrow 2-D array, shape (N, K) -> (K,)."""
    a = np.asarray(a)
    return np.array([a[:, j].sum() for j in range(a.shape[1])], dtype=a.dtype)


def value_counts(codes: np.ndarray, n_categories: int) -> np.ndarray:
    """Count the values of each category in each unit.

    Parameters
    ----------
    codes : ndarray of int, shape (C, N)
        Category index of each coder's value for each unit, -1 where missing.
    n_categories : int
        K, the number of categories.

    Returns
    -------
    ndarray of int64, shape (N, K)
    """
    codes = np.asarray(codes)
    n_coders, n_units = codes.shape
    if n_categories > ONE_HOT_CATEGORIES:
        units = np.broadcast_to(np.arange(n_units), codes.shape)
        present = codes >= 0
        flat = units[present] * n_categories + codes[present]
        return np.bincount(flat, minlength=n_units * n_categories).reshape(n_units, n_categories)
    # A few categories: each category's column is the coders' rows compared with it and
    # added up (five times faster than counting one flat index per value).
    out = np.empty((n_units, n_categories), dtype=np.int64)
    total = np.empty(n_units, dtype=np.int16 if n_coders < 2**15 else np.int64)
    hit = np.empty(n_units, dtype=bool)
    for category in range(n_categories):
        total[:] = 0
        for row in codes:
            np.equal(row, category, out=hit)
            total += hit
        out[:, category] = total
    return out


#: Up to this many categories :func:`value_counts` compares the codes with each category.
ONE_HOT_CATEGORIES = 16


def rows_where(a: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``a[mask]``, or ``a`` itself when every row is kept (the same values without a
    copy; the callers only read them)."""
    if mask.all():
        return a
    # Rows by their numbers: for a 2-D array, twice as fast as a boolean mask.
    return a[mask] if a.ndim == 1 else np.take(a, np.flatnonzero(mask), axis=0)


def coincidence_matrix(counts: np.ndarray) -> np.ndarray:
    """Coincidence matrix of value counts.

    Parameters
    ----------
    counts : ndarray, shape (N, K)
        Values of each category in each unit (see :func:`value_counts`). Units with
        fewer than two values contribute nothing.

    Returns
    -------
    ndarray of float64, shape (K, K)
    """
    counts = np.asarray(counts, dtype=float)
    m = row_sums(counts)
    pairable = m >= 2
    c = rows_where(counts, pairable)
    weighted = c / (rows_where(m, pairable) - 1)[:, None]
    return weighted.T @ c - np.diag(column_sums(weighted))


def unit_coincidences(counts: np.ndarray) -> np.ndarray:
    """Coincidence contribution of each unit.

    Parameters
    ----------
    counts : ndarray, shape (P, K)
        Value counts of P units (or unit patterns), each with two or more values.

    Returns
    -------
    ndarray of float64, shape (P, K, K)
    """
    c = np.asarray(counts, dtype=float)
    m = c.sum(axis=1)
    outer = c[:, :, None] * c[:, None, :]
    k = c.shape[1]
    outer[:, np.arange(k), np.arange(k)] -= c
    return outer / (m - 1)[:, None, None]


def distance_matrix(
    level: str, values: np.ndarray, marginals: np.ndarray | None = None
) -> np.ndarray:
    """Squared distances delta between the categories at a level of measurement.

    Parameters
    ----------
    level : {"nominal", "ordinal", "interval", "ratio"}
    values : array_like, shape (K,)
        The categories' values, ascending for ordinal, interval and ratio levels.
    marginals : array_like, shape (..., K), optional
        Pairable values per category (the coincidence marginals ``n_c``); required for
        the ordinal level, whose distances depend on them. A batch of marginals gives a
        batch of matrices.

    Returns
    -------
    ndarray of float64, shape (..., K, K)
    """
    values = np.asarray(values, dtype=float)
    k = values.shape[0]
    if level == "nominal":
        return 1.0 - np.eye(k)
    if level == "ordinal":
        if marginals is None:
            raise ValueError("the ordinal distance needs the marginals n_c")
        n = np.asarray(marginals, dtype=float)
        cum = np.cumsum(n, axis=-1)
        # Values from category c up to k (c <= k): cum[k] - cum[c] + n[c].
        between = cum[..., None, :] - cum[..., :, None] + n[..., :, None]
        upper = np.triu(np.ones((k, k), dtype=bool))
        between = np.where(upper, between, np.swapaxes(between, -1, -2))
        return (between - (n[..., :, None] + n[..., None, :]) / 2.0) ** 2
    if level == "interval":
        return (values[:, None] - values[None, :]) ** 2
    if level == "ratio":
        total = values[:, None] + values[None, :]
        diff = values[:, None] - values[None, :]
        ratio = np.divide(diff, total, out=np.zeros((k, k)), where=total != 0)
        return ratio**2
    raise ValueError(f"unknown level {level!r} (use one of {', '.join(LEVELS)})")


def alpha_from_coincidences(
    coincidences: np.ndarray, level: str, values: np.ndarray
) -> float | np.ndarray:
    """Krippendorff's alpha of one coincidence matrix or of a batch of them.

    Parameters
    ----------
    coincidences : array_like, shape (K, K) or (B, K, K)
    level : {"nominal", "ordinal", "interval", "ratio"}
    values : array_like, shape (K,)
        Category values (ascending unless nominal).

    Returns
    -------
    float or ndarray of shape (B,)
        ``nan`` where alpha is undefined: fewer than two pairable values, or no
        expected disagreement (all pairable values in one category).
    """
    o = np.asarray(coincidences, dtype=float)
    n_c = o.sum(axis=-1)
    n = n_c.sum(axis=-1)
    delta = distance_matrix(level, values, n_c if level == "ordinal" else None)
    observed = (o * delta).sum(axis=(-2, -1))
    expected = (n_c[..., :, None] * n_c[..., None, :] * delta).sum(axis=(-2, -1))
    defined = (expected > 0) & (n > 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(
            defined, 1.0 - (n - 1.0) * observed / np.where(defined, expected, 1), np.nan
        )
    return float(alpha) if alpha.ndim == 0 else alpha


def undefined_reason(counts: np.ndarray, codes: tuple[str, ...] | list[str]) -> str:
    """Why alpha of these value counts is undefined, or "" when it is defined.

    Parameters
    ----------
    counts : ndarray, shape (N, K)
    codes : sequence of str, length K
        Names of the categories, used in the message.
    """
    counts = np.asarray(counts)
    pairable = rows_where(counts, row_sums(counts) >= 2)
    if pairable.shape[0] == 0:
        if counts.sum() == 0:
            return "there are no values"
        return "no unit has values from two or more coders (no pairable values)"
    used = np.flatnonzero(column_sums(pairable))
    if used.size < 2:
        return (
            f"every pairable value is '{codes[used[0]]}': with one category there is "
            "no variation, so alpha is undefined"
        )
    return ""


def alpha_and_coincidences(
    matrix: np.ndarray, level: str, values: np.ndarray | list[float]
) -> AlphaResult:
    """Krippendorff's alpha of a coders x units matrix, with its coincidence matrix.

    Alpha comes from :func:`alpha_of_counts` (reliability data, value domain and level
    as given; the same as :func:`krippendorff.alpha`); undefined cases are caught first
    and returned as ``nan`` with a reason.

    Parameters
    ----------
    matrix : array_like, shape (C, N)
        Value of each coder (row) for each unit (column); ``nan`` where missing.
    level : {"nominal", "ordinal", "interval", "ratio"}
    values : array_like, shape (K,)
        The value domain: every value the data may hold, ascending unless nominal.

    Returns
    -------
    AlphaResult

    Raises
    ------
    ValueError
        If the matrix holds a value outside ``values`` or the level is unknown.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r} (use one of {', '.join(LEVELS)})")
    matrix = np.asarray(matrix, dtype=float)
    domain = np.asarray(values, dtype=float)
    present = ~np.isnan(matrix)
    codes = np.full(matrix.shape, -1, dtype=np.int64)
    if present.any():
        found = matrix[present]
        order = np.argsort(domain)
        ascending = domain[order]
        index = np.clip(np.searchsorted(ascending, found), 0, domain.size - 1)
        matched = ascending[index] == found
        if not matched.all():
            bad = sorted(set(found[~matched].tolist()))
            raise ValueError(f"values outside the value domain: {bad}")
        codes[present] = order[index]
    return alpha_of_codes(codes, level, domain, [f"{v:g}" for v in domain])


def alpha_of_codes(
    codes: np.ndarray,
    level: str,
    values: np.ndarray,
    names: tuple[str, ...] | list[str],
    counts: np.ndarray | None = None,
    *,
    coincidences: bool = True,
) -> AlphaResult:
    """Alpha of a coders x units matrix of category indices (-1 missing).

    Parameters
    ----------
    codes : ndarray of int, shape (C, N)
    level : {"nominal", "ordinal", "interval", "ratio"}
    values : ndarray, shape (K,)
        Value of each category index (ascending unless nominal).
    names : sequence of str, length K
        Category names for the reason.
    counts : ndarray, shape (N, K), optional
        :func:`value_counts` of ``codes``, when the caller has it already.
    coincidences : bool
        Compute the coincidence matrix (otherwise the result's ``coincidences`` is None).
    """
    values = np.asarray(values, dtype=float)
    if counts is None:
        counts = value_counts(codes, values.size)
    m = row_sums(counts)
    pairable = m >= 2
    o = coincidence_matrix(counts) if coincidences else None
    # Every pairable value adds 1 to the coincidences: n is their number.
    n = int(m[pairable].sum())
    units = int(pairable.sum())
    reason = undefined_reason(counts, names)
    if reason:
        return AlphaResult(float("nan"), reason, o, n, units)
    alpha = alpha_of_counts(rows_where(counts, pairable), level, values)
    return AlphaResult(alpha, "", o, n, units)


def alpha_of_counts(counts: np.ndarray, level: str, values: np.ndarray) -> float:
    """Krippendorff's alpha of the value counts of pairable units, as ``krippendorff.alpha``
    computes it from ``value_counts``.

    Krippendorff (2011), section C: each unit adds ``(n_uc n_uk - [c == k] n_uc) /
    (m_u - 1)`` to the coincidence ``o_ck``; the expected coincidences are ``e_ck = (n_c
    n_k - [c == k] n_c) / (n - 1)``; ``alpha = 1 - sum(o * delta) / sum(e * delta)``. The
    units are added one after the other, in order (a running sum, as the package's sum
    over its matrix of units does), so that the result is the package's to the bit; the
    package makes a (N, K, K) matrix of floats, this one column of N at a time.

    Parameters
    ----------
    counts : ndarray of int, shape (N, K)
        Values of each category in each unit; every unit has two or more.
    level : {"nominal", "ordinal", "interval", "ratio"}
    values : ndarray, shape (K,)
        The categories' values, ascending unless nominal.

    Returns
    -------
    float
    """
    counts = np.asarray(counts)
    if not np.issubdtype(counts.dtype, np.integer):
        counts = counts.astype(np.int64)
    values = np.asarray(values, dtype=float)
    k = values.size
    weight = (row_sums(counts) - 1).astype(float)
    o = np.zeros((k, k))
    for c in range(k):
        column = counts[:, c].astype(np.int64)
        for j in range(c, k):
            pairs = column * counts[:, j] - column if j == c else column * counts[:, j]
            share = pairs.astype(float)
            share /= weight
            # A running sum: the units in order, as the package adds them.
            o[c, j] = o[j, c] = np.cumsum(share, out=share)[-1] if share.size else 0.0
    n_v = o.sum(axis=0)
    e = (np.outer(n_v, n_v) - np.diagflat(n_v)) / (n_v.sum() - 1)
    d = _package_distances(level, values, n_v)
    return float(1 - (o * d).sum() / (e * d).sum())


def _package_distances(level: str, values: np.ndarray, n_v: np.ndarray) -> np.ndarray:
    """The squared distances of Krippendorff (2011) as the package computes them (the
    ordinal one from the marginals ``n_v``, summed from category to category)."""
    k = values.size
    if level == "nominal":
        return (values[:, None] != values[None, :]).astype(float)
    if level == "ordinal":
        # The marginals from category a to b, summed as numpy's reduceat sums a slice
        # (its order of additions differs from sum()'s in the last bit).
        bounds = [i for a in range(k) for b in range(a, k) for i in (a, b + 1)]
        sums = np.add.reduceat(np.append(n_v, 0.0), bounds)[::2]
        between = np.zeros((k, k))
        between[np.triu_indices(k)] = sums
        between = np.where(np.triu(np.ones((k, k), dtype=bool)), between, between.T)
        return (between - (n_v[:, None] + n_v[None, :]) / 2) ** 2
    if level == "interval":
        return (values[:, None] - values[None, :]) ** 2
    if level == "ratio":
        total = values[:, None] + values[None, :]
        return (
            np.divide(
                values[:, None] - values[None, :], total, out=np.zeros((k, k)), where=total != 0
            )
            ** 2
        )
    raise ValueError(f"unknown level {level!r} (use one of {', '.join(LEVELS)})")


def grouped_coincidences(counts: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """One coincidence matrix per group of units.

    Parameters
    ----------
    counts : ndarray, shape (N, K)
        Value counts; units with fewer than two values contribute nothing.
    groups : ndarray of int, shape (N,)
        Group index of each unit, in ``range(n_groups)``.
    n_groups : int

    Returns
    -------
    ndarray of float64, shape (n_groups, K, K)
    """
    return UnitCoincidences(counts).grouped(groups, n_groups)


class UnitCoincidences:
    """Each pairable unit's contribution to every coincidence cell, computed once for
    several groupings of the same units (the drift groups them by week, month and batch).

    Parameters
    ----------
    counts : ndarray, shape (N, K)
        Value counts; units with fewer than two values contribute nothing.
    """

    def __init__(self, counts: np.ndarray):
        counts = np.asarray(counts, dtype=float)
        m = row_sums(counts)
        self.pairable = m >= 2
        c = rows_where(counts, self.pairable)
        w = 1.0 / (rows_where(m, self.pairable) - 1.0)
        self.k = counts.shape[1]
        self.cells = [
            (i, j, c[:, i] * (c[:, j] - (i == j)) * w)
            for i in range(self.k)
            for j in range(i, self.k)
        ]

    def grouped(self, groups: np.ndarray, n_groups: int) -> np.ndarray:
        """One coincidence matrix per group, shape (n_groups, K, K); ``groups`` gives the
        group index of each of the N units."""
        g = np.asarray(groups)[self.pairable]
        o = np.zeros((n_groups, self.k, self.k))
        for i, j, pair in self.cells:
            o[:, i, j] = np.bincount(g, weights=pair, minlength=n_groups)
            o[:, j, i] = o[:, i, j]
        return o


def coincidence_reason(coincidences: np.ndarray, names: tuple[str, ...] | list[str]) -> str:
    """Why alpha of one coincidence matrix is undefined, or "" when it is defined.

    Parameters
    ----------
    coincidences : ndarray, shape (K, K)
    names : sequence of str, length K
    """
    n_c = np.asarray(coincidences).sum(axis=1)
    if n_c.sum() < 2:
        return "no unit has values from two or more coders (no pairable values)"
    used = np.flatnonzero(n_c > 1e-9)
    if used.size < 2:
        return (
            f"every pairable value is '{names[used[0]]}': with one category there is "
            "no variation, so alpha is undefined"
        )
    return ""
