"""The project file: one SQLite database, opened through sqlite-utils.

Durability settings (stated in the README): WAL journal, ``synchronous=FULL`` so that a
committed transaction survives power loss, foreign keys on, and a busy timeout so that a
second program waits instead of failing with "database is locked".
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from desktop import __version__
from desktop.core.errors import CorruptProject, NotAProject, ProjectError, ProjectTooNew
from desktop.core.resources import migrations_dir
from desktop.core.scheme import Scheme, parse_scheme

# "STNC" in ASCII: marks a SQLite file as a Stance Coder project.
APPLICATION_ID = 0x53544E43
BUSY_TIMEOUT_MS = 15_000
_SQLITE_HEADER = b"SQLite format 3\x00"

Database = sqlite_utils.Database


def utc_now() -> str:
    """The current time as ISO-8601 UTC text with microseconds (sorts as text)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def available_migrations() -> list[tuple[int, str, Path]]:
    """The numbered migrations shipped under schema/migrations, in order."""
    found = []
    for path in sorted(migrations_dir().glob("*.sql")):
        number, _, name = path.stem.partition("_")
        found.append((int(number), name, path))
    return found


def latest_version() -> int:
    return available_migrations()[-1][0]


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements so they run inside our own transaction.

    ``executescript`` would commit on its own; statements are accumulated until
    ``sqlite3.complete_statement`` says they are whole.
    """
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        if not buffer and line.lstrip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


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
    db.conn.execute("BEGIN IMMEDIATE")
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


def migrate(db: Database) -> list[int]:
    """Apply every pending migration, each in one transaction with its record.

    Returns the versions applied now.
    """
    if "schema_migrations" not in db.table_names():
        with write_transaction(db):
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
    done = set(applied_versions(db))
    applied = []
    for number, name, path in available_migrations():
        if number in done:
            continue
        statements = _split_sql(path.read_text(encoding="utf-8"))
        with write_transaction(db):
            for statement in statements:
                db.execute(statement)
            db.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                [number, name, utc_now()],
            )
        applied.append(number)
    return applied


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


def open_project(path: str | Path, *, readonly: bool = False) -> Database:
    """Open an existing project, applying pending migrations.

    Raises
    ------
    NotAProject, ProjectTooNew, CorruptProject, ProjectError
        With a one-line message naming ``path``.
    """
    path = Path(path)
    if not path.exists():
        raise ProjectError("no such project file", path)
    if path.is_dir():
        raise NotAProject("is a folder, not a project file", path)
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError as exc:
        raise ProjectError(f"cannot be read ({exc.strerror})", path) from None
    if len(header) < 100 or not header.startswith(_SQLITE_HEADER):
        raise NotAProject("is not a Stance Coder project (not an SQLite file)", path)
    if int.from_bytes(header[68:72], "big") != APPLICATION_ID:
        raise NotAProject("is an SQLite file but not a Stance Coder project", path)
    try:
        db = _connect(path, readonly=readonly)
        versions = applied_versions(db)
        if versions and max(versions) > latest_version():
            db.close()
            raise ProjectTooNew(
                f"was written by a newer Stance Coder (project format {max(versions)}, this "
                f"version reads up to {latest_version()}); please update the app",
                path,
            )
        if not readonly:
            migrate(db)
        db.execute("SELECT count(*) FROM units").fetchone()
    except sqlite3.DatabaseError as exc:
        raise CorruptProject(f"is damaged and cannot be opened ({exc})", path) from None
    return db


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
