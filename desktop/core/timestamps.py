"""Times that come in from files: checked, and written the one way the project sorts them.

The project stores every time as ISO-8601 UTC text with microseconds
(``2026-11-22T10:14:00.000000Z``, :func:`utc_now`), and the later
of two changes wins a conflict by comparing that text. A time read from a file is
therefore parsed, refused when it is not a time ("zzzz" sorts after every real time) or
lies in the future beyond :data:`FUTURE_MARGIN` of this machine's clock (a "2099" change
would win every conflict), and rewritten in the project's form.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

# Clocks of coders' laptops drift; a day is far more than drift and far less than 2099.
FUTURE_MARGIN = timedelta(days=1)
_STORED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)  # before any coding tool wrote a label


def utc_now() -> str:
    """The current time as ISO-8601 UTC text with microseconds (sorts as text)."""
    return datetime.now(UTC).strftime(_FORMAT)


class BadTime(ValueError):
    """A time that is not one, or lies in the future; the message says which."""


def _latest(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)) + FUTURE_MARGIN


def parse_time(text: str, *, now: datetime | None = None) -> str:
    """``text`` (ISO-8601; without an offset it is taken as UTC) in the stored form.

    Raises
    ------
    BadTime
        When ``text`` is not an ISO-8601 date and time, or is later than ``now`` (this
        machine's clock) plus :data:`FUTURE_MARGIN`, or earlier than 1990.
    """
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(cleaned)
    except ValueError:
        raise BadTime("not a date and time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    when = when.astimezone(UTC)
    if when > _latest(now):
        raise BadTime("in the future")
    if when < _EARLIEST:
        raise BadTime("before 1990")
    return when.strftime(_FORMAT)


def stored_time_problem(text: object, *, now: datetime | None = None) -> str | None:
    """Why ``text`` is not a time as the app stores it, or None when it is one.

    Files written by the app (packages, copies) hold times only in the stored form;
    anything else was edited by hand or by another program.
    """
    if not isinstance(text, str) or not _STORED.match(text):
        return "not a time as Stance Coder writes it"
    try:
        parse_time(text, now=now)
    except BadTime as exc:
        return str(exc)
    return None
