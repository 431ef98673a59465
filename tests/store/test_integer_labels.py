"""Migration 0007: labels, history and unit states with integer keys, nothing lost.

A project is made at format 6 (the migrations before 0007 only), filled through plain
SQL with every kind of row the app writes and some it never writes but files from
elsewhere may hold (times in other forms, a label on a unit the project lacks, a gap in
the history ids); opening it with this version migrates it, and the old tables, read
through the views of the same names, must give back exactly the same rows.
"""

from __future__ import annotations

import sqlite3

import pytest

from desktop.core import store
from desktop.core.store import db as dbmod
from desktop.core.store.label_keys import time_key, time_sql, time_text

ODD_TIMES = [
    "2025-05-17T22:08:43.590896Z",  # the project's form, within six bytes of 2028
    "2026-01-01T00:00:00.000000Z",
    "2023-01-01T00:00:00.000001Z",  # more than 4.4 years before 2028: eight bytes
    "2040-12-31T23:59:59.999999Z",
    "1970-01-01T00:00:00.000000Z",
    "2025-05-17T22:08:43Z",  # no microseconds: kept as text
    "2025-05-17T22:08:43.590896+00:00",
    "2025-02-30T00:00:00.000000Z",  # not a date
    "1969-12-31T23:59:59.999999Z",
    "zzzz",
    "",
]

DUMPS = {
    "labels": "SELECT * FROM labels ORDER BY unit_id, coder_id, dimension",
    "label_history": "SELECT * FROM label_history ORDER BY id",
    "unit_states": "SELECT * FROM unit_states ORDER BY unit_id, coder_id",
}


def _typed(rows):
    return [tuple((type(v).__name__, v) for v in row) for row in rows]


def _dump(path) -> dict:
    conn = sqlite3.connect(path)
    try:
        return {name: _typed(conn.execute(sql).fetchall()) for name, sql in DUMPS.items()}
    finally:
        conn.close()


@pytest.fixture
def v6_project(tmp_path, scheme, corpus_dir, monkeypatch):
    """A project at format 6 holding every kind of label, history and state row."""
    import contextlib

    from desktop.core.corpus.importer import import_paths
    from desktop.core.store import corpus as store_corpus

    before = [m for m in dbmod.available_migrations() if m[0] <= 6]
    monkeypatch.setattr(dbmod, "available_migrations", lambda: before)
    # Format 6 has no search index (migration 0008) for the importer to fill.
    monkeypatch.setattr(store_corpus, "indexing_in_bulk", lambda db: contextlib.nullcontext())
    path = tmp_path / "v6.stance"
    db = store.create_project(path, scheme)
    import_paths(db, [corpus_dir])
    units = [r[0] for r in db.execute("SELECT id FROM units ORDER BY seq LIMIT 6")]
    db.close()
    monkeypatch.undo()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    for coder in ("ann", "bob", "Zoë", "set"):
        conn.execute(
            "INSERT INTO coders (id, name, created_at) VALUES (?, ?, ?)",
            [coder, coder.upper(), ODD_TIMES[0]],
        )
    labels = [
        (units[0], "ann", "stance", "pro_alliance", ODD_TIMES[0], 8.24),
        (units[0], "ann", "china_role", "none", ODD_TIMES[1], 0.0),
        (units[0], "bob", "stance", "neutral", ODD_TIMES[2], 1 / 3),
        (units[1], "Zoë", "stance", "a code no scheme has", ODD_TIMES[3], 12.5),
        (units[1], "set", "alliance_trust", "set", ODD_TIMES[4], 1e-9),
        (units[2], "ann", "stance", "neutral", ODD_TIMES[5], 2.0),
        (units[2], "bob", "stance", "neutral", ODD_TIMES[6], 3.0),
        (units[3], "ann", "stance", "neutral", ODD_TIMES[7], 4.0),
        (units[3], "bob", "stance", "neutral", ODD_TIMES[8], 5.0),
        (units[4], "ann", "stance", "neutral", ODD_TIMES[9], 6.0),
        (units[4], "bob", "stance", "neutral", ODD_TIMES[10], 7.0),
        ("no-such-unit-0001", "bob", "stance", "neutral", ODD_TIMES[0], 0.5),
    ]
    conn.execute("PRAGMA foreign_keys = OFF")  # a file from elsewhere may hold anything
    conn.executemany("INSERT INTO labels VALUES (?, ?, ?, ?, ?, ?)", labels)
    history = [
        (1, units[0], "ann", "stance", None, "neutral", "set", None, ODD_TIMES[0]),
        (2, units[0], "ann", "stance", "neutral", "pro_alliance", "set", None, ODD_TIMES[1]),
        (3, units[0], "ann", "stance", "pro_alliance", "neutral", "undo", 2, ODD_TIMES[2]),
        (4, units[0], "ann", "stance", "neutral", "pro_alliance", "redo", 3, ODD_TIMES[3]),
        (5, units[0], "ann", "china_role", None, "none", "import", None, ODD_TIMES[4]),
        (7, units[0], "bob", "stance", None, "neutral", "merge", None, ODD_TIMES[5]),
        (8, units[1], "Zoë", "stance", "x", None, "clear", None, ODD_TIMES[6]),
        (9, units[1], "Zoë", "stance", None, "a code no scheme has", "remap", None, "zzzz"),
        (10, units[1], "set", "alliance_trust", None, "set", "set", None, ODD_TIMES[7]),
        (11, "no-such-unit-0001", "bob", "stance", None, "neutral", "set", None, ""),
    ]
    conn.executemany("INSERT INTO label_history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", history)
    # Rows at the end were deleted: their ids are not given out again.
    conn.execute("UPDATE sqlite_sequence SET seq = 40 WHERE name = 'label_history'")
    states = [
        (units[0], "ann", 1, "check the second clause", 12.75, ODD_TIMES[0], 0),
        (units[0], "bob", 0, "", 0.0, ODD_TIMES[5], 1),
        (units[1], "Zoë", 0, "naïve — note", 1 / 7, "zzzz", 0),
        (units[5], "set", 1, "", 3.0, ODD_TIMES[2], 1),
    ]
    conn.executemany("INSERT INTO unit_states VALUES (?, ?, ?, ?, ?, ?, ?)", states)
    conn.execute("COMMIT")
    conn.close()
    return path


def test_migration_keeps_every_label_history_row_and_state_exactly(v6_project):
    before = _dump(v6_project)
    assert [len(rows) for rows in before.values()] == [12, 10, 4]
    db = store.open_project(v6_project)
    try:
        assert max(dbmod.applied_versions(db)) >= 7
        kinds = {r[0] for r in db.execute("SELECT type FROM sqlite_master WHERE name = 'labels'")}
        assert kinds == {"view"}
    finally:
        db.close()
    assert _dump(v6_project) == before


def test_the_migration_stores_each_time_as_time_key_does(v6_project):
    """SQL in the migration and Python in the store agree on every time's stored form."""
    store.open_project(v6_project).close()
    conn = sqlite3.connect(v6_project)
    stored = conn.execute(
        f"SELECT {time_sql('changed_at')}, changed_at FROM label_current "
        f"UNION ALL SELECT {time_sql('changed_at')}, changed_at FROM label_changes "
        f"UNION ALL SELECT {time_sql('changed_at')}, changed_at FROM unit_state_rows"
    ).fetchall()
    conn.close()
    assert {text for text, _ in stored} == set(ODD_TIMES)
    for text, value in stored:
        assert value == time_key(text) and type(value) is type(time_key(text)), text
    assert isinstance(time_key(ODD_TIMES[0]), int) and isinstance(time_key(ODD_TIMES[4]), int)
    assert all(isinstance(time_key(t), str) for t in ODD_TIMES[5:])


def test_history_continues_after_the_largest_id_ever_given_out(v6_project):
    db = store.open_project(v6_project)
    try:
        unit = db.execute("SELECT id FROM units ORDER BY seq LIMIT 1").fetchone()[0]
        change = store.set_label(db, unit, "ann", "stance", "neutral")
        assert change.history_id == 41
        assert change.old == "pro_alliance"
        # undo reverses the new row, then the older redo chain still replays correctly
        undone = store.undo(db, "ann")
        assert (undone.old, undone.new) == ("neutral", "pro_alliance")
        row = db.execute("SELECT action, reverts FROM label_history WHERE id = 42").fetchone()
        assert row == ("undo", 41)
    finally:
        db.close()


def test_a_package_of_the_previous_version_reads_as_its_migrated_copy(v6_project, tmp_path):
    """A merge opens a package read-only (never migrating it): a format-6 file must give
    the merge the same rows as the same file migrated."""
    import shutil

    from desktop.core.store import merge_rows

    copy = tmp_path / "migrated.stance"
    shutil.copyfile(v6_project, copy)
    store.open_project(copy).close()
    readers = (merge_rows.label_rows, merge_rows.history_rows, merge_rows.state_rows)
    old = store.open_project(v6_project, readonly=True)
    new = store.open_project(copy, readonly=True)
    try:
        assert "label_current" not in old.table_names()
        for read in readers:
            assert sorted(read(new), key=repr) == sorted(read(old), key=repr)
            assert read(old)
    finally:
        old.close()
        new.close()


@pytest.mark.parametrize("text", ODD_TIMES)
def test_time_key_gives_back_exactly_the_text_in_python_and_in_sql(text):
    stored = time_key(text)
    assert time_text(stored) == text
    conn = sqlite3.connect(":memory:")
    assert conn.execute(f"SELECT {time_sql('?1')}", [stored]).fetchone()[0] == text
    conn.close()


def test_times_in_the_project_form_sort_as_their_integers():
    texts = sorted(ODD_TIMES[:5])
    keys = [time_key(t) for t in texts]
    assert all(isinstance(k, int) for k in keys)
    assert keys == sorted(keys)


def test_insert_or_replace_through_the_views_replaces_one_row_and_keeps_the_rest(v6_project):
    """A conflict policy on the statement reaches the statements of an INSTEAD OF trigger:
    the views' triggers must never meet a conflict in the dictionaries (a REPLACE there
    would give a coder or unit a new number and orphan its other rows)."""
    store.open_project(v6_project).close()
    before = _dump(v6_project)
    conn = sqlite3.connect(v6_project)
    unit = before["labels"][0][0][1]
    conn.execute(
        "INSERT OR REPLACE INTO labels VALUES (?, 'ann', 'china_role', 'mixed', ?, 1)",
        [unit, ODD_TIMES[1]],
    )
    conn.execute(
        "INSERT OR REPLACE INTO unit_states (unit_id, coder_id, unsure, note, seconds, "
        "changed_at, needs_recoding) VALUES (?, 'ann', 0, 'new', 0, ?, 0)",
        [unit, ODD_TIMES[0]],
    )
    conn.commit()
    conn.close()
    after = _dump(v6_project)
    changed = [b for a, b in zip(before["labels"], after["labels"], strict=True) if a != b]
    assert [row[3][1] for row in changed] == ["mixed"]
    assert len(after["unit_states"]) == len(before["unit_states"])
    assert after["label_history"] == before["label_history"]
