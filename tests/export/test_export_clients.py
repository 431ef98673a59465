"""Exports read by the programs researchers use: pyreadstat (as SPSS and Stata read
them), pandas.read_stata, pyarrow and pandas for Parquet, DuckDB, openpyxl; and the long
export read back by ``import-labels``. Expected values come from the project through the
store, not from the export code."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from client_project import LONG_CODER, LONG_DIMENSION, long_scheme_text

from desktop.cli import main
from desktop.core import store
from desktop.core.export import export
from desktop.core.export.variables import MAX_NAME


def _labels(db):
    """``{(unit, coder, dimension): (value, seconds, changed_at)}`` from the store."""
    return {
        (r.unit_id, r.coder, r.dimension): (r.value, r.seconds, r.changed_at)
        for r in store.labels_frame(db).itertuples(index=False)
    }


def scheme_ids(db) -> tuple[str, ...]:
    return store.current_scheme(db).dimension_ids


def _sidecar(path: Path) -> dict:
    return json.loads(path.with_name(path.name + ".meta.json").read_text(encoding="utf-8"))


# -- Stata and SPSS ------------------------------------------------------------------------


def test_not_applicable_is_a_labelled_extended_missing_value_in_stata(client_db, tmp_path):
    import pandas as pd
    import pyreadstat

    export(client_db, "wide", "dta", tmp_path / "wide.dta")
    export(client_db, "wide", "sav", tmp_path / "wide.sav")
    scheme = store.current_scheme(client_db)
    stance = scheme.dimension("stance")
    values = [
        v for (_, c, d), (v, _, _) in _labels(client_db).items() if (c, d) == ("ann", "stance")
    ]
    assert "none" in values  # the coder chose "no stance" at least once
    scored = [stance.category(v).value for v in values if not stance.category(v).not_applicable]
    mean = sum(scored) / len(scored)  # not applicable left out, as SPSS's user-missing
    stata = pd.read_stata(tmp_path / "wide.dta", convert_categoricals=False)
    assert stata["stance__ann"].mean() == pytest.approx(mean)
    spss, _ = pyreadstat.read_sav(str(tmp_path / "wide.sav"))
    assert spss["stance__ann"].mean() == pytest.approx(mean)
    # Stata sees .a, labelled with the category's label.
    raw = pd.read_stata(tmp_path / "wide.dta", convert_missing=True, convert_categoricals=False)
    tags = [str(v) for v in raw["stance__ann"] if isinstance(v, pd.io.stata.StataMissingValue)]
    assert tags.count(".a") == values.count("none") > 0
    assert set(tags) == {".", ".a"}  # "." where the coder did not code the unit
    frame, meta = pyreadstat.read_dta(str(tmp_path / "wide.dta"), user_missing=True)
    assert meta.missing_user_values["stance__ann"] == ["a"]
    assert meta.variable_value_labels["stance__ann"]["a"] == stance.category("none").label
    assert (frame["stance__ann"] == "a").sum() == values.count("none")
    sidecar = _sidecar(tmp_path / "wide.dta")
    assert sidecar["stata_extended_missing"]["stance__ann"] == {"none": ".a"}
    assert sidecar["value_codes"]["stance"]["stata_missing"] == {"none": ".a"}


def test_names_and_value_label_sets_always_fit(client_templates, tmp_path):
    import pyreadstat

    path = tmp_path / "long.stance"
    shutil.copyfile(client_templates["long"], path)
    db = store.open_project(path)
    try:
        for fmt in ("dta", "sav"):
            export(db, "wide", fmt, tmp_path / f"wide.{fmt}")
        export(db, "wide", "csv", tmp_path / "wide.csv")
        export(db, "wide", "parquet", tmp_path / "wide.parquet")
    finally:
        db.close()
    whole = f"{LONG_DIMENSION}__{LONG_CODER}"
    header = (tmp_path / "wide.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert whole in header  # no cutting where there is no limit
    import pyarrow.parquet as pq

    assert whole in pq.read_schema(tmp_path / "wide.parquet").names
    for fmt, reader in (("dta", pyreadstat.read_dta), ("sav", pyreadstat.read_sav)):
        _, meta = reader(str(tmp_path / f"wide.{fmt}"), metadataonly=True)
        assert all(len(n) <= MAX_NAME for n in meta.column_names)
        assert all(len(s) <= MAX_NAME for s in meta.variable_to_label.values())
        renamed = _sidecar(tmp_path / f"wide.{fmt}")["renamed_variables"]
        # Every shortened name maps back, and every column is there under some name.
        assert whole in renamed
        back = {new: old for old, new in renamed.items()}
        assert sorted(back.get(n, n) for n in meta.column_names) == sorted(header)


def test_codes_have_integer_formats_and_times_are_date_times(client_db, tmp_path):
    import pandas as pd
    import pyreadstat

    export(client_db, "long", "dta", tmp_path / "long.dta")
    export(client_db, "long", "sav", tmp_path / "long.sav")
    export(client_db, "gold", "sav", tmp_path / "gold.sav")
    _, dta = pyreadstat.read_dta(str(tmp_path / "long.dta"), metadataonly=True)
    _, sav = pyreadstat.read_sav(str(tmp_path / "long.sav"), metadataonly=True)
    _, gold = pyreadstat.read_sav(str(tmp_path / "gold.sav"), metadataonly=True)
    assert dta.original_variable_types["unsure"] == "%8.0g"
    assert dta.original_variable_types["paragraph"] == "%8.0g"
    assert dta.original_variable_types["changed_at"] == "%tc"
    assert sav.original_variable_types["unsure"] == "F8.0"
    assert sav.original_variable_types["changed_at"].startswith("DATETIME")
    assert gold.original_variable_types["stance"] == "F8.0"
    assert gold.original_variable_types["stance_n_coders"] == "F8.0"
    frame = pd.read_stata(tmp_path / "long.dta")
    assert str(frame["changed_at"].dtype).startswith("datetime64")
    stored = sorted(pd.to_datetime(v[2]).tz_localize(None) for v in _labels(client_db).values())
    read = sorted(frame["changed_at"])
    assert all(abs(a - b).total_seconds() < 0.001 for a, b in zip(read, stored, strict=True))


def test_stata_variable_labels_are_cut_at_a_word(client_db, tmp_path):
    import pyreadstat

    export(client_db, "gold", "dta", tmp_path / "gold.dta")
    meta = pyreadstat.read_dta(str(tmp_path / "gold.dta"), metadataonly=True)[1]
    sidecar = _sidecar(tmp_path / "gold.dta")
    names = meta.column_names
    labels = dict(zip(names, meta.column_labels, strict=True))
    renamed = sidecar.get("renamed_variables", {})
    full = {renamed.get(c["name"], c["name"]): c["label"] for c in sidecar["columns"]}
    cut = [n for n in names if full[n] != labels[n]]
    assert "alliance_trust_source" in cut
    for name in cut:
        assert len(labels[name]) <= 80 and labels[name].endswith("…")
        kept = labels[name][:-1]
        assert full[name].startswith(kept) and full[name][len(kept)] in " ,;:.-("
    assert (
        sidecar["shortened_variable_labels"]["alliance_trust_source"]
        == (full["alliance_trust_source"])
    )


def test_unknown_seconds_are_missing_not_zero(client_db, tmp_path):
    import pandas as pd
    import pyarrow.parquet as pq

    unknown = [k for k, (_, seconds, _) in _labels(client_db).items() if seconds == 0]
    assert len(unknown) == 1
    for fmt in ("csv", "parquet", "dta", "sav"):
        export(client_db, "long", fmt, tmp_path / f"long.{fmt}")
    csv_rows = pd.read_csv(tmp_path / "long.csv", keep_default_na=False, dtype=str)
    assert (csv_rows["seconds"] == "").sum() == 1
    assert pq.read_table(tmp_path / "long.parquet").column("seconds").null_count == 1
    assert pd.read_stata(tmp_path / "long.dta")["seconds"].isna().sum() == 1
    import pyreadstat

    assert pyreadstat.read_sav(str(tmp_path / "long.sav"))[0]["seconds"].isna().sum() == 1


# -- Parquet, DuckDB, pandas ---------------------------------------------------------------


def test_parquet_ordinal_columns_compare_on_the_scale(client_db, tmp_path):
    import pandas as pd

    export(client_db, "wide", "parquet", tmp_path / "wide.parquet")
    frame = pd.read_parquet(tmp_path / "wide.parquet")
    column = frame["stance__ann"]
    assert column.cat.ordered and list(column.cat.categories) == ["pressure", "mixed", "engagement"]
    units = [r["unit_id"] for r in store.iter_units_rows(client_db)]
    labels = _labels(client_db)
    want = [labels.get((u, "ann", "stance"), (None,))[0] for u in units]
    assert list((column > "pressure").fillna(False)) == [v in ("mixed", "engagement") for v in want]
    flag = frame["stance__ann_not_applicable"]
    assert str(flag.dtype) == "boolean"
    assert [None if pd.isna(f) else bool(f) for f in flag] == [
        None if v is None else v == "none" for v in want
    ]
    # Nominal stays unordered, not applicable a category like the others.
    nominal = f"{scheme_ids(client_db)[2]}__ann"
    assert not frame[nominal].cat.ordered
    assert "none" in list(frame[nominal].cat.categories)


def test_times_flags_and_types_as_pandas_and_duckdb_read_them(client_db, tmp_path):
    import duckdb
    import pandas as pd

    for layout in ("long", "gold"):
        export(client_db, layout, "parquet", tmp_path / f"{layout}.parquet")
        export(client_db, layout, "jsonl", tmp_path / f"{layout}.jsonl")
    long = pd.read_parquet(tmp_path / "long.parquet")
    assert str(long["changed_at"].dtype) == "datetime64[us, UTC]"
    gold = pd.read_parquet(tmp_path / "gold.parquet")
    assert str(gold["stance_agreed"].dtype) == "boolean"
    assert gold["stance_agreed"].isna().any() and gold["stance_agreed"].any()
    con = duckdb.connect()
    for source in ("parquet", "jsonl"):
        described = dict(
            (row[0], row[1])
            for row in con.execute(
                f"DESCRIBE SELECT * FROM '{tmp_path / ('long.' + source)}'"
            ).fetchall()
        )
        assert described["changed_at"] == "TIMESTAMP WITH TIME ZONE", source
        gold_types = dict(
            (row[0], row[1])
            for row in con.execute(
                f"DESCRIBE SELECT * FROM '{tmp_path / ('gold.' + source)}'"
            ).fetchall()
        )
        assert gold_types["stance_agreed"] == "BOOLEAN", source
    n = con.execute(f"SELECT count(*) FROM '{tmp_path / 'long.parquet'}'").fetchone()[0]
    assert n == len(_labels(client_db))


def test_xlsx_headers_are_whole_and_rows_complete(client_templates, tmp_path):
    import openpyxl

    path = tmp_path / "long.stance"
    shutil.copyfile(client_templates["long"], path)
    db = store.open_project(path)
    try:
        export(db, "wide", "xlsx", tmp_path / "wide.xlsx")
        units = sum(1 for _ in store.iter_units_rows(db))
    finally:
        db.close()
    book = openpyxl.load_workbook(tmp_path / "wide.xlsx", read_only=True)
    rows = list(book["data"].iter_rows(values_only=True))
    book.close()
    assert f"{LONG_DIMENSION}__{LONG_CODER}" in rows[0]
    assert len(rows) - 1 == units


# -- round trips ---------------------------------------------------------------------------


def _notes(db) -> dict:
    return {
        (u, c): n
        for u, c, n in db.execute(
            "SELECT unit_id, coder_id, note FROM unit_states WHERE note != ''"
        )
    }


def test_a_csv_excel_export_imports_back_unchanged(client_templates, tmp_path, capsys):
    path = tmp_path / "p.stance"
    shutil.copyfile(client_templates["default"], path)
    db = store.open_project(path)
    try:
        note = '=HYPERLINK("http://example.invalid","x")'
        store.set_note(db, next(iter(store.iter_units_rows(db)))["unit_id"], "bo", note)
        export(db, "long", "csv-excel", tmp_path / "long.csv")
        before = (_labels(db), _notes(db))
    finally:
        db.close()
    assert "'=HYPERLINK" in (tmp_path / "long.csv").read_text(encoding="utf-8-sig")
    assert main(["import-labels", str(path), str(tmp_path / "long.csv")]) == 0
    out = capsys.readouterr().out
    assert f"0 new, 0 changed, {len(before[0])} already present" in out
    db = store.open_project(path)
    try:
        labels, notes = _labels(db), _notes(db)
    finally:
        db.close()
    assert notes == before[1] and note in notes.values()
    assert {k: v[0] for k, v in labels.items()} == {k: v[0] for k, v in before[0].items()}


def test_a_plain_csv_keeps_a_leading_quote_as_written(client_templates, tmp_path):
    # Only a csv-excel export's guard is undone: text a user wrote stays as it is.
    path = tmp_path / "p.stance"
    shutil.copyfile(client_templates["default"], path)
    db = store.open_project(path)
    try:
        unit = next(iter(store.iter_units_rows(db)))["unit_id"]
    finally:
        db.close()
    labels = tmp_path / "labels.csv"
    labels.write_text(
        f"unit_id,coder,dimension,value,note\n{unit},ann,stance,mixed,'=quoted\n", encoding="utf-8"
    )
    assert main(["import-labels", str(path), str(labels)]) == 0
    db = store.open_project(path)
    try:
        assert _notes(db)[(unit, "ann")] == "'=quoted"
    finally:
        db.close()


def test_a_label_on_an_excluded_unit_is_refused_naming_the_row(
    client_templates, tmp_path, capsys, dump
):
    from desktop.core.curation.units import exclude_units

    path = tmp_path / "p.stance"
    shutil.copyfile(client_templates["default"], path)
    db = store.open_project(path)
    try:
        units = [r["unit_id"] for r in store.iter_units_rows(db)]
        free = units[-1]  # uncoded
        exclude_units(db, [free])
    finally:
        db.close()
    before = dump(path)
    labels = tmp_path / "labels.csv"
    labels.write_text(
        f"unit_id,coder,dimension,value\n{units[0]},ann,stance,mixed\n{free},ann,stance,mixed\n",
        encoding="utf-8",
    )
    assert main(["import-labels", str(path), str(labels)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "excluded" in err[0] and "line 3" in err[0]
    assert dump(path) == before


def test_scheme_check_warns_when_labels_repeat(tmp_path, capsys):
    scheme = tmp_path / "long.toml"
    scheme.write_text(long_scheme_text(), encoding="utf-8")
    assert main(["scheme", "check", str(scheme)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert any("warning: the label 'Mixed' is used by 'stance.mixed'" in line for line in err)
    assert any("'None'" in line and f"'{LONG_DIMENSION}.none'" in line for line in err)
    from desktop.core.resources import default_scheme_path

    assert main(["scheme", "check", str(default_scheme_path())]) == 0
    assert capsys.readouterr().err == ""


def test_times_round_to_the_nearest_millisecond_halves_up(client_db, tmp_path):
    import pandas as pd

    with store.write_transaction(client_db):
        client_db.execute("UPDATE labels SET changed_at = '2024-05-01T10:00:00.122500Z'")
    export(client_db, "long", "dta", tmp_path / "long.dta")
    times = set(pd.read_stata(tmp_path / "long.dta")["changed_at"])
    assert times == {pd.Timestamp("2024-05-01 10:00:00.123")}
