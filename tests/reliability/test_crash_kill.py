"""Crashes: a process coding labels, importing or merging is killed with SIGKILL.

After every kill the project passes ``PRAGMA integrity_check`` and holds every label whose
write had returned; a killed import or merge leaves the project exactly as before, even
when the kill comes after the transaction has written pages into the WAL.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

import pytest

from desktop.core import store, team
from desktop.core.corpus.importer import import_paths

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import killable_writer  # noqa: E402

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="SIGKILL and fork are POSIX; Windows has neither"
)

KILLS = 30


class _Lines:
    """Complete lines from a child's standard output, with deadlines."""

    def __init__(self, process: subprocess.Popen):
        self.fd = process.stdout.fileno()
        self.buffer = b""
        self.pending: list[str] = []

    def read(self, timeout: float) -> list[str]:
        """The complete lines that arrive within ``timeout`` seconds (EOFError at the end)."""
        if not self.pending:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if ready:
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    raise EOFError
                self.buffer += chunk
                *lines, self.buffer = self.buffer.split(b"\n")
                self.pending += [line.decode() for line in lines]
        lines, self.pending = self.pending, []
        return lines

    def until(self, prefix: str, timeout: float = 20) -> tuple[str, list[str]]:
        """Read up to a line starting with ``prefix``; returns it and the lines before."""
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = self.read(0.05)
            for index, line in enumerate(lines):
                if line.startswith(prefix):
                    self.pending = lines[index + 1 :] + self.pending
                    return line, seen
                seen.append(line)
        raise AssertionError(f"no '{prefix}' line in {timeout} s; got {seen[-5:]}")


def _labels_of(path: Path, coder: str) -> tuple[dict, int]:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        labels = {
            (u, d): v
            for u, d, v in conn.execute(
                "SELECT unit_id, dimension, value FROM labels WHERE coder_id = ?", [coder]
            )
        }
        history = conn.execute(
            "SELECT count(*) FROM label_history WHERE coder_id = ?", [coder]
        ).fetchone()[0]
        return labels, history
    finally:
        conn.close()


def _apply(state: dict, writes) -> dict:
    state = dict(state)
    for unit, dimension, value in writes:
        if value is None:
            state.pop((unit, dimension), None)
        else:
            state[(unit, dimension)] = value
    return state


def _env() -> dict:
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


def test_labels_whose_write_returned_survive_thirty_sigkills(corpus_project):
    path = store.db.project_path(corpus_project)
    store.ensure_coder(corpus_project, killable_writer.CODER)
    units, codes = killable_writer.project_shape(corpus_project)
    corpus_project.close()  # no connection of ours may cross a fork
    rng = random.Random(20261122)
    process = subprocess.Popen(
        [sys.executable, str(HERE / "killable_writer.py"), "labels", str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=_env(),
    )
    lines = _Lines(process)
    state, history = _labels_of(path, killable_writer.CODER)
    acked_total, inflight_committed = 0, 0
    try:
        lines.until("ready")
        for round_number in range(KILLS):
            seed = rng.randrange(2**32)
            process.stdin.write(f"round {seed}\n".encode())
            process.stdin.flush()
            pid_line, early = lines.until("pid ")
            pid = int(pid_line.split()[1])
            time.sleep(rng.uniform(0.0, 0.25))
            os.kill(pid, signal.SIGKILL)
            _, rest = lines.until(f"end {pid}")
            acks = [int(line.split()[1]) for line in early + rest if line.startswith("ack ")]
            n = len(acks)
            assert acks == list(range(n)), f"round {round_number}: acks out of order"
            writes = list(islice(killable_writer.plan(seed, units, codes), n + 1))
            after_acked = _apply(state, writes[:n])
            with_inflight = _apply(state, writes)
            labels, now_history = _labels_of(path, killable_writer.CODER)
            # Every returned write is there; the write in flight is wholly there or not.
            if now_history == history + n:
                assert labels == after_acked, f"round {round_number}: a returned write is lost"
            else:
                assert now_history == history + n + 1, f"round {round_number}: history"
                assert labels == with_inflight, f"round {round_number}: torn write"
                inflight_committed += 1
            state, history = labels, now_history
            acked_total += n
        process.stdin.write(b"stop\n")
        process.stdin.flush()
    finally:
        process.kill()
        process.wait()
    assert acked_total > 100, "the writer should have done real work between kills"
    db = store.open_project(path)  # and the app opens it as usual
    assert store.counts(db)["labels"] == len(state)
    db.close()
    print(f"{KILLS} kills, {acked_total} acknowledged writes, {inflight_committed} in flight")


def _big_jsonl(path: Path, articles: int, sentences: int) -> None:
    rng = random.Random(5)
    words = [
        "the",
        "alliance",
        "talks",
        "pressure",
        "trust",
        "summit",
        "minister",
        "said",
        "would",
        "china",
    ]
    with path.open("w", encoding="utf-8") as handle:
        for a in range(articles):
            text = " ".join(
                " ".join(rng.choice(words) for _ in range(10)).capitalize() + "."
                for _ in range(sentences)
            )
            handle.write(json.dumps({"id": a, "title": f"Article {a}", "text": text}) + "\n")


def _wait_for_wal(project: Path, timeout: float = 5) -> None:
    """Return as soon as the importer has written pages to the WAL (mid-transaction)."""
    wal = Path(f"{project}-wal")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size > 64 * 1024:
            return
        time.sleep(0.0005)


def _kill_writer(
    mode: str, project: Path, source: Path, moment: str, start: str = "storing"
) -> tuple[list[str], int]:
    """Run ``killable_writer.py MODE PROJECT SOURCE`` and SIGKILL it at ``moment``; returns
    its lines and the size of the WAL it left."""
    process = subprocess.Popen(
        [sys.executable, str(HERE / "killable_writer.py"), mode, str(project), str(source)],
        stdout=subprocess.PIPE,
        env=_env(),
    )
    lines = _Lines(process)
    seen: list[str] = []
    try:
        if moment == "reading":
            # The import has begun: the file is being read and segmented, which takes
            # far longer than this (starting the segmenting processes alone does).
            _, seen = lines.until("reading")
            time.sleep(0.05)
        else:
            _, seen = lines.until(start)
            if moment == "wal":
                _wait_for_wal(project)
            else:
                time.sleep(float(moment))
        process.send_signal(signal.SIGKILL)
        process.wait()
        with contextlib.suppress(EOFError):
            while True:
                seen += lines.read(0.1)
    finally:
        process.kill()
        process.wait()
    wal = Path(f"{project}-wal")
    return seen, wal.stat().st_size if wal.exists() else 0


def test_an_import_killed_midway_leaves_the_project_as_before(tmp_path, corpus_project, dump):
    pristine = store.db.project_path(corpus_project)
    corpus_project.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    corpus_project.close()
    before = dump(pristine)
    source = tmp_path / "big.jsonl"
    _big_jsonl(source, articles=300, sentences=40)
    outcomes = []
    # "reading": before the transaction; seconds after "storing" (every batch stored,
    # the commit next); "wal": as soon as the transaction, which stores each batch as it
    # is segmented, has spilled pages into the WAL, long before its commit.
    reader = store.open_project(pristine, readonly=True)
    articles_before = store.counts(reader)["articles"]
    reader.close()
    for moment in ("reading", "0.05", "wal"):
        project = tmp_path / f"round-{len(outcomes)}.stance"
        shutil.copyfile(pristine, project)
        start = "reading" if moment == "wal" else "storing"
        seen, wal_bytes = _kill_writer("import", project, source, moment, start)
        if dump(project) == before:
            outcome = "as before"
        else:  # the kill came after the commit: then the import is whole
            db = store.open_project(project)
            assert store.counts(db)["articles"] == articles_before + 300, moment
            db.close()
            outcome = "complete"
        if "done" in seen:
            assert outcome == "complete", moment
        if moment == "reading":  # killed before its transaction began
            assert "storing" not in seen, seen
        outcomes.append((moment, outcome, wal_bytes))
    print(outcomes)
    assert outcomes[0][1] == "as before", outcomes
    # The decisive case: written but uncommitted pages in the WAL, which SQLite's
    # recovery ignored: the transaction really was cut in the middle.
    _, outcome, wal_bytes = outcomes[-1]
    assert outcome == "as before" and wal_bytes > 64 * 1024, outcomes


def test_a_merge_killed_midway_leaves_the_project_as_before(tmp_path, empty_project, dump):
    db = empty_project
    source = tmp_path / "big.jsonl"
    _big_jsonl(source, articles=150, sentences=40)
    import_paths(db, [source])
    store.ensure_coder(db, "kb_2x", "Kim Bora")
    package = tmp_path / "kb.stance"
    team.create_package(db, "kb_2x", package)
    coded = store.open_project(package)
    dimensions = store.current_scheme(coded).dimensions
    units = [r[0] for r in coded.execute("SELECT id FROM units WHERE excluded = 0")]
    with store.write_transaction(coded):  # one commit: savepoints inside
        for unit in units:
            for d in dimensions:
                store.set_label(coded, unit, "kb_2x", d.id, d.codes[0])
    coded.close()
    expected = len(units) * len(dimensions)
    pristine = store.db.project_path(db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    before = dump(pristine)
    outcomes = []
    for moment in ("wal", "0.3"):
        project = tmp_path / f"merge-{moment}.stance"
        shutil.copyfile(pristine, project)
        seen, wal_bytes = _kill_writer("merge", project, package, moment, start="merging")
        if dump(project) == before:
            outcome = "as before"
        else:
            merged = store.open_project(project)
            assert len(store.labels_frame(merged, coders=["kb_2x"])) == expected, moment
            merged.close()
            outcome = "complete"
        if "done" in seen:
            assert outcome == "complete", moment
        outcomes.append((moment, outcome, wal_bytes))
    print(outcomes)
    _, outcome, wal_bytes = outcomes[0]
    assert outcome == "as before" and wal_bytes > 64 * 1024, outcomes
