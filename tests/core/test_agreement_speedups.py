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
