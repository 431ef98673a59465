"""Layouts: what one row of an export is. Each returns (columns, an iterator of rows)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from desktop.core import store
from desktop.core.scheme import Scheme


@dataclass(frozen=True)
class Filters:
    coders: tuple[str, ...] | None = None
    articles: tuple[str, ...] | None = None

    def as_dict(self) -> dict:
        return {
            "coders": list(self.coders) if self.coders else None,
            "articles": list(self.articles) if self.articles else None,
        }


Rows = tuple[list[str], Iterator[dict]]

UNIT_COLUMNS = ["unit_id", "article_id", "article_title", "paragraph", "sentence", "text"]


def units_layout(db: store.Database, scheme: Scheme, filters: Filters) -> Rows:
    """One row per coding unit (excluded clutter left out), in project order."""
    wanted = set(filters.articles) if filters.articles else None

    def rows() -> Iterator[dict]:
        for row in store.iter_units_rows(db):
            if wanted is None or row["article_id"] in wanted:
                yield {k: row[k] for k in UNIT_COLUMNS}

    return list(UNIT_COLUMNS), rows()


CODEBOOK_COLUMNS = [
    "dimension",
    "dimension_label",
    "level",
    "question",
    "category",
    "label",
    "key",
    "value",
    "not_applicable",
    "definition",
    "examples",
]


def codebook_layout(db: store.Database, scheme: Scheme, filters: Filters) -> Rows:
    """The scheme as a table: one row per category."""

    def rows() -> Iterator[dict]:
        for d in scheme.dimensions:
            for c in d.categories:
                yield {
                    "dimension": d.id,
                    "dimension_label": d.label,
                    "level": d.level,
                    "question": d.question,
                    "category": c.code,
                    "label": c.label,
                    "key": c.key,
                    "value": c.value,
                    "not_applicable": c.not_applicable,
                    "definition": c.definition,
                    "examples": " | ".join(c.examples),
                }

    return list(CODEBOOK_COLUMNS), rows()
