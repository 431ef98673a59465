"""The alternative annotator test against the authors' reference implementation.

Reference: Calderon, Reichart & Dror (ACL 2025), "The Alternative Annotator Test for
LLM-as-a-Judge", code at github.com/nitaytech/AltTest (``alt_test`` and
``by_procedure`` in alt_test_example.ipynb). The expected winning rates and advantage
probabilities below were computed by THAT code (scoring_function='accuracy', q_fdr=0.05,
min_humans_per_instance=2, min_instances_per_human=30) on the cases built by
:func:`alt_case`, run outside this repository.
"""

from __future__ import annotations

import numpy as np
import pytest

from desktop.core.machine.scoring import alt_test, benjamini_yekutieli


def alt_case(seed, n_items, n_humans, human_error, llm_error, n_categories=4, missing=0.0):
    """Humans and an LLM who each report the truth or, with some probability, a random code."""
    rng = np.random.default_rng(seed)
    cats = [f"c{i}" for i in range(n_categories)]
    humans = {f"h{j}": {} for j in range(n_humans)}
    llm = {}
    for i in range(n_items):
        truth = int(rng.integers(n_categories))
        for j in range(n_humans):
            flip = rng.random() < human_error
            alt = int(rng.integers(n_categories))
            keep = rng.random() >= missing
            if keep:
                humans[f"h{j}"][f"u{i}"] = cats[alt if flip else truth]
        flip = rng.random() < llm_error
        alt = int(rng.integers(n_categories))
        llm[f"u{i}"] = cats[alt if flip else truth]
    return llm, humans


# seed, items, humans, human error, LLM error, categories, missing share, epsilon,
# winning rate and advantage probability from the reference implementation.
REFERENCE = [
    (1, 100, 3, 0.3, 0.1, 4, 0.0, 0.2, 1.0, 0.9866666666666667),
    (2, 100, 3, 0.2, 0.7, 4, 0.0, 0.2, 0.0, 0.5866666666666666),
    (3, 80, 4, 0.3, 0.3, 3, 0.3, 0.15, 0.0, 0.8186400066099315),
    (4, 120, 5, 0.25, 0.25, 4, 0.1, 0.1, 0.0, 0.8281791883626747),
    (5, 50, 3, 0.4, 0.2, 2, 0.0, 0.2, 1.0, 0.92),
    (6, 70, 4, 0.3, 0.35, 4, 0.45, 0.2, 0.3333333333333333, 0.8290648419680678),
]


@pytest.mark.parametrize("case", REFERENCE, ids=[f"case{c[0]}" for c in REFERENCE])
def test_winning_rate_and_advantage_match_the_reference_implementation(case):
    seed, n, h, he, le, k, missing, epsilon, winning, advantage = case
    llm, humans = alt_case(seed, n, h, he, le, k, missing)
    result = alt_test(llm, humans, epsilon=epsilon)
    assert result.winning_rate == pytest.approx(winning, abs=1e-12)
    assert result.advantage_probability == pytest.approx(advantage, abs=1e-12)
    assert result.passed is (winning >= 0.5)


def test_a_human_with_too_few_units_is_skipped_as_in_the_reference():
    # Case 6: the reference prints "Skipping annotator h0 with only 28 instances < 30".
    llm, humans = alt_case(6, 70, 4, 0.3, 0.35, 4, 0.45)
    result = alt_test(llm, humans, epsilon=0.2)
    assert "h0" in result.skipped and "28" in result.skipped["h0"]
    assert result.humans == ("h1", "h2", "h3")


def test_without_enough_shared_units_there_is_no_verdict():
    llm, humans = alt_case(1, 20, 3, 0.3, 0.1)
    result = alt_test(llm, humans)
    assert result.passed is None and np.isnan(result.winning_rate) and result.reason


def test_benjamini_yekutieli_rejections_by_hand():
    # m = 4, H_4 = 25/12; thresholds (i/4) * 0.05 / H_4 = 0.006, 0.012, 0.018, 0.024.
    # Sorted p: 0.001 (<= .006), 0.013 (> .012), 0.017 (<= .018), 0.5: the largest i that
    # passes is 3, so the three smallest are rejected (step-up).
    assert sorted(benjamini_yekutieli([0.5, 0.017, 0.001, 0.013], 0.05)) == [1, 2, 3]
    assert benjamini_yekutieli([0.5, 0.2], 0.05) == []
    assert benjamini_yekutieli([float("nan"), 0.0001], 0.05) == [1]
