"""Scoring a model against humans, each figure checked against an independent computation.

Independent sources: scikit-learn's ``cohen_kappa_score``, ``confusion_matrix`` and
``precision_recall_fscore_support``; the ``krippendorff`` package (Castro's
fast-krippendorff, itself tested on Krippendorff's worked examples) fed with reliability
matrices built here by hand.
"""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score, precision_recall_fscore_support
from sklearn.metrics import confusion_matrix as sk_confusion

from desktop.core.machine.scoring import (
    compare,
    majority_labels,
    replacement,
    score_models,
)
from desktop.core.store.machine import ModelCoder

NOMINAL = "china_role"  # constructive, obstructive, mixed, none
ORDINAL = "stance"  # pressure(1) < mixed(2) < engagement(3); none not applicable


def _frame(values, name="x"):
    return pd.DataFrame({"unit_id": [f"u{i}" for i in range(len(values))], "value": values})


def _draw(rng, codes, n, truth=None, error=0.3):
    if truth is None:
        return list(rng.choice(codes, n))
    return [str(rng.choice(codes)) if rng.random() < error else t for t in truth]


@pytest.fixture
def dims(scheme):
    return {d.id: d for d in scheme.dimensions}


def test_nominal_comparison_matches_sklearn_and_krippendorff(scheme, dims):
    d = dims[NOMINAL]
    rng = np.random.default_rng(3)
    truth = _draw(rng, list(d.codes), 200)
    ref = _draw(rng, list(d.codes), 200, truth, 0.3)
    model = _draw(rng, list(d.codes), 200, truth, 0.25)
    c = compare(
        _frame(model), _frame(ref), d, scheme, name="ana", kind="human", bootstrap=200, seed=1
    )
    assert c.units == 200
    assert c.cohen_kappa == pytest.approx(cohen_kappa_score(ref, model), abs=1e-12)
    assert c.accuracy == pytest.approx(np.mean(np.array(ref) == np.array(model)))
    np.testing.assert_array_equal(c.confusion, sk_confusion(ref, model, labels=list(d.codes)))
    p, r, f, s = precision_recall_fscore_support(
        ref, model, labels=list(d.codes), zero_division=np.nan
    )
    for i, cat in enumerate(c.per_category):
        assert (cat.precision, cat.recall, cat.f1, cat.support) == pytest.approx(
            (p[i], r[i], f[i], s[i]), nan_ok=True
        )
    index = {code: i for i, code in enumerate(d.codes)}
    data = np.array([[index[v] for v in model], [index[v] for v in ref]], dtype=float)
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert c.alpha == pytest.approx(expected, abs=1e-12)
    assert c.alpha_ci95[0] < c.alpha < c.alpha_ci95[1]


def test_ordinal_comparison_treats_not_applicable_as_missing_and_weights_kappa(scheme, dims):
    d = dims[ORDINAL]
    rng = np.random.default_rng(5)
    truth = _draw(rng, list(d.codes), 150)
    ref = _draw(rng, list(d.codes), 150, truth, 0.3)
    model = _draw(rng, list(d.codes), 150, truth, 0.3)
    c = compare(
        _frame(model), _frame(ref), d, scheme, name="ana", kind="human", bootstrap=0, seed=1
    )
    rank = {"pressure": 1.0, "mixed": 2.0, "engagement": 3.0, "none": np.nan}
    data = np.array([[rank[v] for v in model], [rank[v] for v in ref]])
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal")
    assert c.alpha == pytest.approx(expected, abs=1e-12)
    # Linearly weighted kappa over the units where both used an applicable category.
    both = [(a, b) for a, b in zip(ref, model, strict=True) if a != "none" and b != "none"]
    kappa = cohen_kappa_score(
        [a for a, _ in both],
        [b for _, b in both],
        labels=["pressure", "mixed", "engagement"],
        weights="linear",
    )
    assert c.cohen_kappa == pytest.approx(kappa, abs=1e-12)
    # Accuracy and the confusion matrix count every category, 'none' included.
    assert c.accuracy == pytest.approx(np.mean(np.array(ref) == np.array(model)))
    assert c.confusion.sum() == 150


def test_replacement_difference_matches_krippendorff_on_hand_built_matrices(dims):
    d = dims[ORDINAL]
    rng = np.random.default_rng(8)
    n = 120
    truth = rng.integers(0, 3, n)  # pressure, mixed, engagement (scheme order 0..2)
    humans = np.array(
        [np.where(rng.random(n) < 0.3, rng.integers(0, 4, n), truth) for _ in range(3)],
        dtype=np.int16,
    )
    humans[2, :40] = -1  # the third coder coded only part of the units
    model = np.where(rng.random(n) < 0.2, rng.integers(0, 4, n), truth).astype(np.int16)
    r = replacement(humans, model, 1, d, name="ben", bootstrap=300, rng=np.random.default_rng(0))
    value = np.array([1.0, 2.0, 3.0, np.nan, np.nan])  # index 3 = none, -1 = missing

    def kalpha(m):
        return krippendorff.alpha(reliability_data=value[m], level_of_measurement="ordinal")

    swapped = humans.copy()
    swapped[1] = model
    assert r.humans_alpha == pytest.approx(kalpha(humans), abs=1e-12)
    assert r.swapped_alpha == pytest.approx(kalpha(swapped), abs=1e-12)
    assert r.difference == pytest.approx(kalpha(swapped) - kalpha(humans), abs=1e-12)
    assert r.ci95[0] < r.difference < r.ci95[1]


def test_majority_is_the_strict_plurality_and_skips_ties():
    labels = pd.DataFrame(
        {
            "unit_id": ["a", "a", "a", "b", "b", "c"],
            "coder": ["x", "y", "z", "x", "y", "x"],
            "dimension": ["s"] * 6,
            "value": ["p", "p", "m", "p", "m", "p"],
        }
    )
    out = majority_labels(labels, min_coders=2)
    assert out.to_dict("records") == [{"unit_id": "a", "dimension": "s", "value": "p"}]


def _model(name="m1"):
    return ModelCoder(name, "import", "file.csv", "0" * 64, {}, {}, {}, "", 0, 1)


def test_score_models_runs_every_figure_and_run_to_run_alpha(scheme):
    rng = np.random.default_rng(2)
    units = [f"u{i}" for i in range(60)]
    rows, model_rows, gold_rows = [], [], []
    for d in scheme.dimensions:
        codes = list(d.codes)
        truth = list(rng.choice(codes, len(units)))
        for u, t in zip(units, truth, strict=True):
            gold_rows.append((u, d.id, t))
            for coder in ("ana", "ben", "cho"):
                rows.append((u, coder, d.id, t if rng.random() > 0.2 else rng.choice(codes)))
            for run in (1, 2):
                v = t if rng.random() > 0.15 else str(rng.choice(codes))
                model_rows.append((u, "m1", d.id, v, run))
    humans = pd.DataFrame(rows, columns=["unit_id", "coder", "dimension", "value"])
    model = pd.DataFrame(model_rows, columns=["unit_id", "coder", "dimension", "value", "run"])
    gold = pd.DataFrame(gold_rows, columns=["unit_id", "dimension", "value"])
    report = score_models([_model()], model, humans, gold, scheme, bootstrap=100, seed=4)
    d = report.models[0].dimensions[0]
    assert [c.reference for c in d.comparisons] == ["ana", "ben", "cho", "majority", "gold"]
    assert [r.replaced for r in d.replacements] == ["ana", "ben", "cho"]
    assert d.alt_test.humans == ("ana", "ben", "cho")
    # Run-to-run alpha: the two runs as coders, by the krippendorff package.
    rr = d.run_to_run
    dim = scheme.dimensions[0]
    rank = {c.code: (np.nan if c.not_applicable else c.value) for c in dim.categories}
    runs = model[model["dimension"] == dim.id].pivot(index="run", columns="unit_id", values="value")
    expected = krippendorff.alpha(
        reliability_data=runs.map(rank.get).to_numpy(dtype=float),
        level_of_measurement=dim.level,
    )
    assert rr.runs == 2 and rr.alpha == pytest.approx(expected, abs=1e-12)
    gold_cmp = d.comparisons[-1]
    truth = gold[gold["dimension"] == dim.id].set_index("unit_id")["value"]
    first = model[(model["dimension"] == dim.id) & (model["run"] == 1)].set_index("unit_id")
    assert gold_cmp.accuracy == pytest.approx(float((first["value"] == truth).mean()))
    assert "m1" in report.methods and "Calderon" in report.methods


@pytest.mark.slow
def test_the_replacement_interval_covers_the_population_difference(dims):
    """Coverage by simulation: humans who err 30% of the time, a model that errs 15%.

    The population difference is taken from one sample of 200,000 units; 300 samples of
    200 units each get a 95% bootstrap interval (400 resamples), and about 95% of them
    must contain it (a binomial 99% band around 0.95 for 300 draws is 0.91-0.98).
    """
    d = dims[NOMINAL]

    def sample(rng, n):
        truth = rng.integers(0, 4, n)
        humans = np.array(
            [np.where(rng.random(n) < 0.3, rng.integers(0, 4, n), truth) for _ in range(3)],
            dtype=np.int16,
        )
        model = np.where(rng.random(n) < 0.15, rng.integers(0, 4, n), truth).astype(np.int16)
        return humans, model

    humans, model = sample(np.random.default_rng(0), 200_000)
    population = replacement(
        humans, model, 0, d, name="a", bootstrap=0, rng=np.random.default_rng(0)
    ).difference
    rng = np.random.default_rng(1)
    covered = 0
    for _ in range(300):
        h, m = sample(rng, 200)
        r = replacement(h, m, 0, d, name="a", bootstrap=400, rng=rng)
        covered += r.ci95[0] <= population <= r.ci95[1]
    assert 0.91 <= covered / 300 <= 0.98
