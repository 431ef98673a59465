"""Percent agreement, Fleiss' kappa, Gwet's AC1 and Cohen's kappa against published values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from desktop.core.agreement.alpha import value_counts
from desktop.core.agreement.coefficients import (
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    linear_weights,
    majority_agreement,
    pair_table,
    percent_agreement,
)

# Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
# Psychological Bulletin 76(5), 378-382, Table 1: 30 patients, 6 psychiatrists each,
# 5 diagnoses. Raw ratings as shipped in the R package irr (dataset `diagnoses`) and
# transcribed in statsmodels' stats/tests/test_inter_rater.py. Fleiss reports
# kappa = .430; irr's kappam.fleiss gives 0.4302445.
FLEISS_1971 = np.array(
    [
        [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
        [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
        [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
        [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
        [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
        [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
        [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
    ]
)  # fmt: skip

# Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories,
# counts per subject and category; the article gives kappa = 0.210.
WIKIPEDIA_FLEISS = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)

# Gwet, K. L. (2014). Handbook of Inter-Rater Reliability, 4th ed., dataset
# `cac.raw4raters` of his R package irrCAC: 12 subjects (rows) x 4 raters, categories
# 1-5 - the same data as Krippendorff (2011) example C. irrCAC's vignette prints
# gwet.ac1.raw(cac.raw4raters) AC1 = 0.77544.
N = -1
CAC_RAW4RATERS = np.array(
    [
        [1, 1, N, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
        [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [N, 5, 5, 5], [N, N, 1, 1], [N, N, 3, N],
    ]
)  # fmt: skip


def counts_of(ratings: np.ndarray, k: int) -> np.ndarray:
    """Value counts from subjects x raters with categories 1..k (-1 missing)."""
    codes = np.where(ratings > 0, ratings - 1, -1).T
    return value_counts(codes, k)


def test_fleiss_kappa_matches_fleiss_1971():
    counts = counts_of(FLEISS_1971, 5)
    result = fleiss_kappa(counts, 6, ["1", "2", "3", "4", "5"])
    assert round(result.value, 3) == 0.430
    assert result.value == pytest.approx(0.4302445, abs=1e-7)
    assert result.units == 30


def test_fleiss_kappa_matches_wikipedia_worked_example():
    result = fleiss_kappa(WIKIPEDIA_FLEISS, 14, list("abcde"))
    assert round(result.value, 3) == 0.210


def test_fleiss_kappa_uses_only_units_rated_by_every_coder():
    counts = counts_of(CAC_RAW4RATERS, 5)
    full = counts[counts.sum(axis=1) == 4]
    assert (
        fleiss_kappa(counts, 4, list("abcde")).value == fleiss_kappa(full, 4, list("abcde")).value
    )
    # Units 2-9 were rated by all four raters.
    assert fleiss_kappa(counts, 4, list("abcde")).units == 8


def test_fleiss_kappa_undefined_without_complete_units_or_variation():
    counts = np.array([[2, 0], [1, 0]])
    assert "no unit was coded by all 3 coders" in fleiss_kappa(counts, 3, ["a", "b"]).reason
    one = fleiss_kappa(np.array([[3, 0], [3, 0]]), 3, ["a", "b"])
    assert math.isnan(one.value) and "'a'" in one.reason
    assert "two or more coders" in fleiss_kappa(counts, 1, ["a", "b"]).reason


def test_gwet_ac1_matches_irrcac_cac_raw4raters():
    counts = counts_of(CAC_RAW4RATERS, 5)
    result = gwet_ac1(counts, 5)
    assert round(result.value, 5) == 0.77544
    assert result.units == 11


def test_percent_agreement_of_cac_raw4raters_computed_by_hand():
    # By hand, the share of agreeing pairs per unit with two or more ratings:
    # units 1, 3, 4, 5, 7, 9, 10, 11 -> 1; unit 2 (2,2,3,2) -> 6/12; unit 8 -> 6/12;
    # unit 6 (1,2,3,4) -> 0; unit 12 has one rating. (8 + 0.5 + 0.5 + 0) / 11 = 9/11.
    result = percent_agreement(counts_of(CAC_RAW4RATERS, 5))
    assert result.value == pytest.approx(9 / 11)
    assert result.units == 11


def test_gwet_ac1_two_raters_computed_by_hand():
    # Two raters, 50 items: yes/yes 20, yes/no 5, no/yes 10, no/no 15 (the Cohen's kappa
    # example below). By hand: p_a = .70, pi_yes = (25 + 30) / 100 = .55,
    # p_e = 2 * .55 * .45 = .495, AC1 = (.70 - .495) / (1 - .495) = .405941.
    counts = np.array([[2, 0]] * 20 + [[1, 1]] * 15 + [[0, 2]] * 15)
    assert gwet_ac1(counts, 2).value == pytest.approx(0.205 / 0.505)


def test_cohen_kappa_matches_wikipedia_worked_example():
    # Wikipedia, "Cohen's kappa", worked example: 50 proposals, both yes 20, A yes and
    # B no 5, A no and B yes 10, both no 15 -> kappa = 0.4.
    table = np.array([[20, 5], [10, 15]])
    assert cohen_kappa(table).value == pytest.approx(0.4)


def test_cohen_kappa_matches_sas_example_unweighted_and_linear():
    # SAS PROC FREQ output for the 3 x 3 table below, as recorded in statsmodels'
    # stats/tests/test_inter_rater.py: simple kappa 0.4842, weighted kappa with
    # Cicchetti-Allison (linear) weights 0.4701.
    table = np.array([[0, 4, 1], [0, 8, 0], [0, 1, 5]])
    assert round(cohen_kappa(table).value, 4) == 0.4842
    weighted = cohen_kappa(table, linear_weights(np.arange(3)))
    assert round(weighted.value, 4) == 0.4701


def test_cohen_kappa_agrees_with_scikit_learn():
    # Independently computed by scikit-learn (a test-only dependency).
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(11)
    a = rng.integers(0, 4, 200)
    b = np.where(rng.random(200) < 0.6, a, rng.integers(0, 4, 200))
    table = pair_table(a, b, 4)
    for weights, name in ((None, None), (linear_weights(np.arange(4)), "linear")):
        ours = cohen_kappa(table, weights).value
        theirs = metrics.cohen_kappa_score(a, b, labels=[0, 1, 2, 3], weights=name)
        assert ours == pytest.approx(theirs, abs=1e-12)


def test_cohen_kappa_undefined_when_both_coders_use_one_category():
    result = cohen_kappa(np.array([[7, 0], [0, 0]]), codes=["yes", "no"])
    assert math.isnan(result.value)
    assert "'yes'" in result.reason
    assert "share no unit" in cohen_kappa(np.zeros((2, 2))).reason


def test_linear_weights_on_values():
    w = linear_weights(np.array([1.0, 2.0, 4.0]))
    np.testing.assert_allclose(w, [[1, 2 / 3, 0], [2 / 3, 1, 1 / 3], [0, 1 / 3, 1]])


def test_pair_table_counts_units_both_coded():
    a = np.array([0, 1, -1, 2, 1])
    b = np.array([0, 2, 1, -1, 1])
    assert pair_table(a, b, 3).tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 0]]


def test_majority_agreement_counts_units_with_a_strict_majority_of_two_or_more_others():
    # Computed by hand. Coder 0 against the others, per unit:
    #   u0: others 1,1,1 -> majority 1, coder 1: agree
    #   u1: others 0,0,1 -> majority 0, coder 1: disagree
    #   u2: others 0,1,2 -> no strict majority
    #   u3: others 2,2,- -> majority 2 (two of two), coder 2: agree
    #   u4: others 2,-,- -> only one other coder: left out
    #   u5: coder 0 did not code it: left out
    codes = np.array(
        [
            [1, 1, 0, 2, 2, -1],
            [1, 0, 0, 2, 2, 1],
            [1, 0, 1, 2, -1, 1],
            [1, 1, 2, -1, -1, 1],
        ]
    )
    counts = value_counts(codes, 3)
    result = majority_agreement(codes, counts, 0)
    assert result.units == 3
    assert result.value == pytest.approx(2 / 3)


def test_majority_agreement_undefined_without_majorities():
    codes = np.array([[0, 1], [1, 0]])
    result = majority_agreement(codes, value_counts(codes, 2), 0)
    assert math.isnan(result.value) and "strict majority" in result.reason


def test_percent_agreement_undefined_without_pairable_units():
    result = percent_agreement(np.array([[1, 0], [0, 1]]))
    assert math.isnan(result.value) and result.reason
    assert math.isnan(gwet_ac1(np.array([[1, 0]])).value)
