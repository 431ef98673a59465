"""Small pieces of parameterised SQL the store's modules share."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def placeholders(values: Sequence) -> str:
    """``?, ?, ?``: one SQL parameter mark per value."""
    return ", ".join("?" * len(values))


def in_filters(filters: Iterable[tuple[str, Iterable | None]]) -> tuple[str, list]:
    """``" AND column IN (?, ?)"`` for each ``(column, wanted)`` whose ``wanted`` is not None,
    and the parameters, in order (an empty ``wanted`` matches nothing)."""
    sql, params = "", []
    for column, wanted in filters:
        if wanted is not None:
            wanted = list(wanted)
            sql += f" AND {column} IN ({placeholders(wanted)})"
            params += wanted
    return sql, params
