"""The project hub: one object owns the open project and announces every change to it.

A coding window makes one :class:`ProjectHub` for its project (the path, the connection,
the window lock, the scheme, the coder and the role). Everything that writes outside the
coding loop (the File and Team entries, curation, adjudication, gold values from the
agreement view, the lab server's sync, another program writing to the file) calls
:meth:`ProjectHub.announce` with what changed and who changed it; every view that shows
project data subscribes with :meth:`ProjectHub.subscribe` and refreshes from the
:class:`~desktop.core.project_changes.ProjectChange`, except the view that made it (Anki's
``OpChanges`` + ``initiator``). The coding loop keeps its own faster path
(:class:`~desktop.core.session.Update` into ``MainWindow._apply``).

Dialogs and views take the hub, never a path of their own: they read through
``hub.db`` (on the UI thread) or, for long work, a :class:`~desktop.ui.workers.Task` on
``hub.path`` with its own connection, and announce what that work changed when it ends.

The 2-second poll (:class:`~desktop.ui.project_guard.ProjectGuard`, ``PRAGMA
data_version``) is only for writes made by *other programs* (``stancecoder merge`` in a
terminal, a second window on the file, a sync tool): the window's own changes never wait
for it. Writes on the window's connection do not move its ``data_version`` at all; writes
on another connection of this app (a dialog's worker, the lab sync's) are announced here
when they end, and :meth:`announce` tells the guard to take the file as it is then, so
the poll never repeats them as "changed by another program". The lab sync's bookkeeping
(what was pushed) changes nothing a view shows; it is acknowledged to the guard without
an announcement. ``data_version`` only says "someone else committed", so another
program's write landing in the same poll interval as one of these is taken as known too;
the window shows it with the next change announced.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Signal

from desktop.core import store
from desktop.core.project_changes import Changed, ProjectChange
from desktop.core.scheme import Scheme
from desktop.core.store import Database
from desktop.core.store import team as team_store
from desktop.core.store.lock import WindowLock

LEAD = "lead"
CODER = "coder"


class ProjectHub(QObject):
    """The open project of one window, and the announcements of its changes.

    ``changed`` carries every :class:`ProjectChange`, the initiator's included; a
    subscriber registered with :meth:`subscribe` gets only the others'.
    """

    changed = Signal(object)  # ProjectChange

    def __init__(
        self,
        path: Path,
        db: Database,
        coder: str,
        scheme: Scheme,
        *,
        readonly: bool = False,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.path = Path(path)
        self.db = db
        self.coder = coder
        self.scheme = scheme
        self.readonly = readonly
        self.guard = None  # desktop.ui.project_guard.ProjectGuard, once watching
        self._subscribers: list[tuple[QObject, Callable[[ProjectChange], None]]] = []
        self._owns_db = False

    @classmethod
    def open(
        cls, path: Path, coder: str, *, readonly: bool = False, parent: QObject | None = None
    ) -> ProjectHub:
        """A hub with a connection of its own on ``path`` (no window, no lock, no poll):
        for a dialog opened on its own, as the tests do. :meth:`close` closes it."""
        db = store.open_project(Path(path), readonly=readonly)
        try:
            scheme = store.current_scheme(db)
        except BaseException:
            db.close()
            raise
        hub = cls(path, db, coder, scheme, readonly=readonly, parent=parent)
        hub._owns_db = True
        return hub

    def close(self) -> None:
        """Close the connection if this hub opened it (a window closes its own)."""
        if self._owns_db:
            self._owns_db = False
            self.db.close()

    # -- who is coding --------------------------------------------------------------

    def lead(self) -> str | None:
        """The project's lead (None: no coder is the lead yet)."""
        return team_store.lead(self.db)

    @property
    def role(self) -> str:
        """``lead`` when the current coder is the project's lead, else ``coder``."""
        return LEAD if self.lead() == self.coder else CODER

    def may_lead(self) -> bool:
        """Whether the coder may take a lead's step: the lead, or anyone while there is none."""
        lead = self.lead()
        return lead is None or lead == self.coder

    def may_compare(self) -> bool:
        """Whether the coder may see other coders' labels: the lead, or after the unlock."""
        return self.coder == self.lead() or team_store.comparison_unlocked(self.db)

    # -- watching the file ----------------------------------------------------------

    def watch(self, window, lock: WindowLock | None) -> None:
        """Hold ``lock`` and watch the file for other programs' writes while ``window`` is open."""
        from desktop.ui.project_guard import ProjectGuard

        self.guard = ProjectGuard(window, self, lock)

    @property
    def lock(self) -> WindowLock | None:
        """The window lock held (None: read-only, or not watching)."""
        return self.guard.lock if self.guard is not None else None

    # -- announcements --------------------------------------------------------------

    def acknowledge(self) -> None:
        """This app wrote on a connection of its own (a worker mid-run, the lab sync's
        bookkeeping) and no view needs to show it yet: not another program's write."""
        if self.guard is not None:
            self.guard.acknowledge()

    def subscribe(self, subscriber: QObject, callback: Callable[[ProjectChange], None]) -> None:
        """Call ``callback(change)`` on every change not made by ``subscriber``.

        The subscription ends when ``subscriber`` is destroyed.
        """
        self._subscribers.append((subscriber, callback))
        subscriber.destroyed.connect(lambda *_: self.unsubscribe(subscriber))

    def unsubscribe(self, subscriber: QObject) -> None:
        self._subscribers = [(s, c) for s, c in self._subscribers if s is not subscriber]

    def announce(
        self,
        what: Changed,
        initiator: object | None = None,
        reason: str = "",
        coders: frozenset[str] = frozenset(),
    ) -> ProjectChange:
        """Tell every subscriber but ``initiator`` that ``what`` changed; the change.

        A change announced here was made by this app: the file watcher takes it as known
        (no "changed by another program" notice follows).
        """
        change = ProjectChange(what, initiator, reason, frozenset(coders))
        if self.guard is not None and initiator is not self.guard:
            self.guard.acknowledge()
        for subscriber, callback in list(self._subscribers):
            if subscriber is initiator:
                continue
            if not shiboken6.isValid(subscriber):
                self.unsubscribe(subscriber)
                continue
            callback(change)
        self.changed.emit(change)
        return change
