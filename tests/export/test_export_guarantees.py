"""The issue's guarantees: reproducible files, a sidecar, a round trip through
import-labels, bounded batches with progress, filters, and refusals that leave nothing."""

from __future__ import annotations

import json
import zipfile

import pytest
from export_helpers import add_formula_article, read_csv, read_jsonl, read_stats

from desktop.cli import main
from desktop.core import store
from desktop.core.errors import UsageError
from desktop.core.export import (
    FORMATS,
    LAYOUTS,
    ExportCancelled,
    default_export_path,
    estimate_rows,
    export,
    layouts,
    refusal,
    tabular,
    xlsx,
)
from desktop.core.export.layouts import Filters
from desktop.core.resources import data_dir

PAIRS = [(la, fm) for la in LAYOUTS for fm in FORMATS if refusal(la, fm) is None]


@pytest.mark.parametrize(("layout", "fmt"), PAIRS, ids=[f"{la}-{fm}" for la, fm in PAIRS])
def test_two_exports_of_the_same_project_are_identical(coded_project, tmp_path, layout, fmt):
    suffix = FORMATS[fmt].suffix
    first, second = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    export(coded_project, layout, fmt, first)
    export(coded_project, layout, fmt, second)
    assert first.read_bytes() == second.read_bytes()
    meta = [json.loads((p.parent / (p.name + ".meta.json")).read_text()) for p in (first, second)]
    for m, name in zip(meta, ("a", "b"), strict=True):
        assert m.pop("exported_at") and m.pop("file") == name + suffix
    assert meta[0] == meta[1]


def test_timestamps_inside_files_come_from_the_project_not_the_clock(coded_project, tmp_path):
    export(coded_project, "long", "xlsx", tmp_path / "a.xlsx")
    export(coded_project, "gold", "sav", tmp_path / "a.sav")
    as_of = json.loads((tmp_path / "a.xlsx.meta.json").read_text())["data_as_of"]
    year, month, day = (int(p) for p in as_of[:10].split("-"))
    with zipfile.ZipFile(tmp_path / "a.xlsx") as archive:
        assert {i.date_time[:3] for i in archive.infolist()} == {(year, month, day)}
        assert as_of[:19].encode() in archive.read("docProps/core.xml")
    _, _, meta = read_stats(tmp_path / "a.sav")
    assert meta.creation_time.date().isoformat() == as_of[:10]


def test_sidecar_describes_the_export(coded_project, tmp_path):
    out = tmp_path / "gold.csv"
    export(coded_project, "gold", "csv", out, filters=Filters(coders=("ann", "bo")))
    meta = json.loads((tmp_path / "gold.csv.meta.json").read_text(encoding="utf-8"))
    assert meta["scheme"] == {"id": "korea_alliance", "version": "1.0",
                              "title": "Korea alliance stance"}  # fmt: skip
    assert meta["app_version"] and meta["exported_at"].endswith("Z")
    assert meta["filters"] == {"coders": ["ann", "bo"], "articles": None}
    assert meta["coders"] == ["ann", "bo"]
    assert meta["counts"] == {"articles": 6, "units": 131, "labels": 186, "coders": 2}
    assert meta["rows"] == 131
    assert "strict majority" in meta["gold_rule"]
    assert [c["name"] for c in meta["columns"]][:2] == ["unit_id", "article_id"]
    assert "131 rows" in meta["description"] and "limited to coders ann, bo" in meta["description"]


def test_long_csv_round_trips_through_import_labels(coded_project, tmp_path, corpus_dir, scheme):
    first = tmp_path / "first.csv"
    export(coded_project, "long", "csv", first)
    # A fresh copy of the project: the same corpus imported into a new project file.
    fresh_dir = tmp_path / "fresh"
    fresh_dir.mkdir()
    fresh = fresh_dir / "fresh.stance"
    db = store.create_project(fresh, scheme)
    from desktop.core.corpus.importer import import_paths

    import_paths(db, [corpus_dir])
    add_formula_article(db, fresh_dir)
    db.close()
    assert main(["import-labels", str(fresh), str(first)]) == 0
    second = tmp_path / "second.csv"
    assert main(["export", str(fresh), "--layout", "long", "-o", str(second)]) == 0
    assert second.read_bytes() == first.read_bytes()


def test_batches_are_bounded_and_progress_is_reported(coded_project, tmp_path, monkeypatch):
    monkeypatch.setattr(layouts, "BATCH_ROWS", 7)
    for layout, fmt in (("long", "parquet"), ("wide", "jsonl"), ("gold", "csv")):
        table = layouts.LAYOUTS[layout].build(
            coded_project, store.current_scheme(coded_project), Filters()
        )
        sizes = [len(b) for b in table.batches]
        assert max(sizes) == 7 and sum(sizes) == table.total
        calls = []
        result = export(
            coded_project, layout, fmt, tmp_path / f"x.{fmt}",
            progress=lambda done, total, calls=calls: calls.append((done, total)),
        )  # fmt: skip
        assert calls[0] == (0, result.rows) and calls[-1] == (result.rows, result.rows)
        assert [d for d, _ in calls] == sorted(d for d, _ in calls) and len(calls) > 3
    # Streamed in batches of 7, the files still hold every row, in order.
    names, rows = read_csv(tmp_path / "x.csv")
    assert len(rows) == 131 and names[-1] == "china_role_n_coders"
    assert len(read_jsonl(tmp_path / "x.jsonl")[1]) == 131


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx", "sav", "qdpx"])
def test_a_cancelled_export_leaves_no_file(coded_project, tmp_path, monkeypatch, fmt):
    monkeypatch.setattr(layouts, "BATCH_ROWS", 5)
    out = tmp_path / "exports"
    out.mkdir()
    with pytest.raises(ExportCancelled):
        export(
            coded_project, "long", fmt, out / f"long{FORMATS[fmt].suffix}",
            progress=lambda done, total: done < 10,
        )  # fmt: skip
    assert list(out.iterdir()) == []


def test_estimates_match_the_rows_written(coded_project, tmp_path):
    for layout in LAYOUTS:
        result = export(coded_project, layout, "jsonl", tmp_path / f"{layout}.jsonl")
        assert estimate_rows(coded_project, layout) == result.rows


def test_filters_limit_coders_and_articles(coded_project, tmp_path):
    article = store.list_articles(coded_project)[0].id
    out = tmp_path / "long.jsonl"
    export(coded_project, "long", "jsonl", out, filters=Filters(("bo",), (article,)))
    names, rows = read_jsonl(out)
    assert {r[names.index("coder")] for r in rows} == {"bo"}
    assert {r[names.index("article_id")] for r in rows} == {article}
    wide = tmp_path / "wide.jsonl"
    export(coded_project, "wide", "jsonl", wide, filters=Filters(coders=("bo", "ann")))
    assert [n for n in read_jsonl(wide)[0] if n.startswith("stance__")] == [
        "stance__ann",
        "stance__bo",
    ]


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (Filters(coders=("zed",)), "no coder zed in this project"),
        (Filters(articles=("nope",)), "no article nope in this project"),
    ],
)
def test_unknown_coders_or_articles_are_refused(coded_project, tmp_path, filters, message):
    with pytest.raises(UsageError, match=message):
        export(coded_project, "long", "csv", tmp_path / "x.csv", filters=filters)
    assert list(tmp_path.glob("x.csv*")) == []


def test_formats_with_row_limits_refuse_before_writing(coded_project, tmp_path, monkeypatch):
    # 276 label rows in the long layout, 131 unit rows in the wide one.
    monkeypatch.setattr(xlsx, "MAX_ROWS", 200)
    with pytest.raises(UsageError, match="do not fit in an Excel sheet"):
        export(coded_project, "long", "xlsx", tmp_path / "x.xlsx")
    monkeypatch.setattr(tabular, "IN_MEMORY_ROW_LIMIT", 200)
    with pytest.raises(UsageError, match="use --format csv or parquet"):
        export(coded_project, "long", "dta", tmp_path / "x.dta")
    assert not [p for p in tmp_path.iterdir() if p.name.lstrip(".").startswith("x.")]
    # Wide has one row per unit and fits.
    assert export(coded_project, "wide", "dta", tmp_path / "w.dta").rows == 131


def test_an_uncoded_project_exports_every_pair(corpus_project, tmp_path):
    for layout, fmt in PAIRS:
        out = tmp_path / f"{layout}-{fmt}{FORMATS[fmt].suffix}"
        rows = export(corpus_project, layout, fmt, out).rows
        assert rows == {"long": 0, "codebook": 12}.get(layout, 127), (layout, fmt)
    assert read_csv(tmp_path / "long-csv.csv") == (
        ["unit_id", "article_id", "article_title", "paragraph", "sentence", "text", "coder",
         "dimension", "value", "value_label", "value_numeric", "unsure", "note", "seconds",
         "changed_at"],
        [],
    )  # fmt: skip
    names, rows = read_csv(tmp_path / "gold-csv.csv")
    assert {r[names.index("stance_source")] for r in rows} == {"none"}


def test_the_app_proposes_a_folder_beside_the_project(tmp_path):
    project = tmp_path / "study.stance"
    assert default_export_path(project, "long", "csv-excel") == (
        tmp_path / "study exports" / "study-long-excel.csv"
    )
    assert default_export_path(project, "gold", "dta").name == "study-gold.dta"


def test_templates_live_in_the_exports_folder():
    folder = data_dir("exports")
    assert (folder / "codebook_sheet.toml").is_file()
    assert "{layout}" in (folder / "dataset_paragraph.txt").read_text(encoding="utf-8")
