"""The sample-size planner (issue 21, part 1): Krippendorff's rule and the data's answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from desktop.core.agreement.planner import (
    PlanStatus,
    krippendorff_minimum_units,
    plan_agreement,
    plan_dimension,
    proposed_sample_size,
    units_needed,
)
from desktop.core.resources import default_scheme_path
from desktop.core.scheme import load_scheme

SCHEME = load_scheme(default_scheme_path())


def test_rule_matches_krippendorffs_printed_table():
    # Krippendorff (2019), Content Analysis, 4th ed., table of required sample sizes
    # (after Bloch & Kraemer, 1989, eq. 3.7), as reproduced in ATLAS.ti's manual
    # ("Sample Size and Decision Rules"): four equally frequent categories (p_c = .25),
    # p = .05, two coders: 139 units for alpha_min = .800, 81 for .667.
    assert krippendorff_minimum_units(0.800, 0.25, 0.05) == 139
    assert krippendorff_minimum_units(0.667, 0.25, 0.05) == 81


def test_rule_asks_more_for_rarer_categories_stricter_levels_and_more_coders():
    base = krippendorff_minimum_units(0.8, 0.25)
    assert krippendorff_minimum_units(0.8, 0.1) > base
    assert krippendorff_minimum_units(0.9, 0.25) > base
    assert krippendorff_minimum_units(0.8, 0.25, 0.01) > base
    # ATLAS.ti's reading of the rule for more coders: m z^2 in place of 2 z^2.
    assert krippendorff_minimum_units(0.8, 0.25, 0.05, coders=3) == pytest.approx(1.5 * base, abs=1)
    assert krippendorff_minimum_units(0.8, 1.0) is None


def synthetic_counts(n: int, k: int, error: float, seed: int) -> np.ndarray:
    """Two coders who copy the true category, or guess at random with rate ``error``."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n)
    codes = np.where(rng.random((2, n)) < error, rng.integers(0, k, (2, n)), truth)
    counts = np.zeros((n, k), dtype=np.int64)
    for row in codes:
        np.add.at(counts, (np.arange(n), row), 1)
    return counts


def test_data_answer_is_cannot_when_alpha_is_below_the_target():
    counts = synthetic_counts(300, 4, 0.3, seed=1)  # alpha about .6
    plan = plan_dimension(
        counts, "nominal", np.arange(4.0), "abcd", dimension="d", rng=np.random.default_rng(0)
    )
    assert plan.alpha < 0.8 and plan.status is PlanStatus.CANNOT
    assert plan.needed_target is None and plan.more_needed is None
    assert "cannot lift its lower bound above the target" in plan.reason


def test_data_answer_is_enough_for_many_reliable_units_and_grows_as_alpha_nears_the_target():
    many = synthetic_counts(2000, 4, 0.05, seed=2)  # alpha about .93
    plan = plan_dimension(
        many, "nominal", np.arange(4.0), "abcd", dimension="d", rng=np.random.default_rng(0)
    )
    assert plan.status is PlanStatus.ENOUGH and plan.more_needed == 0
    few = many[:60]
    needs = [
        units_needed(few, "nominal", np.arange(4.0), t, rng=np.random.default_rng(3))
        for t in (0.5, 0.7, 0.8)
    ]
    assert needs[0] <= needs[1] <= needs[2]
    assert needs[0] == 60  # .5 is far below alpha: 60 units already clear it


def test_plan_agreement_reads_long_labels_and_proposes_a_size():
    rows = []
    rng = np.random.default_rng(5)
    codes = ["constructive", "obstructive", "mixed", "none"]
    for unit in range(150):
        truth = codes[unit % 4]
        for coder in ("ana", "ben"):
            value = truth if rng.random() > 0.03 else codes[rng.integers(0, 4)]
            rows.append((f"u{unit}", coder, "china_role", value))
    labels = pd.DataFrame(rows, columns=["unit_id", "coder", "dimension", "value"])
    plans = {p.dimension: p for p in plan_agreement(labels, SCHEME)}
    china = plans["china_role"]
    assert china.units == 150 and china.coders == 2
    assert china.status in (PlanStatus.ENOUGH, PlanStatus.MORE)
    # Nothing coded on stance: the rule with equal shares of its 3 applicable categories.
    stance = plans["stance"]
    assert stance.status is PlanStatus.NO_DATA
    assert stance.rule_target == krippendorff_minimum_units(0.8, 1 / 3)
    assert proposed_sample_size(list(plans.values())) >= stance.rule_target
    with pytest.raises(ValueError, match="target must be between 0 and 1"):
        plan_agreement(labels, SCHEME, target=1.2)


def test_an_alpha_just_above_the_target_is_too_close_to_promise_from_few_units():
    # 40 units with alpha just above .8: the bootstrap copies of these units fall below
    # .8 too often for any sample size to promise the lower bound in 80% of samples.
    from desktop.core.agreement.planner import plan_summary

    for seed in range(40):
        counts = synthetic_counts(40, 4, 0.1, seed=seed)
        plan = plan_dimension(
            counts, "nominal", np.arange(4.0), "abcd", dimension="d", rng=np.random.default_rng(0)
        )
        if 0.8 < plan.alpha < 0.83:
            break
    assert 0.8 < plan.alpha < 0.83
    assert plan.status is PlanStatus.CANNOT and plan.needed_target is None
    assert "too close to it" in plan.reason
    assert plan_summary(plan).startswith("Sample size: alpha is too close to the target")
