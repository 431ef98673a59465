"""Counted nouns in messages: ``counted(1, "unit")`` is "1 unit", ``counted(3, "unit")``
"3 units", never "unit(s)"."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """``word`` for one, else ``many`` (default: ``word`` + "s")."""
    return word if n == 1 else (many or f"{word}s")


def counted(n: int, word: str, many: str | None = None) -> str:
    """``n`` (with thousands separators) and ``word`` in the right number.

    >>> counted(1, "unit"), counted(1204, "coding"), counted(0, "match", "matches")
    ('1 unit', '1,204 codings', '0 matches')
    """
    return f"{n:,} {plural(n, word, many)}"
