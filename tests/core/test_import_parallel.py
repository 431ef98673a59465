"""A large import segments its sentences in worker processes: the same project, or nothing.

The demo articles (resources/demo) are imported many times over (each copy made
distinct by a numbered last line, so none is a duplicate) to give the pool several
batches to do; a worker killed mid-import and a cancelled import are real too.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3

import pytest

from desktop.core import store
from desktop.core.corpus import parallel
from desktop.core.corpus.importer import import_paths
from desktop.core.corpus.parallel import LineSegmenter, choose_workers
from desktop.core.corpus.segment import spans_of_lines
from desktop.core.errors import InputError

COPIES = 24
DEMO_ARTICLES = 5


@pytest.fixture
def many_articles(corpus_dir, tmp_path):
    """COPIES distinct copies of each demo article: several batches of lines."""
    folder = tmp_path / "many"
    folder.mkdir()
    for source in sorted(corpus_dir.glob("*.txt")):
        text = source.read_text(encoding="utf-8")
        for copy in range(COPIES):
            name = f"{source.stem}-{copy:02d}.txt"
            (folder / name).write_text(f"{text}\n\nThis is copy number {copy}.\n", "utf-8")
    return folder


def stored_rows(path) -> dict[str, list[tuple]]:
    """What an import stores, without the time it was stored."""
    conn = sqlite3.connect(path)
    try:
        return {
            "articles": conn.execute(
                "SELECT id, position, title, text, content_hash FROM articles ORDER BY position"
            ).fetchall(),
            "paragraphs": conn.execute(
                "SELECT * FROM paragraphs ORDER BY article_id, idx"
            ).fetchall(),
            "units": conn.execute(
                "SELECT id, seq, article_id, paragraph, sentence, start, end, text, excluded, "
                "excluded_by FROM units ORDER BY seq"
            ).fetchall(),
        }
    finally:
        conn.close()


def test_workers_store_exactly_what_one_process_stores(many_articles, tmp_path, scheme):
    summaries, rows = {}, {}
    for workers in (1, 2, 3):
        path = tmp_path / f"workers-{workers}.stance"
        db = store.create_project(path, scheme)
        try:
            summaries[workers] = import_paths(db, [many_articles], workers=workers)
        finally:
            db.close()
        rows[workers] = stored_rows(path)
    lines = sum(
        1 for f in many_articles.glob("*.txt") for line in f.read_text("utf-8").split("\n") if line
    )
    assert lines > 3 * parallel.BATCH_LINES  # the pool had several batches
    assert len(rows[1]["articles"]) == DEMO_ARTICLES * COPIES
    # 127 coded sentences in the five demo articles (test_import), one more per copy
    assert summaries[1].units == COPIES * (127 + DEMO_ARTICLES)
    for workers in (2, 3):
        assert rows[workers] == rows[1]
        assert summaries[workers].added == summaries[1].added
        assert summaries[workers].excluded_lines == summaries[1].excluded_lines
        assert summaries[workers].inline_removed == summaries[1].inline_removed
    assert multiprocessing.active_children() == []


def test_a_worker_that_dies_leaves_its_batch_to_this_process(corpus_dir):
    lines = [
        line
        for f in sorted(corpus_dir.glob("*.txt"))
        for line in f.read_text("utf-8").split("\n")
        if line.strip()
    ]
    expected = spans_of_lines(lines)
    with LineSegmenter(2) as segmenter:
        assert segmenter.parallel
        first = segmenter.submit(lines)
        assert segmenter.result(first, lines) == expected  # the pool works
        for pid in list(segmenter._pool._processes):
            os.kill(pid, signal.SIGKILL)
        pending = segmenter.submit(lines)
        assert segmenter.result(pending, lines) == expected
        assert not segmenter.parallel  # the rest of the import runs here
        assert segmenter.result(segmenter.submit(lines), lines) == expected


def test_cancelling_a_parallel_import_writes_nothing_and_stops_the_workers(
    many_articles, empty_project, tmp_path, dump
):
    before = dump(tmp_path / "project.stance")
    calls = []

    class Cancelled(Exception):
        pass

    def progress(done, total, what):
        calls.append((done, total))
        if len(calls) == 5:
            raise Cancelled

    with pytest.raises(Cancelled):
        import_paths(empty_project, [many_articles], workers=2, progress=progress)
    assert dump(tmp_path / "project.stance") == before
    assert multiprocessing.active_children() == []


def test_a_bad_file_in_a_parallel_import_imports_nothing(
    many_articles, empty_project, tmp_path, dump
):
    (many_articles / "zz-broken.txt").write_bytes(b"\x00\x01\x02binary\x00" * 200)
    before = dump(tmp_path / "project.stance")
    with pytest.raises(InputError) as caught:
        import_paths(empty_project, [many_articles], workers=2)
    message = str(caught.value)
    assert "zz-broken.txt" in message and "binary" in message
    assert "\n" not in message
    assert dump(tmp_path / "project.stance") == before
    assert multiprocessing.active_children() == []


def test_progress_counts_files_up_to_the_total(many_articles, empty_project):
    seen = []
    import_paths(
        empty_project, [many_articles], workers=2, progress=lambda d, t, w: seen.append((d, t))
    )
    total = DEMO_ARTICLES * COPIES
    assert all(t == total for _, t in seen)
    done = [d for d, _ in seen]
    assert done == sorted(done)  # never goes back
    assert done[-1] == total  # the last call is "storing", all files read


def test_how_many_workers(monkeypatch):
    monkeypatch.delenv(parallel.WORKERS_ENV, raising=False)
    assert choose_workers(10_000) == 1  # a few articles: segmented here
    large = parallel.PARALLEL_MIN_BYTES
    assert choose_workers(large) == max(1, min(parallel.usable_cpus(), parallel.MAX_WORKERS))
    assert choose_workers(large, 1) == 1
    assert choose_workers(10_000, 3) == 3
    monkeypatch.setenv(parallel.WORKERS_ENV, "1")
    assert choose_workers(large) == 1
    monkeypatch.setenv(parallel.WORKERS_ENV, "not a number")
    assert choose_workers(10_000) == 1


def test_a_batch_no_worker_has_taken_can_be_done_here(corpus_dir):
    """The importer does the oldest batch no worker has taken while it waits: the same
    result, and a batch done here or already taken is not taken again."""
    lines = [
        line
        for f in sorted(corpus_dir.glob("*.txt"))
        for line in f.read_text("utf-8").split("\n")
        if line.strip()
    ]
    expected = spans_of_lines(lines)
    with LineSegmenter(3) as segmenter:
        pending = [segmenter.submit(lines) for _ in range(12)]
        # 3 workers hold a few batches at most: the last ones are waiting
        assert not segmenter.started(pending[-1])
        taken = segmenter.take_back(pending[-1], lines)
        assert segmenter.started(taken)  # done here, nothing left to take
        assert segmenter.take_back(taken, lines) is taken
        assert [segmenter.result(p, lines) for p in [*pending[:-1], taken]] == [expected] * 12
    with LineSegmenter(1) as alone:
        assert not alone.parallel and alone.started(alone.submit(lines))
