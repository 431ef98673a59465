"""The units a coding session offers, in order: a list of seqs, or the store until then.

Reading the seq of every codable unit takes seconds on a million-sentence project
(a scan of the units index, one Python int per unit), and the first sentence needs
none of it. A :class:`UnitQueue` made without its list answers the session's few
questions (the next or previous unit, whether a unit is among those to code, where to
start) one indexed query at a time, until :meth:`UnitQueue.adopt` gives it the list
read on another connection; its position and length are unknown (None) until then.
"""

from __future__ import annotations

import bisect

from desktop.core.store import Database, coding_queries


class UnitQueue:
    """The seqs of the units to code, in navigation order.

    Parameters
    ----------
    db
        The project (asked while the list is not loaded).
    seqs
        The codable units' seqs in order, or None to ask the store until
        :meth:`adopt` (only for the queue of every codable unit: a coder's assigned
        units are always given as a list).
    """

    def __init__(self, db: Database, seqs: list[int] | None):
        self._db = db
        self._seqs = seqs

    @property
    def loaded(self) -> bool:
        return self._seqs is not None

    @property
    def seqs(self) -> list[int] | None:
        """The list (None until loaded). Do not modify."""
        return self._seqs

    def adopt(self, seqs: list[int]) -> None:
        """Take the list read on another connection."""
        self._seqs = seqs

    def length(self) -> int | None:
        """How many units there are to code (None until loaded)."""
        return None if self._seqs is None else len(self._seqs)

    def index(self, seq: int) -> int | None:
        """The 0-based place of ``seq`` (None until loaded, or when it is not listed)."""
        if self._seqs is None:
            return None
        place = bisect.bisect_left(self._seqs, seq)
        return place if place < len(self._seqs) and self._seqs[place] == seq else None

    def contains(self, seq: int) -> bool:
        if self._seqs is None:
            return coding_queries.is_codable_seq(self._db, seq)
        return self.index(seq) is not None

    def step(self, seq: int, step: int) -> int | None:
        """The unit ``step`` (+1 or -1) places from ``seq``; None past either end."""
        if self._seqs is None:
            return coding_queries.neighbour_codable_seq(self._db, seq, step)
        place = bisect.bisect_left(self._seqs, seq)
        if step < 0:
            target = place + step
        else:
            on = place < len(self._seqs) and self._seqs[place] == seq
            target = place + step - (0 if on else 1)
        return self._seqs[target] if 0 <= target < len(self._seqs) else None

    def at_or_after(self, seq: int) -> int | None:
        """The first unit at or after ``seq``, else the last one (None: no units)."""
        if self._seqs is None:
            return coding_queries.codable_seq_at_or_after(self._db, seq)
        if not self._seqs:
            return None
        place = bisect.bisect_left(self._seqs, seq)
        return self._seqs[min(place, len(self._seqs) - 1)]
