"""Blindness and access enforced by the server: a coder connects with plain SQL (as psql
would, with the login the lead gave) and tries what it must not. Every refusal comes from
PostgreSQL's grants and row-level security, not from Stance Coder."""

from __future__ import annotations

import psycopg
import pytest
from conftest import CODERS, LEAD
from lab_helpers import code, rows

from desktop.core import lab, store, team
from desktop.core.lab.server import coder_role


@pytest.fixture
def coded_lab(linked, tmp_path):
    """Both coders joined, coded 3 units each and synced; the lead pulled."""
    db, _, urls = linked
    for coder in CODERS:
        path = tmp_path / f"{coder}.stance"
        lab.join_lab(urls[coder], path, coder=coder)
        code(path, coder, 3)
        coder_db = store.open_project(path)
        lab.sync(coder_db)
        coder_db.close()
    lab.sync(db, who=LEAD)
    return db, urls


def _sql(url: str, statement: str, params=()):
    """Run one statement as the coder in its own connection; its rows (or rowcount)."""
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(statement, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount


def _refused(url: str, statement: str, params=()) -> str:
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as info:
        _sql(url, statement, params)
    return str(info.value)


def _first_label(db, coder: str) -> tuple:
    row = db.execute(
        "SELECT unit_id, dimension, value FROM labels WHERE coder_id = ? ORDER BY unit_id",
        [coder],
    ).fetchone()
    return tuple(row)


def test_a_coder_reads_only_its_own_labels_events_and_states(coded_lab):
    db, urls = coded_lab
    ann = urls["ann_q7"]
    for table in ("labels", "label_events", "unit_states"):
        coders = _sql(ann, f"SELECT DISTINCT coder_id FROM stance.{table}")
        assert coders == [("ann_q7",)], table
    assert _sql(ann, "SELECT count(*) FROM stance.labels WHERE coder_id = 'bob_z3'") == [(0,)]
    # the server holds bob's labels (the lead sees them)
    assert store.counts(db)["labels"] == 2 * 7


def test_a_coder_cannot_write_another_coders_labels(coded_lab):
    db, urls = coded_lab
    ann = urls["ann_q7"]
    unit, dim, value = _first_label(db, "bob_z3")
    _refused(
        ann,
        "INSERT INTO stance.labels VALUES (%s, 'bob_z3', %s, %s, '2030-01-01', 0)",
        [unit, dim + "x", value],
    )
    _refused(
        ann,
        "INSERT INTO stance.label_events (coder_id, change_id, local_id, unit_id, dimension, "
        "new_value, action, changed_at) VALUES ('bob_z3', 'forged', 1, %s, %s, %s, 'set', 'x')",
        [unit, dim, value],
    )
    # rows of another coder are invisible to UPDATE and DELETE: nothing changes
    assert _sql(ann, "UPDATE stance.labels SET value = 'x' WHERE coder_id = 'bob_z3'") == 0
    assert _sql(ann, "DELETE FROM stance.labels WHERE coder_id = 'bob_z3'") == 0
    assert _sql(ann, "DELETE FROM stance.unit_states WHERE coder_id = 'bob_z3'") == 0
    # and moving one's own label onto the other coder is refused
    _refused(ann, "UPDATE stance.labels SET coder_id = 'bob_z3' WHERE coder_id = 'ann_q7'")
    # the log is append-only for coders
    _refused(ann, "DELETE FROM stance.label_events")
    _refused(ann, "UPDATE stance.label_events SET new_value = 'x'")
    with psycopg.connect(store.get_meta(db, "lab_server")) as lead:
        bob = lead.execute("SELECT count(*) FROM stance.labels WHERE coder_id = 'bob_z3'")
        assert bob.fetchone()[0] == 7


def test_a_coder_cannot_label_a_unit_it_is_not_assigned(coded_lab):
    db, urls = coded_lab
    assigned = {
        r[0] for r in db.execute("SELECT unit_id FROM assignments WHERE coder_id = ?", ["ann_q7"])
    }
    free = next(
        r[0] for r in db.execute("SELECT id FROM units ORDER BY seq") if r[0] not in assigned
    )
    message = _refused(
        urls["ann_q7"],
        "INSERT INTO stance.labels VALUES (%s, 'ann_q7', 'stance', 'x', '2030-01-01', 0)",
        [free],
    )
    assert "row-level security" in message


def test_only_the_lead_changes_corpus_scheme_assignments_and_settings(coded_lab):
    db, urls = coded_lab
    ann = urls["ann_q7"]
    unit = _first_label(db, "ann_q7")[0]
    for statement in (
        "UPDATE stance.units SET text = 'forged'",
        "DELETE FROM stance.articles",
        "INSERT INTO stance.schemes VALUES (99, 'x', '9', 'x', 'x', 'x')",
        f"INSERT INTO stance.assignments VALUES ('{unit}', 'ann_q7', 'reliability-1', 0, 'x')",
        "DELETE FROM stance.assignments",
        "UPDATE stance.meta SET value = '1' WHERE key = 'comparison_unlocked'",
        "UPDATE stance.coders SET is_lead = 1",
        "CREATE TABLE stance.mine (x int)",
    ):
        _refused(ann, statement)
    assert _sql(ann, "UPDATE stance.coder_sync SET version = 0 WHERE coder_id = 'bob_z3'") == 0


def test_a_coder_sees_only_what_its_package_would_hold(coded_lab, tmp_path):
    db, urls = coded_lab
    ann = urls["ann_q7"]
    for table in ("gold_labels", "gold_history", "curation_labels", "unit_changes"):
        _refused(ann, f"SELECT * FROM stance.{table}")
    _refused(ann, "SELECT details FROM stance.rounds")  # details may name other coders
    _refused(ann, "SELECT created_by FROM stance.rounds")
    assert _sql(ann, "SELECT DISTINCT coder_id FROM stance.assignments") == [("ann_q7",)]
    assert _sql(ann, "SELECT id FROM stance.coders") == [("ann_q7",)]
    # the change log by the package's rule: entries by nobody or ann, naming no other coder
    store.log_change(db, "note", "", {"about": "bob_z3"})  # names bob: hidden
    store.log_change(db, "note", "", {"about": "the corpus"})  # names nobody: shown
    store.log_change(db, "note", "ann_q7", {"about": "ann"})  # ann's own: shown
    assert lab.sync(db, who=LEAD).published
    log = _sql(ann, "SELECT at, who, action, details FROM stance.change_log ORDER BY id")
    package = tmp_path / "ann.package.stance"
    team.create_package(db, "ann_q7", package)
    assert log == rows(package, "change_log", "at, who, action, details", "id")[:-1]
    assert [r[1:] for r in log[-2:]] == [
        ("", "note", '{"about": "the corpus"}'),
        ("ann_q7", "note", '{"about": "ann"}'),
    ]
    keys = {r[0] for r in _sql(ann, "SELECT key FROM stance.meta")}
    assert keys <= {"project_id", "allow_unassigned", "comparison_unlocked", "published"}
    roles = _sql(ann, "SELECT role_name FROM stance.coders")
    bob_role = coder_role(store.get_meta(db, "project_id"), "bob_z3")
    assert bob_role not in repr(roles)
    _refused(ann, f'SET ROLE "{bob_role}"')


def test_other_coders_labels_become_readable_only_after_the_leads_unlock(coded_lab):
    db, urls = coded_lab
    ann = urls["ann_q7"]
    assert _sql(ann, "SELECT count(*) FROM stance.labels WHERE coder_id = 'bob_z3'") == [(0,)]
    team.unlock_comparison(db, LEAD)
    assert lab.sync(db, who=LEAD).published
    assert _sql(ann, "SELECT count(*) FROM stance.labels WHERE coder_id = 'bob_z3'") == [(7,)]
    # still read-only for ann
    assert _sql(ann, "UPDATE stance.labels SET value = 'x' WHERE coder_id = 'bob_z3'") == 0


def test_a_wrong_password_is_refused(linked):
    _, _, urls = linked
    url = urls["ann_q7"]
    role_part, host_part = url.split("@", 1)
    forged = role_part.rsplit(":", 1)[0] + ":not-the-password@" + host_part
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(forged).close()
