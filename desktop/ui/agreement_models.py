"""Item models of the agreement view: the summary, the coders of a dimension, disagreements.

Each is a ``QAbstractTableModel`` over the plain results of :mod:`desktop.core.agreement`
and :func:`desktop.core.team.list_disagreements`; ``ValueRole`` gives the number or code
behind a cell, so nothing is parsed back out of display text.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QPixmap

from desktop.core.agreement import AgreementReport, DimensionAgreement
from desktop.core.agreement.html import colour as coefficient_colour
from desktop.core.agreement.text import fmt, fmt_ci
from desktop.core.scheme import Scheme
from desktop.core.team import CodedUnit
from desktop.ui.models import RowsTableModel

ValueRole = Qt.ItemDataRole.UserRole + 1  # the number behind a cell (float, int or tuple)
DimensionRole = Qt.ItemDataRole.UserRole + 2
CodedUnitRole = Qt.ItemDataRole.UserRole + 3
_Index = QModelIndex | QPersistentModelIndex


def value_text(scheme: Scheme, dimension: str, code: str | None) -> str:
    """A category as the coding panel shows it: key and label."""
    if code is None:
        return "—"
    try:
        category = scheme.dimension(dimension).category(code)
    except KeyError:
        return code
    return f"{category.key}  {category.label}"


# -- item models ----------------------------------------------------------------------


class SummaryModel(RowsTableModel):
    """One row per dimension with its headline coefficients (``ValueRole``: numbers)."""

    HEADERS = (
        "Dimension",
        "Level",
        "α",
        "95% CI",
        "α nominal, all",
        "Units",
        "Pairable values",
        "% agreement",
        "Fleiss' κ",
        "AC1",
    )

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[DimensionAgreement] = []

    def set_report(self, report: AgreementReport | None) -> None:
        self.beginResetModel()
        self._rows = list(report.dimensions) if report else []
        self.endResetModel()

    def dimension_at(self, row: int) -> DimensionAgreement:
        return self._rows[row]

    @staticmethod
    def _values(d: DimensionAgreement) -> tuple:
        return (
            d.label,
            d.level,
            d.alpha,
            d.alpha_ci95,
            d.alpha_nominal_all,
            d.alpha_units,
            d.pairable_values,
            d.percent_agreement,
            d.fleiss_kappa,
            d.gwet_ac1,
        )

    @staticmethod
    def _reason(d: DimensionAgreement, column: int) -> str:
        return {
            2: d.alpha_reason,
            3: d.alpha_ci95_reason,
            4: d.alpha_nominal_all_reason,
            7: d.percent_agreement_reason,
            8: d.fleiss_kappa_reason,
            9: d.gwet_ac1_reason,
        }.get(column, "")

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        d = self._rows[index.row()]
        column = index.column()
        value = self._values(d)[column]
        if role == ValueRole:
            return value
        if role == DimensionRole:
            return d.id
        if role == Qt.ItemDataRole.DisplayRole:
            if column in (0, 1):
                return value
            if column == 3:
                return fmt_ci(*value) + (" !" if d.alpha_ci95_warning else "")
            if column in (5, 6):
                return f"{value:,}"
            return fmt(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.DecorationRole and column == 2:
            return _swatch(coefficient_colour(d.alpha))
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(d, column)
        return None

    def _tooltip(self, d: DimensionAgreement, column: int) -> str:
        reason = self._reason(d, column)
        if reason:
            return f"Undefined: {reason}"
        if column == 0:
            return f"{d.id}: {len(d.coders)} coders ({', '.join(d.coders)})"
        if column == 3 and d.p_alpha_below:
            below = ", ".join(f"α < {t:g}: {p:.3f}" for t, p in d.p_alpha_below.items())
            tip = (
                f"{d.bootstrap_usable:,} of {d.bootstrap_resamples:,} bootstrap resamples of "
                f"{d.bootstrap_method} usable. Share of usable resamples with {below}"
            )
            if d.alpha_ci95_warning:
                tip += f"\nWarning: {d.alpha_ci95_warning}"
            return tip
        if column == 5:
            return (
                f"{d.alpha_units:,} units with two or more values at the {d.level} level; "
                f"{d.units:,} units coded by two or more coders (the base of % agreement "
                "and AC1)"
            )
        if column == 8:
            return f"Over the {d.fleiss_units:,} units coded by every coder"
        if column == 9:
            return (
                f"Percent agreement over {d.gwet_ac1_units:,} units with two or more values; "
                f"category shares over {d.gwet_ac1_pi_units:,} units with one or more "
                "(Gwet, 2014)"
            )
        return ""


class CoderModel(RowsTableModel):
    """Per coder of one dimension: units coded, alpha without the coder, majority match."""

    HEADERS = ("Coder", "Units", "α without", "Change", "With majority")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows = []

    def set_dimension(self, d: DimensionAgreement | None) -> None:
        self.beginResetModel()
        self._rows = list(d.coder_diagnostics) if d else []
        self.endResetModel()

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        c = self._rows[index.row()]
        values = (c.coder, c.units, c.alpha_without, c.alpha_change, c.majority_agreement)
        column = index.column()
        if role == ValueRole:
            return values[column]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return c.coder
            if column == 1:
                return f"{c.units:,}"
            if column == 3 and not math.isnan(c.alpha_change):
                return f"{c.alpha_change:+.3f}"
            return fmt(values[column])
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column in (2, 3) and c.alpha_without_reason:
                return f"Undefined: {c.alpha_without_reason}"
            if column == 4:
                return c.majority_reason or f"Over {c.majority_units:,} units with a majority"
        return None


class DisagreementModel(QAbstractTableModel):
    """Units and dimensions where coders differ: a column per coder, then the gold value."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._all: list[CodedUnit] = []
        self._rows: list[CodedUnit] = []
        self._coders: list[str] = []
        self._scheme: Scheme | None = None
        self._dimension: str | None = None
        self._undecided_only = False

    def set_rows(self, rows: list[CodedUnit], scheme: Scheme) -> None:
        self.beginResetModel()
        self._all = list(rows)
        self._scheme = scheme
        self._coders = sorted({v.coder for u in rows for v in u.values})
        self._filter()
        self.endResetModel()

    def set_filter(self, dimension: str | None, undecided_only: bool) -> None:
        self.beginResetModel()
        self._dimension, self._undecided_only = dimension, undecided_only
        self._filter()
        self.endResetModel()

    def _filter(self) -> None:
        self._rows = [
            u
            for u in self._all
            if (self._dimension is None or u.dimension == self._dimension)
            and not (self._undecided_only and u.gold is not None)
        ]

    def coded_unit(self, row: int) -> CodedUnit:
        return self._rows[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 3 + len(self._coders) + 1

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return ("#", "Dimension", "Sentence", *self._coders, "Gold")[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self._scheme is None:
            return None
        unit = self._rows[index.row()]
        column = index.column()
        if role == CodedUnitRole:
            return unit
        if role == Qt.ItemDataRole.ToolTipRole and column == 2:
            return unit.text
        coder_column = column - 3
        mine = None
        if 0 <= coder_column < len(self._coders):
            coder = self._coders[coder_column]
            mine = next((v for v in unit.values if v.coder == coder), None)
        if role == ValueRole:
            if column == 0:
                return unit.seq
            if column == 1:
                return unit.dimension
            if column == 2:
                return unit.text
            return unit.gold if coder_column == len(self._coders) else (mine and mine.value)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return unit.seq
            if column == 1:
                return self._scheme.dimension(unit.dimension).label
            if column == 2:
                return unit.text
            if coder_column == len(self._coders):
                return value_text(self._scheme, unit.dimension, unit.gold) if unit.gold else ""
            if mine is None:
                return ""
            marks = (" ?" if mine.unsure else "") + (" ✎" if mine.note else "")
            return value_text(self._scheme, unit.dimension, mine.value) + marks
        if role == Qt.ItemDataRole.ToolTipRole and mine is not None:
            parts = ["unsure"] if mine.unsure else []
            if mine.note:
                parts.append(f"note: {mine.note}")
            return "; ".join(parts) or None
        return None


def _swatch(colour: str) -> QPixmap:
    pixmap = QPixmap(10, 10)
    pixmap.fill(QColor(colour))
    return pixmap
