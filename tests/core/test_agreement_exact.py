"""Issue 18, points 1-3 and 7: AC1 as Gwet defines it, kappa defined whenever it is,
reasons that agree with the numbers, and figures that never read "-0.000".

Reference values were computed outside the repository with independent programs and
are cited beside each case: Gwet's irrCAC 0.4.4 for Python (``CAC(...).gwet()``),
scikit-learn 1.9.1 (``cohen_kappa_score``), statsmodels 0.15.0
(``statsmodels.stats.inter_rater.fleiss_kappa``) and krippendorff.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from desktop.core.agreement import (
    cohen_kappa,
    compute_agreement,
    fleiss_kappa,
    format_table,
    gwet_ac1,
    linear_weights,
    render_html,
    report_to_json,
)
from desktop.core.agreement.methods import apa, methods_paragraph
from desktop.core.agreement.text import fmt
from desktop.core.resources import default_scheme_path
from desktop.core.scheme import load_scheme

SCHEME = load_scheme(default_scheme_path())


def labels_of(rows: dict[str, str], dimension: str, codes: dict[str, str]) -> pd.DataFrame:
    """Long labels from one string per coder, one token per unit ("*" = not coded)."""
    out = []
    for coder, line in rows.items():
        for unit, token in enumerate(line.split()):
            if token != "*":
                out.append((f"u{unit:02d}", coder, dimension, codes[token]))
    return pd.DataFrame(out, columns=["unit_id", "coder", "dimension", "value"])


# -- 1. Gwet's AC1 ------------------------------------------------------------------------

# Gwet (2014), Handbook of Inter-Rater Reliability, 4th ed., the 4-rater, 12-unit example
# with missing ratings (irrCAC's cac.raw4raters / raw_4raters): AC1 = 0.77544, published
# and reproduced by irrCAC's gwet.ac1.raw. Unit 12 has a single rating.
GWET_4RATERS = {
    "r1": "1 2 3 3 2 1 4 1 2 * * *",
    "r2": "1 2 3 3 2 2 4 1 2 5 * *",
    "r3": "* 3 3 3 2 3 4 2 2 5 1 3",
    "r4": "1 2 3 3 2 4 4 1 2 5 1 *",
}

# Written for this test: three coders, 14 units, six of them with one value only, all
# 'c' (mixed), which is rare among the units with two or more values. china_role has
# four categories (q = 4). irrCAC 0.4.4: CAC(data, categories=["a", "b", "c", "n"])
# .gwet() gives AC1 = 0.79188 (pa 0.83333, pe 0.19917); on the units with two or more
# values only (the engine's old basis) it gives 0.81274.
SINGLES = {
    "A": "a a a a b a a a c * * * c *",
    "B": "a a a b b a a a * c * * * c",
    "C": "a * a a b a b a * * c c * *",
}
CHINA = {"a": "constructive", "b": "obstructive", "c": "mixed", "n": "none"}


def test_ac1_of_gwets_four_rater_example_with_a_single_rated_unit_is_the_published_value():
    counts = np.zeros((12, 5), dtype=int)
    for line in GWET_4RATERS.values():
        for unit, token in enumerate(line.split()):
            if token != "*":
                counts[unit, int(token) - 1] += 1
    assert round(gwet_ac1(counts, 5).value, 5) == 0.77544
    # The old basis (units with two or more ratings) gave the 0.77515 the issue reports.
    assert round(gwet_ac1(counts[counts.sum(axis=1) >= 2], 5).value, 5) == 0.77515


def test_compute_agreement_takes_ac1_shares_from_every_unit_with_a_value():
    labels = labels_of(SINGLES, "china_role", CHINA)
    d = compute_agreement(labels, SCHEME, bootstrap=0, drift=False).dimension("china_role")
    assert round(d.gwet_ac1, 5) == 0.79188
    assert round(d.percent_agreement, 5) == 0.83333
    assert d.gwet_ac1_units == 8 and d.gwet_ac1_pi_units == 14
    assert report_to_json_dimension(labels)["gwet_ac1_pi_units"] == 14


def report_to_json_dimension(labels: pd.DataFrame) -> dict:
    report = compute_agreement(labels, SCHEME, bootstrap=0, drift=False)
    return next(d for d in report_to_json(report)["dimensions"] if d["id"] == "china_role")


# -- 2. kappa undefined only when it is ----------------------------------------------------


@pytest.mark.parametrize("n", [100_000, 200_000])
def test_kappa_is_defined_when_chance_agreement_is_close_to_but_not_one(n):
    weights = linear_weights(np.arange(3))
    # (a) The coders agree everywhere; one unit of n is in another category.
    agree = np.zeros((3, 3))
    agree[0, 0], agree[2, 2] = n - 1, 1
    assert cohen_kappa(agree).value == pytest.approx(1.0, abs=1e-12)
    assert cohen_kappa(agree, weights).value == pytest.approx(1.0, abs=1e-12)
    assert fleiss_kappa(np.array([[2, 0, 0]] * (n - 1) + [[0, 0, 2]]), 2, "xyz").value == 1.0
    # (b) One category everywhere but one disagreement. scikit-learn cohen_kappa_score
    # (labels [0, 1, 2], unweighted and weights="linear"): 0.0 and 0.0. Fleiss' kappa in
    # closed form: D_o = 1/n, D_e = 2 (1/2n)(1 - 1/2n), kappa = -1/(2n - 1), i.e.
    # -5.00002500e-06 at n = 100,000; statsmodels' fleiss_kappa, which takes 1 - p_e,
    # gives -5.000014311512479e-06 and -2.5000064568512087e-06 (200,000): within 3e-6.
    once = np.zeros((3, 3))
    once[0, 0], once[0, 1] = n - 1, 1
    assert cohen_kappa(once).value == pytest.approx(0.0, abs=1e-12)
    assert cohen_kappa(once, weights).value == pytest.approx(0.0, abs=1e-12)
    statsmodels = {100_000: -5.000014311512479e-06, 200_000: -2.5000064568512087e-06}[n]
    counts = np.array([[2, 0, 0]] * (n - 1) + [[1, 1, 0]])
    fleiss = fleiss_kappa(counts, 2, "xyz").value
    assert fleiss == pytest.approx(-1 / (2 * n - 1), rel=1e-9)
    assert fleiss == pytest.approx(statsmodels, rel=3e-6)
    # Undefined stays undefined: every value in one category.
    only = np.zeros((3, 3))
    only[1, 1] = n
    assert math.isnan(cohen_kappa(only, weights).value)
    assert math.isnan(fleiss_kappa(np.array([[0, 2, 0]] * n), 2, "xyz").value)


@pytest.mark.parametrize(
    ("n", "alpha", "fleiss", "weighted"),
    [
        # scikit-learn cohen_kappa_score(weights="linear", labels=[0, 1, 2]), statsmodels
        # fleiss_kappa and krippendorff.alpha(level_of_measurement="ordinal"), run outside
        # the repository on the same two coders' values.
        (100_000, 0.8000039999999999, 0.7999957999127829, 0.8888864196982156),
        (200_000, 0.800002, 0.7999978999759997, 0.8888876543072701),
    ],
)
def test_a_hundred_thousand_units_in_one_category_keep_every_coefficient(
    n, alpha, fleiss, weighted
):
    # Two coders: 'pressure' almost everywhere, two units of 'engagement' on which they
    # agree, and one unit where the second coder says 'mixed'.
    first = np.full(n, "pressure", dtype=object)
    first[-2:] = "engagement"
    second = first.copy()
    second[0] = "mixed"
    units = [f"u{i}" for i in range(n)]
    labels = pd.DataFrame(
        {
            "unit_id": units * 2,
            "coder": ["ana"] * n + ["ben"] * n,
            "dimension": "stance",
            "value": np.concatenate([first, second]),
        }
    )
    d = compute_agreement(labels, SCHEME, bootstrap=0, drift=False).dimension("stance")
    assert d.alpha == pytest.approx(alpha, rel=1e-9)
    assert d.fleiss_kappa == pytest.approx(fleiss, rel=1e-9)
    (pair,) = d.pairs
    assert pair.cohen_kappa_reason == ""
    assert pair.cohen_kappa == pytest.approx(weighted, rel=1e-9)


# -- 3. reasons that agree with the numbers ------------------------------------------------


def test_coders_who_share_units_but_no_applicable_value_are_told_so():
    # ana and ben share three units; on each at least one of them chose 'none'.
    rows = {"ana": "none none pressure mixed", "ben": "pressure none none *"}
    codes = {"pressure": "pressure", "mixed": "mixed", "none": "none"}
    labels = labels_of(rows, "stance", codes)
    d = compute_agreement(labels, SCHEME, bootstrap=0, drift=False).dimension("stance")
    (pair,) = d.pairs
    assert pair.units == 3 and math.isnan(pair.cohen_kappa)
    assert "share no unit" not in pair.cohen_kappa_reason
    assert pair.cohen_kappa_reason == (
        "the two coders share 3 units, but on none did both choose an applicable category "
        "('none' is missing at the ordinal level)"
    )


# -- 7. wording ----------------------------------------------------------------------------


def test_numbers_that_round_to_zero_never_read_negative():
    assert fmt(-0.0001) == "0.000" and fmt(-1e-17) == "0.000"
    assert fmt(-0.0006) == "-0.001"
    assert apa(-0.001) == ".00" and apa(-0.006) == "-.01"


def test_reports_say_what_each_coefficient_counts():
    labels = labels_of(SINGLES, "china_role", CHINA)
    stance = labels_of(
        {"A": "p p m e n p m e", "B": "p m m e n p n e", "C": "p p m e p * m e"},
        "stance",
        {"p": "pressure", "m": "mixed", "e": "engagement", "n": "none"},
    )
    report = compute_agreement(pd.concat([labels, stance]), SCHEME, bootstrap=200)
    d = report.dimension("stance")
    text = format_table(report)
    assert "Fleiss units" in text and "usable/resamples" in text
    assert "percent agreement, Fleiss' kappa and AC1 count it as a category" in text
    assert "kappa (linear by rank)" in text
    html = render_html(report, project_name="t")
    assert "Cohen&#x27;s kappa (linear weights by rank)" in html
    assert f"Fleiss&#x27; kappa rests on {d.fleiss_units:,} units" in html
    methods = methods_paragraph(report)
    assert "sentences with two or more applicable values" in methods
    assert "coded by 3 coders (" not in methods
    pair = report_to_json(report)["dimensions"][0]["pairs"][0]
    assert pair["weights"] == "linear" and pair["weights_by"] == "rank"


def test_kappa_heatmap_does_not_use_alphas_thresholds():
    from desktop.core.agreement.html import colour, kappa_colour

    # alpha's scale jumps from amber to green between .667 and .8; kappa's is one hue.
    assert colour(0.7) != colour(0.9)
    shades = [kappa_colour(v) for v in (0.0, 0.5, 0.7, 0.8, 1.0)]
    reds = [int(s[1:3], 16) for s in shades]
    assert reds == sorted(reds, reverse=True) and len(set(shades)) == 5
    assert all(int(s[5:7], 16) >= int(s[1:3], 16) for s in shades)  # blue, never red
