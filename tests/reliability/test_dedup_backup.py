"""Issue 24: backups that do not multiply the project's size (deduplicated blocks).

Real project files throughout; the block size is lowered to one page so that the demo
project (a few hundred KB) spans many blocks, as a large project spans many 256 KiB ones.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from desktop.core import store
from desktop.core.store import backup, blockstore, snapshot

SMALL_BLOCK = 4096
ROOT = str(Path(__file__).resolve().parents[2])


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    monkeypatch.setattr(backup, "BLOCK_SIZE", SMALL_BLOCK)


def _units(path: Path) -> list[str]:
    db = store.open_project(path)
    try:
        return [r[0] for r in db.execute("SELECT id FROM units WHERE excluded = 0 ORDER BY seq")]
    finally:
        db.close()


def _labels(path: Path) -> list[tuple]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        query = "SELECT unit_id, coder_id, dimension, value FROM labels ORDER BY 1, 2, 3"
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def _set(path: Path, units: list[str], value: str, coder: str = "ra") -> None:
    db = store.open_project(path)
    try:
        store.ensure_coder(db, coder)
        with store.write_transaction(db):
            for unit in units:
                store.set_label(db, unit, coder, "stance", value)
    finally:
        db.close()


def _stored_blocks(folder: Path) -> set[str]:
    return {p.name for p in (folder / blockstore.BLOCKS).glob("*/*")}


def _named_blocks(folder: Path) -> set[str]:
    return {b for m in folder.glob("*.backup") for b in blockstore.read_manifest(m).blocks}


def _child(script: str, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": ROOT}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_five_backups_store_the_unchanged_blocks_once(demo_project, tmp_path, run):
    units = _units(demo_project)
    made, expected = [], []
    for i in range(5):
        _set(demo_project, units[10 * i : 10 * i + 3], "pressure")
        made.append(backup.make_backup(demo_project))
        expected.append(_labels(demo_project))
    folder = made[0].parent
    manifests = [blockstore.read_manifest(m) for m in made]
    per_backup = len(manifests[0].blocks)
    assert per_backup > 20  # the project spans many blocks
    stored = _stored_blocks(folder)
    assert stored == _named_blocks(folder)
    # each later backup stored only the blocks that changed: far fewer than a full copy
    assert len(stored) < per_backup + 4 * per_backup // 3, (len(stored), per_backup)
    stored_bytes = blockstore.stored_bytes(folder)
    assert stored_bytes < demo_project.stat().st_size  # five backups, less than one copy
    for m, labels, i in zip(made, expected, range(5), strict=True):
        held = backup.extract(m, tmp_path / f"held{i}.stance")
        assert _labels(held) == labels  # each holds exactly its moment
    listed = backup.list_backups(demo_project)
    assert [b.path for b in listed] == made[::-1]
    assert listed[0].size == manifests[-1].file_size
    code, out, _ = run("backup", "list", demo_project)
    assert code == 0
    total = backup.disk_bytes(listed)
    others = [*made, folder / "project.json", folder / blockstore.LOCK]
    assert total == stored_bytes + sum(p.stat().st_size for p in others)
    assert out.splitlines()[-1] == (
        f"Together they take {total / 1e3:.0f} KB (unchanged blocks are stored once)."
    )


_WRITER = """
    import os, sys, time
    from pathlib import Path
    from desktop.core import store

    project, progress, stop = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    db = store.open_project(project)
    store.ensure_coder(db, "w")
    units = [r[0] for r in db.execute("SELECT id FROM units WHERE excluded = 0 ORDER BY seq")]
    n = 0
    while not stop.exists():
        value = ("engagement", "pressure")[n % 2]
        with store.write_transaction(db):  # one round: every unit, one commit
            for unit in units:
                store.set_label(db, unit, "w", "stance", value)
        n += 1
        progress.with_suffix(".new").write_text(str(n))
        os.replace(progress.with_suffix(".new"), progress)  # never read half-written
        time.sleep(0.02)  # a fast coder, not a flood that grows the file without end
    db.close()
"""


def _rounds(progress: Path) -> int:
    try:
        return int(progress.read_text() or 0)
    except (OSError, ValueError):
        return 0


def test_a_backup_taken_while_another_process_writes_holds_one_moment(
    demo_project, tmp_path, monkeypatch
):
    units = _units(demo_project)
    slow_read = snapshot.Snapshot.read_at

    def read_at(self, offset, size):  # a slow disk: commits land while the backup reads
        time.sleep(0.003)
        return slow_read(self, offset, size)

    monkeypatch.setattr(snapshot.Snapshot, "read_at", read_at)
    progress, stop = tmp_path / "progress", tmp_path / "stop"
    env = {**os.environ, "PYTHONPATH": ROOT}
    writer = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_WRITER), demo_project, progress, stop],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while _rounds(progress) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        made, during = [], []
        while len(made) < 3 or (sum(during) < 2 and len(made) < 8):  # a slow machine
            before = _rounds(progress)
            made.append(backup.make_backup(demo_project, keep=10))
            during.append(_rounds(progress) - before)
    finally:
        stop.touch()
        writer.wait(timeout=60)
    assert writer.returncode == 0, writer.stderr.read()
    assert sum(during) >= 2, during  # the writer committed while backups were read
    assert {m.parent for m in made} == {made[0].parent}
    for i, m in enumerate(made):
        held = backup.extract(m, tmp_path / f"held{i}.stance")
        conn = sqlite3.connect(held)
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        values = conn.execute(
            "SELECT value, count(*) FROM labels WHERE coder_id = 'w' GROUP BY value"
        ).fetchall()
        history = conn.execute(
            "SELECT count(*) FROM label_history WHERE coder_id = 'w'"
        ).fetchone()[0]
        conn.close()
        # one moment: every unit holds the value of the same round, and the history
        # holds whole rounds only
        assert len(values) == 1 and values[0][1] == len(units), values
        assert history % len(units) == 0 and history > 0


_KILLED_BACKUP = """
    import os, signal, sys
    from desktop.core.store import backup, blockstore

    calls = {"n": 0}
    real = blockstore.store_block

    def store_block(folder, block, data):
        written = real(folder, block, data)
        calls["n"] += written > 0
        if calls["n"] == 2:  # two new blocks stored, a third half-written, then the kill
            half = blockstore.block_path(folder, "ab" * 32)
            half.parent.mkdir(parents=True, exist_ok=True)
            half.with_name(half.name + ".1.partial").write_bytes(b"half")
            os.kill(os.getpid(), signal.SIGKILL)
        return written

    backup.BLOCK_SIZE = 4096
    backup.store_block = store_block
    backup.make_backup(sys.argv[1])
"""


def test_a_killed_backup_is_not_listed_and_its_blocks_are_swept(demo_project, tmp_path):
    first = backup.make_backup(demo_project)
    _set(demo_project, _units(demo_project)[:40], "criticism")
    child = _child(_KILLED_BACKUP, demo_project)
    assert child.returncode == -signal.SIGKILL, child.stderr
    folder = first.parent
    assert [b.path for b in backup.list_backups(demo_project)] == [first]
    assert list(folder.glob("blocks/*/*.partial"))
    assert _stored_blocks(folder) - {p.name for p in folder.glob("blocks/*/*.partial")} > (
        _named_blocks(folder)
    )  # blocks of the killed backup that no manifest names
    assert backup.verify_backup(first) is None
    second = backup.make_backup(demo_project)
    assert not list(folder.glob("blocks/*/*.partial"))
    assert _stored_blocks(folder) == _named_blocks(folder)
    assert _labels(backup.extract(second, tmp_path / "held.stance")) == _labels(demo_project)


_KILLED_COLLECTION = """
    import os, pathlib, signal, sys
    from desktop.core.store import backup

    calls = {"n": 0}
    real_unlink = pathlib.Path.unlink

    def unlink(self, missing_ok=False):
        if "blocks" in self.parts:
            calls["n"] += 1
            if calls["n"] == 2:  # manifests are gone, some blocks are not yet
                os.kill(os.getpid(), signal.SIGKILL)
        return real_unlink(self, missing_ok=missing_ok)

    pathlib.Path.unlink = unlink
    backup.rotate(pathlib.Path(sys.argv[1]), keep=2)
"""


def test_rotation_deletes_unnamed_blocks_and_a_killed_collection_loses_none(demo_project, tmp_path):
    units = _units(demo_project)
    made, expected = [], []
    for i in range(5):
        _set(demo_project, units[30 * i : 30 * i + 30], "criticism")
        made.append(backup.make_backup(demo_project, keep=5))
        expected.append(_labels(demo_project))
    folder = made[0].parent
    child = _child(_KILLED_COLLECTION, folder)
    assert child.returncode == -signal.SIGKILL, child.stderr
    kept = [b.path for b in backup.list_backups(demo_project)]
    assert kept == made[::-1][:2]
    assert _stored_blocks(folder) > _named_blocks(folder)  # some garbage is left
    for path in kept:  # but no block a manifest names was lost
        assert backup.verify_backup(path) is None
    backup.rotate(folder, keep=2)
    assert _stored_blocks(folder) == _named_blocks(folder)
    for path, labels in zip(made[3:], expected[3:], strict=True):
        assert _labels(backup.extract(path, tmp_path / f"{path.name}.stance")) == labels


def test_blocks_are_kept_while_a_manifest_cannot_be_read(demo_project):
    first = backup.make_backup(demo_project)
    _set(demo_project, _units(demo_project)[:40], "criticism")
    second = backup.make_backup(demo_project)
    first.write_text("{ not json", encoding="utf-8")
    before = _stored_blocks(first.parent)
    assert blockstore.collect_garbage(first.parent) == []
    assert _stored_blocks(first.parent) == before
    assert backup.verify_backup(second) is None
    assert "manifest cannot be read" in backup.verify_backup(first)


def test_a_damaged_block_names_the_backup_and_other_backups_still_restore(
    demo_project, tmp_path, run, dump
):
    older = backup.make_backup(demo_project)
    older_labels = _labels(demo_project)
    _set(demo_project, _units(demo_project)[:40], "criticism")
    newest = backup.make_backup(demo_project)
    only_newest = set(blockstore.read_manifest(newest).blocks) - set(
        blockstore.read_manifest(older).blocks
    )
    damaged = sorted(only_newest)[0]
    path = blockstore.block_path(newest.parent, damaged)
    path.write_bytes(path.read_bytes()[:-9] + b"\x00" * 9)
    index = blockstore.read_manifest(newest).blocks.index(damaged)
    before = dump(demo_project)
    code, out, err = run("backup", "restore", demo_project, "--from", newest)
    assert code == 2 and out == ""
    assert err.count("\n") == 1, err
    assert f"{newest}: block {index + 1} of " in err and damaged[:8] in err
    assert "is damaged" in err and "cannot be restored" in err
    assert dump(demo_project) == before
    assert not list(demo_project.parent.glob("*.restoring"))
    path.unlink()  # a missing block is said as plainly
    assert "is missing" in backup.verify_backup(newest)
    assert backup.newest_good_backup(demo_project).path == older
    code, out, err = run("backup", "restore", demo_project, "--latest")
    assert code == 0, err
    assert f"from {older}" in out
    assert _labels(demo_project) == older_labels


def test_a_full_copy_made_by_an_earlier_version_is_listed_and_restored(demo_project, run):
    made = backup.make_backup(demo_project)
    old = made.with_name("study-2026-01-01T000000Z.stance")  # as version 1 named them
    source = sqlite3.connect(demo_project)
    target = sqlite3.connect(old)
    source.backup(target)
    target.execute("PRAGMA journal_mode = DELETE")
    target.close()
    source.close()
    old_labels = _labels(old)
    _set(demo_project, _units(demo_project)[:40], "criticism")
    listed = [b.path for b in backup.list_backups(demo_project)]
    assert listed == [made, old]
    assert backup.verify_backup(old) is None
    code, out, err = run("backup", "restore", demo_project, "--from", old)
    assert code == 0, err
    assert f"from {old}" in out
    assert _labels(demo_project) == old_labels
    for _ in range(5):  # it rotates out like any other; the blocks stay consistent
        backup.make_backup(demo_project)
    assert not old.exists()
    assert _stored_blocks(made.parent) == _named_blocks(made.parent)


def test_a_project_that_cannot_be_pinned_is_backed_up_through_a_copy(
    demo_project, tmp_path, monkeypatch
):
    """When the live file cannot be pinned (no write lock to take), the snapshot is taken
    with SQLite's backup API instead; the backup is the same."""
    monkeypatch.setattr(snapshot, "_TRIES", 0)  # as if a reader always held the WAL back
    copied = snapshot._copied
    used = []

    def spy(project, scratch):
        used.append(scratch)
        return copied(project, scratch)

    monkeypatch.setattr(snapshot, "_copied", spy)
    made = backup.make_backup(demo_project)
    assert len(used) == 1 and used[0].parent == made.parent
    assert not used[0].exists()
    assert not list(made.parent.glob("*.partial"))
    assert _labels(backup.extract(made, tmp_path / "held.stance")) == _labels(demo_project)


@pytest.fixture
def data_disk(disk, monkeypatch):
    """The data folder on a 16 MB tmpfs (the reliability tests' ``disk``; root only)."""
    monkeypatch.setenv("STANCECODER_DATA_DIR", str(disk))
    return disk


@pytest.mark.parametrize("leave", [4096, 40 * 1024], ids=["at-once", "half-way"])
def test_a_full_data_folder_is_one_line_and_leaves_no_backup(
    demo_project, data_disk, leave, run, dump
):
    first = backup.make_backup(demo_project)
    _set(demo_project, _units(demo_project)[:60], "criticism")
    before = dump(demo_project)
    stats = os.statvfs(data_disk)
    filler = data_disk / "filler.bin"
    filler.write_bytes(b"\0" * max(stats.f_bavail * stats.f_frsize - leave, 0))
    code, out, err = run("backup", "create", demo_project)
    assert code == 2 and out == "", err
    assert err.count("\n") == 1 and "disk full" in err, err
    assert "Traceback" not in err and "unexpected error" not in err
    assert dump(demo_project) == before
    assert [b.path for b in backup.list_backups(demo_project)] == [first]
    assert not list(first.parent.rglob("*.partial"))
    assert backup.verify_backup(first) is None
    filler.unlink()
    made = backup.make_backup(demo_project)
    assert _stored_blocks(made.parent) == _named_blocks(made.parent)


def test_a_read_only_data_folder_is_one_line(demo_project, data_disk, run, dump):
    backup.make_backup(demo_project)
    before = dump(demo_project)
    subprocess.run(["mount", "-o", "remount,ro", str(data_disk)], check=True)
    try:
        code, out, err = run("backup", "create", demo_project)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(data_disk)], check=True)
    assert code == 2 and out == "", err
    assert err.count("\n") == 1 and "the data folder cannot be written" in err, err
    assert dump(demo_project) == before


def test_a_restore_checks_the_whole_file_hash_and_quick_check(demo_project, dump, run):
    made = backup.make_backup(demo_project)
    manifest = blockstore.read_manifest(made)
    before = dump(demo_project)
    # blocks that are each sound but do not add up to the file: the whole-file hash
    made.write_text(
        made.read_text(encoding="utf-8").replace(manifest.file_hash, "0" * 64), encoding="utf-8"
    )
    code, _, err = run("backup", "restore", demo_project, "--from", made)
    assert code == 2 and err.count("\n") == 1
    assert "do not add up to the file it describes" in err, err
    # a snapshot whose blocks match their hashes but whose b-trees are wrong: quick_check
    db = sqlite3.connect(demo_project)
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'labels'").fetchone()[0]
    db.close()
    blocks = list(manifest.blocks)
    index = (root - 1) * page_size // SMALL_BLOCK
    page = bytearray(blockstore.load_block(made.parent, blocks[index], index, len(blocks)))
    page[8:] = bytes([0xA5]) * (len(page) - 8)
    blocks[index] = blockstore.digest(bytes(page))
    blockstore.store_block(made.parent, blocks[index], bytes(page))
    manifest.blocks = blocks
    manifest.file_hash = blockstore.tree_hash(blocks, manifest.file_size)
    blockstore.write_manifest(made, manifest)
    assert backup.verify_backup(made) is None  # every block matches its hash
    code, _, err = run("backup", "restore", demo_project, "--from", made)
    assert code == 2 and err.count("\n") == 1
    assert "is damaged" in err and "nothing was restored" in err, err
    assert dump(demo_project) == before
    assert not list(demo_project.parent.glob("*.restoring*"))


_SWITCH_MODE = """
    import sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], timeout=0)
    try:
        print(conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0])
    except sqlite3.OperationalError as exc:
        print(exc)
"""


def test_a_backup_leaves_the_locks_of_the_processes_own_connections_alone(demo_project):
    """Closing any descriptor of a file drops every POSIX lock the process holds on it,
    SQLite's too; then another program could take the file from under an open window."""
    if sys.platform == "win32":
        pytest.skip("POSIX advisory locks")
    db = store.open_project(demo_project)  # the window's connection, in this process
    try:
        db.execute("SELECT count(*) FROM units").fetchone()
        for _ in range(2):  # the second backup reuses the held descriptor
            backup.make_backup(demo_project)
        assert _child(_SWITCH_MODE, demo_project).stdout.strip() == "database is locked"
        with demo_project.open("rb") as raw:  # what the backup must not do
            raw.read(100)
        assert _child(_SWITCH_MODE, demo_project).stdout.strip() == "delete"
    finally:
        db.close()
