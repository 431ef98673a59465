"""The steps of a migration, and where an upgrade is while it runs.

:func:`desktop.core.store.db.migrate` runs every migration in one transaction; on a large
project one of them can take minutes (0007 moves every label into its integer tables), so
the runner reports where it is through a callback taking an :class:`UpgradeProgress`:
which migration (``number`` of ``count``), which of its steps, the seconds since the
upgrade began, and a fraction done when one can be estimated. Between steps it reports
once per step; inside a long statement SQLite's progress handler gives a heartbeat (the
same step with a newer ``elapsed``), at most every :data:`HEARTBEAT_S`.

A migration may split a large ``INSERT … SELECT`` into chunks, so that the runner can
report each one, with a hint on the line before the statement::

    -- chunks: unit_keys.id
    INSERT INTO label_current ... WHERE k.id BETWEEN :chunk_start AND :chunk_end ...

The runner reads ``min`` and ``max`` of that integer column (inside the migration's
transaction, after the statements before it) and runs the statement once per range of
:data:`CHUNK_KEYS` values, in increasing order, with ``:chunk_start`` and ``:chunk_end``
bound. Every chunk is a statement of the same transaction, so an interrupted upgrade
leaves nothing of the migration behind, and the rows written are those of one statement
over the whole range. A migration without hints needs no code of its own: each of its
statements is a step.
"""

from __future__ import annotations

import re
import sqlite3
import sys
import time
from collections.abc import Callable
from typing import NamedTuple

#: Keys of the hinted column per chunk (a million units make 100 chunks).
CHUNK_KEYS = 10_000
#: At most this often a heartbeat reaches the callback from inside a statement.
HEARTBEAT_S = 0.25
#: SQLite virtual-machine instructions between two calls of the progress handler.
HANDLER_OPS = 20_000

_HINT = re.compile(r"^\s*--\s*chunks:\s*([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\s*$")


class UpgradeProgress(NamedTuple):
    """Where an upgrade of a project to the current format is.

    ``phase`` is ``"backup"`` (a backup of the old file before anything changes),
    ``"migration"`` (migration ``version`` ``name``, the ``number``-th of ``count``
    pending, at ``step`` of ``steps``: steps done so far), ``"compact"`` (the file is
    rewritten without its freed pages after the last one) or ``"done"``. ``fraction`` is the part of
    the current migration done (steps and chunks counted alike), None when unknown.
    """

    phase: str
    version: int
    name: str
    number: int
    count: int
    step: int
    steps: int
    elapsed: float
    fraction: float | None

    def describe(self) -> str:
        """One line for a terminal or a dialog: ``Upgrading … 1 of 2 (0007 integer
        labels, step 12 of 40), 3:05``."""
        minutes, seconds = divmod(int(self.elapsed), 60)
        clock = f"{minutes}:{seconds:02d}"
        if self.phase == "backup":
            return f"Backing up the project before upgrading it, {clock}"
        if self.phase == "compact":
            return f"Upgrading the project: compacting the file, {clock}"
        if self.phase == "done":
            return f"Upgraded the project to the new format in {clock}"
        name = self.name.replace("_", " ")
        return (
            f"Upgrading the project to the new format — {self.number} of {self.count} "
            f"({self.version:04d} {name}, step {self.step} of {self.steps}), {clock}"
        )


Progress = Callable[[UpgradeProgress], None]


class Step(NamedTuple):
    """One statement of a migration; ``chunk_table``/``chunk_column`` name the integer
    column its ``:chunk_start``/``:chunk_end`` range runs over (empty: run it once)."""

    sql: str
    chunk_table: str = ""
    chunk_column: str = ""


def split_steps(script: str) -> list[Step]:
    """Split a migration into statements (to run inside the runner's own transaction:
    ``executescript`` would commit on its own), each with its chunk hint if it has one.

    Statements are accumulated until ``sqlite3.complete_statement`` says they are whole;
    comment lines between statements are skipped, a ``-- chunks: table.column`` line
    applies to the statement that follows it.
    """
    steps: list[Step] = []
    buffer, hint = "", ("", "")
    for line in script.splitlines(keepends=True):
        if not buffer.strip() and line.lstrip().startswith("--"):
            found = _HINT.match(line)
            if found:
                hint = (found.group(1), found.group(2))
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                steps.append(Step(buffer.strip(), *hint))
            buffer, hint = "", ("", "")
    if buffer.strip():
        steps.append(Step(buffer.strip(), *hint))
    for step in steps:
        if step.chunk_table and not (":chunk_start" in step.sql and ":chunk_end" in step.sql):
            raise ValueError(f"a chunked statement lacks :chunk_start/:chunk_end: {step.sql[:60]}")
    return steps


def chunk_ranges(low: int | None, high: int | None, size: int = 0) -> list[tuple[int, int]]:
    """Consecutive ``(start, end)`` ranges (both inclusive) covering ``low..high``, of
    ``size`` keys each (:data:`CHUNK_KEYS` by default); one range for an empty column."""
    size = size or CHUNK_KEYS
    if low is None or high is None:
        return [(0, -1)]  # an empty table: one run that selects nothing
    return [(start, min(start + size - 1, high)) for start in range(low, high + 1, size)]


class Reporter:
    """Counts the steps of one upgrade and passes where it is to a callback, with a
    heartbeat from SQLite's progress handler while a statement runs."""

    def __init__(self, conn: sqlite3.Connection, progress: Progress | None, count: int):
        self.conn = conn
        self.progress = progress
        self.count = count
        self.started = time.monotonic()
        self._last = 0.0
        self.interrupted = False  # Ctrl+C arrived inside a statement (see migrate)
        self._at = UpgradeProgress("migration", 0, "", 0, count, 0, 0, 0.0, None)

    def __enter__(self) -> Reporter:
        if self.progress is not None:
            self.conn.set_progress_handler(self._heartbeat, HANDLER_OPS)
        return self

    def __exit__(self, *exc) -> None:
        self.conn.set_progress_handler(None, 0)

    def report(self, phase: str, version: int = 0, name: str = "", number: int = 0,
               step: int = 0, steps: int = 0, *, known: bool = True) -> None:  # fmt: skip
        """Announce a new position (``step`` steps of ``steps`` done); ``known``: the
        steps are counted in chunks (the fraction done can be estimated)."""
        fraction = step / steps if steps and known else None
        self._at = UpgradeProgress(
            phase, version, name, number, self.count, step, steps, 0.0, fraction
        )
        self._send()

    def _send(self) -> None:
        if self.progress is None:
            return
        self._last = time.monotonic()
        try:
            self.progress(self._at._replace(elapsed=self._last - self.started))
        except Exception:  # a display failing must not stop the upgrade
            self.progress = None

    def _heartbeat(self) -> int:
        try:
            if time.monotonic() - self._last >= HEARTBEAT_S:
                self._send()
        except KeyboardInterrupt:  # Ctrl+C: stop the statement; the migration rolls back
            self.interrupted = True
            return 1
        return 0


class StreamProgress:
    """Prints an upgrade's progress on a stream (the command line's stderr): one line
    rewritten in place on a terminal, plain lines otherwise (one when a migration or
    phase begins, then at most one every :data:`PLAIN_EVERY_S`)."""

    PLAIN_EVERY_S = 10.0
    TERMINAL_EVERY_S = 0.2

    def __init__(self, stream=None, prefix: str = "stancecoder: "):
        self._stream = stream  # None: sys.stderr as it is when an upgrade reports
        self.prefix = prefix
        self._shown: tuple = ()
        self._at = -1e9
        self._width = 0

    @property
    def stream(self):
        return self._stream if self._stream is not None else sys.stderr

    @property
    def terminal(self) -> bool:
        return bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, at: UpgradeProgress) -> None:
        key = (at.phase, at.version)
        now = time.monotonic()
        every = self.TERMINAL_EVERY_S if self.terminal else self.PLAIN_EVERY_S
        if key == self._shown and now - self._at < every and at.phase != "done":
            return
        self._shown, self._at = key, now
        line = self.prefix + at.describe()
        if at.fraction is not None and at.phase == "migration":
            line += f" [{at.fraction:.0%}]"
        if self.terminal:
            pad = max(0, self._width - len(line))
            end = "\n" if at.phase == "done" else ""
            self.stream.write("\r" + line + " " * pad + end)
            self._width = len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
