"""What a file may bring into a merge: a package speaks only for its coder.

A coder package is made for one coder (its ``package_coder`` mark) and travels through
that coder's hands, so nothing in it is trusted beyond that coder's own labels, history,
unsure flags, notes, times and assignments. Rows of other coders, other coders
themselves, gold labels, oversized notes, and times that are not times or lie in the
future are *foreign*: the merge is refused naming them, or (``skip_foreign``) they are
left out and listed in the report. A copy of the project itself (same project id, no
package mark) is the lead's own file and brings everything, but its times are checked
just the same.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from desktop.core.timestamps import stored_time_problem
from desktop.core.wording import counted, plural

# A note is a coder's remark on one sentence; the window's note field holds a paragraph.
MAX_NOTE_CHARS = 20_000

# Where the coder and the time sit in each kind of row (see desktop.core.store.team).
_CODER = {"labels": 1, "history": 2, "states": 1, "assignments": 1}
_TIME = {
    "labels": 4,
    "history": 8,
    "states": 5,
    "assignments": 4,
    "gold": 6,
    "gold_history": 7,
}
_NAMES = {
    "labels": "labels",
    "history": "label history rows",
    "states": "unsure flags, notes and times",
    "assignments": "assignments",
    "gold": "gold labels",
    "gold_history": "gold history rows",
}


def _keep(source, kind: str, test: Callable[[tuple], bool]) -> int:
    rows = getattr(source, kind)
    kept = [row for row in rows if test(row)]
    setattr(source, kind, kept)
    return len(rows) - len(kept)


def screen_source(source, package_coder: str | None, *, now: datetime | None = None) -> list[str]:
    """Remove from ``source`` (a merge's ``_Source``) what it may not bring.

    Parameters
    ----------
    package_coder
        The coder the file is a package for; None for a copy of the project.

    Returns
    -------
    list of str
        One line per kind of row left out ("3 labels of coder bob"), empty when the
        file held nothing foreign.
    """
    now = now or datetime.now(UTC)
    found: list[str] = []
    if package_coder is not None:
        others = Counter(row[0] for row in source.coders if row[0] != package_coder)
        source.coders = [row for row in source.coders if row[0] == package_coder]
        if others:
            found.append(f"{counted(len(others), 'other coder')}: {', '.join(sorted(others))}")
        for kind, column in _CODER.items():
            strangers = Counter(row[column] for row in getattr(source, kind))
            strangers.pop(package_coder, None)
            if strangers:
                _keep(source, kind, lambda row, c=column: row[c] == package_coder)
                names = ", ".join(sorted(strangers))
                found.append(
                    f"{sum(strangers.values())} {_NAMES[kind]} of "
                    f"{plural(len(strangers), 'coder')} {names}"
                )
        for kind in ("gold", "gold_history"):
            dropped = _keep(source, kind, lambda row: False)
            if dropped:
                found.append(f"{dropped} {_NAMES[kind]} (only the lead adjudicates)")
        long_notes = _keep(
            source, "states", lambda row: row[3] is None or len(str(row[3])) <= MAX_NOTE_CHARS
        )
        if long_notes:
            found.append(f"{counted(long_notes, 'note')} longer than {MAX_NOTE_CHARS:,} characters")
    for kind, column in _TIME.items():
        problems = Counter(
            problem
            for row in getattr(source, kind)
            if (problem := stored_time_problem(row[column], now=now)) is not None
        )
        if problems:
            _keep(source, kind, lambda row, c=column: stored_time_problem(row[c], now=now) is None)
            for problem, n in sorted(problems.items()):
                found.append(f"{n} {_NAMES[kind]} with a time {problem}")
    return found
