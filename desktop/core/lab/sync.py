"""One sync of a linked project, and the loop the app runs in the background.

The lead publishes its tables when they changed, then merges every coder who pushed. A
coder pushes its label changes, then pulls the lead's newer publication. Each step is
safe to interrupt at any moment and to repeat: :class:`Syncer` just tries again.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from desktop.core.errors import StanceError
from desktop.core.lab import coder as coder_side
from desktop.core.lab import lead as lead_side
from desktop.core.lab.connect import LabError, connect
from desktop.core.store import lab as lab_store
from desktop.core.store.db import Database, data_version, get_meta, open_project, utc_now


@dataclass
class SyncReport:
    """What one sync did."""

    role: str
    pushed: int = 0
    published: bool = False
    corpus: coder_side.CorpusPull | None = None
    lead: lead_side.LeadPull | None = None


def linked(db: Database) -> bool:
    """Whether the project is linked to a lab server."""
    return bool(get_meta(db, lab_store.SERVER))


def sync_once(db: Database, conn, *, who: str = "", pull: bool = True) -> SyncReport:
    """One sync over an open server connection (see the module's docstring).

    With ``pull=False`` only this side's changes go out (a coder's labels, the lead's
    publication): the quick step taken right after a local commit.
    """
    import psycopg

    role = get_meta(db, lab_store.ROLE) or ""
    try:
        if role == "lead":
            report = SyncReport(role, published=lead_side.publish(db, conn))
            if pull:
                report.lead = lead_side.pull_coders(db, conn, who=who)
            return report
        if role == "coder":
            report = SyncReport(role, pushed=coder_side.push(db, conn))
            if pull:
                report.corpus = coder_side.pull(db, conn)
            return report
    except psycopg.errors.InsufficientPrivilege as exc:
        raise LabError(f"the lab server refused: {exc.diag.message_primary}") from None
    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
        raise LabError(f"the connection to the lab server broke: {_first_line(exc)}") from None
    except psycopg.Error as exc:
        raise LabError(f"the lab server refused: {_first_line(exc)}") from None
    raise LabError("this project is not linked to a lab server (stancecoder lab init / join)")


def _unreachable(exc: BaseException) -> bool:
    """Whether a sync failed for want of the server (rather than being refused)."""
    text = str(exc)
    return isinstance(exc, LabError) and (
        text.startswith("cannot reach") or text.startswith("the connection to the lab server")
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def open_connection(db: Database):
    """A connection to the project's lab server (address from the project, password from
    the pgpass file)."""
    address, plain = lead_side.lead_conninfo(db)
    return connect(address, allow_plain=plain)


def sync(db: Database, *, who: str = "") -> SyncReport:
    """Connect, sync once, disconnect.

    Raises
    ------
    LabError
        If the project is not linked, the server cannot be reached or refuses.
    """
    conn = open_connection(db)
    try:
        return sync_once(db, conn, who=who)
    finally:
        conn.close()


TICK_S = 0.2  # how often the app's worker ticks the Syncer


class SyncState(Enum):
    """What the status bar says about the lab."""

    SYNCED = "synced"
    OFFLINE = "offline"
    REFUSED = "refused"


@dataclass
class SyncStatus:
    """The lab's state as the app shows it."""

    state: SyncState
    waiting: int = 0
    since: str = ""  # offline since (UTC time of the first failed attempt)
    last_synced: str = ""
    detail: str = ""
    changed: list[str] = field(default_factory=list)  # coders merged by the last sync
    pulled: bool = False  # the last sync brought the lead's changes into a coder's file
    wrote: bool = False  # the last sync committed to the local file (bookkeeping included)

    def text(self) -> str:
        """One line for the status bar."""
        waiting = f" · {self.waiting} label{'s' if self.waiting != 1 else ''} waiting"
        if self.state is SyncState.SYNCED:
            return "Lab: synced" + (waiting if self.waiting else "")
        if self.state is SyncState.OFFLINE:
            since = self.since[11:19] if len(self.since) >= 19 else self.since
            return f"Lab: offline since {since} UTC" + (waiting if self.waiting else "")
        return f"Lab: refused ({self.detail})" + (waiting if self.waiting else "")


class Syncer:
    """Background sync of one project: call :meth:`step` every few seconds from a worker
    thread. It keeps one server connection, reconnects after failures, and never raises.

    Parameters
    ----------
    path
        The project file (the syncer opens its own connection to it).
    who
        Who merges (the lead's coder id), for the merges table.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        who: str = "",
        full_interval: float = 1.0,
        retry_interval: float = 2.0,
    ):
        self.path = Path(path)
        self.who = who
        self.full_interval = full_interval
        self.retry_interval = retry_interval
        self._db: Database | None = None
        self._conn = None
        self._since = ""
        self._last = ""
        self._version: int | None = None
        self._last_full = float("-inf")
        self._last_try = float("-inf")
        self._online = True

    def tick(self) -> SyncStatus | None:
        """Call often (every 0.1-0.2 s): pushes right after a local commit, syncs fully
        every ``full_interval`` seconds, retries every ``retry_interval`` seconds while
        offline. Returns the status when it synced, None when there was nothing to do."""
        now = time.monotonic()
        try:
            version = data_version(self._local())
        except (StanceError, sqlite3.Error):
            version = None
        changed = version != self._version
        if not self._online and now - self._last_try < self.retry_interval:
            return None
        full = now - self._last_full >= self.full_interval
        if not (full or changed):
            return None
        self._version = version  # commits during the step trigger the next tick
        self._last_try = now
        if full:
            self._last_full = now
        status = self.step(pull=full)
        self._online = status.state is SyncState.SYNCED
        return status

    def _local(self) -> Database:
        if self._db is None:
            self._db = open_project(self.path)
            # This connection writes only what sync can redo (the marks of what was
            # pushed; merges the server still holds), so its commits need not wait for
            # an fsync that would hold the write lock the window's next label needs.
            lab_store.relax_durability(self._db)
        return self._db

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # a broken connection may fail to close
                self._conn.close()
            self._conn = None

    def step(self, *, pull: bool = True) -> SyncStatus:
        """Sync once if the server is reachable; the status either way."""
        try:
            db = self._local()
            if self._conn is None or self._conn.closed:
                self._conn = open_connection(db)
            before = db.conn.total_changes
            report = sync_once(db, self._conn, who=self.who, pull=pull)
            wrote = db.conn.total_changes != before
        except (StanceError, sqlite3.Error) as exc:
            # Offline, refused, or the project busy for a moment: try again next time.
            self._drop_connection()
            self._since = self._since or utc_now()
            state = SyncState.OFFLINE if _unreachable(exc) else SyncState.REFUSED
            return SyncStatus(state, self._waiting(), self._since, self._last, str(exc))
        self._since = ""
        self._last = utc_now()
        changed = report.lead.coders if report.lead else []
        pulled = bool(report.corpus and report.corpus.pulled)
        return SyncStatus(
            SyncState.SYNCED,
            self._waiting(),
            "",
            self._last,
            changed=changed,
            pulled=pulled,
            wrote=wrote,
        )

    def _waiting(self) -> int:
        try:
            return lab_store.waiting_count(self._local())
        except (StanceError, sqlite3.Error):
            return 0

    def close(self) -> None:
        """Close the server and project connections."""
        self._drop_connection()
        if self._db is not None:
            self._db.close()
            self._db = None
