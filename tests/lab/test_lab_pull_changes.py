"""Issue 22: the lead's pull merges only the keys its coders' new server events touched.

A push takes its server sequence numbers when it inserts and may commit after a later
push of the same coder (two syncs of one coder at once). The lead remembers, per coder,
the last sequence number and the number of events it merged; an event that appears below
the mark must still reach the lead's project.
"""

from __future__ import annotations

import psycopg
from conftest import CODERS, LEAD
from lab_helpers import code, rows

from desktop.core import lab, store


def test_an_event_committed_below_the_lead_mark_still_reaches_the_lead(linked, tmp_path):
    db, _, urls = linked
    coder = sorted(CODERS)[0]
    joined = tmp_path / "coder.lab.stance"
    lab.join_lab(urls[coder], joined, coder=coder)
    units = code(joined, coder, 2)
    coder_db = store.open_project(joined)
    try:
        assert lab.sync(coder_db).pushed > 0
    finally:
        coder_db.close()
    first = lab.sync(db, who=LEAD)
    assert first.lead.coders == [coder]
    merged = rows(db_path(db), "labels", "count(*)", order="1")[0][0]
    assert merged > 0

    # A late push of the same coder: its event has the lowest sequence number of all.
    with psycopg.connect(store.get_meta(db, "lab_server")) as conn:
        conn.execute(
            "INSERT INTO stance.label_events (coder_id, change_id, local_id, unit_id, "
            "dimension, old_value, new_value, action, reverts, changed_at, server_seq) "
            "VALUES (%s, 'late-1', 999, %s, 'china_role', NULL, 'mixed', 'code', NULL, "
            "'2026-01-02T00:00:00.000000Z', 0)",
            [coder, units[1]],
        )
        conn.execute(
            "INSERT INTO stance.labels VALUES (%s, %s, 'china_role', 'mixed', "
            "'2026-01-02T00:00:00.000000Z', 1.0) ON CONFLICT (unit_id, coder_id, dimension) "
            "DO UPDATE SET value = 'mixed', changed_at = EXCLUDED.changed_at",
            [units[1], coder],
        )
        conn.execute(
            "UPDATE stance.coder_sync SET version = version + 1 WHERE coder_id = %s", [coder]
        )

    second = lab.sync(db, who=LEAD)
    assert second.lead.coders == [coder]
    value = db.execute(
        "SELECT value FROM labels WHERE unit_id = ? AND coder_id = ? AND dimension = ?",
        [units[1], coder, "china_role"],
    ).fetchone()
    assert value == ("mixed",)
    # And a pull with nothing new merges nothing.
    assert lab.sync(db, who=LEAD).lead.coders == []


def db_path(db):
    from desktop.core.store import team as team_store

    return team_store.database_path(db)
