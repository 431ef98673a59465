"""How the exports stream: whatever the fetch, batch and write sizes, the files are the
same bytes, and the column-wise CSV writer writes what the csv module writes."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.core.export import export, formats, layouts
from desktop.core.export.formats import WriteContext, defuse
from desktop.core.export.layouts import Batch, Column, Kind, RowBatch, Shared, Table
from desktop.core.store import export_frames
from desktop.core.store import export_queries as q


def _csv_module(rows: list[tuple], kinds: list[Kind], excel: bool) -> str:
    """What the writer wrote before it worked column by column: csv.writer, row by row,
    with a carriage return in a cell quoted like a line feed (the module's line end set
    to "\r\n" makes it quote one; each row's own "\r\n" becomes "\n")."""
    out = []
    for row in rows:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        cells = list(row)
        for i, kind in enumerate(kinds):
            if kind is Kind.BOOL:
                cells[i] = "" if cells[i] is None else ("true" if cells[i] else "false")
            elif excel and kind is Kind.TEXT:
                cells[i] = defuse(cells[i])
        writer.writerow(cells)
        out.append(buffer.getvalue()[:-2] + "\n")
    return "".join(out)


def _ours(batch: Batch, kinds: list[Kind], excel: bool) -> str:
    return formats._csv_text(batch, kinds, formats._CsvCells(excel))


texts = st.text(alphabet=st.sampled_from(list('ab ,"\n\r\t=+-@é€\x00')), max_size=6)
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.sampled_from([0.0, -0.0])
)
anything = st.one_of(st.none(), texts, numbers, st.booleans())
KINDS = [Kind.TEXT, Kind.FLOAT, Kind.INT, Kind.BOOL, Kind.CODE]


@given(
    st.lists(st.tuples(st.sampled_from(KINDS), st.lists(anything, min_size=4, max_size=4)),
             min_size=1, max_size=5),
    st.booleans(),
)  # fmt: skip
def test_csv_cells_are_the_csv_modules(columns, excel):
    kinds = [kind for kind, _ in columns]
    rows = list(zip(*(values for _, values in columns), strict=True))
    want = _csv_module(rows, kinds, excel)
    assert _ours(RowBatch(rows, len(kinds)), kinds, excel) == want
    # The same rows with every column shared on one index: its distinct entries once.
    index = [2, 0, 0, 1]
    shared = [Shared([values[i] for i in (1, 2, 0)], index) for _, values in columns]
    again = [tuple(values[(1, 2, 0)[i]] for _, values in columns) for i in index]
    assert _ours(Batch(shared, 4), kinds, excel) == _csv_module(again, kinds, excel)


@given(st.lists(st.sampled_from([0.5, 1.25, 3.0, -0.0, 0.0, 1e16, 1e-5, math.inf]), max_size=60))
def test_repeated_floats_are_written_as_repr(values):
    assert formats._float_cells(values) == list(map(repr, values))


def _export_bytes(db, tmp_path, name: str, fmt: str) -> bytes:
    out = tmp_path / f"{name}.{fmt}"
    export(db, "long", fmt, out)
    return out.read_bytes()


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl", "dta"])
def test_long_export_does_not_depend_on_fetch_batch_or_write_sizes(
    coded_project, tmp_path, monkeypatch, fmt
):
    first = _export_bytes(coded_project, tmp_path, "first", fmt)
    # Fetches that end inside a unit's labels, batches that end inside a unit (parquet
    # files differ with their row groups, so their batch size stays), CSV parts of a row.
    monkeypatch.setattr(q, "CHUNK", 2)
    monkeypatch.setattr(export_frames, "CHUNK_UNITS", 2)  # the Arrow path's ranges of units
    if fmt != "parquet":
        monkeypatch.setattr(layouts, "BATCH_ROWS", 5)
    monkeypatch.setattr(formats, "CELLS_AT_A_TIME", 20)
    assert _export_bytes(coded_project, tmp_path, "second", fmt) == first


def test_wide_csv_written_in_parts_is_the_same(coded_project, tmp_path, monkeypatch):
    whole = tmp_path / "whole.csv"
    export(coded_project, "wide", "csv", whole)
    monkeypatch.setattr(formats, "CELLS_AT_A_TIME", 1)
    parts = tmp_path / "parts.csv"
    export(coded_project, "wide", "csv", parts)
    assert parts.read_bytes() == whole.read_bytes()


def test_labels_are_put_in_scheme_order_within_each_unit_and_coder(scheme):
    # The scheme lists stance (0), alliance_trust (1), china_role (2); SQLite gives each
    # unit's labels by coder and then dimension id: alliance_trust, china_role, stance.
    assert scheme.dimension_ids == ("stance", "alliance_trust", "china_role")
    fetched = [
        (1, "a", "alliance_trust"), (1, "a", "china_role"), (1, "a", "stance"),
        (1, "b", "china_role"), (1, "b", "stance"),
        (2, "a", "alliance_trust"),
        (2, "b", "stance"),
        (3, "a", "china_role"), (3, "a", "stance"),
    ]  # fmt: skip
    labels = layouts._Labels(scheme)
    seqs = [seq for seq, _, _ in fetched]
    keys = [q.KEY_SEPARATOR.join((dim, "x", coder)) for _, coder, dim in fetched]
    entries = list(map(labels.__getitem__, keys))
    order = labels.reordering(seqs, entries)
    coder, dimension = labels.columns[0], labels.columns[1]
    ordered = [(seqs[r], coder[entries[r]], dimension[entries[r]]) for r in order]
    assert ordered == [
        (1, "a", "stance"), (1, "a", "alliance_trust"), (1, "a", "china_role"),
        (1, "b", "stance"), (1, "b", "china_role"),
        (2, "a", "alliance_trust"),
        (2, "b", "stance"),
        (3, "a", "stance"), (3, "a", "china_role"),
    ]  # fmt: skip
    # Rows already in order need no reordering.
    in_order = [entries[r] for r in order]
    assert labels.reordering([seqs[r] for r in order], in_order) is None


def test_a_coder_id_with_the_key_separator_is_kept_whole(coded_project, tmp_path):
    from desktop.core import store

    unit = next(iter(store.iter_units_rows(coded_project)))["unit_id"]
    odd = f"odd{q.KEY_SEPARATOR}coder"
    store.ensure_coder(coded_project, odd)
    store.set_label(coded_project, unit, odd, "stance", "pressure")
    out = tmp_path / "long.jsonl"
    export(coded_project, "long", "jsonl", out)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    mine = [r for r in rows if r["coder"] == odd]
    assert [(r["unit_id"], r["dimension"], r["value"]) for r in mine] == [
        (unit, "stance", "pressure")
    ]


def test_a_state_without_a_label_in_scope_is_left_out(coded_project, tmp_path):
    from desktop.core import store

    unit = next(iter(store.iter_units_rows(coded_project)))["unit_id"]
    store.ensure_coder(coded_project, "zed")
    store.set_note(coded_project, unit, "zed", "a note but no label")
    out = tmp_path / "long.csv"
    export(coded_project, "long", "csv", out)
    assert "a note but no label" not in out.read_text(encoding="utf-8")


def test_csv_of_a_table_without_rows_is_its_header(tmp_path, scheme):
    table = Table("long", scheme, [Column("a", Kind.TEXT), Column("b", Kind.BOOL)], iter([]), 0)
    ctx = WriteContext(db=None, filters=None, meta={}, data_as_of="", project_id="",
                       project_name="")  # fmt: skip
    buffer = io.StringIO()
    assert formats.write_csv(buffer, table, ctx, excel=False) == 0
    assert buffer.getvalue() == "a,b\n"


def test_the_garbage_collector_runs_again_after_an_export(coded_project, tmp_path):
    import gc

    from desktop.core.export import ExportCancelled

    export(coded_project, "long", "csv", tmp_path / "done.csv")
    assert gc.isenabled()
    with pytest.raises(ExportCancelled):
        export(
            coded_project, "long", "parquet", tmp_path / "x.parquet", progress=lambda d, t: d < 1
        )
    assert gc.isenabled()
