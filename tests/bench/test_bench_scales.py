"""The benchmark scales are consistent: which measures run where, and the 1m fixture's shape.

Nothing is timed here. The 1m scale's generator is run at a few articles (the real
importer, the real store) and checked for what `make bench-1m` relies on: five human
coders, one machine coder of kind 'model' with a label on every unit and dimension, and
an export selection whose row count is what the product's long export writes.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, replace

import numpy as np
import pytest

from benchmarks.__main__ import KEYS, MEASURES, RESULTS, all_keys, skipped_at
from benchmarks.newstext import Picker, article
from benchmarks.synthetic import (
    FULL,
    M1,
    QUICK,
    SCALES,
    _built_for,
    add_labels,
    export_selection,
    import_articles,
)
from desktop.core import store
from desktop.core.export import Filters, export
from desktop.core.resources import default_scheme_path
from desktop.core.scheme import load_scheme
from desktop.core.store import machine

# What issue 24 asks for at 1M (its table of targets).
ASKED_AT_1M = {
    "import_sentences_per_s",
    "label_commit_ms",
    "key_to_next_ms",
    "key_burst_ms",
    "cold_start_s",
    "open_rss_mb",
    "agreement_s",
    "export_s",
}


def test_every_registered_measure_names_known_keys_and_scales():
    for measure in MEASURES:
        assert set(measure.scales) <= set(SCALES), measure.keys
        assert measure.keys and set(measure.keys) <= set(all_keys()), measure.keys
    assert set(RESULTS) == set(SCALES)
    assert len(set(RESULTS.values())) == len(RESULTS)


def test_the_quick_and_full_scales_skip_nothing():
    assert skipped_at(QUICK) == []
    assert skipped_at(FULL) == []


def test_the_1m_scale_runs_what_issue_24_asks_and_skips_the_rest():
    skipped = set(skipped_at(M1))
    produced = [k for m in MEASURES if "1m" in m.scales for k in m.keys]
    assert set(produced) >= ASKED_AT_1M
    assert not ASKED_AT_1M & skipped
    assert set(KEYS) - ASKED_AT_1M - set(produced) <= skipped
    assert {"bootstrap_s", "planner_s", "model_train_s", "agreement_ci_coverage"} <= skipped
    assert "segmenter_baselines" in skipped  # the other segmenters take minutes at 1M
    assert len(produced) == len(set(produced)), "a key measured twice at 1m"


def test_the_1m_scale_is_20000_articles_with_five_coders_and_a_machine_coder():
    assert M1.articles * M1.sentences_per_article == 1_000_000
    assert (M1.coders, M1.machine_coders, M1.export_coders) == (5, 1, 3)
    assert (QUICK.machine_coders, FULL.machine_coders) == (0, 0)


def test_a_fixture_built_before_the_new_scale_fields_is_still_the_full_fixture():
    recorded = asdict(FULL)
    del recorded["machine_coders"], recorded["export_coders"]
    assert _built_for(recorded, FULL)
    assert not _built_for(recorded | {"name": "1m", "articles": 20_000}, M1)
    assert not _built_for(None, FULL)


@pytest.fixture(scope="module")
def tiny_1m(tmp_path_factory):
    """The 1m generator at four articles: the project file and the build's statistics."""
    folder = tmp_path_factory.mktemp("tiny-1m")
    articles = folder / "articles"
    articles.mkdir()
    picker = Picker(np.random.default_rng([24, 1]))
    for number in range(4):
        text, _ = article(picker, 40)
        (articles / f"editorial_{number:05d}.txt").write_text(text, encoding="utf-8")
    project = folder / "project.stance"
    import_articles(articles, project, workers=1)
    scale = replace(M1, name="tiny", articles=4)
    stats = add_labels(project, scale, log=lambda _: None)
    return project, scale, stats


def test_the_1m_generator_writes_five_human_coders_and_one_model(tiny_1m):
    project, _scale, stats = tiny_1m
    db = store.open_project(project, readonly=True)
    try:
        assert machine.human_coder_ids(db) == ["c1", "c2", "c3", "c4", "c5"]
        assert machine.model_coder_ids(db) == ["m1"]
        (model,) = machine.list_model_coders(db)
        assert (model.method, model.runs) == ("train", 1)
        labels = store.labels_frame(db)
        assert sorted(labels["coder"].unique()) == ["c1", "c2", "c3", "c4", "c5"]
        assert len(labels) == stats["labels"]
    finally:
        db.close()


def test_the_machine_coder_labels_every_unit_on_every_dimension(tiny_1m):
    project, _scale, stats = tiny_1m
    scheme = load_scheme(default_scheme_path())
    db = store.open_project(project, readonly=True)
    try:
        frame = machine.model_labels_frame(db, coders=["m1"])
    finally:
        db.close()
    assert len(frame) == stats["units"] * len(scheme.dimensions) == stats["machine"]["m1"]
    assert frame.groupby("dimension")["unit_id"].nunique().to_dict() == {
        d: stats["units"] for d in scheme.dimension_ids
    }
    for dimension in scheme.dimensions:
        rows = frame[frame["dimension"] == dimension.id]
        for value, text in zip(rows["value"], rows["probabilities"], strict=True):
            probabilities = json.loads(text) if isinstance(text, str) else text
            assert list(probabilities) == sorted(dimension.codes)
            assert sum(probabilities.values()) == pytest.approx(1, abs=1e-5)
            assert max(probabilities, key=probabilities.get) == value


def test_the_export_selection_counts_the_rows_the_long_export_writes(tiny_1m, tmp_path):
    project, scale, _stats = tiny_1m
    selection = export_selection(project, scale)
    assert selection["coders"] == ["c1", "c2", "c3"]
    db = store.open_project(project, readonly=True)
    try:
        out = tmp_path / "long.csv"
        result = export(db, "long", "csv", out, filters=Filters(coders=("c1", "c2", "c3")))
    finally:
        db.close()
    assert result.rows == selection["rows"] > 0
    with sqlite3.connect(project) as conn:
        per_coder = conn.execute("SELECT count(*) FROM labels WHERE coder_id = 'c4'").fetchone()
    assert per_coder[0] > 0  # the selection leaves coders out; the file has them
