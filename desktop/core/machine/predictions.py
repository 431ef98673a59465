"""Import a model's predictions made elsewhere (CSV or JSONL) as a machine coder.

Columns (CSV header or JSONL keys): ``unit_id, dimension, value`` and, optionally, one
probability per category as ``p_<code>`` (or a JSONL ``probabilities`` object
``{code: p}``) and a ``run`` number. The file is checked whole before anything is
written, with the same one-line refusals as ``import-labels``.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path

from desktop.core import store
from desktop.core.corpus.decode import decode_file
from desktop.core.errors import InputError
from desktop.core.labels_io import refuse_bad_lines
from desktop.core.store import machine as mstore

REQUIRED = ("unit_id", "dimension", "value")
PROBABILITY_PREFIX = "p_"


@dataclass
class PredictionsImport:
    """What an import of predictions did."""

    coder: str
    rows: int
    units: int
    runs: int


def _records(path: Path, text: str) -> tuple[list[tuple[int, dict]], list[str]]:
    """``(line, record)`` pairs and the header (keys seen) of a CSV or JSONL file."""
    stripped = text.lstrip()
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json") or stripped.startswith("{"):
        records, keys = [], {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"line {number} is not JSON ({exc.msg})", path) from None
            if not isinstance(record, dict):
                raise InputError(f"line {number} is not a JSON object", path)
            record = {str(k).strip().lower(): v for k, v in record.items()}
            probabilities = record.pop("probabilities", None)
            if isinstance(probabilities, dict):
                for code, p in probabilities.items():
                    record[f"{PROBABILITY_PREFIX}{code}"] = p
            elif probabilities is not None:
                record[f"{PROBABILITY_PREFIX}"] = probabilities  # refused below
            keys.update(dict.fromkeys(record))
            records.append((number, record))
        return records, list(keys)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        records = []
        for record in reader:
            if None in record:
                record = {**record, "": "?"}  # more fields than the header, refused below
            records.append((reader.line_num, record))
    except csv.Error as exc:
        raise InputError(f"line {reader.line_num}: {exc}", path) from None
    return records, header


def read_predictions(path: str | Path, db: store.Database) -> list[mstore.ModelLabel]:
    """Read and check a predictions file against the project's units and scheme.

    Raises
    ------
    InputError
        Naming the file and every kind of problem with its line numbers; nothing written.
    """
    path = Path(path)
    records, header = _records(path, decode_file(path).text)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            f"lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(needs {', '.join(REQUIRED)}, optionally p_<category> and run)",
            path,
        )
    scheme = store.current_scheme(db)
    codes = {d.id: set(d.codes) for d in scheme.dimensions}
    units = {u.id for u in mstore.codable_unit_texts(db)}
    problems: dict[str, list[int]] = {}
    labels: list[mstore.ModelLabel] = []
    seen: set[tuple[str, str, int]] = set()
    unknown_units = 0

    def problem(kind: str, line: int) -> None:
        problems.setdefault(kind, []).append(line)

    for line, record in records:
        get = {k: ("" if v is None else str(v).strip()) for k, v in record.items()}
        if "" in record and record[""] not in (None, ""):
            problem("more fields than the header", line)
            continue
        if not any(get.values()):
            continue
        unit, dim, value = (get.get(c, "") for c in REQUIRED)
        if not unit or not dim or not value:
            problem("an empty unit_id, dimension or value", line)
            continue
        if unit not in units:
            unknown_units += 1
            problem("unknown unit", line)
        if dim not in codes:
            problem("unknown dimension", line)
            continue
        if value not in codes[dim]:
            problem(f"unknown category for {dim}", line)
        try:
            run = int(get.get("run") or 1)
        except ValueError:
            run = 0
        if run < 1:
            problem("a run that is not a positive whole number", line)
        key = (unit, dim, run)
        if key in seen:
            problem("the same unit, dimension and run twice", line)
        seen.add(key)
        probabilities: dict[str, float] = {}
        for column, text in get.items():
            if not column.startswith(PROBABILITY_PREFIX) or text == "":
                continue
            code = column[len(PROBABILITY_PREFIX) :]
            try:
                p = float(text)
            except ValueError:
                p = math.nan
            if code not in codes[dim]:
                if code and any(code in c for c in codes.values()):
                    continue  # a probability column of another dimension's category
                problem(f"a probability for a category not in {dim}", line)
            elif not (math.isfinite(p) and 0.0 <= p <= 1.0):
                problem("a probability that is not a number from 0 to 1", line)
            else:
                probabilities[code] = p
        if (
            probabilities
            and abs(sum(probabilities.values()) - 1.0) > 0.01
            and (set(probabilities) == codes[dim])
        ):
            problem("probabilities that do not add up to 1", line)
        labels.append(
            mstore.ModelLabel(unit, dim, value, probabilities or None, "", False, max(run, 1))
        )
    if labels and unknown_units == len(labels):
        raise InputError(
            "refused, nothing imported: none of its unit ids is in this project "
            "(predictions for another corpus?)",
            path,
        )
    refuse_bad_lines(problems, path)
    if not labels:
        raise InputError("has no prediction rows", path)
    return labels


def import_predictions(
    db: store.Database, path: str | Path, *, name: str, replace: bool = False, who: str = ""
) -> PredictionsImport:
    """Import a predictions file as the machine coder ``name`` in one transaction.

    Raises
    ------
    InputError
        If the file is refused (see :func:`read_predictions`).
    UsageError
        If ``name`` is a human coder, or an existing model and ``replace`` is false.
    """
    path = Path(path)
    labels = read_predictions(path, db)
    digest = _file_digest(path)
    with store.write_transaction(db):
        mstore.save_model_coder(
            db,
            name,
            method="import",
            basis=path.name,
            basis_hash=digest,
            parameters={"file": path.name},
            replace=replace,
        )
        mstore.delete_model_labels(db, name)
        mstore.put_model_labels(db, name, labels)
        store.log_change(
            db, "model-import", who, {"model": name, "file": path.name, "rows": len(labels)}
        )
    return PredictionsImport(
        coder=name,
        rows=len(labels),
        units=len({label.unit_id for label in labels}),
        runs=len({label.run for label in labels}),
    )


def _file_digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()
