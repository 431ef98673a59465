"""Opening an older project in the window: the upgrade runs on a worker thread behind a
modal dialog that names the project, says "Upgrading the project to the new format —
N of M", fills a bar, counts the time and cannot be closed; the window opens on the
upgraded project afterwards with every label."""

from __future__ import annotations

import threading

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from desktop.core.store import db as dbmod
from desktop.core.store import migration_steps
from desktop.core.store.migration_steps import UpgradeProgress
from desktop.ui import project_guard, upgrade_dialog
from desktop.ui.upgrade_dialog import UpgradeDialog
from tests.store.test_integer_labels import _dump, v6_project  # noqa: F401 (a fixture)


def _at(phase="migration", step=3, steps=12, fraction=0.25) -> UpgradeProgress:
    return UpgradeProgress(phase, 7, "integer_labels", 1, 2, step, steps, 4.0, fraction)


def test_the_dialog_shows_the_project_the_migration_and_the_bar(qtbot):
    dialog = UpgradeDialog("study")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.project.text() == "study"
    assert dialog.bar.maximum() == 0  # busy until a fraction is known
    dialog.show_progress(_at(fraction=None))
    assert dialog.bar.maximum() == 0
    dialog.show_progress(_at())
    assert dialog.stage.text() == "Upgrading the project to the new format — 1 of 2"
    assert dialog.step.text() == "Step 3 of 12 (integer labels)"
    assert dialog.bar.value() / dialog.bar.maximum() == 0.25
    dialog.show_progress(_at("compact", 0, 0, None))
    assert "compacting" in dialog.stage.text() and dialog.bar.maximum() == 0
    # neither Escape nor closing the window ends it while the upgrade runs
    QApplication.sendEvent(
        dialog, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)
    )
    dialog.close()
    assert dialog.isVisible()
    dialog.finish()
    assert not dialog.isVisible()


def test_the_upgrade_runs_off_the_gui_thread_while_the_dialog_paints(
    qtbot,
    v6_project,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setattr(migration_steps, "HEARTBEAT_S", 0.0)
    monkeypatch.setattr(migration_steps, "HANDLER_OPS", 100)
    monkeypatch.setattr(migration_steps, "CHUNK_KEYS", 1)
    before = _dump(v6_project)
    shown: list[tuple[UpgradeProgress, bool]] = []
    original = UpgradeDialog.show_progress

    def recording(self, at):
        shown.append((at, threading.current_thread() is threading.main_thread()))
        original(self, at)

    monkeypatch.setattr(UpgradeDialog, "show_progress", recording)
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    assert upgrade_dialog.upgrade_if_needed(v6_project) is True
    timer.stop()
    assert not dbmod.project_needs_upgrade(v6_project)
    assert _dump(v6_project) == before
    assert shown and all(on_gui for _at, on_gui in shown)  # slots ran on the GUI thread
    phases = [at.phase for at, _ in shown]
    assert phases[0] == "backup" and "migration" in phases
    assert ticks  # the GUI thread's event loop ran while the worker upgraded
    assert upgrade_dialog.upgrade_if_needed(v6_project) is False  # nothing left to do


def test_opening_an_old_project_upgrades_it_then_opens_the_window(qtbot, v6_project):  # noqa: F811
    before = _dump(v6_project)
    window = project_guard.open_window(v6_project, "ann")
    qtbot.addWidget(window)
    try:
        assert dbmod.pending_migrations(window.db) == []
        assert window.session.unit is not None
    finally:
        window.close()
    after = _dump(v6_project)  # (the window stored the seconds spent on its sentence)
    assert after["labels"] == before["labels"]
    assert after["label_history"] == before["label_history"]
