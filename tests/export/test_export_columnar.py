"""The long layout's Arrow path (desktop/core/export/columnar.py) writes the same bytes as
the row-by-row path it replaces for CSV, csv-excel and Parquet, on cells made to trip a
CSV writer, however the units are cut into ranges and whichever connection reads."""

from __future__ import annotations

import csv
import dataclasses

import pyarrow.parquet as pq
import pytest

from desktop.core import store
from desktop.core.export import LAYOUTS, export
from desktop.core.export import layouts as layouts_module
from desktop.core.store import export_frames

FORMATS = ("csv", "csv-excel", "parquet")
HOSTILE = [
    'He said "no", twice',
    "a line\nbreak",
    "carriage\rreturn alone",
    "crlf\r\nend",
    "\ttab first",
    "=1+2",
    "+82, -5, @sum",
    "Ünïcödé — 한국 · 🇰🇷",
    "",
    "   spaces   ",
    '"',
    ",",
]


def _row_by_row(monkeypatch) -> None:
    """Make the long layout go without its Arrow frames (the path before them)."""
    long = LAYOUTS["long"]

    def build(db, scheme, filters):
        return dataclasses.replace(long.build(db, scheme, filters), columnar=None)

    monkeypatch.setitem(LAYOUTS, "long", dataclasses.replace(long, build=build))


def _hostile(db, texts=HOSTILE) -> None:
    """Sentences, a title, notes and a coder id that a CSV writer can get wrong, and a
    label time stored as text (before 1970: kept as it came)."""
    units = [r["unit_id"] for r in store.iter_units_rows(db)]
    with store.write_transaction(db):
        for unit, text in zip(units[2:], texts, strict=False):
            db.execute("UPDATE units SET text = ? WHERE id = ?", [text, unit])
        db.execute(
            "UPDATE articles SET title = ? WHERE id = (SELECT article_id FROM units WHERE id = ?)",
            ['=Title, "quoted"\r\nand more', units[0]],
        )
    store.ensure_coder(db, 'Zoë "Z", the third')
    for i, text in enumerate(texts):
        store.set_label(db, units[2 + i], 'Zoë "Z", the third', "stance", "engagement")
        store.set_note(db, units[2 + i], 'Zoë "Z", the third', text or "x")
    store.set_unsure(db, units[3], 'Zoë "Z", the third', True)
    with store.write_transaction(db):
        db.execute(
            "UPDATE labels SET changed_at = ? WHERE unit_id = ? AND coder_id = ?",
            ["1969-12-31T23:59:59.500000Z", units[4], 'Zoë "Z", the third'],
        )


def _export(db, tmp_path, name: str, fmt: str, **kwargs) -> bytes:
    out = tmp_path / f"{name}.{'parquet' if fmt == 'parquet' else 'csv'}"
    export(db, "long", fmt, out, **kwargs)
    return out.read_bytes()


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_arrow_path_writes_the_row_by_row_bytes_on_hostile_cells(
    coded_project, tmp_path, monkeypatch, fmt
):
    _hostile(coded_project)
    arrow = _export(coded_project, tmp_path, "arrow", fmt)
    with monkeypatch.context() as patch:
        _row_by_row(patch)
        rows = _export(coded_project, tmp_path, "rows", fmt)
    assert arrow == rows
    # Ranges of three units read two at a time, and the caller's own connection.
    monkeypatch.setattr(export_frames, "CHUNK_UNITS", 3)
    assert _export(coded_project, tmp_path, "small", fmt) == rows
    monkeypatch.setattr(export_frames, "_adbc_reader", lambda db, articles: None)
    assert _export(coded_project, tmp_path, "sqlite3", fmt) == rows


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_filters_give_the_row_by_row_bytes(coded_project, tmp_path, monkeypatch, fmt):
    _hostile(coded_project)
    articles = tuple(sorted(store_article_ids(coded_project))[:2])
    filters = layouts_module.Filters(coders=("bo", 'Zoë "Z", the third'), articles=articles)
    arrow = _export(coded_project, tmp_path, "arrow", fmt, filters=filters)
    _row_by_row(monkeypatch)
    assert arrow == _export(coded_project, tmp_path, "rows", fmt, filters=filters)


def store_article_ids(db) -> set[str]:
    return {row[0] for row in db.execute("SELECT id FROM articles")}


# Every cell, a lone carriage return included, reads back as stored (Python 3.11's csv
# module alone would leave a lone carriage return unquoted, and readers end the row there).
READABLE = HOSTILE


def test_hostile_cells_read_back_as_stored(coded_project, tmp_path):
    _hostile(coded_project, READABLE)
    out = tmp_path / "long.csv"
    export(coded_project, "long", "csv", out)
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    zoe = [r for r in rows if r["coder"] == 'Zoë "Z", the third']
    assert [r["text"] for r in zoe] == READABLE
    assert [r["note"] for r in zoe] == [t or "x" for t in READABLE]
    assert [r["unsure"] for r in zoe] == ["false", "true", *["false"] * (len(READABLE) - 2)]
    assert zoe[2]["changed_at"] == "1969-12-31T23:59:59.500000Z"
    titles = {r["article_title"] for r in rows}
    assert '=Title, "quoted"\r\nand more' in titles
    # DuckDB's own CSV reader and Parquet reader agree with Python's csv module.
    duckdb = pytest.importorskip("duckdb")
    texts = duckdb.sql(
        f"SELECT text FROM read_csv('{out}', header = true, all_varchar = true, "
        "quote = '\"', escape = '\"') WHERE coder = 'Zoë \"Z\", the third'"
    ).fetchall()
    assert [t[0] or "" for t in texts] == READABLE
    # pandas' C parser takes an unquoted lone carriage return for a line end.
    import pandas as pd

    frame = pd.read_csv(out, dtype=str, keep_default_na=False, engine="c")
    assert frame.loc[frame["coder"] == 'Zoë "Z", the third', "text"].tolist() == READABLE
    assert len(frame) == len(rows)
    parquet = tmp_path / "long.parquet"
    export(coded_project, "long", "parquet", parquet)
    table = pq.read_table(parquet)
    assert table.column("text").to_pylist() == [r["text"] for r in rows]
    assert table.num_rows == len(rows)


def _view_counts(db, dimensions, coders, articles) -> tuple[int, int, int, int]:
    """The counts computed the plain way, through the views, for comparison."""
    where, params = "u.excluded = 0 AND a.excluded = 0", []
    if articles is not None:
        where += f" AND u.article_id IN ({', '.join('?' * len(articles))})"
        params += list(articles)
    units = db.execute(
        f"SELECT count(*), count(DISTINCT u.article_id) FROM units u "
        f"JOIN articles a ON a.id = u.article_id WHERE {where}",
        params,
    ).fetchone()
    if coders is not None:
        where += f" AND l.coder_id IN ({', '.join('?' * len(coders))})"
        params += list(coders)
    inside = f"l.dimension IN ({', '.join('?' * len(dimensions))})"
    total, covered = db.execute(
        f"SELECT count(*), count(CASE WHEN {inside} THEN 1 END) FROM labels l "
        "JOIN units u ON u.id = l.unit_id JOIN articles a ON a.id = u.article_id "
        f"WHERE {where}",
        [*dimensions, *params],
    ).fetchone()
    return covered, total - covered, units[0], units[1]


def test_counts_leave_out_excluded_and_removed_units(coded_project):
    from desktop.core.store import export_queries as q

    db = coded_project
    units = [r["unit_id"] for r in store.iter_units_rows(db)]
    articles = sorted(store_article_ids(db))
    with store.write_transaction(db):
        db.execute("UPDATE units SET excluded = 1 WHERE id = ?", [units[0]])
        db.execute("UPDATE articles SET excluded = 1 WHERE id = ?", [articles[-1]])
    db.execute("PRAGMA foreign_keys = OFF")
    with store.write_transaction(db):  # a unit gone, its labels left behind (a stale key)
        db.execute("DELETE FROM units WHERE id = ?", [units[1]])
    scheme = store.current_scheme(db)
    for dims in (scheme.dimension_ids, scheme.dimension_ids[1:]):
        for coders in (None, ("bo", "nobody"), ()):
            for chosen in (None, tuple(articles[:2])):
                want = _view_counts(db, dims, coders, chosen)
                got = (
                    *q.label_counts(db, dims, coders, chosen),
                    q.count_units(db, chosen),
                    q.count_articles(db, chosen),
                )
                assert got == want
                assert coders == () or want[0] > 0
