"""Failures of the machine, not of the program, told as one line.

A full disk, a read-only or immutable file, a damaged page met half-way through a
command, another program inserting the same rows at the same moment: SQLite and the
operating system report these as ``OperationalError``, ``OSError``, ``IntegrityError``
or ``DatabaseError``. :func:`explain` turns each into a :class:`StanceError` naming the
file and the cause, which the command line prints as one line with exit code 2. Every
write runs in one transaction (:func:`desktop.core.store.db.write_transaction`), which
SQLite rolls back when it fails, so the message can say that nothing was written.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path

from desktop.core.errors import ProjectError, StanceError
from desktop.core.store.damage import damaged

# SQLite's primary result codes (https://www.sqlite.org/rescode.html).
SQLITE_PERM, SQLITE_READONLY, SQLITE_IOERR, SQLITE_CORRUPT = 3, 8, 10, 11
SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 13, 14, 26
_NOTHING = "nothing was written"
# Less free space than this where the project lives counts as a full disk.
NEARLY_FULL_BYTES = 1024 * 1024


def _nearly_full(project: Path) -> bool:
    try:
        return shutil.disk_usage(project.resolve().parent).free < NEARLY_FULL_BYTES
    except OSError:
        return False


def _sqlite_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def explain(exc: BaseException, project: str | Path | None) -> StanceError | None:
    """The one-line error for ``exc`` met while working on ``project``, or None when
    ``exc`` is not a failure of the disk, the file or another program (a bug then).

    Parameters
    ----------
    exc
        The exception a command ended with.
    project
        The project the command worked on (named unless the error names its own file).
    """
    if isinstance(exc, sqlite3.Error):
        code = _sqlite_code(exc)
        text = str(exc)
        if code == SQLITE_FULL or "disk is full" in text:
            return ProjectError(f"disk full while writing it; {_NOTHING}", project)
        if code in (SQLITE_READONLY, SQLITE_PERM) or "readonly database" in text:
            return ProjectError(
                f"is read-only (file or folder permissions, or an immutable file); {_NOTHING}",
                project,
            )
        if code in (SQLITE_CORRUPT, SQLITE_NOTADB) or "malformed" in text:
            return damaged(Path(project), text) if project else ProjectError(text)
        if isinstance(exc, sqlite3.IntegrityError):
            return ProjectError(
                f"was changed by another program at the same moment ({text}); {_NOTHING}, "
                "run the command again",
                project,
            )
        if code in (SQLITE_IOERR, SQLITE_CANTOPEN):
            if project is not None and _nearly_full(Path(project)):
                # SQLite reports a full disk met while growing its shared-memory file
                # as an input/output error.
                return ProjectError(f"disk full while writing it ({text}); {_NOTHING}", project)
            return ProjectError(f"could not be written ({text}); {_NOTHING}", project)
        return None
    if isinstance(exc, OSError) and exc.errno is not None:
        where = exc.filename if exc.filename is not None else project
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return StanceError("disk full while writing it", where)
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return StanceError(f"is read-only ({exc.strerror})", where)
        if exc.errno == errno.EIO:
            return StanceError(f"could not be written ({exc.strerror})", where)
    return None
