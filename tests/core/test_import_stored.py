"""An import stores exactly what it stored before the import was made faster (issue 24).

The digests below are of the rows that main (commit 1a38fd9, before storing moved into
the import's batches) stored for the same inputs, computed by that code with
:func:`stored_digest`; the time of the import and the folder the files came from are
left out of them (they differ from run to run), everything else is in: every column of
articles, paragraphs, units (with their rowids) and the import's log entry.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from benchmarks.newstext import Picker, article
from desktop.core import store
from desktop.core.corpus.importer import import_paths

#: main's digests (see the module docstring): the five demo articles, and the set that
#: :func:`generated_articles` writes.
DEMO_DIGEST = "7af10b635654e49f9c01ea36c32c690521af07c239cb62d826291ed6ad6fd79e"
GENERATED_DIGEST = "589afe9055d8da5be2d9734697575ce5f87020d0dd78176620c8e8fd4fc5c0e8"
GENERATED_ARTICLES = 60


def generated_articles(folder: Path) -> Path:
    """News-like articles with web clutter, from the benchmark's generator (fixed seed)."""
    folder.mkdir()
    picker = Picker(np.random.default_rng([24, 1]))
    for number in range(1, GENERATED_ARTICLES + 1):
        text, _ = article(picker, 20 + number % 40)
        (folder / f"generated_{number:03d}.txt").write_text(text, encoding="utf-8")
    return folder


def stored_digest(path: Path, folder: Path) -> str:
    """SHA-256 of every row an import of ``folder`` stored, its time and folder left out.

    Also checks that every row of the import carries one and the same time.
    """
    prefix = str(folder)
    conn = sqlite3.connect(path)
    try:
        times = conn.execute(
            "SELECT imported_at FROM articles UNION SELECT created_at FROM units"
        ).fetchall()
        assert len(times) == 1, times
        parts = [
            conn.execute(
                "SELECT rowid, id, position, title, source, author, date, url, text, "
                "content_hash, metadata, replace(origin, ?, ''), encoding, excluded "
                "FROM articles ORDER BY rowid",
                [prefix],
            ).fetchall(),
            conn.execute("SELECT * FROM paragraphs ORDER BY article_id, idx").fetchall(),
            conn.execute(
                "SELECT rowid, id, seq, article_id, paragraph, sentence, start, end, text, "
                "excluded, excluded_by, retired, manual, typeof(excluded), typeof(start) "
                "FROM units ORDER BY rowid"
            ).fetchall(),
            conn.execute(
                "SELECT id, who, action, replace(details, ?, '') FROM change_log ORDER BY id",
                [prefix],
            ).fetchall(),
        ]
    finally:
        conn.close()
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def imported_digest(folder: Path, project: Path, scheme, workers: int) -> str:
    db = store.create_project(project, scheme)
    try:
        import_paths(db, [folder], workers=workers)
    finally:
        db.close()
    return stored_digest(project, folder)


@pytest.mark.parametrize("workers", [1, 2])
def test_the_demo_articles_are_stored_as_before(corpus_dir, tmp_path, scheme, workers):
    project = tmp_path / "demo.stance"
    assert imported_digest(corpus_dir, project, scheme, workers) == DEMO_DIGEST


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_generated_articles_are_stored_as_before(tmp_path, scheme, workers):
    folder = generated_articles(tmp_path / "generated")
    project = tmp_path / "generated.stance"
    assert imported_digest(folder, project, scheme, workers) == GENERATED_DIGEST


def test_the_import_gives_the_connection_its_own_page_cache_back(corpus_project, tmp_path):
    db = corpus_project
    before = db.conn.execute("PRAGMA cache_size").fetchone()[0]
    import_paths(db, [generated_articles(tmp_path / "more")], workers=1)
    assert db.conn.execute("PRAGMA cache_size").fetchone()[0] == before


def test_the_fast_test_for_odd_spaces_finds_what_the_regex_finds():
    """split._odd_spaces replaced ``re.search(r"\\s{2,}|[^\\S ]", text)``: the same answer
    on every string of up to four characters from plain and odd whitespace and text."""
    import itertools
    import re

    from desktop.core.corpus.split import _odd_spaces

    regex = re.compile(r"\s{2,}|[^\S ]")
    pieces = [" ", "a", ".", "\t", "\n", "\r", "\xa0", "\u2009", "\u3000", "\x1f", "\x85"]
    checked = 0
    for size in range(1, 5):
        for chars in itertools.product(pieces, repeat=size):
            text = "".join(chars)
            assert _odd_spaces(text) == (regex.search(text) is not None), repr(text)
            checked += 1
    assert checked == sum(len(pieces) ** n for n in range(1, 5))
