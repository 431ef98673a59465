"""The errors for a damaged project file, naming the newest good backup to restore.

Below :mod:`desktop.core.store.db` and :mod:`desktop.core.store.failures`, which both raise
them.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from desktop.core.errors import CorruptProject, NotAProject, ProjectError
from desktop.core.store.backup_files import newest_good_backup, newest_good_backup_seen_at


def shell_quote(path: str | Path) -> str:
    """``path`` as it would be typed in a command (quoted when it holds spaces)."""
    text = str(path)
    if all(ch.isalnum() or ch in "/\\:._-+~" for ch in text):
        return text
    return f'"{text}"' if "\\" in text or ":" in text[:3] else shlex.quote(text)


def damaged(path: Path, detail: str) -> CorruptProject:
    """The error for a damaged project, naming the newest good backup if there is one."""
    message = f"is damaged and cannot be opened ({detail.splitlines()[0] if detail else '?'})"
    try:
        newest = newest_good_backup(path)
    except Exception:  # looking for a backup must never hide the damage itself
        newest = None
    if newest is None:
        return CorruptProject(f"{message}; no backup of it was found", path)
    return CorruptProject(
        f"{message}; the newest good backup is from {newest.when}: run "
        f"`stancecoder backup restore {shell_quote(path)} --latest`",
        path,
    )


def not_a_project(path: Path, message: str) -> ProjectError:
    """A file that is not a project, unless backups were made of a project at this very
    path: then its header was damaged, and the newest good backup is named."""
    try:
        seen_here = newest_good_backup_seen_at(path)
    except Exception:  # looking for a backup must never hide the problem itself
        seen_here = None
    if seen_here is None:
        return NotAProject(message, path)
    return damaged(path, "its header is damaged")
