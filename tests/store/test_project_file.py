"""The project file: creation, migrations, refusal of foreign, newer and damaged files."""

from __future__ import annotations

import sqlite3

import pytest

from desktop.core import store
from desktop.core.errors import CorruptProject, NotAProject, ProjectError, ProjectTooNew
from desktop.core.store.db import APPLICATION_ID, available_migrations, latest_version


def test_new_project_has_every_migration_recorded(tmp_path, scheme):
    path = tmp_path / "study.anything"
    db = store.create_project(path, scheme)
    versions = [r[0] for r in db.execute("SELECT version FROM schema_migrations")]
    assert versions == [n for n, _, _ in available_migrations()]
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    # synchronous FULL (2): a committed label survives power loss, not only a crash.
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert store.current_scheme(db).id == scheme.id
    assert len(store.get_meta(db, "project_id")) == 32
    db.close()


def test_reopening_keeps_everything(tmp_path, scheme):
    path = tmp_path / "p.stance"
    db = store.create_project(path, scheme)
    project_id = store.get_meta(db, "project_id")
    db.close()
    db = store.open_project(path)
    assert store.get_meta(db, "project_id") == project_id
    assert store.current_scheme(db).dimension_ids == scheme.dimension_ids
    db.close()


def test_create_refuses_to_overwrite(tmp_path, scheme):
    path = tmp_path / "p.stance"
    path.write_text("precious")
    with pytest.raises(ProjectError, match="already exists"):
        store.create_project(path, scheme)
    assert path.read_text() == "precious"


def test_a_text_file_is_not_a_project(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello " * 50)
    with pytest.raises(NotAProject, match="not an SQLite file"):
        store.open_project(path)


def test_another_sqlite_file_is_not_a_project(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(NotAProject, match="SQLite file but not a Stance Coder project"):
        store.open_project(path)
    assert path.read_bytes() == before


def test_a_newer_project_is_refused_and_left_alone(tmp_path, scheme, dump):
    path = tmp_path / "p.stance"
    db = store.create_project(path, scheme)
    db.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 'x')",
        [latest_version() + 1],
    )
    db.close()
    before = dump(path)
    with pytest.raises(ProjectTooNew, match="newer Stance Coder") as info:
        store.open_project(path)
    assert str(info.value).startswith(str(path))
    assert dump(path) == before


def test_a_damaged_project_is_reported(tmp_path, scheme, corpus_dir):
    from desktop.core.corpus.importer import import_paths

    path = tmp_path / "p.stance"
    db = store.create_project(path, scheme)
    import_paths(db, [corpus_dir])
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = bytearray(path.read_bytes())
    # Keep the 100-byte header (so it still looks like our project), wreck the pages.
    for i in range(100, len(data), 7):
        data[i] = 0xA5
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptProject, match="damaged"):
        store.open_project(path)


def test_migration_runs_in_one_transaction(tmp_path, scheme, monkeypatch):
    """A migration that fails half-way leaves no trace: neither its tables nor its record."""
    from desktop.core.store import db as dbmod

    path = tmp_path / "p.stance"
    store.create_project(path, scheme).close()
    broken = tmp_path / "9999_broken.sql"
    broken.write_text("CREATE TABLE half_done (x);\nTHIS IS NOT SQL;\n")
    real = dbmod.available_migrations()
    monkeypatch.setattr(dbmod, "available_migrations", lambda: [*real, (9999, "broken", broken)])
    with pytest.raises(CorruptProject):
        store.open_project(path)
    monkeypatch.undo()
    db = store.open_project(path)
    assert "half_done" not in db.table_names()
    assert 9999 not in [r[0] for r in db.execute("SELECT version FROM schema_migrations")]
    db.close()
