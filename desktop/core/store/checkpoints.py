"""Checkpoints of a project's write-ahead log, taken when the coder pauses.

Every commit appends to the project's WAL file; by default, the commit that takes the WAL
past 1,000 pages also copies them into the project file and syncs it (a checkpoint).
That took 120–270 ms on the benchmark machine: one key press in a few hundred froze the
coding window for up to a quarter of a second. Taking the checkpoint from another thread
does not help by itself: syncing the project file holds up the sync of the WAL, so the
commits made meanwhile waited 30–90 ms instead, and more often.

:class:`BackgroundCheckpoints` therefore turns automatic checkpoints off for the
window's connection and checkpoints from a thread of its own once the project has had no
commit for :data:`QUIET_S` (the coder is reading), or at the latest :data:`MOST_S` after
the first commit not yet copied. A checkpoint only moves committed pages from one file
to the other: each label is durable when its commit returns, checkpoint or not.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time

from desktop.core.store.db import BUSY_TIMEOUT_MS, Database, project_path

log = logging.getLogger(__name__)

# SQLite's own default (pages): what a connection goes back to when the thread stops.
DEFAULT_AUTOCHECKPOINT = 1000
QUIET_S = 1.0  # no commit for this long: the coder is reading, the disk is free
MOST_S = 60.0  # commits never pause: checkpoint anyway, this long after the first one
POLL_S = 0.1  # how often the thread looks for new commits (a read of shared memory)


def set_autocheckpoint(db: Database, pages: int) -> None:
    """Let a commit on ``db`` checkpoint once the WAL holds ``pages`` pages (0: never)."""
    db.conn.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")


def autocheckpoint(db: Database) -> int:
    return db.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]


def checkpoint_passive(conn: sqlite3.Connection) -> tuple[int, int, int]:
    """Copy what the WAL holds into the project file without waiting for anyone.

    Returns
    -------
    tuple
        ``(busy, frames in the WAL, frames checkpointed)`` as SQLite reports them.
    """
    return tuple(conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone())


class BackgroundCheckpoints:
    """Checkpoint ``db``'s project from a thread when commits pause; commits on ``db``
    itself no longer checkpoint. :meth:`stop` before closing ``db``.

    For a connection that writes (a read-only one leaves the file alone); does nothing
    for a database without a file or not in WAL mode.
    """

    def __init__(
        self,
        db: Database,
        *,
        quiet_s: float = QUIET_S,
        most_s: float = MOST_S,
        poll_s: float = POLL_S,
    ):
        self._db = db
        self._quiet_s, self._most_s, self._poll_s = quiet_s, most_s, poll_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.runs = 0  # checkpoints taken (for tests and diagnostics)
        path = project_path(db)
        if path is None or db.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            return
        self._path = path
        set_autocheckpoint(db, 0)
        self._thread = threading.Thread(
            target=self._run, name="stancecoder-checkpoints", daemon=True
        )
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(str(self._path), isolation_level=None)
        except sqlite3.Error as error:
            log.warning("%s: no background checkpoints (%s)", self._path, error)
            return
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._watch(conn)
        finally:
            conn.close()

    def _watch(self, conn: sqlite3.Connection) -> None:
        """Checkpoint after each run of commits, once they pause (or go on too long)."""
        version = _data_version(conn)
        first = last = None  # monotonic times of the first and last commit not copied
        while not self._stop.wait(self._poll_s):
            now = time.monotonic()
            seen = _data_version(conn)
            if seen != version:  # another connection committed since the last look
                version, last = seen, now
                first = first if first is not None else now
            if first is None:
                continue
            if now - last >= self._quiet_s or now - first >= self._most_s:
                try:
                    checkpoint_passive(conn)
                    self.runs += 1
                    first = last = None
                except sqlite3.Error as error:  # tried again at the next look
                    log.warning("%s: checkpoint failed (%s)", self._path, error)

    def stop(self) -> None:
        """Stop the thread and give ``db`` its automatic checkpoints back."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        with contextlib.suppress(sqlite3.Error):  # closed already: nothing to give back
            set_autocheckpoint(self._db, DEFAULT_AUTOCHECKPOINT)


def _data_version(conn: sqlite3.Connection) -> int:
    """Changes whenever another connection commits (SQLite's ``PRAGMA data_version``)."""
    return conn.execute("PRAGMA data_version").fetchone()[0]
