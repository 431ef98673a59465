"""The lead's team dialogs on a real project: packages, merges, the sample, progress, unlock."""

from __future__ import annotations

import shutil

import pytest

from desktop.core import store, team
from desktop.core.store import team as team_store
from desktop.ui import team_dialogs
from desktop.ui.round_dialogs import (
    ProgressDialog,
    ReliabilitySampleDialog,
    unlock_comparison_action,
)
from desktop.ui.team_dialogs import CreatePackageDialog, MergeDialog

LEAD = "lead"
CODERS = ("ak", "bb", "cc")


@pytest.fixture
def team_project(project_path):
    """The corpus project with coders ak, bb, cc and a lead; bb coded two units. Closed."""
    db = store.open_project(project_path)
    for coder in (*CODERS, LEAD):
        store.ensure_coder(db, coder)
    team.set_lead(db, LEAD)
    units = [unit_id for unit_id, _, _ in team_store.codable_units(db)]
    store.set_label(db, units[0], "bb", "stance", "pressure")
    store.set_label(db, units[1], "bb", "stance", "mixed")
    store.set_label(db, units[0], "ak", "stance", "engagement")
    db.close()
    return project_path, units


def run(qtbot, dialog, start, signal):
    """Start the dialog's work and wait for its worker; the signal's argument."""
    with qtbot.waitSignal(signal, timeout=5_000) as blocker:
        assert start()
    qtbot.waitUntil(lambda: dialog.task is None)
    return blocker.args[0]


def test_a_package_holds_only_the_chosen_coder(qtbot, team_project, hub_for):
    path, units = team_project
    dialog = CreatePackageDialog(hub_for(path, LEAD))
    qtbot.addWidget(dialog)
    assert dialog.coder == "ak"  # not the lead who packages
    dialog.coder_box.setCurrentText("bb")
    assert dialog.output == path.with_name("sample-bb.stance")
    summary = run(qtbot, dialog, dialog.create, dialog.created)
    assert (summary.coder, summary.labels) == ("bb", 2)
    assert "contains no other coder's data" in dialog.result_label.text()
    assert "2 of bb's labels" in dialog.result_label.text()
    package = store.open_project(dialog.output, readonly=True)
    try:
        assert [row["id"] for row in store.list_coders(package)] == ["bb"]
        assert set(store.labels_frame(package)["coder"]) == {"bb"}
        assert store.unit_labels(package, units[0], "bb") == {"stance": "pressure"}
    finally:
        package.close()
    # The file exists now: a second package needs another name.
    assert not dialog.create_button.isEnabled()
    assert dialog.path_note.text() == ""


def test_a_new_coder_is_registered_with_the_package(qtbot, team_project, hub_for):
    path, _ = team_project
    dialog = CreatePackageDialog(hub_for(path, LEAD))
    qtbot.addWidget(dialog)
    dialog.coder_box.setCurrentText("dd")
    assert "new coder" in dialog.coder_note.text()
    summary = run(qtbot, dialog, dialog.create, dialog.created)
    assert (summary.coder, summary.labels) == ("dd", 0)
    db = store.open_project(path, readonly=True)
    assert "dd" in [row["id"] for row in store.list_coders(db)]
    db.close()


def test_merging_a_returned_package_reports_what_came_in(qtbot, team_project, hub_for):
    path, units = team_project
    package = CreatePackageDialog(hub_for(path, LEAD))
    qtbot.addWidget(package)
    package.coder_box.setCurrentText("bb")
    run(qtbot, package, package.create, package.created)
    # bb codes three more units and changes one; meanwhile the project changed another.
    db = store.open_project(package.output)
    for unit in units[2:5]:
        store.set_label(db, unit, "bb", "stance", "engagement")
    store.set_label(db, units[1], "bb", "stance", "none")
    store.set_note(db, units[2], "bb", "a quote, not the author")
    db.close()

    dialog = MergeDialog(hub_for(path, LEAD))
    qtbot.addWidget(dialog)
    assert not dialog.merge_button.isEnabled()
    dialog.set_files([package.output])
    report = run(qtbot, dialog, dialog.merge, dialog.merged)
    (merged,) = report.files
    assert (merged.labels_new, merged.labels_updated, merged.labels_unchanged) == (3, 1, 1)
    text = dialog.report_view.toPlainText()
    assert "Merged 1 file: 4 labels new or updated, 0 conflicts." in text
    assert "Labels: 3 new, 1 updated, 1 unchanged" in text
    assert "Notes and flags: 1 new" in text
    db = store.open_project(path, readonly=True)
    assert store.unit_labels(db, units[1], "bb") == {"stance": "none"}
    assert store.unit_state(db, units[2], "bb")["note"] == "a quote, not the author"
    db.close()
    # The same file again brings nothing.
    run(qtbot, dialog, dialog.merge, dialog.merged)
    assert "Nothing new" in dialog.report_view.toPlainText()


def test_a_conflict_is_described_in_words(qtbot, team_project, hub_for):
    path, units = team_project
    package = CreatePackageDialog(hub_for(path, LEAD))
    qtbot.addWidget(package)
    package.coder_box.setCurrentText("bb")
    run(qtbot, package, package.create, package.created)
    db = store.open_project(path)
    store.set_label(db, units[0], "bb", "stance", "mixed")  # in the project...
    db.close()
    db = store.open_project(package.output)
    store.set_label(db, units[0], "bb", "stance", "none")  # ...and later in the package
    db.close()
    dialog = MergeDialog(hub_for(path, LEAD))
    qtbot.addWidget(dialog)
    dialog.set_files([package.output])
    report = run(qtbot, dialog, dialog.merge, dialog.merged)
    assert len(report.conflicts) == 1
    text = dialog.report_view.toPlainText()
    assert f"Conflict: {units[0]} (bb, stance): kept none from the file" in text
    assert "not mixed" in text


def test_a_refused_merge_is_one_line_and_writes_nothing(
    qtbot, team_project, tmp_path, scheme, hub_for
):
    path, _ = team_project
    other = tmp_path / "other.stance"
    store.create_project(other, scheme).close()
    dialog = MergeDialog(hub_for(path, LEAD))
    qtbot.addWidget(dialog)
    dialog.set_files([other])
    assert dialog.merge()
    qtbot.waitUntil(lambda: dialog.task is None, timeout=5_000)
    assert "comes from another corpus" in dialog.error
    assert "\n" not in dialog.error
    assert dialog.error_label.isVisibleTo(dialog)
    assert dialog.report is None


def test_the_reliability_sample_is_reproducible_with_its_seed(
    qtbot, team_project, tmp_path, hub_for
):
    path, _ = team_project
    copy = shutil.copy(path, tmp_path / "copy.stance")
    drawn = []
    for project in (path, copy):
        dialog = ReliabilitySampleDialog(hub_for(project, LEAD))
        qtbot.addWidget(dialog)
        assert dialog.chosen_coders() == list(CODERS)  # the lead who draws is left out
        assert dialog.k_spin.value() == 3
        assert dialog.share_spin.value() == 20
        dialog.seed_spin.setValue(4242)
        dialog.k_spin.setValue(2)
        dialog.split_box.setChecked(True)
        rounds = run(qtbot, dialog, dialog.draw, dialog.drawn)
        assert [r.kind for r in rounds] == ["reliability", "split"]
        assert rounds[0].units == round(0.2 * 127)  # of the demo sentences
        assert sum(rounds[0].per_coder.values()) == 2 * rounds[0].units
        assert "seed 4242" in dialog.result_label.text()
        db = store.open_project(project, readonly=True)
        drawn.append([team_store.round_assignments(db, r.round_id) for r in rounds])
        assert not team_store.codable_units(db, unassigned_only=True)
        db.close()
    assert drawn[0] == drawn[1]
    assert not dialog.draw_button.isEnabled()  # nothing left to draw from


def test_progress_lists_each_coder_and_round(qtbot, team_project, hub_for):
    path, _ = team_project
    hub = hub_for(path, LEAD)
    db = hub.db
    round_id = team.draw_reliability_sample(db, list(CODERS), count=4, seed=1, who=LEAD)
    sample = sorted({u for u, _ in team_store.round_assignments(db, round_id)})
    for dimension in store.current_scheme(db).dimension_ids:
        store.set_label(db, sample[0], "cc", dimension, "none")
    dialog = ProgressDialog(hub)
    qtbot.addWidget(dialog)
    rows = dialog.model.rows()
    assert rows == team.progress(db)
    assert [(r.coder, r.assigned, r.coded) for r in rows] == [
        ("ak", 4, 0),
        ("bb", 4, 0),
        ("cc", 4, 1),
    ]
    assert dialog.model.index(2, 5).data() == "25%"
    assert dialog.total_label.text() == "1 of 12 assignments coded"


def test_only_the_lead_unlocks_comparison(monkeypatch, qtbot, team_project):
    path, _ = team_project
    told, asked = [], []
    monkeypatch.setattr(team_dialogs, "tell", lambda _p, _t, text: told.append(text))
    monkeypatch.setattr(
        team_dialogs, "ask_yes_no", lambda _p, _t, text, _y: asked.append(text) or True
    )
    db = store.open_project(path)
    try:
        assert not unlock_comparison_action(db, "ak")
        assert "Only the project's lead (lead)" in told[-1]
        assert asked == []
        assert not team.comparison_unlocked(db)
        assert unlock_comparison_action(db, LEAD)
        assert "Blind coding ends" in asked[-1]
        assert team.comparison_unlocked(db)
        assert not unlock_comparison_action(db, LEAD)
        assert "already unlocked" in told[-1]
    finally:
        db.close()


def test_without_a_lead_nobody_unlocks(monkeypatch, tmp_path, scheme):
    told = []
    monkeypatch.setattr(team_dialogs, "tell", lambda _p, _t, text: told.append(text))
    db = store.create_project(tmp_path / "p.stance", scheme)
    try:
        assert not unlock_comparison_action(db, "ak")
        assert "No coder is marked as the project's lead" in told[-1]
        assert not team.comparison_unlocked(db)
    finally:
        db.close()


def test_the_sample_dialog_proposes_krippendorffs_size_and_uses_it(qtbot, team_project, hub_for):
    # Issue 21: the planner's proposal. korea_alliance's nominal china_role has four
    # categories, the largest need: Krippendorff's rule with p_c = .25 (139 units for two
    # coders, his printed table), times k/2 for k coders in ATLAS.ti's reading.
    from desktop.core.agreement.planner import krippendorff_minimum_units

    path, _ = team_project
    dialog = ReliabilitySampleDialog(hub_for(path, LEAD))
    qtbot.addWidget(dialog)
    dialog.k_spin.setValue(2)
    assert dialog.planned_size() == 139
    assert dialog.plan_button.text() == "Use 139"
    dialog.k_spin.setValue(3)
    assert dialog.planned_size() == krippendorff_minimum_units(0.8, 0.25, 0.05, coders=3)
    dialog.plan_button.click()
    assert dialog.count_radio.isChecked()
    # only the 127 demo sentences are there to draw from
    assert dialog.count_spin.value() == min(dialog.planned_size(), dialog.unassigned) == 127


@pytest.fixture
def demo_team_project(tmp_path, scheme):
    """The shipped demo articles with coders ak, bb, cc and a lead (not ../shared). Closed."""
    from desktop.core.corpus.importer import import_paths
    from desktop.core.resources import demo_articles_dir

    path = tmp_path / "demo.stance"
    db = store.create_project(path, scheme)
    import_paths(db, [demo_articles_dir()])
    for coder in (*CODERS, LEAD):
        store.ensure_coder(db, coder)
    team.set_lead(db, LEAD)
    db.close()
    return path


def test_the_split_in_the_sample_dialog_can_hide_an_overlap(qtbot, demo_team_project, hub_for):
    # Issue 21: the split dialog's overlap, as `split --overlap 0.1 --min-coders 2`.
    dialog = ReliabilitySampleDialog(hub_for(demo_team_project, LEAD))
    qtbot.addWidget(dialog)
    assert not dialog.overlap_spin.isEnabled()
    dialog.count_radio.setChecked(True)
    dialog.count_spin.setValue(27)
    dialog.split_box.setChecked(True)
    assert dialog.overlap_spin.isEnabled()
    dialog.overlap_spin.setValue(10)
    # 127 demo units: 27 in the sample, 100 split, 10 of them to two coders.
    assert "The other 100 units go to one coder each, but 10 of them to two" in (
        dialog.preview.text()
    )
    rounds = run(qtbot, dialog, dialog.draw, dialog.drawn)
    assert [r.kind for r in rounds] == ["reliability", "split"]
    db = store.open_project(demo_team_project, readonly=True)
    try:
        overlap = team.overlap_unit_ids(db)
        pairs = team_store.round_assignments(db, rounds[1].round_id)
    finally:
        db.close()
    assert len(overlap) == 10 and set(overlap.values()) == {rounds[1].round_id}
    assert len(pairs) == 110
