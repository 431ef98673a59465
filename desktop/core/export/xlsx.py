"""Excel .xlsx: a data sheet, a codebook sheet and an "about" sheet.

Written with openpyxl's write-only mode (rows stream to disk). Text that starts with
``=``, ``+``, ``-`` or ``@`` is stored as a quoted string (``quotePrefix``), so Excel
shows it as text and never runs it, while the cell keeps its exact content. Characters
that XML cannot hold (control characters other than tab and line breaks, U+FFFE and
U+FFFF) are dropped and
cells longer than Excel's 32,767 characters are cut; both are counted in the sidecar.
The zip entries and document properties carry the project's last change as their time,
so two exports of an unchanged project are identical.
"""

from __future__ import annotations

import contextlib
import json
import re
import tomllib
import zipfile
from datetime import datetime
from pathlib import Path

from desktop.core.errors import UsageError
from desktop.core.export.formats import WriteContext, is_formula_like
from desktop.core.export.layouts import CODEBOOK_COLUMNS, GOLD_RULE, Kind, Table, codebook_rows
from desktop.core.export.tabular import stamp_time
from desktop.core.resources import data_dir

MAX_ROWS = 1_048_575  # a sheet's 1,048,576 rows less the header
MAX_CELL = 32_767
TEMPLATE = "codebook_sheet.toml"
# A summary of desktop.core.export.variables, for the codebook sheet's notes.
NUMERIC_RULE = (
    "ordinal, interval and ratio dimensions with whole-number values use the category's "
    "value, and a not-applicable category a negative code (user-missing in SPSS); nominal "
    "dimensions use 1..k in the scheme's order."
)
# What XML 1.0 cannot hold: C0 controls but tab and line breaks, surrogates, U+FFFE/FFFF.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CORE_TIMES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


class _Cells:
    """Turns row values into cells: formula guard, illegal characters, length limit."""

    def __init__(self, sheet):
        from openpyxl.cell import WriteOnlyCell

        self.sheet = sheet
        self.make = WriteOnlyCell
        self.dropped = 0
        self.cut = 0
        self.guarded = 0

    def text(self, value):
        if value is None or not isinstance(value, str):
            return value
        if _ILLEGAL.search(value):
            value = _ILLEGAL.sub("", value)
            self.dropped += 1
        if len(value) > MAX_CELL:
            value = value[:MAX_CELL]
            self.cut += 1
        if is_formula_like(value):
            cell = self.make(self.sheet, value=value)
            cell.data_type = "s"
            cell.quotePrefix = True
            self.guarded += 1
            return cell
        return value

    def bold(self, value):
        from openpyxl.styles import Font

        if isinstance(value, str):
            value = _ILLEGAL.sub("", value)
        cell = self.make(self.sheet, value=value)
        cell.font = Font(bold=True)
        return cell


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _template() -> dict:
    return tomllib.loads((data_dir("exports") / TEMPLATE).read_text(encoding="utf-8"))


def _data_sheet(workbook, table: Table, ctx: WriteContext) -> int:
    if table.total > MAX_ROWS:
        raise UsageError(
            f"{table.total:,} rows do not fit in an Excel sheet (at most {MAX_ROWS:,}); use "
            "--format csv-excel or parquet, or --coders/--articles to export less"
        )
    sheet = workbook.create_sheet("data")
    sheet.freeze_panes = "A2"
    cells = _Cells(sheet)
    for i, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[_letter(i)].width = 60 if column.name == "text" else 14
    sheet.append([cells.bold(name) for name in table.names])
    texts = [i for i, c in enumerate(table.columns) if c.kind is Kind.TEXT]
    count = 0
    for batch in table.batches:
        count += len(batch)
        if count > MAX_ROWS:
            raise UsageError(f"more than {MAX_ROWS:,} rows do not fit in an Excel sheet")
        for row in batch.rows():
            values = list(row)
            for i in texts:
                values[i] = cells.text(values[i])
            sheet.append(values)
        ctx.advance(len(batch), table.total)
    for key, n in (("cells_control_chars_dropped", cells.dropped), ("cells_cut", cells.cut)):
        if n:
            ctx.facts[key] = n
    ctx.facts["cells_formula_guarded"] = cells.guarded
    return count


def _codebook_sheet(workbook, table: Table) -> None:
    template = _template()
    scheme = table.scheme
    fill = {
        "scheme_title": scheme.title,
        "scheme_id": scheme.id,
        "scheme_version": scheme.version,
        "gold_rule": GOLD_RULE,
        "numeric_rule": NUMERIC_RULE,
    }
    sheet = workbook.create_sheet("codebook")
    cells = _Cells(sheet)
    fields = [c.name for c in CODEBOOK_COLUMNS]
    shown = [(fields.index(c["field"]), c) for c in template["columns"]]
    for n, (_, spec) in enumerate(shown, start=1):
        sheet.column_dimensions[_letter(n)].width = spec.get("width", 14)
    sheet.append([cells.bold(template["title"].format_map(fill))])
    sheet.append([])
    sheet.append([cells.bold(spec["title"]) for _, spec in shown])
    for row in codebook_rows(scheme):
        sheet.append([cells.text(row[i]) for i, _ in shown])
    sheet.append([])
    for note in template.get("notes", []):
        sheet.append([cells.text(note.format_map(fill))])


def _flatten(value):
    """A sidecar value as one cell: numbers stay numbers, structures become JSON."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _about_sheet(workbook, ctx: WriteContext, rows: int) -> None:
    sheet = workbook.create_sheet("about")
    cells = _Cells(sheet)
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 100
    sheet.append([cells.bold("key"), cells.bold("value")])
    for key, value in {**ctx.meta, "rows": rows, **ctx.facts}.items():
        if key in ("columns", "value_codes"):
            continue
        sheet.append([key, cells.text(_flatten(value))])


def write_xlsx(path: Path, table: Table, ctx: WriteContext) -> int:
    """Write the workbook; returns the number of data rows."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    when = stamp_time(ctx.data_as_of).replace(tzinfo=None)
    workbook.properties.creator = "Stance Coder"
    workbook.properties.created = when
    workbook.properties.title = _ILLEGAL.sub("", f"{table.scheme.title} ({table.layout})")
    try:
        count = _data_sheet(workbook, table, ctx)
        _codebook_sheet(workbook, table)
        _about_sheet(workbook, ctx, count)
    except BaseException:
        _discard(workbook)
        raise
    raw = path.with_name(path.name + ".raw")
    try:
        workbook.save(raw)
        fixed_zip(raw, path, when)
    finally:
        raw.unlink(missing_ok=True)
    return count


def _discard(workbook) -> None:
    """Close a write-only workbook abandoned half-way and remove its temporary files
    (openpyxl keeps each sheet in a temporary file until the workbook is saved)."""
    for sheet in workbook.worksheets:
        with contextlib.suppress(Exception):
            sheet.close()
        with contextlib.suppress(Exception):
            sheet._writer.cleanup()


def fixed_zip(source: Path, target: Path, when: datetime) -> None:
    """Copy a zip file with every entry dated ``when`` and document times set to it.

    openpyxl dates entries and ``docProps/core.xml`` with the clock; this makes the file
    depend only on its content.
    """
    date_time = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "docProps/core.xml":
                data = _CORE_TIMES.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
            info = zipfile.ZipInfo(item.filename, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, data)
