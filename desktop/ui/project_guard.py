"""Opening a project in a window safely: the window lock, the backup on opening, warnings
about risky places, and picking up what other programs wrote meanwhile.

- A project already open in another window (here or on another machine sharing the
  file) is not opened twice for writing: the user is told who has it and may open it
  read-only.
- A verified backup is made on opening, in a child process at the lowest priority (at
  most every 10 minutes, the last 5 kept; see desktop.core.store.backup_process).
- Warnings found on opening (a network share, a synced folder) go to the status bar.
- ``PRAGMA data_version`` is polled; when another program (``stancecoder merge`` or
  ``import``) committed to the file, the project hub announces it (desktop/ui/hub.py)
  and the window and its views show the new state.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import sqlite3
import threading
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.core.errors import StanceError
from desktop.core.project_changes import OUTSIDE
from desktop.core.store.backup import backup_due, backup_on_open
from desktop.core.store.backup_process import start_backup_on_open
from desktop.core.store.db import data_version, open_warnings
from desktop.core.store.lock import ProjectLocked, WindowLock, acquire_window_lock
from desktop.ui import upgrade_dialog

POLL_MS = 2_000
log = logging.getLogger(__name__)


class ProjectGuard(QObject):
    """Holds a window's lock, polls for outside changes, releases the lock on close.

    Made by :meth:`desktop.ui.hub.ProjectHub.watch`; an outside change is announced
    through the hub, with the guard as its initiator.
    """

    def __init__(self, window, hub, lock: WindowLock | None):
        super().__init__(window)
        self.window = window
        self.hub = hub
        self.lock = lock
        self._version = data_version(hub.db)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._on_poll_due)
        self.timer.start()
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.timer.stop()
            self.release()
        return False

    def acknowledge(self) -> None:
        """The window's own work (a dialog's worker connection, the window it replaced)
        changed the file: take the file as it is now, with no "another program" notice."""
        with contextlib.suppress(sqlite3.Error):  # the window is closing
            self._version = data_version(self.hub.db)

    def release(self) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def _on_poll_due(self) -> None:
        try:
            version = data_version(self.hub.db)
        except sqlite3.Error:
            return  # the window is closing
        if version != self._version:
            self._version = version
            self.hub.announce(OUTSIDE, initiator=self, reason="another program")
            self.window.statusBar().showMessage(
                "The project was changed by another program; showing its new state", 6_000
            )


def _ask_read_only(parent: QWidget | None, error: ProjectLocked) -> bool:
    answer = QMessageBox.question(
        parent,
        "Project already open",
        f"{error}\n\nOpen it read-only? You can read and search, but not code.",
        QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Open


#: Seconds after opening before the backup on opening starts: its child process would
#: otherwise start (interpreter, imports) while the window draws its first sentence.
BACKUP_DELAY_S = 5.0


def _backup_in_background(path: Path, delay: float = 0.0) -> threading.Thread:
    """Back ``path`` up in a child process at the lowest priority (a thread waits for
    it), ``delay`` seconds from now and only when a backup is due; in that thread itself
    when no process can be started."""

    def run() -> None:
        time.sleep(delay)
        try:
            if not backup_due(path):
                return
            try:
                process = start_backup_on_open(path)
            except (OSError, RuntimeError) as error:
                log.warning("backing up in this process (%s)", error)
                backup_on_open(path)
            else:
                process.join()
        except (StanceError, sqlite3.Error, OSError) as error:
            log.warning("no backup of %s was made: %s", path, error)

    thread = threading.Thread(target=run, name="backup-on-open", daemon=True)
    thread.start()
    return thread


def open_window(path: Path, coder: str, *, readonly: bool = False, parent=None, ask=None):
    """A MainWindow on ``path`` with its guard, or None when the user declined.

    ``parent`` may be the window this one replaces: if it holds the lock of the same
    project (switching coder), the lock is handed over instead of refusing ourselves.
    ``ask(parent, error) -> bool`` decides about read-only when the project is locked
    (tests pass their own). Errors opening the project are raised as StanceError.
    """
    from desktop.ui.main_window import MainWindow

    gc.unfreeze()  # the window this one replaces is collected as usual (see app.run_app)
    old = getattr(parent, "guard", None)
    same = old is not None and Path(parent.project_path).resolve() == Path(path).resolve()
    if same:
        old.release()
    try:
        window = _open(MainWindow, path, coder, readonly, parent, ask)
    except BaseException:
        if same and not parent.readonly:
            old.lock = acquire_window_lock(path)  # the old window keeps coding
        raise
    if window is None and same and not parent.readonly:
        old.lock = acquire_window_lock(path)
    return window


def _open(window_class, path, coder, readonly, parent, ask):
    lock = None
    if not readonly:
        try:
            lock = acquire_window_lock(path)
        except ProjectLocked as error:
            if not (ask or _ask_read_only)(parent, error):
                return None
            readonly = True
    try:
        if not readonly:  # an older project is upgraded first, with a progress dialog
            upgrade_dialog.upgrade_if_needed(Path(path), parent)
        window = window_class(path, coder, readonly=readonly)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    window.hub.watch(window, lock)
    for warning in open_warnings(window.db):
        window.statusBar().showMessage(warning, 15_000)
    if not readonly:
        _backup_in_background(Path(path), BACKUP_DELAY_S)
    return window
