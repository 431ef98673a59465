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


def test_a_models_work_is_announced_through_the_hub_not_the_poll(
    open_window, monkeypatch, qtbot, tmp_path
):
    """Importing predictions writes on the dialog's worker connection; removing a model
    on the hub's. Both are announced through the hub, so the file watcher's poll never
    takes them for another program's writes."""
    from desktop.core.project_changes import Changed
    from desktop.ui.models_dialog import open_dialog

    window = open_window(coder="ak")
    team_store.set_lead(window.db, "ak")
    window.hub.watch(window, None)
    seen = []
    window.hub.changed.connect(seen.append)
    unit = store.get_unit_by_seq(window.db, store.coded_unit_seqs(window.db)[0]).id
    predictions = tmp_path / "bot.csv"
    predictions.write_text(f"unit_id,dimension,value\n{unit},stance,pressure\n", "utf-8")
    dialog = open_dialog(window)
    qtbot.addWidget(dialog)
    dialog.name.setText("bot")
    dialog.tabs.setCurrentIndex(2)
    dialog.file.setText(str(predictions))
    assert dialog.start()
    qtbot.waitUntil(lambda: dialog.task is None, timeout=30_000)
    assert dialog.models.count() == 1, dialog.status.text()
    (change,) = seen
    assert change.initiator is dialog and change.touches(Changed.LABELS)
    window.hub.guard._on_poll_due()
    assert len(seen) == 1  # known: no "changed by another program"

    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    dialog.models.setCurrentRow(0)
    dialog.remove_button.click()
    assert dialog.models.count() == 0
    assert [c.initiator for c in seen] == [dialog, dialog]
