"""The labels read in C (store.label_frames) are the labels read through sqlite3, and the
agreement computed from them is the same to the last bit.

The project is built here: the five demo articles, four coders who each skip a quarter of
the labels, unsure flags and notes, units excluded by hand, a merge that retires a coded
unit, an excluded article, labels with the same time (ties in the drift's batches), and a
model coder with labels of its own.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from desktop.core import curation, store
from desktop.core.agreement import compute_agreement
from desktop.core.project_report import ReportFilters, project_report
from desktop.core.store import label_frames
from desktop.core.store.labels import write_label_row
from desktop.core.store.machine import (
    ModelLabel,
    agreement_labels_frame,
    model_labels_frame,
    put_model_labels,
    save_model_coder,
)

CODERS = ("ana", "ben", "cho", "dan")
MODEL = "model-a"


def _unit_ids(db) -> list[str]:
    return [r[0] for r in db.execute("SELECT id FROM units ORDER BY seq").fetchall()]


@pytest.fixture
def project(corpus_project, scheme):
    db = corpus_project
    rng = np.random.default_rng(24)
    units = _unit_ids(db)
    for coder in CODERS:
        store.ensure_coder(db, coder)
    with store.write_transaction(db):
        for n, unit in enumerate(units):
            # Three units share a minute, so that batches of the drift meet equal times.
            at = f"2026-11-{1 + n // 40:02d}T09:{(n // 3) % 60:02d}:00.{(n // 3) % 7:06d}Z"
            for dimension in scheme.dimensions:
                truth = int(rng.integers(len(dimension.codes)))
                for coder in CODERS:
                    if rng.random() < 0.25:
                        continue  # missing label
                    pick = truth if rng.random() < 0.7 else rng.integers(len(dimension.codes))
                    write_label_row(
                        db, unit, coder, dimension.id, dimension.codes[int(pick)], "set", at=at
                    )
    for unit in units[3:40:6]:
        store.set_unsure(db, unit, "ben", True)
        store.set_note(db, unit, "cho", "hard one, see the paragraph before")
    curation.exclude_units(db, units[10:14], confirm=True)
    curation.merge_units(db, units[20], units[21], confirm=True)
    articles = [r[0] for r in db.execute("SELECT id FROM articles ORDER BY position")]
    curation.exclude_article(db, articles[-1], confirm=True)
    save_model_coder(db, MODEL, method="import")
    put_model_labels(
        db,
        MODEL,
        [
            ModelLabel(unit, d.id, d.codes[(i + j) % len(d.codes)])
            for i, unit in enumerate(units[::2])
            for j, d in enumerate(scheme.dimensions)
        ],
    )
    return db


def _cells(frame: pd.DataFrame) -> dict[str, list]:
    return {c: frame[c].astype(object).tolist() for c in frame.columns}


def _report_json(labels, scheme, **options) -> str:
    report = compute_agreement(labels, scheme, **options)
    return json.dumps(report.to_json_dict(), sort_keys=True, default=repr)


def test_the_project_has_what_the_fast_path_must_leave_out(project):
    retired, excluded = project.execute("SELECT sum(retired), sum(excluded) FROM units").fetchone()
    assert retired == 1 and excluded >= 5
    hidden = project.execute(
        "SELECT count(*) FROM labels l JOIN units u ON u.id = l.unit_id "
        "JOIN articles a ON a.id = u.article_id WHERE u.excluded = 1 OR a.excluded = 1"
    ).fetchone()[0]
    assert hidden > 0
    assert project.execute("SELECT count(*) FROM unit_states WHERE unsure = 1").fetchone()[0]


def test_fast_frame_has_the_rows_of_labels_frame_in_its_order(project):
    old = store.labels_frame(project)
    new = label_frames.labels_frame(project)
    assert list(new.columns) == list(old.columns)
    assert len(new) == len(old) > 500
    assert _cells(new) == _cells(old)
    for name in ("unit_id", *label_frames.CATEGORY_COLUMNS):
        assert isinstance(new[name].dtype, pd.CategoricalDtype)


@pytest.mark.parametrize(
    "filters", [{"coders": ["ben", "dan"]}, {"dimensions": ["stance"]}, {"coders": []}]
)
def test_fast_frame_filters_as_labels_frame_does(project, filters):
    assert _cells(label_frames.labels_frame(project, **filters)) == _cells(
        store.labels_frame(project, **filters)
    )


def test_every_coefficient_is_the_same_to_the_bit(project, scheme):
    old = store.labels_frame(project)
    new = label_frames.labels_frame(project)
    articles = store.unit_articles(project)
    options = {"bootstrap": 200, "drift": True, "articles": articles}
    assert _report_json(new, scheme, **options) == _report_json(old, scheme, **options)
    # A subset of the coders, and a frame filtered after reading (categories unused).
    subset = {"coders": ["ana", "cho", "dan"], "bootstrap": 50, "drift": True}
    assert _report_json(new, scheme, **subset) == _report_json(old, scheme, **subset)
    ben = new[new["coder"] != "ben"].reset_index(drop=True)
    no_ben = old[old["coder"] != "ben"].reset_index(drop=True)
    assert _report_json(ben, scheme, bootstrap=0) == _report_json(no_ben, scheme, bootstrap=0)


def test_a_named_model_coder_joins_the_humans_as_before(project, scheme):
    labels = agreement_labels_frame(project, [*CODERS, MODEL])
    humans = store.labels_frame(project)
    models = model_labels_frame(project, coders=[MODEL], runs=[1]).assign(seconds=0.0)
    before = pd.concat([humans, models[list(humans.columns)]], ignore_index=True)
    assert _cells(labels) == _cells(before)
    assert MODEL in set(labels["coder"])
    coders = [*CODERS, MODEL]
    assert _report_json(labels, scheme, coders=coders, bootstrap=100) == _report_json(
        before, scheme, coders=coders, bootstrap=100
    )
    # The report of the project (as the command line and the window make it) runs on them.
    result = project_report(project, ReportFilters(coders=tuple(coders), bootstrap=20))
    assert MODEL in result.report.coders


def test_sqlite3_fallback_and_split_reads_give_the_same_tables(project, monkeypatch):
    labels, units = label_frames.labels_table(project)
    # Inside a transaction a second connection would not see the caller's writes, so
    # the caller's own connection reads.
    project.conn.execute("BEGIN")
    try:
        inside = label_frames.labels_table(project)
    finally:
        project.conn.execute("ROLLBACK")
    assert inside[0].equals(labels) and inside[1].equals(units)

    def refuse(*args):
        raise AssertionError("read through sqlite3, not the ADBC reader")

    monkeypatch.setattr(label_frames, "_sqlite_table", refuse)
    assert label_frames.labels_table(project)[0].equals(labels)
    # A large project is read in ranges of units by several connections at once.
    monkeypatch.setattr(label_frames, "SPLIT_UNITS", 1)
    monkeypatch.setattr(label_frames, "READERS", 3)
    ranges = label_frames._seq_ranges(project, 3)
    assert len(ranges) == 3 and ranges[0][1] + 1 == ranges[1][0]
    split, _ = label_frames.labels_table(project)
    assert split.equals(labels)
    assert labels.column("seq").to_pylist() == sorted(labels.column("seq").to_pylist())


def test_a_project_without_labels_gives_an_empty_typed_frame(empty_project):
    frame = label_frames.labels_frame(empty_project)
    assert len(frame) == 0
    assert list(frame.columns) == list(store.labels_frame(empty_project).columns)


def test_a_coder_id_holding_the_key_separator_is_kept_whole(project):
    unit = store.labels_frame(project)["unit_id"][0]  # a codable unit
    odd = f"odd{label_frames.KEY_SEPARATOR}coder"
    store.ensure_coder(project, odd)
    store.set_label(project, unit, odd, "stance", "pressure")
    new = label_frames.labels_frame(project)
    assert _cells(new) == _cells(store.labels_frame(project))
    assert new[new["coder"] == odd][["unit_id", "dimension", "value"]].values.tolist() == [
        [unit, "stance", "pressure"]
    ]
