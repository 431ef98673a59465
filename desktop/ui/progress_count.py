"""The coder's progress on a large project, counted off the window's thread.

Counting the units a coder has fully and partly coded is a pass over all of the
coder's labels (1.3 s of CPU on a million-sentence project) and the list of every codable
unit one Python int per unit (0.55 s more), which the coder would wait for before seeing
the first sentence. Above :data:`COUNT_LATER_ABOVE_UNITS` the window opens without
them (``CodingSession(count_later=True)``: the session moves from unit to unit by
asking the store); a worker thread reads them on a connection of its own and the
session adds the writes made meanwhile
(:meth:`~desktop.core.session.CodingSession.adopt_counts`). The status line says
"counting" and the sentence list is empty until then.

The coder types from the first sentence on, while the thread reads (issue 24). It reads
the list first (0.2 s of CPU at 1M, little of it holding the interpreter lock), then
lowers its priority below the window's thread
(:func:`~desktop.ui.workers.yield_to_the_window`) and counts fully and partly coded
units in one pass over the labels (SQLite's work, the lock free): a key press waited
for a CPU behind this thread, and, had it yielded the CPU while holding the lock, would
wait for the lock instead.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from collections.abc import Callable

from desktop.core import store
from desktop.core.session import CodingSession, Counts, count_progress
from desktop.ui.workers import Task, yield_to_the_window

COUNT_LATER_ABOVE_UNITS = 200_000

# A hook to make the loading observable on a small project: while this is an unset
# event, a count's thread holds what it read until it is set (or the count is stopped),
# as a million-sentence project's reading lasts seconds. Tests set it; None otherwise.
HOLD_RESULT: threading.Event | None = None


def count_later(db: store.Database) -> bool:
    """Whether a window on ``db`` should count the coder's progress in the background."""
    return store.unit_seq_bound(db) > COUNT_LATER_ABOVE_UNITS


class BackgroundCount:
    """One count of ``session``'s progress (and its list of units, when it opened
    without) on a worker thread; ``counted(listed)`` is called in the window's thread
    once the session has them (``listed``: the list came too)."""

    def __init__(self, project_path, session: CodingSession, counted: Callable[[bool], None]):
        self._session = session
        self._counted = counted
        self._connections: list[sqlite3.Connection] = []
        coder, dimensions = session.coder, session.dimensions
        assigned_only = session.assigned_only
        with_seqs = self._listing = session.seqs is None
        connections = self._connections

        def count(db: store.Database, progress) -> Counts | None:
            connections.append(db.conn)
            if not progress(0, 0):  # stopped before the first query
                return None
            db.conn.execute("BEGIN")  # one snapshot for the list and the counts
            try:
                # The list first, at the window's priority: building it holds the
                # interpreter now and then, and a thread that yields the CPU while it
                # holds it keeps the window's thread waiting (issue 24).
                seqs = store.coded_unit_seqs(db) if with_seqs else None
                # Then the counts, SQLite's own work (the interpreter is free meanwhile):
                # the window's thread gets the CPU first.
                yield_to_the_window()
                counts = count_progress(db, coder, dimensions, assigned_only=assigned_only)
            finally:
                if db.conn.in_transaction:  # not after an interrupted query
                    db.conn.execute("COMMIT")
            counts = dataclasses.replace(counts, seqs=seqs)
            hold = HOLD_RESULT
            while hold is not None and not hold.wait(0.02):
                if not progress(0, 0):
                    return None
            return counts

        self.task = Task(project_path, count)
        self.task.finished.connect(self._on_finished)
        self.failed = self.task.failed
        self._stopped = False
        self.task.start()

    def _on_finished(self, counts: Counts) -> None:
        if not self._stopped and self._session.adopt_counts(counts):
            self._counted(self._listing)

    def stop(self, *, wait: bool = True) -> None:
        """Stop the count at once (its query is interrupted) and drop what it finds:
        the window closes, or the project changed and a new count begins (``wait``
        False: the thread ends on its own, on its own connection)."""
        self._stopped = True
        if self.task.is_running():
            self.task.cancel()
            for connection in self._connections:
                connection.interrupt()  # thread-safe: the query stops where it is
            if wait:
                self.task.wait(5_000)
