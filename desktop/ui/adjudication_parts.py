"""The adjudication view's pieces: the list of disagreements and the cards beside it.

:class:`DisagreementTableModel` holds the disputed units and dimensions (one
:class:`~desktop.core.team.CodedUnit` per row) with their gold value; :class:`CoderCard`
shows one coder's value, unsure flag and note. Around them, the small texts the view
shows (:func:`values_summary`, :func:`when_text`) and its style sheet
(:data:`VIEW_STYLE`). The view's states live in :mod:`desktop.core.adjudication`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout

from desktop.core.scheme import Scheme
from desktop.core.team import CodedUnit
from desktop.ui import palette
from desktop.ui.agreement_models import value_text
from desktop.ui.models import RowsTableModel
from desktop.ui.sentence_view import scaled_font

_Index = QModelIndex | QPersistentModelIndex

UnitIdRole = Qt.ItemDataRole.UserRole + 1
DimensionRole = Qt.ItemDataRole.UserRole + 2
CodedUnitRole = Qt.ItemDataRole.UserRole + 3

VIEW_STYLE = f"""
QFrame#coderCard {{ background: {palette.WHITE}; border: 1px solid {palette.BORDER};
    border-radius: 6px; }}
QFrame#coderCard QLabel {{ border: none; background: transparent; }}
QLabel#coderName {{ color: {palette.MUTED}; }}
QLabel#coderValue {{ color: {palette.TEAL}; }}
QLabel#coderUnsure {{ color: {palette.WARNING}; font-weight: bold; }}
QLabel#mutedText {{ color: {palette.MUTED}; }}
QLabel#goldState {{ background: {palette.WHITE}; border: 1px solid {palette.GRID};
    border-radius: 6px;
    padding: 6px 8px; }}
QLabel#acceptSummary {{ color: {palette.TEAL}; }}
#goldPanel {{ background: {palette.PANEL}; }}
"""


def _key_of(scheme: Scheme, dimension: str, code: str) -> str:
    try:
        return scheme.dimension(dimension).category(code).key
    except KeyError:
        return code


def values_summary(scheme: Scheme, unit: CodedUnit) -> str:
    """Each coder's value as its label, ``?`` when unsure:
    ``"ak Pressure · bb Engagement? · cc Pressure"``."""
    return " · ".join(
        f"{v.coder} {_label_of(scheme, unit.dimension, v.value)}{'?' if v.unsure else ''}"
        for v in unit.values
    )


def _label_of(scheme: Scheme, dimension: str, code: str | None) -> str:
    if code is None:
        return "—"
    try:
        return scheme.dimension(dimension).category(code).label
    except KeyError:
        return code


def when_text(at: str) -> str:
    """A stored UTC time as a person reads it: ``2024-05-01 10:22 UTC``."""
    return f"{at[:10]} {at[11:16]} UTC" if len(at) >= 16 else at


# -- the list -------------------------------------------------------------------------


class DisagreementTableModel(RowsTableModel):
    """Disputed units and dimensions (:class:`CodedUnit` rows) with their gold value."""

    UNIT, DIMENSION, VALUES, GOLD = range(4)
    HEADERS = ("Sentence", "Dimension", "Values", "Gold")

    def __init__(self, scheme: Scheme, parent=None):
        super().__init__(parent)
        self._scheme = scheme
        self._rows: list[CodedUnit] = []
        self._row_of: dict[tuple[str, str], int] = {}

    def set_rows(self, rows: Sequence[CodedUnit]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._row_of = {(u.unit_id, u.dimension): i for i, u in enumerate(self._rows)}
        self.endResetModel()

    def rows(self) -> list[CodedUnit]:
        return list(self._rows)

    def unit(self, row: int) -> CodedUnit:
        return self._rows[row]

    def row_of(self, unit_id: str, dimension: str) -> int | None:
        return self._row_of.get((unit_id, dimension))

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        unit = self._rows[index.row()]
        column = index.column()
        if role == UnitIdRole:
            return unit.unit_id
        if role == DimensionRole:
            return unit.dimension
        if role == CodedUnitRole:
            return unit
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.UNIT:
                return unit.text  # what the lead recognises; the id is in the tooltip
            if column == self.DIMENSION:
                return self._dimension_label(unit.dimension)
            if column == self.VALUES:
                return values_summary(self._scheme, unit)
            return value_text(self._scheme, unit.dimension, unit.gold)  # key and label
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [unit.unit_id, unit.text, ""]
            for v in unit.values:
                flag = " (unsure)" if v.unsure else ""
                note = f" — {v.note}" if v.note else ""
                shown = value_text(self._scheme, unit.dimension, v.value)
                lines.append(f"{v.coder}: {shown}{flag}{note}")
            lines.append(f"gold: {value_text(self._scheme, unit.dimension, unit.gold)}")
            return "\n".join(lines)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.GOLD:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == self.GOLD:
            return QColor(palette.MUTED if unit.gold is None else palette.TEAL)
        return None

    def _dimension_label(self, dimension: str) -> str:
        try:
            return self._scheme.dimension(dimension).label
        except KeyError:
            return dimension

    def set_gold(self, row: int, value: str | None) -> None:
        """The row's gold value changed (the row stays, whatever the filter)."""
        self._rows[row] = replace(self._rows[row], gold=value)
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))


# -- the widgets ----------------------------------------------------------------------


def section_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


def muted_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("mutedText")
    label.setWordWrap(True)
    return label


class CoderCard(QFrame):
    """One coder's value, unsure flag and note on the shown unit and dimension."""

    def __init__(self, coder: str, value: str, unsure: bool, note: str, parent=None):
        super().__init__(parent)
        self.setObjectName("coderCard")
        self.coder = coder
        self.name = QLabel(coder)
        self.name.setObjectName("coderName")
        self.value = QLabel(value)
        self.value.setObjectName("coderValue")
        self.value.setFont(scaled_font(1.1, bold=True))
        self.value.setWordWrap(True)
        self.unsure = QLabel("Unsure")
        self.unsure.setObjectName("coderUnsure")
        self.unsure.setVisible(unsure)
        self.note = QLabel(html.escape(note) if note else "<i>no note</i>")
        self.note.setObjectName("coderNote" if note else "mutedText")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(3)
        for widget in (self.name, self.value, self.unsure, self.note):
            layout.addWidget(widget)
        layout.addStretch(1)

    @property
    def note_text(self) -> str:
        return self.note.text() if self.note.objectName() == "coderNote" else ""
