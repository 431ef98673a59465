"""The coder's progress on a large project, counted off the window's thread.

Counting the units a coder has fully and partly coded is a pass over all of the
coder's labels: about 8 s on a million-sentence project, which the coder would wait
for before seeing the first sentence. Above :data:`COUNT_LATER_ABOVE_UNITS` the window
opens without the counts (``CodingSession(count_later=True)``); a worker thread counts
on a connection of its own and the session adds the writes made meanwhile
(:meth:`~desktop.core.session.CodingSession.adopt_counts`). The status line says
"counting" until then.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from desktop.core import store
from desktop.core.session import CodingSession, Counts, count_progress
from desktop.ui.workers import Task

COUNT_LATER_ABOVE_UNITS = 200_000


def count_later(db: store.Database) -> bool:
    """Whether a window on ``db`` should count the coder's progress in the background."""
    return store.unit_seq_bound(db) > COUNT_LATER_ABOVE_UNITS


class BackgroundCount:
    """One count of ``session``'s progress on a worker thread; ``counted()`` is called
    in the window's thread once the session has the counts."""

    def __init__(self, project_path, session: CodingSession, counted: Callable[[], None]):
        self._session = session
        self._counted = counted
        self._connections: list[sqlite3.Connection] = []
        coder, dimensions = session.coder, session.dimensions
        assigned_only = session.assigned_only
        connections = self._connections

        def count(db: store.Database, _progress) -> Counts:
            connections.append(db.conn)
            return count_progress(db, coder, dimensions, assigned_only=assigned_only)

        self.task = Task(project_path, count)
        self.task.finished.connect(self._on_finished)
        self.failed = self.task.failed
        self._stopped = False
        self.task.start()

    def _on_finished(self, counts: Counts) -> None:
        if not self._stopped and self._session.adopt_counts(counts):
            self._counted()

    def stop(self) -> None:
        """The window closes: stop the count at once (its query is interrupted)."""
        self._stopped = True
        if self.task.is_running():
            self.task.cancel()
            for connection in self._connections:
                connection.interrupt()  # thread-safe: the query stops where it is
            self.task.wait(5_000)
