"""The lab's sync against a real PostgreSQL server: join gives what a package gives, sync
gives what packages and merge give (byte-identical exports), pushes are idempotent, and
coders receive the lead's new assignments and curation."""

from __future__ import annotations

import psycopg
import pytest
from conftest import CODERS, LEAD
from lab_helpers import code, copy_project, rows

from desktop.core import lab, store, team
from desktop.core.export import export
from desktop.core.lab.connect import connect
from desktop.core.lab.sync import open_connection


def _join_all(urls, tmp_path) -> dict:
    paths = {}
    for coder in CODERS:
        paths[coder] = tmp_path / f"{coder}.lab.stance"
        lab.join_lab(urls[coder], paths[coder], coder=coder)
    return paths


def _sync(path):
    db = store.open_project(path)
    try:
        return lab.sync(db, who=LEAD)
    finally:
        db.close()


def test_a_joined_file_holds_what_a_coder_package_holds(linked, tmp_path):
    db, _, urls = linked
    joined = tmp_path / "ann.lab.stance"
    summary = lab.join_lab(urls["ann_q7"], joined, coder="ann_q7")
    package = tmp_path / "ann.package.stance"
    team.create_package(db, "ann_q7", package)
    for table, order in (
        ("articles", "id"),
        ("paragraphs", "article_id, idx"),
        ("units", "id"),
        ("schemes", "seq"),
        ("coders", "id"),
        ("rounds", "id"),
        ("assignments", "unit_id, coder_id"),
    ):
        assert rows(joined, table, order=order) == rows(package, table, order=order), table
    assert summary.assignments == len(rows(package, "assignments")) > 0
    raw = joined.read_bytes()
    for word in ("bob_z3", "Boris Zell"):  # nothing of the other coder in the file
        assert word.encode() not in raw


def test_sync_gives_the_same_project_and_byte_identical_exports_as_packages_and_merge(
    lead_project, lab_url, tmp_path, fixed_clock
):
    db, path = lead_project
    twin_path = copy_project(path, tmp_path / "twin.stance")

    # Through the lab: join, code, sync, code more, sync again.
    urls = {i.coder: i.url for i in lab.init_lab(db, lab_url).invites}
    joined = _join_all(urls, tmp_path)
    fixed_clock()
    for offset, count in ((0, 6), (6, 5)):
        for coder in CODERS:
            code(joined[coder], coder, count, offset)
            assert _sync(joined[coder]).pushed > 0
        report = lab.sync(db, who=LEAD)
        assert report.lead.coders == sorted(CODERS)
        assert not report.lead.report.conflicts

    # Through packages: the same coding in each coder's package, merged twice.
    twin = store.open_project(twin_path)
    packages = {c: tmp_path / f"{c}.package.stance" for c in CODERS}
    for coder, out in packages.items():
        team.create_package(twin, coder, out)
    fixed_clock()
    for offset, count in ((0, 6), (6, 5)):
        for coder in CODERS:
            code(packages[coder], coder, count, offset)
        team.merge_files(twin, list(packages.values()), who=LEAD)

    for table, order in (
        ("labels", "unit_id, coder_id, dimension"),
        ("label_history", "id"),
        ("unit_states", "unit_id, coder_id"),
    ):
        assert rows(path, table, order=order) == rows(twin_path, table, order=order), table
    assert len(rows(path, "labels")) > 40
    for layout in ("long", "wide"):
        ours, theirs = tmp_path / f"lab-{layout}.csv", tmp_path / f"pkg-{layout}.csv"
        export(db, layout, "csv", ours)
        export(twin, layout, "csv", theirs)
        assert ours.read_bytes() == theirs.read_bytes(), layout
    twin.close()


def test_a_push_repeated_after_the_server_committed_stores_each_change_once(linked, tmp_path):
    db, _, urls = linked
    joined = _join_all(urls, tmp_path)
    code(joined["ann_q7"], "ann_q7", 4)
    coder_db = store.open_project(joined["ann_q7"])
    try:
        before = coder_db.execute("SELECT value FROM meta WHERE key = 'lab_pushed'").fetchone()
        assert lab.sync(coder_db).pushed == 4 * 3 + 2  # 12 sets, the undo and the clear
        # As if the client died after the server's commit but before marking the push.
        with store.write_transaction(coder_db):
            store.set_meta(coder_db, "lab_pushed", before[0])
        assert lab.sync(coder_db).pushed == 14
    finally:
        coder_db.close()
    with psycopg.connect(lab_url_of(db)) as conn:
        events = conn.execute(
            "SELECT count(*), count(DISTINCT change_id) FROM stance.label_events"
        ).fetchone()
        labels = conn.execute("SELECT count(*) FROM stance.labels").fetchone()[0]
    assert events == (14, 14)
    assert labels == rows(joined["ann_q7"], "labels", "count(*)")[0][0] == 10


def lab_url_of(db) -> str:
    """The lead's URL (the password comes from the test's pgpass file)."""
    return store.get_meta(db, "lab_server")


def test_coders_receive_new_assignments_and_curation_from_the_lead(linked, tmp_path):
    db, _, urls = linked
    joined = _join_all(urls, tmp_path)
    before = rows(joined["ann_q7"], "assignments", "count(*)")[0][0]
    team.draw_calibration_batch(db, list(CODERS), 3, seed=1, who=LEAD)
    seqs = store.coded_unit_seqs(db)
    unit = store.get_unit_by_seq(db, seqs[0])
    split = store.get_unit_by_seq(db, seqs[1])
    from desktop.core.curation import exclude_units, split_unit

    exclude_units(db, [unit.id], who=LEAD)
    split_unit(db, split.id, split.text.index(" ", 10), who=LEAD, confirm=True)  # seqs move
    assert lab.sync(db, who=LEAD).published
    report = _sync(joined["ann_q7"])
    assert report.corpus.pulled
    after = rows(joined["ann_q7"], "assignments", "count(*)")[0][0]
    assert after == before + 3
    excluded = rows(joined["ann_q7"], f"units WHERE id = '{unit.id}'", "excluded, manual")
    assert excluded == [(1, 1)]
    assert rows(joined["ann_q7"], "units", "id, seq, text, excluded", "seq") == rows(
        tmp_path / "lead.stance", "units", "id, seq, text, excluded", "seq"
    )
    assert not _sync(joined["ann_q7"]).corpus.pulled  # nothing new: nothing read


def test_a_conflict_is_resolved_as_merge_resolves_it(linked, tmp_path):
    db, _, urls = linked
    joined = _join_all(urls, tmp_path)
    coder_db = store.open_project(joined["ann_q7"])
    scheme = store.current_scheme(coder_db)
    dim = scheme.dimensions[0]
    unit = store.get_unit_by_seq(coder_db, team.coder_queue_seqs(coder_db, "ann_q7")[0]).id
    store.set_label(db, unit, "ann_q7", dim.id, dim.codes[0])  # the lead's copy, earlier
    store.set_label(coder_db, unit, "ann_q7", dim.id, dim.codes[1])  # the coder's, later
    lab.sync(coder_db)
    coder_db.close()
    report = lab.sync(db, who=LEAD).lead.report
    (conflict,) = report.conflicts
    assert (conflict.kept, conflict.lost, conflict.kept_from) == (
        dim.codes[1],
        dim.codes[0],
        "file",
    )
    assert store.unit_labels(db, unit, "ann_q7")[dim.id] == dim.codes[1]


def test_sync_of_an_unlinked_project_says_so(lead_project):
    db, _ = lead_project
    with pytest.raises(lab.LabError, match="not linked"):
        lab.sync(db)


def test_a_coder_role_cannot_join_as_another_coder(linked, tmp_path):
    _, _, urls = linked
    with pytest.raises(lab.LabError, match="codes as 'ann_q7', not 'bob_z3'"):
        lab.join_lab(urls["ann_q7"], tmp_path / "x.stance", coder="bob_z3")
    assert not (tmp_path / "x.stance").exists()


def test_the_lead_connection_uses_the_pgpass_file(linked):
    db, result, _ = linked
    assert result.password_file
    conn = connect(store.get_meta(db, "lab_server"))
    assert conn.execute("SELECT current_user").fetchone()[0] == "postgres"
    conn.close()


def test_the_syncer_pushes_right_after_a_local_commit_and_idles_otherwise(linked, tmp_path):
    _, _, urls = linked
    path = tmp_path / "ann.lab.stance"
    lab.join_lab(urls["ann_q7"], path, coder="ann_q7")
    syncer = lab.Syncer(path, full_interval=3600)
    coder_db = store.open_project(path)
    try:
        assert syncer.tick().state is lab.SyncState.SYNCED  # the first, full sync
        assert syncer.tick() is None  # nothing changed, the full sync is not due
        code(path, "ann_q7", 2)  # another connection commits, as the window does
        status = syncer.tick()
        assert status.state is lab.SyncState.SYNCED and status.waiting == 0
        assert syncer.tick() is None
        assert store.get_meta(coder_db, "lab_pushed") == str(
            coder_db.execute("SELECT max(id) FROM label_history").fetchone()[0]
        )
    finally:
        syncer.close()
        coder_db.close()


def test_joining_again_after_losing_the_file_continues_without_pushing_twice(linked, tmp_path):
    _, _, urls = linked
    first = tmp_path / "ann.first.stance"
    lab.join_lab(urls["ann_q7"], first, coder="ann_q7")
    code(first, "ann_q7", 3)
    assert _sync(first).pushed == 3 * 3 + 2
    labels = rows(first, "labels", order="unit_id, dimension")
    first.unlink()  # the laptop is lost
    again = tmp_path / "ann.again.stance"
    summary = lab.join_lab(urls["ann_q7"], again, coder="ann_q7")
    assert summary.labels == len(labels) == 7
    assert rows(again, "labels", order="unit_id, dimension") == labels
    assert _sync(again).pushed == 0  # what came from the server is not sent back
    code(again, "ann_q7", 2, offset=3)
    assert _sync(again).pushed == 2 * 3 + 2
    history = rows(again, "label_history", "count(*)")[0][0]
    db = store.open_project(again)
    try:
        conn = open_connection(db)
    finally:
        db.close()
    with conn:
        events = conn.execute("SELECT count(*) FROM stance.label_events").fetchone()[0]
    assert events == history == 11 + 8


def test_the_syncer_reports_an_unreachable_server_as_offline_and_never_raises(lead_project):
    from desktop.core.lab.localserver import free_port

    db, path = lead_project
    with store.write_transaction(db):
        store.set_meta(db, "lab_server", f"host=127.0.0.1 port={free_port()} dbname=lab user=x")
        store.set_meta(db, "lab_role", "lead")
    syncer = lab.Syncer(path)
    try:
        status = syncer.step()
    finally:
        syncer.close()
    assert status.state is lab.SyncState.OFFLINE
    assert status.text().startswith("Lab: offline since ") and status.text().endswith(" UTC")
    assert "cannot reach the lab server" in status.detail


def test_coders_receive_a_new_scheme_version(linked, tmp_path):
    from desktop.core.scheme import parse_scheme

    db, _, urls = linked
    joined = _join_all(urls, tmp_path)
    old = store.current_scheme(db)
    new = parse_scheme(
        old.source.replace(f'version = "{old.version}"', 'version = "9.9"', 1), "<v9.9>"
    )
    team.change_scheme(db, new, who=LEAD)
    assert lab.sync(db, who=LEAD).published
    assert _sync(joined["ann_q7"]).corpus.pulled
    coder_db = store.open_project(joined["ann_q7"])
    try:
        assert store.current_scheme(coder_db).version == "9.9"
    finally:
        coder_db.close()
    assert rows(joined["ann_q7"], "schemes", "seq, version") == rows(
        tmp_path / "lead.stance", "schemes", "seq, version"
    )


def test_after_the_unlock_a_coders_file_holds_the_others_labels_and_loses_them_at_relock(
    linked, tmp_path
):
    from desktop.core.store import team as team_store

    db, _, urls = linked
    joined = _join_all(urls, tmp_path)
    for coder in CODERS:
        code(joined[coder], coder, 3)
        _sync(joined[coder])
    _sync(joined["ann_q7"])
    assert rows(joined["ann_q7"], "labels", "DISTINCT coder_id") == [("ann_q7",)]  # blind

    team.unlock_comparison(db, LEAD)
    assert lab.sync(db, who=LEAD).published
    assert _sync(joined["ann_q7"]).corpus.pulled
    theirs = rows(joined["bob_z3"], "labels", order="unit_id, dimension")
    assert (
        rows(joined["ann_q7"], "labels WHERE coder_id = 'bob_z3'", order="unit_id, dimension")
        == theirs
    )
    assert len(theirs) == 7

    team_store.set_comparison_unlocked(db, False, LEAD)
    assert lab.sync(db, who=LEAD).published
    _sync(joined["ann_q7"])
    assert rows(joined["ann_q7"], "labels", "DISTINCT coder_id") == [("ann_q7",)]
    assert _sync(joined["ann_q7"]).pushed == 0  # the others' labels are never pushed
