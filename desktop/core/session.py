"""The coding session: which sentence is shown, what a key does to it, and when to move on.

This is the state machine behind the coding window, free of Qt so that it can be tested
(and driven by a script) without a display. The window turns key presses into calls on a
:class:`CodingSession` and refreshes its views from the :class:`Update` each call returns.

The shown unit is always in one :class:`Phase`. A category key that completes the unit
starts a *transition* (the window lets the coder see the chosen value for a moment, then
calls :meth:`CodingSession.finish_transition`). While the phase is ``TRANSITIONING``
direct writes are refused, so nothing can write to the sentence being left.

Type-ahead: the keys a coder types go through :meth:`CodingSession.type_key`. A key typed
during a transition is *queued*, never dropped and never applied to the sentence being
left; when the transition ends the session moves on and applies the queued keys in
order, each to the sentence that is current once the keys before it have been applied
(a queued key that completes a sentence moves on at once when more keys wait). Two kinds
of key act at once when nothing is queued, because what they mean does not depend on the
move: a forward key (confirm, next, next uncoded) carries out the pending move itself,
and undo takes back the key that completed the sentence.

Blind coding: the session reads and writes the labels of its own coder only.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from dataclasses import dataclass

from desktop.core import store
from desktop.core.keys import Action
from desktop.core.project_changes import Changed
from desktop.core.session_parts import (  # re-exported: callers import them from here
    AT_ONCE_ACTIONS,
    Counts,
    Keystroke,
    Phase,
    Update,
    combine,
    count_progress,
)
from desktop.core.store import Article, Change, Database, Unit, coding_queries
from desktop.core.store import team as team_store
from desktop.core.unit_queue import UnitQueue

# The parts of a project whose change can alter what a session holds (see reload).
_SESSION_PARTS = Changed.LABELS | Changed.UNITS | Changed.TEAM | Changed.SCHEME


@dataclass
class _Shown:
    unit: Unit
    labels: dict[str, str]
    unsure: bool
    note: str
    seconds: float  # time stored before this visit
    visit: float = 0.0  # time of this visit, up to the last pause
    since: float | None = None  # clock value when the visit was last resumed


class CodingSession:
    """One coder coding one project, one sentence at a time.

    Parameters
    ----------
    db
        An open project.
    coder
        The coder's id; must already be registered (``store.ensure_coder``) unless
        ``readonly``.
    readonly
        Refuse every write (time included) with a message instead.
    auto_advance
        Move on when a key leaves every dimension of the unit with a value.
    start_seq
        The unit to show first; by default the first one this coder has not coded.
    clock
        Seconds as a float, monotonic (injected by tests).
    count_later
        Do not count the coder's progress on opening (a pass over all of their labels)
        nor, without assignments, read the list of every codable unit: :attr:`progress`,
        :attr:`partial` and :attr:`position` say None (and :attr:`seqs` is None) until
        :meth:`adopt_counts` is given the :func:`count_progress` of another connection.
    """

    def __init__(
        self,
        db: Database,
        coder: str,
        *,
        readonly: bool = False,
        auto_advance: bool = True,
        start_seq: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        count_later: bool = False,
    ):
        self.db = db
        self.coder = coder
        self.readonly = readonly
        self.auto_advance = auto_advance
        self._clock = clock
        self.scheme = store.current_scheme(db)
        self.dimensions: tuple[str, ...] = self.scheme.dimension_ids
        self._key_map = self.scheme.key_map()
        self._articles: dict[str, Article] = {}
        self._article_seqs: dict[str, list[int]] = {}
        self._token = 0
        self._pending: list[Keystroke] = []  # typed during a transition, oldest first
        self._warned_open: str | None = None  # the unit whose open dimensions were named
        self._paused = False
        self._shown: _Shown | None = None
        self._queue = UnitQueue(db, [])
        self._assigned_only = False
        self.phase = Phase.EMPTY
        self._coded: int | None = None
        self._partial: int | None = None
        # (history id, coded delta, partial delta) of the label writes made while the
        # counts are not known yet (count_later), to add to the counts when they come.
        self._uncounted: list[tuple[int, int, int]] = []
        self._load_queue(count=not count_later)
        self._start(start_seq)

    # -- what is shown ------------------------------------------------------------------

    @property
    def unit(self) -> Unit | None:
        return self._shown.unit if self._shown else None

    @property
    def labels(self) -> dict[str, str]:
        """This coder's labels on the shown unit, ``{dimension: code}``."""
        return dict(self._shown.labels) if self._shown else {}

    @property
    def unsure(self) -> bool:
        return self._shown.unsure if self._shown else False

    @property
    def note(self) -> str:
        return self._shown.note if self._shown else ""

    @property
    def article(self) -> Article | None:
        if self._shown is None:
            return None
        article_id = self._shown.unit.article_id
        if article_id not in self._articles:
            self._articles[article_id] = store.get_article(self.db, article_id)
        return self._articles[article_id]

    @property
    def position(self) -> tuple[int | None, int | None]:
        """``(1-based index of the shown unit, number of codable units)``; both None
        while the list of units is not loaded (``count_later``)."""
        length = self._queue.length()
        if self._shown is None:
            return 0, length
        index = self._queue.index(self._shown.unit.seq)
        return (None if index is None else index + 1), length

    @property
    def article_position(self) -> tuple[int, int]:
        """``(1-based index of the shown unit in its article, codable units of the article)``."""
        if self._shown is None:
            return 0, 0
        unit = self._shown.unit
        seqs = self._article_seqs.get(unit.article_id)
        if seqs is None:
            seqs = store.coded_unit_seqs(self.db, [unit.article_id])
            self._article_seqs = {unit.article_id: seqs}  # only the current article
        return bisect.bisect_left(seqs, unit.seq) + 1, len(seqs)

    @property
    def seqs(self) -> list[int] | None:
        """The codable units in order, by seq (the navigation order; None while not
        loaded, see ``count_later``). Do not modify."""
        return self._queue.seqs

    @property
    def progress(self) -> tuple[int | None, int | None]:
        """``(units fully coded by this coder, codable units)``; None while not known
        yet (``count_later``)."""
        return self._coded, self._queue.length()

    @property
    def assigned_only(self) -> bool:
        """Whether this coder codes only the units assigned to them (the team workflow)."""
        return self._assigned_only

    @property
    def partial(self) -> int | None:
        """How many units this coder has coded in some but not all dimensions (None while
        the counts are not known yet)."""
        return self._partial

    @property
    def counted(self) -> bool:
        """Whether :attr:`progress` and :attr:`partial` are known."""
        return self._coded is not None

    def adopt_counts(self, counts: Counts) -> bool:
        """Take the counts read by another connection (``count_later``), plus the
        session's own label writes that their snapshot did not hold. False (and nothing
        changes) when the counts are already known, e.g. after a :meth:`reload`."""
        if self._coded is not None:
            return False
        if counts.seqs is not None and not self._queue.loaded:
            self._queue.adopt(counts.seqs)
        later = [(c, p) for history, c, p in self._uncounted if history > counts.marker]
        self._coded = counts.coded + sum(c for c, _ in later)
        self._partial = counts.partial + sum(p for _, p in later)
        self._uncounted = []
        return True

    def status(self) -> coding_queries.UnitStatus | None:
        """This coder's state on the shown unit, as :func:`coding_queries.unit_status`
        reads it from the store (None when nothing is shown)."""
        shown = self._shown
        if shown is None:
            return None
        labelled = sum(d in shown.labels for d in self.dimensions)
        return coding_queries.UnitStatus(labelled, shown.unsure, bool(shown.note))

    @property
    def open_dimensions(self) -> list[str]:
        """The dimensions of the shown unit still without a value, in scheme order."""
        labels = self._shown.labels if self._shown else {}
        return [d for d in self.dimensions if d not in labels]

    def describe_open(self) -> str:
        """``"Alliance trust, China's role"``: the labels of the open dimensions."""
        return ", ".join(self.scheme.dimension(d).label for d in self.open_dimensions)

    def is_complete(self, labels: dict[str, str] | None = None) -> bool:
        labels = self.labels if labels is None else labels
        return all(dimension in labels for dimension in self.dimensions)

    def context(self, radius: int = 1) -> list[Unit]:
        """Units of the shown unit's paragraph and ``radius`` paragraphs either side."""
        if self._shown is None:
            return []
        unit = self._shown.unit
        return coding_queries.context_units(self.db, unit.article_id, unit.paragraph, radius)

    def next_in_line(self, radius: int = 1) -> tuple[Unit, list[Unit]] | None:
        """The unit a completed sentence moves on to, with its :meth:`context` (so that
        a window can lay it out while the coder reads); None at the end or when empty.
        Reads only: what is shown does not change."""
        if self._shown is None:
            return None
        seq = self._queue.step(self._shown.unit.seq, +1)
        unit = store.get_unit_by_seq(self.db, seq) if seq is not None else None
        if unit is None:
            return None
        context = coding_queries.context_units(self.db, unit.article_id, unit.paragraph, radius)
        return unit, context

    def article_units(self) -> list[Unit]:
        """Every unit of the shown unit's article (for the whole-article view)."""
        return store.article_units(self.db, self._shown.unit.article_id) if self._shown else []

    # -- typing: every key, in order ----------------------------------------------------

    @property
    def pending(self) -> tuple[Keystroke, ...]:
        """Keys typed during the transition, waiting for it to end."""
        return tuple(self._pending)

    def type_key(self, key: Keystroke) -> Update:
        """A key the coder typed. Applied now, or queued while a transition is pending
        (see the module docstring); a queued key is applied by
        :meth:`finish_transition` or :meth:`settle`."""
        if self.phase is Phase.TRANSITIONING and (
            self._pending or key.action not in AT_ONCE_ACTIONS
        ):
            self._pending.append(key)
            return Update(queued=True)
        return self._apply_key(key)

    def settle(self) -> Update:
        """End a pending transition now and apply every queued key (before the window
        closes, or before an action that is not a key: a click in the list, an import)."""
        updates = []
        while self.phase is Phase.TRANSITIONING:
            updates.append(self.finish_transition(self._token))
        return combine(updates) if updates else Update(ignored=True)

    def _apply_key(self, key: Keystroke) -> Update:
        if key.action is None:
            return self.choose(key.dimension, key.code)
        handlers = {
            Action.CONFIRM: self.confirm,
            Action.NEXT: lambda: self.move(+1),
            Action.PREVIOUS: lambda: self.move(-1),
            Action.NEXT_UNCODED: self.next_uncoded,
            Action.TOGGLE_UNSURE: self.toggle_unsure,
            Action.UNDO: self.undo,
            Action.REDO: self.redo,
        }
        handler = handlers.get(key.action)
        return handler() if handler else Update(ignored=True)

    def _drain(self) -> list[Update]:
        """Apply the queued keys in order; a key that completes a sentence while more
        keys wait moves on at once (a forward key carries that move out itself)."""
        waiting, self._pending = self._pending, []
        updates = []
        for key in waiting:
            if self.phase is Phase.TRANSITIONING and key.action not in AT_ONCE_ACTIONS:
                updates.append(self._move_on())
            updates.append(self._apply_key(key))
        return updates

    def _move_on(self) -> Update:
        # The unit's time was stored with the key that completed it; the transition's
        # own moment is the app's, not the coder's (a key that cancels it keeps it).
        self._shown.visit = 0.0
        self._shown.since = None
        return self.move(+1)

    # -- coding -------------------------------------------------------------------------

    def press_key(self, key: str) -> Update:
        """A category key from the scheme: set that dimension's value, or clear it."""
        target = self._key_map.get(key.upper())
        if target is None:
            return Update(ignored=True)
        return self.choose(*target)

    def choose(self, dimension: str, code: str) -> Update:
        """Set ``dimension`` to ``code`` on the shown unit; if it already is, clear it."""
        refused = self._refuse_write()
        if refused:
            return refused
        shown = self._shown
        before = dict(shown.labels)
        value = None if before.get(dimension) == code else code
        after = dict(before)
        if value is None:
            after.pop(dimension, None)
        else:
            after[dimension] = value
        moving_on = value is not None and self.auto_advance and self.is_complete(after)
        # The key that completes the unit stores the visit's time with the label: one
        # commit, not a second one when the transition moves on (see finish_transition).
        visit = self._visit_seconds() if moving_on else 0.0
        change = store.set_label(
            self.db,
            shown.unit.id,
            self.coder,
            dimension,
            value,
            seconds=self._seconds(),
            add_seconds=visit,
        )
        shown.labels = after
        delta = self._completion_delta(before, after)
        self._count(change, delta, self._is_partial(after) - self._is_partial(before))
        transition = None
        if moving_on:
            shown.seconds += visit
            shown.visit = 0.0
            shown.since = None if self._paused else self._clock()
            self._token += 1
            self.phase = Phase.TRANSITIONING
            transition = self._token
        return Update(
            changes=(change,),
            transition=transition,
            article_id=shown.unit.article_id,
            coded_delta=delta,
        )

    def click_category(self, dimension: str, code: str) -> Update:
        """A click on a category button: aimed at the sentence on screen, so it cancels
        a pending transition (keys queued before it are applied first)."""
        first = self.stay() if self.phase is Phase.TRANSITIONING else None
        return combine([first, self.choose(dimension, code)])

    def toggle_unsure(self) -> Update:
        refused = self._refuse_write()
        if refused:
            return refused
        shown = self._shown
        change = store.set_unsure(self.db, shown.unit.id, self.coder, not shown.unsure)
        shown.unsure = not shown.unsure
        return Update(changes=(change,), article_id=shown.unit.article_id)

    def save_note(self, unit_id: str, text: str) -> Update:
        """Store the note typed for ``unit_id`` (which need not be the shown unit)."""
        if self.readonly:
            return Update(ignored=True, message="The project is open read-only")
        shown = self._shown
        if shown is not None and shown.unit.id == unit_id:
            if text == shown.note:
                return Update(ignored=True)
            shown.note = text
        elif store.unit_state(self.db, unit_id, self.coder)["note"] == text:
            return Update(ignored=True)
        change = store.set_note(self.db, unit_id, self.coder, text)
        return Update(changes=(change,))

    # -- moving -------------------------------------------------------------------------

    def confirm(self) -> Update:
        """Accept the shown unit as it is and move to the next one.

        On a partly coded unit the first confirm stays and names the dimensions still
        open (a partly coded unit is easy to miss); confirming again moves on.
        """
        shown = self._shown
        if (
            self.phase is Phase.SHOWING
            and shown is not None
            and self._is_partial(shown.labels)
            and self._warned_open != shown.unit.id
        ):
            self._warned_open = shown.unit.id
            open_dims = self.open_dimensions
            return Update(
                message=f"Still open: {self.describe_open()} "
                f"({len(open_dims)} of {len(self.dimensions)}). "
                "Press Enter again to move on anyway.",
                open_notice=True,
            )
        return self.move(+1)

    def move(self, step: int) -> Update:
        """Move ``step`` units along; during a transition, relative to the shown unit."""
        if self.phase is Phase.EMPTY:
            return Update(ignored=True)
        self._cancel_transition()
        target = self._queue.step(self._shown.unit.seq, step)
        if target is None and step > 0:
            total = self._queue.length()
            left = None if self._coded is None or total is None else total - self._coded
            message = "This is the last sentence" + (
                ""
                if left is None
                else f"; {left} not yet coded (N finds the next)"
                if left
                else "; all coded"
            )
            return Update(message=message)
        if target is None:
            return Update(message="This is the first sentence")
        self._show(target)
        return Update(moved=True)

    def stay(self) -> Update:
        """Keep the shown unit on screen: cancel a pending transition (to write a note).

        With keys queued, they are applied first (they were typed before)."""
        if self._pending:
            return self.settle()
        self._cancel_transition()
        return Update()

    def finish_transition(self, token: int) -> Update:
        """End the transition numbered ``token`` by moving on, then apply the keys
        queued during it (stale tokens do nothing)."""
        if self.phase is not Phase.TRANSITIONING or token != self._token:
            return Update(ignored=True)
        return combine([self._move_on(), *self._drain()])

    def go_to_seq(self, seq: int) -> Update:
        if self._pending:  # keys typed before the click go first
            return combine([self.settle(), self.go_to_seq(seq)])
        if not self._queue.contains(seq):
            return Update(ignored=True, message="That sentence is not among those to code")
        self._cancel_transition()
        if self._shown is not None and self._shown.unit.seq == seq:
            return Update()
        self._show(seq)
        return Update(moved=True)

    def go_to_unit(self, unit_id: str) -> Update:
        unit = store.get_unit(self.db, unit_id)
        if unit is None:
            return Update(ignored=True)
        return self.go_to_seq(unit.seq)

    def go_to_article(self, article_id: str) -> Update:
        """The first uncoded unit of an article, or its first unit when all are coded."""
        if self._pending:
            return combine([self.settle(), self.go_to_article(article_id)])
        seqs = store.coded_unit_seqs(self.db, [article_id])
        if not seqs:
            return Update(ignored=True, message="This article has no sentences to code")
        first_uncoded = coding_queries.next_uncoded_seq(
            self.db, self.coder, seqs[0] - 1, self.dimensions, assigned_only=self._assigned_only
        )
        if first_uncoded is not None and seqs[0] <= first_uncoded <= seqs[-1]:
            return self.go_to_seq(first_uncoded)
        return self.go_to_seq(seqs[0])

    def next_uncoded(self) -> Update:
        if self.phase is Phase.EMPTY:
            return Update(ignored=True)
        self._cancel_transition()
        seq = coding_queries.next_uncoded_seq(
            self.db,
            self.coder,
            self._shown.unit.seq,
            self.dimensions,
            assigned_only=self._assigned_only,
        )
        if seq is None:
            return Update(message="Every sentence is coded")
        if seq == self._shown.unit.seq:
            return Update(message="This is the only sentence not yet coded")
        return self.go_to_seq(seq)

    # -- undo and redo ------------------------------------------------------------------

    def undo(self) -> Update:
        return self._history(store.undo, "Nothing to undo")

    def redo(self) -> Update:
        return self._history(store.redo, "Nothing to redo")

    def _history(self, operation, nothing: str) -> Update:
        if self.readonly:
            return Update(ignored=True, message="The project is open read-only")
        if self.phase is Phase.EMPTY:
            return Update(ignored=True, message=nothing)
        self._cancel_transition()
        change = operation(self.db, self.coder)
        if change is None:
            return Update(message=nothing)
        moved = False
        if change.unit_id == self._shown.unit.id:
            shown = self._shown
            if change.new is None:
                shown.labels.pop(change.dimension, None)
            else:
                shown.labels[change.dimension] = change.new
            after = shown.labels
        else:
            moved = self.go_to_unit(change.unit_id).moved
            after = store.unit_labels(self.db, change.unit_id, self.coder)
        before = dict(after)
        if change.old is None:
            before.pop(change.dimension, None)
        else:
            before[change.dimension] = change.old
        delta = self._completion_delta(before, after)
        self._count(change, delta, self._is_partial(after) - self._is_partial(before))
        unit = store.get_unit(self.db, change.unit_id)
        return Update(
            changes=(change,),
            moved=moved,
            article_id=unit.article_id if unit else None,
            coded_delta=delta,
        )

    # -- time ---------------------------------------------------------------------------

    def pause(self) -> None:
        """Stop the clock (the window lost focus)."""
        self._paused = True
        shown = self._shown
        if shown is not None and shown.since is not None:
            shown.visit += self._clock() - shown.since
            shown.since = None

    def resume(self) -> None:
        """Restart the clock (the window is active again)."""
        self._paused = False
        shown = self._shown
        if shown is not None and shown.since is None:
            shown.since = self._clock()

    def close(self) -> None:
        """Apply any queued key, store the time spent on the shown unit; the session is done."""
        if self._pending:
            self.settle()
        self._leave()
        self._shown = None
        self.phase = Phase.EMPTY

    def reload(self, what: Changed = Changed.EVERYTHING, *, count_later: bool = False) -> Update:
        """Re-read what a change to ``what`` may have altered, staying on the shown unit.

        The list of units is read again only when units or the scheme changed (an
        import, curation, another program's write), the coder's assignments only when
        the team changed; the counts whenever labels, units or the team changed; a
        change of gold values alone changes nothing the session holds (the update is
        ``ignored``). The shown unit is read again (another program may have written
        to it) and stays the shown unit while it is among those to code.

        With ``count_later`` the counts (and a list of every codable unit that must be
        read again) are left to :func:`count_progress` on another connection and
        :meth:`adopt_counts`, as when a session opens with ``count_later``.
        """
        if not what & _SESSION_PARTS:
            return Update(ignored=True)
        settled = self.settle() if self._pending else None
        seq = self._shown.unit.seq if self._shown else None
        self._leave()
        self._shown = None
        self._article_seqs = {}
        if what & Changed.SCHEME:
            self.reload_scheme()
        if what & (Changed.UNITS | Changed.SCHEME):
            self._articles = {}  # curation may have changed a title
            self._load_queue(count=not count_later)
        elif what & Changed.TEAM:
            self._load_queue(count=not count_later, keep_all=True)
        else:  # labels: the same units, other counts
            self._load_counts(count=not count_later)
        self._start(seq)
        return combine([settled, Update(moved=True)])

    def reload_scheme(self) -> bool:
        """Read the scheme in force again (another program or the lab server may have
        changed it): its dimensions and keys replace the ones read at open. True when it
        changed; :attr:`scheme` is then a new object. Labels are not touched (those of a
        dimension no longer in the scheme stay in the project, unshown)."""
        scheme = store.current_scheme(self.db)
        if scheme.source == self.scheme.source:
            return False
        self.scheme = scheme
        self.dimensions = scheme.dimension_ids
        self._key_map = scheme.key_map()
        return True

    # -- internals ----------------------------------------------------------------------

    def _load_queue(self, *, count: bool = True, keep_all: bool = False) -> None:
        # A coder with assignments codes those (in project order) unless the lead allows
        # unassigned work; without assignments (no team workflow) every codable unit.
        # keep_all: the units are as they were, so a list of every codable unit is kept.
        keep = keep_all and self._queue.loaded and not self._assigned_only
        assigned = team_store.assigned_seqs(self.db, self.coder)
        self._assigned_only = bool(assigned) and not team_store.allow_unassigned(self.db)
        if self._assigned_only:
            self._queue = UnitQueue(self.db, assigned)
        elif not keep:  # every codable unit: read later when count_later
            self._queue = UnitQueue(self.db, store.coded_unit_seqs(self.db) if count else None)
        self._load_counts(count=count)

    def _load_counts(self, *, count: bool) -> None:
        self._uncounted = []
        if not count:
            self._coded = self._partial = None
            return
        counts = count_progress(
            self.db, self.coder, self.dimensions, assigned_only=self._assigned_only
        )
        self._coded, self._partial = counts.coded, counts.partial

    def _count(self, change: Change, coded: int, partial: int) -> None:
        if self._coded is None:
            self._uncounted.append((change.history_id or 0, coded, partial))
        else:
            self._coded += coded
            self._partial += partial

    def _start(self, start_seq: int | None) -> None:
        seq = None
        if start_seq is None:
            seq = coding_queries.next_uncoded_seq(
                self.db, self.coder, 0, self.dimensions, assigned_only=self._assigned_only
            )
        if seq is None:  # the remembered place, or the first unit when all are coded
            seq = self._queue.at_or_after(start_seq if start_seq is not None else 0)
        if seq is None:
            self.phase = Phase.EMPTY
            return
        self._show(seq)

    def _show(self, seq: int) -> None:
        self._leave()
        unit = store.get_unit_by_seq(self.db, seq)
        state = store.unit_state(self.db, unit.id, self.coder)
        self._shown = _Shown(
            unit=unit,
            labels=store.unit_labels(self.db, unit.id, self.coder),
            unsure=state["unsure"],
            note=state["note"],
            seconds=state["seconds"],
            since=None if self._paused else self._clock(),
        )
        self._warned_open = None
        self.phase = Phase.SHOWING

    def _visit_seconds(self) -> float:
        shown = self._shown
        running = self._clock() - shown.since if shown.since is not None else 0.0
        return shown.visit + running

    def _seconds(self) -> float:
        """Time on the shown unit so far, stored visits and this one."""
        return self._shown.seconds + self._visit_seconds()

    def _leave(self) -> None:
        if self._shown is None or self.readonly:
            return
        seconds = self._visit_seconds()
        if seconds > 0:
            store.add_time(self.db, self._shown.unit.id, self.coder, seconds)
        self._shown.seconds += seconds
        self._shown.visit = 0.0
        self._shown.since = None if self._paused else self._clock()

    def _cancel_transition(self) -> None:
        if self.phase is Phase.TRANSITIONING:
            self._token += 1
            self.phase = Phase.SHOWING

    def _refuse_write(self) -> Update | None:
        if self.readonly:
            return Update(ignored=True, message="The project is open read-only")
        if self.phase is not Phase.SHOWING:
            return Update(ignored=True)
        return None

    def _is_partial(self, labels: dict[str, str]) -> int:
        return int(0 < sum(d in labels for d in self.dimensions) < len(self.dimensions))

    def _completion_delta(self, before: dict[str, str], after: dict[str, str]) -> int:
        return int(self.is_complete(after)) - int(self.is_complete(before))
