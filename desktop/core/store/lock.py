"""The window lock: one coding window per project, a crash never leaves a stale lock.

The window holds an operating-system lock (``flock`` on POSIX, ``msvcrt.locking`` on
Windows) on ``<project>.lock`` for as long as it is open; the file says who holds it
(process, host, user, since when). The operating system drops the lock when the process
ends, however it ends, so a file left behind by a crash is not a lock: the next window
takes it over.

The command line never takes this lock: SQLite's own locking and busy timeout make its
short writes safe next to an open window (see :mod:`desktop.core.store.db`).
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from desktop.core.errors import ProjectError
from desktop.core.timestamps import utc_now

LOCK_SUFFIX = ".lock"

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)


@dataclass(frozen=True)
class LockOwner:
    """Who holds a project open in a window."""

    pid: int
    host: str
    user: str
    since: str  # ISO-8601 UTC

    def describe(self) -> str:
        since = self.since[:16].replace("T", " ")
        who = f"{self.user} on {self.host}" if self.user else self.host
        return f"by {who} (process {self.pid}) since {since} UTC"


class ProjectLocked(ProjectError):
    """The project is open in a coding window elsewhere; it can be opened read-only."""

    def __init__(self, path: str | Path, owner: LockOwner | None):
        self.owner = owner
        held = owner.describe() if owner else "by another program"
        super().__init__(
            f"is already open in Stance Coder {held}; open it read-only, or close it there first",
            path,
        )


def lock_path(project: str | Path) -> Path:
    """The lock file beside ``project``: ``<project>.lock``."""
    project = Path(project)
    return project.with_name(project.name + LOCK_SUFFIX)


def _read_owner(fd: int) -> LockOwner | None:
    # Byte 0 is the locked byte on Windows (unreadable to others); the JSON follows it.
    try:
        os.lseek(fd, 1, os.SEEK_SET)
        data = json.loads(os.read(fd, 4096).decode("utf-8"))
        return LockOwner(int(data["pid"]), str(data["host"]), str(data["user"]), data["since"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _me() -> LockOwner:
    try:
        user = getpass.getuser()
    except Exception:  # no user name in some sandboxes and services
        user = ""
    return LockOwner(os.getpid(), socket.gethostname(), user, utc_now())


class WindowLock:
    """A held window lock; release it with :meth:`release` or a ``with`` block."""

    def __init__(self, project: Path, path: Path, fd: int, owner: LockOwner):
        self.project = project
        self.path = path
        self.owner = owner
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Give the lock up and remove the lock file (safe to call twice)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if sys.platform != "win32":
            # Unlinking while still holding the lock: a waiting acquirer that opened the
            # old file notices (inode check) and starts again on a fresh one.
            with contextlib.suppress(OSError):
                self.path.unlink()
        _unlock(fd)
        os.close(fd)
        if sys.platform == "win32":  # pragma: no cover
            with contextlib.suppress(OSError):
                self.path.unlink()

    def __enter__(self) -> WindowLock:
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()

    def __del__(self) -> None:
        if getattr(self, "_fd", None) is not None:
            self.release()


def _open_lock_file(path: Path, project: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise ProjectError(
            f"cannot create its lock file {path.name} ({exc.strerror}); open the project read-only",
            project,
        ) from None


def acquire_window_lock(project: str | Path) -> WindowLock:
    """Take the window lock of ``project`` (call when a window opens it for coding).

    Returns
    -------
    WindowLock
        Held until :meth:`WindowLock.release` (or the end of a ``with`` block, or the
        end of the process, however it ends).

    Raises
    ------
    ProjectLocked
        When another window holds it; ``.owner`` says who, the message offers read-only.
    ProjectError
        When the lock file cannot be created (a read-only folder).
    """
    project = Path(project)
    path = lock_path(project)
    for _ in range(20):
        fd = _open_lock_file(path, project)
        if not _try_lock(fd):
            owner = _read_owner(fd)
            os.close(fd)
            raise ProjectLocked(project, owner)
        if sys.platform != "win32":
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(path))
            except OSError:
                same = False
            if not same:  # released and removed meanwhile: lock the new file instead
                _unlock(fd)
                os.close(fd)
                continue
        owner = _me()
        record = b"\n" + json.dumps(owner.__dict__).encode("utf-8") + b"\n"
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, record)
        return WindowLock(project, path, fd, owner)
    raise ProjectError("its lock file keeps changing; try again", project)


def window_lock_owner(project: str | Path) -> LockOwner | None:
    """Who holds ``project`` open in a window now, or None (a stale file is no lock)."""
    path = lock_path(project)
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return None
    try:
        if _try_lock(fd):
            _unlock(fd)
            return None
        return _read_owner(fd) or LockOwner(0, "?", "", "")
    finally:
        os.close(fd)
