"""Formats: how rows are written. Writers stream rows; they never hold a whole table."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import IO

# Spreadsheet programs run a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(value):
    """Make a text cell safe for spreadsheets: a leading formula character gets a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(handle: IO[str], columns: list[str], rows: Iterable[dict], *, excel: bool) -> int:
    """Write CSV (RFC 4180 quoting, \\n line ends); ``excel`` adds a BOM and defuses
    formulas. Returns the number of rows."""
    if excel:
        handle.write("\ufeff")
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        values = [row.get(c) for c in columns]
        if excel:
            values = [defuse(v) for v in values]
        writer.writerow(["" if v is None else v for v in values])
        count += 1
    return count


def write_jsonl(handle: IO[str], columns: list[str], rows: Iterable[dict]) -> int:
    count = 0
    for row in rows:
        handle.write(json.dumps({c: row.get(c) for c in columns}, ensure_ascii=False))
        handle.write("\n")
        count += 1
    return count
