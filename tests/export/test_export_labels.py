"""Types and labels: what SPSS, Stata, Parquet and Excel users see beside the values."""

from __future__ import annotations

import json
import zipfile

import pytest
from export_helpers import FORMULA_NOTE, read_stats, read_xlsx

from desktop.core import store
from desktop.core.export import export


@pytest.mark.parametrize("suffix", [".sav", ".dta"])
def test_statistics_files_carry_variable_and_value_labels(coded_project, tmp_path, suffix):
    out = tmp_path / f"gold{suffix}"
    export(coded_project, "gold", suffix[1:], out)
    names, rows, meta = read_stats(out)
    labels = dict(zip(names, meta.column_labels, strict=True))
    assert labels["stance"] == "Engagement vs. pressure: gold value"
    assert labels["text"] == "Text of the sentence"
    # Ordinal: the category's value; "no stance" (not applicable) gets -1.
    # In Stata, not applicable is the extended missing value .a, labelled.
    assert meta.variable_value_labels["stance"] == {
        1: "Pressure",
        2: "Pressure and engagement",
        3: "Engagement",
        (-1 if suffix == ".sav" else "a"): "No stance",
    }
    # Nominal: 1..k in the scheme's order, "no role" kept as a category.
    assert meta.variable_value_labels["china_role"] == {
        1: "Constructive",
        2: "Obstructive",
        3: "Mixed",
        4: "No role",
    }
    assert meta.variable_value_labels["stance_agreed"] == {0: "no", 1: "yes"}
    # The adjudicated unit: "mixed" (2) from the gold table, not the coders' values.
    first = dict(zip(names, rows[0], strict=True))
    assert (first["stance"], first["stance_source"]) == (2, "adjudicated")
    if suffix == ".sav":
        assert meta.missing_ranges["stance"] == [{"lo": -1.0, "hi": -1.0}]
        assert "china_role" not in meta.missing_ranges
        assert meta.variable_measure["stance"] == "ordinal"
        assert meta.variable_measure["china_role"] == "nominal"
        assert any("Gold values" in line for line in meta.notes)


def test_wide_names_are_valid_and_say_which_coder(coded_project, tmp_path):
    out = tmp_path / "wide.dta"
    export(coded_project, "wide", "dta", out)
    names, _, meta = read_stats(out)
    assert "stance__Chloe_K" in names
    labels = dict(zip(names, meta.column_labels, strict=True))
    assert labels["stance__Chloe_K"] == "Engagement vs. pressure: coder Chloé K (Chloé Kim)"
    sidecar = json.loads((tmp_path / "wide.dta.meta.json").read_text(encoding="utf-8"))
    assert sidecar["coder_columns"]["stance__Chloe_K"] == {
        "dimension": "stance",
        "coder": "Chloé K",
    }
    assert sidecar["value_codes"]["stance"]["codes"]["none"] == -1
    assert all(len(n) <= 32 and n.replace("_", "a").isalnum() for n in names)


def test_long_layout_in_spss_keeps_codes_as_text_and_values_as_numbers(coded_project, tmp_path):
    out = tmp_path / "long.sav"
    export(coded_project, "long", "sav", out)
    names, rows, meta = read_stats(out)
    row = dict(zip(names, rows[0], strict=True))
    assert isinstance(row["value"], str) and isinstance(row["value_numeric"], float)
    assert meta.variable_value_labels["unsure"] == {0: "no", 1: "yes"}
    assert "value" not in meta.variable_value_labels


def test_parquet_columns_are_typed_with_categories_in_scheme_order(coded_project, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = tmp_path / "gold.parquet"
    export(coded_project, "gold", "parquet", out)
    table = pq.read_table(out)
    schema = table.schema
    assert schema.field("stance_agreed").type == pa.bool_()
    assert schema.field("stance_n_coders").type == pa.int64()
    assert pa.types.is_dictionary(schema.field("stance").type)
    levels = table.column("stance").chunk(0).dictionary.to_pylist()
    # Ordinal: an ordered dictionary on the scale; "none" (not applicable) is null
    # beside a true stance_not_applicable flag.
    assert levels == ["pressure", "mixed", "engagement"]
    assert schema.field("stance").type.ordered
    assert schema.field("stance_not_applicable").type == pa.bool_()
    field_meta = schema.field("stance").metadata
    assert field_meta[b"label"] == b"Engagement vs. pressure: gold value"
    assert json.loads(field_meta[b"value_labels"])["none"] == "No stance"
    embedded = json.loads(schema.metadata[b"stancecoder"])
    assert embedded["scheme"]["id"] == "korea_alliance"
    assert "exported_at" not in embedded  # so that two exports are identical
    frame = table.to_pandas()
    assert list(frame["stance"].cat.categories) == levels


def test_xlsx_has_data_codebook_and_about_sheets(coded_project, tmp_path):
    out = tmp_path / "long.xlsx"
    export(coded_project, "long", "xlsx", out)
    import openpyxl

    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == ["data", "codebook", "about"]
    codebook = [r for r in book["codebook"].iter_rows(values_only=True)]
    assert codebook[0][0] == "Codebook: Korea alliance stance (scheme korea_alliance, version 1.0)"
    assert codebook[2][:3] == ("Dimension", "Dimension label", "Level")
    assert codebook[3][:3] == ("stance", "Engagement vs. pressure", "ordinal")
    notes = " ".join(str(r[0]) for r in codebook[-3:])
    assert "strict majority" in notes and "negative code" in notes
    about = dict(r[:2] for r in book["about"].iter_rows(values_only=True))
    assert about["layout"] == "long" and about["rows"] == 276
    assert json.loads(about["scheme"])["version"] == "1.0"
    book.close()


def test_formula_like_text_is_inert_in_xlsx_but_kept_exactly(coded_project, tmp_path):
    out = tmp_path / "long.xlsx"
    export(coded_project, "long", "xlsx", out)
    names, rows = read_xlsx(out)
    notes = [r[names.index("note")] for r in rows]
    texts = {r[names.index("text")] for r in rows}
    assert FORMULA_NOTE in notes
    assert any(t.startswith("=HYPERLINK(") for t in texts)
    assert any(t.startswith("@SUM") for t in texts) and any(t.startswith("-5") for t in texts)
    with zipfile.ZipFile(out) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet and b"<f " not in sheet
    import openpyxl

    book = openpyxl.load_workbook(out)
    guarded = [c for row in book["data"].iter_rows() for c in row if str(c.value).startswith("=")]
    assert guarded and all(c.data_type == "s" and c.quotePrefix for c in guarded)


def test_csv_excel_defuses_formulas_and_plain_csv_keeps_them(coded_project, tmp_path):
    export(coded_project, "long", "csv", tmp_path / "plain.csv")
    export(coded_project, "long", "csv-excel", tmp_path / "excel.csv")
    plain = (tmp_path / "plain.csv").read_text(encoding="utf-8")
    excel = (tmp_path / "excel.csv").read_text(encoding="utf-8-sig")
    assert '"=HYPERLINK(""http://evil.example"",""open me"")"' in plain
    assert '"\'=HYPERLINK(""http://evil.example"",""open me"")"' in excel
    assert "'@mention the editor" in excel and "'+82 is" in excel and "'-5 percent" in excel
    assert ",'-" not in excel.replace("'-5 percent", "")  # numbers are never prefixed


def test_codebook_export_lists_numeric_codes(empty_project, tmp_path):
    out = tmp_path / "codebook.jsonl"
    export(empty_project, "codebook", "jsonl", out)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    scheme = store.current_scheme(empty_project)
    assert len(rows) == sum(len(d.categories) for d in scheme.dimensions)
    by_code = {(r["dimension"], r["category"]): r for r in rows}
    assert by_code[("stance", "none")]["numeric_code"] == -1
    assert by_code[("stance", "none")]["not_applicable"] is True
    assert by_code[("stance", "pressure")]["value"] == 1.0
    assert by_code[("china_role", "none")]["numeric_code"] == 4
