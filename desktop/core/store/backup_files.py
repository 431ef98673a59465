"""The backup files on disk: where they live, which are good, and a restore to finish.

What opening a project needs of its backups: listing them (newest first), verifying one
with ``PRAGMA quick_check``, and completing a restore killed part-way. Plain files and
sqlite3 only, below :mod:`desktop.core.store.db` (which calls it when a project opens);
making and restoring backups, which need an open project, are in
:mod:`desktop.core.store.backup`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from desktop.core.errors import ProjectError
from desktop.core.paths import backups_root
from desktop.core.store.blockstore import (
    BackupDamaged,
    check_backup,
    fsync_path,
    is_manifest,
    read_manifest,
)
from desktop.core.store.fileformat import APPLICATION_ID, application_id_of
from desktop.core.store.lock import ProjectLocked, acquire_window_lock

RESTORE_INTENT = ".restore-intent"
MANIFEST = "project.json"
STAMP = "%Y-%m-%dT%H%M%SZ"
BACKUP_NAME = re.compile(r"^(?P<stem>.*)-(?P<stamp>\d{4}-\d\d-\d\dT\d{6}Z)(?:_(?P<n>\d+))?$")


@dataclass(frozen=True)
class Backup:
    """One backup of a project: a deduplicated backup's manifest (``.backup``, see
    :mod:`desktop.core.store.blockstore`) or a full copy made by earlier versions."""

    path: Path
    taken_at: datetime  # UTC
    size: int  # of the project file it holds

    @property
    def when(self) -> str:
        """The time it was taken, for people: ``2026-11-22 10:14 UTC``."""
        return self.taken_at.strftime("%Y-%m-%d %H:%M UTC")


def safe_stem(project: Path) -> str:
    return (re.sub(r"[^\w.\-]+", "_", project.stem).strip("._") or "project")[:60]


def folder_name(project: Path, project_id: str) -> str:
    return f"{safe_stem(project)}-{project_id[:8]}"


def parse_backup(path: Path) -> Backup | None:
    match = BACKUP_NAME.match(path.stem)
    if not match or not path.is_file():
        return None
    taken = datetime.strptime(match.group("stamp"), STAMP).replace(tzinfo=UTC)
    size = path.stat().st_size
    if is_manifest(path):
        with contextlib.suppress(BackupDamaged):
            size = read_manifest(path).file_size
    return Backup(path, taken, size)


def sort_key(backup: Backup) -> tuple:
    match = BACKUP_NAME.match(backup.path.stem)
    return backup.taken_at, int(match.group("n") or 0) if match else 0


def read_project_id(path: Path) -> str | None:
    """The project id stored in ``path`` (a project or a backup), or None when the file
    cannot tell it."""
    if is_manifest(path):
        try:
            return read_manifest(path).project_id
        except BackupDamaged:
            return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'project_id'").fetchone()
        return row[0] if row else None
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def _manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _folders_for(project: Path) -> list[Path]:
    """The backup folders of ``project``: by its id if it can be read, else by where it
    was last seen, else by its name when only one project of that name has backups."""
    root = backups_root()
    if not root.is_dir():
        return []
    folders = [f for f in root.iterdir() if f.is_dir()]
    project_id = read_project_id(project) if project.is_file() else None
    if project_id:
        return [f for f in folders if _manifest(f).get("project_id") == project_id]
    here = str(project.resolve())
    seen_here = [f for f in folders if _manifest(f).get("path") == here]
    if seen_here:
        return seen_here
    same_name = [f for f in folders if f.name.rsplit("-", 1)[0] == safe_stem(project)]
    return same_name if len(same_name) == 1 else []


def list_backups(project: str | Path) -> list[Backup]:
    """The backups of ``project``, newest first (the file itself may be damaged)."""
    found = []
    for folder in _folders_for(Path(project)):
        found += [b for p in folder.iterdir() if (b := parse_backup(p)) is not None]
    return sorted(found, key=sort_key, reverse=True)


def verify_backup(path: str | Path) -> str | None:
    """Why ``path`` is not a usable backup, or None when it is sound (a deduplicated
    backup: every block matches its hash; a full copy: ``quick_check``)."""
    path = Path(path)
    if is_manifest(path):
        return check_backup(path)
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if application_id_of(header) != APPLICATION_ID:
        return "is not a Stance Coder project"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"is damaged ({exc})"
    return None if rows == ["ok"] else f"is damaged ({rows[0]})"


def newest_good_backup(project: str | Path) -> Backup | None:
    """The newest backup of ``project`` that passes ``quick_check``."""
    for backup in list_backups(project):
        if verify_backup(backup.path) is None:
            return backup
    return None


def newest_good_backup_seen_at(path: str | Path) -> Backup | None:
    """The newest good backup of the project last seen at ``path`` (by the manifests, not
    the file: a file whose header is damaged cannot say which project it is)."""
    root = backups_root()
    if not root.is_dir():
        return None
    here = str(Path(path).resolve())
    found = [
        b
        for folder in root.iterdir()
        if folder.is_dir() and _manifest(folder).get("path") == here
        for p in folder.iterdir()
        if (b := parse_backup(p)) is not None
    ]
    for candidate in sorted(found, key=sort_key, reverse=True):
        if verify_backup(candidate.path) is None:
            return candidate
    return None


def intent_path(project: Path) -> Path:
    return project.with_name(f"{project.name}{RESTORE_INTENT}")


def incoming_path(project: Path) -> Path:
    return project.with_name(f"{project.name}.restoring")


def roll_forward(project: Path, intent: dict) -> None:
    """Carry a recorded restore through; every step may be repeated after a crash.

    The current file and its ``-wal``/``-shm`` move aside first, then the verified copy
    takes their place in one rename; the intent file goes last.
    """
    incoming = project.with_name(intent["incoming"])
    if incoming.exists():
        kept_as = project.with_name(intent["kept_as"]) if intent.get("kept_as") else None
        for ext in ("", "-wal", "-shm"):
            side = Path(f"{project}{ext}")
            if side.exists():
                target = Path(f"{kept_as}{ext}") if kept_as else side.with_name(side.name + ".old")
                with contextlib.suppress(FileNotFoundError):
                    os.replace(side, target)
        with contextlib.suppress(FileNotFoundError):
            os.replace(incoming, project)
        fsync_path(project.parent)
    intent_path(project).unlink(missing_ok=True)
    fsync_path(project.parent)


def finish_interrupted_restore(project: str | Path) -> bool:
    """Complete a restore that was killed part-way (called when a project is opened).

    Returns True when one was completed. A copy left by a restore killed before it
    began to rename anything is removed. While another program is restoring the project
    (it holds the window lock), :class:`ProjectError` says so.
    """
    project = Path(project)
    intent_file, incoming = intent_path(project), incoming_path(project)
    if not intent_file.exists() and not incoming.exists():
        return False
    try:
        lock = acquire_window_lock(project)
    except ProjectLocked:
        if intent_file.exists():
            raise ProjectError(
                "is being restored from a backup; try again in a moment", project
            ) from None
        return False
    with lock:
        try:
            intent = json.loads(intent_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            incoming.unlink(missing_ok=True)  # killed while copying: the project is as it was
            return False
        except (OSError, ValueError):
            intent = {"incoming": incoming.name, "kept_as": None}
        roll_forward(project, intent)
    return True
