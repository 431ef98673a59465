"""Migration 0009: a machine coder's labels with integer keys and compact probabilities,
nothing lost.

A project is made at format 8 (the migrations before 0009 only) and filled through plain
SQL with every kind of model label row: several models and runs, no answer (value NULL)
with a reason, codes no scheme has, a unit the project lacks, times in other forms, and
probabilities as the app writes them (json.dumps, sort_keys) and as files from elsewhere
may hold them (no spaces, unsorted keys, integers, exponents, 17 digits, non-ASCII keys,
strings, NaN, nested objects, not JSON at all, an empty object, ''). Opening it migrates
it; the view ``model_labels`` and the store's readers must give back exactly the rows
they gave before.
"""

from __future__ import annotations

import json
import math
import shutil
import sqlite3

import pytest

from desktop.core import store
from desktop.core.store import db as dbmod
from desktop.core.store import machine as mstore

T0 = "2025-05-17T22:08:43.590896Z"

# (probabilities text, kept in the compact form?)
PROBABILITIES = [
    ('{"anti_alliance": 0.1, "neutral": 0.2, "pro_alliance": 0.7}', True),
    ('{"anti_alliance": 0.123456, "neutral": 0.2, "pro_alliance": 0.676544}', True),
    ('{"a": 0.12345678901234567, "b": 1e-07, "c": 1, "d": -0.0, "e": 1.5E+300}', True),
    ('{"weird \\" key": 0.5, "back\\\\slash": 0.5}', False),  # escapes: kept as they are
    ('{"pro_alliance": 1.0}', True),
    ('{"b": 0.5, "a": 0.5}', True),  # keys not sorted: kept in their order
    ('{"a":0.5,"b":0.5}', False),  # not json.dumps' separators
    ('{"Zoë": 0.5, "b": 0.5}', False),  # a key outside ASCII
    ('{"a": "0.5", "b": 0.5}', False),
    ('{"a": NaN, "b": 0.5}', False),  # Python writes it; not JSON for SQLite
    ('{"a": {"x": 1}, "b": 0.5}', False),
    ('{"a": true, "b": 0.5}', False),
    ('{"a": null}', False),
    ("{}", False),
    ("[0.5, 0.5]", False),
    ("not json at all", False),
    ("", False),
]

DUMP = "SELECT * FROM model_labels ORDER BY coder_id, run, unit_id, dimension"


def _typed(rows):
    return [tuple((type(v).__name__, v) for v in row) for row in rows]


def _dump(path) -> list:
    conn = sqlite3.connect(path)
    try:
        return _typed(conn.execute(DUMP).fetchall())
    finally:
        conn.close()


@pytest.fixture
def v8_project(tmp_path, scheme, corpus_dir, monkeypatch):
    """A project at format 8 holding every kind of model label row."""
    from desktop.core.corpus.importer import import_paths

    before = [m for m in dbmod.available_migrations() if m[0] <= 8]
    monkeypatch.setattr(dbmod, "available_migrations", lambda: before)
    path = tmp_path / "v8.stance"
    db = store.create_project(path, scheme)
    import_paths(db, [corpus_dir])
    units = [r[0] for r in db.execute("SELECT id FROM units ORDER BY seq LIMIT 8")]
    store.set_label(db, units[0], "ann", "stance", "neutral")
    db.close()
    monkeypatch.undo()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    for model in ("m1", "llm", "Zoë-model"):
        conn.execute(
            "INSERT INTO coders (id, name, created_at, kind) VALUES (?, ?, ?, 'model')",
            [model, model, T0],
        )
        conn.execute(
            "INSERT INTO model_coders (coder_id, method, created_at) VALUES (?, 'import', ?)",
            [model, T0],
        )
    rows = []
    for i, (text, _) in enumerate(PROBABILITIES):
        unit = units[i % len(units)]
        rows.append(("m1", 1 + i // len(units), unit, "stance", "neutral", text, "", i % 2, T0))
    rows += [
        ("llm", 1, units[0], "stance", None, "", "no valid answer: 'maybe'", 0, T0),
        ("llm", 2, units[0], "stance", "pro_alliance", PROBABILITIES[0][0], "", 0, T0),
        ("llm", 1, units[1], "china_role", "a code no scheme has", "", "", 1, "zzzz"),
        ("llm", 1, units[1], "alliance_trust", "", "", "", 0, "2025-05-17T22:08:43Z"),
        ("llm", 3, units[2], "stance", "neutral", "", "naïve — note", 0, ""),
        ("Zoë-model", 1, "no-such-unit-0001", "stance", "neutral", "", "", 0, T0),
        ("Zoë-model", 1, units[3], "dimension-from-elsewhere", "x", "", "", 0, T0),
        ("Zoë-model", 1, units[3], "stance", "set", PROBABILITIES[2][0], "", 0, T0),
    ]
    conn.execute("PRAGMA foreign_keys = OFF")  # a file from elsewhere may hold anything
    conn.executemany("INSERT INTO model_labels VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    conn.close()
    return path


def test_migration_keeps_every_model_label_row_exactly(v8_project):
    before = _dump(v8_project)
    assert len(before) == len(PROBABILITIES) + 8
    db = store.open_project(v8_project)
    try:
        assert 9 in dbmod.applied_versions(db)
        kinds = {
            r[0]
            for r in db.execute("SELECT type FROM sqlite_master WHERE name = ?", ["model_labels"])
        }
        assert kinds == {"view"}
    finally:
        db.close()
    assert _dump(v8_project) == before


def test_probabilities_are_compact_only_where_they_read_back_byte_for_byte(v8_project):
    store.open_project(v8_project).close()
    conn = sqlite3.connect(v8_project)
    stored = dict(
        conn.execute(
            "SELECT v.probabilities, m.codes IS NOT NULL FROM model_label_rows m "
            "JOIN label_terms c ON c.id = m.coder JOIN unit_keys k ON k.id = m.unit "
            "JOIN model_labels v ON v.coder_id = c.text AND v.run = m.run "
            "AND v.unit_id = k.unit_id AND v.dimension = (SELECT text FROM label_terms "
            "WHERE id = m.dimension) WHERE c.text = 'm1'"
        ).fetchall()
    )
    numbers = conn.execute(
        "SELECT probabilities FROM model_label_rows WHERE codes IS NOT NULL"
    ).fetchall()
    conn.close()
    assert stored == {text: int(compact) for text, compact in PROBABILITIES}
    assert ("0.123456 0.2 0.676544",) in numbers


@pytest.mark.parametrize("text,compact", PROBABILITIES)
def test_python_encodes_as_the_migration_does(text, compact):
    """encode_probabilities (the store's writer) agrees with the migration's SQL on what
    json.dumps writes; its decoding gives the text back byte for byte."""
    try:
        value = json.loads(text)
    except ValueError:
        return
    if not isinstance(value, dict):
        return
    dumped = json.dumps(value, sort_keys=True)
    codes, stored = mstore.encode_probabilities(value)
    assert mstore.decode_probabilities(codes, stored) == (dumped if value else "")
    if dumped == text and "NaN" not in text:
        assert (codes is not None) == compact


def test_every_double_reads_back_as_the_same_double():
    """Values as a model gives them (numpy floats, 17 digits, subnormals, 1.0)."""
    import numpy as np

    rng = np.random.default_rng(7)
    for row in [*rng.dirichlet(np.ones(5), size=200).tolist(), [5e-324, 1.0, 0.1 + 0.2]]:
        probabilities = {f"c{i}": np.float64(p) for i, p in enumerate(row)}
        codes, stored = mstore.encode_probabilities(probabilities)
        assert codes is not None
        back = json.loads(mstore.decode_probabilities(codes, stored))
        assert [back[k] for k in sorted(probabilities)] == [
            float(probabilities[k]) for k in sorted(probabilities)
        ]
    nan = mstore.decode_probabilities(*mstore.encode_probabilities({"a": math.nan}))
    assert math.isnan(json.loads(nan)["a"])


def test_the_store_reads_a_migrated_copy_as_the_old_file(v8_project, tmp_path):
    """The store's readers (opened read-only, a file is not migrated) give the same
    frames, counts and done units on the format-8 file and on its migrated copy."""
    copy = tmp_path / "migrated.stance"
    shutil.copyfile(v8_project, copy)
    store.open_project(copy).close()
    old = store.open_project(v8_project, readonly=True)
    new = store.open_project(copy, readonly=True)
    try:
        assert "model_label_rows" not in old.table_names()
        for valid_only in (True, False):
            a = mstore.model_labels_frame(old, valid_only=valid_only)
            b = mstore.model_labels_frame(new, valid_only=valid_only)
            assert len(a) > 5
            assert a.to_dict("records") == b.to_dict("records")
        assert mstore.list_model_coders(old) == mstore.list_model_coders(new)
        for coder, run in (("m1", 1), ("m1", 2), ("llm", 1), ("llm", 3), ("Zoë-model", 1)):
            assert mstore.done_units(old, coder, run) == mstore.done_units(new, coder, run)
            assert mstore.done_units(new, coder, run)
        frame = mstore.agreement_labels_frame(new, coders=["m1"])
        assert frame.equals(mstore.agreement_labels_frame(old, coders=["m1"]))
    finally:
        old.close()
        new.close()


def test_the_store_writes_what_the_view_reads(v8_project):
    db = store.open_project(v8_project)
    try:
        unit = db.execute("SELECT id FROM units ORDER BY seq LIMIT 1").fetchone()[0]
        fresh = "a-unit-with-no-number-yet"
        probabilities = {"pro_alliance": 0.25, "neutral": 0.75, "anti_alliance": 0.0}
        labels = [
            mstore.ModelLabel(unit, "stance", "neutral", probabilities, "", True, 1),
            mstore.ModelLabel(unit, "china_role", None, None, "refused", False, 1),
            mstore.ModelLabel(fresh, "stance", "pro_alliance", {"Zoë": 1.0}, "", False, 2),
        ]
        assert mstore.put_model_labels(db, "new-model", labels) == 3
        # again: replaced, not added
        assert mstore.put_model_labels(db, "new-model", labels[:1]) == 1
        rows = db.execute(
            "SELECT unit_id, dimension, value, probabilities, reason, out_of_fold, run "
            "FROM model_labels WHERE coder_id = 'new-model' ORDER BY run, dimension"
        ).fetchall()
        assert rows == [
            (unit, "china_role", None, "", "refused", 0, 1),
            (unit, "stance", "neutral", json.dumps(probabilities, sort_keys=True), "", 1, 1),
            (fresh, "stance", "pro_alliance", '{"Zo\\u00eb": 1.0}', "", 0, 2),
        ]
        assert mstore.done_units(db, "new-model", 2) == {fresh}
        assert mstore.delete_model_labels(db, "new-model", runs=[2]) == 1
        assert mstore.delete_model_labels(db, "new-model") == 2
    finally:
        db.close()


def test_plain_sql_through_the_view_inserts_updates_and_deletes(v8_project):
    """INSTEAD OF triggers: other programs write the old shape; a conflict policy on the
    statement reaches the table and never the dictionaries."""
    store.open_project(v8_project).close()
    before = _dump(v8_project)
    conn = sqlite3.connect(v8_project)
    unit = before[0][2][1]
    text = '{"anti_alliance": 0.5, "neutral": 0.25, "pro_alliance": 0.25}'
    conn.execute(
        "INSERT INTO model_labels (coder_id, unit_id, dimension, value, probabilities, "
        "created_at) VALUES ('m9', ?, 'stance', 'neutral', ?, ?)",
        [unit, text, T0],
    )
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO model_labels (coder_id, unit_id, dimension, value, created_at) "
            "VALUES ('m9', ?, 'stance', 'neutral', ?)",
            [unit, T0],
        )
    conn.execute(
        "INSERT OR REPLACE INTO model_labels (coder_id, unit_id, dimension, value, "
        "probabilities, created_at) VALUES ('m9', ?, 'stance', 'pro_alliance', ?, ?)",
        [unit, text, T0],
    )
    row = conn.execute(
        "SELECT run, value, probabilities, reason, out_of_fold, created_at FROM model_labels "
        "WHERE coder_id = 'm9'"
    ).fetchall()
    assert row == [(1, "pro_alliance", text, "", 0, T0)]
    assert conn.execute(
        "SELECT codes IS NOT NULL FROM model_label_rows WHERE probabilities = '0.5 0.25 0.25'"
    ).fetchone() == (1,)
    conn.execute("UPDATE model_labels SET value = NULL, reason = 'x' WHERE coder_id = 'm9'")
    assert conn.execute(
        "SELECT value, reason, probabilities FROM model_labels WHERE coder_id = 'm9'"
    ).fetchall() == [(None, "x", text)]
    conn.execute("DELETE FROM model_labels WHERE coder_id = 'm9'")
    conn.commit()
    conn.close()
    assert _dump(v8_project) == before


def test_units_by_id_codable_is_gone_and_no_query_missed_it(v8_project):
    store.open_project(v8_project).close()
    conn = sqlite3.connect(v8_project)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    conn.close()
    assert "units_by_id_codable" not in names
    assert "articles_listing" in names


def test_a_new_project_has_the_integer_table(tmp_path, scheme):
    db = store.create_project(tmp_path / "new.stance", scheme)
    try:
        kinds = dict(db.execute("SELECT name, type FROM sqlite_master").fetchall())
        assert kinds["model_label_rows"] == "table"
        assert kinds["model_labels"] == "view"
        assert mstore.model_labels_frame(db).empty
    finally:
        db.close()


def test_the_search_index_is_rebuilt_without_positions_and_finds_the_same(v8_project):
    from desktop.core.store import search

    typed = ["sanct", "north korea", "kim jong-un", "the a"]
    old = store.open_project(v8_project, readonly=True)
    try:
        before = {t: search.search_units(old, t, limit=10_000) for t in typed}
    finally:
        old.close()
    db = store.open_project(v8_project)
    try:
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'unit_search'").fetchone()[0]
        assert "detail = none" in sql
        db.execute("INSERT INTO unit_search (unit_search, rank) VALUES ('integrity-check', 1)")
        for t in typed:
            assert search.search_units(db, t, limit=10_000) == before[t], t
        assert all(before[t] for t in typed[:3])
    finally:
        db.close()
