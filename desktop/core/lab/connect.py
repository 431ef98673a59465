"""Connecting to the lab server: addresses without passwords, pgpass, and the TLS rule.

A project file stores the server's address without a password (``lab_server`` in meta).
The password goes to the user's pgpass file (``PGPASSFILE``, else ``~/.pgpass``, mode
0600), where libpq finds it at every connection. A server on another machine is reached
over TLS only (``sslmode=require`` at least) unless the lead opted out explicitly.
"""

from __future__ import annotations

import os
from pathlib import Path

from desktop.core.errors import StanceError

LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})
TLS_MODES = ("require", "verify-ca", "verify-full")
CONNECT_TIMEOUT = 5


class LabError(StanceError):
    """The lab server refused, cannot be reached, or is not a lab of this project."""


def _psycopg():
    try:
        import psycopg
    except ImportError:  # pragma: no cover - a dependency; stated for a broken install
        raise LabError("the lab needs psycopg 3 (pip install 'psycopg[binary]')") from None
    return psycopg


def parse_address(url: str) -> dict[str, str]:
    """The connection parameters of a ``postgresql://`` URL or a libpq conninfo string.

    Raises
    ------
    LabError
        If the text is not a PostgreSQL address.
    """
    from psycopg.conninfo import conninfo_to_dict

    if not url.startswith(("postgresql://", "postgres://")) and "=" not in url:
        raise LabError(f"'{url}' is not a PostgreSQL address (postgresql://user@host/db)")
    try:
        params = conninfo_to_dict(url)
    except _psycopg().ProgrammingError as exc:
        raise LabError(f"'{_without_password(url)}' is not a PostgreSQL address: {exc}") from None
    if not params.get("dbname"):
        raise LabError("the address names no database (postgresql://user@host/DATABASE)")
    if not params.get("user"):
        raise LabError("the address names no user (postgresql://USER@host/db)")
    return {k: str(v) for k, v in params.items()}


def _without_password(url: str) -> str:
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        userinfo, host = rest.rsplit("@", 1)
        return f"{scheme}://{userinfo.split(':', 1)[0]}@{host}"
    return url


def is_local(params: dict[str, str]) -> bool:
    """Whether the address is this machine (a loopback name or a Unix socket folder)."""
    host = params.get("host", "")
    hosts = host.split(",") if host else [""]
    return all(h in LOCAL_HOSTS or h.startswith("/") for h in hosts)


def apply_tls_rule(params: dict[str, str], *, allow_plain: bool) -> dict[str, str]:
    """``params`` with TLS required for a server on another machine.

    A missing ``sslmode`` becomes ``require``; ``disable``, ``allow`` or ``prefer`` is
    refused unless ``allow_plain`` (the lead's explicit opt-out).

    Raises
    ------
    LabError
        If the address asks for an unencrypted connection to another machine.
    """
    if is_local(params) or allow_plain:
        return dict(params)
    mode = params.get("sslmode", "")
    if not mode:
        return {**params, "sslmode": "require"}
    if mode not in TLS_MODES:
        raise LabError(
            f"sslmode={mode} would send labels and passwords unencrypted to "
            f"{params.get('host')}; the lab requires TLS for a server on another machine "
            "(use sslmode=require or verify-full, or opt out explicitly with --no-tls)"
        )
    return dict(params)


def stored_address(params: dict[str, str]) -> str:
    """The conninfo string kept in a project file: the address without any password."""
    from psycopg.conninfo import make_conninfo

    return make_conninfo(**{k: v for k, v in params.items() if k not in ("password", "passfile")})


def pgpass_path() -> Path:
    """The pgpass file libpq reads: ``PGPASSFILE``, else ``~/.pgpass``."""
    return Path(os.environ.get("PGPASSFILE") or Path.home() / ".pgpass")


def _escape(field: str) -> str:
    return field.replace("\\", "\\\\").replace(":", "\\:")


def save_password(params: dict[str, str], password: str) -> Path:
    """Store ``password`` for the address in the pgpass file (replacing an older entry).

    The file is created with mode 0600 (libpq ignores a pgpass file others can read).
    """
    path = pgpass_path()
    host = params.get("host") or "localhost"
    fields = [host, params.get("port") or "5432", params["dbname"], params["user"]]
    prefix = ":".join(_escape(f) for f in fields) + ":"
    lines = []
    if path.exists():
        lines = [ln for ln in path.read_text().splitlines() if not ln.startswith(prefix)]
    lines.append(prefix + _escape(password))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    os.chmod(partial, 0o600)
    os.replace(partial, path)
    return path


def connect(address: str | dict[str, str], *, allow_plain: bool = False, autocommit=True):
    """Open a psycopg connection to the lab server.

    Parameters
    ----------
    address
        A URL or conninfo (a password in it is used for this connection only), or parsed
        parameters.
    allow_plain
        The lead's opt-out of TLS for a server on another machine.
    autocommit
        True (the default): every ``with conn.transaction()`` block is a transaction of
        its own, committed at its end, and nothing else runs in one.

    Raises
    ------
    LabError
        If the server cannot be reached or refuses the login.
    """
    psycopg = _psycopg()
    params = parse_address(address) if isinstance(address, str) else dict(address)
    params = apply_tls_rule(params, allow_plain=allow_plain)
    params.setdefault("connect_timeout", str(CONNECT_TIMEOUT))
    params.setdefault("application_name", "stancecoder")
    try:
        return psycopg.connect(autocommit=autocommit, **params)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else "no answer"
        where = f"{params.get('host') or 'localhost'}:{params.get('port') or 5432}"
        raise LabError(f"cannot reach the lab server at {where}: {reason}") from None
