"""Backups and recovery: rotating verified backups, damage found on open, restore."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from desktop import cli
from desktop.core import store
from desktop.core.errors import CorruptProject, ProjectError
from desktop.core.store import backup, blockstore
from desktop.core.store.db import project_path
from desktop.core.store.lock import ProjectLocked, acquire_window_lock


@pytest.fixture
def project(corpus_project) -> Path:
    """A closed project of the two sample articles with a few labels by "ra"."""
    store.ensure_coder(corpus_project, "ra")
    for unit in _units(corpus_project)[:5]:
        store.set_label(corpus_project, unit, "ra", "stance", "engagement")
    path = project_path(corpus_project)
    corpus_project.close()
    return path


@pytest.fixture
def run_cli(monkeypatch, capsys):
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("desktop.commands.backup",))

    def run(*argv: str) -> tuple[int, str, str]:
        code = cli.main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _units(db) -> list[str]:
    return [r[0] for r in db.execute("SELECT id FROM units WHERE excluded = 0 ORDER BY seq")]


def _labels(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT unit_id, coder_id, dimension, value FROM labels").fetchall()
    finally:
        conn.close()


def _held(made: Path, tmp_path: Path) -> Path:
    """The project file the backup ``made`` holds, put together in ``tmp_path``."""
    return backup.extract(made, tmp_path / f"{made.name}.stance")


def _wreck_backup(made: Path, keep: Path | None = None) -> None:
    """Damage the blocks of the backup ``made`` (its manifest stays readable), except
    those it shares with the backup ``keep`` (unchanged blocks are stored once)."""
    manifest = blockstore.read_manifest(made)
    shared = set(blockstore.read_manifest(keep).blocks) if keep is not None else set()
    wrecked = [block for block in manifest.blocks if block not in shared]
    assert wrecked, "the two backups share every block"
    for block in wrecked:
        _wreck(blockstore.block_path(made.parent, block), start=8)


def _wreck(path: Path, start: int = 100, end: int | None = None) -> None:
    """Overwrite bytes of a (checkpointed) project file, keeping its 100-byte header."""
    data = bytearray(path.read_bytes())
    for i in range(start, end or len(data), 7):
        data[i] = 0xA5
    path.write_bytes(bytes(data))


def _checkpoint(path: Path) -> None:
    db = store.open_project(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def test_a_backup_is_a_verified_manifest_that_puts_the_project_back_together(project, tmp_path):
    made = backup.make_backup(project)
    assert made.parent.parent == backup.backups_root()
    assert made.name.startswith("project-") and made.suffix == ".backup"
    assert backup.verify_backup(made) is None
    held = _held(made, tmp_path)
    assert _labels(held) == _labels(project)
    assert not Path(f"{held}-wal").exists()
    conn = sqlite3.connect(held)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    assert [b.path for b in backup.list_backups(project)] == [made]


def test_only_the_newest_five_are_kept(project):
    made = [backup.make_backup(project) for _ in range(7)]
    kept = [b.path for b in backup.list_backups(project)]
    assert kept == made[::-1][:5]
    assert not made[0].exists() and not made[1].exists()


def test_the_window_backup_on_open_skips_when_one_is_fresh(project):
    db = store.open_project(project)
    try:
        first = backup.backup_on_open(db)
        assert first is not None
        assert backup.backup_on_open(db) is None
        assert backup.backup_on_open(db, min_interval=timedelta(0)) is not None
    finally:
        db.close()


def test_a_damaged_project_names_its_newest_good_backup(project):
    older = backup.make_backup(project)
    db = store.open_project(project)
    store.set_label(db, _units(db)[9], "ra", "stance", "pressure")  # new blocks
    db.close()
    newest = backup.make_backup(project)
    _wreck_backup(newest, keep=older)  # a bad backup is passed over
    _checkpoint(project)
    _wreck(project)  # even the project id is unreadable now: found by its last place
    with pytest.raises(CorruptProject) as info:
        store.open_project(project)
    message = str(info.value)
    assert message.startswith(f"{project}: is damaged")
    when = backup.list_backups(project)[-1].when
    assert f"the newest good backup is from {when}" in message
    assert f"run `stancecoder backup restore {project} --latest`" in message
    assert backup.newest_good_backup(project).path == older
    assert "\n" not in message


def test_damage_outside_the_tables_read_on_open_is_found_by_quick_check(project):
    backup.make_backup(project)
    _checkpoint(project)
    conn = sqlite3.connect(project)
    query = "SELECT rootpage FROM sqlite_master WHERE name = 'label_current_coder'"
    page = conn.execute(query).fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    _wreck(project, (page - 1) * size + 8, page * size)
    with pytest.raises(CorruptProject, match="newest good backup is from"):
        store.open_project(project)


def test_no_backup_is_said_plainly(project):
    _checkpoint(project)
    _wreck(project)
    with pytest.raises(CorruptProject, match="no backup of it was found"):
        store.open_project(project)


def test_a_damaged_project_never_pushes_good_backups_out(project):
    good = [backup.make_backup(project) for _ in range(5)]
    _checkpoint(project)
    _wreck(project, start=4096)
    with pytest.raises(CorruptProject):
        backup.make_backup(project)
    assert [b.path for b in backup.list_backups(project)] == good[::-1]


def test_restore_latest_brings_the_backup_back_and_keeps_the_current_file(project, run_cli):
    backup.make_backup(project)
    db = store.open_project(project)
    store.set_label(db, _units(db)[9], "ra", "stance", "pressure")
    after_backup = _labels(project)
    db.close()
    code, out, err = run_cli("backup", "restore", project, "--latest", "--who", "lead")
    assert code == 0, err
    assert out.startswith(f"Restored {project} from ")
    assert len(_labels(project)) == len(after_backup) - 1
    kept = list(project.parent.glob("project.stance.before-restore-*"))
    kept = [k for k in kept if not k.name.endswith(("-wal", "-shm"))]
    assert len(kept) == 1 and str(kept[0]) in out
    assert sorted(_labels(kept[0])) == sorted(after_backup)  # nothing was thrown away
    db = store.open_project(project)
    assert store.change_log(db)[-1]["action"] == "restore"
    assert store.change_log(db)[-1]["who"] == "lead"
    db.close()


def test_restore_refuses_while_a_window_has_the_project_open(project, dump):
    made = backup.make_backup(project)
    before = dump(project)
    with acquire_window_lock(project), pytest.raises(ProjectLocked):
        backup.restore(project, made)
    assert dump(project) == before
    assert not list(project.parent.glob("*.before-restore-*"))


def test_restore_refuses_a_damaged_backup_or_another_projects(project, tmp_path, scheme, dump):
    made = backup.make_backup(project)
    _wreck_backup(made)
    other = tmp_path / "other.stance"
    store.create_project(other, scheme).close()
    before = dump(project)
    with pytest.raises(CorruptProject, match="cannot be restored"):
        backup.restore(project, made)
    with pytest.raises(ProjectError, match="is a backup of another project"):
        backup.restore(project, other)
    with pytest.raises(ProjectError, match="no such backup file"):
        backup.restore(project, tmp_path / "nothing.stance")
    assert dump(project) == before


def test_backup_list_and_create_on_the_command_line(project, run_cli):
    code, out, _ = run_cli("backup", "list", project)
    assert code == 0 and out.startswith(f"No backups of {project} yet")
    code, out, _ = run_cli("backup", "create", project)
    assert code == 0 and out.startswith(f"Backed up {project} to ")
    code, out, _ = run_cli("backup", "list", project)
    assert code == 0
    assert out.splitlines()[0] == f"Backups of {project}, newest first:"
    assert " UTC " in out.splitlines()[1]


def test_check_reports_a_sound_file_and_a_damaged_one(project, run_cli):
    code, out, _ = run_cli("check", project)
    assert code == 0 and out.startswith(f"OK: {project} passed SQLite's integrity check")
    backup.make_backup(project)
    _checkpoint(project)
    _wreck(project)
    code, out, err = run_cli("check", project)
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert "is damaged" in err and "--latest" in err


def test_restore_on_the_command_line_needs_a_source(project, run_cli):
    with pytest.raises(SystemExit) as info:
        run_cli("backup", "restore", project)
    assert info.value.code == 2
