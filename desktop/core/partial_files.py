"""Files being written under a temporary ``.partial`` name, and those a killed run left.

A writer holds an exclusive ``flock`` on its partial file for as long as it writes; a
partial file nobody holds was left by a process that died (kill -9, power cut). Backups
and exports both write this way, and both sweep what killed runs left before they write.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

STALE_AFTER_S = 3600.0  # where there are no locks (Windows): swept by age


def hold(path: Path) -> int | None:
    """Create ``path`` if needed, take an exclusive lock on it and return the descriptor
    (None where the platform has no ``flock``). Close the descriptor when done."""
    if fcntl is None:  # pragma: no cover
        return None
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def release(fd: int | None) -> None:
    """Close a descriptor from :func:`hold` (which drops its lock)."""
    if fd is not None:
        os.close(fd)


def sweep(folder: Path, pattern: str = "*.partial") -> list[Path]:
    """Remove the partial files matching ``pattern`` in ``folder`` that no live writer
    holds. Returns the files removed; files that cannot be examined are left alone."""
    removed = []
    for path in folder.glob(pattern):
        try:
            if fcntl is None:  # pragma: no cover
                stale = time.time() - path.stat().st_mtime > STALE_AFTER_S
            else:
                fd = os.open(path, os.O_RDONLY)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    stale = True
                except OSError:
                    stale = False
                finally:
                    os.close(fd)
            if stale:
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed
