"""Import labels made elsewhere (another tool, a model's predictions) from a long CSV.

Columns: ``unit_id, coder, dimension, value`` (value = the category code), and optionally
``changed_at, seconds, unsure, note`` so that a long export imports back unchanged
(``changed_at`` must be an ISO-8601 time, not in the future; it is stored in UTC). Other
columns (article_title, text, value_label, ...) are ignored. The file is checked whole
before anything is written; any unknown or excluded unit, unknown dimension or category
refuses the whole file with the offending line numbers. A ``csv-excel`` long export
(byte order mark and the long header) has its formula guard undone: a cell the export
prefixed with "'" reads as it was stored.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core import store
from desktop.core.corpus.decode import decode_file
from desktop.core.errors import InputError
from desktop.core.store.labels import upsert_unit_state, write_label_row
from desktop.core.timestamps import BadTime, parse_time

REQUIRED = ("unit_id", "coder", "dimension", "value")
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"", "0", "false", "no", "n", "f"}
_SHOWN = 6


@dataclass
class LabelsImport:
    """What an import of labels did."""

    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    coders: list[str] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    unit_id: str
    coder: str
    dimension: str
    value: str
    changed_at: str | None
    seconds: float | None
    unsure: bool | None
    note: str | None


def line_numbers_text(numbers: list[int]) -> str:
    """``line 3`` or ``lines 3, 7, 9 and 12 more``: the first few numbers, for a message."""
    shown = ", ".join(str(n) for n in numbers[:_SHOWN])
    more = f" and {len(numbers) - _SHOWN} more" if len(numbers) > _SHOWN else ""
    return f"line{'s' if len(numbers) > 1 else ''} {shown}{more}"


def _excluded_units(db: store.Database) -> set[str]:
    """Units no export, count or agreement includes: excluded sentences and the
    sentences of excluded articles."""
    return {
        r[0]
        for r in db.execute(
            "SELECT u.id FROM units u JOIN articles a ON a.id = u.article_id "
            "WHERE u.excluded != 0 OR a.excluded != 0"
        )
    }


def _is_excel_export(decoded) -> bool:
    """True for a ``csv-excel`` long export: a UTF-8 byte order mark, then the long
    layout's header. Its text cells that started with a formula character carry a
    quote added by the export (see :mod:`desktop.core.export.formats`)."""
    from desktop.core.export.layouts import LONG_COLUMNS

    first = decoded.text.split("\n", 1)[0].rstrip("\r")
    return decoded.encoding == "utf-8-sig" and first == ",".join(c.name for c in LONG_COLUMNS)


def _undo_formula_guard(value: str) -> str:
    """A cell as it was before ``csv-excel`` prefixed a formula-like text with "'"."""
    from desktop.core.export.formats import is_formula_like

    if value.startswith("'") and is_formula_like(value[1:]):
        return value[1:]
    return value


def read_labels_csv(path: Path, db: store.Database) -> list[_Row]:
    """Read and check a labels CSV against the project's units and scheme.

    Raises
    ------
    InputError
        Naming the file, the problem and the line numbers; nothing is written.
    """
    rows = parse_labels_csv(path)
    check_labels(rows, db, path)
    return rows


def parse_labels_csv(path: Path) -> list[_Row]:
    """Read a labels CSV and check what can be checked without the project.

    Raises
    ------
    InputError
        Naming the file, the problem and the line numbers.
    """
    decoded = decode_file(path)
    reader = csv.DictReader(io.StringIO(decoded.text, newline=""))
    try:
        header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise InputError(f"is not a readable CSV file ({exc})", path) from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            f"lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(needs {', '.join(REQUIRED)})",
            path,
        )
    reader.fieldnames = header
    guarded = _is_excel_export(decoded)
    problems: dict[str, list[int]] = {}
    rows: list[_Row] = []
    seen: dict[tuple[str, str, str], int] = {}

    def problem(kind: str, line: int) -> None:
        problems.setdefault(kind, []).append(line)

    try:
        for record in reader:
            line = reader.line_num
            if None in record:
                problem("more fields than the header", line)
                continue
            if guarded:
                record = {k: _undo_formula_guard(v or "") for k, v in record.items()}
            get = {k: (v or "").strip() for k, v in record.items()}
            if not any(get.values()):
                continue
            unit, coder, dim, value = (get[c] for c in REQUIRED)
            if not unit or not coder or not dim or not value:
                problem("an empty unit_id, coder, dimension or value", line)
                continue
            key = (unit, coder, dim)
            if key in seen:
                problem("the same unit, coder and dimension twice", line)
            seen[key] = line
            try:
                seconds = float(get["seconds"]) if get.get("seconds") else None
            except ValueError:
                seconds = math.nan
            if seconds is not None and not (math.isfinite(seconds) and seconds >= 0):
                problem("seconds that are not a number", line)
                seconds = None
            changed_at = get.get("changed_at") or None
            if changed_at is not None:
                try:
                    changed_at = parse_time(changed_at)
                except BadTime as exc:  # "zzzz" or 2099 would win every later conflict
                    problem(f"a changed_at {exc}", line)
                    changed_at = None
            unsure_text = get.get("unsure", "").lower()
            if unsure_text not in _TRUE | _FALSE:
                problem("an unsure value that is not true/false", line)
            rows.append(
                _Row(
                    line,
                    unit,
                    coder,
                    dim,
                    value,
                    changed_at,
                    seconds,
                    (unsure_text in _TRUE) if "unsure" in header else None,
                    record.get("note") if "note" in header else None,
                )
            )
    except csv.Error as exc:
        raise InputError(f"line {reader.line_num}: {exc}", path) from None
    refuse_bad_lines(problems, path)
    if not rows:
        raise InputError("has no label rows", path)
    return rows


def refuse_bad_lines(problems: dict[str, list[int]], path: Path) -> None:
    """Raise one :class:`InputError` naming each kind of problem and its lines, if any."""
    if problems:
        described = "; ".join(
            f"{kind} on {line_numbers_text(lines)}" for kind, lines in problems.items()
        )
        raise InputError(f"refused, nothing imported: {described}", path)


def check_labels(rows: list[_Row], db: store.Database, path: Path) -> None:
    """Check parsed rows against the project's units and scheme as they are now.

    Called inside the import's write transaction, so that no scheme change or unit
    curation committed meanwhile by another program can slip between check and write.

    Raises
    ------
    InputError
        Naming the file, the problem and the line numbers.
    """
    codes = {d.id: set(d.codes) for d in store.current_scheme(db).dimensions}
    units = {r[0] for r in db.execute("SELECT id FROM units")}
    excluded = _excluded_units(db)
    problems: dict[str, list[int]] = {}
    for r in rows:
        if r.unit_id not in units:
            problems.setdefault("unknown unit", []).append(r.line)
        elif r.unit_id in excluded:
            kind = "a unit that is excluded (no export or count includes it)"
            problems.setdefault(kind, []).append(r.line)
        if r.dimension not in codes:
            problems.setdefault("unknown dimension", []).append(r.line)
        elif r.value not in codes[r.dimension]:
            problems.setdefault(f"unknown category for {r.dimension}", []).append(r.line)
    refuse_bad_lines(problems, path)


def import_labels(db: store.Database, path: str | Path, *, who: str = "") -> LabelsImport:
    """Import a long labels CSV into the project in one transaction.

    A label equal to the one already stored is left alone; a different value replaces it
    and the old one stays in the label history (action ``import``).
    """
    path = Path(path)
    rows = parse_labels_csv(path)
    result = LabelsImport(rows=len(rows))
    coders = sorted({r.coder for r in rows})
    with store.write_transaction(db):
        check_labels(rows, db, path)  # under the write lock: nothing changes meanwhile
        for coder in coders:
            store.ensure_coder(db, coder)
        for r in rows:
            current = db.execute(
                "SELECT value FROM labels WHERE unit_id = ? AND coder_id = ? AND dimension = ?",
                [r.unit_id, r.coder, r.dimension],
            ).fetchone()
            if current is not None and current[0] == r.value:
                result.unchanged += 1
            else:
                write_label_row(
                    db,
                    r.unit_id,
                    r.coder,
                    r.dimension,
                    r.value,
                    "import",
                    seconds=r.seconds or 0.0,
                    at=r.changed_at,
                )
                if current is None:
                    result.added += 1
                else:
                    result.updated += 1
            if r.unsure is not None:
                upsert_unit_state(db, r.unit_id, r.coder, "unsure", int(r.unsure))
            if r.note is not None:
                upsert_unit_state(db, r.unit_id, r.coder, "note", r.note)
        store.log_change(
            db,
            "import-labels",
            who,
            {
                "file": str(path),
                "rows": result.rows,
                "added": result.added,
                "updated": result.updated,
            },
        )
    result.coders = coders
    return result
