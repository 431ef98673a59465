"""Background sync with the lab server while the window is open, and its status-bar text.

A worker in its own QThread ticks :class:`desktop.core.lab.Syncer` five times a second
(it pushes right after a local commit and syncs fully every second): the
coding window never waits for the network (the worker has its own project connection and
the key path only writes the local file). The status bar says "Lab: synced", "Lab:
offline since …" or how many labels are waiting. When a sync merged coders' labels (the
lead) or brought the lead's changes (a coder), it is announced through the window's
project hub, so the window and every view subscribed to it (the progress dialog, the
agreement and adjudication views) refresh: the lead sees a coder's label within a few
seconds. A sync that wrote only its own bookkeeping (what was pushed) is acknowledged
to the hub's file watcher, so the 2-second poll does not take it for another program.

The window needs one line: ``lab_sync.install(window)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QMetaObject, QObject, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import QLabel

from desktop.core.project_changes import OUTSIDE, Changed
from desktop.core.store import get_meta
from desktop.core.store import lab as lab_store

if TYPE_CHECKING:
    from desktop.core import lab
    from desktop.ui.main_window import MainWindow

TICK_MS = 200  # = desktop.core.lab.sync.TICK_S (not imported: psycopg loads lazily)


class _Worker(QObject):
    status = Signal(object)  # lab.SyncStatus

    def __init__(self, syncer: lab.Syncer):
        super().__init__()
        # Made in the UI thread (it opens nothing until its first tick, in the worker):
        # importing psycopg in the worker thread can stall behind the UI thread's hold
        # on the interpreter for as long as the window is busy.
        self._syncer: lab.Syncer | None = syncer
        self._timer: QTimer | None = None

    @Slot()
    def start(self) -> None:
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._step)
        self._timer.start()
        self._step()

    @Slot()
    def _step(self) -> None:
        status = self._syncer.tick() if self._syncer is not None else None
        if status is not None:
            self.status.emit(status)

    @Slot()
    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        if self._syncer is not None:
            self._syncer.close()
            self._syncer = None


class LabSync(QObject):
    """The window's link to the lab: a worker thread, a status label, view refreshes."""

    status_changed = Signal(object)  # lab.SyncStatus, in the UI thread

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self._window = window
        self.label = QLabel("Lab: connecting…")
        self.label.setObjectName("labSyncLabel")
        window.statusBar().addPermanentWidget(self.label)
        self.last_status: lab.SyncStatus | None = None
        from desktop.core.lab import Syncer  # psycopg loads only for a linked project

        self._thread = QThread()
        self._worker = _Worker(Syncer(window.project_path, who=window.coder))
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.start)
        self._worker.status.connect(self._on_status_changed)
        window.installEventFilter(self)
        self._thread.start()

    def _on_status_changed(self, status: lab.SyncStatus) -> None:
        self.last_status = status
        self.label.setText(status.text())
        self.label.setToolTip(status.detail or f"Last synced {status.last_synced} UTC")
        if status.changed or status.pulled:
            self._refresh_views(status)
        elif status.wrote:
            # Only the sync's bookkeeping (what was pushed): nothing any view shows, and
            # not another program's write for the 2-second poll.
            self._window.hub.acknowledge()
        self.status_changed.emit(status)

    def _refresh_views(self, status: lab.SyncStatus) -> None:
        """Announce the sync's changes through the hub: the window and its views refresh."""
        hub = self._window.hub
        if status.pulled:
            hub.announce(OUTSIDE, initiator=self, reason="lab server")
        else:
            changed = frozenset(status.changed)
            hub.announce(Changed.LABELS, initiator=self, reason="lab server", coders=changed)

    def stop(self) -> None:
        """Stop the worker (it closes its connections in its own thread) and the thread."""
        if not self._thread.isRunning():
            return
        QMetaObject.invokeMethod(self._worker, "stop", Qt.ConnectionType.BlockingQueuedConnection)
        self._thread.quit()
        self._thread.wait()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Close:
            self.stop()
        return False


def install(window: MainWindow) -> LabSync | None:
    """Sync ``window``'s project in the background when it is linked to a lab server."""
    if window.readonly or not get_meta(window.db, lab_store.SERVER):
        return None
    window.lab_sync = LabSync(window)
    return window.lab_sync
