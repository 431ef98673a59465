"""The coder's feedback on gold calibration units: a small label in the status bar.

It shows the coder's own agreement with gold per dimension ("Gold check: stance 3/4"),
and, once the coder's labels on a calibration unit are final, the gold values with their
rationale in its tooltip. It reads :func:`desktop.core.team.calibration.coder_feedback`,
which reads the coder's own labels and the gold labels only: never another coder's.
"""

from __future__ import annotations

import sqlite3
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel

from desktop.core.errors import StanceError
from desktop.core.store import team as team_store

# The round kind of gold calibration units (desktop.core.team.calibration.GOLD_KIND,
# which is not imported here: the package loads numpy).
GOLD_KIND = "gold"
_SUMMARY_TIP = "Your own agreement with gold on the gold units you have coded"

if TYPE_CHECKING:
    from desktop.core.team.calibration import CoderFeedback


class CalibrationFeedback(QLabel):
    """Status-bar label with the coder's running agreement with gold (hidden without any)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("calibrationFeedback")
        self.feedback: CoderFeedback | None = None
        self._gold_units: frozenset[str] | None = None  # the coder's calibration units
        self.hide()

    def refresh(
        self, db, coder: str, unit_id: str | None = None, dimensions: tuple[str, ...] = ()
    ) -> None:
        """Recompute from the store; describe ``unit_id`` when it is a final gold unit
        (``dimensions``: the scheme's dimension ids, so that it is not parsed per key).

        With ``unit_id`` (a label written on it) the feedback is read again only when
        ``unit_id`` is one of the coder's calibration units: no other label changes it.
        """
        known = self._gold_units
        if unit_id is not None and known is not None and unit_id not in known:
            if self.feedback and self.feedback.summary():
                self.setToolTip(_SUMMARY_TIP)
            return
        try:
            gold = team_store.kind_assignments(db, GOLD_KIND, coder)
        except sqlite3.Error:
            gold = []
        self._gold_units = frozenset(unit for unit, _ in gold)
        if not gold:  # no calibration units: nothing to show, and no pandas to import
            self.feedback = None
            self.setText("")
            self.hide()
            return
        # desktop.core.team loads numpy: only for a coder with calibration units.
        from desktop.core.team.calibration import coder_feedback

        try:
            self.feedback = coder_feedback(db, coder, dimensions or None)
        except (StanceError, sqlite3.Error):
            self.feedback = None
        summary = self.feedback.summary() if self.feedback else ""
        self.setText(summary)
        self.setVisible(bool(summary))
        values = self.feedback.units.get(unit_id, ()) if self.feedback and unit_id else ()
        if values:
            rows = "".join(
                f"<li>{escape(v.dimension)}: gold <b>{escape(v.gold)}</b>, yours "
                f"{escape(v.own)}{' ✓' if v.agrees else ''}"
                + (f" — {escape(v.rationale)}" if v.rationale else "")
                + "</li>"
                for v in values
            )
            self.setToolTip(f"That was a gold unit:<ul>{rows}</ul>")
        elif summary:
            self.setToolTip(_SUMMARY_TIP)


def install(window) -> CalibrationFeedback:
    """Add the feedback label to a coding window's status bar and fill it."""
    label = CalibrationFeedback(window)
    window.statusBar().addPermanentWidget(label)
    label.refresh(window.db, window.coder)
    # Gold values set in the lead's views, merges, the lab server: new feedback.
    window.hub.subscribe(label, lambda _change: label.refresh(window.db, window.coder))
    window.calibration_feedback = label
    return label
