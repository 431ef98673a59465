"""The unit bootstrap of alpha: exact resampling arithmetic, reproducibility, sanity."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pytest

from desktop.core.agreement.alpha import (
    alpha_from_coincidences,
    coincidence_matrix,
    unit_coincidences,
    value_counts,
)
from desktop.core.agreement.bootstrap import bootstrap_alpha, count_patterns


def synthetic_codes(n_units: int, n_coders: int, k: int, agree: float, seed: int) -> np.ndarray:
    """Coders x units category indices: each coder copies a true category with
    probability ``agree``, else picks at random; 15 % of the cells are missing."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n_units)
    codes = np.where(
        rng.random((n_coders, n_units)) < agree, truth, rng.integers(0, k, (n_coders, n_units))
    )
    codes[rng.random(codes.shape) < 0.15] = -1
    return codes


def test_patterns_reproduce_the_coincidence_matrix():
    counts = value_counts(synthetic_codes(2000, 5, 4, 0.7, 1), 4)
    counts = counts[counts.sum(axis=1) >= 2]
    patterns, frequency, inverse = count_patterns(counts)
    assert frequency.sum() == len(counts)
    np.testing.assert_array_equal(patterns[inverse], counts)
    total = np.tensordot(frequency, unit_coincidences(patterns), axes=1)
    np.testing.assert_allclose(total, coincidence_matrix(counts))
    assert len(patterns) < 130  # far fewer patterns than units


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_resampled_coincidences_give_the_alpha_of_the_resampled_units(level):
    # One resample done twice: by weighting unit coincidences (the bootstrap's method) and
    # by handing the duplicated units to krippendorff.alpha (independent computation).
    rng = np.random.default_rng(5)
    codes = synthetic_codes(60, 4, 3, 0.6, 2)
    values = np.array([1.0, 2.0, 5.0])
    counts = value_counts(codes, 3)
    drawn = rng.integers(0, 60, 60)
    weights = np.bincount(drawn, minlength=60)
    pairable = counts.sum(axis=1) >= 2
    o = np.tensordot(weights[pairable], unit_coincidences(counts[pairable]), axes=1)
    data = np.where(codes >= 0, values[np.clip(codes, 0, None)], np.nan)[:, drawn]
    expected = krippendorff.alpha(
        reliability_data=data, value_domain=values, level_of_measurement=level
    )
    assert alpha_from_coincidences(o, level, values) == pytest.approx(expected, abs=1e-12)


def test_bootstrap_is_reproducible_with_a_seed():
    counts = value_counts(synthetic_codes(500, 3, 4, 0.7, 3), 4)
    values = np.arange(4.0)
    a = bootstrap_alpha(counts, "ordinal", values, resamples=300, rng=np.random.default_rng(42))
    b = bootstrap_alpha(counts, "ordinal", values, resamples=300, rng=np.random.default_rng(42))
    c = bootstrap_alpha(counts, "ordinal", values, resamples=300, rng=np.random.default_rng(43))
    np.testing.assert_array_equal(a.alphas, b.alphas)
    assert (a.low, a.high, a.p_below) == (b.low, b.high, b.p_below)
    assert not np.array_equal(a.alphas, c.alphas)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_interval_contains_the_estimate(level):
    counts = value_counts(synthetic_codes(400, 4, 4, 0.7, 4), 4)
    values = np.arange(1.0, 5.0)
    alpha = alpha_from_coincidences(coincidence_matrix(counts), level, values)
    result = bootstrap_alpha(counts, level, values, resamples=1000, rng=np.random.default_rng(0))
    assert result.low < alpha < result.high
    assert result.high - result.low < 0.2
    assert result.resamples == 1000 and result.undefined == 0


def test_bootstrap_mean_is_close_to_alpha_on_a_large_sample():
    counts = value_counts(synthetic_codes(20000, 4, 4, 0.75, 6), 4)
    values = np.arange(4.0)
    alpha = alpha_from_coincidences(coincidence_matrix(counts), "ordinal", values)
    result = bootstrap_alpha(counts, "ordinal", values, resamples=500, rng=np.random.default_rng(1))
    assert result.mean == pytest.approx(alpha, abs=0.003)
    assert result.high - result.low < 0.03


def test_shares_below_thresholds_are_the_shares_of_resampled_alphas():
    counts = value_counts(synthetic_codes(150, 3, 3, 0.8, 7), 3)
    result = bootstrap_alpha(
        counts, "nominal", np.arange(3.0), resamples=1000, rng=np.random.default_rng(3)
    )
    for threshold, share in result.p_below.items():
        assert share == np.mean(result.alphas < threshold)
    assert set(result.p_below) == {0.8, 0.667}


def test_many_patterns_fall_back_to_drawing_unit_indices():
    # 12 coders and 6 categories: nearly every unit has its own pattern.
    counts = value_counts(synthetic_codes(300, 12, 6, 0.5, 8), 6)
    patterns, _, _ = count_patterns(counts[counts.sum(axis=1) >= 2])
    assert len(patterns) * 4 > 300
    values = np.arange(6.0)
    alpha = alpha_from_coincidences(coincidence_matrix(counts), "nominal", values)
    result = bootstrap_alpha(counts, "nominal", values, resamples=400, rng=np.random.default_rng(2))
    assert result.low < alpha < result.high


def test_no_resamples_or_no_pairable_units_give_a_reason():
    counts = np.array([[1, 0], [0, 1]])
    none = bootstrap_alpha(
        counts, "nominal", np.arange(2.0), resamples=0, rng=np.random.default_rng()
    )
    assert math.isnan(none.low) and "no bootstrap" in none.reason
    empty = bootstrap_alpha(
        counts, "nominal", np.arange(2.0), resamples=10, rng=np.random.default_rng()
    )
    assert math.isnan(empty.high) and "no pairable units" in empty.reason
    assert all(math.isnan(p) for p in empty.p_below.values())


def test_resamples_without_variation_are_counted_as_undefined():
    # Two units agree on 'a', one on 'b': a resample of three units holds only one
    # category with probability (2/3)^3 + (1/3)^3 = 1/3.
    counts = np.array([[2, 0], [2, 0], [0, 2]])
    result = bootstrap_alpha(
        counts, "nominal", np.arange(2.0), resamples=2000, rng=np.random.default_rng(9)
    )
    assert 0.28 < result.undefined / 2000 < 0.39
    assert result.usable == 2000 - result.undefined
    # A third of the resamples has no alpha: they could hold a whole tail, so no interval.
    assert math.isnan(result.low) and math.isnan(result.high)
    assert f"only {result.usable:,} of 2,000 resamples had a defined alpha" in result.reason
    assert all(math.isnan(p) for p in result.p_below.values())


def test_two_units_in_perfect_agreement_give_no_interval_and_say_how_many_resamples_counted():
    # The case: two units in perfect agreement, one on 'a' and one on 'b'. A
    # resample of two units holds one category with probability 1/2 (computed by hand:
    # (1/2)^2 + (1/2)^2), so about 500 of 1,000 resamples are undefined.
    counts = np.array([[2, 0], [0, 2]])
    result = bootstrap_alpha(
        counts, "nominal", np.arange(2.0), resamples=1000, rng=np.random.default_rng(5)
    )
    assert 440 < result.undefined < 560
    assert result.usable == 1000 - result.undefined
    assert math.isnan(result.low) and "had a defined alpha" in result.reason


def test_a_few_undefined_resamples_keep_the_interval_and_are_counted():
    # 60 units, 2 coders, one unit of 'b' among 'a': 1,000 resamples, (59/60)^60 = 36.5%
    # of them would have no 'b'. With 12 units of 'b' of 60, (48/60)^60 ~ 1.5e-6: none.
    counts = np.array([[2, 0]] * 44 + [[1, 1]] * 4 + [[0, 2]] * 12)
    result = bootstrap_alpha(
        counts, "nominal", np.arange(2.0), resamples=1000, rng=np.random.default_rng(6)
    )
    assert result.undefined == 0 and result.usable == 1000
    assert result.low < result.high


def test_resampling_articles_adds_each_article_whole():
    # Two articles: the first of units agreeing on 'a' and 'b', the second of units
    # that disagree. Resampling articles draws (2, 0), (1, 1) or (0, 2) copies of them,
    # so every resampled alpha is krippendorff's alpha of one of those three data sets.
    counts = np.array([[2, 0], [0, 2], [1, 1], [1, 1], [2, 0]])
    clusters = np.array([0, 0, 1, 1, 1])
    result = bootstrap_alpha(
        counts,
        "nominal",
        np.arange(2.0),
        resamples=400,
        rng=np.random.default_rng(8),
        clusters=clusters,
    )
    assert result.method == "articles" and result.clusters == 2
    first = krippendorff.alpha(np.array([[0, 1] * 2, [0, 1] * 2]), level_of_measurement="nominal")
    second = krippendorff.alpha(
        np.array([[0, 0, 0] * 2, [1, 1, 0] * 2]), level_of_measurement="nominal"
    )
    both = krippendorff.alpha(
        np.array([[0, 1, 0, 0, 0], [0, 1, 1, 1, 0]]), level_of_measurement="nominal"
    )
    seen = set(np.round(result.alphas, 9).tolist())
    assert seen <= {round(first, 9), round(second, 9), round(both, 9)}
    assert len(seen) == 3
