"""Team > Models… in the coding window: for the lead, like the other comparison views."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from desktop.core import store
from desktop.core.store import team as team_store


@pytest.fixture
def project_path(tmp_path, scheme):
    """A small project of a text written here (overrides the sample op-eds fixture)."""
    from desktop.core.corpus.importer import import_paths

    article = tmp_path / "note.txt"
    article.write_text(
        "A note\n\nSanctions must bite harder. Talks backed by firm sanctions may work.\n",
        encoding="utf-8",
    )
    path = tmp_path / "small.stance"
    db = store.create_project(path, scheme)
    import_paths(db, [article], workers=1)
    db.close()
    return path


def _models_action(window):
    (menu,) = [a.menu() for a in window.menuBar().actions() if a.text() == "&Team"]
    return next(a for a in menu.actions() if a.text() == "&Models…")


def test_models_is_in_the_team_menu_and_opens_for_the_lead(open_window, monkeypatch, qtbot):
    from desktop.ui.models_dialog import ModelsDialog, open_dialog

    window = open_window(coder="ak")
    assert _models_action(window).isEnabled()
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: shown.append(a[2]))
    assert open_dialog(window) is None and "lead" in shown[0]  # blind: not the lead yet
    team_store.set_lead(window.db, "ak")
    dialog = open_dialog(window)
    qtbot.addWidget(dialog)
    assert isinstance(dialog, ModelsDialog) and dialog.models.count() == 0
