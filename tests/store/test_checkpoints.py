"""Background checkpoints: the coding window's commits never copy the WAL into the project
file themselves; a thread does, on a connection of its own, when the commits pause."""

from __future__ import annotations

import shutil
import sqlite3
import time

from desktop.core import store
from desktop.core.store import checkpoints
from desktop.core.store.checkpoints import BackgroundCheckpoints

CODER = "ck"
WRITES = 300  # about 7 WAL pages each: past SQLite's 1,000-page automatic checkpoint


def _code(db, writes: int = WRITES) -> int:
    """Set labels on ``writes`` different unit x dimension pairs; how many were set."""
    store.ensure_coder(db, CODER)
    units = [r[0] for r in db.execute("SELECT id FROM units WHERE excluded = 0 ORDER BY seq")]
    scheme = store.current_scheme(db)
    pairs = [(u, d) for u in units for d in scheme.dimensions][:writes]
    for unit, dimension in pairs:
        store.set_label(db, unit, CODER, dimension.id, dimension.codes[0])
    return len(pairs)


def _labels_in_the_file_alone(db, tmp_path) -> int:
    """Labels of CODER in the project file without its WAL: what checkpoints copied."""
    copy = tmp_path / "file-alone.sqlite"
    shutil.copyfile(store.db.project_path(db), copy)
    conn = sqlite3.connect(copy)
    try:
        return conn.execute("SELECT count(*) FROM labels WHERE coder_id = ?", [CODER]).fetchone()[0]
    finally:
        conn.close()


def test_a_plain_connection_checkpoints_by_itself(corpus_project, tmp_path):
    corpus_project.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # The control: without background checkpoints, commits copy the WAL themselves.
    written = _code(corpus_project)
    assert 0 < _labels_in_the_file_alone(corpus_project, tmp_path) <= written


def test_with_background_checkpoints_commits_leave_the_copying_to_the_thread(
    corpus_project, tmp_path
):
    corpus_project.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the corpus in the file
    idle = BackgroundCheckpoints(corpus_project, quiet_s=3600, most_s=3600)  # never copies
    assert idle.running
    assert checkpoints.autocheckpoint(corpus_project) == 0
    written = _code(corpus_project)
    assert _labels_in_the_file_alone(corpus_project, tmp_path) == 0
    # Every label is committed all the same: another connection reads them all.
    other = store.open_project(store.db.project_path(corpus_project), readonly=True)
    assert (
        other.execute("SELECT count(*) FROM labels WHERE coder_id = ?", [CODER]).fetchone()[0]
        == written
    )
    other.close()
    idle.stop()
    assert not idle.running
    assert checkpoints.autocheckpoint(corpus_project) == checkpoints.DEFAULT_AUTOCHECKPOINT

    working = BackgroundCheckpoints(corpus_project, quiet_s=0.05, poll_s=0.01)
    _code(corpus_project, 1)  # one more commit: the first label set again, to the same value
    assert _wait(lambda: working.runs >= 1)
    working.stop()
    assert _labels_in_the_file_alone(corpus_project, tmp_path) == written


def _wait(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def test_the_thread_waits_for_the_commits_to_pause(corpus_project):
    background = BackgroundCheckpoints(corpus_project, quiet_s=3.0, poll_s=0.01)
    _code(corpus_project, 60)  # a commit every few milliseconds
    assert background.runs == 0
    assert _wait(lambda: background.runs == 1)
    background.stop()


def test_commits_that_never_pause_are_copied_all_the_same(corpus_project):
    background = BackgroundCheckpoints(corpus_project, quiet_s=3600, most_s=0.05, poll_s=0.01)
    store.ensure_coder(corpus_project, CODER)
    unit = corpus_project.execute("SELECT id FROM units WHERE excluded = 0").fetchone()[0]
    writes = 0
    while background.runs == 0 and writes < 5000:
        store.set_label(corpus_project, unit, CODER, "stance", ("pressure", "mixed")[writes % 2])
        writes += 1
    background.stop()
    assert background.runs >= 1


def test_a_database_without_a_file_gets_no_thread():
    db = store.Database(sqlite3.connect(":memory:"))
    background = BackgroundCheckpoints(db)
    assert not background.running
    background.stop()  # harmless
