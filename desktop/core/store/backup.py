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
from desktop.core.paths import backups_root
from desktop.core.store.backup_files import (  # the listing half, named here for callers
    MANIFEST,
    RESTORE_INTENT,
    STAMP,
    Backup,
    finish_interrupted_restore,
    folder_name,
    fsync_path,
    incoming_path,
    intent_path,
    list_backups,
    newest_good_backup,
    newest_good_backup_seen_at,
    parse_backup,
    read_project_id,
    roll_forward,
    sort_key,
    verify_backup,
)
from desktop.core.store.db import (
    Database,
    get_meta,
    log_change,
    open_project,
    project_path,
    write_transaction,
)
from desktop.core.store.lock import acquire_window_lock

KEEP = 5

__all__ = [
    "KEEP",
    "RESTORE_INTENT",
    "Backup",
    "Restored",
    "backup_on_open",
    "backups_root",
    "finish_interrupted_restore",
    "list_backups",
    "make_backup",
    "newest_good_backup",
    "newest_good_backup_seen_at",
    "restore",
    "rotate",
    "sweep_partials",
    "verify_backup",
]


@dataclass(frozen=True)
class Restored:
    """What a restore did."""

    project: Path
    source: Path
    kept_as: Path | None  # where the replaced file went (None if there was none)


def rotate(folder: Path, keep: int = KEEP) -> list[Path]:
    """Delete all but the newest ``keep`` backups in ``folder``; returns those deleted."""
    backups = sorted(
        (b for p in folder.iterdir() if (b := parse_backup(p)) is not None), key=sort_key
    )
    removed = [b.path for b in backups[: max(len(backups) - keep, 0)]]
    for path in removed:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    return removed


def _write_json(path: Path, data: dict) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    fsync_path(partial)
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
        folder = backups_root() / folder_name(project, project_id)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime(STAMP)
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
    fsync_path(partial)
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
        current, restored = read_project_id(project), read_project_id(source)
        if current and restored and current != restored:
            raise ProjectError(
                f"is a backup of another project (id {restored[:8]}, not {current[:8]})",
                source,
            )
    return source


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
    project = Path(project)
    finish_interrupted_restore(project)
    chosen = _restore_source(project, source)
    with acquire_window_lock(project):
        stamp = datetime.now(UTC).strftime(STAMP)
        incoming = incoming_path(project)
        shutil.copyfile(chosen, incoming)
        fsync_path(incoming)
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
        _write_json(intent_path(project), intent)
        fsync_path(project.parent)
        roll_forward(project, intent)
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
