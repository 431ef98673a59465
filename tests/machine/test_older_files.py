"""A project from before machine coders, opened read-only (and so not migrated)."""

from __future__ import annotations

import sqlite3

from desktop.core import store
from desktop.core.store import machine as mstore
from desktop.core.store.team import coder_rows, unknown_coders


def _as_before_0006(path):
    conn = sqlite3.connect(path)
    try:
        # the model labels' view and integer table of migration 0009, then 0006's tables
        conn.execute("DROP VIEW model_labels")
        for table in ("model_label_rows", "model_coders", "llm_cache"):
            conn.execute(f"DROP TABLE {table}")
        conn.execute("ALTER TABLE coders DROP COLUMN kind")
        conn.execute("DELETE FROM schema_migrations WHERE version IN (6, 9)")
        conn.commit()
    finally:
        conn.close()


def test_a_file_without_machine_coders_reads_as_all_human(coded_path):
    _as_before_0006(coded_path)
    db = store.open_project(coded_path, readonly=True)
    try:
        assert [c["id"] for c in store.list_coders(db)] == ["ana", "ben", "cho"]
        assert [r[0] for r in coder_rows(db)] == ["ana", "ben", "cho"]
        assert unknown_coders(db, ["ana", "zed"]) == ["zed"]
        assert store.counts(db)["coders"] == 3
        assert mstore.list_model_coders(db) == [] and mstore.model_coder_ids(db) == []
        assert mstore.model_labels_frame(db).empty
        assert mstore.coder_kind(db, "ana") == "human"
    finally:
        db.close()
    db = store.open_project(coded_path)  # writable: migrated, the coders stay human
    try:
        assert mstore.human_coder_ids(db) == ["ana", "ben", "cho"]
    finally:
        db.close()
