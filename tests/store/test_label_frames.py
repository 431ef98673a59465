"""The labels read in C (store.label_frames) are the labels read through sqlite3, and the
agreement computed from them is the same to the last bit.

The fast frame gives the time as a time (datetime64, UTC), not as its text, and leaves
out the seconds spent (the agreement figures use neither): it is compared with
``store.labels_frame`` read the same way.

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
from desktop.core.errors import ProjectError
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


def _as_fast(frame: pd.DataFrame) -> pd.DataFrame:
    """``store.labels_frame``'s rows as the fast frame gives them: no seconds, and the
    time read from its text (NaT where the text is not a time)."""
    times = pd.to_datetime(frame["changed_at"], utc=True, format="ISO8601", errors="coerce")
    return frame.drop(columns=["seconds"]).assign(changed_at=times.astype("datetime64[ns, UTC]"))


def _same_rows(new: pd.DataFrame, old: pd.DataFrame) -> None:
    assert str(new["changed_at"].dtype) == label_frames.TIME_DTYPE
    assert _cells(new) == _cells(_as_fast(old))


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
    assert list(new.columns) == [c for c in old.columns if c != "seconds"]
    assert len(new) == len(old) > 500
    _same_rows(new, old)
    # The times are the stored ones, to the microsecond.
    assert new["changed_at"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ").tolist() == list(
        old["changed_at"]
    )
    for name in ("unit_id", *label_frames.CATEGORY_COLUMNS):
        assert isinstance(new[name].dtype, pd.CategoricalDtype)


@pytest.mark.parametrize(
    "filters", [{"coders": ["ben", "dan"]}, {"dimensions": ["stance"]}, {"coders": []}]
)
def test_fast_frame_filters_as_labels_frame_does(project, filters):
    _same_rows(
        label_frames.labels_frame(project, **filters), store.labels_frame(project, **filters)
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
    # The humans' times come as times, the model's as text: the same instants.
    times = pd.to_datetime(labels["changed_at"], utc=True, format="ISO8601")
    assert _cells(labels.assign(changed_at=times)) == _cells(_as_fast(before))
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
    # A large project is read in ranges of unit numbers by several connections at once.
    monkeypatch.setattr(label_frames, "SPLIT_UNITS", 1)
    monkeypatch.setattr(label_frames, "RANGES", 3)
    ranges = label_frames._unit_ranges(project, 3)
    assert len(ranges) == 3 and ranges[0][1] + 1 == ranges[1][0]
    split, _ = label_frames.labels_table(project)
    assert split.equals(labels)
    unit = labels.column("unit").to_numpy()
    assert (unit[1:] >= unit[:-1]).all()  # grouped by unit, as the table's key


def test_a_project_without_labels_gives_an_empty_typed_frame(empty_project):
    frame = label_frames.labels_frame(empty_project)
    assert len(frame) == 0
    assert list(frame.columns) == ["unit_id", "coder", "dimension", "value", "changed_at"]
    assert str(frame["changed_at"].dtype) == label_frames.TIME_DTYPE


def test_a_coder_numbered_after_the_others_is_ordered_by_its_id(project, scheme):
    # label_terms numbers texts as they come: "aaron" is numbered last but sorts first,
    # so the rows of a unit are not in the numbers' order and are sorted after reading.
    unit = store.labels_frame(project)["unit_id"][0]
    store.ensure_coder(project, "aaron")
    store.set_label(project, unit, "aaron", "stance", "pressure")
    new = label_frames.labels_frame(project)
    _same_rows(new, store.labels_frame(project))
    assert new[new["coder"] == "aaron"][["unit_id", "dimension", "value"]].values.tolist() == [
        [unit, "stance", "pressure"]
    ]
    options = {"bootstrap": 50, "drift": True}
    assert _report_json(new, scheme, **options) == _report_json(
        store.labels_frame(project), scheme, **options
    )


def test_units_numbered_out_of_project_order_come_in_project_order(corpus_project, scheme):
    # A unit gets its number when it is first labelled: code the units backwards, so
    # that the numbers run against the project's order.
    db = corpus_project
    units = _unit_ids(db)
    store.ensure_coder(db, "ana")
    store.ensure_coder(db, "ben")
    with store.write_transaction(db):
        for n, unit in enumerate(reversed(units)):
            for coder in ("ana", "ben"):
                code = scheme.dimensions[0].codes[(n + len(coder) * (n % 3)) % 3]
                write_label_row(db, unit, coder, "stance", code, "set")
    numbers = [r[0] for r in db.execute("SELECT id FROM unit_keys ORDER BY id")]
    assert len(numbers) == len(units) > 100
    new = label_frames.labels_frame(db)
    _same_rows(new, store.labels_frame(db))
    codable = [
        r[0]
        for r in db.execute(
            "SELECT u.id FROM units u JOIN articles a ON a.id = u.article_id "
            "WHERE u.excluded = 0 AND a.excluded = 0 ORDER BY u.seq"
        )
    ]
    assert list(new["unit_id"].cat.categories) == codable
    assert list(new["unit_id"].astype(object).drop_duplicates()) == codable
    assert _report_json(new, scheme, bootstrap=50) == _report_json(
        store.labels_frame(db), scheme, bootstrap=50
    )


@pytest.mark.parametrize("batch_rows", [label_frames.BATCH_ROWS, 16])
def test_times_stored_as_text_are_read_as_the_times_they_name(
    project, scheme, monkeypatch, batch_rows
):
    # A time not in the project's own form is stored as its text (label_keys.time_key):
    # the plain read of integers meets a text and reads both kinds. The ADBC driver
    # types a column by its first batch of rows: a text inside it turns the column into
    # text, a text after it stops the read; either way both kinds are read again.
    monkeypatch.setattr(label_frames, "BATCH_ROWS", batch_rows)
    units = _unit_ids(project)[40:43]
    with store.write_transaction(project):
        write_label_row(project, units[0], "ana", "stance", "pressure", "set", at="2026-11-02")
        write_label_row(
            project, units[1], "ana", "stance", "pressure", "set", at="2026-11-03T08:00:00+09:00"
        )
        write_label_row(project, units[2], "ana", "stance", "pressure", "set", at="not a time")
    stored = project.execute(
        "SELECT count(*) FROM label_current WHERE typeof(changed_at) = 'text'"
    ).fetchone()[0]
    assert stored == 3
    new = label_frames.labels_frame(project)
    _same_rows(new, store.labels_frame(project))
    times = new.set_index(new["unit_id"].astype(object))
    ana = times[times["coder"] == "ana"]
    stance = ana[ana["dimension"] == "stance"]["changed_at"]
    assert stance[units[0]] == pd.Timestamp("2026-11-02", tz="UTC")
    assert stance[units[1]] == pd.Timestamp("2026-11-02T23:00:00", tz="UTC")
    assert pd.isna(stance[units[2]])
    options = {"bootstrap": 50, "drift": True}
    assert _report_json(new, scheme, **options) == _report_json(
        store.labels_frame(project), scheme, **options
    )


def _random_parts(rng, n_parts: int, *, shuffle: bool) -> list:
    """Parts as the reader decodes them: rows grouped by unit number, each unit's rows by
    coder and dimension; the units' places in project order at random, some -1."""
    parts, number = [], 0
    for _ in range(n_parts):
        rows = []
        for _ in range(int(rng.integers(0, 40))):
            number += int(rng.integers(1, 3))
            pairs = sorted({(int(c), int(d)) for c, d in rng.integers(0, 4, size=(5, 2))})
            rows += [(number, c, d) for c, d in pairs]
        unit = np.array([r[0] for r in rows], dtype=np.int64)
        if shuffle:
            rng.shuffle(rows)
            unit = np.array([r[0] for r in rows], dtype=np.int64)
        parts.append((unit, np.array([r[1:] for r in rows], dtype=np.int16).reshape(-1, 2)))
    top = number + 1
    place = np.full(top + 2, -1, dtype=np.int32)
    codable = rng.permutation(np.arange(1, top + 1))[: top * 4 // 5]
    place[codable] = rng.permutation(codable.size).astype(np.int32)
    decoded = []
    for unit, cd in parts:
        n = unit.size
        step = np.r_[True, unit[1:] != unit[:-1]] if n else np.zeros(0, bool)
        decoded.append(
            label_frames._Part(
                position=place[unit],
                coder=cd[:, 0].copy(),
                dimension=cd[:, 1].copy(),
                value=(cd[:, 0] * 7 + cd[:, 1]).astype(np.int16),
                times=np.arange(n, dtype=np.int64) + 10**18,
                starts=np.flatnonzero(step),
                grouped=bool((unit[1:] >= unit[:-1]).all()),
                ordered=not shuffle,
                counts={},
            )
        )
    return decoded


@pytest.mark.parametrize("case", ["runs", "gathered", "sorted"])
@pytest.mark.parametrize("seed", range(6))
def test_labels_are_put_in_project_order_whichever_way(monkeypatch, case, seed):
    rng = np.random.default_rng(seed)
    parts = _random_parts(rng, int(rng.integers(1, 5)), shuffle=case == "sorted")
    if case == "gathered":
        monkeypatch.setattr(label_frames, "MAX_RUNS", 0)
    out = label_frames._in_order(parts)
    # Independently: every codable row, sorted by (place, coder, dimension).
    rows = sorted(
        (int(p.position[i]), int(p.coder[i]), int(p.dimension[i]), int(p.value[i]), int(p.times[i]))
        for p in parts
        for i in range(p.position.size)
        if p.position[i] >= 0
    )
    got = list(
        zip(
            *(out[c].tolist() for c in ("position", "coder", "dimension", "value", "times")),
            strict=True,
        )
    )
    assert got == rows


def _frame_and_report(db, scheme) -> tuple[pd.DataFrame, str]:
    new = label_frames.labels_frame(db)
    _same_rows(new, store.labels_frame(db))
    options = {"bootstrap": 50, "drift": True}
    assert _report_json(new, scheme, **options) == _report_json(
        store.labels_frame(db), scheme, **options
    )
    return new, _report_json(new, scheme, **options)


def test_packed_read_holds_term_numbers_that_fill_their_bits(project, scheme):
    # The fast read packs unit, coder, dimension and value into one integer, b bits a
    # term. A coder numbered 1023 (ten bits set) and a code numbered 1024 (the eleventh
    # bit) must come back whole, and not spill into their neighbours.
    top = project.execute("SELECT max(id) FROM label_terms").fetchone()[0]
    with store.write_transaction(project):
        for n in range(top + 1, 1023):
            project.execute("INSERT INTO label_terms (id, text) VALUES (?, ?)", [n, f"pad {n}"])
    store.ensure_coder(project, "zed")
    stance = scheme.dimension("stance")
    units = _unit_ids(project)[:30]
    with store.write_transaction(project):
        for n, unit in enumerate(units):
            write_label_row(project, unit, "zed", stance.id, stance.codes[n % 3], "set")
    terms = label_frames.term_numbers(project)
    assert terms["zed"] == 1023
    read = label_frames._Read.of(project, None, None)
    assert read.packing == label_frames._Packing(11)
    new, _ = _frame_and_report(project, scheme)
    zed = new[new["coder"] == "zed"]
    codable = set(new["unit_id"].cat.categories)
    expected = [(u, stance.codes[n % 3]) for n, u in enumerate(units) if u in codable]
    assert len(expected) > 20
    got = zip(zed["unit_id"].astype(object), zed["value"].astype(object), strict=True)
    assert list(got) == expected


def test_numbers_too_large_to_pack_are_read_column_by_column(project, scheme, monkeypatch):
    packed, report = _frame_and_report(project, scheme)
    monkeypatch.setattr(label_frames, "PACKED_BITS", 8)
    assert label_frames._Read.of(project, None, None).packing is None
    plain, plain_report = _frame_and_report(project, scheme)
    assert _cells(plain) == _cells(packed) and plain_report == report


def test_a_term_beyond_the_packing_is_refused_not_misread(project, monkeypatch):
    # Terms numbered during the read could exceed the bits chosen before it: the read
    # checks the largest term after it, and asks to try again rather than misread.
    monkeypatch.setattr(label_frames._Packing, "of", classmethod(lambda cls, *a: cls(2)))
    with pytest.raises(ProjectError, match="changed while its labels were read"):
        label_frames.labels_frame(project)


@pytest.mark.parametrize("bits", [1, 6, 11, 15])
def test_packing_unpacks_what_sqlite_packed(tmp_path, bits):
    # Independently: SQLite's shifts on random numbers, unpacked in numpy.
    import sqlite3

    rng = np.random.default_rng(bits)
    top = (1 << bits) - 1
    rows = [
        (int(u), int(c), int(d), int(v))
        for u, c, d, v in zip(
            rng.integers(1, 1 << (label_frames.PACKED_BITS - 3 * bits - 1), 200),
            *(rng.integers(0, top + 1, 200) for _ in range(3)),
            strict=True,
        )
    ] + [(1, top, top, top), (2, 0, top, 0)]
    conn = sqlite3.connect(tmp_path / "p.db")
    conn.execute("CREATE TABLE label_current (unit, coder, dimension, value, changed_at)")
    conn.executemany("INSERT INTO label_current VALUES (?, ?, ?, ?, 0)", rows)
    packing = label_frames._Packing(bits)
    sql, params = packing.sql(None, None, None)
    packed = np.array([r[0] for r in conn.execute(sql, params)], dtype=np.int64)
    assert (packed >= 0).all()
    unit, (coder, dimension, value) = packing.unpack(packed)
    got = list(zip(unit.tolist(), coder.tolist(), dimension.tolist(), value.tolist(), strict=True))
    assert got == rows
