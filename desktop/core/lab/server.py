"""Server side of the lab: its numbered migrations, roles, and the SQL sync runs there.

Every statement names the schema ``stance``; identifiers go through psycopg.sql and every
value is a parameter. Functions that write more than one statement expect the caller to
hold the transaction (``with conn.transaction():``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path

from psycopg import sql

from desktop.core.lab.connect import LabError
from desktop.core.resources import data_dir
from desktop.core.store.lab import Table
from desktop.core.store.team import LABEL_COLUMNS, STATE_COLUMNS

SCHEMA = "stance"
EVENT_COLUMNS = (
    "coder_id",
    "change_id",
    "local_id",
    "unit_id",
    "dimension",
    "old_value",
    "new_value",
    "action",
    "reverts",
    "changed_at",
)


def lab_migrations() -> list[tuple[int, str, Path]]:
    """The numbered migrations of the server's schema (schema/lab/NNNN_name.sql), in order."""
    found = []
    for path in sorted((data_dir("schema") / "lab").glob("*.sql")):
        number, _, name = path.stem.partition("_")
        found.append((int(number), name, path))
    return found


def group_role(project_id: str) -> str:
    """The group role every coder of the project's lab belongs to."""
    return f"sc_{project_id[:10]}_coders"


def coder_role(project_id: str, coder: str) -> str:
    """The login role of one coder: readable, unique per project, at most 63 bytes."""
    slug = re.sub(r"[^a-z0-9_]", "_", coder.lower())[:32]
    tag = hashlib.sha256(coder.encode()).hexdigest()[:4]
    return f"sc_{project_id[:10]}_{slug}_{tag}"


def lab_project_id(conn) -> str | None:
    """The project id the server's lab belongs to, or None when the database has no lab."""
    exists = conn.execute("SELECT to_regclass('stance.meta') IS NOT NULL").fetchone()[0]
    if not exists:
        return None
    row = conn.execute("SELECT value FROM stance.meta WHERE key = 'project_id'").fetchone()
    return row[0] if row else None


def migrate(conn, group: str) -> list[int]:
    """Apply the server migrations not applied yet, each in one transaction with its record.

    A transaction-level advisory lock keeps two leads from migrating at once. Returns the
    versions applied now.
    """
    applied_now = []
    for version, name, path in lab_migrations():
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('stance-lab-migrate'))")
            conn.execute("CREATE SCHEMA IF NOT EXISTS stance")
            conn.execute("REVOKE ALL ON SCHEMA stance FROM PUBLIC")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS stance.migrations (version integer PRIMARY KEY, "
                "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = conn.execute(
                "SELECT 1 FROM stance.migrations WHERE version = %s", [version]
            ).fetchone()
            if done:
                continue
            script = path.read_text().replace("{group}", sql.Identifier(group).as_string(conn))
            conn.execute(script)
            conn.execute(
                "INSERT INTO stance.migrations (version, name) VALUES (%s, %s)", [version, name]
            )
            applied_now.append(version)
    return applied_now


def ensure_group(conn, group: str) -> None:
    """Create the coders' group role (no login) unless it exists."""
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [group]).fetchone()
    if not exists:
        conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(group)))


def create_login(conn, role: str, group: str) -> str:
    """Create (or reset the password of) a coder's login role in ``group``; returns the
    new password. Only its SCRAM verifier is sent to the server."""
    password = secrets.token_urlsafe(18)
    verifier = conn.pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256")
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
    verb = "ALTER" if exists else "CREATE"
    conn.execute(
        sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(verifier.decode())
        )
    )
    conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(role)))
    return password


def coders_without_role(conn) -> list[str]:
    """Coder ids on the server that have no login role yet (the lead excepted)."""
    rows = conn.execute(
        "SELECT id FROM stance.coders WHERE role_name IS NULL AND is_lead = 0 ORDER BY id"
    )
    return [r[0] for r in rows]


def set_coder_role(conn, coder: str, role: str) -> None:
    """Record a coder's login role and give the coder a sync row."""
    conn.execute("UPDATE stance.coders SET role_name = %s WHERE id = %s", [role, coder])
    conn.execute(
        "INSERT INTO stance.coder_sync (coder_id) VALUES (%s) ON CONFLICT DO NOTHING", [coder]
    )


def _ident_list(columns: Sequence[str]) -> sql.Composable:
    return sql.SQL(", ").join(map(sql.Identifier, columns))


def upsert_table(conn, table: Table, rows: Sequence[Sequence]) -> None:
    """Make the server's copy of one lead table hold ``rows``: insert new rows, update
    changed ones (rows equal already are left alone) and, for a mirrored table, delete
    the rows that are gone. COPY into a temporary table, then one statement."""
    name = sql.Identifier(SCHEMA, table.name)
    temp = sql.Identifier(f"incoming_{table.name}")
    cols = _ident_list(table.columns)
    conn.execute(sql.SQL("CREATE TEMP TABLE {} (LIKE {}) ON COMMIT DROP").format(temp, name))
    with conn.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN").format(temp, cols)) as copy:
        for row in rows:
            copy.write_row(row)
    updates = [c for c in table.columns if c not in table.key]
    action = sql.SQL("DO NOTHING")
    if updates:
        action = sql.SQL("DO UPDATE SET {} WHERE ({}) IS DISTINCT FROM ({})").format(
            sql.SQL(", ").join(
                sql.SQL("{} = EXCLUDED.{}").format(sql.Identifier(c), sql.Identifier(c))
                for c in updates
            ),
            sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in updates),
            sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(c)) for c in updates),
        )
    conn.execute(
        sql.SQL("INSERT INTO {} AS t ({}) SELECT {} FROM {} ON CONFLICT ({}) {}").format(
            name, cols, cols, temp, _ident_list(table.key), action
        )
    )
    if table.mirror:
        match = sql.SQL(" AND ").join(
            sql.SQL("i.{} = t.{}").format(sql.Identifier(c), sql.Identifier(c)) for c in table.key
        )
        conn.execute(
            sql.SQL("DELETE FROM {} t WHERE NOT EXISTS (SELECT 1 FROM {} i WHERE {})").format(
                name, temp, match
            )
        )
    conn.execute(sql.SQL("DROP TABLE {}").format(temp))


def set_server_meta(conn, values: dict[str, str]) -> None:
    """Write the lab's settings (project id, unassigned work, comparison, publication)."""
    for key, value in values.items():
        conn.execute(
            "INSERT INTO stance.meta (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [key, value],
        )


def server_meta(conn) -> dict[str, str]:
    """The lab's settings the connected role may read."""
    return dict(conn.execute("SELECT key, value FROM stance.meta").fetchall())


def read_table(conn, table: Table, where: str = "") -> list[tuple]:
    """The rows of one lead table the connected role may see, in key order.

    ``where`` is a fixed condition of ours (never input).
    """
    query = sql.SQL("SELECT {} FROM {} {} ORDER BY {}").format(
        _ident_list(table.columns),
        sql.Identifier(SCHEMA, table.name),
        sql.SQL(where),
        _ident_list(table.key),
    )
    return conn.execute(query).fetchall()


def whoami(conn) -> str | None:
    """The coder id of the connected role (None for a role that is no coder)."""
    return conn.execute("SELECT stance.coder_of(current_user::text)").fetchone()[0]


# -- the coders' side ---------------------------------------------------------------------


def push_events(conn, rows: Iterable[Sequence]) -> None:
    """Insert label events (EVENT_COLUMNS); an event already there is left as it is."""
    conn.cursor().executemany(
        f"INSERT INTO stance.label_events ({', '.join(EVENT_COLUMNS)}) "
        f"VALUES ({', '.join(['%s'] * len(EVENT_COLUMNS))}) "
        "ON CONFLICT (coder_id, change_id) DO NOTHING",
        [list(r) for r in rows],
    )


def put_labels(conn, rows: Iterable[Sequence], cleared: Iterable[Sequence]) -> None:
    """Upsert current labels (LABEL_COLUMNS); delete the ``(unit, coder, dimension)`` keys
    in ``cleared``."""
    cur = conn.cursor()
    cur.executemany(
        f"INSERT INTO stance.labels ({', '.join(LABEL_COLUMNS)}) VALUES (%s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (unit_id, coder_id, dimension) DO UPDATE SET value = EXCLUDED.value, "
        "changed_at = EXCLUDED.changed_at, seconds = EXCLUDED.seconds",
        [list(r) for r in rows],
    )
    cur.executemany(
        "DELETE FROM stance.labels WHERE unit_id = %s AND coder_id = %s AND dimension = %s",
        [list(k) for k in cleared],
    )


def put_states(conn, rows: Iterable[Sequence]) -> None:
    """Upsert unit states (STATE_COLUMNS)."""
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in STATE_COLUMNS[2:])
    conn.cursor().executemany(
        f"INSERT INTO stance.unit_states ({', '.join(STATE_COLUMNS)}) "
        f"VALUES ({', '.join(['%s'] * len(STATE_COLUMNS))}) "
        f"ON CONFLICT (unit_id, coder_id) DO UPDATE SET {updates}",
        [list(r) for r in rows],
    )


def bump_version(conn, coder: str, known_until: str) -> int:
    """Count one more push of ``coder`` (the lead pulls coders whose count moved)."""
    row = conn.execute(
        "INSERT INTO stance.coder_sync (coder_id, version, known_until) VALUES (%s, 1, %s) "
        "ON CONFLICT (coder_id) DO UPDATE SET version = stance.coder_sync.version + 1, "
        "known_until = EXCLUDED.known_until, pushed_at = clock_timestamp() RETURNING version",
        [coder, known_until],
    ).fetchone()
    return row[0]


def latest_event(conn) -> int:
    """The server's latest label-log position the connected role may see (0 for none)."""
    row = conn.execute("SELECT coalesce(max(server_seq), 0) FROM stance.label_events")
    return row.fetchone()[0]


def other_labels(conn, coder: str) -> list[tuple]:
    """The current labels (LABEL_COLUMNS) of every coder but ``coder`` that the connected
    role may read (none before the lead's unlock: row-level security)."""
    return conn.execute(
        f"SELECT {', '.join(LABEL_COLUMNS)} FROM stance.labels WHERE coder_id <> %s",
        [coder],
    ).fetchall()


def coder_versions(conn) -> dict[str, int]:
    """``{coder: push count}`` of every coder."""
    return dict(conn.execute("SELECT coder_id, version FROM stance.coder_sync").fetchall())


def coder_data(conn, coder: str) -> tuple[list, list, list, str]:
    """``(labels, history, states, known_until)`` of one coder as the server holds them.

    History rows are HISTORY_COLUMNS tuples in the order the coder made them (pushes keep
    a file's order), ids being the server's sequence numbers (reverts too).
    """
    labels = conn.execute(
        f"SELECT {', '.join(LABEL_COLUMNS)} FROM stance.labels WHERE coder_id = %s", [coder]
    ).fetchall()
    events = conn.execute(
        "SELECT e.server_seq, e.unit_id, e.coder_id, e.dimension, e.old_value, e.new_value, "
        "e.action, r.server_seq, e.changed_at FROM stance.label_events e "
        "LEFT JOIN stance.label_events r ON r.coder_id = e.coder_id AND r.change_id = e.reverts "
        "WHERE e.coder_id = %s ORDER BY e.server_seq",
        [coder],
    ).fetchall()
    states = conn.execute(
        f"SELECT {', '.join(STATE_COLUMNS)} FROM stance.unit_states WHERE coder_id = %s",
        [coder],
    ).fetchall()
    row = conn.execute(
        "SELECT known_until FROM stance.coder_sync WHERE coder_id = %s", [coder]
    ).fetchone()
    return labels, events, states, row[0] if row else ""


def refuse_other_project(conn, project_id: str) -> None:
    """Raise if the database already holds the lab of another project."""
    theirs = lab_project_id(conn)
    if theirs and theirs != project_id:
        raise LabError(
            f"this database already holds the lab of another project ({theirs[:8]}); "
            "use a new database for this project"
        )


def coder_event_mark(conn, coder: str) -> tuple[int, int]:
    """``(latest server_seq, number of events)`` of one coder's label log."""
    row = conn.execute(
        "SELECT coalesce(max(server_seq), 0), count(*) FROM stance.label_events "
        "WHERE coder_id = %s",
        [coder],
    ).fetchone()
    return row[0], row[1]


def changed_keys(conn, coder: str, after_seq: int) -> list[tuple[str, str]]:
    """The ``(unit, dimension)`` keys of ``coder``'s events after ``after_seq``."""
    rows = conn.execute(
        "SELECT DISTINCT unit_id, dimension FROM stance.label_events "
        "WHERE coder_id = %s AND server_seq > %s",
        [coder, after_seq],
    )
    return [tuple(r) for r in rows]


def coder_key_data(conn, coder: str, keys: Sequence[tuple[str, str]]) -> tuple[list, list]:
    """``(labels, history)`` of one coder on the ``(unit, dimension)`` keys: its current
    labels and its every event on them, as :func:`coder_data` gives them."""
    units = [k[0] for k in keys]
    dimensions = [k[1] for k in keys]
    labels = conn.execute(
        f"SELECT {', '.join('l.' + c for c in LABEL_COLUMNS)} FROM stance.labels l "
        "JOIN unnest(%s::text[], %s::text[]) AS k (unit_id, dimension) "
        "ON l.unit_id = k.unit_id AND l.dimension = k.dimension WHERE l.coder_id = %s",
        [units, dimensions, coder],
    ).fetchall()
    events = conn.execute(
        "SELECT e.server_seq, e.unit_id, e.coder_id, e.dimension, e.old_value, e.new_value, "
        "e.action, r.server_seq, e.changed_at FROM stance.label_events e "
        "JOIN unnest(%s::text[], %s::text[]) AS k (unit_id, dimension) "
        "ON e.unit_id = k.unit_id AND e.dimension = k.dimension "
        "LEFT JOIN stance.label_events r ON r.coder_id = e.coder_id AND r.change_id = e.reverts "
        "WHERE e.coder_id = %s ORDER BY e.server_seq",
        [units, dimensions, coder],
    ).fetchall()
    return labels, events


def coder_states(conn, coder: str) -> tuple[list, str]:
    """``(unit states, known_until)`` of one coder as the server holds them."""
    states = conn.execute(
        f"SELECT {', '.join(STATE_COLUMNS)} FROM stance.unit_states WHERE coder_id = %s",
        [coder],
    ).fetchall()
    row = conn.execute(
        "SELECT known_until FROM stance.coder_sync WHERE coder_id = %s", [coder]
    ).fetchone()
    return states, row[0] if row else ""


def events_after(conn, coder: str, after_seq: int) -> int:
    """How many of ``coder``'s events have a server_seq above ``after_seq``."""
    row = conn.execute(
        "SELECT count(*) FROM stance.label_events WHERE coder_id = %s AND server_seq > %s",
        [coder, after_seq],
    ).fetchone()
    return row[0]
