"""The shortcuts of the agreement code at scale give the figures of the plain way, to the bit.

Units counted by pattern (desktop.core.agreement.patterns) against units counted one by
one, and the dimensions on threads against one after the other: the same report, byte for
byte, on labels made here (five coders, missing values, an ordinal dimension with a
not-applicable category in the default scheme).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from desktop.core.agreement import compute, labels, patterns
from desktop.core.agreement.alpha import value_counts
from desktop.core.agreement.coefficients import majority_agreement, pair_table
from desktop.core.agreement.compute import compute_agreement


def _labels(scheme, seed: int, units: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(units):
        at = f"2026-{1 + u % 12:02d}-{1 + u % 28:02d}T10:{u % 60:02d}:00.000000Z"
        for d in scheme.dimensions:
            truth = int(rng.integers(len(d.codes)))
            for c in range(5):
                if rng.random() < 0.2:
                    continue
                pick = truth if rng.random() < 0.6 else int(rng.integers(len(d.codes)))
                rows.append((f"u{u:05d}", f"c{c}", d.id, d.codes[pick], at))
    return pd.DataFrame(rows, columns=["unit_id", "coder", "dimension", "value", "changed_at"])


def _report(frame, scheme) -> str:
    report = compute_agreement(frame, scheme, bootstrap=100, drift=True)
    return json.dumps(report.to_json_dict(), sort_keys=True)


def test_unit_patterns_are_the_distinct_columns_with_their_units():
    rng = np.random.default_rng(3)
    codes = rng.integers(-1, 3, size=(4, 5000)).astype(np.int16)
    found, units = patterns.unit_patterns(codes, 3)
    expected, counts = np.unique(codes, axis=1, return_counts=True)
    order = np.lexsort(found[::-1])
    assert np.array_equal(found[:, order], expected)
    assert units[order].tolist() == counts.tolist()
    assert units.sum() == codes.shape[1]


def test_counting_patterns_gives_the_tables_and_majorities_of_counting_units():
    rng = np.random.default_rng(5)
    codes = rng.integers(-1, 4, size=(5, 20_000)).astype(np.int16)
    codes[:, :5000] = rng.integers(0, 2, size=(5, 5000))
    found, units = patterns.unit_patterns(codes, 4)
    for i in range(5):
        for j in range(i + 1, 5):
            by_unit = pair_table(codes[i], codes[j], 4)
            assert np.array_equal(pair_table(found[i], found[j], 4, units), by_unit)
        plain = majority_agreement(codes, value_counts(codes, 4), i)
        weighted = majority_agreement(found, value_counts(found, 4), i, units)
        assert weighted == plain and weighted.units > 1000


def test_too_many_possible_patterns_counts_units_instead():
    codes = np.zeros((12, 10), dtype=np.int16)
    assert patterns.unit_patterns(codes, 5) is None  # 6**12 possible patterns


@pytest.mark.parametrize("seed", [1, 2])
def test_patterns_and_threads_leave_the_report_unchanged(scheme, monkeypatch, seed):
    frame = _labels(scheme, seed)
    fast = _report(frame, scheme)
    # Units one by one, dimensions one after the other...
    monkeypatch.setattr(patterns, "MAX_PATTERNS", 0)
    plain = _report(frame, scheme)
    assert plain == fast
    # ... and every dimension on a thread of its own, as for a large project.
    monkeypatch.setattr(labels, "THREAD_LABELS", 0)
    monkeypatch.setattr(compute, "THREAD_LABELS", 0)
    monkeypatch.setattr(compute, "THREADS", 3)
    monkeypatch.setattr(labels, "THREADS", 3)
    assert _report(frame, scheme) == plain


@pytest.mark.parametrize("k", [1, 2, 5, 16, 17, 40])
def test_value_counts_count_each_coders_value_once(monkeypatch, k):
    # Independently: Python's Counter over each unit's column of codes.
    from collections import Counter

    from desktop.core.agreement import alpha

    rng = np.random.default_rng(k)
    codes = rng.integers(-1, k, size=(7, 300)).astype(np.int16)
    expected = np.zeros((300, k), dtype=np.int64)
    for unit in range(300):
        for code, n in Counter(codes[:, unit].tolist()).items():
            if code >= 0:
                expected[unit, code] = n
    got = value_counts(codes, k)
    assert got.dtype == np.int64 and np.array_equal(got, expected)
    monkeypatch.setattr(alpha, "ONE_HOT_CATEGORIES", 0)  # the flat count, for any k
    assert np.array_equal(value_counts(codes, k), expected)


def test_level_counts_are_the_counts_of_the_level_codes(scheme):
    # The ordinal dimensions leave their not-applicable category out and order the others
    # by value: their columns taken from all categories' counts are the counts of the
    # codes mapped to the level.
    rng = np.random.default_rng(9)
    orders = [compute._Level(d).order for d in scheme.dimensions]
    assert any(
        o != list(range(len(d.codes))) for o, d in zip(orders, scheme.dimensions, strict=True)
    )
    for dimension in scheme.dimensions:
        level = compute._Level(dimension)
        k = len(dimension.codes)
        codes = rng.integers(-1, k, size=(5, 2000)).astype(np.int16)
        by_level = value_counts(level.codes(codes), len(level.names))
        assert np.array_equal(level.counts(value_counts(codes, k)), by_level)
        assert level.counts(value_counts(codes, k)).flags.c_contiguous


def test_rows_where_keeps_every_row_without_a_copy():
    from desktop.core.agreement.alpha import rows_where

    a = np.arange(12.0).reshape(6, 2)
    assert rows_where(a, np.ones(6, dtype=bool)) is a
    mask = np.array([True, False, True, True, False, True])
    assert np.array_equal(rows_where(a, mask), a[mask])


@pytest.mark.parametrize("n_categories", [3, 64, 65, 300])
@pytest.mark.parametrize("unused", [False, True])
def test_categorical_codes_number_the_categories_in_use(n_categories, unused):
    # Independently: the categories that occur, in the categories' order, and each row's
    # place among them.
    rng = np.random.default_rng(n_categories)
    names = [f"k{i:03d}" for i in range(n_categories)]
    picked = rng.integers(0, n_categories, 5000)
    if unused:
        picked = picked[picked % 3 != 1]  # a third of the categories never occur
    else:
        picked[:n_categories] = np.arange(n_categories)
    column = pd.Series(pd.Categorical.from_codes(picked, categories=names))
    used = [n for n in names if n in {names[i] for i in picked.tolist()}]
    codes, found = labels._factorize(column)
    assert list(found) == used
    assert [found[c] for c in codes.tolist()] == [names[i] for i in picked.tolist()]


def test_ac1_given_the_percent_agreement_is_ac1_computing_it():
    from desktop.core.agreement.alpha import row_sums
    from desktop.core.agreement.coefficients import gwet_ac1, percent_agreement

    rng = np.random.default_rng(11)
    codes = rng.integers(-1, 4, size=(5, 3000)).astype(np.int16)
    counts = value_counts(codes, 4).astype(float)
    given = percent_agreement(counts[row_sums(counts) >= 2])
    assert gwet_ac1(counts, 4, percent=given) == gwet_ac1(counts, 4)
    single = np.array([[1.0, 0.0], [0.0, 1.0]])  # no unit with two values
    assert gwet_ac1(single, 2, percent=percent_agreement(single)).reason
