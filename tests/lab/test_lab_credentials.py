"""Credentials never in a project file, TLS for servers on other machines, and the lab
commands on the command line (one line and exit code 2 for every refusal)."""

from __future__ import annotations

import os
import stat

import pytest
from conftest import CODERS

import desktop.cli
from desktop.core.lab import LabError, apply_tls_rule, parse_address


@pytest.fixture
def cli(capsys):
    def run(*args) -> tuple[int, str, str]:
        code = desktop.cli.main([str(a) for a in args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def _passwords_in(url: str) -> str:
    return parse_address(url)["password"]


def test_no_password_is_stored_in_any_project_file(lead_project, lab_url, tmp_path, cli, pg_server):
    db, path = lead_project
    db.close()
    code, out, err = cli("lab", "init", path, lab_url)
    assert code == 0, err
    invites = [line.split("'")[1] for line in out.splitlines() if "lab join" in line]
    assert len(invites) == len(CODERS)
    secrets = [pg_server.password, *map(_passwords_in, invites)]
    for coder, url in zip(sorted(CODERS), invites, strict=True):
        code, _, err = cli("lab", "join", url, "--coder", coder, "-o", tmp_path / f"{coder}.stance")
        assert code == 0, err
        code, out, err = cli("lab", "sync", tmp_path / f"{coder}.stance")
        assert code == 0 and "Pushed 0 label changes" in out, err
    code, out, err = cli("lab", "sync", path, "--who", "lead_m2")
    assert code == 0, err
    code, out, err = cli("lab", "init", path, lab_url)  # again: nothing new to set up
    assert code == 0 and "migrations applied: none" in out and "No new coders" in out, err
    scanned = 0
    for file in tmp_path.iterdir():  # project files, their -wal/-shm, everything but pgpass
        if file.name == "pgpass" or not file.is_file():
            continue
        raw = file.read_bytes()
        scanned += 1
        for secret in secrets:
            assert secret.encode() not in raw, file.name
    assert scanned >= 3
    pgpass = tmp_path / "pgpass"
    assert stat.S_IMODE(os.stat(pgpass).st_mode) == 0o600
    text = pgpass.read_text()
    assert all(secret in text for secret in secrets)  # where libpq finds them


def test_tls_is_required_for_a_server_on_another_machine():
    remote = parse_address("postgresql://lead@lab.example.org/stance")
    assert apply_tls_rule(remote, allow_plain=False)["sslmode"] == "require"
    verified = parse_address("postgresql://lead@lab.example.org/stance?sslmode=verify-full")
    assert apply_tls_rule(verified, allow_plain=False)["sslmode"] == "verify-full"
    for weak in ("disable", "allow", "prefer"):
        plain = parse_address(f"postgresql://lead@10.1.2.3/stance?sslmode={weak}")
        with pytest.raises(LabError, match="requires TLS"):
            apply_tls_rule(plain, allow_plain=False)
        assert apply_tls_rule(plain, allow_plain=True)["sslmode"] == weak  # the opt-out
    for local in ("localhost", "127.0.0.1", "%2Fvar%2Frun%2Fpostgresql"):
        params = parse_address(f"postgresql://lead@{local}/stance?sslmode=disable")
        assert apply_tls_rule(params, allow_plain=False)["sslmode"] == "disable"


def test_lab_init_refuses_plain_text_to_another_machine_and_changes_nothing(
    lead_project, cli, dump
):
    db, path = lead_project
    db.close()
    before = dump(path)
    code, out, err = cli("lab", "init", path, "postgresql://lead:pw@192.0.2.1/lab?sslmode=disable")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "requires TLS" in err and "pw" not in err
    assert dump(path) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("lab", "join", "not-an-address", "-o", "{tmp}/x.stance"), "not a PostgreSQL address"),
        (("lab", "join", "postgresql://localhost", "-o", "{tmp}/x.stance"), "names no database"),
        (("lab", "sync", "{project}"), "not linked to a lab server"),
    ],
)
def test_lab_commands_report_bad_input_in_one_line(lead_project, tmp_path, cli, args, message):
    db, path = lead_project
    db.close()
    args = [a.format(tmp=tmp_path, project=path) for a in args]
    code, _, err = cli(*args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.stance").exists()


def test_an_unreachable_server_is_one_line_and_no_file(tmp_path, cli):
    from desktop.core.lab.localserver import free_port

    url = f"postgresql://someone:pw@127.0.0.1:{free_port()}/lab"
    code, _, err = cli("lab", "join", url, "-o", tmp_path / "x.stance")
    assert code == 2 and "cannot reach the lab server" in err and ":pw" not in err
    assert not (tmp_path / "x.stance").exists()


def test_lab_init_by_a_role_that_may_not_create_roles_is_refused_in_one_line(
    lead_project, pg_server, cli, dump
):
    import uuid

    import psycopg

    db, path = lead_project
    db.close()
    name = f"weak_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD 'weak-pw'")
        conn.execute(f"CREATE DATABASE {name} OWNER {name}")
    before = dump(path)
    url = f"postgresql://{name}:weak-pw@127.0.0.1:{pg_server.port}/{name}"
    code, out, err = cli("lab", "init", path, url)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "may not set up the lab" in err and "weak-pw" not in err
    assert dump(path) == before
