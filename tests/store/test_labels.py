"""Labels, flags, notes and time: each write durable at once, history append-only."""

from __future__ import annotations

from desktop.core import store


def first_units(db, n=3):
    return [store.get_unit_by_seq(db, s).id for s in store.coded_unit_seqs(db)[:n]]


def test_a_label_is_in_the_file_when_set_label_returns(corpus_project, tmp_path):
    db = corpus_project
    store.ensure_coder(db, "ak")
    unit = first_units(db, 1)[0]
    change = store.set_label(db, unit, "ak", "stance", "pressure", seconds=4.5)
    assert (change.old, change.new) == (None, "pressure")
    # A second, independent connection sees it: it was committed, not just cached.
    other = store.open_project(tmp_path / "project.stance")
    assert store.unit_labels(other, unit, "ak") == {"stance": "pressure"}
    other.close()


def test_changing_and_clearing_are_kept_in_history(corpus_project):
    db = corpus_project
    store.ensure_coder(db, "ak")
    unit = first_units(db, 1)[0]
    store.set_label(db, unit, "ak", "stance", "pressure")
    store.set_label(db, unit, "ak", "stance", "mixed")
    change = store.clear_label(db, unit, "ak", "stance")
    assert (change.old, change.new) == ("mixed", None)
    assert store.unit_labels(db, unit, "ak") == {}
    history = store.label_history(db, unit_id=unit)
    assert [(h["action"], h["old"], h["new"]) for h in history] == [
        ("set", None, "pressure"),
        ("set", "pressure", "mixed"),
        ("clear", "mixed", None),
    ]


def test_undo_and_redo_across_units_survive_a_restart(corpus_project, tmp_path):
    db = corpus_project
    store.ensure_coder(db, "ak")
    a, b, c = first_units(db, 3)
    store.set_label(db, a, "ak", "stance", "pressure")
    store.set_label(db, b, "ak", "china_role", "obstructive")
    store.set_label(db, c, "ak", "stance", "engagement")
    db.close()
    db = store.open_project(tmp_path / "project.stance")
    assert store.undo(db, "ak").unit_id == c
    assert store.undo(db, "ak").unit_id == b
    assert store.unit_labels(db, b, "ak") == {}
    assert store.unit_labels(db, c, "ak") == {}
    redone = store.redo(db, "ak")
    assert (redone.unit_id, redone.new) == (b, "obstructive")
    # A new change empties the redo stack.
    store.set_label(db, a, "ak", "alliance_trust", "solid")
    assert store.redo(db, "ak") is None
    assert store.undo(db, "ak").dimension == "alliance_trust"
    assert store.undo(db, "ak").unit_id == b
    assert store.undo(db, "ak").unit_id == a
    assert store.undo(db, "ak") is None
    assert store.unit_labels(db, a, "ak") == {}


def test_undo_is_per_coder(corpus_project):
    db = corpus_project
    for coder in ("ak", "bm"):
        store.ensure_coder(db, coder)
    a, b = first_units(db, 2)
    store.set_label(db, a, "ak", "stance", "pressure")
    store.set_label(db, b, "bm", "stance", "mixed")
    assert store.undo(db, "ak").unit_id == a
    assert store.unit_labels(db, b, "bm") == {"stance": "mixed"}


def test_unsure_note_and_time(corpus_project):
    db = corpus_project
    store.ensure_coder(db, "ak")
    unit = first_units(db, 1)[0]
    store.set_unsure(db, unit, "ak", True)
    store.set_note(db, unit, "ak", "sarcastic? check with lead")
    store.add_time(db, unit, "ak", 3.25)
    store.add_time(db, unit, "ak", 1.75)
    assert store.unit_state(db, unit, "ak") == {
        "unsure": True,
        "note": "sarcastic? check with lead",
        "seconds": 5.0,
    }
    assert store.unit_state(db, unit, "someone-else")["note"] == ""


def test_labels_frame_is_long_and_leaves_out_excluded_units(corpus_project):
    db = corpus_project
    store.ensure_coder(db, "ak")
    a, b = first_units(db, 2)
    store.set_label(db, a, "ak", "stance", "pressure")
    store.set_label(db, b, "ak", "china_role", "none")
    excluded = db.execute("SELECT id FROM units WHERE excluded = 1 LIMIT 1").fetchone()[0]
    store.set_label(db, excluded, "ak", "stance", "mixed")
    frame = store.labels_frame(db)
    assert list(frame.columns) == [
        "unit_id",
        "coder",
        "dimension",
        "value",
        "changed_at",
        "seconds",
    ]
    assert sorted(frame["unit_id"]) == sorted([a, b])


def test_text_with_quotes_nul_and_sql_round_trips(corpus_project):
    db = corpus_project
    store.ensure_coder(db, "o'brien; DROP TABLE labels;--")
    unit = first_units(db, 1)[0]
    note = "it's \"quoted\"\x00 and '); DELETE FROM units; --"
    store.set_note(db, unit, "o'brien; DROP TABLE labels;--", note)
    assert store.unit_state(db, unit, "o'brien; DROP TABLE labels;--")["note"] == note
    assert store.counts(db)["units"] > 0
