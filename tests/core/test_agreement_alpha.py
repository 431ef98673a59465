"""Krippendorff's alpha and coincidence matrices against published and independent values."""

from __future__ import annotations

import itertools
import math

import krippendorff
import numpy as np
import pytest

from desktop.core.agreement.alpha import (
    alpha_and_coincidences,
    alpha_from_coincidences,
    alpha_of_codes,
    alpha_of_counts,
    coincidence_matrix,
    distance_matrix,
    grouped_coincidences,
    value_counts,
)

N = np.nan

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School
# for Communication, University of Pennsylvania, example C (reliability data with missing
# values): observers A-D (rows) x units 1-12 (columns).
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
        [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
    ]
)
# Published in the same paper: nominal .743, ordinal .815, interval .849, ratio .797.
KRIPPENDORFF_2011_ALPHA = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}

# Hayes, A. F. & Krippendorff, K. (2007). Answering the call for a standard reliability
# measure for coding data. Communication Methods and Measures 1(1), 77-89, Table 1:
# 40 news articles x 5 observers, tone 0-3, "." missing. Transcribed from the CSV of the
# R package krippendorff by jucor (data-raw/hayes2007table1.csv). Published: ordinal
# alpha = .7598.
HAYES_2007_UNITS = """
    1,1,2,.,2  1,1,0,1,.  2,3,3,3,.  .,0,0,.,0  0,0,0,.,0
    0,0,0,.,0  1,0,2,.,1  1,.,2,0,.  2,2,2,.,2  2,1,1,1,.
    .,1,0,0,.  0,0,0,0,.  1,2,2,2,.  3,3,2,2,3  1,1,1,.,1
    1,1,1,.,1  2,1,2,.,2  1,2,3,3,.  1,1,0,1,.  0,0,0,.,0
    0,0,1,1,.  0,0,.,0,0  2,3,3,3,.  0,0,0,0,.  1,2,.,2,2
    0,1,1,1,.  0,0,0,1,0  1,2,1,2,.  1,1,2,2,.  1,1,2,.,2
    1,1,0,.,0  2,1,2,1,.  2,2,.,2,2  3,2,2,2,.  2,2,2,.,2
    2,2,3,.,2  2,2,2,.,2  2,2,.,1,2  2,2,2,2,.  1,1,1,.,1
"""


def hayes_2007() -> np.ndarray:
    """Observers (rows) x units (columns), nan missing."""
    units = HAYES_2007_UNITS.split()
    return np.array([[N if v == "." else float(v) for v in u.split(",")] for u in units]).T


def test_hayes_2007_table_has_40_units_and_5_observers():
    data = hayes_2007()
    assert data.shape == (5, 40)
    # Unit 14 is the only one all five observers coded: 3 3 2 2 3.
    assert data[:, 13].tolist() == [3, 3, 2, 2, 3]


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_matches_krippendorff_2011_published_values(level):
    result = alpha_and_coincidences(KRIPPENDORFF_2011, level, [1, 2, 3, 4, 5])
    assert round(result.alpha, 3) == KRIPPENDORFF_2011_ALPHA[level]
    assert result.reason == ""


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_from_coincidences_matches_krippendorff_2011(level):
    o = alpha_and_coincidences(KRIPPENDORFF_2011, level, [1, 2, 3, 4, 5]).coincidences
    alpha = alpha_from_coincidences(o, level, np.arange(1.0, 6.0))
    assert round(alpha, 3) == KRIPPENDORFF_2011_ALPHA[level]


def test_coincidence_matrix_of_krippendorff_2011_computed_by_hand():
    # Computed by hand from the data above (each pairable unit adds
    # n_c * (n_k - [c == k]) / (m_u - 1)):
    #   o_11 = 3 (unit 1) + 2 (unit 8) + 2 (unit 11) = 7
    #   o_22 = 2 (unit 2) + 4 (unit 5) + 4 (unit 9) = 10
    #   o_33 = 4 + 4 (units 3, 4) = 8, o_44 = 4 (unit 7), o_55 = 3 (unit 10)
    #   o_12 = 1/3 (unit 6) + 1 (unit 8) = 4/3, o_23 = 1 (unit 2) + 1/3 (unit 6) = 4/3
    #   o_13 = o_14 = o_24 = o_34 = 1/3 (unit 6); unit 12 has one value and adds nothing.
    # Marginals 9, 13, 10, 5, 3 and n = 40, as in Krippendorff (2011).
    third = 1 / 3
    expected = np.array(
        [
            [7, 4 * third, third, third, 0],
            [4 * third, 10, 4 * third, third, 0],
            [third, 4 * third, 8, third, 0],
            [third, third, third, 4, 0],
            [0, 0, 0, 0, 3],
        ]
    )
    result = alpha_and_coincidences(KRIPPENDORFF_2011, "nominal", [1, 2, 3, 4, 5])
    np.testing.assert_allclose(result.coincidences, expected)
    assert result.coincidences.sum(axis=1).tolist() == pytest.approx([9, 13, 10, 5, 3])
    assert result.pairable_values == 40
    assert result.units == 11
    # By hand: 1 - (n - 1) * 8 / (n^2 - sum n_c^2) = 1 - 39 * 8 / (1600 - 384) = .7434
    assert result.alpha == pytest.approx(1 - 39 * 8 / 1216)


def test_alpha_matches_hayes_krippendorff_2007_ordinal_example():
    result = alpha_and_coincidences(hayes_2007(), "ordinal", [0, 1, 2, 3])
    assert round(result.alpha, 4) == 0.7598
    o = result.coincidences
    assert round(alpha_from_coincidences(o, "ordinal", np.arange(4.0)), 4) == 0.7598


# --- An independent, textbook computation over pairs of pairable values (slow, loops) ---


def textbook_alpha(matrix: np.ndarray, level: str, values: list[float]) -> float:
    """Alpha from pairs of values, following Krippendorff (2011) section by section."""
    units = []
    for column in matrix.T:
        present = [v for v in column if not math.isnan(v)]
        if len(present) >= 2:
            units.append(present)
    pooled = [v for unit in units for v in unit]
    n = len(pooled)
    n_v = {v: pooled.count(v) for v in values}

    def delta(c: float, k: float) -> float:
        if level == "nominal":
            return float(c != k)
        if level == "interval":
            return (c - k) ** 2
        if level == "ratio":
            return ((c - k) / (c + k)) ** 2 if c + k else 0.0
        lo, hi = sorted((values.index(c), values.index(k)))
        between = sum(n_v[values[g]] for g in range(lo, hi + 1))
        return (between - (n_v[c] + n_v[k]) / 2) ** 2

    observed = 0.0
    for unit in units:
        m = len(unit)
        for i, j in itertools.permutations(range(m), 2):
            observed += delta(unit[i], unit[j]) / (m - 1)
    expected = 0.0
    for i, j in itertools.permutations(range(n), 2):
        expected += delta(pooled[i], pooled[j])
    return 1 - (n - 1) * observed / expected


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_textbook_alpha_reproduces_krippendorff_2011(level):
    alpha = textbook_alpha(KRIPPENDORFF_2011, level, [1.0, 2.0, 3.0, 4.0, 5.0])
    assert round(alpha, 3) == KRIPPENDORFF_2011_ALPHA[level]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_agrees_with_independent_textbook_computation(level, seed):
    # Independently computed: random data with missing values, compared against the
    # loop implementation above.
    rng = np.random.default_rng(seed)
    values = [1.0, 2.0, 4.0, 7.0]
    matrix = rng.choice(values, size=(4, 25))
    matrix[:, :18] = np.where(rng.random((4, 18)) < 0.6, matrix[0, :18], matrix[:, :18])
    matrix[rng.random(matrix.shape) < 0.25] = N
    expected = textbook_alpha(matrix, level, values)
    result = alpha_and_coincidences(matrix, level, values)
    assert result.alpha == pytest.approx(expected, abs=1e-12)
    assert alpha_from_coincidences(result.coincidences, level, values) == pytest.approx(
        expected, abs=1e-12
    )


def test_batched_alpha_equals_alpha_of_each_matrix():
    rng = np.random.default_rng(7)
    batch = []
    for _ in range(5):
        codes = rng.integers(-1, 3, size=(3, 30))
        batch.append(coincidence_matrix(value_counts(codes, 3)))
    batch = np.array(batch)
    for level in ("nominal", "ordinal", "interval", "ratio"):
        values = np.array([1.0, 2.0, 5.0])
        together = alpha_from_coincidences(batch, level, values)
        one_by_one = [alpha_from_coincidences(o, level, values) for o in batch]
        np.testing.assert_allclose(together, one_by_one)


def test_grouped_coincidences_add_up_to_the_whole():
    rng = np.random.default_rng(3)
    codes = rng.integers(-1, 4, size=(5, 200))
    counts = value_counts(codes, 4)
    groups = rng.integers(0, 6, size=200)
    per_group = grouped_coincidences(counts, groups, 6)
    np.testing.assert_allclose(per_group.sum(axis=0), coincidence_matrix(counts))
    for g in range(6):
        np.testing.assert_allclose(per_group[g], coincidence_matrix(counts[groups == g]))


def test_value_counts_counts_each_category_per_unit():
    codes = np.array([[0, 1, -1], [0, 2, -1], [1, 2, 0]])
    assert value_counts(codes, 3).tolist() == [[2, 1, 0], [0, 1, 2], [1, 0, 0]]


def test_ordinal_distances_match_krippendorff_2011_worked_values():
    # Computed by hand with Krippendorff's (2011) ordinal metric and the marginals of
    # example C, n = 9, 13, 10, 5, 3: delta(1, 2) = (9 + 13 - (9 + 13) / 2)^2 = 121 and
    # delta(1, 3) = (9 + 13 + 10 - (9 + 10) / 2)^2 = 22.5^2 = 506.25.
    d = distance_matrix("ordinal", np.arange(5.0), np.array([9, 13, 10, 5, 3]))
    assert d[0, 1] == pytest.approx(121)
    assert d[0, 2] == pytest.approx(506.25)
    assert d[2, 0] == d[0, 2]
    assert np.all(np.diag(d) == 0)


def test_perfect_agreement_with_variation_gives_alpha_one():
    matrix = np.array([[1, 2, 3, 1, N], [1, 2, 3, 1, 2], [N, 2, 3, 1, 2]], dtype=float)
    for level in ("nominal", "ordinal", "interval", "ratio"):
        assert alpha_and_coincidences(matrix, level, [1, 2, 3]).alpha == 1.0


def test_one_category_only_is_undefined_with_reason():
    matrix = np.array([[2, 2, 2], [2, 2, N]], dtype=float)
    result = alpha_and_coincidences(matrix, "nominal", [1, 2, 3])
    assert math.isnan(result.alpha)
    assert "one category" in result.reason
    assert "'2'" in result.reason


def test_no_pairable_values_is_undefined_with_reason():
    matrix = np.array([[1, N, 3], [N, 2, N]], dtype=float)
    result = alpha_and_coincidences(matrix, "ordinal", [1, 2, 3])
    assert math.isnan(result.alpha)
    assert "no pairable values" in result.reason
    assert result.units == 0 and result.pairable_values == 0


def test_single_valued_units_are_not_pairable():
    with_single = np.array([[1, 2, 1, 3], [1, 2, 2, N]], dtype=float)
    without = with_single[:, :3]
    a = alpha_and_coincidences(with_single, "nominal", [1, 2, 3])
    b = alpha_and_coincidences(without, "nominal", [1, 2, 3])
    assert a.alpha == b.alpha
    assert a.units == 3


def test_values_outside_the_domain_are_refused():
    with pytest.raises(ValueError, match="outside the value domain"):
        alpha_and_coincidences(np.array([[1, 2], [1, 9]], dtype=float), "nominal", [1, 2, 3])


def test_alpha_of_codes_equals_krippendorff_with_the_value_domain():
    codes = np.array([[0, 1, 2, 2], [0, 1, 1, 2]])
    values = np.array([1.0, 2.0, 4.0])
    result = alpha_of_codes(codes, "interval", values, ["a", "b", "c"])
    direct = krippendorff.alpha(
        reliability_data=values[codes], value_domain=values, level_of_measurement="interval"
    )
    assert result.alpha == pytest.approx(direct, abs=1e-12)


# --- alpha_of_counts: our own computation, against the krippendorff package and the paper ---


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_of_counts_reproduces_krippendorff_2011_worked_example(level):
    # Krippendorff (2011), example C (above): nominal .743 with missing data, ordinal .815,
    # interval .849, ratio .797; and the package's value on the same data, to the bit.
    values = np.arange(1.0, 6.0)
    counts = (KRIPPENDORFF_2011.T[:, :, None] == values[None, None, :]).sum(axis=1)
    counts = counts[counts.sum(axis=1) >= 2]
    alpha = alpha_of_counts(counts, level, values)
    assert round(alpha, 3) == KRIPPENDORFF_2011_ALPHA[level]
    package = krippendorff.alpha(
        reliability_data=KRIPPENDORFF_2011, value_domain=values, level_of_measurement=level
    )
    assert alpha == float(package)


def test_alpha_of_counts_reproduces_hayes_krippendorff_2007_ordinal_example():
    values = np.arange(4.0)
    counts = (hayes_2007().T[:, :, None] == values[None, None, :]).sum(axis=1)
    alpha = alpha_of_counts(counts[counts.sum(axis=1) >= 2], "ordinal", values)
    assert round(alpha, 4) == 0.7598  # Hayes & Krippendorff (2007), Table 1


@pytest.mark.parametrize("seed", range(8))
def test_alpha_of_counts_equals_the_krippendorff_package(seed):
    # Random reliability data (the package is the independent computation): equal to
    # 1e-12 as required, and in fact to the bit, at every level.
    rng = np.random.default_rng(seed)
    for _ in range(12):
        coders, k, units = (
            int(rng.integers(2, 8)),
            int(rng.integers(2, 7)),
            int(rng.integers(5, 4000)),
        )
        codes = rng.integers(-1, k, size=(coders, units))
        codes[:, : units // 3] = rng.integers(0, 2, size=(coders, units // 3))  # agreement
        counts = value_counts(codes, k)
        counts = counts[counts.sum(axis=1) >= 2]
        values = np.sort(rng.choice(np.arange(1, 30), k, replace=False)).astype(float)
        for level in ("nominal", "ordinal", "interval", "ratio"):
            package = krippendorff.alpha(
                value_counts=counts, value_domain=values, level_of_measurement=level
            )
            alpha = alpha_of_counts(counts, level, values)
            assert abs(alpha - package) <= 1e-12
            assert alpha == float(package)
