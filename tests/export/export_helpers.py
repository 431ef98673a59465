"""What each layout should hold, computed from the project through the store's public
functions (not the export code), and independent readers for every format."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import zipfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from desktop.core import store

# The article whose sentences look like spreadsheet formulas (conftest adds it).
FORMULA_ARTICLE = """Spreadsheet traps in the news

=HYPERLINK("http://example.org/x","click here") was pasted into a column about Seoul. \
@SUM(A1:A3) is what a careless editor typed next. -5 percent is how much trust in the \
alliance fell. +82 is the country code of South Korea.
"""
FORMULA_NOTE = '=HYPERLINK("http://evil.example","open me")'


def add_formula_article(db, folder) -> None:
    """Import the article whose sentences start with = @ - and +."""
    from desktop.core.corpus.importer import import_paths

    path = folder / "traps.txt"
    path.write_text(FORMULA_ARTICLE, encoding="utf-8")
    import_paths(db, [path])


SAFE_CODER = {"ann": "ann", "bo": "bo", "Chloé K": "Chloe_K"}
UNIT_NAMES = ["unit_id", "article_id", "article_title", "paragraph", "sentence", "text"]
CODEBOOK_NAMES = """dimension dimension_label level question category label key value
numeric_code not_applicable definition examples"""
LONG_NAMES = [
    *UNIT_NAMES,
    "coder",
    "dimension",
    "value",
    "value_label",
    "value_numeric",
    "unsure",
    "note",
    "seconds",
    "changed_at",
]


def _units(db) -> list[dict]:
    return list(store.iter_units_rows(db))


def _unit_cells(u: dict) -> list:
    return [u[k] for k in UNIT_NAMES]


def expected(db, layout: str) -> tuple[list[str], list[list], dict[str, str]]:
    """``(column names, rows, {code column: dimension})`` for ``layout``."""
    scheme = store.current_scheme(db)
    dims = scheme.dimension_ids
    units = _units(db)
    labels = store.labels_frame(db)
    coded: dict[tuple[str, str, str], dict] = {
        (r.unit_id, r.coder, r.dimension): r._asdict() for r in labels.itertuples(index=False)
    }
    coders = sorted(labels["coder"].unique())
    if layout == "units":
        return list(UNIT_NAMES), [_unit_cells(u) for u in units], {}
    if layout == "codebook":
        rows = []
        for d in scheme.dimensions:
            for n, c in enumerate(d.categories, start=1):
                code = n if d.level == "nominal" else (int(c.value) if c.value else -1)
                rows.append(
                    [d.id, d.label, d.level, d.question, c.code, c.label, c.key, c.value, code,
                     c.not_applicable, c.definition, " | ".join(c.examples)]
                )  # fmt: skip
        names = CODEBOOK_NAMES.split()
        return names, rows, {}
    if layout == "long":
        rows = []
        for u in units:
            for coder in coders:
                state = store.unit_state(db, u["unit_id"], coder)
                for d in scheme.dimensions:
                    label = coded.get((u["unit_id"], coder, d.id))
                    if label is None:
                        continue
                    c = d.category(label["value"])
                    rows.append(
                        [*_unit_cells(u), coder, d.id, c.code, c.label, c.value,
                         state["unsure"], state["note"], label["seconds"] or None,
                         label["changed_at"]]
                    )  # fmt: skip
        return list(LONG_NAMES), rows, {}
    if layout == "wide":
        names = list(UNIT_NAMES)
        codes = {}
        for d in dims:
            for coder in coders:
                name = f"{d}__{SAFE_CODER[coder]}"
                names.append(name)
                codes[name] = d
        rows = []
        for u in units:
            cells = _unit_cells(u)
            for d in dims:
                for coder in coders:
                    label = coded.get((u["unit_id"], coder, d))
                    cells.append(label["value"] if label else None)
            rows.append(cells)
        return names, rows, codes
    assert layout == "gold"
    gold = {
        (r[0], r[1]): (r[2], r[3])
        for r in db.execute("SELECT unit_id, dimension, value, method FROM gold_labels")
    }
    names = list(UNIT_NAMES)
    codes = {}
    for d in dims:
        names += [d, f"{d}_source", f"{d}_agreed", f"{d}_n_coders"]
        codes[d] = d
    rows = []
    for u in units:
        cells = _unit_cells(u)
        for d in dims:
            values = [
                coded[(u["unit_id"], c, d)]["value"]
                for c in coders
                if (u["unit_id"], c, d) in coded
            ]
            n = len(values)
            agreed = None if n < 2 else len(set(values)) == 1
            top, votes = Counter(values).most_common(1)[0] if values else (None, 0)
            if (u["unit_id"], d) in gold:
                value, source = gold[(u["unit_id"], d)]
            elif n == 0:
                value, source = None, "none"
            elif n == 1:
                value, source = top, "single"
            elif agreed:
                value, source = top, "unanimous"
            elif votes * 2 > n:
                value, source = top, "majority"
            else:
                value, source = None, "none"
            cells += [value, source, agreed, n]
        rows.append(cells)
    return names, rows, codes


# -- normalising ---------------------------------------------------------------------------


_ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def norm(value):
    """One representation for every reader: None for missing, float for numbers, times
    as UTC text to the millisecond (Stata keeps milliseconds)."""
    if value is None:
        return None
    if isinstance(value, str) and _ISO_TIME.fullmatch(value):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        # To the nearest millisecond: SPSS reads a time back within a microsecond.
        value = value + timedelta(microseconds=500)
        return value.isoformat(timespec="milliseconds")
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalar
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    if value == "":
        return None
    return value


def csv_text(value) -> str:
    """How our CSV writes a value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- readers -------------------------------------------------------------------------------


def read_csv(path: Path, *, excel: bool = False) -> tuple[list[str], list[list[str]]]:
    import pandas as pd

    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == excel
    frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return list(frame.columns), frame.values.tolist()


def read_csv_module(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def read_jsonl(path: Path) -> tuple[list[str], list[list]]:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    names = list(records[0]) if records else []
    return names, [list(r.values()) for r in records]


def read_parquet(path: Path) -> tuple[list[str], list[list]]:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    names, rows = table.column_names, [list(r.values()) for r in table.to_pylist()]
    # An ordinal column's not-applicable value is null beside a true flag: put it back.
    for field in table.schema:
        meta = field.metadata or {}
        if b"flag_of" not in meta:
            continue
        flag, of = names.index(field.name), names.index(meta[b"flag_of"].decode())
        code = meta[b"not_applicable_code"].decode()
        for row in rows:
            assert row[flag] is None or (row[flag] == (row[of] is None))
            row[of] = code if row[flag] else row[of]
    keep = [i for i, f in enumerate(table.schema) if b"flag_of" not in (f.metadata or {})]
    return [names[i] for i in keep], [[row[i] for i in keep] for row in rows]


def read_xlsx(path: Path, sheet: str = "data") -> tuple[list[str], list[list]]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    rows = [list(r) for r in book[sheet].iter_rows(values_only=True)]
    book.close()
    width = len(rows[0])  # read-only mode leaves out a row's trailing empty cells
    return [str(v) for v in rows[0]], [r + [None] * (width - len(r)) for r in rows[1:]]


def read_stats(path: Path):
    """A .sav or .dta file: ``(names, rows, metadata)``, codes left as numbers."""
    import pyreadstat

    reader = pyreadstat.read_sav if path.suffix == ".sav" else pyreadstat.read_dta
    frame, meta = reader(str(path), user_missing=True)
    return list(frame.columns), frame.values.tolist(), meta


def qdpx_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
