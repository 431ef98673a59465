"""Item 8 of issue 15: a damaged project over the open-time check size.

Projects over QUICK_CHECK_MAX_BYTES (64 MB) are not checked page by page when the window
opens them; the size limit is lowered here so that a small file stands in for a large
one. Before, `check`, `info` and `export` ended with "unexpected error: DatabaseError",
exit 1, and `import` went on writing into the damaged file with exit 0.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop.core.store import backup
from desktop.core.store import db as db_module
from tests.conftest import project_dump


def _wreck_table(path: Path, table: str) -> None:
    """Overwrite the body of the root page of ``table`` (the file is checkpointed)."""
    conn = sqlite3.connect(path)
    try:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", [table]
        ).fetchone()
    finally:
        conn.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * page_size
    for i in range(start + 8, start + page_size, 5):
        data[i] = 0xA5
    path.write_bytes(bytes(data))


@pytest.fixture
def large_damaged(demo_project, monkeypatch) -> tuple[Path, backup.Backup]:
    backup.make_backup(demo_project)
    newest = backup.newest_good_backup(demo_project)
    _wreck_table(demo_project, "labels")
    monkeypatch.setattr(db_module, "QUICK_CHECK_MAX_BYTES", 1024)
    return demo_project, newest


def _one_line_naming_the_backup(code: int, err: str) -> None:
    assert code == 2, err
    assert err.count("\n") == 1, err
    assert "is damaged" in err and "backup restore" in err and "--latest" in err, err
    assert "unexpected error" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ("check", "{p}"),
        ("info", "{p}"),
        ("export", "{p}", "--layout", "long", "--format", "csv", "-o", "{t}/out.csv"),
        ("import", "{p}", "{t}/new.txt"),
        ("import-labels", "{p}", "{t}/labels.csv"),
    ],
    ids=lambda argv: argv[0],
)
def test_every_command_names_the_backup_and_writes_nothing(large_damaged, tmp_path, run, argv):
    project, _ = large_damaged
    (tmp_path / "new.txt").write_text(
        "A fresh article\n\nThe alliance met again today. Nobody agreed on anything.\n",
        encoding="utf-8",
    )
    (tmp_path / "labels.csv").write_text(
        "unit_id,coder,dimension,value\nx,ra,stance,engagement\n", encoding="utf-8"
    )
    raw = project.read_bytes()
    code, _, err = run(*(a.format(p=project, t=tmp_path) for a in argv))
    _one_line_naming_the_backup(code, err)
    assert project.read_bytes() == raw


def test_a_damaged_header_names_the_backup_not_a_stranger(demo_project, run):
    backup.make_backup(demo_project)
    data = bytearray(demo_project.read_bytes())
    data[:16] = b"\x00" * 16
    demo_project.write_bytes(bytes(data))
    code, _, err = run("info", demo_project)
    _one_line_naming_the_backup(code, err)
    assert "not a Stance Coder project" not in err


def test_a_file_never_backed_up_is_still_just_not_a_project(tmp_path, run):
    stranger = tmp_path / "notes.stance"
    stranger.write_bytes(b"just some notes " * 20)
    code, _, err = run("info", stranger)
    assert code == 2 and "is not a Stance Coder project" in err


def test_a_restore_brings_the_damaged_large_project_back(large_damaged, run):
    project, newest = large_damaged
    code, out, err = run("backup", "restore", project, "--latest")
    assert code == 0, err
    assert f"from {newest.path}" in out
    assert project_dump(project)  # readable again
    code, out, _ = run("check", project)
    assert code == 0 and out.startswith("OK")
