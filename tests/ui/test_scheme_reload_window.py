"""A scheme changed while the coding window is open (another program installed a new
version; the window's poll announces it): the window codes with the new scheme's
dimensions and keys, on the same sentence, with every label kept."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.core import store, team
from desktop.core.menus import Menu
from desktop.core.project_changes import OUTSIDE
from desktop.ui.models import StatusRole
from tests.team.team_helpers import scheme_variant


def _labels(path, unit_id: str, coder: str) -> dict[str, str]:
    db = store.open_project(path, readonly=True)
    try:
        return store.unit_labels(db, unit_id, coder)
    finally:
        db.close()


def test_a_new_scheme_brings_its_keys_and_buttons_without_losing_the_sentence_or_a_label(
    qtbot, press, open_window, project_path, scheme
):
    window = open_window()
    press(window, "1", "q")  # two of three dimensions on the first sentence: it stays
    unit = window.session.unit
    before = {"stance": "pressure", "alliance_trust": "strained"}
    assert window.session.labels == before
    # another program installs version 1.1, with a fourth dimension (keys Z and X)
    db = store.open_project(project_path)
    try:
        team.change_scheme(db, scheme_variant(scheme, "1.1", new_dimension=True), who="lead")
    finally:
        db.close()
    window.hub.announce(OUTSIDE, reason="another program")  # what the window's poll does
    assert window.session.dimensions == ("stance", "alliance_trust", "china_role", "tone")
    assert window.session.unit.id == unit.id
    assert window.session.labels == before == _labels(project_path, unit.id, "ak")
    assert window.scheme.version == "1.1" and window.hub.scheme.version == "1.1"
    # the new dimension's buttons, menu entries and keys
    panel = window.coding_panel
    assert {("tone", "calm"), ("tone", "alarmed")} <= set(panel.buttons)
    code_menu = window.menus[Menu.CODE]
    submenus = [a.text() for a in code_menu.actions() if a.menu() is not None]
    assert submenus[-1] == "Tone" and len(submenus) == 4
    assert "Alarmed" in window.help_overlay.plain_text()
    press(window, "x")  # a key the old scheme did not have
    assert window.session.labels.get("tone") == "alarmed"
    assert _labels(project_path, unit.id, "ak") == {**before, "tone": "alarmed"}
    assert panel.buttons[("tone", "alarmed")].isChecked()
    # the sidebar counts over four dimensions now
    row = window.sidebar.units.row_of_seq(unit.seq)
    status = window.sidebar.units.index(row, 0).data(StatusRole)
    assert status.labelled == 3
    tooltip = window.sidebar.units.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "3 of 4 dimensions coded" in tooltip
    # the old keys still code their dimensions; the last one completes the sentence
    press(window, "a")
    qtbot.waitUntil(lambda: window.session.unit.id != unit.id)
    every = {**before, "tone": "alarmed", "china_role": "constructive"}
    assert _labels(project_path, unit.id, "ak") == every


def test_an_announcement_without_a_new_scheme_leaves_the_panel_alone(press, open_window):
    window = open_window()
    buttons = dict(window.coding_panel.buttons)
    scheme = window.scheme
    window.hub.announce(OUTSIDE, reason="another program")
    assert window.scheme is scheme
    assert window.coding_panel.buttons == buttons
