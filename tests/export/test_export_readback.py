"""Every allowed layout x format pair, read back with an independent reader and compared
with the project's contents (computed through the store, not the export code)."""

from __future__ import annotations

import pytest
from export_helpers import (
    csv_text,
    expected,
    norm,
    read_csv,
    read_jsonl,
    read_parquet,
    read_stats,
    read_xlsx,
)

from desktop.core import store
from desktop.core.export import FORMATS, LAYOUTS, export, refusal
from desktop.core.export.formats import defuse

TABLE_FORMATS = ("csv", "csv-excel", "jsonl", "parquet", "xlsx", "sav", "dta")
PAIRS = [(la, fm) for la in LAYOUTS for fm in TABLE_FORMATS if refusal(la, fm) is None]


def test_the_matrix_is_what_the_documentation_says():
    allowed = {(la, fm) for la in LAYOUTS for fm in FORMATS if refusal(la, fm) is None}
    data = {"long", "wide", "gold", "units"}
    everywhere = {"csv", "csv-excel", "jsonl", "parquet", "xlsx"}
    assert allowed == (
        {(la, fm) for la in [*data, "codebook"] for fm in everywhere}
        | {(la, fm) for la in data for fm in ("sav", "dta")}
        | {("long", "qdpx"), ("codebook", "qdc")}
    )


@pytest.mark.parametrize(("layout", "fmt"), PAIRS, ids=[f"{la}-{fm}" for la, fm in PAIRS])
def test_export_reads_back_as_the_project(coded_project, tmp_path, layout, fmt):
    out = tmp_path / f"out{FORMATS[fmt].suffix}"
    result = export(coded_project, layout, fmt, out)
    names, rows, code_columns = expected(coded_project, layout)
    assert result.rows == len(rows) > 0

    if fmt in ("csv", "csv-excel"):
        got_names, got = read_csv(out, excel=fmt == "csv-excel")
        # Only text is guarded: a number such as -1 stays a number.
        guard = defuse if fmt == "csv-excel" else (lambda v: v)
        want = [[guard(v) if isinstance(v, str) else csv_text(v) for v in row] for row in rows]
        assert got_names == names
        assert got == want
        return

    if fmt == "jsonl":
        got_names, got = read_jsonl(out)
    elif fmt == "parquet":
        got_names, got = read_parquet(out)
    elif fmt == "xlsx":
        got_names, got = read_xlsx(out)
    else:
        got_names, got, meta = read_stats(out)
        scheme = store.current_scheme(coded_project)
        # Category columns hold numbers; their value labels say which category.
        for i, name in enumerate(names):
            if name in code_columns:
                dim = scheme.dimension(code_columns[name])
                value_labels = meta.variable_value_labels[name]
                for row, got_row in zip(rows, got, strict=True):
                    row[i] = dim.category(row[i]).label if row[i] is not None else None
                    got_row[i] = None if got_row[i] != got_row[i] else value_labels[got_row[i]]
            elif isinstance(next((r[i] for r in rows if r[i] is not None), None), bool):
                for row in rows:
                    row[i] = None if row[i] is None else float(row[i])
    assert got_names == names
    assert [[norm(v) for v in row] for row in got] == [[norm(v) for v in row] for row in rows]


def test_long_csv_rows_are_in_unit_coder_scheme_order(coded_project, tmp_path):
    out = tmp_path / "long.csv"
    export(coded_project, "long", "csv", out)
    _, rows = read_csv(out)
    scheme = store.current_scheme(coded_project)
    seq = {r["unit_id"]: n for n, r in enumerate(store.iter_units_rows(coded_project))}
    position = {d: n for n, d in enumerate(scheme.dimension_ids)}
    keys = [(seq[r[0]], r[6], position[r[7]]) for r in rows]
    assert keys == sorted(keys)
    assert [r[7] for r in rows[:3]] == ["stance", "alliance_trust", "china_role"]
