"""Upgrading an older project: progress reported as it goes, a backup first, chunks that
change nothing, and an upgrade killed part-way that leaves a project which opens and
upgrades again with every label.

The format-6 project is test_integer_labels' (every kind of label, history and state
row, odd times included); its rows are compared through the old tables' names.
"""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desktop.core import store
from desktop.core.store import db as dbmod
from desktop.core.store import migration_steps
from desktop.core.store.backup import extract, list_backups
from desktop.core.store.migration_steps import (
    StreamProgress,
    UpgradeProgress,
    chunk_ranges,
    split_steps,
)
from tests.store.test_integer_labels import _dump, v6_project  # noqa: F401 (a fixture)

REPO = Path(__file__).resolve().parents[2]


def _versions(path: Path) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]
    finally:
        conn.close()


def test_split_steps_reads_chunk_hints_and_keeps_other_statements_whole():
    script = textwrap.dedent(
        """\
        -- a comment
        CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT);

        -- the copy, in chunks:
        -- chunks: s.id
        INSERT INTO t SELECT id, x FROM s
        WHERE id BETWEEN :chunk_start AND :chunk_end;
        INSERT INTO t VALUES (0, 'a;b');
        """
    )
    steps = split_steps(script)
    assert [(s.chunk_table, s.chunk_column) for s in steps] == [("", ""), ("s", "id"), ("", "")]
    assert steps[2].sql == "INSERT INTO t VALUES (0, 'a;b');"
    with pytest.raises(ValueError, match="chunk_start"):
        split_steps("-- chunks: s.id\nINSERT INTO t SELECT * FROM s;")


def test_chunk_ranges_cover_every_key_once_in_order():
    assert chunk_ranges(3, 10, 3) == [(3, 5), (6, 8), (9, 10)]
    assert chunk_ranges(5, 5, 100) == [(5, 5)]
    assert chunk_ranges(None, None, 4) == [(0, -1)]
    keys = [k for start, end in chunk_ranges(-7, 20, 4) for k in range(start, end + 1)]
    assert keys == list(range(-7, 21))


@pytest.mark.parametrize("chunk_keys", [1, 2, 5])
def test_migration_in_chunks_keeps_every_row_exactly(v6_project, monkeypatch, chunk_keys):  # noqa: F811
    """0007's copies run in many chunks (one unit or history id per chunk at 1): the rows
    read back through the old names are exactly those of the format-6 file."""
    monkeypatch.setattr(migration_steps, "CHUNK_KEYS", chunk_keys)
    before = _dump(v6_project)
    store.open_project(v6_project).close()
    assert _dump(v6_project) == before
    conn = sqlite3.connect(v6_project)
    try:
        counts = [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in before]
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()
    assert counts == [12, 10, 4]


def test_upgrade_reports_backup_each_migration_its_steps_and_the_end(v6_project, monkeypatch):  # noqa: F811
    monkeypatch.setattr(migration_steps, "CHUNK_KEYS", 2)  # several chunks per copy
    seen: list[UpgradeProgress] = []
    db = store.open_project(v6_project, progress=seen.append)
    db.close()
    phases = [p.phase for p in seen]
    assert phases[0] == "backup" and phases[-1] == "done"
    migrations = [p for p in seen if p.phase == "migration"]
    pending = [m for m in dbmod.available_migrations() if m[0] > 6]
    assert [(m[0], m[1]) for m in pending] == sorted({(p.version, p.name) for p in migrations})
    assert {p.count for p in migrations} == {len(pending)}
    for number, (version, _name, _path) in enumerate(pending, start=1):
        mine = [p for p in migrations if p.version == version]
        assert {p.number for p in mine} == {number}
        known = [p for p in mine if p.fraction is not None]
        assert known, "a fraction is estimated once the chunks are counted"
        assert [p.fraction for p in known] == sorted(p.fraction for p in known)
        assert known[-1].fraction == 1.0 and known[-1].step == known[-1].steps
        if version == 7:  # the chunked copies are steps of their own
            statements = len(split_steps(pending[0][2].read_text(encoding="utf-8")))
            assert known[-1].steps > statements
    elapsed = [p.elapsed for p in seen[1:]]
    assert elapsed == sorted(elapsed)
    assert "1 of 2" in migrations[0].describe() or len(pending) != 2


def test_a_heartbeat_arrives_inside_long_statements(v6_project, monkeypatch):  # noqa: F811
    """SQLite's progress handler repeats the current step while a statement runs."""
    monkeypatch.setattr(migration_steps, "HEARTBEAT_S", 0.0)
    monkeypatch.setattr(migration_steps, "HANDLER_OPS", 50)
    seen: list[UpgradeProgress] = []
    store.open_project(v6_project, progress=seen.append).close()
    steps = [(p.phase, p.version, p.step, p.steps) for p in seen if p.phase == "migration"]
    assert len(steps) > len(set(steps))  # the same step reported again from inside


def test_a_current_project_reports_nothing_and_makes_no_backup(empty_project):
    path = dbmod.project_path(empty_project)
    seen: list[UpgradeProgress] = []
    store.open_project(path, progress=seen.append).close()
    assert seen == []
    assert list_backups(path) == []
    assert dbmod.project_needs_upgrade(path) is False


def test_the_old_file_is_backed_up_before_it_is_upgraded(v6_project, tmp_path):  # noqa: F811
    before = _dump(v6_project)
    assert dbmod.project_needs_upgrade(v6_project)
    store.open_project(v6_project).close()
    assert not dbmod.project_needs_upgrade(v6_project)
    backups = list_backups(v6_project)
    assert len(backups) == 1
    old = extract(backups[0].path, tmp_path / "old.stance")
    assert _versions(old) == [1, 2, 3, 4, 5, 6]
    assert _dump(old) == before


_KILLER = """
import os, signal, sys
from desktop.core import store
from desktop.core.store import migration_steps
migration_steps.CHUNK_KEYS = 1
version, step = int(sys.argv[2]), int(sys.argv[3])

def progress(at):
    if at.phase == "migration" and at.version == version and at.step >= step:
        os.kill(os.getpid(), signal.SIGKILL)

store.open_project(sys.argv[1], progress=progress)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
@pytest.mark.parametrize(("version", "step"), [(7, 8), (7, 30), (8, 3)])
def test_an_upgrade_killed_part_way_opens_and_upgrades_again_with_every_label(
    v6_project,  # noqa: F811
    tmp_path,
    version,
    step,
):
    before = _dump(v6_project)
    child = subprocess.run(
        [sys.executable, "-c", _KILLER, str(v6_project), str(version), str(step)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    # The migration under way left nothing: the file is at the one before it.
    assert _versions(v6_project) == list(range(1, version))
    assert dbmod.project_needs_upgrade(v6_project)
    db = store.open_project(v6_project)
    try:
        assert dbmod.pending_migrations(db) == []
    finally:
        db.close()
    assert _dump(v6_project) == before


def test_the_command_line_prints_the_upgrade_on_stderr(v6_project, capsys, monkeypatch):  # noqa: F811
    from desktop import cli

    monkeypatch.setitem(dbmod._UPGRADE_PROGRESS, "default", None)  # put back afterwards
    word = "the"
    assert cli.main(["search", str(v6_project), word]) == 0
    err = capsys.readouterr().err.splitlines()
    upgrade = [line for line in err if "pgrad" in line]
    assert upgrade[0].startswith("stancecoder: Backing up the project before upgrading it")
    assert any("Upgrading the project to the new format — 1 of " in line for line in upgrade)
    assert upgrade[-1].startswith("stancecoder: Upgraded the project to the new format in ")
    assert not dbmod.project_needs_upgrade(v6_project)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _at(phase: str, step: int = 0, steps: int = 0, elapsed: float = 0.0) -> UpgradeProgress:
    fraction = step / steps if steps else None
    return UpgradeProgress(phase, 7, "integer_labels", 1, 2, step, steps, elapsed, fraction)


def test_stream_progress_rewrites_one_line_on_a_terminal():
    out = _Terminal()
    printer = StreamProgress(out)
    printer.TERMINAL_EVERY_S = 0.0
    for at in (_at("backup"), _at("migration", 1, 4), _at("migration", 3, 4, 65.0), _at("done")):
        printer(at)
    text = out.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")
    shown = text.split("\r")[1:]
    assert shown[2].startswith(
        "stancecoder: Upgrading the project to the new format — 1 of 2 "
        "(0007 integer labels, step 3 of 4), 1:05 [75%]"
    )
    assert shown[3].startswith("stancecoder: Upgraded the project to the new format in 0:00")
    # a shorter line blanks out what is left of the longer one before it
    assert len(shown[3].rstrip("\n")) >= len(shown[2])


def test_stream_progress_prints_plain_lines_elsewhere_without_flooding():
    out = io.StringIO()
    printer = StreamProgress(out)
    for step in range(1, 200):
        printer(_at("migration", step, 200))
    printer(_at("done"))
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert len(lines) == 2  # the migration's first line, then the end (within 10 s)
    assert lines[0].endswith("(0007 integer labels, step 1 of 200), 0:00 [0%]")


_INTERRUPTER = """
import os, signal, sys
# Python's Ctrl+C handler, as in a terminal (a child of a background job starts with
# SIGINT ignored, and Python then installs none)
signal.signal(signal.SIGINT, signal.default_int_handler)
from desktop import cli
from desktop.core.store import migration_steps
migration_steps.CHUNK_KEYS = 1
migration_steps.HEARTBEAT_S = 0.0
migration_steps.HANDLER_OPS = 200
printer = migration_steps.StreamProgress()

def progress(at):
    printer(at)
    if at.phase == "migration" and at.version == 7 and at.step >= 8:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl+C in the terminal

migration_steps.StreamProgress = lambda: progress
raise SystemExit(cli.main(["search", sys.argv[1], "the"]))
"""


@pytest.mark.skipif(not hasattr(signal, "SIGINT"), reason="POSIX signals")
def test_ctrl_c_during_an_upgrade_is_one_line_and_the_project_upgrades_later(v6_project):  # noqa: F811
    before = _dump(v6_project)
    child = subprocess.run(
        [sys.executable, "-c", _INTERRUPTER, str(v6_project)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 130, child.stderr
    assert child.stderr.splitlines()[-1] == "stancecoder: interrupted"
    assert "Traceback" not in child.stderr
    assert _versions(v6_project) == [1, 2, 3, 4, 5, 6]
    store.open_project(v6_project).close()
    assert _dump(v6_project) == before
