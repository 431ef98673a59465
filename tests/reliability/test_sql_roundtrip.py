"""Every value a user supplies is bound as a parameter: quotes, NUL bytes and SQL fragments
in articles, metadata, coder names, labels and notes come back exactly as they went in."""

from __future__ import annotations

import csv

import pytest

from desktop.core import store
from desktop.core.corpus.importer import import_paths

HOSTILE = [
    "Robert'); DROP TABLE labels;--",
    'He said "no" -- twice; /* really */',
    "nul\x00inside",
    "' OR '1'='1",
    "1; UPDATE articles SET excluded = 1",
    "\u202eright-to-left\u202c and zero\u200bwidth\u200d",
    "emoji 🇰🇷 and CJK 한미동맹",
    "back\\slash %s %% ? ?1 :name @x $y",
]


@pytest.fixture
def hostile_csv(tmp_path):
    path = tmp_path / "hostile.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "title", "source", "author", "url", "text", "desk"])
        for i, value in enumerate(HOSTILE):
            text = f"First sentence of article {i}. It quotes {value} in full."
            writer.writerow([f"x{i}", value, value, value, value, text, value])
    return path


def test_article_text_and_metadata_round_trip_unchanged(empty_project, hostile_csv):
    db = empty_project
    summary = import_paths(db, [hostile_csv])
    assert len(summary.added) == len(HOSTILE)
    articles = store.list_articles(db)
    for i, (article, value) in enumerate(zip(articles, HOSTILE, strict=True)):
        assert (article.title, article.source, article.author, article.url) == (value,) * 4
        assert article.metadata == {"desk": value, "external_id": f"x{i}"}
        text = f"First sentence of article {i}. It quotes {value} in full."
        assert store.article_text(db, article.id) == text
        units = store.article_units(db, article.id)
        assert value in " ".join(u.text for u in units)  # split into sentences maybe
    assert db.execute("SELECT count(*) FROM labels").fetchone()[0] == 0  # no table dropped
    assert sorted(db.table_names()) == sorted(set(db.table_names()))


def test_coder_names_labels_and_notes_round_trip_unchanged(corpus_project):
    db = corpus_project
    unit = db.execute("SELECT id FROM units WHERE excluded = 0 LIMIT 1").fetchone()[0]
    for value in HOSTILE:
        coder = store.ensure_coder(db, value, name=value)
        store.set_label(db, unit, coder, "stance", value)
        store.set_note(db, unit, coder, value)
        assert store.unit_labels(db, unit, coder) == {"stance": value}
        assert store.unit_state(db, unit, coder)["note"] == value
    assert [c["name"] for c in store.list_coders(db)] == sorted(HOSTILE)
    frame = store.labels_frame(db, coders=HOSTILE)
    assert sorted(frame["value"]) == sorted(HOSTILE)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
