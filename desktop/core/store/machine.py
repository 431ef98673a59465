"""Storage of machine coders: provenance, labels with probabilities, the LLM response cache.

A model is a row of ``coders`` with ``kind = 'model'``; its labels live in
``model_labels`` (never in ``labels``), so every query over human labels leaves it out
without a filter; since migration 0009 they are stored with integer keys in
``model_label_rows`` (``model_labels`` is a view of the same columns). These small named
functions are the only SQL over those tables.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from desktop.core.errors import UsageError
from desktop.core.store.db import Database, utc_now, write_transaction
from desktop.core.store.label_keys import term_id, term_sql, time_key, time_sql, unit_sql
from desktop.core.store.sql import in_filters, placeholders

if TYPE_CHECKING:
    import pandas as pd

HUMAN = "human"
MODEL = "model"
METHODS = ("train", "llm", "import")
MODEL_LABEL_COLUMNS = (
    "unit_id",
    "coder",
    "dimension",
    "value",
    "run",
    "probabilities",
    "reason",
    "out_of_fold",
    "changed_at",
)


class ModelCoder(NamedTuple):
    """A machine coder and where its labels come from."""

    id: str
    method: str
    basis: str
    basis_hash: str
    parameters: dict
    library_versions: dict
    report: dict
    created_at: str
    labels: int
    runs: int


class ModelLabel(NamedTuple):
    """One label of a model: ``value`` None means no valid answer (``reason`` says why)."""

    unit_id: str
    dimension: str
    value: str | None
    probabilities: dict[str, float] | None = None
    reason: str = ""
    out_of_fold: bool = False
    run: int = 1


class CachedResponse(NamedTuple):
    """A stored answer of a chat-completions endpoint."""

    unit_id: str
    run: int
    response: str
    tokens_in: int
    tokens_out: int


def has_machine_coders(db: Database) -> bool:
    """Whether the file has the tables of migration 0006.

    A project opened read-only is not migrated, so a file from before machine coders
    lacks them; it then has no models, and every coder is human.
    """
    return (
        db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'model_coders'"
        ).fetchone()
        is not None
    )


def human_coders_where(db: Database, column: str = "kind") -> str:
    """An SQL condition on ``coders`` keeping the human coders (true on older files)."""
    return f"{column} = 'human'" if has_machine_coders(db) else "1 = 1"


def coder_kind(db: Database, coder: str) -> str | None:
    """``'human'``, ``'model'``, or None when ``coder`` is unknown."""
    if not has_machine_coders(db):
        row = db.execute("SELECT 'human' FROM coders WHERE id = ?", [coder]).fetchone()
    else:
        row = db.execute("SELECT kind FROM coders WHERE id = ?", [coder]).fetchone()
    return row[0] if row else None


def human_coder_ids(db: Database) -> list[str]:
    """Ids of the human coders, sorted."""
    where = human_coders_where(db)
    return [r[0] for r in db.execute(f"SELECT id FROM coders WHERE {where} ORDER BY id")]


def model_coder_ids(db: Database) -> list[str]:
    """Ids of the machine coders, sorted."""
    if not has_machine_coders(db):
        return []
    rows = db.execute("SELECT id FROM coders WHERE kind = ? ORDER BY id", [MODEL])
    return [r[0] for r in rows]


def list_model_coders(db: Database) -> list[ModelCoder]:
    """Every machine coder with its provenance and label count, by id."""
    if not has_machine_coders(db):
        return []
    rows = db.execute(
        "SELECT m.coder_id, m.method, m.basis, m.basis_hash, m.parameters, m.library_versions, "
        f"m.report, m.created_at, {_count_sql(db)} FROM model_coders m ORDER BY m.coder_id"
    ).fetchall()
    return [
        ModelCoder(
            r[0],
            r[1],
            r[2],
            r[3],
            json.loads(r[4]),
            json.loads(r[5]),
            json.loads(r[6]),
            r[7],
            r[8],
            r[9],
        )
        for r in rows
    ]


def get_model_coder(db: Database, coder: str) -> ModelCoder | None:
    """The machine coder ``coder``, or None."""
    return next((m for m in list_model_coders(db) if m.id == coder), None)


def check_model_name(db: Database, coder: str, *, replace: bool = False) -> str:
    """``coder`` stripped, if it may name a new model (or an old one being replaced).

    Raises
    ------
    UsageError
        If it is empty, a human coder, or an existing model and ``replace`` is false.
    """
    coder = coder.strip()
    if not coder:
        raise UsageError("a model needs a name")
    kind = coder_kind(db, coder)
    if kind == HUMAN:
        raise UsageError(f"'{coder}' is a human coder; give the model another name")
    if kind == MODEL and not replace:
        raise UsageError(f"a model named '{coder}' exists; choose another name or add --replace")
    return coder


def save_model_coder(
    db: Database,
    coder: str,
    *,
    method: str,
    basis: str = "",
    basis_hash: str = "",
    parameters: dict | None = None,
    library_versions: dict | None = None,
    report: dict | None = None,
    replace: bool = False,
) -> None:
    """Register ``coder`` as a machine coder (or update its provenance).

    Raises
    ------
    UsageError
        If ``coder`` is a human coder, or a model that exists and ``replace`` is false.
    """
    coder = check_model_name(db, coder, replace=replace)
    if method not in METHODS:
        raise UsageError(f"unknown model method '{method}'")
    with write_transaction(db):
        now = utc_now()
        db.execute(
            "INSERT INTO coders (id, name, created_at, kind) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO NOTHING",
            [coder, coder, now, MODEL],
        )
        db.execute(
            "INSERT INTO model_coders (coder_id, method, basis, basis_hash, parameters, "
            "library_versions, report, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (coder_id) DO UPDATE SET method = excluded.method, "
            "basis = excluded.basis, basis_hash = excluded.basis_hash, "
            "parameters = excluded.parameters, library_versions = excluded.library_versions, "
            "report = excluded.report, created_at = excluded.created_at",
            [
                coder,
                method,
                basis,
                basis_hash,
                json.dumps(parameters or {}, sort_keys=True),
                json.dumps(library_versions or {}, sort_keys=True),
                json.dumps(report or {}, sort_keys=True),
                now,
            ],
        )


def set_model_report(db: Database, coder: str, report: dict) -> None:
    """Replace the stored report (cross-validation, run counts) of a machine coder."""
    with write_transaction(db):
        db.execute(
            "UPDATE model_coders SET report = ? WHERE coder_id = ?",
            [json.dumps(report, sort_keys=True), coder],
        )


def delete_model_labels(db: Database, coder: str, runs: Iterable[int] | None = None) -> int:
    """Remove a model's labels (of some runs); returns how many rows went."""
    sql, params = f"DELETE FROM model_label_rows WHERE coder = {term_sql()}", [coder]
    if runs is not None:
        runs = list(runs)
        sql += f" AND run IN ({placeholders(runs)})"
        params += runs
    with write_transaction(db):
        return db.execute(sql, params).rowcount


def delete_model_coder(db: Database, coder: str) -> int:
    """Remove a machine coder, its labels and provenance; returns the labels removed.

    Raises
    ------
    UsageError
        If ``coder`` is not a machine coder.
    """
    if coder_kind(db, coder) != MODEL:
        raise UsageError(f"there is no model named '{coder}'")
    with write_transaction(db):
        removed = delete_model_labels(db, coder)
        db.execute("DELETE FROM model_coders WHERE coder_id = ?", [coder])
        db.execute("DELETE FROM coders WHERE id = ?", [coder])
    return removed


def put_model_labels(db: Database, coder: str, labels: Iterable[ModelLabel]) -> int:
    """Insert or replace labels of a machine coder; returns the rows written.

    Keys are stored as numbers (migration 0009) and the probabilities as
    :func:`encode_probabilities` gives them.
    """
    stamp = time_key(utc_now())
    with write_transaction(db):
        terms: dict[str | None, int | None] = {None: None}

        def number(text: str | None) -> int | None:
            if text not in terms:
                terms[text] = term_id(db, text, create=True)
            return terms[text]

        coder_n = number(coder)
        rows = []
        for label in labels:
            codes, stored = encode_probabilities(label.probabilities)
            rows.append(
                (
                    coder_n,
                    int(label.run),
                    label.unit_id,
                    number(label.dimension),
                    number(label.value),
                    number(codes),
                    stored,
                    label.reason,
                    int(label.out_of_fold),
                    stamp,
                )
            )
        # numbers for units that have none yet, in one statement per unit
        db.conn.executemany(
            "INSERT INTO unit_keys (unit_id) SELECT ?1 WHERE NOT EXISTS "
            "(SELECT 1 FROM unit_keys WHERE unit_id = ?1)",
            [(row[2],) for row in rows],
        )
        db.conn.executemany(
            "INSERT OR REPLACE INTO model_label_rows (coder, run, unit, dimension, value, "
            f"codes, probabilities, reason, out_of_fold, created_at) VALUES (?, ?, {unit_sql()}, "
            "?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return len(rows)


def encode_probabilities(probabilities: dict | None) -> tuple[str | None, str]:
    """``(codes, stored)``: how a label's probabilities are kept in ``model_label_rows``.

    The JSON text is ``json.dumps(probabilities, sort_keys=True)``. When its keys are
    printable ASCII without quotes or backslashes and its values numbers, ``codes`` is
    the JSON array of the keys in that order (a term of ``label_terms``, shared by every
    label of a dimension) and ``stored`` the numbers as json.dumps wrote them, separated by spaces;
    :func:`decode_probabilities` gives the JSON text back byte for byte. Otherwise
    ``codes`` is None and ``stored`` the JSON text. No probabilities: ``(None, '')``.
    """
    if not probabilities:
        return None, ""
    text = json.dumps(probabilities, sort_keys=True)
    keys = list(probabilities)
    if not all(type(k) is str and _PLAIN.fullmatch(k) for k in keys) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in probabilities.values()
    ):
        return None, text
    keys.sort()
    numbers = [json.dumps(probabilities[k]) for k in keys]
    codes = json.dumps(keys, separators=(",", ":"))
    if decode_probabilities(codes, " ".join(numbers)) != text:
        return None, text
    return codes, " ".join(numbers)


# printable ASCII but for the quote and backslash: json.dumps and SQLite's json_quote
# write it as it is
_PLAIN = re.compile(r"[ !#-\[\]-~]*")


def decode_probabilities(codes: str | None, stored: str) -> str:
    """The JSON text of probabilities kept as :func:`encode_probabilities` gives them."""
    if codes is None:
        return stored
    return _template(codes) % tuple(stored.split(" "))


@functools.lru_cache(maxsize=256)
def _template(codes: str) -> str:
    keys = [json.dumps(k).replace("%", "%%") for k in json.loads(codes)]
    return "{" + ", ".join(f"{k}: %s" for k in keys) + "}"


def _integer_rows(db: Database) -> bool:
    """Whether model labels are kept in ``model_label_rows`` (migration 0009); a file
    opened read-only from before it has the table ``model_labels`` (0006)."""
    return (
        db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'model_label_rows'"
        ).fetchone()
        is not None
    )


def _count_sql(db: Database) -> str:
    """The two columns of :func:`list_model_coders` counting a model's labels and runs."""
    if not _integer_rows(db):
        return (
            "(SELECT count(*) FROM model_labels l WHERE l.coder_id = m.coder_id AND "
            "l.value IS NOT NULL), (SELECT coalesce(max(run), 0) FROM model_labels l "
            "WHERE l.coder_id = m.coder_id)"
        )
    coder = "(SELECT id FROM label_terms WHERE text = m.coder_id)"
    return (
        f"(SELECT count(*) FROM model_label_rows l WHERE l.coder = {coder} AND "
        f"l.value IS NOT NULL), (SELECT coalesce(max(run), 0) FROM model_label_rows l "
        f"WHERE l.coder = {coder})"
    )


def model_labels_frame(
    db: Database,
    *,
    coders: Iterable[str] | None = None,
    runs: Iterable[int] | None = None,
    valid_only: bool = True,
) -> pd.DataFrame:
    """Machine labels as a long frame shaped like :func:`desktop.core.store.labels_frame`.

    Columns: ``unit_id, coder, dimension, value, run, probabilities`` (JSON text or ''),
    ``reason, out_of_fold, changed_at``. Labels on excluded units or articles are left
    out; so are missing answers unless ``valid_only`` is false.
    """
    import pandas as pd

    if not has_machine_coders(db):
        return pd.DataFrame(columns=list(MODEL_LABEL_COLUMNS))
    integer = _integer_rows(db)
    if integer:
        # codes and probabilities are decoded below (decode_probabilities)
        table = (
            "(SELECT k.unit_id, c.text AS coder_id, d.text AS dimension, v.text AS value, "
            "m.run, p.text AS codes, m.probabilities, m.reason, m.out_of_fold, "
            f"{time_sql('m.created_at')} AS created_at FROM model_label_rows m "
            "JOIN unit_keys k ON k.id = m.unit JOIN label_terms c ON c.id = m.coder "
            "JOIN label_terms d ON d.id = m.dimension LEFT JOIN label_terms v ON v.id = m.value "
            "LEFT JOIN label_terms p ON p.id = m.codes)"
        )
    else:
        table = "(SELECT *, NULL AS codes FROM model_labels)"
    sql = (
        "SELECT l.unit_id, l.coder_id AS coder, l.dimension, l.value, l.run, l.codes, "
        "l.probabilities, l.reason, l.out_of_fold, l.created_at AS changed_at "
        f"FROM {table} l JOIN units u ON u.id = l.unit_id "
        "JOIN articles a ON a.id = u.article_id WHERE u.excluded = 0 AND a.excluded = 0"
    )
    if valid_only:
        sql += " AND l.value IS NOT NULL"
    filters, params = in_filters((("l.coder_id", coders), ("l.run", runs)))
    sql += filters
    sql += " ORDER BY l.coder_id, l.run, u.seq, l.dimension"
    rows = [
        (*r[:5], decode_probabilities(r[5], r[6]), *r[7:])
        for r in db.conn.execute(sql, params).fetchall()
    ]
    return pd.DataFrame.from_records(rows, columns=list(MODEL_LABEL_COLUMNS))


def agreement_labels_frame(db: Database, coders: Iterable[str] | None = None) -> pd.DataFrame:
    """Labels for an agreement report: the humans', plus a model's only when it is named.

    A model named in ``coders`` contributes its first run, shaped like
    :func:`desktop.core.store.labels_frame`; with ``coders`` None no model is included.
    The humans' labels are read in C (:func:`desktop.core.store.label_frames.labels_frame`).
    """
    from desktop.core.store.label_frames import labels_frame

    humans = labels_frame(db)
    wanted = [c for c in coders or () if coder_kind(db, c) == MODEL]
    if not wanted:
        return humans
    import pandas as pd

    models = model_labels_frame(db, coders=wanted, runs=[1])
    models = models.assign(seconds=0.0)[list(humans.columns)]
    return pd.concat([humans, models], ignore_index=True)


def done_units(db: Database, coder: str, run: int) -> set[str]:
    """Units that already have a label (valid or not) from ``coder`` in ``run``."""
    if _integer_rows(db):
        sql = (
            "SELECT DISTINCT k.unit_id FROM model_label_rows m JOIN unit_keys k ON k.id = m.unit "
            f"WHERE m.coder = {term_sql()} AND m.run = ?"
        )
    else:
        sql = "SELECT DISTINCT unit_id FROM model_labels WHERE coder_id = ? AND run = ?"
    rows = db.execute(sql, [coder, run])
    return {r[0] for r in rows}


# -- units for models ---------------------------------------------------------------------


class UnitText(NamedTuple):
    """A codable unit with what a model sees of it."""

    id: str
    article_id: str
    paragraph: int
    text: str


def codable_unit_texts(db: Database, unit_ids: Iterable[str] | None = None) -> list[UnitText]:
    """Codable units (not excluded, article not excluded) in project order."""
    rows = db.execute(
        "SELECT u.id, u.article_id, u.paragraph, u.text FROM units u "
        "JOIN articles a ON a.id = u.article_id WHERE u.excluded = 0 AND a.excluded = 0 "
        "ORDER BY u.seq"
    ).fetchall()
    units = [UnitText(*r) for r in rows]
    if unit_ids is not None:
        wanted = set(unit_ids)
        units = [u for u in units if u.id in wanted]
    return units


def paragraph_texts(db: Database, unit_ids: Sequence[str]) -> dict[str, str]:
    """For each unit, the text of its whole paragraph (the context a model is shown)."""
    rows = db.execute(
        "SELECT u.id, substr(a.text, p.start + 1, p.end - p.start) FROM units u "
        "JOIN paragraphs p ON p.article_id = u.article_id AND p.idx = u.paragraph "
        "JOIN articles a ON a.id = u.article_id"
    ).fetchall()
    wanted = set(unit_ids)
    return {r[0]: (r[1] or "").strip() for r in rows if r[0] in wanted}


# -- LLM response cache -------------------------------------------------------------------


def cached_responses(
    db: Database, model: str, prompt_hash: str, runs: Iterable[int]
) -> dict[tuple[str, int], CachedResponse]:
    """Stored answers for ``(unit_id, run)`` of a model and prompt."""
    runs = list(runs)
    rows = db.execute(
        "SELECT unit_id, run, response, tokens_in, tokens_out FROM llm_cache "
        f"WHERE model = ? AND prompt_hash = ? AND run IN ({placeholders(runs)})",
        [model, prompt_hash, *runs],
    )
    return {(r[0], r[1]): CachedResponse(*r) for r in rows}


def put_cached_response(db: Database, model: str, prompt_hash: str, answer: CachedResponse) -> None:
    """Store one endpoint answer (its text and token counts, nothing about the request)."""
    with write_transaction(db):
        db.execute(
            "INSERT OR REPLACE INTO llm_cache (model, prompt_hash, unit_id, run, response, "
            "tokens_in, tokens_out, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                model,
                prompt_hash,
                answer.unit_id,
                answer.run,
                answer.response,
                answer.tokens_in,
                answer.tokens_out,
                utc_now(),
            ],
        )
