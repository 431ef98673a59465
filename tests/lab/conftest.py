"""Lab server fixtures: one real PostgreSQL server for the session, a fresh database and
pgpass file per test, and a lead's project (the demo corpus, two coders, assignments)."""

from __future__ import annotations

import itertools
import os
import uuid

import pytest

from desktop.core import store, team

CODERS = {"ann_q7": "Annika Quist", "bob_z3": "Boris Zell"}
LEAD = "lead_m2"


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL server (as ``nobody`` when the tests run as root)."""
    from desktop.core.lab.localserver import LocalServer, NoServerProgram

    try:
        server = LocalServer()
    except NoServerProgram as exc:
        if os.environ.get("STANCECODER_REQUIRE_PG"):  # CI: never skip the lab tests
            pytest.fail(f"STANCECODER_REQUIRE_PG is set but {exc}")
        pytest.skip(f"no PostgreSQL server program on this machine: {exc}")
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _own_pgpass(tmp_path, monkeypatch):
    """Never touch the user's ~/.pgpass: each test has its own pgpass file."""
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "pgpass"))


@pytest.fixture
def lab_url(pg_server) -> str:
    """The superuser's URL (password included) to a new, empty database."""
    import psycopg

    name = f"lab_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return pg_server.url_for(name)


def make_lead_project(path):
    """The demo corpus with two coders and a lead, and a reliability sample (the rest is
    left unassigned for later rounds)."""
    from desktop.core.corpus.importer import import_paths
    from desktop.core.resources import data_dir, default_scheme_path
    from desktop.core.scheme import load_scheme

    db = store.create_project(path, load_scheme(default_scheme_path()), who=LEAD)
    import_paths(db, [data_dir("resources") / "demo"], who=LEAD)
    for coder, name in CODERS.items():
        store.ensure_coder(db, coder, name)
    store.ensure_coder(db, LEAD, "Mara Lindqvist")
    team.set_lead(db, LEAD)
    team.draw_reliability_sample(db, list(CODERS), share=0.3, seed=7, who=LEAD)
    return db


@pytest.fixture
def lead_project(tmp_path):
    """``(db, path)`` of the lead's project."""
    path = tmp_path / "lead.stance"
    db = make_lead_project(path)
    yield db, path
    db.close()


@pytest.fixture
def linked(lead_project, lab_url):
    """The lead's project linked to a new lab: ``(db, init result, {coder: invite url})``."""
    from desktop.core.lab import init_lab

    db, _ = lead_project
    result = init_lab(db, lab_url)
    return db, result, {i.coder: i.url for i in result.invites}


@pytest.fixture
def fixed_clock(monkeypatch):
    """Label and state times from a counter, so the same coding done twice has the same
    times: ``fixed_clock()`` restarts it. The times lie in the past: a merge refuses
    times from the future (issue 15)."""
    import desktop.core.store.labels as labels_module

    state = {}

    def restart():
        counter = itertools.count()

        def now() -> str:
            n = next(counter)
            return f"2020-01-01T{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000000Z"

        state["now"] = now

    restart()
    monkeypatch.setattr(labels_module, "utc_now", lambda: state["now"]())
    return restart
