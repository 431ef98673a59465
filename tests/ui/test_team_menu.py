"""The Team menu in the coding window: blind until the lead opens it or unlocks it."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from desktop.core import store, team


def menu_titles(window):
    return [a.text() for a in window.menuBar().actions()]


def team_actions(window):
    (menu,) = [a.menu() for a in window.menuBar().actions() if a.text() == "&Team"]
    return {a.text(): a for a in menu.actions() if a.text()}


def test_file_and_team_menus_have_the_lead_entries(open_window):
    window = open_window(coder="ak")
    assert menu_titles(window)[-2:] == ["&Team", "&Help"]
    (file_menu,) = [a.menu() for a in window.menuBar().actions() if a.text() == "&File"]
    entries = [a.text() for a in file_menu.actions()]
    for text in ("&Export data…", "Create coder &package…", "&Merge coder files…"):
        assert text in entries
    assert set(team_actions(window)) >= {
        "&Agreement…",
        "A&djudicate disagreements…",
        "&Curate articles…",
        "Draw a &reliability sample…",
        "&Progress of coders…",
        "&Unlock comparison…",
    }


def test_a_coder_cannot_open_the_comparison_views(open_window, monkeypatch, project_path):
    db = store.open_project(project_path)
    for coder in ("ak", "lead"):
        store.ensure_coder(db, coder)
    team.set_lead(db, "lead")
    db.close()
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda *args: told.append(args[2]))
    window = open_window(coder="ak")
    team_actions(window)["&Agreement…"].trigger()
    team_actions(window)["A&djudicate disagreements…"].trigger()
    assert len(told) == 2 and all("Only the project's lead (lead)" in t for t in told)
    assert not [w for w in window.findChildren(object) if type(w).__name__ == "AgreementView"]


def test_the_lead_opens_the_agreement_view(open_window, project_path, qtbot):
    db = store.open_project(project_path)
    store.ensure_coder(db, "lead")
    team.set_lead(db, "lead")
    db.close()
    window = open_window(coder="lead")
    team_actions(window)["&Agreement…"].trigger()
    views = [w for w in window.findChildren(object) if type(w).__name__ == "AgreementView"]
    assert len(views) == 1
    views[0].close()
