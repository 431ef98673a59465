"""What a key press changes besides the sentence and the coding panel, drawn in the
frame after the one that shows them (issue 24).

A key that completes a sentence changes the sentence view and the coding panel, which
the coder looks at, and also the codebook card, the article and sentence lists (a row's
dot, an article's count, the selected row), the progress in the status bar, the "Saved"
indicator and the calibration feedback. Drawing all of it in one frame put the card's
rich text, the list rows, the status bar's relayout and their queries between the key
and the next sentence. :class:`AfterFrame` collects those updates and applies them from a
zero-interval timer: Qt paints the frame already asked for first (the window's update
request is a posted event, and posted events go before timers), then the timer applies
what was collected, and the next frame draws it, a few milliseconds later.

Nothing a key writes waits: the label is committed (and synced) before the key returns,
and the session, not the views, decides where the next key goes. What is collected is
read back at the moment it was collected (a row's state) or when it is applied (the
shown unit, the progress), so the views end exactly as if they had been drawn at once.
:meth:`AfterFrame.flush` applies it at once (before a reload, on close, in tests).

:func:`freeze_once` keeps the garbage collector's rare full passes out of key presses.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import NamedTuple

from PySide6.QtCore import QObject, QTimer

from desktop.core import store
from desktop.core.session import CodingSession, Update
from desktop.core.store import Database, coding_queries
from desktop.ui.article_list import Sidebar


class RowUpdate(NamedTuple):
    """A sentence list row to draw again: its unit and, when the session knew it (the
    unit on screen), its state; otherwise its row is read from the store."""

    unit_id: str
    seq: int | None
    status: coding_queries.UnitStatus | None


class AfterFrame(QObject):
    """Updates of the lists, the status bar and the feedback, applied after the frame.

    Parameters
    ----------
    db, session, sidebar
        The window's connection, coding session and article and sentence lists (the
        rows, the article counts and the shown unit's mark are drawn here).
    window_part
        ``window_part(feedback_unit, saved, where)``: the window's own part (the
        calibration feedback for the unit last labelled or None, the "Saved" mark, the
        progress in the status bar when ``where``).
    """

    def __init__(
        self,
        db: Database,
        session: CodingSession,
        sidebar: Sidebar,
        window_part: Callable[[str | None, bool, bool], None],
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self._db, self._session, self._sidebar = db, session, sidebar
        self._window_part = window_part
        self._rows: dict[str, RowUpdate] = {}
        self._deltas: list[tuple[str, int]] = []
        self._feedback_unit: str | None = None
        self._saved = False
        self._where = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.flush)

    @property
    def pending(self) -> bool:
        """Whether something collected is not drawn yet."""
        return bool(self._rows or self._deltas or self._feedback_unit or self._saved) or (
            self._where
        )

    def collect(self, update: Update) -> None:
        """What ``update`` changed in the lists, the counts and the status bar."""
        if update.wrote:
            self._saved = True
        self._deltas.extend(update.deltas)
        if update.changes:
            self._feedback_unit = update.changes[-1].unit_id
        for change in update.changes:
            unit = self._session.unit
            self._rows.pop(change.unit_id, None)  # the latest state, in order of changes
            if unit is not None and unit.id == change.unit_id:
                # The shown unit's state is the session's: its row needs no query.
                self._rows[unit.id] = RowUpdate(unit.id, unit.seq, self._session.status())
            else:
                self._rows[change.unit_id] = RowUpdate(change.unit_id, None, None)
        if self.pending:
            self._later()

    def where(self) -> None:
        """Mark the shown unit in the lists and draw the progress again."""
        self._where = True
        self._later()

    def flush(self) -> None:
        """Apply everything collected now (the timer does it after the frame)."""
        self._timer.stop()
        if not self.pending:
            return
        rows, self._rows = list(self._rows.values()), {}
        deltas, self._deltas = self._deltas, []
        feedback, self._feedback_unit = self._feedback_unit, None
        saved, self._saved = self._saved, False
        where, self._where = self._where, False
        for article_id, delta in deltas:
            self._sidebar.articles.apply_delta(article_id, delta)
        for row in rows:
            if row.status is not None:
                self._sidebar.units.refresh_seq(row.seq, row.status)
                continue
            unit = store.get_unit(self._db, row.unit_id)
            if unit is not None:
                self._sidebar.units.refresh_seq(unit.seq)
        unit = self._session.unit
        if where and unit is not None:
            self._sidebar.show_current(unit.article_id, unit.seq)
        self._window_part(feedback, saved, where)

    def drop(self) -> None:
        """Forget what was collected (the window is closing)."""
        self._timer.stop()
        self._rows, self._deltas = {}, []
        self._feedback_unit, self._saved, self._where = None, False, False

    def _later(self) -> None:
        if not self._timer.isActive():
            self._timer.start()


_FROZEN: list[bool] = []


def freeze_once() -> None:
    """Leave the objects alive now (the imports, the first window) out of the garbage
    collector's passes, once per process. A full pass over them took up to a tenth of a
    second at 100k sentences and landed in a key press now and then; a later window's
    garbage stays collectable."""
    if not _FROZEN:
        _FROZEN.append(True)
        gc.freeze()
