"""Charts of the agreement view, painted with QPainter (QtCharts is not in the Essentials).

The coder-pair heatmap uses the red-amber-green scale of the HTML report
(:func:`desktop.core.agreement.html.colour`) so that a figure looks the same in both.
Each chart shows a short message in its place when there is nothing to draw, and a
tooltip for the cell or point under the pointer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QToolTip, QWidget

from desktop.core.agreement import DimensionAgreement
from desktop.core.agreement.html import kappa_colour
from desktop.core.agreement.results import DriftPoint
from desktop.core.agreement.text import fmt
from desktop.core.scheme import Scheme
from desktop.ui import palette


def _ink_on(fill: QColor) -> QColor:
    """Dark text on light fills, white on dark ones."""
    return QColor(palette.TEXT) if fill.lightnessF() > 0.55 else QColor(palette.WHITE)


class _Chart(QWidget):
    """A painted chart with a message in place of the chart when there is nothing to show."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumSize(200, 160)
        self.setMouseTracking(True)
        self._message = "Compute to see this chart."

    def _paint_message(self, painter: QPainter) -> None:
        painter.setPen(QColor(palette.MUTED))
        painter.drawText(
            QRectF(self.rect()).adjusted(12, 12, -12, -12),
            int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
            self._message,
        )

    def tip_at(self, pos: QPointF) -> str:
        return ""

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            tip = self.tip_at(QPointF(event.pos()))
            if tip:
                QToolTip.showText(event.globalPos(), tip, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)


class _Grid(_Chart):
    """A labelled square grid of cells, each filled and numbered (the two heatmaps)."""

    _labels: tuple[str, ...] = ()

    @property
    def _small_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.82))
        return font

    def _row_name(self, i: int) -> str:
        return self._labels[i]

    def _column_name(self, i: int) -> str:
        return self._labels[i]

    def _cells(self) -> tuple[float, float, float]:
        """(left, top, cell size) of the grid in the widget."""
        fm = self.fontMetrics()
        n = max(1, len(self._labels))
        widest = max(fm.horizontalAdvance(self._row_name(i)) for i in range(len(self._labels)))
        left = min(widest + 12, self.width() / 3)
        top = fm.height() + 8
        cell = min((self.width() - left - 6) / n, (self.height() - top - 6) / n, 80.0)
        return left, top, max(cell, 8.0)

    def _cell_at(self, pos: QPointF) -> tuple[int, int] | None:
        if not self._labels:
            return None
        left, top, cell = self._cells()
        i, j = int((pos.y() - top) // cell), int((pos.x() - left) // cell)
        n = len(self._labels)
        return (i, j) if 0 <= i < n and 0 <= j < n and pos.x() >= left and pos.y() >= top else None

    def _paint_grid(self, painter: QPainter, fill, text) -> None:
        left, top, cell = self._cells()
        fm = self.fontMetrics()
        for i in range(len(self._labels)):
            row = QRectF(0, top + i * cell, left - 8, cell)
            painter.setPen(QColor(palette.TEXT))
            painter.drawText(
                row,
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                fm.elidedText(self._row_name(i), Qt.TextElideMode.ElideRight, int(left - 10)),
            )
            name = self._column_name(i)
            column = QRectF(left + i * cell, 0, cell, top - 4)
            # A long column label gets a smaller font before it is elided.
            small = fm.horizontalAdvance(name) > cell - 4
            painter.setFont(self._small_font if small else self.font())
            painter.drawText(
                column,
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom),
                painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, int(cell - 2)),
            )
            painter.setFont(self.font())
            for j in range(len(self._labels)):
                rect = QRectF(left + j * cell, top + i * cell, cell - 2, cell - 2)
                colour = QColor(fill(i, j))
                painter.fillRect(rect, colour)
                painter.setPen(_ink_on(colour))
                painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), text(i, j))


class PairHeatmap(_Grid):
    """Coder x coder: Cohen's kappa of each pair, white to blue as in the HTML report.

    Not alpha's red-amber-green: the .667 and .8 thresholds are for alpha, not kappa.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self._pairs: dict[tuple[str, str], object] = {}

    def set_dimension(self, d: DimensionAgreement | None) -> None:
        self._labels = d.coders if d and len(d.coders) >= 2 else ()
        self._pairs = {}
        for p in d.pairs if d else ():
            self._pairs[p.coders] = self._pairs[p.coders[::-1]] = p
        if d is None:
            self._message = "Compute to see this chart."
        elif not self._labels:
            self._message = "Coder pairs need two coders or more on this dimension."
        self.update()

    def kappa(self, i: int, j: int) -> float:
        return self._pairs[(self._labels[i], self._labels[j])].cohen_kappa

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if not self._labels:
            self._paint_message(painter)
            return
        self._paint_grid(
            painter,
            lambda i, j: palette.DIAGONAL if i == j else kappa_colour(self.kappa(i, j)),
            lambda i, j: "" if i == j else fmt(self.kappa(i, j), 2),
        )

    def tip_at(self, pos: QPointF) -> str:
        cell = self._cell_at(pos)
        if cell is None or cell[0] == cell[1]:
            return ""
        p = self._pairs[(self._labels[cell[0]], self._labels[cell[1]])]
        kind = "κ" if p.weights == "none" else f"κ weighted {p.weights}ly by {p.weights_by}"
        tip = (
            f"{p.coders[0]} and {p.coders[1]}: {p.units:,} shared units, "
            f"{fmt(p.percent_agreement)} agreement, {kind} {fmt(p.cohen_kappa)}"
        )
        return tip + (f" ({p.cohen_kappa_reason})" if p.cohen_kappa_reason else "")


class CoincidenceChart(_Grid):
    """The coincidence matrix: agreements on the diagonal (teal), confusions off it (amber)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._matrix = None
        self._names: tuple[str, ...] = ()
        self._keys: tuple[str, ...] = ()

    # Rows read "1  Pressure", columns "1": the category's key (short, never cut) with
    # its label once per row, never a stored code next to a label.
    def _row_name(self, i: int) -> str:
        if self._keys:
            return f"{self._keys[i]}  {self._names[i]}"
        return self._names[i] if self._names else self._labels[i]

    def _column_name(self, i: int) -> str:
        return self._keys[i] if self._keys else self._row_name(i)

    def set_dimension(self, d: DimensionAgreement | None, scheme: Scheme | None = None) -> None:
        self._matrix = None
        self._labels = ()
        if d is not None:
            matrix = d.coincidence.matrix
            if matrix.size and matrix.sum() > 0:
                self._matrix = matrix
                self._labels = d.coincidence.categories
                names = self._labels
                self._keys = ()
                if scheme is not None:
                    dimension = scheme.dimension(d.id)
                    names = tuple(dimension.category(c).label for c in self._labels)
                    self._keys = tuple(dimension.category(c).key for c in self._labels)
                self._names = names
            self._message = "No unit was coded by two coders or more."
        self.update()

    def value(self, i: int, j: int) -> float:
        return float(self._matrix[i, j])

    def _fill(self, i: int, j: int) -> str:
        top = float(self._matrix.max()) or 1.0
        share = self.value(i, j) / top
        if share == 0:
            return palette.EMPTY
        colour = QColor(palette.TEAL if i == j else palette.AMBER)
        # Blend towards white so that small counts stay light.
        white = QColor(palette.WHITE)
        t = 0.15 + 0.85 * share
        return QColor(
            round(white.red() + (colour.red() - white.red()) * t),
            round(white.green() + (colour.green() - white.green()) * t),
            round(white.blue() + (colour.blue() - white.blue()) * t),
        ).name()

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        if self._matrix is None:
            self._paint_message(painter)
            return
        self._paint_grid(painter, self._fill, lambda i, j: _count(self.value(i, j)))

    def tip_at(self, pos: QPointF) -> str:
        cell = self._cell_at(pos)
        if cell is None:
            return ""
        i, j = cell
        pairs = _count(self.value(i, j))
        if i == j:
            return f"{pairs} pairable values where both said {self._names[i]}"
        return f"{pairs} pairable values: {self._names[i]} against {self._names[j]}"


def _count(value: float) -> str:
    return f"{value:,.0f}" if abs(value - round(value)) < 1e-9 else f"{value:,.1f}"


class DriftChart(_Chart):
    """Alpha per week or per batch of units, with the 0.667 and 0.8 lines."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._points: tuple[DriftPoint, ...] = ()
        self._xs: list[float] = []

    def set_points(self, points: Sequence[DriftPoint], reason: str = "") -> None:
        self._points = tuple(points)
        self._message = reason or "No drift: compute to see alpha over time."
        if not self._points and not reason:
            self._message = "No pairable units with a time to show."
        self.update()

    def _frame(self) -> tuple[QRectF, float]:
        fm = self.fontMetrics()
        defined = [p.alpha for p in self._points if not math.isnan(p.alpha)]
        low = min([0.0, *defined])
        low = math.floor(low * 10) / 10
        left = fm.horizontalAdvance("−0.00") + 12
        plot = QRectF(left, 10, self.width() - left - 14, self.height() - fm.height() - 24)
        return plot, low

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if not self._points:
            self._paint_message(painter)
            return
        plot, low = self._frame()
        fm = self.fontMetrics()

        def y_of(alpha: float) -> float:
            return plot.bottom() - (alpha - low) / (1.0 - low) * plot.height()

        for tick, colour, dashed in (
            (low, palette.GRID, False),
            (0.667, palette.AMBER, True),
            (0.8, palette.GREEN, True),
            (1.0, palette.GRID, False),
        ):
            pen = QPen(QColor(colour), 1)
            if dashed:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            y = y_of(tick)
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(QColor(palette.MUTED))
            painter.drawText(
                QRectF(0, y - fm.height() / 2, plot.left() - 6, fm.height()),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                f"{tick:g}".replace("-", "−"),
            )
        n = len(self._points)
        step = plot.width() / n
        self._xs = [plot.left() + step * (k + 0.5) for k in range(n)]
        path = QPainterPath()
        drawing = False
        for x, point in zip(self._xs, self._points, strict=True):
            if math.isnan(point.alpha):
                drawing = False
                continue
            target = QPointF(x, y_of(point.alpha))
            if drawing:
                path.lineTo(target)
            else:
                path.moveTo(target)
                drawing = True
        painter.setPen(QPen(QColor(palette.TEAL), 2))
        painter.drawPath(path)
        painter.setBrush(QBrush(QColor(palette.TEAL)))
        for x, point in zip(self._xs, self._points, strict=True):
            if not math.isnan(point.alpha):
                painter.drawEllipse(QPointF(x, y_of(point.alpha)), 3.5, 3.5)
        # Label as many points as fit, evenly spread.
        widest = max(fm.horizontalAdvance(p.label) for p in self._points) + 10
        every = max(1, math.ceil(widest / max(step, 1)))
        painter.setPen(QColor(palette.MUTED))
        for k in range(0, n, every):
            painter.drawText(
                QRectF(self._xs[k] - widest / 2, plot.bottom() + 6, widest, fm.height()),
                int(Qt.AlignmentFlag.AlignHCenter),
                self._points[k].label,
            )

    def tip_at(self, pos: QPointF) -> str:
        if not self._xs:
            return ""
        k = min(range(len(self._xs)), key=lambda i: abs(self._xs[i] - pos.x()))
        p = self._points[k]
        value = fmt(p.alpha) + (f" ({p.alpha_reason})" if p.alpha_reason else "")
        return f"{p.label}: α {value} over {p.units:,} units, {p.start[:10]} to {p.end[:10]}"
