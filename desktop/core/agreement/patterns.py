"""Units grouped by the codes their coders gave them, for the figures that count units.

Percent agreement of a pair of coders, Cohen's kappa and the majority agreement count
units. A unit's column of codes (one per coder, -1 missing) is its *pattern*: with five
coders and five categories there are at most 6**5 = 7,776 patterns however many units
there are, so counting each pattern once, weighted by its number of units, gives the
same integers as counting every unit, in a fraction of the time.
"""

from __future__ import annotations

import numpy as np

#: Above this many possible patterns ((K + 1) ** C) the units are counted one by one.
MAX_PATTERNS = 1 << 20


def unit_patterns(codes: np.ndarray, n_categories: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The distinct columns of a coders x units matrix of codes, and how many units have
    each.

    Parameters
    ----------
    codes : ndarray of int, shape (C, N)
        Category index of each coder's value for each unit, -1 where missing.
    n_categories : int
        K; every code is below it.

    Returns
    -------
    patterns : ndarray, shape (C, P)
        Each distinct column once (in an arbitrary but fixed order).
    units : ndarray of int64, shape (P,)
        The number of units (columns of ``codes``) equal to each pattern.
    None
        When there could be more than :data:`MAX_PATTERNS` patterns.
    """
    codes = np.asarray(codes)
    n_coders = codes.shape[0]
    base = n_categories + 1
    if n_coders == 0 or base**n_coders > MAX_PATTERNS:
        return None
    key = np.zeros(codes.shape[1], dtype=np.int64)
    for row in codes:
        key *= base
        key += row
        key += 1
    units = np.bincount(key, minlength=base**n_coders)
    present = np.flatnonzero(units)
    patterns = np.empty((n_coders, present.size), dtype=codes.dtype)
    rest = present
    for row in range(n_coders - 1, -1, -1):
        patterns[row] = rest % base - 1
        rest = rest // base
    return patterns, units[present]
