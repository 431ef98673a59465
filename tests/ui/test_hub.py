"""The project hub: a change made through one view reaches the other views, not itself.

Real windows and views on the shipped demo articles; the changes are real writes to the
project file (gold values, the lead, another connection's labels).
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.core import store
from desktop.core.menus import MENU_TABLE, Command, Menu
from desktop.core.project_changes import OUTSIDE, Changed, ProjectChange
from desktop.core.store import team as team_store
from desktop.ui import team_menu
from desktop.ui.adjudication_parts import Shown
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
