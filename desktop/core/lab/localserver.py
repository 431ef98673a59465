"""A throwaway PostgreSQL server in a temporary folder, for tests, benchmarks and trying a lab.

It runs the PostgreSQL programs installed on the machine (``initdb``, ``postgres``). The
server refuses to run as root, so under root it runs as an unprivileged user (``nobody``
unless ``STANCECODER_PG_USER`` names another). Clients connect over TCP on 127.0.0.1 with
the superuser ``postgres`` and a random password (scram-sha-256), as a lead would.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from desktop.core.errors import StanceError


class NoServerProgram(StanceError):
    """No PostgreSQL server program (initdb, postgres) was found on this machine."""


def find_bin_dir() -> Path | None:
    """The folder holding ``initdb`` and ``postgres``, or None.

    Looks at ``STANCECODER_PG_BIN``, then ``PATH``, then ``/usr/lib/postgresql/*/bin``
    (Debian's layout, newest version first) and ``/usr/local/pgsql/bin``.
    """
    candidates = []
    if os.environ.get("STANCECODER_PG_BIN"):
        candidates.append(Path(os.environ["STANCECODER_PG_BIN"]))
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb")).parent)
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    versions.sort(key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0)
    candidates += [Path(p) for p in reversed(versions)]
    candidates.append(Path("/usr/local/pgsql/bin"))
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "postgres").is_file():
            return folder
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalServer:
    """A PostgreSQL server of its own: ``start()``, ``kill()``, ``stop()``.

    Parameters
    ----------
    port
        TCP port on 127.0.0.1 (a free one by default); it stays the same across restarts.
    settings
        Extra ``-c name=value`` settings for the server.
    """

    def __init__(self, port: int | None = None, settings: dict[str, str] | None = None):
        self.bin = find_bin_dir()
        if self.bin is None:
            raise NoServerProgram(
                "no PostgreSQL server program (initdb) found: install PostgreSQL 15 "
                "(apt-get install postgresql) or set STANCECODER_PG_BIN"
            )
        self.port = port or free_port()
        self.password = secrets.token_hex(16)
        self.settings = {"fsync": "off", "max_connections": "200", **(settings or {})}
        self.base = Path(tempfile.mkdtemp(prefix="stance-pg-"))
        self.data = self.base / "data"
        self._user = self._run_as()
        self._process: subprocess.Popen | None = None
        if self._user is not None:
            os.chown(self.base, self._user.pw_uid, self._user.pw_gid)
        pwfile = self.base / "pw"
        pwfile.write_text(self.password + "\n")
        if self._user is not None:
            os.chown(pwfile, self._user.pw_uid, self._user.pw_gid)
        self._call(
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--pwfile",
                str(pwfile),
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--no-sync",
            ]
        )
        pwfile.unlink()

    @staticmethod
    def _run_as() -> pwd.struct_passwd | None:
        if os.geteuid() != 0:
            return None
        name = os.environ.get("STANCECODER_PG_USER", "nobody")
        try:
            return pwd.getpwnam(name)
        except KeyError:  # a minimal system without nobody: make a system user for it
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                check=True,
                capture_output=True,
            )
            return pwd.getpwnam(name)

    def _user_kwargs(self) -> dict:
        if self._user is None:
            return {}
        return {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": []}

    def _call(self, args: list[str]) -> None:
        result = subprocess.run(
            args, capture_output=True, text=True, cwd=self.base, **self._user_kwargs()
        )
        if result.returncode:
            raise StanceError(f"{Path(args[0]).name} failed: {result.stderr.strip()[-500:]}")

    @property
    def url(self) -> str:
        """The superuser's URL (with its password) to the database ``postgres``."""
        return f"postgresql://postgres:{self.password}@127.0.0.1:{self.port}/postgres"

    def url_for(self, dbname: str) -> str:
        """The superuser's URL to another database of this server."""
        return self.url.rsplit("/", 1)[0] + "/" + dbname

    def start(self, timeout: float = 30.0) -> None:
        """Start the server and wait until it accepts connections."""
        args = [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port)]
        args += ["-k", str(self.base), "-c", "listen_addresses=127.0.0.1"]
        for name, value in self.settings.items():
            args += ["-c", f"{name}={value}"]
        log = open(self.base / "server.log", "ab")  # noqa: SIM115 - the server keeps it
        self._process = subprocess.Popen(
            args,
            stdout=log,
            stderr=log,
            cwd=self.base,
            start_new_session=True,
            **self._user_kwargs(),
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise StanceError(f"the PostgreSQL server stopped: {self.log_tail()}")
            if self._ready():
                return
            time.sleep(0.1)
        raise StanceError(f"the PostgreSQL server did not start: {self.log_tail()}")

    def _ready(self) -> bool:
        import psycopg

        try:
            psycopg.connect(self.url, connect_timeout=2).close()
        except psycopg.OperationalError:
            return False
        return True

    def log_tail(self) -> str:
        """The last lines of the server's log."""
        with contextlib.suppress(OSError):
            return (self.base / "server.log").read_text(errors="replace")[-800:]
        return ""

    def kill(self) -> None:
        """Kill the server and all its processes at once (SIGKILL), as a crash would."""
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait()
        self._process = None
        # A crashed postmaster's backends may linger for a moment; wait for the port.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    time.sleep(0.05)
            except OSError:
                return

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder."""
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError):
                self._process.send_signal(signal.SIGINT)
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
            self._process = None
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
