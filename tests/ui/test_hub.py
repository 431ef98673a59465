"""The project hub: a change made through one view reaches the other views, not itself.

Real windows and views on the shipped demo articles; the changes are real writes to the
project file (gold values, the lead, another connection's labels).
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.core import store
from desktop.core.adjudication import Shown
from desktop.core.menus import MENU_TABLE, Command, Menu
from desktop.core.project_changes import OUTSIDE, Changed, ProjectChange
from desktop.core.store import team as team_store
from desktop.ui import team_menu
from desktop.ui.adjudication_view import AdjudicationView


@pytest.fixture
def lead_window(demo_window):
    """ak's window, ak the lead; bm and cl disagree on the stance of the first four units."""
    window = demo_window("ak")
    team_store.set_lead(window.db, "ak")
    units = [store.get_unit_by_seq(window.db, s).id for s in store.coded_unit_seqs(window.db)]
    for coder, code in (("bm", "pressure"), ("cl", "engagement")):
        store.ensure_coder(window.db, coder)
        for unit in units[:4]:
            store.set_label(window.db, unit, coder, "stance", code)
    return window


def adjudication_views(window) -> list[AdjudicationView]:
    return [w for w in window.findChildren(QWidget) if isinstance(w, AdjudicationView)]


def gold_of(view: AdjudicationView, unit_id: str) -> str | None:
    row = view.model.row_of(unit_id, "stance")
    return None if row is None else view.model.unit(row).gold


def test_a_gold_value_set_in_one_view_reaches_the_other_and_skips_the_initiator(lead_window, qtbot):
    hub = lead_window.hub
    team_menu.HANDLERS[Command.ADJUDICATE](lead_window)
    team_menu.HANDLERS[Command.ADJUDICATE](lead_window)
    first, second = adjudication_views(lead_window)
    for view in (first, second):
        view.shown_combo.setCurrentIndex(view.shown_combo.findData(Shown.ALL))
    seen: dict[str, list[ProjectChange]] = {"first": [], "second": []}
    hub.subscribe(first, seen["first"].append)
    hub.subscribe(second, seen["second"].append)
    unit = first.current_unit()
    assert unit is not None and gold_of(second, unit.unit_id) is None

    change = first.choose("stance", "pressure")

    assert change is not None
    assert seen["first"] == []  # the initiator is skipped
    (told,) = seen["second"]
    assert told.initiator is first and told.touches(Changed.GOLD)
    assert gold_of(second, unit.unit_id) == "pressure"  # the other view reloaded
    assert "3 without gold" in second.count_label.text()


def test_the_windows_coder_becoming_lead_reaches_a_view_and_the_menu(
    demo_window, qtbot, monkeypatch
):
    window = demo_window("ak")
    seen: list[ProjectChange] = []
    witness = QWidget()
    qtbot.addWidget(witness)
    window.hub.subscribe(witness, seen.append)
    assert window.hub.role == "coder" and window.hub.lead() is None
    answers = []

    def yes(*_args, **_kwargs):  # the user's answer to the question, not the code under test
        answers.append(True)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", yes)
    window.menu_actions[Command.MAKE_LEAD].trigger()
    assert answers == [True]
    assert window.hub.role == "lead"
    assert [c.what for c in seen] == [Changed.TEAM]
    window.menus[Menu.TEAM].aboutToShow.emit()
    assert not window.menu_actions[Command.MAKE_LEAD].isVisible()


def test_another_coders_labels_leave_the_coding_window_alone(lead_window, qtbot):
    reloads: list[ProjectChange] = []
    lead_window.hub.changed.connect(reloads.append)
    before = lead_window.session.reload  # the window redraws through session.reload
    calls = []
    lead_window.session.reload = lambda *args, **kwargs: calls.append(1) or before(*args, **kwargs)
    lead_window.hub.announce(Changed.LABELS, coders=frozenset({"bm"}))
    assert calls == []
    lead_window.hub.announce(Changed.LABELS, coders=frozenset({"ak"}))
    assert calls == [1]
    lead_window.hub.announce(OUTSIDE)
    assert calls == [1, 1]
    assert len(reloads) == 3


def test_an_ended_subscriber_is_not_called(demo_window, qtbot):
    window = demo_window("ak")
    seen: list[ProjectChange] = []
    witness = QWidget()
    window.hub.subscribe(witness, seen.append)
    window.hub.announce(Changed.UNITS)
    assert len(seen) == 1
    witness.deleteLater()
    qtbot.wait(50)
    window.hub.announce(Changed.UNITS)
    assert len(seen) == 1


def test_every_entry_of_the_menu_table_is_an_action_in_its_menu(demo_window):
    window = demo_window("ak")
    assert set(team_menu.HANDLERS) == set(Command)
    for entry in MENU_TABLE:
        action = window.menu_actions[entry.command]
        assert action.text() == entry.label
        assert action in window.menus[entry.menu].actions(), entry.command
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == [m.value for m in (Menu.FILE, Menu.CODE, Menu.VIEW, Menu.TEAM, Menu.HELP)]


def test_read_only_windows_disable_the_writing_entries(demo_path, qtbot):
    from desktop.ui.main_window import MainWindow

    window = MainWindow(demo_path, "ak", readonly=True)
    qtbot.addWidget(window)
    for entry in MENU_TABLE:
        assert window.menu_actions[entry.command].isEnabled() == (not entry.writes)


def _run(qtbot, dialog, start, signal):
    with qtbot.waitSignal(signal, timeout=10_000) as blocker:
        assert start()
    qtbot.waitUntil(lambda: dialog.task is None)
    return blocker.args[0]


def test_the_team_dialogs_announce_their_work_and_the_poll_stays_for_other_programs(
    lead_window, qtbot
):
    """Sample, package and merge write on their own worker connections; each announces
    what it wrote through the hub, so the open progress dialog follows without a reload
    by hand and the 2-second poll never repeats them as another program's writes."""
    from desktop.ui.round_dialogs import ProgressDialog, ReliabilitySampleDialog
    from desktop.ui.team_dialogs import CreatePackageDialog, MergeDialog

    window = lead_window
    hub = window.hub
    hub.watch(window, None)  # the file watcher, as open_window starts it
    seen: list[ProjectChange] = []
    hub.changed.connect(seen.append)
    progress = ProgressDialog(hub, window)
    progress.show()
    assert progress.total_label.text() == ""

    sample = ReliabilitySampleDialog(hub, window)
    qtbot.addWidget(sample)
    assert sample.chosen_coders() == ["bm", "cl"]
    sample.count_radio.setChecked(True)
    sample.count_spin.setValue(4)
    (drawn,) = _run(qtbot, sample, sample.draw, sample.drawn)
    assert seen[-1].initiator is sample and seen[-1].what == Changed.TEAM
    assert progress.total_label.text() == "0 of 8 assignments coded"

    package = CreatePackageDialog(hub, window)
    qtbot.addWidget(package)
    package.coder_box.setCurrentText("cl")
    _run(qtbot, package, package.create, package.created)
    assert seen[-1].initiator is package
    mine = sorted(u for u, c in team_store.round_assignments(hub.db, drawn.round_id) if c == "cl")
    coded = store.open_project(package.output)
    for unit in mine[:3]:
        for dimension in hub.scheme.dimensions:
            store.set_label(coded, unit, "cl", dimension.id, dimension.codes[0])
    coded.close()

    merge = MergeDialog(hub, window)
    qtbot.addWidget(merge)
    merge.set_files([package.output])
    _run(qtbot, merge, merge.merge, merge.merged)
    assert seen[-1].initiator is merge and seen[-1].touches(Changed.LABELS)
    assert progress.total_label.text() == "3 of 8 assignments coded"

    count = len(seen)
    hub.guard._on_poll_due()  # what the timer does every 2 s
    assert len(seen) == count  # the dialogs' writes are known: no "another program"

    other = store.open_project(window.project_path)  # another program writes
    for dimension in hub.scheme.dimensions:
        store.set_label(other, mine[3], "cl", dimension.id, dimension.codes[-1])
    other.close()
    hub.guard._on_poll_due()
    assert seen[-1].initiator is hub.guard and seen[-1].what == OUTSIDE
    assert progress.total_label.text() == "4 of 8 assignments coded"
