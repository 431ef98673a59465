"""Merging packages and copies back: by unit id, idempotent, conflicts listed, all or nothing."""

from __future__ import annotations

import sqlite3

import pytest
from team_helpers import THREE, codable, copy_project, scheme_variant

from desktop.core import store, team
from desktop.core.corpus.importer import import_paths
from desktop.core.store import team as team_store
from desktop.core.team import merge as merge_module


@pytest.fixture
def packaged(study, tmp_path):
    """The study with a sample and a split, and a package for each coder."""
    db, path = study
    team.draw_reliability_sample(db, THREE, count=6, seed=21)
    team.split_remaining(db, THREE, seed=21)
    packages = {c: tmp_path / f"{c}.stance" for c in THREE}
    for coder, out in packages.items():
        team.create_package(db, coder, out)
    return db, path, packages


def code_in(package_path, coder, labels, *, note=None, unsure=None, seconds=0.0):
    """Code in a package as the window does: store.set_label, set_note, set_unsure, add_time."""
    db = store.open_project(package_path)
    try:
        for unit, dimension, value in labels:
            store.set_label(db, unit, coder, dimension, value)
        if note:
            store.set_note(db, note[0], coder, note[1])
        if unsure:
            store.set_unsure(db, unsure, coder, True)
        if seconds:
            store.add_time(db, labels[0][0], coder, seconds)
    finally:
        db.close()


def test_labels_notes_flags_times_and_history_come_back(packaged):
    db, _, packages = packaged
    u = codable(db)
    code_in(
        packages["ann_q7"],
        "ann_q7",
        [(u[0], "stance", "pressure"), (u[0], "stance", "mixed"), (u[1], "china_role", "none")],
        note=(u[0], "hedges at the end"),
        unsure=u[1],
        seconds=8.0,
    )
    report = team.merge_files(db, [packages["ann_q7"]], who="lead_m2")
    (f,) = report.files
    assert (f.labels_new, f.labels_updated, f.history_added, f.states_new) == (2, 0, 3, 2)
    assert not f.conflicts and f.merge_id is not None
    assert store.unit_labels(db, u[0], "ann_q7") == {"stance": "mixed"}
    assert store.unit_state(db, u[0], "ann_q7") == {
        "unsure": False,
        "note": "hedges at the end",
        "seconds": 8.0,
    }
    assert store.unit_state(db, u[1], "ann_q7")["unsure"] is True
    assert [h["new"] for h in store.label_history(db, coder="ann_q7")] == [
        "pressure",
        "mixed",
        "none",
    ]
    (record,) = team_store.list_merges(db)
    assert record["merged_by"] == "lead_m2" and record["report"]["labels_new"] == 2


def test_merging_the_same_files_again_changes_nothing(packaged, dump):
    db, path, packages = packaged
    u = codable(db)
    for coder, value in zip(THREE, ("pressure", "mixed", "pressure"), strict=True):
        code_in(packages[coder], coder, [(u[0], "stance", value)], note=(u[0], f"{coder} note"))
        code_in(packages[coder], coder, [(u[0], "china_role", "none")], seconds=4.0)
    first = team.merge_files(db, list(packages.values()))
    assert sum(f.labels_new for f in first.files) == 6
    before = dump(path)
    again = team.merge_files(db, [*packages.values(), packages["ann_q7"]])
    assert not again.changed and all(f.merge_id is None for f in again.files)
    assert dump(path) == before
    assert store.unit_state(db, u[0], "bob_z3")["seconds"] == 4.0  # max, never summed


def test_a_coder_who_goes_on_coding_updates_without_conflict(packaged):
    db, _, packages = packaged
    u = codable(db)
    code_in(packages["bob_z3"], "bob_z3", [(u[3], "stance", "pressure")])
    team.merge_files(db, [packages["bob_z3"]])
    code_in(packages["bob_z3"], "bob_z3", [(u[3], "stance", "engagement")])
    (f,) = team.merge_files(db, [packages["bob_z3"]]).files
    assert (f.labels_updated, f.labels_unchanged, f.conflicts) == (1, 0, [])
    assert store.unit_labels(db, u[3], "bob_z3") == {"stance": "engagement"}


def test_an_older_copy_does_not_undo_newer_work(packaged, tmp_path):
    db, _, packages = packaged
    u = codable(db)
    code_in(packages["bob_z3"], "bob_z3", [(u[3], "stance", "pressure")])
    old = copy_project(packages["bob_z3"], tmp_path / "bob-old.stance")
    code_in(packages["bob_z3"], "bob_z3", [(u[3], "stance", "engagement")])
    team.merge_files(db, [packages["bob_z3"]])
    (f,) = team.merge_files(db, [old]).files
    assert (f.labels_unchanged, f.conflicts, f.changed) == (1, [], False)
    assert store.unit_labels(db, u[3], "bob_z3") == {"stance": "engagement"}


@pytest.mark.parametrize("order", ["earlier first", "later first"])
def test_two_copies_of_one_coder_conflict_and_the_later_change_wins(packaged, tmp_path, order):
    db, _, packages = packaged
    u = codable(db)
    laptop = copy_project(packages["cyd_k9"], tmp_path / "cyd-laptop.stance")
    desktop = copy_project(packages["cyd_k9"], tmp_path / "cyd-desktop.stance")
    code_in(laptop, "cyd_k9", [(u[5], "alliance_trust", "strained")])
    code_in(desktop, "cyd_k9", [(u[5], "alliance_trust", "solid")])  # later
    files = [laptop, desktop] if order == "earlier first" else [desktop, laptop]
    report = team.merge_files(db, files)
    (conflict,) = report.conflicts
    assert (conflict.kept, conflict.lost) == ("solid", "strained")
    assert conflict.kept_at > conflict.lost_at
    assert conflict.kept_from == ("file" if order == "earlier first" else "project")
    assert store.unit_labels(db, u[5], "cyd_k9") == {"alliance_trust": "solid"}
    history = store.label_history(db, unit_id=u[5], coder="cyd_k9")
    assert {"strained", "solid"} <= {h["new"] for h in history}  # the loser stays
    assert history[-1]["new"] == "solid"
    stored = team_store.list_merges(db)[-1]["report"]["conflicts"]
    assert stored[0]["lost"] == "strained"
    assert not team.merge_files(db, files).changed


def test_a_file_from_another_corpus_is_refused(packaged, tmp_path, scheme, corpus_dir, dump):
    db, path, packages = packaged
    other = store.create_project(tmp_path / "other.stance", scheme)
    import_paths(other, [corpus_dir])  # the same articles, so even the same unit ids
    other.close()
    before = dump(path)
    with pytest.raises(team.MergeRefused, match=r"other\.stance: comes from another corpus"):
        team.merge_files(db, [packages["ann_q7"], tmp_path / "other.stance"])
    changed = copy_project(packages["ann_q7"], tmp_path / "edited.stance")
    conn = sqlite3.connect(changed)
    conn.execute("UPDATE articles SET content_hash = 'x' || content_hash WHERE position = 1")
    conn.commit()
    conn.close()
    with pytest.raises(
        team.MergeRefused, match=r"comes from another corpus \(article 67a4d418c32f"
    ):
        team.merge_files(db, [changed])
    assert dump(path) == before


def test_a_file_with_unknown_units_is_refused_and_nothing_is_merged(packaged, tmp_path, dump):
    db, path, packages = packaged
    u = codable(db)
    code_in(packages["ann_q7"], "ann_q7", [(u[0], "stance", "pressure")])
    bad = copy_project(packages["bob_z3"], tmp_path / "bob-bad.stance")
    conn = sqlite3.connect(bad)  # foreign keys are off in a bare connection
    conn.execute(
        "INSERT INTO labels VALUES ('f72753e21f99-0999', 'bob_z3', 'stance', 'mixed', "
        "'2030-01-01T00:00:00.000000Z', 0)"
    )
    conn.commit()
    conn.close()
    before = dump(path)
    with pytest.raises(
        team.MergeRefused, match=r"1 unit this project does not have: f72753e21f99-0999"
    ):
        team.merge_files(db, [packages["ann_q7"], bad])
    assert dump(path) == before


def test_a_failure_in_the_middle_of_a_merge_leaves_the_project_as_it_was(
    packaged, dump, monkeypatch
):
    db, path, packages = packaged
    u = codable(db)
    for coder in THREE:
        code_in(packages[coder], coder, [(u[1], "stance", "none")], note=(u[1], "n"))
    before = dump(path)
    calls = []

    def crash(*args):
        calls.append(args)
        if len(calls) == 2:  # the first file is already written
            raise RuntimeError("power cut")

    monkeypatch.setattr(merge_module, "_merge_gold", crash)
    with pytest.raises(RuntimeError):
        team.merge_files(db, list(packages.values()))
    assert dump(path) == before
    monkeypatch.undo()
    assert sum(f.labels_new for f in team.merge_files(db, list(packages.values())).files) == 3


def test_an_incompatible_scheme_is_refused_and_a_compatible_one_maps(packaged, tmp_path, scheme):
    db, _, packages = packaged
    u = codable(db)
    wider = scheme_variant(scheme, "1.1", add=("stance", "hedged", "5", 2.5))
    for coder in ("ann_q7", "bob_z3"):
        package = store.open_project(packages[coder])
        with store.write_transaction(package):
            store.db.install_scheme(package, wider)
        package.close()
    code_in(packages["ann_q7"], "ann_q7", [(u[0], "stance", "hedged")])
    code_in(packages["bob_z3"], "bob_z3", [(u[0], "stance", "mixed")])
    with pytest.raises(team.MergeRefused, match=r"does not have: stance=hedged \(1 labels\)"):
        team.merge_files(db, [packages["ann_q7"]])
    (f,) = team.merge_files(db, [packages["bob_z3"]]).files  # adds a code it does not use
    assert f.labels_new == 1
    foreign = scheme_variant(scheme, "1.0", scheme_id="other_scheme")
    package = store.open_project(packages["cyd_k9"])
    with store.write_transaction(package):
        store.db.install_scheme(package, foreign)
    package.close()
    with pytest.raises(team.MergeRefused, match="uses the scheme 'other_scheme'"):
        team.merge_files(db, [packages["cyd_k9"]])


def test_a_project_copy_brings_every_coder_and_gold(packaged, tmp_path):
    db, path, _ = packaged
    u = codable(db)
    copy = copy_project(path, tmp_path / "copy.stance")
    other = store.open_project(copy)
    store.set_label(other, u[0], "ann_q7", "stance", "pressure")
    store.set_label(other, u[0], "bob_z3", "stance", "pressure")
    team.set_gold(other, u[0], "stance", "pressure", "lead_m2", "both say so")
    other.close()
    (f,) = team.merge_files(db, [copy]).files
    assert (f.labels_new, f.gold_new) == (2, 1)
    assert team.gold_frame(db)["rationale"].tolist() == ["both say so"]
    with pytest.raises(team.MergeRefused, match="is this project itself"):
        team.merge_files(db, [path])


def test_a_file_whose_labels_lack_history_rows_still_merges_only_once(packaged, tmp_path):
    db, _, packages = packaged
    u = codable(db)
    stripped = copy_project(packages["ann_q7"], tmp_path / "ann-stripped.stance")
    code_in(stripped, "ann_q7", [(u[4], "stance", "pressure")])
    conn = sqlite3.connect(stripped)
    conn.execute("DELETE FROM label_history")
    conn.commit()
    conn.close()
    code_in(packages["ann_q7"], "ann_q7", [(u[4], "stance", "mixed")])  # later, elsewhere
    team.merge_files(db, [packages["ann_q7"]])
    (f,) = team.merge_files(db, [stripped]).files
    assert [(c.kept, c.lost, c.kept_from) for c in f.conflicts] == [
        ("mixed", "pressure", "project")
    ]
    assert [h["new"] for h in store.label_history(db, unit_id=u[4])] == [
        "mixed",
        "pressure",
        "mixed",
    ]
    assert not team.merge_files(db, [stripped, packages["ann_q7"]]).changed
