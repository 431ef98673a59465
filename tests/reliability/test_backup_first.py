"""Issue 15, item 1's second half: a command that changes a project backs it up first.

The window backs a project up when it opens it; the command line made no backup, so an
import or merge gone wrong could not be undone.
"""

from __future__ import annotations

import sqlite3

from desktop.core.store import backup


def _labels(path) -> list[tuple]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return sorted(conn.execute("SELECT unit_id, coder_id, value FROM labels").fetchall())
    finally:
        conn.close()


def test_import_labels_leaves_a_backup_of_the_project_as_it_was(demo_project, tmp_path, run):
    before = _labels(demo_project)
    unit = before[0][0]
    csv = tmp_path / "labels.csv"
    csv.write_text(f"unit_id,coder,dimension,value\n{unit},cy,stance,mixed\n", encoding="utf-8")
    code, _, err = run("import-labels", demo_project, csv)
    assert code == 0, err
    (made,) = backup.list_backups(demo_project)
    assert _labels(backup.extract(made.path, tmp_path / "held.stance")) == before
    assert _labels(demo_project) != before
    code, _, err = run("units", "exclude", demo_project, unit, "--confirm")
    assert code == 0, err
    assert len(backup.list_backups(demo_project)) == 1  # at most one every ten minutes


def test_reading_commands_make_no_backup(demo_project, run):
    code, _, _ = run("info", demo_project)
    assert code == 0
    assert backup.list_backups(demo_project) == []
