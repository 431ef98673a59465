"""The project file: one SQLite database, opened through sqlite-utils.

Durability settings (stated in the README): WAL journal, ``synchronous=FULL`` so that a
committed transaction survives power loss, foreign keys on, and a busy timeout so that a
second program waits instead of failing with "database is locked"; when the wait is too
long the user sees :class:`ProjectBusy`, one line.

On opening, a small file is checked for damage (``PRAGMA quick_check``) and a file on a
network share is reported (:func:`open_warnings`); a damaged file is refused with the
newest good backup named (see :mod:`desktop.core.store.backup`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import sys
import uuid
import weakref
from collections.abc import Iterator
from pathlib import Path

from desktop import __version__
from desktop.core.errors import NotAProject, ProjectError, ProjectTooNew
from desktop.core.resources import migrations_dir
from desktop.core.scheme import Scheme, parse_scheme
from desktop.core.store import location
from desktop.core.store.backup_files import finish_interrupted_restore
from desktop.core.store.damage import damaged, not_a_project
from desktop.core.store.failures import explain
from desktop.core.store.fileformat import APPLICATION_ID, SQLITE_HEADER
from desktop.core.store.migration_steps import (
    Progress,
    Reporter,
    Step,
    UpgradeProgress,
    chunk_ranges,
    split_steps,
)
from desktop.core.timestamps import utc_now


def _import_sqlite_utils():
    """Import sqlite-utils without letting it import pandas and numpy.

    sqlite-utils imports both at import time (0.6 s, two fifths of the window's cold
    start, measured by `make bench`) only to map their types when it inserts Python
    values; every write here is plain SQL with parameters. Marking them absent for the
    duration of the import makes it skip them; they import normally afterwards, when the
    agreement engine or an export needs them.
    """
    if "sqlite_utils" in sys.modules:
        return sys.modules["sqlite_utils"]
    hidden = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  (import raises ImportError)
    try:
        import sqlite_utils
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    return sqlite_utils


sqlite_utils = _import_sqlite_utils()

BUSY_TIMEOUT_MS = 15_000
# quick_check reads the whole file at about 0.7 GB/s on a laptop SSD with a warm cache
# (300 ms for a 208 MB project of 100,000 sentences coded by two coders); up to this
# size it costs under ~100 ms and runs on every open; larger files are checked by
# `stancecoder check`.
QUICK_CHECK_MAX_BYTES = 64 * 1024 * 1024
# The command line checks files of every size before it writes into them
# (check_every_write_open); the window checks large ones through its backup on opening.
_CHECK = {"every_write_open": False}
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6

Database = sqlite_utils.Database

log = logging.getLogger(__name__)
_WARNINGS: weakref.WeakKeyDictionary[Database, list[str]] = weakref.WeakKeyDictionary()


class ProjectBusy(ProjectError):
    """Another program kept the project busy for longer than the busy timeout."""


def is_busy_error(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" (SQLITE_BUSY / SQLITE_LOCKED)."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
    return "database is locked" in str(exc) or "database is busy" in str(exc)


def busy_error(path: str | Path | None) -> ProjectBusy:
    """The one-line error shown when the project stays busy past the timeout."""
    return ProjectBusy(
        f"is busy (open in another program?); waited {BUSY_TIMEOUT_MS / 1000:g} s for it "
        "to finish writing, try again in a moment",
        path,
    )


def project_path(db: Database) -> Path | None:
    """The file behind the connection (None for an in-memory database)."""
    for _, name, file in db.conn.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return Path(file) if file else None
    return None


def open_warnings(db: Database) -> list[str]:
    """Warnings found when the project was opened (e.g. it is on a network share).

    The command line prints them (they are also logged on ``desktop.core.store.db``);
    the window shows them.
    """
    return list(_WARNINGS.get(db, ()))


def data_version(db: Database) -> int:
    """A number that changes when another connection commits to the project.

    The window polls it to show changes made meanwhile by the command line (a merge,
    an import) without reloading when nothing happened.
    """
    return db.conn.execute("PRAGMA data_version").fetchone()[0]


def available_migrations() -> list[tuple[int, str, Path]]:
    """The numbered migrations shipped under schema/migrations, in order."""
    found = []
    for path in sorted(migrations_dir().glob("*.sql")):
        number, _, name = path.stem.partition("_")
        found.append((int(number), name, path))
    return found


def latest_version() -> int:
    return available_migrations()[-1][0]


@contextlib.contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """One write transaction (``BEGIN IMMEDIATE``), or a savepoint when nested.

    IMMEDIATE takes the write lock at once, so a busy file makes us wait (busy timeout)
    instead of failing half-way through.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    try:
        db.conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if is_busy_error(exc):
            raise busy_error(project_path(db)) from None
        raise
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


def applied_versions(db: Database) -> list[int]:
    if "schema_migrations" not in db.table_names():
        return []
    return [row[0] for row in db.execute("SELECT version FROM schema_migrations ORDER BY version")]


def pending_migrations(db: Database) -> list[tuple[int, str, Path]]:
    """The shipped migrations not yet applied to ``db``, in order."""
    done = set(applied_versions(db))
    return [m for m in available_migrations() if m[0] not in done]


def migrate(db: Database, progress: Progress | None = None) -> list[int]:
    """Apply every pending migration, each in one transaction with its record.

    ``progress`` receives an :class:`UpgradeProgress` at every step (statement or chunk of
    one, see :mod:`.migration_steps`) and a heartbeat inside long statements; an upgrade
    killed part-way leaves the project at the last migration that committed, and the
    next open carries on from there. Returns the versions applied now.
    """
    if "schema_migrations" not in db.table_names():
        with write_transaction(db):
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
    done = set(applied_versions(db))
    pending = pending_migrations(db)
    applied = []
    with Reporter(db.conn, progress, len(pending)) as reporter:
        try:
            for index, (number, name, path) in enumerate(pending, start=1):
                _apply_migration(db, reporter, index, number, name, path)
                applied.append(number)
            if COMPACT_AFTER & set(applied) and done:
                reporter.report("compact")
                compact_after_migration(db)
        except sqlite3.OperationalError:
            if reporter.interrupted:  # Ctrl+C stopped a statement; that migration rolled back
                raise KeyboardInterrupt from None
            raise
        if applied and done:
            reporter.report("done")
    return applied


def _key_range(db: Database, step: Step) -> tuple[int | None, int | None]:
    return db.conn.execute(
        f'SELECT min("{step.chunk_column}"), max("{step.chunk_column}") FROM "{step.chunk_table}"'
    ).fetchone()


def _chunk_count(db: Database, step: Step) -> int | None:
    """How many chunks ``step`` would run in now; None while its table does not exist or
    is empty (the migration may be about to fill it)."""
    try:
        low, high = _key_range(db, step)
    except sqlite3.OperationalError:
        return None
    return None if low is None else len(chunk_ranges(low, high))


def _apply_migration(
    db: Database, reporter: Reporter, index: int, number: int, name: str, path: Path
) -> None:
    steps = split_steps(path.read_text(encoding="utf-8"))
    # The chunks of each hinted step, as far as known: until every step still to run is
    # known the fraction done is unknown (a display shows that it is busy rather than a
    # bar that goes back when a large step turns out to be many chunks).
    chunks: dict[int, int | None] = {i: None for i, s in enumerate(steps) if s.chunk_table}

    def report(done: int, done_chunks: int = 0) -> None:
        for i in [i for i, n in chunks.items() if n is None and i > done]:
            chunks[i] = _chunk_count(db, steps[i])
        if any(n is None for i, n in chunks.items() if i >= done):
            reporter.report("migration", number, name, index, done, len(steps), known=False)
            return
        weights = [chunks.get(i) or 1 for i in range(len(steps))]
        at = sum(weights[:done]) + done_chunks
        reporter.report("migration", number, name, index, at, sum(weights))

    # Foreign keys are off while the schema changes (SQLite's own procedure for
    # schema changes): with them on, dropping a table deletes its rows one by one
    # first (0007 drops tables of millions of rows). The pragma is a no-op inside a
    # transaction, so it is set around it.
    foreign_keys = db.conn.execute("PRAGMA foreign_keys").fetchone()[0]
    db.conn.execute("PRAGMA foreign_keys = OFF")
    try:
        with write_transaction(db):
            for i, step in enumerate(steps):
                if not step.chunk_table:
                    report(i)
                    db.execute(step.sql)
                    continue
                ranges = chunk_ranges(*_key_range(db, step))
                chunks[i] = len(ranges)
                for k, (start, end) in enumerate(ranges):
                    report(i, k)
                    db.execute(step.sql, {"chunk_start": start, "chunk_end": end})
            db.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                [number, name, utc_now()],
            )
        report(len(steps))
    finally:
        db.conn.execute(f"PRAGMA foreign_keys = {int(foreign_keys)}")


#: Migrations after which an existing project is rewritten without its freed pages
#: (0007 moves the labels into tables a third of the size, 0009 the model labels and the
#: search index; without this the file would keep its old size, its free pages reused only
#: as the project grows).
COMPACT_AFTER = {7, 9}


def compact_after_migration(db: Database) -> None:
    """``VACUUM`` the project when more than half of its pages are free."""
    free = db.conn.execute("PRAGMA freelist_count").fetchone()[0]
    pages = db.conn.execute("PRAGMA page_count").fetchone()[0]
    if pages and free * 2 > pages:
        db.conn.execute("VACUUM")


def check_every_write_open(enabled: bool = True) -> None:
    """Check every project opened for writing with ``quick_check``, whatever its size.

    The command line turns this on: a command that writes into a large damaged file
    would otherwise carry on until it met a damaged page (or never notice).
    """
    _CHECK["every_write_open"] = enabled


def _connect(path: Path, readonly: bool, *, application_id: int | None = None) -> Database:
    if readonly:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    else:
        conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db = Database(conn, execute_plugins=False)
    db.execute("PRAGMA foreign_keys = ON")
    if application_id is not None:
        # Before WAL: the id must reach the main file's header at once, or another
        # program opening the file would not recognise it until a checkpoint.
        db.execute(f"PRAGMA application_id = {application_id}")
    if not readonly:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
    return db


def create_project(path: str | Path, scheme: Scheme, *, who: str = "") -> Database:
    """Create a new project file at ``path`` holding ``scheme``.

    Raises
    ------
    ProjectError
        If something already exists at ``path``.
    """
    path = Path(path)
    if path.exists():
        raise ProjectError("already exists; choose a new file name for the project", path)
    if not path.parent.is_dir():
        raise ProjectError("the folder for the project does not exist", path)
    try:
        db = _connect(path, readonly=False, application_id=APPLICATION_ID)
        migrate(db)
        with write_transaction(db):
            now = utc_now()
            set_meta(db, "project_id", uuid.uuid4().hex)
            set_meta(db, "created_at", now)
            set_meta(db, "created_with", __version__)
            install_scheme(db, scheme)
            log_change(db, "create", who, {"scheme": scheme.id, "version": scheme.version})
    except sqlite3.Error as exc:
        with contextlib.suppress(OSError):
            path.unlink()
        raise ProjectError(f"cannot create the project ({exc})", path) from None
    return db


def open_project(
    path: str | Path, *, readonly: bool = False, progress: Progress | None = None
) -> Database:
    """Open an existing project, applying pending migrations.

    A file of up to :data:`QUICK_CHECK_MAX_BYTES` is checked for damage first. Warnings
    (a project on a network share) are logged and kept for :func:`open_warnings`.

    A project of an older format is backed up before it is upgraded (the backups of
    :mod:`.backup`), and the upgrade reports to ``progress`` (or to the callback given to
    :func:`report_upgrades_to`) as it goes: see :func:`migrate`.

    Raises
    ------
    NotAProject, ProjectTooNew, CorruptProject, ProjectBusy, ProjectError
        With a one-line message naming ``path``; a damaged file's message names the
        newest good backup.
    """
    path = Path(path)
    finish_interrupted_restore(path)
    if not path.exists():
        raise ProjectError("no such project file", path)
    if path.is_dir():
        raise NotAProject("is a folder, not a project file", path)
    try:
        # Through a descriptor kept open: closing one of our own would drop the POSIX
        # locks of every connection of this process to the file (the window's, when a
        # worker opens the project), and another process could then write under them.
        from desktop.core.store.snapshot import read_header

        if hasattr(os, "pread"):
            header = read_header(path)
        else:  # pragma: no cover - Windows: no POSIX locks to lose
            with path.open("rb") as handle:
                header = handle.read(100)
        size = path.stat().st_size
    except OSError as exc:
        raise ProjectError(f"cannot be read ({exc.strerror})", path) from None
    if len(header) < 100 or not header.startswith(SQLITE_HEADER):
        raise not_a_project(path, "is not a Stance Coder project (not an SQLite file)")
    if int.from_bytes(header[68:72], "big") != APPLICATION_ID:
        raise not_a_project(path, "is an SQLite file but not a Stance Coder project")
    db = None
    try:
        db = _connect(path, readonly=readonly)
        versions = applied_versions(db)
        if versions and max(versions) > latest_version():
            raise ProjectTooNew(
                f"was written by a newer Stance Coder (project format {max(versions)}, this "
                f"version reads up to {latest_version()}); please update the app",
                path,
            )
        if size <= QUICK_CHECK_MAX_BYTES or (not readonly and _CHECK["every_write_open"]):
            problems = quick_check(db)
            if problems:
                raise damaged(path, problems[0])
        if not readonly:
            _upgrade(db, progress or _UPGRADE_PROGRESS["default"])
        db.execute("SELECT count(*) FROM units").fetchone()
    except sqlite3.DatabaseError as exc:
        _close_quietly(db)
        if is_busy_error(exc):
            raise busy_error(path) from None
        if isinstance(exc, sqlite3.OperationalError) and "unable to open" in str(exc):
            raise ProjectError(
                "cannot be opened (is its folder read-only or on a disconnected drive?)", path
            ) from None
        raise (explain(exc, path) or damaged(path, str(exc))) from None
    except BaseException:
        _close_quietly(db)
        raise
    _record_warnings(db, path)
    return db


_UPGRADE_PROGRESS: dict[str, Progress | None] = {"default": None}


def report_upgrades_to(progress: Progress | None) -> None:
    """Send the progress of every upgrade :func:`open_project` makes without a callback
    of its own to ``progress`` (the command line prints it on stderr); None: nowhere."""
    _UPGRADE_PROGRESS["default"] = progress


def needs_upgrade(db: Database) -> bool:
    """Whether ``db`` is a project of an older format (opening it for writing upgrades
    it; a new, empty file is not an older project)."""
    return bool(applied_versions(db)) and bool(pending_migrations(db))


def project_needs_upgrade(path: str | Path) -> bool:
    """Whether the project file at ``path`` is of an older format (opening it for
    writing will upgrade it), read without changing it; False for anything that is not
    a readable project (opening it reports what is wrong)."""
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    except (sqlite3.Error, OSError, ValueError):
        return False
    try:
        if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            return False
        rows = conn.execute("SELECT version FROM schema_migrations").fetchall()
    except sqlite3.Error:
        return False
    finally:
        conn.close()
    versions = {r[0] for r in rows}
    return bool(versions) and any(m[0] not in versions for m in available_migrations())


def _upgrade(db: Database, progress: Progress | None) -> None:
    """Back an older project up, then migrate it (nothing to do for a current one)."""
    if needs_upgrade(db):
        from desktop.core.store.backup import make_backup  # backup imports this module

        if progress is not None:
            progress(UpgradeProgress("backup", 0, "", 0, len(pending_migrations(db)),
                                     0, 0, 0.0, None))  # fmt: skip
        try:
            make_backup(db)
        except OSError as exc:
            raise ProjectError(
                f"was not upgraded to this version's format: no backup could be made first "
                f"({exc.strerror or exc}); free some disk space and open it again",
                project_path(db),
            ) from None
    migrate(db, progress)


def _close_quietly(db: Database | None) -> None:
    if db is not None:
        with contextlib.suppress(sqlite3.Error):
            db.close()


def _record_warnings(db: Database, path: Path) -> None:
    found = []
    warning = location.location_warning(path)
    if warning:
        found.append(f"{path}: {warning}")
    for message in found:
        log.warning("warning: %s", message)
    _WARNINGS[db] = found


def quick_check(db: Database) -> list[str]:
    """SQLite's ``quick_check``: the problems found (an empty list when the file is sound).

    Reads every page (about 0.3 s for a 200 MB project); ``PRAGMA integrity_check``
    (:func:`integrity_check`) is thorougher and about four times slower.
    """
    rows = [r[0] for r in db.conn.execute("PRAGMA quick_check").fetchall()]
    return [] if rows == ["ok"] else rows


def integrity_check(db: Database) -> list[str]:
    """SQLite's full ``integrity_check`` plus ``foreign_key_check``: problems found."""
    rows = [r[0] for r in db.conn.execute("PRAGMA integrity_check").fetchall()]
    problems = [] if rows == ["ok"] else rows
    for table, rowid, parent, _ in db.conn.execute("PRAGMA foreign_key_check").fetchall():
        problems.append(f"row {rowid} of {table} refers to a missing row of {parent}")
    return problems


def get_meta(db: Database, key: str, default: str | None = None) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def set_meta(db: Database, key: str, value: str) -> None:
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def install_scheme(db: Database, scheme: Scheme) -> int:
    """Record ``scheme`` as the project's scheme in force; returns its sequence number."""
    cursor = db.execute(
        "INSERT INTO schemes (scheme_id, version, title, source_toml, installed_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [scheme.id, scheme.version, scheme.title, scheme.source, utc_now()],
    )
    return cursor.lastrowid


def current_scheme(db: Database) -> Scheme:
    """The scheme in force: the most recently installed snapshot."""
    row = db.execute("SELECT source_toml FROM schemes ORDER BY seq DESC LIMIT 1").fetchone()
    if row is None:
        raise ProjectError("the project has no coding scheme")
    return parse_scheme(row[0], "<project scheme>")


def log_change(db: Database, action: str, who: str, details: dict) -> None:
    """Append to the project's change log (imports, curation, scheme changes)."""
    db.execute(
        "INSERT INTO change_log (at, who, action, details) VALUES (?, ?, ?, ?)",
        [utc_now(), who, action, json.dumps(details, ensure_ascii=False, sort_keys=True)],
    )


def change_log(db: Database) -> list[dict]:
    rows = db.execute("SELECT id, at, who, action, details FROM change_log ORDER BY id")
    return [
        {"id": r[0], "at": r[1], "who": r[2], "action": r[3], "details": json.loads(r[4])}
        for r in rows
    ]
