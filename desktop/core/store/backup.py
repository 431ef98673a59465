"""Rotating backups of a project, made with SQLite's backup API, and their restoration.

Backups live in the data folder, one folder per project::

    <data folder>/backups/<project name>-<first 8 characters of its id>/
        project.json                          which project, last seen where
        study-2026-11-22T101400Z.stance       one self-contained SQLite file each

The window makes one when it opens a project for coding (:func:`backup_on_open`); the
command line lists them, makes one, and restores one. Every backup is checked with
``PRAGMA quick_check`` before it is kept; a damaged project never pushes a good backup
out of the rotation. A restore never deletes anything: the current file is kept beside
the project as ``<name>.before-restore-<time>``; it is all or nothing, a restore killed
part-way being finished the next time the project is opened (``<name>.restore-intent``
records it).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from desktop.core import partial_files
from desktop.core.errors import CorruptProject, ProjectError
from desktop.core.store.db import (
    APPLICATION_ID,
    Database,
    get_meta,
    log_change,
    open_project,
    project_path,
    write_transaction,
)

KEEP = 5
RESTORE_INTENT = ".restore-intent"
MANIFEST = "project.json"
_STAMP = "%Y-%m-%dT%H%M%SZ"
_NAME = re.compile(r"^(?P<stem>.*)-(?P<stamp>\d{4}-\d\d-\d\dT\d{6}Z)(?:_(?P<n>\d+))?$")


@dataclass(frozen=True)
class Backup:
    """One backup file of a project."""

    path: Path
    taken_at: datetime  # UTC
    size: int

    @property
    def when(self) -> str:
        """The time it was taken, for people: ``2026-11-22 10:14 UTC``."""
        return self.taken_at.strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class Restored:
    """What a restore did."""

    project: Path
    source: Path
    kept_as: Path | None  # where the replaced file went (None if there was none)


#: The backups' folder inside the data folder.
BACKUPS_FOLDER = "backups"


def backups_root() -> Path:
    """``<data folder>/backups`` (``STANCECODER_DATA_DIR`` moves the data folder)."""
    from desktop.core.demo import data_folder  # demo imports the store package

    return data_folder() / BACKUPS_FOLDER


def _safe_stem(project: Path) -> str:
    return (re.sub(r"[^\w.\-]+", "_", project.stem).strip("._") or "project")[:60]


def _folder_name(project: Path, project_id: str) -> str:
    return f"{_safe_stem(project)}-{project_id[:8]}"


def _parse(path: Path) -> Backup | None:
    match = _NAME.match(path.stem)
    if not match or not path.is_file():
        return None
    taken = datetime.strptime(match.group("stamp"), _STAMP).replace(tzinfo=UTC)
    return Backup(path, taken, path.stat().st_size)


def _sort_key(backup: Backup) -> tuple:
    match = _NAME.match(backup.path.stem)
    return backup.taken_at, int(match.group("n") or 0) if match else 0


def _read_project_id(path: Path) -> str | None:
    """The project id stored in ``path``, or None when the file cannot tell it."""
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
    project_id = _read_project_id(project) if project.is_file() else None
    if project_id:
        return [f for f in folders if _manifest(f).get("project_id") == project_id]
    here = str(project.resolve())
    seen_here = [f for f in folders if _manifest(f).get("path") == here]
    if seen_here:
        return seen_here
    same_name = [f for f in folders if f.name.rsplit("-", 1)[0] == _safe_stem(project)]
    return same_name if len(same_name) == 1 else []


def list_backups(project: str | Path) -> list[Backup]:
    """The backups of ``project``, newest first (the file itself may be damaged)."""
    found = []
    for folder in _folders_for(Path(project)):
        found += [b for p in folder.iterdir() if (b := _parse(p)) is not None]
    return sorted(found, key=_sort_key, reverse=True)


def verify_backup(path: str | Path) -> str | None:
    """Why ``path`` is not a usable backup, or None when it is sound."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if len(header) < 100 or int.from_bytes(header[68:72], "big") != APPLICATION_ID:
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
        if (b := _parse(p)) is not None
    ]
    for candidate in sorted(found, key=_sort_key, reverse=True):
        if verify_backup(candidate.path) is None:
            return candidate
    return None


def rotate(folder: Path, keep: int = KEEP) -> list[Path]:
    """Delete all but the newest ``keep`` backups in ``folder``; returns those deleted."""
    backups = sorted((b for p in folder.iterdir() if (b := _parse(p)) is not None), key=_sort_key)
    removed = [b.path for b in backups[: max(len(backups) - keep, 0)]]
    for path in removed:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    return removed


def _fsync(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_json(path: Path, data: dict) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    _fsync(partial)
    os.replace(partial, path)


def sweep_partials(folder: Path) -> list[Path]:
    """Remove the ``.partial`` files of backups that were killed while being written (a
    backup being written holds a lock on its partial file; see
    :mod:`desktop.core.partial_files`). Returns the files removed."""
    return partial_files.sweep(folder)


def _next_name(folder: Path, stem: str, stamp: str) -> str:
    """``<stem>-<stamp>``, numbered after any backup of the same second (sorts last)."""
    mark = re.compile(rf"-{re.escape(stamp)}(?:_(\d+))?(?:\.|$)")
    same_second = [int(m.group(1) or 1) for p in folder.iterdir() if (m := mark.search(p.name))]
    if not same_second:
        return f"{stem}-{stamp}"
    return f"{stem}-{stamp}_{max(same_second) + 1}"


def make_backup(source: Database | str | Path, *, keep: int = KEEP) -> Path:
    """Back up a project now and keep only the newest ``keep`` backups.

    Parameters
    ----------
    source
        An open project, or the path of one (opened read-only for the copy). The copy
        is one consistent snapshot even while another program writes.

    Returns
    -------
    Path
        The new backup file.

    Raises
    ------
    CorruptProject
        If the copy fails ``quick_check`` (the project is damaged); it is not kept and
        no older backup is removed.
    """
    owned = not isinstance(source, Database)
    db = open_project(source, readonly=True) if owned else source
    try:
        project = project_path(db)
        if project is None:
            raise ProjectError("an in-memory project has no backups")
        project_id = get_meta(db, "project_id") or "unknown"
        folder = backups_root() / _folder_name(project, project_id)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime(_STAMP)
        suffix = project.suffix or ".stance"
        final = folder / f"{_next_name(folder, project.stem, stamp)}{suffix}"
        partial = final.with_name(final.name + ".partial")
        sweep_partials(folder)
        partial.unlink(missing_ok=True)
        held = partial_files.hold(partial)
        target = sqlite3.connect(partial, isolation_level=None)
        try:
            db.conn.backup(target)
            # A backup is one self-contained file: no -wal beside it.
            target.execute("PRAGMA journal_mode = DELETE")
            rows = [r[0] for r in target.execute("PRAGMA quick_check").fetchall()]
        finally:
            target.close()
            partial_files.release(held)
    finally:
        if owned:
            db.close()
    if rows != ["ok"]:
        partial.unlink(missing_ok=True)
        raise CorruptProject(f"is damaged ({rows[0]}); no backup was made", project)
    _fsync(partial)
    os.replace(partial, final)
    _write_json(
        folder / MANIFEST,
        {"project_id": project_id, "path": str(project.resolve()), "name": project.name},
    )
    rotate(folder, keep)
    return final


def backup_on_open(
    source: Database | str | Path, *, min_interval: timedelta = timedelta(minutes=10)
) -> Path | None:
    """The window's backup on opening a project: made unless one is younger than
    ``min_interval`` (so reopening the app five times in a minute does not push the
    good backups of the morning out of the rotation). Returns the new file or None."""
    path = project_path(source) if isinstance(source, Database) else Path(source)
    backups = list_backups(path) if path is not None else []
    if backups and datetime.now(UTC) - backups[0].taken_at < min_interval:
        return None
    return make_backup(source)


def _restore_source(project: Path, source: str | Path | None) -> Path:
    if source is None:
        newest = newest_good_backup(project)
        if newest is None:
            raise ProjectError(
                f"no good backup of it was found (backups live in {backups_root()})", project
            )
        return newest.path
    source = Path(source)
    if not source.is_file():
        raise ProjectError("no such backup file", source)
    problem = verify_backup(source)
    if problem:
        raise CorruptProject(f"{problem}; it cannot be restored", source)
    if project.is_file():
        current, restored = _read_project_id(project), _read_project_id(source)
        if current and restored and current != restored:
            raise ProjectError(
                f"is a backup of another project (id {restored[:8]}, not {current[:8]})",
                source,
            )
    return source


def _intent_path(project: Path) -> Path:
    return project.with_name(f"{project.name}{RESTORE_INTENT}")


def _incoming_path(project: Path) -> Path:
    return project.with_name(f"{project.name}.restoring")


def _roll_forward(project: Path, intent: dict) -> None:
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
        _fsync(project.parent)
    _intent_path(project).unlink(missing_ok=True)
    _fsync(project.parent)


def finish_interrupted_restore(project: str | Path) -> bool:
    """Complete a restore that was killed part-way (called when a project is opened).

    Returns True when one was completed. A copy left by a restore killed before it
    began to rename anything is removed. While another program is restoring the project
    (it holds the window lock), :class:`ProjectError` says so.
    """
    from desktop.core.store.lock import ProjectLocked, acquire_window_lock

    project = Path(project)
    intent_file, incoming = _intent_path(project), _incoming_path(project)
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
        _roll_forward(project, intent)
    return True


def restore(project: str | Path, source: str | Path | None = None, *, who: str = "") -> Restored:
    """Put a backup in place of ``project``, all or nothing.

    Parameters
    ----------
    source
        A backup file; None for the newest good backup of the project.

    The backup is verified, copied beside the project (``<name>.restoring``) and the copy
    verified again; then an intent file records the step, the current file (with its
    ``-wal``) is renamed to ``<name>.before-restore-<time>`` and the copy renamed into
    place. A restore killed at any point is either not begun (the project as it was) or
    completed the next time the project is opened (:func:`finish_interrupted_restore`).
    The restore is recorded in the project's change log.

    Raises
    ------
    ProjectLocked
        When a window has the project open.
    CorruptProject, ProjectError
        When the backup is damaged, belongs to another project, or is missing.
    """
    from desktop.core.store.lock import acquire_window_lock  # lock imports db, not us

    project = Path(project)
    finish_interrupted_restore(project)
    chosen = _restore_source(project, source)
    with acquire_window_lock(project):
        stamp = datetime.now(UTC).strftime(_STAMP)
        incoming = _incoming_path(project)
        shutil.copyfile(chosen, incoming)
        _fsync(incoming)
        problem = verify_backup(incoming)
        if problem:
            incoming.unlink(missing_ok=True)
            raise CorruptProject(f"{problem} once copied; nothing was restored", chosen)
        kept_as = (
            project.with_name(f"{project.name}.before-restore-{stamp}")
            if project.exists()
            else None
        )
        intent = {"incoming": incoming.name, "kept_as": kept_as.name if kept_as else None}
        _write_json(_intent_path(project), intent)
        _fsync(project.parent)
        _roll_forward(project, intent)
    db = open_project(project)
    try:
        with write_transaction(db):
            log_change(
                db,
                "restore",
                who,
                {"from": str(chosen), "kept_as": str(kept_as) if kept_as else None},
            )
    finally:
        db.close()
    return Restored(project, chosen, kept_as)
