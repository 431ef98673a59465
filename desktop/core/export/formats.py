"""Text formats (CSV, JSONL) and what every writer shares: the write context and the
formula guard. Writers stream row batches; they never hold a whole table.

Formula safety: a spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``
(or a tab or carriage return) as a formula. ``csv-excel`` prefixes such text cells with
an apostrophe and xlsx stores them as quoted strings; plain ``csv`` and ``jsonl`` keep
every text exactly as it is, so that they round-trip through ``import-labels`` and other
programs. Only free-text columns are guarded; numbers and category codes never start
with those characters.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import IO

from desktop.core.errors import StanceError
from desktop.core.export.layouts import Batch, Filters, Kind, Shared, Table, take
from desktop.core.store import Database

# Spreadsheet programs run a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ExportCancelled(StanceError):
    """The progress callback asked to stop; no file was left behind."""


def is_formula_like(value: object) -> bool:
    """True for a text a spreadsheet would run as a formula."""
    return isinstance(value, str) and value.startswith(_FORMULA_STARTS)


def defuse(value):
    """Make a text cell safe for spreadsheets: a leading formula character gets a quote."""
    if is_formula_like(value):
        return "'" + value
    return value


@dataclass
class WriteContext:
    """What a writer needs beside the table.

    Parameters
    ----------
    db, filters
        The project and the export's filters, for writers that read more than the table
        (REFI-QDA needs the article texts and the sentences' positions).
    meta
        The sidecar's content without the export time, for formats that embed it
        (Parquet metadata, the xlsx "about" sheet, the SPSS file note).
    data_as_of
        The time of the project's latest change: the timestamp written inside files, so
        that two exports of an unchanged project are identical.
    progress
        ``progress(rows done, rows expected)``; returning False cancels the export.
    """

    db: Database
    filters: Filters
    meta: dict
    data_as_of: str
    project_id: str
    project_name: str
    progress: Callable[[int, int], object] | None = None
    done: int = 0
    facts: dict = field(default_factory=dict)

    def advance(self, rows: int, total: int) -> None:
        """Count ``rows`` more rows written and report; raises on cancellation.

        Raises
        ------
        ExportCancelled
            If the progress callback returned False.
        """
        self.done += rows
        if self.progress is not None and self.progress(self.done, max(total, self.done)) is False:
            raise ExportCancelled("export cancelled; no file was written")


def _bool_text(value):
    return "" if value is None else ("true" if value else "false")


# The csv module quotes a field holding the delimiter, the quote character or a line
# break (doubling the quotes inside); values without any of these are written as they
# are. A carriage return is a line break too: Python 3.11's csv module leaves a lone one
# unquoted when the line ends are "\n" (later versions quote it), and readers (pandas,
# DuckDB, R) then end the row there. Every cell holding one is quoted here, on any version.
_SPECIAL = (",", '"', "\n", "\r")
# Cells formatted at a time: a batch of a wide table (many columns) is written in parts.
CELLS_AT_A_TIME = 1_000_000


class _CsvCells:
    """The text the csv module writes for each value, made a column at a time.

    As in the csv module, text is its own cell, quoted (quotes doubled) when it holds a
    comma, a quote, a line feed or a carriage return, and numbers are their ``repr``;
    other types go through the csv module itself.
    """

    def __init__(self, excel: bool):
        self.excel = excel
        self._buffer = io.StringIO()
        # "\r\n" as the module's line end makes it quote a carriage return in a field;
        # the rows themselves end in "\n" (the terminator is cut off below).
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")

    def one(self, value) -> str:
        """The csv module's text for ``value`` as a field of a row."""
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow((value, None))  # not alone: a lone empty field is written ""
        return self._buffer.getvalue()[:-3]

    def text(self, value: str) -> str:
        """The cell of a text ``value``."""
        if "," in value or '"' in value or "\n" in value or "\r" in value:
            return '"' + value.replace('"', '""') + '"'
        return value

    def column(self, values: Sequence, kind: Kind) -> Sequence[str]:
        """The cells of one column's ``values``."""
        if kind is Kind.BOOL:
            values = [_bool_text(v) for v in values]
        elif self.excel and kind is Kind.TEXT:
            values = list(map(defuse, values))
        try:
            return self._texts(values)  # every value a text: the common case
        except TypeError:
            return self._not_all_text(values)

    def _texts(self, values: Sequence[str]) -> Sequence[str]:
        joined = "".join(values)  # raises TypeError unless every value is a text
        if any(c in joined for c in _SPECIAL):
            return list(map(self.text, values))
        return values

    def _not_all_text(self, values: Sequence) -> Sequence[str]:
        distinct = set(values)
        types = set(map(type, distinct))
        if types <= {str, type(None)}:
            return self._texts(["" if v is None else v for v in values])
        if types == {float}:
            return _float_cells(values, distinct)
        if types <= {float, int}:
            return list(map(repr, values))  # the csv module writes repr(float), str(int)
        if types <= {float, int, type(None)}:
            return ["" if v is None else repr(v) for v in values]
        return list(map(self.one, values))


def _float_cells(values: Sequence[float], distinct: set[float] | None = None) -> list[str]:
    """``repr`` of each float, as the csv module writes it; when values repeat (times
    rounded to hundredths), each distinct value is formatted once."""
    distinct = set(values) if distinct is None else distinct
    # 0.0 and -0.0 are one key but two texts.
    if len(distinct) * 2 <= len(values) and 0.0 not in distinct:
        text = {v: repr(v) for v in distinct}
        return list(map(text.__getitem__, values))
    return list(map(repr, values))


def _csv_text(batch: Batch, kinds: list[Kind], cells: _CsvCells) -> str:
    """The batch's rows as CSV text.

    Shared columns on one index (a unit's cells) are formatted once per distinct entry
    and joined into one piece, which each of their rows then reuses.
    """
    columns = batch.columns()
    pieces: list[Sequence[str]] = []
    i = 0
    while i < len(columns):
        column = columns[i]
        if not isinstance(column, Shared):
            pieces.append(cells.column(column, kinds[i]))
            i += 1
            continue
        end = i + 1
        while (
            end < len(columns)
            and isinstance(columns[end], Shared)
            and columns[end].index is column.index
        ):
            end += 1
        texts = [cells.column(columns[k].values, kinds[k]) for k in range(i, end)]
        joined = list(map(",".join, zip(*texts, strict=True))) if end - i > 1 else texts[0]
        pieces.append(take(joined, column.index))
        i = end
    if len(columns) == 1:  # the csv module quotes a row's lone empty field
        pieces = [['""' if cell == "" else cell for cell in pieces[0]]]
    width = len(pieces)
    parts = ([None, ","] * (width - 1) + [None, "\n"]) * len(batch)
    for j, piece in enumerate(pieces):
        parts[2 * j :: 2 * width] = piece
    return "".join(parts)


def write_csv(handle: IO[str], table: Table, ctx: WriteContext, *, excel: bool) -> int:
    """Write CSV (RFC 4180 quoting, ``\\n`` line ends, UTF-8).

    Booleans are ``true``/``false``, missing values empty. ``excel`` adds a byte order
    mark, so that Excel reads UTF-8, and defuses formula-like text cells.

    Returns
    -------
    int
        The number of data rows written.
    """
    if excel:
        handle.write("\ufeff")
    csv.writer(handle, lineterminator="\n").writerow(table.names)
    if table.columnar is not None:
        return _write_csv_columnar(handle, table, ctx, excel)
    kinds = [c.kind for c in table.columns]
    cells = _CsvCells(excel)
    rows_at_a_time = max(1, CELLS_AT_A_TIME // max(1, len(kinds)))
    count = 0
    writing: Future | None = None
    # A second thread writes each part (the system call releases the GIL) while the next
    # one is made; one part at a time, in order.
    with ThreadPoolExecutor(max_workers=1) as thread:
        for batch in table.batches:
            for part in batch.slices(rows_at_a_time):
                text = _csv_text(part, kinds, cells)
                if writing is not None:
                    writing.result()
                writing = thread.submit(handle.write, text)
            count += len(batch)
            ctx.advance(len(batch), table.total)
        if writing is not None:
            writing.result()
    return count


def _write_csv_columnar(handle: IO[str], table: Table, ctx: WriteContext, excel: bool) -> int:
    """:func:`write_csv`'s rows from the table's Arrow frames; the same text."""
    from desktop.core.export.columnar import CsvCells, arrow_memory, csv_bytes

    cells = CsvCells(excel)
    raw = getattr(handle, "buffer", None)  # the bytes under a text file: no decoding
    count = 0
    writing: Future | None = None
    with arrow_memory(), ThreadPoolExecutor(max_workers=1) as thread:
        for terms, frame in table.columnar():
            data = csv_bytes(terms, frame, cells)
            if writing is not None:
                writing.result()
            if raw is not None:
                handle.flush()
                writing = thread.submit(raw.write, data)
            else:
                writing = thread.submit(handle.write, str(data, "utf-8"))
            count += len(frame)
            ctx.advance(len(frame), table.total)
        if writing is not None:
            writing.result()
    handle.flush()
    return count


def write_jsonl(handle: IO[str], table: Table, ctx: WriteContext) -> int:
    """Write one JSON object per line (UTF-8, keys in column order, null for missing)."""
    names = table.names
    count = 0
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    for batch in table.batches:
        rows = batch.rows()
        handle.write("".join(dumps(dict(zip(names, row, strict=True))) + "\n" for row in rows))
        count += len(batch)
        ctx.advance(len(batch), table.total)
    return count
