"""Upgrading an older project before its window opens: a modal dialog with progress.

Opening a project written by an older version applies the migrations it lacks
(:func:`desktop.core.store.db.migrate`); on a large project that takes minutes (0007 moves
every label into its integer tables). The upgrade runs on a worker thread with its own
connection (SQLite connections do not cross threads) while this dialog shows the project,
"Upgrading the project to the new format — N of M", a bar, the time spent so far, and
that the window must not be closed; the window keeps painting, and the dialog cannot be
closed or cancelled (an interrupted upgrade would be safe, each migration being one
transaction, but would have to start again).
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QDialog, QLabel, QProgressBar, QVBoxLayout, QWidget

from desktop.core import store
from desktop.core.store.db import project_needs_upgrade
from desktop.core.store.migration_steps import UpgradeProgress
from desktop.ui.sentence_view import scaled_font

BAR_STEPS = 1000


class _Upgrade(QThread):
    """Opens (and so upgrades) the project on its own thread, then closes it there."""

    progressed = Signal(object)  # UpgradeProgress

    def __init__(self, path: Path, parent: QObject | None = None):
        super().__init__(parent)
        self.path = path
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            db = store.open_project(self.path, progress=self.progressed.emit)
            db.close()
        except BaseException as error:  # handed to the GUI thread, raised there
            self.error = error


class UpgradeDialog(QDialog):
    """What the upgrade of ``project_name`` is doing; it closes when the upgrade ends."""

    def __init__(self, project_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("upgradeDialog")
        self.setWindowTitle(f"Upgrading {project_name}")
        self.setModal(True)
        # No close button: the dialog goes away by itself when the upgrade is done.
        self.setWindowFlags(
            Qt.WindowType.Dialog | Qt.WindowType.CustomizeWindowHint | Qt.WindowType.WindowTitleHint
        )
        self._started = time.monotonic()
        self._finished = False
        self.project = QLabel(project_name)
        self.project.setObjectName("upgradeProject")
        self.project.setFont(scaled_font(1.15, bold=True))
        self.stage = QLabel("Upgrading the project to the new format")
        self.stage.setObjectName("upgradeStage")
        self.stage.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setObjectName("upgradeBar")
        self.bar.setRange(0, 0)  # busy until a fraction is known
        self.bar.setTextVisible(False)
        self.step = QLabel("")
        self.step.setObjectName("upgradeStep")
        self.elapsed = QLabel("0:00")
        self.elapsed.setObjectName("upgradeElapsed")
        warning = QLabel(
            "This project was made by an older version of Stance Coder and is being "
            "upgraded. Please do not close Stance Coder or turn off the computer until "
            "it is done. A backup of the old file was made first."
        )
        warning.setObjectName("upgradeWarning")
        warning.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 18)
        layout.setSpacing(8)
        for widget in (self.project, self.stage, self.bar, self.step, self.elapsed, warning):
            layout.addWidget(widget)
        em = self.fontMetrics().averageCharWidth()
        self.setMinimumWidth(min(60 * em, 560))
        self._clock = QTimer(self)
        self._clock.setInterval(500)
        self._clock.timeout.connect(self._on_clock_due)
        self._clock.start()

    def show_progress(self, at: UpgradeProgress) -> None:
        """Show where the upgrade is (a slot: the worker's signal arrives here)."""
        if at.phase == "backup":
            self.stage.setText("Backing up the project before upgrading it")
            self.step.setText("")
        elif at.phase == "compact":
            self.stage.setText("Upgrading the project to the new format — compacting the file")
            self.step.setText("")
        elif at.phase == "migration":
            self.stage.setText(
                f"Upgrading the project to the new format — {at.number} of {at.count}"
            )
            self.step.setText(f"Step {at.step} of {at.steps} ({at.name.replace('_', ' ')})")
        if at.fraction is None or at.phase != "migration":
            self.bar.setRange(0, 0)
        else:
            self.bar.setRange(0, BAR_STEPS)
            self.bar.setValue(round(at.fraction * BAR_STEPS))

    def finish(self) -> None:
        self._finished = True
        self._clock.stop()
        self.done(QDialog.DialogCode.Accepted)

    def _on_clock_due(self) -> None:
        minutes, seconds = divmod(int(time.monotonic() - self._started), 60)
        self.elapsed.setText(f"Time so far: {minutes}:{seconds:02d}")

    # The upgrade cannot be cancelled from here: Escape and the close button do nothing.
    def reject(self) -> None:
        if self._finished:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._finished:
            super().closeEvent(event)
        else:
            event.ignore()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            event.ignore()
            return
        super().keyPressEvent(event)


def upgrade_if_needed(path: Path, parent: QWidget | None = None) -> bool:
    """Upgrade the project at ``path`` if it is of an older format, showing the dialog
    while a worker thread does it; True if it was upgraded.

    Raises
    ------
    StanceError, sqlite3.Error
        What opening the project met (shown by the caller, as when a window fails to open).
    """
    path = Path(path)
    if not project_needs_upgrade(path):
        return False
    dialog = UpgradeDialog(path.name, parent)
    worker = _Upgrade(path)
    worker.progressed.connect(dialog.show_progress)
    worker.finished.connect(dialog.finish)
    worker.start()
    dialog.exec()
    worker.wait()
    if worker.error is not None:
        raise worker.error
    return True
