"""Rotating, deduplicated backups of a project, and their restoration.

Backups live in the data folder, one folder per project::

    <data folder>/backups/<project name>-<first 8 characters of its id>/
        project.json                          which project, last seen where
        study-2026-12-06T101400Z.backup       one manifest a backup (its blocks in order)
        blocks/                               the blocks, each stored once, compressed
        study-2026-11-22T101400Z.stance       a full copy made by an earlier version

A backup reads one consistent snapshot of the project, even while the window writes
(:mod:`desktop.core.store.snapshot`), cut into page-aligned blocks; a block already in
the store from an earlier backup is not stored again (:mod:`desktop.core.store.blockstore`),
so five backups take about one compressed project plus what changed between them.

The window makes one when it opens a project for coding (:func:`backup_on_open`); the
command line lists them, makes one, and restores one. Every snapshot is checked with
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
from collections import deque
from concurrent.futures import ThreadPoolExecutor
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
from desktop.core.store.blockstore import (
    BACKUP_SUFFIX,
    BLOCK_SIZE,
    BackupDamaged,
    Manifest,
    blocks_of,
    collect_garbage,
    digest,
    is_manifest,
    read_manifest,
    store_block,
    store_lock,
    tree_hash,
    write_manifest,
)
from desktop.core.store.damage import damaged, not_a_project
from desktop.core.store.db import (
    Database,
    get_meta,
    log_change,
    open_project,
    project_path,
    write_transaction,
)
from desktop.core.store.fileformat import APPLICATION_ID, SQLITE_HEADER, application_id_of
from desktop.core.store.lock import acquire_window_lock
from desktop.core.store.snapshot import read_header, snapshot

KEEP = 5

__all__ = [
    "KEEP",
    "RESTORE_INTENT",
    "Backup",
    "Restored",
    "backup_due",
    "backup_on_open",
    "backups_root",
    "disk_bytes",
    "extract",
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


def _rotate(folder: Path, keep: int) -> list[Path]:
    backups = sorted(
        (b for p in folder.iterdir() if (b := parse_backup(p)) is not None), key=sort_key
    )
    removed = [b.path for b in backups[: max(len(backups) - keep, 0)]]
    for path in removed:  # manifests first: a block is deleted only once none names it
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    collect_garbage(folder)
    return removed


def rotate(folder: Path, keep: int = KEEP) -> list[Path]:
    """Delete all but the newest ``keep`` backups in ``folder``, then the blocks no
    remaining backup names; returns the backups deleted."""
    with store_lock(folder):
        return _rotate(folder, keep)


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


def _store(folder: Path, data: bytes) -> tuple[str, int]:
    block = digest(data)
    return block, store_block(folder, block, data)


def _store_snapshot(project: Path, folder: Path, scratch: Path) -> Manifest:
    """Store the blocks of one snapshot of ``project``; the manifest that names them."""
    with snapshot(project, scratch) as snap, ThreadPoolExecutor(max_workers=3) as pool:
        check = pool.submit(snap.quick_check)  # SQLite and hashlib leave the GIL
        blocks: list[str] = []
        written: set[str] = set()
        pending: deque = deque()
        for data in snap.blocks(BLOCK_SIZE):
            pending.append(pool.submit(_store, folder, data))
            while len(pending) > 8 or (pending and pending[0].done()):
                block, size = pending.popleft().result()
                blocks.append(block)
                if size:
                    written.add(block[:2])
        for job in pending:
            block, size = job.result()
            blocks.append(block)
            if size:
                written.add(block[:2])
        rows = check.result()
        facts = snap
    if rows != ["ok"]:
        raise CorruptProject(f"is damaged ({rows[0]}); no backup was made", project)
    for sub in sorted(written):  # the new blocks' names are on disk before the manifest
        fsync_path(folder / "blocks" / sub)
    fsync_path(folder / "blocks")
    return Manifest(
        project_id=facts.project_id,
        schema_version=facts.schema_version,
        name=project.name,
        page_size=facts.page_size,
        file_size=facts.file_size,
        block_size=BLOCK_SIZE,
        blocks=blocks,
        file_hash=tree_hash(blocks, facts.file_size),
    )


def _snapshot_of(project: Path, folder: Path, scratch: Path) -> Manifest:
    """:func:`_store_snapshot`, its SQLite errors said as opening a project says them."""
    try:
        return _store_snapshot(project, folder, scratch)
    except sqlite3.OperationalError as exc:
        if "unable to open" in str(exc):
            raise ProjectError(
                "cannot be opened (is its folder read-only or on a disconnected drive?)",
                project,
            ) from None
        raise  # a full disk, a busy file: said by failures.explain
    except sqlite3.DatabaseError as exc:  # malformed, not a database
        raise damaged(project, str(exc)) from None


def _project_id_of(project: Path) -> str:
    """The id of the project file at ``project``, checked to be a project without opening
    it through :func:`open_project`: that reads the header through a descriptor of its
    own and closes it, which drops the POSIX locks of every connection of this process
    to the file (the window's, when it backs up the project it has open)."""
    finish_interrupted_restore(project)
    if not project.is_file():
        raise ProjectError("no such project file", project)
    header = read_header(project)
    if not header.startswith(SQLITE_HEADER) or application_id_of(header) != APPLICATION_ID:
        raise not_a_project(project, "is not a Stance Coder project")
    return read_project_id(project) or "unknown"


def make_backup(source: Database | str | Path, *, keep: int = KEEP) -> Path:
    """Back up a project now and keep only the newest ``keep`` backups.

    Parameters
    ----------
    source
        An open project, or the path of one. The backup is one consistent snapshot even
        while another program writes; only the blocks no earlier backup holds are stored.

    Returns
    -------
    Path
        The new backup's manifest (``<name>-<time>.backup``).

    Raises
    ------
    CorruptProject
        If the snapshot fails ``quick_check`` (the project is damaged); it is not kept
        and no older backup is removed.
    """
    if isinstance(source, Database):
        project = project_path(source)
        if project is None:
            raise ProjectError("an in-memory project has no backups")
        project_id = get_meta(source, "project_id") or "unknown"
    else:
        project = Path(source)
        project_id = _project_id_of(project)
    folder = backups_root() / folder_name(project, project_id)
    with store_lock(folder):
        sweep_partials(folder)
        stamp = datetime.now(UTC).strftime(STAMP)
        final = folder / f"{_next_name(folder, project.stem, stamp)}{BACKUP_SUFFIX}"
        try:
            manifest = _snapshot_of(project, folder, folder / f"{final.name}.copy.partial")
            write_manifest(final, manifest)
        except BaseException:
            with contextlib.suppress(OSError):
                collect_garbage(folder)  # the blocks of the backup that was not made
            raise
        _write_json(
            folder / MANIFEST,
            {"project_id": project_id, "path": str(project.resolve()), "name": project.name},
        )
        _rotate(folder, keep)
    return final


def disk_bytes(backups: list[Backup]) -> int:
    """The bytes ``backups`` take on disk together: their folders' manifests, blocks and
    full copies (a block shared by several backups counts once)."""
    folders = {b.path.parent for b in backups}
    return sum(p.stat().st_size for f in folders for p in f.rglob("*") if p.is_file())


def backup_on_open(
    source: Database | str | Path, *, min_interval: timedelta = timedelta(minutes=10)
) -> Path | None:
    """The window's backup on opening a project: made unless one is younger than
    ``min_interval`` (so reopening the app five times in a minute does not push the
    good backups of the morning out of the rotation). Returns the new file or None."""
    path = project_path(source) if isinstance(source, Database) else Path(source)
    if path is not None and not backup_due(path, min_interval):
        return None
    return make_backup(source)


def backup_due(path: str | Path, min_interval: timedelta = timedelta(minutes=10)) -> bool:
    """Whether :func:`backup_on_open` would back ``path`` up: no backup of it is younger
    than ``min_interval`` (a listing of its backups folder, no read of the project)."""
    backups = list_backups(path)
    return not (backups and datetime.now(UTC) - backups[0].taken_at < min_interval)


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
    if is_manifest(source):  # its blocks are checked as they are put together
        try:
            read_manifest(source)
            problem = None
        except BackupDamaged as exc:
            problem = str(exc)
    else:
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

    The backup is put together (or copied) beside the project (``<name>.restoring``),
    every block checked against its hash and the whole file against the manifest's, and
    the file verified with ``quick_check``; then an intent file records the step, the
    current file (with its ``-wal``) is renamed to ``<name>.before-restore-<time>`` and
    the copy renamed into place. A restore killed at any point is either not begun (the
    project as it was) or completed the next time the project is opened
    (:func:`finish_interrupted_restore`).
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
        _put_together(chosen, incoming)
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


def _assemble(source: Path, target: Path) -> None:
    """Write the file the deduplicated backup ``source`` holds to ``target``, every block
    checked against its hash and the whole against the manifest's file hash."""
    with store_lock(source.parent), target.open("wb") as out:
        for data in blocks_of(source):
            out.write(data)
        out.flush()
        os.fsync(out.fileno())
    # The snapshot was of a WAL-mode file: make the copy self-contained (no -wal beside it).
    try:
        conn = sqlite3.connect(target, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = DELETE")
        finally:
            conn.close()
    except sqlite3.OperationalError:
        raise  # a full disk, an I/O error: said as such by the caller
    except sqlite3.DatabaseError as exc:  # malformed, not a database
        raise BackupDamaged(f"is damaged once put together ({exc})") from None


def _put_together(source: Path, target: Path) -> None:
    """``source`` (a manifest or a full copy) as a project file at ``target``, synced;
    nothing is left at ``target`` when it fails."""
    try:
        if is_manifest(source):
            _assemble(source, target)
        else:
            shutil.copyfile(source, target)
        fsync_path(target)
    except BackupDamaged as exc:
        target.unlink(missing_ok=True)
        raise CorruptProject(f"{exc}; it cannot be restored", source) from None
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def extract(source: str | Path, target: str | Path) -> Path:
    """Write the project file that the backup ``source`` holds to ``target`` (a new file),
    checked as a restore checks it; for reading an old state without restoring it.

    Raises
    ------
    CorruptProject
        When a block is missing or damaged, or the file fails ``quick_check``.
    """
    source, target = Path(source), Path(target)
    _put_together(source, target)
    problem = verify_backup(target)
    if problem:
        target.unlink(missing_ok=True)
        raise CorruptProject(f"{problem} once put together", source)
    return target
