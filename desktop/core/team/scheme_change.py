"""Changing the coding scheme mid-project.

Adding a category or a dimension, renaming a label or rewording a definition makes a new
scheme version under which every label stays valid. Removing (or merging away) a
category that labels use needs an explicit mapping ``(dimension, old code) -> new code``
(or None to clear those labels), applied in the same transaction that installs the new
version; every remapped label gets a history row (action ``remap``) and the mapping is
recorded in the change log, where merges of older files read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

from desktop.core.errors import SchemeError, UsageError
from desktop.core.scheme import Scheme, parse_scheme
from desktop.core.store import team as team_store
from desktop.core.store.db import (
    Database,
    current_scheme,
    install_scheme,
    log_change,
    utc_now,
    write_transaction,
)
from desktop.core.store.labels import write_label_row
from desktop.core.team.merge import SCHEME_CHANGE

CodeMapping = Mapping[tuple[str, str], str | None]


class SchemeChangeRefused(SchemeError):
    """A new scheme version cannot be installed as asked; nothing was changed."""


class DifferenceKind(Enum):
    """One kind of difference between two versions of a scheme."""

    ADDED_DIMENSION = "added dimension"
    REMOVED_DIMENSION = "removed dimension"
    CHANGED_DIMENSION = "changed dimension"
    ADDED_CATEGORY = "added category"
    REMOVED_CATEGORY = "removed category"
    CHANGED_CATEGORY = "changed category"


@dataclass(frozen=True)
class SchemeDifference:
    """A difference; ``labels`` counts current labels and gold labels using the code."""

    kind: DifferenceKind
    dimension: str
    code: str = ""
    detail: str = ""
    labels: int = 0

    def __str__(self) -> str:
        where = f"{self.dimension}:{self.code}" if self.code else self.dimension
        extra = f" ({self.detail})" if self.detail else ""
        used = f", {self.labels} labels" if self.labels else ""
        return f"{self.kind.value} {where}{extra}{used}"


@dataclass(frozen=True)
class SchemeChange:
    """What :func:`change_scheme` did."""

    from_version: str
    to_version: str
    differences: tuple[SchemeDifference, ...]
    mapping: tuple[tuple[str, str, str | None], ...]
    labels_remapped: int
    gold_remapped: int


def _changed_fields(old, new, names: Iterable[str]) -> str:
    return ", ".join(n for n in names if getattr(old, n) != getattr(new, n))


def diff_schemes(
    old: Scheme, new: Scheme, usage: Mapping[tuple[str, str], int] | None = None
) -> list[SchemeDifference]:
    """The differences from ``old`` to ``new``, dimensions in order.

    Parameters
    ----------
    usage
        ``{(dimension, code): labels}`` to fill in :attr:`SchemeDifference.labels`.
    """
    usage = usage or {}
    found = []
    new_dims = {d.id: d for d in new.dimensions}
    old_ids = set(old.dimension_ids)
    for d in old.dimensions:
        if d.id not in new_dims:
            n = sum(v for (dim, _), v in usage.items() if dim == d.id)
            found.append(SchemeDifference(DifferenceKind.REMOVED_DIMENSION, d.id, labels=n))
            continue
        nd = new_dims[d.id]
        fields = _changed_fields(d, nd, ("label", "question", "level", "description"))
        if fields:
            found.append(SchemeDifference(DifferenceKind.CHANGED_DIMENSION, d.id, detail=fields))
        for c in d.categories:
            if c.code not in nd.codes:
                found.append(
                    SchemeDifference(
                        DifferenceKind.REMOVED_CATEGORY,
                        d.id,
                        c.code,
                        labels=usage.get((d.id, c.code), 0),
                    )
                )
                continue
            fields = _changed_fields(
                c, nd.category(c.code), ("label", "key", "definition", "examples", "value")
            )
            if fields:
                found.append(
                    SchemeDifference(DifferenceKind.CHANGED_CATEGORY, d.id, c.code, fields)
                )
        found += [
            SchemeDifference(DifferenceKind.ADDED_CATEGORY, d.id, code)
            for code in nd.codes
            if code not in d.codes
        ]
    found += [
        SchemeDifference(DifferenceKind.ADDED_DIMENSION, d.id)
        for d in new.dimensions
        if d.id not in old_ids
    ]
    return found


def parse_mapping(items: Iterable[str]) -> dict[tuple[str, str], str | None]:
    """``["stance:mixed=engagement", "china_role:mixed="]`` to a mapping (empty: clear)."""
    mapping: dict[tuple[str, str], str | None] = {}
    for item in items:
        left, eq, new = item.partition("=")
        dimension, colon, old = left.partition(":")
        if not (eq and colon and dimension.strip() and old.strip()):
            raise UsageError(f"a mapping is DIMENSION:OLD=NEW (NEW empty to clear), not '{item}'")
        mapping[(dimension.strip(), old.strip())] = new.strip() or None
    return mapping


def _check(old: Scheme, new: Scheme, differences, mapping: CodeMapping) -> None:
    if new.id != old.id:
        raise SchemeChangeRefused(f"is the scheme '{new.id}', the project uses '{old.id}'")
    if new.version == old.version:
        if not differences and new == old:
            raise SchemeChangeRefused(f"version {new.version} is already in force")
        raise SchemeChangeRefused(
            f"differs from the scheme in force but keeps its version {old.version}; "
            "give it a new version"
        )
    removed = {
        (d.dimension, d.code) for d in differences if d.kind is DifferenceKind.REMOVED_CATEGORY
    }
    problems = [
        f"dimension '{d.dimension}': category '{d.code}' is removed but {d.labels} labels use it; "
        f"map it to another code (--map {d.dimension}:{d.code}=NEW, or NEW empty to clear them)"
        for d in differences
        if d.kind is DifferenceKind.REMOVED_CATEGORY
        and d.labels
        and (d.dimension, d.code) not in mapping
    ]
    for (dimension, code), target in mapping.items():
        if (dimension, code) not in removed:
            problems.append(f"the mapping {dimension}:{code} names no removed category")
        elif target is not None and target not in new.dimension(dimension).codes:
            problems.append(
                f"the mapping {dimension}:{code}={target} names no code of the new scheme"
            )
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise SchemeChangeRefused(problems[0] + more)


def _remap_gold(db: Database, dimension: str, old: str, new: str | None, who: str) -> int:
    rows = team_store.gold_with_code(db, dimension, old)
    for unit_id, dim, _, method, adjudicator, rationale, decided_at in rows:
        if new is None:
            team_store.write_gold(db, unit_id, dim, None, "remap", who or adjudicator)
            continue
        team_store.put_gold_row(db, (unit_id, dim, new, method, adjudicator, rationale, decided_at))
        team_store.insert_gold_history_row(
            db, (unit_id, dim, old, new, "remap", who or adjudicator, rationale, utc_now())
        )
    return len(rows)


def change_scheme(
    db: Database, new: Scheme, mapping: CodeMapping | None = None, *, who: str = ""
) -> SchemeChange:
    """Install a new version of the project's scheme, remapping removed codes as told.

    Parameters
    ----------
    new
        The new version (same scheme id, another version).
    mapping
        ``{(dimension, removed code): new code or None}``; required for every removed
        category that current labels or gold labels use.

    Raises
    ------
    SchemeChangeRefused
        Naming the dimension, the category and the number of labels that need a mapping,
        or what else is wrong; nothing is changed then.
    """
    mapping = dict(mapping or {})
    with write_transaction(db):
        old = current_scheme(db)
        usage = dict(team_store.label_code_counts(db))
        for key, n in team_store.gold_code_counts(db).items():
            usage[key] = usage.get(key, 0) + n
        differences = diff_schemes(old, new, usage)
        _check(old, new, differences, mapping)
        labels = gold = 0
        for (dimension, code), target in sorted(mapping.items(), key=str):
            for unit_id, coder, seconds in team_store.labels_with_code(db, dimension, code):
                write_label_row(db, unit_id, coder, dimension, target, "remap", seconds=seconds)
                labels += 1
            gold += _remap_gold(db, dimension, code, target, who)
        install_scheme(db, new)
        triples = tuple((d, o, n) for (d, o), n in sorted(mapping.items(), key=str))
        log_change(
            db,
            SCHEME_CHANGE,
            who,
            {
                "from_version": old.version,
                "to_version": new.version,
                "differences": [str(d) for d in differences],
                "mapping": [list(t) for t in triples],
                "labels_remapped": labels,
                "gold_remapped": gold,
            },
        )
    return SchemeChange(old.version, new.version, tuple(differences), triples, labels, gold)


def codes_outside_scheme(db: Database) -> list[str]:
    """Labels and gold labels whose code the project's scheme does not have, one line
    per dimension and code (an empty list when every stored code is allowed).

    A dimension the scheme has dropped keeps the codes it had in the scheme's earlier
    versions; a dimension in force takes only its current codes.
    """
    scheme = current_scheme(db)
    allowed = {d.id: set(d.codes) for d in scheme.dimensions}
    retired: dict[str, set[str]] = {}
    for text in team_store.scheme_sources(db):
        for d in parse_scheme(text).dimensions:
            if d.id not in allowed:
                retired.setdefault(d.id, set()).update(d.codes)
    found = []
    for what, counts in (
        ("labels", team_store.label_code_counts(db)),
        ("gold labels", team_store.gold_code_counts(db)),
    ):
        for (dimension, code), n in sorted(counts.items(), key=str):
            if code is not None and code not in allowed.get(dimension, retired.get(dimension, ())):
                found.append(
                    f"{n} {what} with {dimension}={code}, which scheme {scheme.version} lacks"
                )
    return found
