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
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from desktop.core.errors import StanceError
from desktop.core.export.layouts import Filters, Kind, Table
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
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(table.names)
    bools = [i for i, c in enumerate(table.columns) if c.kind is Kind.BOOL]
    texts = [i for i, c in enumerate(table.columns) if c.kind is Kind.TEXT] if excel else []
    convert = bools or texts
    count = 0
    for batch in table.batches:
        if convert:
            rows = []
            for row in batch:
                cells = list(row)
                for i in bools:
                    cells[i] = _bool_text(cells[i])
                for i in texts:
                    if is_formula_like(cells[i]):
                        cells[i] = "'" + cells[i]
                rows.append(cells)
            writer.writerows(rows)
        else:
            writer.writerows(batch)
        count += len(batch)
        ctx.advance(len(batch), table.total)
    return count


def write_jsonl(handle: IO[str], table: Table, ctx: WriteContext) -> int:
    """Write one JSON object per line (UTF-8, keys in column order, null for missing)."""
    names = table.names
    count = 0
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    for batch in table.batches:
        handle.write("".join(dumps(dict(zip(names, row, strict=True))) + "\n" for row in batch))
        count += len(batch)
        ctx.advance(len(batch), table.total)
    return count
