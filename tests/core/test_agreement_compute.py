"""compute_agreement end to end on the shipped korea_alliance scheme, and its edge cases."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pandas as pd
import pytest

from desktop.core.agreement import compute_agreement, filter_labels
from desktop.core.agreement.labels import NO_TIME, time_ns
from desktop.core.resources import default_scheme_path
from desktop.core.scheme import load_scheme

SCHEME = load_scheme(default_scheme_path())

# Hand-built stance labels of three coders on eight sentences ("-" = not coded).
# Ordinal values: pressure 1, mixed 2, engagement 3; "none" is not applicable.
STANCE = {
    "s1": ("pressure", "pressure", "pressure"),
    "s2": ("mixed", "mixed", "engagement"),
    "s3": ("engagement", "engagement", "-"),
    "s4": ("none", "none", "none"),
    "s5": ("none", "pressure", "pressure"),
    "s6": ("engagement", "mixed", "engagement"),
    "s7": ("pressure", "-", "-"),
    "s8": ("mixed", "none", "mixed"),
}
CODERS = ("ana", "ben", "cho")
CHINA = {
    "s1": ("constructive", "constructive", "obstructive"),
    "s2": ("none", "none", "none"),
    "s3": ("mixed", "mixed", "mixed"),
    "s4": ("obstructive", "obstructive", "-"),
}


def long_labels(
    table: dict, dimension: str, start: str = "2026-11-16T09:00:00.000Z"
) -> pd.DataFrame:
    rows = []
    t0 = pd.Timestamp(start)
    for i, (unit, values) in enumerate(table.items()):
        for coder, value in zip(CODERS, values, strict=True):
            if value != "-":
                stamp = (t0 + pd.Timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
                rows.append((unit, coder, dimension, value, stamp))
    return pd.DataFrame(rows, columns=["unit_id", "coder", "dimension", "value", "changed_at"])


def matrix(table: dict, mapping: dict) -> np.ndarray:
    """Coders x units for krippendorff.alpha, nan for missing and unmapped codes."""
    return np.array(
        [[mapping.get(values[c], np.nan) for values in table.values()] for c in range(3)],
        dtype=float,
    )


@pytest.fixture(scope="module")
def report():
    labels = pd.concat([long_labels(STANCE, "stance"), long_labels(CHINA, "china_role")])
    return compute_agreement(labels, SCHEME, bootstrap=500)


def test_ordinal_alpha_ignores_not_applicable_and_nominal_all_counts_it(report):
    stance = report.dimension("stance")
    ordinal = {"pressure": 1, "mixed": 2, "engagement": 3}
    expected = krippendorff.alpha(
        reliability_data=matrix(STANCE, ordinal),
        value_domain=[1, 2, 3],
        level_of_measurement="ordinal",
    )
    all_codes = {"pressure": 0, "mixed": 1, "engagement": 2, "none": 3}
    expected_all = krippendorff.alpha(
        reliability_data=matrix(STANCE, all_codes),
        value_domain=[0, 1, 2, 3],
        level_of_measurement="nominal",
    )
    assert stance.alpha == pytest.approx(expected)
    assert stance.alpha_nominal_all == pytest.approx(expected_all)
    assert stance.alpha != pytest.approx(stance.alpha_nominal_all)
    assert stance.missing_categories == ("none",)
    # Pairable units for the ordinal alpha: s1, s2, s3, s5 (pressure twice), s6, s8
    # (mixed twice); s4 is all "none", s7 has one value.
    assert stance.alpha_units == 6
    assert stance.pairable_values == 3 + 3 + 2 + 2 + 3 + 2
    # Units coded by two or more coders, any category: all but s7.
    assert stance.units == 7


def test_nominal_dimension_codes_categories_in_scheme_order(report):
    china = report.dimension("china_role")
    codes = {c.code: i for i, c in enumerate(SCHEME.dimension("china_role").categories)}
    expected = krippendorff.alpha(
        reliability_data=matrix(CHINA, codes),
        value_domain=list(range(4)),
        level_of_measurement="nominal",
    )
    assert china.alpha == pytest.approx(expected)
    assert china.alpha_nominal_all == china.alpha
    assert china.missing_categories == ()
    assert china.coincidence.categories == ("constructive", "obstructive", "mixed", "none")


def test_supplementary_coefficients_on_hand_built_stance(report):
    stance = report.dimension("stance")
    # Percent agreement by hand (agreeing pairs / pairs per unit, all categories):
    # s1 1, s2 1/3, s3 1, s4 1, s5 1/3, s6 1/3, s8 1/3 -> (3 + 4/3) / 7.
    assert stance.percent_agreement == pytest.approx((3 + 4 / 3) / 7)
    # Fleiss over units coded by all three coders: s1, s2, s4, s5, s6, s8.
    assert stance.fleiss_units == 6
    assert stance.coders == CODERS
    pair = stance.pairs[0]
    assert pair.coders == ("ana", "ben")
    # ana and ben share s1-s6 and s8 (7 units) and agree on s1, s2, s3, s4.
    assert pair.units == 7 and pair.percent_agreement == pytest.approx(4 / 7)
    assert pair.weights == "linear"
    # Weighted kappa only over units where both chose an applicable category:
    # s1 (1,1), s2 (2,2), s3 (3,3), s6 (3,2) -> 4 units.
    assert pair.kappa_units == 4
    # Linear weights 1, .5, 0; table rows ana, columns ben: p_o = (3 + .5) / 4;
    # marginals ana (1, 1, 2)/4, ben (1, 2, 1)/4; p_e = sum w_ij r_i c_j = 9 / 16 by hand.
    assert pair.cohen_kappa == pytest.approx((3.5 / 4 - 9 / 16) / (1 - 9 / 16))
    assert report.dimension("china_role").pairs[0].weights == "none"


def test_coincidence_matrix_is_labelled_and_sums_to_pairable_values(report):
    stance = report.dimension("stance")
    assert stance.coincidence.categories == ("pressure", "mixed", "engagement", "none")
    # All categories: units s1-s6, s8 hold 3 + 3 + 2 + 3 + 3 + 3 + 3 = 20 values.
    assert stance.coincidence.matrix.sum() == pytest.approx(20)
    np.testing.assert_allclose(stance.coincidence.matrix, stance.coincidence.matrix.T)


def test_per_category_alpha_is_nominal_alpha_of_the_binary_recode(report):
    stance = report.dimension("stance")
    for index, category in enumerate(stance.per_category):
        recode = {
            c.code: float(i == index) for i, c in enumerate(SCHEME.dimension("stance").categories)
        }
        expected = krippendorff.alpha(
            reliability_data=matrix(STANCE, recode), level_of_measurement="nominal"
        )
        assert category.alpha == pytest.approx(expected), category.code


def test_leave_one_out_alpha_drops_that_coder(report):
    stance = report.dimension("stance")
    ordinal = {"pressure": 1, "mixed": 2, "engagement": 3}
    full = matrix(STANCE, ordinal)
    for row, diagnostics in enumerate(stance.coder_diagnostics):
        rest = np.delete(full, row, axis=0)
        expected = krippendorff.alpha(
            reliability_data=rest, value_domain=[1, 2, 3], level_of_measurement="ordinal"
        )
        assert diagnostics.alpha_without == pytest.approx(expected)
        assert diagnostics.alpha_change == pytest.approx(expected - stance.alpha)


def test_bootstrap_is_reproducible_and_reported(report):
    labels = pd.concat([long_labels(STANCE, "stance"), long_labels(CHINA, "china_role")])
    again = compute_agreement(labels, SCHEME, bootstrap=500)
    assert again.dimension("stance").alpha_ci95 == report.dimension("stance").alpha_ci95
    assert report.bootstrap.resamples == 500 and report.bootstrap.seed == 20261122
    assert report.bootstrap.method == "units"
    other = compute_agreement(labels, SCHEME, bootstrap=500, seed=1)
    assert other.dimension("stance").alpha_ci95 != report.dimension("stance").alpha_ci95


def test_one_coder_gives_nan_with_reason():
    labels = long_labels(STANCE, "stance")
    result = compute_agreement(labels[labels.coder == "ana"], SCHEME, bootstrap=100)
    stance = result.dimension("stance")
    assert math.isnan(stance.alpha)
    assert stance.alpha_reason == "only one coder (ana) coded this dimension"
    assert math.isnan(stance.alpha_ci95[0]) and "undefined" in stance.alpha_ci95_reason
    assert math.isnan(stance.fleiss_kappa) and stance.fleiss_kappa_reason
    assert math.isnan(stance.gwet_ac1) and math.isnan(stance.percent_agreement)
    assert stance.pairs == ()
    trust = result.dimension("alliance_trust")
    assert trust.alpha_reason == "no coder coded this dimension"


def test_all_not_applicable_on_an_ordinal_dimension_gives_nan_with_reason():
    table = {f"s{i}": ("none", "none", "none") for i in range(5)}
    result = compute_agreement(long_labels(table, "alliance_trust"), SCHEME, bootstrap=50)
    trust = result.dimension("alliance_trust")
    assert math.isnan(trust.alpha)
    assert "not applicable" in trust.alpha_reason and "'none'" in trust.alpha_reason
    # The nominal alpha over all categories has one category only: undefined too.
    assert math.isnan(trust.alpha_nominal_all) and "one category" in trust.alpha_nominal_all_reason
    assert trust.percent_agreement == 1.0


def test_one_category_only_gives_nan_not_one():
    table = {f"s{i}": ("solid", "solid", "solid") for i in range(5)}
    trust = compute_agreement(long_labels(table, "alliance_trust"), SCHEME).dimension(
        "alliance_trust"
    )
    assert math.isnan(trust.alpha)
    assert "'solid'" in trust.alpha_reason
    assert math.isnan(trust.fleiss_kappa) and "'solid'" in trust.fleiss_kappa_reason


def test_perfect_agreement_with_variation_gives_one():
    table = {"s1": ("solid",) * 3, "s2": ("strained",) * 3, "s3": ("none",) * 3}
    trust = compute_agreement(long_labels(table, "alliance_trust"), SCHEME).dimension(
        "alliance_trust"
    )
    assert trust.alpha == 1.0 and trust.alpha_nominal_all == 1.0
    assert trust.fleiss_kappa == 1.0 and trust.gwet_ac1 == 1.0
    # Two pairable units at the ordinal level ('none' is missing): half the resamples
    # hold one category and have no alpha, so no interval is given, and the report
    # says how many resamples were usable (issue 18, point 4).
    assert math.isnan(trust.alpha_ci95[0]) and "had a defined alpha" in trust.alpha_ci95_reason
    assert trust.bootstrap_usable < 0.7 * trust.bootstrap_resamples
    assert trust.bootstrap_resamples == 1000


def test_units_without_two_coders_are_not_counted():
    table = {"s1": ("solid", "-", "-"), "s2": ("-", "strained", "-")}
    trust = compute_agreement(long_labels(table, "alliance_trust"), SCHEME).dimension(
        "alliance_trust"
    )
    assert trust.units == 0
    assert trust.alpha_reason == "no unit was coded by two or more coders"


def test_unknown_codes_and_dimensions_are_left_out_with_a_note():
    labels = long_labels(STANCE, "stance")
    extra = pd.DataFrame(
        [
            ("s1", "ana", "stance", "hawkish", "2026-11-16T09:00:00Z"),
            ("s1", "ana", "tone", "angry", "2026-11-16T09:00:00Z"),
        ],
        columns=labels.columns,
    )
    result = compute_agreement(pd.concat([labels, extra]), SCHEME, bootstrap=0)
    assert any("'hawkish'" in n for n in result.dimension("stance").notes)
    assert any("'tone'" in n for n in result.notes)
    clean = compute_agreement(labels, SCHEME, bootstrap=0)
    assert result.dimension("stance").alpha == clean.dimension("stance").alpha


def test_duplicate_labels_keep_the_latest():
    labels = long_labels(STANCE, "stance")
    older = pd.DataFrame(
        [("s1", "ana", "stance", "engagement", "2026-11-01T00:00:00Z")], columns=labels.columns
    )
    result = compute_agreement(pd.concat([older, labels]), SCHEME, bootstrap=0)
    clean = compute_agreement(labels, SCHEME, bootstrap=0)
    assert result.dimension("stance").alpha == clean.dimension("stance").alpha
    assert any("duplicate" in n for n in result.dimension("stance").notes)


def test_coders_argument_restricts_the_comparison():
    labels = long_labels(STANCE, "stance")
    result = compute_agreement(labels, SCHEME, coders=["cho", "ana"], bootstrap=0)
    stance = result.dimension("stance")
    assert result.coders == ("cho", "ana")
    assert stance.coders == ("cho", "ana")
    expected = krippendorff.alpha(
        reliability_data=matrix(STANCE, {"pressure": 1, "mixed": 2, "engagement": 3})[[2, 0]],
        value_domain=[1, 2, 3],
        level_of_measurement="ordinal",
    )
    assert stance.alpha == pytest.approx(expected)
    assert stance.coder_diagnostics[0].alpha_without_reason


def test_drift_groups_units_by_iso_week_and_batches_of_100():
    rng = np.random.default_rng(0)
    codes = ["strained", "ambivalent", "solid"]
    rows = []
    start = pd.Timestamp("2026-11-16T08:00:00Z")  # a Monday, ISO week 47
    for u in range(250):
        truth = rng.integers(0, 3)
        stamp = (start + pd.Timedelta(hours=u)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for coder in CODERS:
            value = truth if rng.random() < 0.8 else rng.integers(0, 3)
            rows.append((f"u{u}", coder, "alliance_trust", codes[value], stamp))
    labels = pd.DataFrame(rows, columns=["unit_id", "coder", "dimension", "value", "changed_at"])
    trust = compute_agreement(labels, SCHEME, bootstrap=0).dimension("alliance_trust")
    weeks = trust.drift.by_week
    # 250 hours from Monday 16 November 2026, 08:00: weeks 47 (160 h) and 48 (90 h).
    assert [w.label for w in weeks] == ["2026-W47", "2026-W48"]
    assert [w.units for w in weeks] == [160, 90]
    assert weeks[0].start == "2026-11-16T08:00:00Z"
    # 250 units: batches of 100 and 150 (the last takes the remainder).
    assert [b.units for b in trust.drift.by_batch] == [100, 150]
    first = labels[labels.unit_id.isin([f"u{u}" for u in range(100)])]
    alone = compute_agreement(first, SCHEME, bootstrap=0, drift=False).dimension("alliance_trust")
    assert trust.drift.by_batch[0].alpha == pytest.approx(alone.alpha)
    assert alone.drift is None


def test_drift_without_times_is_explained():
    labels = long_labels(STANCE, "stance").drop(columns="changed_at")
    result = compute_agreement(labels, SCHEME, bootstrap=0)
    assert result.dimension("stance").drift is None
    assert any("changed_at" in n for n in result.notes)


def test_filter_labels_by_coder_unit_and_time():
    labels = long_labels(STANCE, "stance")
    assert set(filter_labels(labels, coders=["ana"]).coder) == {"ana"}
    assert set(filter_labels(labels, unit_ids={"s1", "s2"}).unit_id) == {"s1", "s2"}
    # s1 at 09:00, s2 at 09:01, ... s8 at 09:07 (UTC).
    window = filter_labels(labels, since="2026-11-16T09:02:00Z", until="2026-11-16T09:04:00Z")
    assert sorted(set(window.unit_id)) == ["s3", "s4"]
    naive = filter_labels(labels, since=pd.Timestamp("2026-11-16 09:07"))
    assert set(naive.unit_id) == {"s8"}
    assert list(window.index) == list(range(len(window)))


TIMES = pd.Series(
    [
        "2026-11-22T10:00:00.123Z",
        "2026-11-22T10:00:00Z",
        "2026-11-22T11:00:00+01:00",
        None,
    ]
)
# 2026-11-22T10:00:00Z is 1,795,341,600 s after the epoch (checked with datetime below).
EXPECTED_NS = [1_795_341_600_123_000_000, 1_795_341_600_000_000_000, 1_795_341_600_000_000_000]


def test_times_parse_to_utc_nanoseconds_with_unreadable_ones_marked():
    import datetime as dt

    epoch = dt.datetime(2026, 11, 22, 10, tzinfo=dt.UTC).timestamp()
    assert int(epoch) * 10**9 == EXPECTED_NS[1]
    parsed = time_ns(TIMES)
    assert parsed[:3].tolist() == EXPECTED_NS
    assert parsed[3] == NO_TIME
    garbage = time_ns(pd.Series(["2026-11-22T10:00:00.123Z", "not a time"]))
    assert garbage.tolist() == [EXPECTED_NS[0], NO_TIME]


def test_times_parse_the_same_without_pyarrow(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    parsed = time_ns(TIMES)
    assert parsed[:3].tolist() == EXPECTED_NS
    assert parsed[3] == NO_TIME


def test_drift_per_month_shows_a_late_drop():
    # Issue 21: alpha per calendar month (UTC), so that a drop late in the project shows.
    # Each month's alpha is checked against the krippendorff package on that month's units.
    rng = np.random.default_rng(3)
    codes = ["strained", "ambivalent", "solid"]
    rows = []
    months = {"2026-09": 0.95, "2026-10": 0.95, "2026-11": 0.5}  # share coded to the truth
    for m, (month, honest) in enumerate(months.items()):
        for u in range(60):
            truth = rng.integers(0, 3)
            stamp = f"{month}-{1 + u % 28:02d}T12:00:00Z"
            for coder in CODERS:
                value = truth if rng.random() < honest else rng.integers(0, 3)
                rows.append((f"m{m}u{u}", coder, "alliance_trust", codes[value], stamp))
    labels = pd.DataFrame(rows, columns=["unit_id", "coder", "dimension", "value", "changed_at"])
    trust = compute_agreement(labels, SCHEME, bootstrap=0).dimension("alliance_trust")
    points = trust.drift.by_month
    assert [p.label for p in points] == list(months)
    assert [p.units for p in points] == [60, 60, 60]
    assert points[0].start == "2026-09-01T12:00:00Z" and points[2].end == "2026-11-28T12:00:00Z"
    level = {c: i for i, c in enumerate(codes)}
    for m, point in enumerate(points):
        month = labels[labels.unit_id.str.startswith(f"m{m}u")]
        wide = month.pivot(index="coder", columns="unit_id", values="value").map(level.get)
        expected = krippendorff.alpha(
            reliability_data=wide.to_numpy(dtype=float),
            value_domain=[0, 1, 2],
            level_of_measurement="ordinal",
        )
        assert point.alpha == pytest.approx(expected)
    assert points[2].alpha < 0.667 < points[0].alpha
