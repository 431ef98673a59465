"""Two programs, one file: the window lock, read-only second windows, the busy timeout."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop import cli
from desktop.core import store
from desktop.core.errors import ProjectError
from desktop.core.store import db as dbmod
from desktop.core.store.lock import (
    ProjectLocked,
    acquire_window_lock,
    lock_path,
    window_lock_owner,
)

HOLD_LOCK = """
import sys
sys.path.insert(0, {repo!r})
from desktop.core.store.lock import acquire_window_lock
lock = acquire_window_lock(sys.argv[1])
print("locked", flush=True)
sys.stdin.readline()
"""

# Plain sqlite3: starts in a few milliseconds, so the test controls the timing.
HOLD_WRITE = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO meta (key, value) VALUES ('held', 'yes') "
             "ON CONFLICT (key) DO UPDATE SET value = 'yes'")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""

REPO = str(Path(__file__).resolve().parents[2])


def _project(tmp_path, scheme) -> Path:
    path = tmp_path / "study.stance"
    store.create_project(path, scheme).close()
    return path


def _start(script: str, *args: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    process.stdout.readline()  # "locked" / "holding"
    return process


# -- the window lock ----------------------------------------------------------------------


def test_a_second_window_is_told_who_has_the_project_open(tmp_path, scheme):
    path = _project(tmp_path, scheme)
    with acquire_window_lock(path) as first:
        with pytest.raises(ProjectLocked, match="already open in Stance Coder by") as info:
            acquire_window_lock(path)
        assert info.value.owner == first.owner
        assert info.value.owner.pid == os.getpid()
        assert "read-only" in str(info.value)
        assert "\n" not in str(info.value)
        # ... and can open it read-only meanwhile.
        db = store.open_project(path, readonly=True)
        assert store.current_scheme(db).id == scheme.id
        db.close()
    assert not lock_path(path).exists()
    acquire_window_lock(path).release()


def test_the_lock_of_another_process_is_seen_and_dies_with_it(tmp_path, scheme):
    path = _project(tmp_path, scheme)
    holder = _start(HOLD_LOCK.format(repo=REPO), str(path))
    try:
        owner = window_lock_owner(path)
        assert owner is not None and owner.pid == holder.pid
        with pytest.raises(ProjectLocked) as info:
            acquire_window_lock(path)
        assert f"process {holder.pid}" in str(info.value)
    finally:
        holder.send_signal(signal.SIGKILL if sys.platform != "win32" else signal.SIGTERM)
        holder.wait()
    # The crashed window left its lock file behind; a file without an OS lock is no lock.
    assert lock_path(path).exists()
    assert window_lock_owner(path) is None
    with acquire_window_lock(path) as lock:
        assert lock.owner.pid == os.getpid()


def test_a_stale_or_garbled_lock_file_is_not_a_lock(tmp_path, scheme):
    path = _project(tmp_path, scheme)
    lock_path(path).write_bytes(b"\x00garbage{not json")
    assert window_lock_owner(path) is None
    lock = acquire_window_lock(path)
    assert window_lock_owner(path) == lock.owner
    lock.release()
    lock.release()  # twice is harmless


def test_a_lock_file_that_cannot_be_made_says_to_open_read_only(tmp_path, scheme):
    path = _project(tmp_path, scheme)
    lock_path(path).mkdir()  # as unwritable as a read-only share, even for root
    with pytest.raises(
        ProjectError, match=r"cannot create its lock file .*open the project read-only"
    ):
        acquire_window_lock(path)


# -- the command line next to an open window ----------------------------------------------


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_line_waits_for_a_write_in_progress(tmp_path, scheme, capsys):
    path = _project(tmp_path, scheme)
    article = tmp_path / "a.txt"
    article.write_text("Seoul and Washington met again. Both sides spoke of trust.\n")
    holder = _start(HOLD_WRITE, str(path), "1.0")
    try:
        started = time.monotonic()
        code, out, err = _cli(capsys, "import", str(path), str(article))
        waited = time.monotonic() - started
    finally:
        holder.wait()
    assert code == 0, err
    assert "Imported 1 article," in out
    assert waited > 0.5  # it really waited for the other program's transaction
    db = store.open_project(path)
    assert store.get_meta(db, "held") == "yes"  # and that transaction was not harmed
    db.close()


def test_a_project_busy_too_long_is_one_clear_line(tmp_path, scheme, capsys, monkeypatch):
    path = _project(tmp_path, scheme)
    article = tmp_path / "a.txt"
    article.write_text("Seoul and Washington met again.\n")
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 300)
    holder = _start(HOLD_WRITE, str(path), "1.5")
    try:
        code, _, err = _cli(capsys, "import", str(path), str(article))
    finally:
        holder.wait()
    assert code == 2
    assert err.count("\n") == 1
    assert "is busy (open in another program?)" in err
    assert "database is locked" not in err
    assert "Traceback" not in err


def test_the_window_codes_on_while_the_command_line_imports(tmp_path, corpus_project):
    """Both writers land, and the window's connection notices the other program's work
    (``data_version``) and reads it without reopening."""
    window = corpus_project
    path = dbmod.project_path(window)
    store.ensure_coder(window, "ra")
    units = [r[0] for r in window.execute("SELECT id FROM units WHERE excluded = 0")]
    version = dbmod.data_version(window)
    extra = tmp_path / "more.jsonl"
    extra.write_text(
        "\n".join(
            f'{{"id": {i}, "text": "Article {i} says the alliance holds. It says more."}}'
            for i in range(50)
        )
    )
    other = subprocess.Popen(
        [sys.executable, "-m", "desktop", "import", str(path), str(extra)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    coded = 0
    while other.poll() is None:
        store.set_label(window, units[coded % len(units)], "ra", "stance", "engagement")
        coded += 1
    out, err = other.communicate()
    assert other.returncode == 0, err
    assert "Imported 50 articles" in out
    assert coded > 10
    assert dbmod.data_version(window) != version
    assert store.counts(window)["articles"] == 5 + 50  # the demo articles and the new ones
    assert len(store.labels_frame(window, coders=["ra"])) == min(coded, len(units))
