"""Sync under failure: the server is killed (SIGKILL, every process at once) or the
coder's connection is cut (pg_terminate_backend) at random moments while a coder codes
and both sides sync continuously. No label may be lost or stored twice, and sync must
resume by itself once the server is back."""

from __future__ import annotations

import random
import threading
import time

import psycopg
import pytest
from conftest import LEAD

from desktop.core import lab, store
from desktop.core.lab.localserver import LocalServer
from desktop.core.store import team as team_store

SEED = 20261206
FAILURES = 24  # half server kills, half cut connections


@pytest.fixture
def own_server(pg_server):
    """A server of this test's own (it gets killed), on its own port."""
    server = LocalServer()
    server.start()
    yield server
    server.stop()


def _sync_forever(path, who, stop: threading.Event, statuses: list):
    syncer = lab.Syncer(path, who=who)
    try:
        while not stop.is_set():
            statuses.append(syncer.step())
            time.sleep(0.02)
    finally:
        syncer.close()


def _server_rows(url: str, coder: str):
    with psycopg.connect(url) as conn:
        events = conn.execute(
            "SELECT change_id, unit_id, dimension, old_value, new_value, action, changed_at "
            "FROM stance.label_events WHERE coder_id = %s",
            [coder],
        ).fetchall()
        labels = conn.execute(
            "SELECT unit_id, coder_id, dimension, value, changed_at, seconds FROM stance.labels "
            "WHERE coder_id = %s ORDER BY 1, 3",
            [coder],
        ).fetchall()
    return events, labels


@pytest.mark.slow
def test_killing_the_server_or_the_connection_at_random_moments_loses_and_duplicates_nothing(
    lead_project, own_server, tmp_path
):
    rng = random.Random(SEED)
    db, lead_path = lead_project
    with psycopg.connect(own_server.url, autocommit=True) as conn:
        conn.execute("CREATE DATABASE lab")
    urls = {i.coder: i.url for i in lab.init_lab(db, own_server.url_for("lab")).invites}
    db.close()
    ann = tmp_path / "ann.stance"
    lab.join_lab(urls["ann_q7"], ann, coder="ann_q7")

    stop = threading.Event()
    statuses = {"ann": [], "lead": []}
    threads = [
        threading.Thread(target=_sync_forever, args=(ann, "", stop, statuses["ann"])),
        threading.Thread(target=_sync_forever, args=(lead_path, LEAD, stop, statuses["lead"])),
    ]
    for thread in threads:
        thread.start()
    coder_db = store.open_project(ann)
    scheme = store.current_scheme(coder_db)
    units = [
        store.get_unit_by_seq(coder_db, s).id for s in team_store.assigned_seqs(coder_db, "ann_q7")
    ]
    kills = cuts = 0
    try:
        for failure in range(FAILURES):
            for _ in range(rng.randint(1, 3)):  # code while the sync runs
                unit = rng.choice(units)
                dim = rng.choice(scheme.dimensions)
                store.set_label(coder_db, unit, "ann_q7", dim.id, rng.choice(dim.codes))
                if rng.random() < 0.2:
                    store.undo(coder_db, "ann_q7")
                time.sleep(rng.uniform(0.0, 0.15))
            if failure % 2 == 0:
                own_server.kill()
                kills += 1
                time.sleep(rng.uniform(0.0, 0.3))  # code offline for a moment
                dim = rng.choice(scheme.dimensions)
                store.set_label(coder_db, rng.choice(units), "ann_q7", dim.id, dim.codes[0])
                own_server.start()
            else:
                with psycopg.connect(own_server.url, autocommit=True) as conn:
                    conn.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = 'lab' AND pid <> pg_backend_pid()"
                    )
                cuts += 1
        # Now leave the server alone: sync must catch up by itself.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if (
                store.get_meta(coder_db, "lab_pushed")
                == str(team_store.history_rows(coder_db)[-1][0])
                and statuses["lead"]
                and statuses["lead"][-1].state is lab.SyncState.SYNCED
            ):
                time.sleep(0.5)  # one more round for the lead
                break
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert (kills, cuts) == (FAILURES // 2, FAILURES // 2)
    offline = [s for s in statuses["ann"] if s.state is not lab.SyncState.SYNCED]
    assert offline and statuses["ann"][-1].state is lab.SyncState.SYNCED  # it did break
    assert statuses["ann"][-1].waiting == 0

    local_history = team_store.history_rows(coder_db)
    local_labels = sorted(team_store.label_rows(coder_db))
    project_id = store.get_meta(coder_db, "project_id")
    coder_db.close()
    events, labels = _server_rows(own_server.url_for("lab"), "ann_q7")
    # every change once: the same ids, no duplicate, the same content
    assert len(events) == len({e[0] for e in events}) == len(local_history) > 40
    assert {e[0] for e in events} == {f"{project_id}:{r[0]}" for r in local_history}
    assert sorted(map(repr, (e[1:] for e in events))) == sorted(
        repr((r[1], r[3], r[4], r[5], r[6], r[8])) for r in local_history
    )
    assert labels == local_labels
    # and the lead, merging through the same failures, holds exactly the coder's labels
    lead_db = store.open_project(lead_path)
    try:
        lead_labels = sorted(r for r in team_store.label_rows(lead_db) if r[1] == "ann_q7")
        lead_history = [r for r in team_store.history_rows(lead_db) if r[2] == "ann_q7"]
    finally:
        lead_db.close()
    # (values: a label set again to the value the lead already holds keeps the lead's
    # time, as merge keeps it for packages)
    assert [r[:4] for r in lead_labels] == [r[:4] for r in local_labels]
    key = lambda r: repr((r[1], r[3], r[4], r[5], r[6], r[8]))  # noqa: E731
    assert sorted(map(key, lead_history)) == sorted(map(key, local_history))
