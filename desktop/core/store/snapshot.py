"""One consistent snapshot of a live project file, read block by block for a backup.

The coding window may commit labels while a backup reads the project. In WAL mode a
reader sees the main file plus the WAL frames up to its own read mark, and a checkpoint
never copies a frame newer than any open reader's mark into the main file. So:

1. checkpoint (PASSIVE: writers are not held up) to drain the WAL;
2. take the write lock for a moment (``BEGIN IMMEDIATE`` on a second connection), so no
   commit can land in between; checkpoint again and note whether every frame of the WAL
   is now in the main file; open a read transaction; release the write lock;
3. if every frame was in the main file, the main file holds exactly this reader's
   snapshot, and it keeps holding it for as long as the read transaction stays open
   (later commits stay in the WAL); otherwise (another reader held the checkpoint back)
   end the transaction and try again.

In rollback-journal mode the read transaction's shared lock keeps writers out of the
main file altogether. When none of this works (a read-only disk, a writer that holds
the lock past the busy timeout), the snapshot is taken with SQLite's backup API into a scratch file
beside the backups and read from there: slower, never wrong.

The main file is read through a descriptor of our own. Closing any descriptor of a file
drops every POSIX lock the process holds on it, SQLite's included (the classic way to
corrupt a database), so on POSIX that descriptor is kept open while the file stays in
place and reused by the next backup of the same file.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from desktop.core import partial_files
from desktop.core.store import db as db_module  # its busy timeout, read at call time

_TRIES = 20
_LOCK_WAIT_MS = 5_000  # the reader's (a checkpoint never waits; only a locked file does)
# path -> (device, inode, descriptor); see the module docstring for why these stay open
_HELD: dict[str, tuple[int, int, int]] = {}
_KEEP_FDS = 32
_HELD_LOCK = threading.Lock()


class SnapshotUnavailable(Exception):
    """The live file could not be pinned; the caller copies it with the backup API."""


@dataclass
class Snapshot:
    """A pinned state of a project: its facts and a way to read its bytes.

    ``conn`` holds the read transaction (or reads the scratch copy); ``read_at(offset,
    size)`` returns bytes of that state.
    """

    conn: sqlite3.Connection
    fd: int
    page_size: int
    file_size: int
    project_id: str
    schema_version: int
    how: str  # "live" (read in place) or "copy" (through a scratch copy)

    def read_at(self, offset: int, size: int) -> bytes:
        """``size`` bytes of the snapshot from ``offset`` (fewer at the end)."""
        size = min(size, self.file_size - offset)
        if hasattr(os, "pread"):
            return os.pread(self.fd, size, offset)
        os.lseek(self.fd, offset, os.SEEK_SET)  # pragma: no cover - Windows
        return os.read(self.fd, size)  # pragma: no cover

    def blocks(self, block_size: int) -> Iterator[bytes]:
        """The snapshot's bytes in blocks of ``block_size`` (the last may be shorter)."""
        for offset in range(0, self.file_size, block_size):
            data = self.read_at(offset, block_size)
            if len(data) != min(block_size, self.file_size - offset):
                raise OSError(f"the project file ended early at byte {offset + len(data)}")
            yield data

    def quick_check(self) -> list[str]:
        """``PRAGMA quick_check`` of the snapshot (``["ok"]`` when sound)."""
        return [r[0] for r in self.conn.execute("PRAGMA quick_check").fetchall()]


def _connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}{'?mode=ro' if readonly else ''}"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {_LOCK_WAIT_MS}")
    return conn


def _facts(conn: sqlite3.Connection) -> tuple[int, int, str, int]:
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    row = conn.execute("SELECT value FROM meta WHERE key = 'project_id'").fetchone()
    try:
        version = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
    except sqlite3.Error:
        version = None
    return page_size, page_size * pages, row[0] if row else "unknown", int(version or 0)


def _held_fd(path: Path) -> int:
    """A read descriptor of ``path`` that stays open while the file is in use."""
    with _HELD_LOCK:
        return _held_fd_locked(path)


def _held_fd_locked(path: Path) -> int:
    key = str(path.resolve())
    st = os.stat(key)
    held = _HELD.pop(key, None)
    if held and held[:2] == (st.st_dev, st.st_ino):
        _HELD[key] = held  # the most recently used last
        return held[2]
    fd = os.open(key, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    if sys.platform == "win32":  # pragma: no cover - closed after reading, no POSIX locks
        return fd
    # A descriptor of a file since renamed away (a restore) or deleted can go: closing it
    # drops only locks on that file, which no connection should still use. Past _KEEP_FDS
    # files (a test run backs up hundreds of projects in one process) the least recently
    # backed up goes too.
    if held:
        os.close(held[2])
    for other, (dev, ino, other_fd) in list(_HELD.items()):
        try:
            now = os.stat(other)
            gone = (now.st_dev, now.st_ino) != (dev, ino)
        except OSError:
            gone = True
        if gone or len(_HELD) >= _KEEP_FDS:
            os.close(other_fd)
            del _HELD[other]
    _HELD[key] = (st.st_dev, st.st_ino, fd)
    return fd


def read_header(path: Path) -> bytes:
    """The first 100 bytes of ``path``, read through the held descriptor (see the module
    docstring: a descriptor opened and closed here would drop SQLite's locks)."""
    return os.pread(_held_fd(path), 100, 0) if hasattr(os, "pread") else path.read_bytes()[:100]


def _pin_wal(reader: sqlite3.Connection, writer: sqlite3.Connection) -> None:
    # Wait for a writer as long as a command would, then fall back to the copy.
    writer.execute(f"PRAGMA busy_timeout = {db_module.BUSY_TIMEOUT_MS}")
    for attempt in range(_TRIES):
        reader.execute("PRAGMA wal_checkpoint(PASSIVE)")
        writer.execute("BEGIN IMMEDIATE")
        try:
            _, frames, copied = reader.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            writer.execute("ROLLBACK")
        if frames == copied:
            return
        reader.execute("ROLLBACK")
        time.sleep(0.02 * (attempt + 1))
    raise SnapshotUnavailable("another reader kept the WAL from being checkpointed")


@contextlib.contextmanager
def _live(project: Path) -> Iterator[Snapshot]:
    reader = writer = None
    try:
        reader, writer = _connect(project), _connect(project)
        mode = writer.execute("PRAGMA journal_mode").fetchone()[0].lower()
        if mode == "wal":
            _pin_wal(reader, writer)
        else:
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM sqlite_master").fetchone()
        facts = _facts(reader)
        fd = _held_fd(project)
    except (sqlite3.Error, OSError) as exc:
        for conn in (reader, writer):
            if conn is not None:
                conn.close()
        raise SnapshotUnavailable(str(exc)) from None
    writer.close()
    try:
        yield Snapshot(reader, fd, *facts, how="live")
    finally:
        with contextlib.suppress(sqlite3.Error):
            reader.execute("ROLLBACK")
        reader.close()
        if sys.platform == "win32":  # pragma: no cover - no POSIX locks to lose there
            os.close(fd)


@contextlib.contextmanager
def _copied(project: Path, scratch: Path) -> Iterator[Snapshot]:
    held = partial_files.hold(scratch)
    conn = None
    fd = -1
    try:
        source = _connect(project, readonly=True)
        try:
            target = sqlite3.connect(scratch, isolation_level=None)
            try:
                source.backup(target)
                target.execute("PRAGMA journal_mode = DELETE")
            finally:
                target.close()
        finally:
            source.close()
        conn = _connect(scratch)
        conn.execute("BEGIN")
        facts = _facts(conn)
        fd = os.open(scratch, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        yield Snapshot(conn, fd, *facts, how="copy")
    finally:
        if conn is not None:
            conn.close()  # before the descriptor: see the module docstring
        if fd >= 0:
            os.close(fd)
        partial_files.release(held)
        scratch.unlink(missing_ok=True)
        for side in ("-wal", "-shm", "-journal"):
            Path(f"{scratch}{side}").unlink(missing_ok=True)


@contextlib.contextmanager
def snapshot(project: Path, scratch: Path) -> Iterator[Snapshot]:
    """Pin one consistent state of ``project`` for as long as the block runs.

    Parameters
    ----------
    project
        The project file (other programs may write to it meanwhile).
    scratch
        A ``.partial`` path for a scratch copy, used only when the live file cannot be
        pinned (e.g. it is on a read-only disk); deleted afterwards.
    """
    with contextlib.ExitStack() as stack:
        try:
            snap = stack.enter_context(_live(project))
        except SnapshotUnavailable:
            snap = stack.enter_context(_copied(project, scratch))
        yield snap
