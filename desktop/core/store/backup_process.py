"""The window's backup on opening, in a child process at the lowest priority.

On a million-sentence project a backup reads, hashes and compresses 4.7 GB and checks
the snapshot with ``quick_check`` (54 s to 87 s, ``quick_check`` 42 s of it). In a thread
of the window's process it competes with the key path for the interpreter lock as well
as for the CPU and the disk; in a child process at the lowest CPU priority (nice 19) it
only takes what the window leaves. On Linux a process that has not set an I/O priority
of its own gets the best-effort priority its nice value implies ((19 + 20) / 5 = 7, the
lowest), so its reads and writes give way too. The check itself is kept: a damaged
project must never push good backups out of the rotation (:mod:`.backup`).

The process is started with ``spawn`` (:mod:`desktop.core.processes`); this module
imports nothing heavy, so the child starts quickly.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import sys
from multiprocessing.process import BaseProcess
from pathlib import Path

from desktop.core.errors import StanceError
from desktop.core.processes import spawn_context

LOWEST_PRIORITY = 19
log = logging.getLogger(__name__)


def lower_priority() -> None:
    """Run this process at the lowest CPU priority (and so, on Linux, the lowest
    best-effort I/O priority); nothing where the system has no such priority."""
    with contextlib.suppress(OSError, AttributeError):  # AttributeError: not POSIX
        os.setpriority(os.PRIO_PROCESS, 0, LOWEST_PRIORITY)


def _back_up(path: str) -> None:
    """The child's body: exit code 0 when a backup was made or none was due, 1 when it
    failed (said in one line on stderr)."""
    from desktop.core.store.backup import backup_on_open

    lower_priority()
    try:
        backup_on_open(Path(path))
    except (StanceError, sqlite3.Error, OSError) as error:
        log.warning("no backup of %s was made: %s", path, error)
        sys.exit(1)


def start_backup_on_open(path: Path) -> BaseProcess:
    """Start :func:`~desktop.core.store.backup.backup_on_open` of ``path`` in a child
    process at the lowest priority; the process, already started (join it).

    Raises
    ------
    OSError
        When no process can be started.
    """
    process = spawn_context().Process(
        target=_back_up, args=(str(path),), name="backup-on-open", daemon=True
    )
    process.start()
    return process
