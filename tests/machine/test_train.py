"""The trained coder: features, grouped out-of-fold predictions, the training basis."""

from __future__ import annotations

from collections import Counter

import numpy as np

from desktop.core.machine.features import TextFeatures, char_ngram_counts
from desktop.core.machine.train import fit_dimension, save_trained, train_model
from desktop.core.store import machine as mstore


def test_char_ngram_counts_match_a_plain_python_count():
    texts = ["Abab", "ab", "", "xyzzy wins"]
    matrix = char_ngram_counts(texts, (2, 3))
    for row, text in enumerate(texts):
        lowered = text.lower()
        grams = Counter(lowered[i : i + n] for n in (2, 3) for i in range(len(lowered) - n + 1))
        counts = sorted(matrix[row].data.tolist())
        assert counts == sorted(float(c) for c in grams.values())  # no collision here
    # The same n-gram lands in the same column in every text; none spans two texts.
    assert matrix[0].indices.tolist() and set(matrix[1].indices) <= set(matrix[0].indices)
    assert matrix[2].nnz == 0


def test_features_of_new_texts_use_the_fitted_columns_only():
    features = TextFeatures()
    fitted = features.fit_transform(["alpha beta", "gamma delta"])
    new = features.transform(["alpha beta", "entirely unseen words"])
    assert new.shape[1] == fitted.shape[1]
    np.testing.assert_allclose(new[0].toarray(), fitted[0].toarray(), rtol=1e-6)


def test_folds_by_article_keep_an_article_marker_from_leaking():
    # Each article has its own marker word and one label for all its sentences; across
    # articles the label is random. A model that saw the article would read the marker
    # and be right every time; grouped out-of-fold predictions cannot.
    rng = np.random.default_rng(0)
    texts, labels, groups = [], [], []
    for article in range(40):
        label = str(rng.choice(["a", "b"]))
        for sentence in range(6):
            texts.append(f"marker{article}x common words sentence{sentence % 3}")
            labels.append(label)
            groups.append(article)
    x = TextFeatures().fit_transform(texts)
    y = np.array(labels)
    fit, oof, classes, model = fit_dimension(x, y, np.array(groups))
    out_of_fold = np.mean(classes[oof.argmax(axis=1)] == y)
    in_sample = np.mean(model.predict(x) == y)
    assert in_sample > 0.95
    assert out_of_fold < 0.7  # chance is 0.5; 240 units
    assert fit.folds == 5 and set(fit.cv_macro_f1) == {1e-5, 1e-4, 1e-3}


def test_units_outside_the_training_labels_are_coded_by_the_full_model(coded_project):
    result = train_model(coded_project, "ana-clf", basis="coder:ana", dimensions=["china_role"])
    # ana coded every unit: all out of fold. Learn from the gold of half the articles.
    assert all(label.out_of_fold for label in result.labels)
    from desktop.core.store.team import write_gold

    articles = sorted({u.article_id for u in mstore.codable_unit_texts(coded_project)})
    from desktop.core import store

    with store.write_transaction(coded_project):
        for unit in mstore.codable_unit_texts(coded_project):
            if unit.article_id in articles[:6]:
                for d in ("stance", "alliance_trust", "china_role"):
                    write_gold(coded_project, unit.id, d, None, "adjudicated", "lead")
    result = train_model(coded_project, "half", basis="gold", dimensions=["china_role"])
    kept = {
        u.id for u in mstore.codable_unit_texts(coded_project) if u.article_id not in articles[:6]
    }
    for label in result.labels:
        assert label.out_of_fold == (label.unit_id in kept)
        assert abs(sum(label.probabilities.values()) - 1.0) < 1e-4
    assert len(result.labels) == 144
    assert save_trained(coded_project, result) == 144
    assert mstore.get_model_coder(coded_project, "half").labels == 144
