"""A coder's side of the lab: join (a local project like a coder package), push, pull.

Push sends the label history rows the server has not received, each with its change id
(the file's project id and the row's id), the current value of every label they touched
and the unit states changed since — all in one server transaction that the server
accepts whole or not at all. The local mark of what was pushed moves only after the
server committed, so an interrupted push is simply repeated: events already there are
left alone (their id is the primary key), labels and states are upserts.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from desktop.core.errors import ProjectError
from desktop.core.lab import server
from desktop.core.lab.connect import (
    LabError,
    connect,
    parse_address,
    save_password,
    stored_address,
)
from desktop.core.scheme import parse_scheme
from desktop.core.store import lab as lab_store
from desktop.core.store.db import (
    Database,
    create_project,
    get_meta,
    set_meta,
    utc_now,
    write_transaction,
)
from desktop.core.store.search import indexing_in_bulk
from desktop.core.store.team import (
    ALLOW_UNASSIGNED,
    COMPARISON_UNLOCKED,
    PACKAGE_CODER,
    PARENT_PROJECT_ID,
)

STATES_DIGEST = "lab_states_digest"
OTHERS_SEQ = "lab_others_seq"  # the server log position of the other coders' labels held
_ROUNDS_FOR_CODERS = (
    "SELECT id, kind, NULL AS seed, created_at, '' AS created_by, '{}' AS details "
    "FROM stance.rounds ORDER BY id"
)


@dataclass(frozen=True)
class JoinSummary:
    """What ``lab join`` wrote."""

    path: str
    coder: str
    units: int
    assignments: int
    labels: int


@dataclass(frozen=True)
class CorpusPull:
    """What a coder's pull changed locally (all zero when the lead published nothing new)."""

    pulled: bool
    assignments: int = 0
    log_entries: int = 0


def _corpus(conn) -> dict:
    """Everything of the lead's a coder may read, in one snapshot."""
    tables = lab_store.TABLES
    data = {
        name: server.read_table(conn, tables[name])
        for name in ("schemes", "articles", "paragraphs", "units", "coders", "assignments")
    }
    data["rounds"] = conn.execute(_ROUNDS_FOR_CODERS).fetchall()
    data["change_log"] = server.read_table(conn, tables["change_log"])
    data["meta"] = server.server_meta(conn)
    return data


def _apply_corpus(db: Database, coder: str, data: dict, *, after_log_id: int) -> CorpusPull:
    """Write the lead's tables read by :func:`_corpus` into the coder's file (in a
    transaction of the caller's)."""
    tables = lab_store.TABLES
    lab_store.replace_schemes(db, data["schemes"])
    lab_store.upsert_rows(db, tables["articles"], data["articles"])
    lab_store.upsert_rows(db, tables["paragraphs"], data["paragraphs"])
    lab_store.free_unit_seqs(db)  # curation shifts seqs; seq is UNIQUE
    with indexing_in_bulk(db):  # new units reach the search index in one statement
        lab_store.upsert_rows(db, tables["units"], data["units"])
    lab_store.upsert_rows(db, tables["coders"], data["coders"])
    lab_store.upsert_rows(db, tables["rounds"], data["rounds"])
    mine = [r for r in data["assignments"] if r[1] == coder]
    lab_store.replace_assignments(db, coder, mine)
    entries = [r[1:] for r in data["change_log"] if r[0] > after_log_id]
    lab_store.append_change_log(db, entries)
    meta = data["meta"]
    set_meta(db, ALLOW_UNASSIGNED, meta.get(ALLOW_UNASSIGNED, "0"))
    set_meta(db, COMPARISON_UNLOCKED, meta.get(COMPARISON_UNLOCKED, "0"))
    last_log = max((r[0] for r in data["change_log"]), default=after_log_id)
    lab_store.set_lab_meta(
        db,
        {
            lab_store.PULLED: meta.get("published", "0"),
            lab_store.LOG_ID: str(max(last_log, after_log_id)),
        },
    )
    return CorpusPull(True, len(mine), len(entries))


def join_lab(
    url: str, output: str | Path, *, coder: str | None = None, allow_plain: bool = False
) -> JoinSummary:
    """Make a coder's local project from the lab: what a coder package would hold.

    Parameters
    ----------
    url
        The coder's ``postgresql://role:password@host/db`` from the lead's invitation.
        The password goes to the pgpass file, never into the project.
    output
        The new project file (it must not exist; it appears only when complete).
    coder
        The coder id expected for the role (checked against the server).

    Raises
    ------
    LabError
        If the server cannot be reached or the role is not (this) coder of the lab.
    ProjectError
        If ``output`` exists or cannot be written.
    """
    import psycopg

    output = Path(output)
    if output.exists():
        raise ProjectError("already exists; choose a new file name for the project", output)
    params = parse_address(url)
    password = params.pop("password", None)
    conn = connect(
        {**params, **({"password": password} if password else {})}, allow_plain=allow_plain
    )
    try:
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            me = server.whoami(conn)
            if me is None:
                raise LabError(f"the role {params['user']} is not a coder of this lab")
            if coder and coder != me:
                raise LabError(f"the role {params['user']} codes as '{me}', not '{coder}'")
            data = _corpus(conn)
            labels, history, states, _ = server.coder_data(conn, me)
    except psycopg.Error as exc:
        raise LabError(f"the lab server refused: {exc}") from None
    finally:
        conn.close()
    if not data["schemes"] or not data["meta"].get("project_id"):
        raise LabError("the lab holds no project yet (the lead runs stancecoder lab init)")
    partial = output.with_name(f".{output.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        db = create_project(partial, parse_scheme(data["schemes"][-1][4], "<lab>"))
        try:
            with write_transaction(db):
                lab_store.clear_change_log(db)
                _apply_corpus(db, me, data, after_log_id=0)
                lab_store.replace_coder_data(db, me, labels, history, states)
                lab_store.append_change_log(
                    db, [(utc_now(), me, "lab_join", json.dumps({"coder": me}))]
                )
                set_meta(db, PARENT_PROJECT_ID, data["meta"]["project_id"])
                set_meta(db, PACKAGE_CODER, me)
                lab_store.set_lab_meta(
                    db,
                    {
                        lab_store.SERVER: stored_address(params),
                        lab_store.ROLE: "coder",
                        lab_store.CODER: me,
                        lab_store.PLAIN: "1" if allow_plain else "0",
                        lab_store.PUSHED: str(lab_store.last_history_id(db, me)),
                        lab_store.STATES_AT: max((r[5] for r in states), default=""),
                    },
                )
            counts = lab_store.counts(db, me)
        finally:
            db.close()
        os.replace(partial, output)
    except BaseException:
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            with contextlib.suppress(OSError):
                leftover.unlink()
        raise
    if password:
        save_password(params, password)
    return JoinSummary(str(output), me, counts["units"], counts["assignments"], counts["labels"])


def _digest(rows: list) -> str:
    return hashlib.sha256(json.dumps(sorted(rows), default=str).encode()).hexdigest()


def push(db: Database, conn) -> int:
    """Send this file's label changes not yet on the server; returns how many were sent.

    Safe to repeat at any moment: what the server already has is left as it is.
    """
    coder = get_meta(db, lab_store.CODER)
    project_id = get_meta(db, "project_id") or ""
    after = int(get_meta(db, lab_store.PUSHED, "0") or 0)
    states_at = get_meta(db, lab_store.STATES_AT, "") or ""
    history = lab_store.history_after(db, coder, after)
    states = lab_store.states_since(db, coder, states_at, {r[1] for r in history})
    boundary = [r for r in states if r[5] == states_at]
    if not history and (
        not states
        or (len(boundary) == len(states) and _digest(boundary) == get_meta(db, STATES_DIGEST))
    ):
        return 0
    events = [
        (
            coder,
            f"{project_id}:{row[0]}",
            row[0],
            row[1],
            row[3],
            row[4],
            row[5],
            row[6],
            f"{project_id}:{row[7]}" if row[7] is not None else None,
            row[8],
        )
        for row in history
    ]
    current = lab_store.current_labels(db, coder, {(r[1], r[3]) for r in history})
    put = [row for row in current.values() if row is not None]
    cleared = [(unit, coder, dim) for (unit, dim), row in current.items() if row is None]
    known_until = lab_store.latest_log_time(db)
    with conn.transaction():
        server.push_events(conn, events)
        server.put_labels(conn, put, cleared)
        server.put_states(conn, states)
        server.bump_version(conn, coder, known_until)
    latest = max([states_at, *(r[5] for r in states)])
    with write_transaction(db):
        values = {lab_store.STATES_AT: latest}
        if history:
            values[lab_store.PUSHED] = str(history[-1][0])
        values[STATES_DIGEST] = _digest([r for r in states if r[5] == latest])
        lab_store.set_lab_meta(db, values)
    return len(history)


def pull(db: Database, conn) -> CorpusPull:
    """Bring the lead's newer publication (corpus, schemes, assignments, curation log,
    settings) into the coder's file; nothing is read when the lead published nothing.

    Once the lead unlocked comparison, the other coders' current labels come too (the
    server lets the coder read them only then), so the window can compare; when the
    lead locks it again they are removed from the file.
    """
    coder = get_meta(db, lab_store.CODER)
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        meta = server.server_meta(conn)
        data = None
        if meta.get("published", "0") != get_meta(db, lab_store.PULLED):
            data = _corpus(conn)
        others, seen = None, get_meta(db, OTHERS_SEQ, "") or ""
        if meta.get(COMPARISON_UNLOCKED) == "1":
            top = str(server.latest_event(conn))
            if top != seen:
                others, seen = server.other_labels(conn, coder), top
        elif seen:
            others, seen = [], ""
    if data is None and others is None:
        return CorpusPull(False)
    with write_transaction(db):
        result = CorpusPull(True)
        if data is not None:
            after = int(get_meta(db, lab_store.LOG_ID, "0") or 0)
            result = _apply_corpus(db, coder, data, after_log_id=after)
        if others is not None:
            lab_store.replace_other_labels(db, coder, others)
            set_meta(db, OTHERS_SEQ, seen)
        return result
