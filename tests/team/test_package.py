"""Coder packages: real project files that hold one coder's data and nobody else's."""

from __future__ import annotations

import pytest
from team_helpers import CODERS, THREE, codable, table_rows

from desktop.core import store, team
from desktop.core.errors import ProjectError, UsageError

SECRETS = {
    "bob_z3": "NOTE-ONLY-BORIS-4417 the envoy line is sarcastic",
    "cyd_k9": "NOTE-ONLY-CYDNEY-9083 unsure about Beijing here",
}


@pytest.fixture
def coded_study(study):
    """Every coder has labels, notes, time and assignments in the lead's project."""
    db, path = study
    units = codable(db)
    team.draw_reliability_sample(db, THREE, count=6, seed=11)
    team.split_remaining(db, THREE, seed=11)
    store.set_label(db, units[0], "ann_q7", "stance", "pressure", seconds=3.0)
    store.set_label(db, units[0], "ann_q7", "stance", "mixed", seconds=5.0)
    store.undo(db, "ann_q7")
    store.set_note(db, units[0], "ann_q7", "ann's own note")
    # A code only the others use, so its absence from ann's tables can be checked.
    store.set_label(db, units[1], "bob_z3", "china_role", "obstructive")
    store.set_label(db, units[1], "cyd_k9", "china_role", "obstructive")
    for coder, note in SECRETS.items():
        store.set_note(db, units[2], coder, note)
        store.set_unsure(db, units[2], coder, True)
        store.add_time(db, units[2], coder, 12.5)
    return db, path


def test_a_package_holds_the_corpus_scheme_and_one_coders_data(coded_study, tmp_path):
    db, path = coded_study
    summary = team.create_package(db, "ann_q7", tmp_path / "ann.stance")
    # The five demo articles hold 159 units, excluded lines included (33+31+30+31+34).
    for table in ("articles", "paragraphs", "units", "schemes"):  # same ids, seqs, texts
        assert table_rows(tmp_path / "ann.stance")[table] == table_rows(path)[table]
    assert (summary.articles, summary.units, summary.labels, summary.history) == (5, 159, 1, 3)
    package = store.open_project(summary.path)
    try:
        assert store.list_coders(package) == [
            {"id": "ann_q7", "name": "Annika Quist", "is_lead": False}
        ]
        assert store.current_scheme(package) == store.current_scheme(db)
        assert store.get_meta(package, "parent_project_id") == store.get_meta(db, "project_id")
        assert store.get_meta(package, "package_coder") == "ann_q7"
        assert store.get_meta(package, "project_id") != store.get_meta(db, "project_id")
        history = store.label_history(package)
        assert [(h["action"], h["new"], h["reverts"]) for h in history] == [
            ("set", "pressure", None),
            ("set", "mixed", None),
            ("undo", "pressure", 2),  # renumbered from 1, the undo still points at its row
        ]
        assert store.undo(package, "ann_q7").new is None  # the undo stack works in the package
        assigned = team.progress(package)
        assert {r.round_id for r in assigned} == {"reliability-1", "split-2"}
    finally:
        package.close()


def test_no_other_coders_data_is_anywhere_in_the_package_file(coded_study, tmp_path):
    db, _ = coded_study
    out = tmp_path / "ann.stance"
    team.create_package(db, "ann_q7", out)
    forbidden = [c for c in CODERS if c != "ann_q7"] + ["lead_m2", "Mara Lindqvist"]
    forbidden += [CODERS[c] for c in CODERS if c != "ann_q7"] + list(SECRETS.values())
    rows = table_rows(out)
    text = repr(rows)
    for word in forbidden:
        assert word not in text, word
    labels = rows["labels"]
    assert all(row[1] == "ann_q7" for row in labels)
    assert "obstructive" not in {row[3] for row in labels}
    assert not rows["gold_labels"] and not rows["gold_history"] and not rows["merges"]
    raw = out.read_bytes()
    for word in forbidden:
        assert word.encode() not in raw, word
    assert not list(tmp_path.glob(".ann.stance*"))  # no partial files left behind
    assert not (tmp_path / "ann.stance-wal").exists()


def test_a_package_is_not_written_over_an_existing_file_or_for_an_unknown_coder(
    coded_study, tmp_path
):
    db, _ = coded_study
    out = tmp_path / "taken.stance"
    out.write_text("keep me")
    with pytest.raises(ProjectError, match="already exists"):
        team.create_package(db, "ann_q7", out)
    assert out.read_text() == "keep me"
    with pytest.raises(UsageError, match="unknown coder 'nobody'"):
        team.create_package(db, "nobody", tmp_path / "n.stance")
    assert not (tmp_path / "n.stance").exists()


def test_a_failed_package_leaves_no_file(coded_study, tmp_path, monkeypatch):
    from desktop.core.store import team as team_store

    db, _ = coded_study

    def broken(package, coder):
        raise RuntimeError("disk full")

    monkeypatch.setattr(team_store, "copy_coder", broken)
    with pytest.raises(RuntimeError):
        team.create_package(db, "ann_q7", tmp_path / "ann.stance")
    assert sorted(p.name for p in tmp_path.iterdir() if "ann" in p.name) == []
