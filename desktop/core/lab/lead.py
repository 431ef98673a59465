"""The lead's side of the lab: create it on a server, publish the project, pull the coders.

Pulling reuses the merge of coder packages: for each coder whose pushes moved since the
last pull, the keys (unit, dimension) its new server events touched are read with their
whole server history and go through ``merge_changes``, which decides each key exactly as
``merge_files`` decides it for a package (tests/team/test_merge_changes.py). So the lab
resolves conflicts as a merge of packages does and gives the same project, and a pull
costs in proportion to what changed rather than to every coder's history.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from desktop.core.lab import server
from desktop.core.lab.connect import (
    LabError,
    connect,
    parse_address,
    save_password,
    stored_address,
)
from desktop.core.store import keyed as keyed_store
from desktop.core.store import lab as lab_store
from desktop.core.store.db import Database, get_meta, write_transaction
from desktop.core.store.team import ALLOW_UNASSIGNED, COMPARISON_UNLOCKED
from desktop.core.team.merge import CoderChanges, MergeReport, merge_changes


@dataclass(frozen=True)
class Invite:
    """A coder's way into the lab: the URL (with a new password) to give to ``lab join``."""

    coder: str
    role: str
    url: str


@dataclass
class LabInit:
    """What ``lab init`` did."""

    server: str
    migrations: list[int]
    invites: list[Invite] = field(default_factory=list)
    password_file: str | None = None


def _join_url(params: dict[str, str], role: str, password: str) -> str:
    from urllib.parse import quote

    host = params.get("host") or "localhost"
    if ":" in host:
        host = f"[{host}]"
    port = params.get("port") or "5432"
    query = f"?sslmode={params['sslmode']}" if params.get("sslmode") else ""
    return (
        f"postgresql://{quote(role, safe='')}:{quote(password, safe='')}@{host}:{port}/"
        f"{quote(params['dbname'], safe='')}{query}"
    )


def publish(db: Database, conn, *, force: bool = False) -> bool:
    """Copy the lead's tables (corpus, schemes, coders, rounds, assignments, curation log,
    gold) to the server when they changed since the last publication.

    Returns whether anything was published. The server's ``published`` counter moves, so
    coders know to pull.
    """
    fingerprint = lab_store.lead_fingerprint(db)
    if not force and get_meta(db, lab_store.PUBLISHED) == fingerprint:
        return False
    tables = [(t, lab_store.table_rows(db, t)) for t in lab_store.LEAD_TABLES]
    project_id = get_meta(db, "project_id") or ""
    with conn.transaction():
        server.refuse_other_project(conn, project_id)
        for table, rows in tables:
            server.upsert_table(conn, table, rows)
        published = int(server.server_meta(conn).get("published", "0")) + 1
        server.set_server_meta(
            conn,
            {
                "project_id": project_id,
                ALLOW_UNASSIGNED: get_meta(db, ALLOW_UNASSIGNED, "0") or "0",
                COMPARISON_UNLOCKED: get_meta(db, COMPARISON_UNLOCKED, "0") or "0",
                "published": str(published),
            },
        )
    with write_transaction(db):
        lab_store.set_lab_meta(db, {lab_store.PUBLISHED: fingerprint})
    return True


def invite_coders(db: Database, conn, params: dict[str, str]) -> list[Invite]:
    """Create a login role for every coder that has none yet; their join URLs."""
    project_id = get_meta(db, "project_id") or ""
    group = server.group_role(project_id)
    invites = []
    with conn.transaction():
        for coder in server.coders_without_role(conn):
            role = server.coder_role(project_id, coder)
            password = server.create_login(conn, role, group)
            server.set_coder_role(conn, coder, role)
            invites.append(Invite(coder, role, _join_url(params, role, password)))
    return invites


def init_lab(db: Database, url: str, *, allow_plain: bool = False) -> LabInit:
    """Create (or bring up to date) the project's lab on a PostgreSQL database.

    Parameters
    ----------
    db
        The lead's project.
    url
        ``postgresql://lead@host:port/database``; the lead's role needs CREATEROLE (it
        creates one role per coder). A password in the URL is stored in the pgpass file,
        never in the project.
    allow_plain
        Opt out of TLS for a server on another machine.

    Returns
    -------
    LabInit
        The migrations applied and one invitation (join URL) per coder that had no role.

    Raises
    ------
    LabError
        If the server cannot be reached, the role may not create roles, or the database
        holds another project's lab.
    """
    import psycopg

    params = parse_address(url)
    password = params.pop("password", None)
    project_id = get_meta(db, "project_id") or ""
    conn = connect(
        {**params, **({"password": password} if password else {})}, allow_plain=allow_plain
    )
    try:
        server.refuse_other_project(conn, project_id)
        group = server.group_role(project_id)
        with conn.transaction():
            server.ensure_group(conn, group)
        applied = server.migrate(conn, group)
        publish(db, conn, force=True)
        invites = invite_coders(db, conn, params)
    except psycopg.errors.InsufficientPrivilege as exc:
        raise LabError(
            f"the role {params['user']} may not set up the lab ({exc.diag.message_primary}); "
            "it needs CREATEDB/CREATEROLE or ownership of the database"
        ) from None
    except psycopg.Error as exc:
        raise LabError(f"the lab server refused: {exc}") from None
    finally:
        conn.close()
    stored = stored_address(params)
    with write_transaction(db):
        values = {lab_store.SERVER: stored, lab_store.ROLE: "lead"}
        values[lab_store.PLAIN] = "1" if allow_plain else "0"
        lab_store.set_lab_meta(db, values)
    password_file = str(save_password(params, password)) if password else None
    return LabInit(stored, applied, invites, password_file)


@dataclass
class LeadPull:
    """What the lead's pull brought: the coders pulled and the merge report."""

    coders: list[str]
    report: MergeReport | None


def _coder_changes(db: Database, conn, coder: str, mark: list | None) -> tuple:
    """One coder's changes since ``mark`` (``[server_seq, events]`` merged last time):
    every server row on the keys its new events touched, and its unit states that differ
    from ours. Returns ``(CoderChanges, new mark)``.

    Server sequence numbers are taken at insert, so a push can commit after a later one
    of the same coder (two of its syncs at once); the event count catches that, and then
    every key of the coder is taken again.
    """
    latest, count = server.coder_event_mark(conn, coder)
    after = 0
    if mark is not None:
        after = mark[0]
        below = count - server.events_after(conn, coder, after)
        if below != mark[1]:
            after = 0  # an event committed late below the mark: take every key again
    keys = server.changed_keys(conn, coder, after)
    labels, history = server.coder_key_data(conn, coder, keys) if keys else ([], [])
    states, known_until = server.coder_states(conn, coder)
    ours = set(keyed_store.coder_state_rows(db, coder))
    changed_states = [row for row in states if tuple(row) not in ours]
    change = CoderChanges(coder, labels, history, changed_states, known_until)
    return change, [latest, count]


def pull_coders(db: Database, conn, *, who: str = "") -> LeadPull:
    """Merge into the lead's project what every coder pushed since the last pull.

    The server's state of those coders is read in one snapshot (repeatable read), so the
    versions recorded match what was merged. Only the keys (unit, coder, dimension) their
    new events touched are read and merged (``merge_changes``, the resolution of
    ``merge_files``), so a pull costs in proportion to what changed.
    """
    seen = json.loads(get_meta(db, lab_store.VERSIONS, "{}") or "{}")
    marks = json.loads(get_meta(db, lab_store.EVENT_MARKS, "{}") or "{}")
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        versions = server.coder_versions(conn)
        changed = sorted(c for c, v in versions.items() if seen.get(c, 0) != v)
        known = {r["id"] for r in _coders(db)}
        changed = [c for c in changed if c in known]
        changes = []
        for coder in changed:
            change, marks[coder] = _coder_changes(db, conn, coder, marks.get(coder))
            changes.append(change)
    report = merge_changes(db, changes, who=who or "lab") if changes else None
    with write_transaction(db):
        seen.update({c: versions[c] for c in changed})
        lab_store.set_lab_meta(
            db,
            {
                lab_store.VERSIONS: json.dumps(seen, sort_keys=True),
                lab_store.EVENT_MARKS: json.dumps(marks, sort_keys=True),
            },
        )
    return LeadPull(changed, report)


def _coders(db: Database) -> list[dict]:
    from desktop.core.store.labels import list_coders

    return list_coders(db)


def lead_conninfo(db: Database) -> tuple[str, bool]:
    """The stored server address of a linked project and whether TLS was opted out."""
    address = get_meta(db, lab_store.SERVER)
    if not address:
        raise LabError("this project is not linked to a lab server (stancecoder lab init)")
    return address, get_meta(db, lab_store.PLAIN, "0") == "1"
