"""Typed binary formats: Parquet (streamed), SPSS .sav and Stata .dta (whole tables).

Parquet is written in record batches of :data:`~desktop.core.export.layouts.BATCH_ROWS`
rows, so memory stays bounded. Category-code columns are dictionaries: an ordinal (or
interval, ratio) dimension's codes are an *ordered* dictionary in scale order, with a
not-applicable value null and flagged in a ``<column>_not_applicable`` column beside it
(:func:`scale_levels`); a nominal dimension's codes keep the scheme's order, unordered.
Times are timestamps with time zone (UTC), flags booleans that pandas reads as its
nullable ``boolean``; every field carries its label, and the schema carries the
sidecar's content.

pyreadstat writes a whole data frame at once, so sav and dta exports are refused above
:data:`IN_MEMORY_ROW_LIMIT` rows. Category columns are numbers with value labels (see
:mod:`desktop.core.export.variables`); not applicable is user-missing in SPSS and the
extended missing value ``.a`` (labelled) in Stata; booleans are 0/1 labelled no/yes;
codes, flags and counts have integer display formats and times are date-time variables;
names are made valid (Stata's value-label set names too) and variable labels cut at a
word, both recorded in the sidecar. ReadStat stamps the file with the clock; the stamp
is replaced by the project's last change, so exports are reproducible.
"""

from __future__ import annotations

import json
import math
import re
import textwrap
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from desktop.core.errors import UsageError
from desktop.core.export.formats import WriteContext
from desktop.core.export.layouts import Column, Kind, Shared, Table
from desktop.core.export.variables import MAX_NAME, value_codes, variable_names

IN_MEMORY_ROW_LIMIT = 1_000_000
STATA_LABEL_MAX = 80
SPSS_LABEL_MAX = 255
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def stamp_time(data_as_of: str) -> datetime:
    """The time written inside files: the project's last change (or 1980-01-01)."""
    try:
        return datetime.strptime(data_as_of, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        return datetime(1980, 1, 1, tzinfo=UTC)


# -- Parquet -------------------------------------------------------------------------------


def _arrow_type(column: Column, scale: tuple | None = None):
    import pyarrow as pa

    if column.kind is Kind.INT:
        return pa.int64()
    if column.kind is Kind.FLOAT:
        return pa.float64()
    if column.kind is Kind.BOOL:
        return pa.bool_()
    if column.kind is Kind.TIME:
        return pa.timestamp("us", tz="UTC")
    if column.kind is Kind.CODE or column.repeats:
        return pa.dictionary(pa.int32(), pa.string(), ordered=scale is not None)
    return pa.string()


def scale_levels(table: Table, column: Column) -> tuple[list[str], set[str]] | None:
    """For a category column of an ordinal (or interval, ratio) dimension: its scored
    codes in scale order and its not-applicable codes; None for other columns.

    In Parquet such a column is an ordered dictionary of the scored codes, so that
    ``df.stance > "pressure"`` compares on the scale; a not-applicable value is null there
    and true in the ``<column>_not_applicable`` column beside it.
    """
    if column.kind is not Kind.CODE or not column.dimension:
        return None
    dimension = table.scheme.dimension(column.dimension)
    if not dimension.is_quantitative:
        return None
    scored = [c for c in dimension.categories if not c.not_applicable and c.value is not None]
    if len(scored) != len([c for c in dimension.categories if not c.not_applicable]):
        return None
    na = {c.code for c in dimension.categories if c.not_applicable}
    if len(na) > 1:  # a flag could not say which: keep the scheme's codes as they are
        return None
    order = [c.code for c in sorted(scored, key=lambda c: c.value)]
    return order, na


def _field_metadata(column: Column, table: Table) -> dict[str, str]:
    meta = {"label": column.label, "type": column.kind.value}
    if column.dimension:
        meta["dimension"] = column.dimension
    if column.coder is not None:
        meta["coder"] = column.coder
    if column.kind is Kind.CODE and column.dimension:
        dimension = table.scheme.dimension(column.dimension)
        meta["value_labels"] = json.dumps(
            {c.code: c.label for c in dimension.categories}, ensure_ascii=False
        )
    return meta


def write_parquet(path: Path, table: Table, ctx: WriteContext) -> int:
    """Write Parquet (zstd) in record batches; returns the number of rows.

    The rows' Python values become Arrow arrays here; a second thread expands shared
    columns, dictionary-encodes, compresses and writes each batch (pyarrow releases the
    GIL) while the next batch is read from the project.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    scales = {i: scale_levels(table, c) for i, c in enumerate(table.columns)}
    scales = {i: v for i, v in scales.items() if v is not None}
    fields = []
    flagged: dict[int, int] = {}  # column -> its not-applicable flag's field
    for i, c in enumerate(table.columns):
        fields.append(
            pa.field(c.name, _arrow_type(c, scales.get(i)), metadata=_field_metadata(c, table))
        )
        if i in scales and scales[i][1]:
            flagged[i] = len(fields)
            label = f"{c.label}: not applicable (the value is null then)"
            (code,) = scales[i][1]
            about = {"label": label, "not_applicable_code": code, "flag_of": c.name}
            fields.append(pa.field(f"{c.name}_not_applicable", pa.bool_(), metadata=about))
    if flagged:
        ctx.facts["parquet_not_applicable_columns"] = [fields[f].name for f in flagged.values()]
    meta = json.dumps(ctx.meta, ensure_ascii=False, sort_keys=True)
    schema = pa.schema(fields, metadata={"stancecoder": meta, **_pandas_metadata(fields)})
    scheme_codes = {
        i: list(table.scheme.dimension(c.dimension).codes)
        for i, c in enumerate(table.columns)
        if c.kind is Kind.CODE and c.dimension
    }
    kinds = [c.kind for c in table.columns]
    # Each column's field (a flag field follows its category column).
    positions = [i + sum(1 for c in flagged if c < i) for i in range(len(table.columns))]
    types = [fields[positions[i]].type for i in range(len(table.columns))]
    encode = [
        pa.types.is_dictionary(types[i]) and i not in scheme_codes
        for i in range(len(table.columns))
    ]

    def arrow(i: int, values, indices: dict) -> tuple:
        """``(array, index array or None)``: the column's values, or its shared values
        and the index that expands them."""
        if i in scheme_codes:
            values = values.expand() if isinstance(values, Shared) else values
            if i in scales:
                order, na = scales[i]
                levels = list(order)
            else:
                na, levels = set(), list(scheme_codes[i])
            known = set(levels) | na
            extra = sorted({v for v in values if v is not None} - known)
            levels += extra  # codes no longer in the scheme keep their value
            index = {code: n for n, code in enumerate(levels)}
            codes = pa.array([index.get(v) for v in values], pa.int32())
            array = pa.DictionaryArray.from_arrays(
                codes, pa.array(levels, pa.string()), ordered=i in scales
            )
            if i in flagged:
                flag = pa.array([None if v is None else v in na for v in values], pa.bool_())
                return (array, flag), None
            return array, None
        if kinds[i] is Kind.TIME:
            values = values.expand() if isinstance(values, Shared) else values
            return pc.cast(pa.array(values, pa.string()), types[i]), None
        plain = pa.string() if encode[i] else types[i]
        if not isinstance(values, Shared):
            return pa.array(values, plain), None
        key = id(values.index)  # one index array for the columns that share it
        if key not in indices:
            indices[key] = pa.array(values.index, pa.int64())
        return pa.array(values.values, plain), indices[key]

    def write(writer, columns: list[tuple]) -> None:
        arrays = []
        for i, (array, index) in enumerate(columns):
            if index is not None:
                array = array.take(index)
            if isinstance(array, tuple):
                arrays.extend(array)
            else:
                arrays.append(array.dictionary_encode() if encode[i] else array)
        writer.write_batch(pa.record_batch(arrays, schema=schema))

    count = 0
    writing: Future | None = None
    with (
        pq.ParquetWriter(path, schema, compression="zstd") as writer,
        ThreadPoolExecutor(max_workers=1) as thread,
    ):
        if table.columnar is not None and not scheme_codes:
            # Arrow frames: the same columns, made without Python objects per cell.
            from desktop.core.export.columnar import arrow_memory, parquet_batches
            from desktop.core.export.layouts import BATCH_ROWS

            with arrow_memory():
                for arrays in parquet_batches(table.columnar(), BATCH_ROWS):
                    if writing is not None:
                        writing.result()
                    writing = thread.submit(write, writer, [(a, None) for a in arrays])
                    count += len(arrays[0])
                    ctx.advance(len(arrays[0]), table.total)
                if writing is not None:
                    writing.result()
            return count
        for batch in table.batches:
            indices: dict = {}
            columns = [arrow(i, values, indices) for i, values in enumerate(batch.columns())]
            if writing is not None:
                writing.result()
            writing = thread.submit(write, writer, columns)
            count += len(batch)
            ctx.advance(len(batch), table.total)
        if writing is not None:
            writing.result()
    return count


def _pandas_metadata(fields) -> dict[str, str]:
    """pandas' schema metadata, so that pandas reads flags with empty cells as its
    nullable boolean and not as objects (other columns as Arrow's types say)."""
    columns = [
        {
            "name": f.name,
            "field_name": f.name,
            "pandas_type": "bool" if str(f.type) == "bool" else "object",
            "numpy_type": "boolean" if str(f.type) == "bool" else "object",
            "metadata": None,
        }
        for f in fields
        if str(f.type) == "bool"
    ]
    meta = {"index_columns": [], "column_indexes": [], "columns": columns}
    return {"pandas": json.dumps(meta)}


# -- SPSS and Stata ------------------------------------------------------------------------

_YES_NO = {0: "no", 1: "yes"}


def _refuse_if_too_long(rows: int, fmt: str) -> None:
    if rows > IN_MEMORY_ROW_LIMIT:
        raise UsageError(
            f"{rows:,} rows is more than a {fmt} export holds in memory "
            f"({IN_MEMORY_ROW_LIMIT:,}); use --format csv or parquet, the wide layout, "
            "or --coders/--articles to export less"
        )


def cut_label(text: str, limit: int, size=len) -> str:
    """``text`` shortened to ``limit`` (as measured by ``size``) at a word, with "…".

    Parameters
    ----------
    size
        How a text is measured: ``len`` (characters, Stata) or UTF-8 bytes (SPSS).
    """
    if size(text) <= limit:
        return text
    words = text.split(" ")
    while len(words) > 1:
        words.pop()
        shorter = " ".join(words).rstrip(" ,;:.-(") + "…"
        if size(shorter) <= limit:
            return shorter
    shorter = text
    while shorter and size(shorter + "…") > limit:
        shorter = shorter[:-1]
    return shorter + "…"


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))


def _times(values: list, ctx: WriteContext):
    """ISO 8601 UTC texts as naive UTC datetime64 (unreadable or empty: missing)."""
    import pandas as pd

    times = pd.to_datetime(
        pd.Series(values, dtype=object), utc=True, errors="coerce", format="ISO8601"
    )
    bad = int(times.isna().sum()) - sum(1 for v in values if not v)
    if bad:
        ctx.facts["times_not_readable"] = ctx.facts.get("times_not_readable", 0) + bad
    # Stata keeps milliseconds: round to the nearest, halves up (pandas' round would take
    # halves to even); SPSS's seconds as a double hold milliseconds exactly enough.
    naive = times.dt.tz_localize(None).astype("datetime64[us]")
    micros = naive.astype("int64")
    rounded = ((micros + 500) // 1000).astype("int64").astype("datetime64[ms]")
    return rounded.where(naive.notna())


def _stata_tags(missing: tuple[int, ...]) -> dict[int, str]:
    """Stata's extended missing values for not-applicable codes: .a, .b, ..."""
    return {code: chr(ord("a") + n) for n, code in enumerate(missing[:26])}


def _frame(table: Table, ctx: WriteContext, fmt: str):
    """The table as a pandas DataFrame ready for pyreadstat, with its labels.

    Category codes are numbers with value labels; a not-applicable code is user-missing
    in SPSS and Stata's extended missing value ``.a`` (``.b``...) in Stata, labelled
    there too. Times are date-time variables, codes, flags and counts have integer
    display formats.

    Returns
    -------
    tuple
        ``(frame, variable labels, value labels, missing codes, display formats,
        names)``, keyed by the valid variable names; ``names`` maps each column to its
        variable name; the missing codes are SPSS codes for sav and Stata tags for dta.
    """
    import numpy as np
    import pandas as pd

    _refuse_if_too_long(table.total, fmt)
    gathered: list[list] = [[] for _ in table.columns]
    rows = 0
    for batch in table.batches:
        rows += len(batch)
        _refuse_if_too_long(rows, fmt)
        for i, store in enumerate(gathered):
            store.extend(batch.column(i))
        ctx.advance(len(batch), table.total)
    labelled = [c.name for c in table.columns if c.kind is Kind.BOOL or _is_code(c)]
    limits = {}
    if fmt == "dta" and labelled:
        # pyreadstat names a value-label set after its variable plus a running number.
        digits = len(str(len(labelled) - 1))
        limits = {name: MAX_NAME - digits for name in labelled}
    names = variable_names(table.names, limits)
    integer = "%8.0g" if fmt == "dta" else "F8.0"
    data: dict = {}
    labels: dict[str, str] = {}
    value_labels: dict[str, dict] = {}
    missing: dict[str, tuple] = {}
    formats: dict[str, str] = {}
    stata_missing: dict[str, dict[str, str]] = {}
    unknown = 0
    for column, values in zip(table.columns, gathered, strict=True):
        name = names[column.name]
        labels[name] = column.label
        if _is_code(column):
            codes = value_codes(table.scheme.dimension(column.dimension))
            numbers = [codes.codes.get(v, math.nan) if v is not None else math.nan for v in values]
            unknown += sum(1 for v in values if v is not None and v not in codes.codes)
            value_labels[name] = dict(codes.labels)
            formats[name] = integer
            if fmt == "dta" and codes.missing:
                tags = _stata_tags(codes.missing)
                for code, tag in tags.items():
                    value_labels[name][tag] = value_labels[name].pop(code)
                category = {number: c for c, number in codes.codes.items()}
                stata_missing[name] = {category[code]: "." + tag for code, tag in tags.items()}
                missing[name] = tuple(tags.values())
                # Numbers all floats: pyreadstat takes a column of mixed int and float
                # for something else and writes its missing values as 0.
                cells = [tags[n] if n in tags else float(n) for n in numbers]
                data[name] = pd.Series(cells, dtype=object)
                continue
            data[name] = np.array(numbers, dtype="float64")
            if codes.missing:
                missing[name] = codes.missing
        elif column.kind is Kind.BOOL:
            data[name] = np.array(
                [math.nan if v is None else float(v) for v in values], dtype="float64"
            )
            value_labels[name] = dict(_YES_NO)
            formats[name] = integer
        elif column.kind is Kind.TIME:
            data[name] = _times(values, ctx)
        elif column.kind is Kind.INT and None not in values:
            data[name] = np.array(values, dtype="int64")
            formats[name] = integer
        elif column.kind in (Kind.INT, Kind.FLOAT):
            data[name] = np.array([math.nan if v is None else v for v in values], dtype="float64")
            if column.kind is Kind.INT:
                formats[name] = integer
        else:
            data[name] = pd.Series(["" if v is None else v for v in values], dtype=object)
        values.clear()
    if unknown:
        ctx.facts["codes_not_in_scheme"] = unknown
    if stata_missing:
        ctx.facts["stata_extended_missing"] = stata_missing
    renamed = {old: new for old, new in names.items() if old != new}
    if renamed:
        ctx.facts["renamed_variables"] = renamed
    frame = pd.DataFrame(data, index=pd.RangeIndex(rows))
    return frame, labels, value_labels, missing, formats, names


def _is_code(column: Column) -> bool:
    return column.kind is Kind.CODE and bool(column.dimension)


def _measure(column: Column, table: Table) -> str:
    if column.kind is Kind.CODE and column.dimension:
        level = table.scheme.dimension(column.dimension).level
        return {"nominal": "nominal", "ordinal": "ordinal"}.get(level, "scale")
    if column.kind in (Kind.INT, Kind.FLOAT):
        return "scale"
    return "nominal"


def _file_label(table: Table, limit: int) -> str:
    return f"{table.scheme.title} ({table.layout})"[:limit]


def _cut_labels(labels: dict[str, str], limit: int, size, ctx: WriteContext) -> dict:
    cut = {k: cut_label(v, limit, size) for k, v in labels.items()}
    shortened = {k: labels[k] for k in cut if cut[k] != labels[k]}
    if shortened:
        ctx.facts["shortened_variable_labels"] = shortened
    return cut


def write_sav(path: Path, table: Table, ctx: WriteContext) -> int:
    """Write an SPSS .sav file with variable labels, value labels and user-missing codes."""
    import pyreadstat

    frame, labels, value_labels, missing, formats, names = _frame(table, ctx, "sav")
    measures = {names[c.name]: _measure(c, table) for c in table.columns}
    note_text = (
        f"Exported by Stance Coder from scheme {table.scheme.id} {table.scheme.version}, "
        f"{table.layout} layout, data as of {ctx.data_as_of}. The file's .meta.json "
        "sidecar maps numeric codes to categories."
    )
    if table.notes.get("gold_rule"):
        note_text += " Gold values: " + table.notes["gold_rule"]
    pyreadstat.write_sav(
        frame,
        str(path),
        file_label=_file_label(table, 64),
        column_labels=_cut_labels(labels, SPSS_LABEL_MAX, _utf8_size, ctx),
        note=textwrap.wrap(note_text, 80),
        variable_value_labels=value_labels,
        missing_ranges={k: _spss_missing(v) for k, v in missing.items()},
        variable_measure=measures,
        variable_format=formats,
    )
    _stamp_sav(path, stamp_time(ctx.data_as_of))
    return len(frame)


def _spss_missing(codes: tuple[int, ...]) -> list:
    """SPSS holds at most three discrete user-missing values, else one range."""
    if len(codes) <= 3:
        return list(codes)
    return [{"lo": min(codes), "hi": max(codes)}]


def write_dta(path: Path, table: Table, ctx: WriteContext) -> int:
    """Write a Stata .dta file (format 118, Stata 14 and later) with labels; a
    not-applicable category is the extended missing value ``.a``, labelled."""
    import pyreadstat

    frame, labels, value_labels, missing, formats, _names = _frame(table, ctx, "dta")
    pyreadstat.write_dta(
        frame,
        str(path),
        file_label=cut_label(_file_label(table, 10_000), STATA_LABEL_MAX),
        column_labels=_cut_labels(labels, STATA_LABEL_MAX, len, ctx),
        version=14,
        variable_value_labels=value_labels,
        missing_user_values={k: list(v) for k, v in missing.items()},
        variable_format=formats,
    )
    _stamp_dta(path, stamp_time(ctx.data_as_of))
    return len(frame)


_SAV_STAMP = re.compile(rb"\d\d [A-Z][a-z]{2} \d\d\d\d:\d\d:\d\d")
_DTA_STAMP = re.compile(rb"<timestamp>\x11\d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d</timestamp>")


def _stamp_sav(path: Path, when: datetime) -> None:
    """Replace the creation date and time in the .sav header (bytes 92-108)."""
    text = f"{when.day:02d} {_MONTHS[when.month - 1]} {when.year % 100:02d}"
    text += f"{when.hour:02d}:{when.minute:02d}:{when.second:02d}"
    with path.open("r+b") as handle:
        header = handle.read(109)
        if header[:4] == b"$FL2" and _SAV_STAMP.fullmatch(header[92:109]):
            handle.seek(92)
            handle.write(text.encode("ascii"))


def _stamp_dta(path: Path, when: datetime) -> None:
    """Replace the 17-character timestamp in the .dta header."""
    text = f"{when.day:02d} {_MONTHS[when.month - 1]} {when.year:04d} "
    text += f"{when.hour:02d}:{when.minute:02d}"
    with path.open("r+b") as handle:
        header = handle.read(512)
        match = _DTA_STAMP.search(header)
        if match:
            handle.seek(match.start() + len(b"<timestamp>") + 1)
            handle.write(text.encode("ascii"))
