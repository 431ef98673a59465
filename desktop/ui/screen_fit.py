"""Windows that fit the screen they open on.

A window asks for the size it would like; it gets at most the screen's available
geometry (the desktop without panels and docks), centred. A geometry saved on a larger
screen, or on a monitor that is gone, is clamped to the screen the window opens on.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QPoint, QRect, QSize
from PySide6.QtGui import QCursor, QGuiApplication
from PySide6.QtWidgets import QWidget

# Room left for the window frame the window manager draws (title bar, borders).
FRAME_MARGIN = QSize(16, 40)


def available_rect(widget: QWidget | None = None) -> QRect:
    """The available geometry of the screen ``widget`` is on (or the pointer's)."""
    screen = None
    if widget is not None and widget.isVisible():
        screen = widget.screen()
    if screen is None and widget is not None and widget.parentWidget() is not None:
        screen = widget.parentWidget().screen()
    if screen is None:
        screen = QGuiApplication.screenAt(QCursor.pos()) or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1024, 600)


def fitted_size(preferred: QSize, area: QRect) -> QSize:
    """``preferred`` shrunk, if need be, to fit ``area`` with room for a frame."""
    room = area.size() - FRAME_MARGIN
    return QSize(
        max(200, min(preferred.width(), room.width())),
        max(150, min(preferred.height(), room.height())),
    )


def place(widget: QWidget, preferred: tuple[int, int] | QSize) -> None:
    """Size ``widget`` to ``preferred`` within the available geometry, centred on it."""
    area = available_rect(widget)
    size = fitted_size(QSize(*preferred) if isinstance(preferred, tuple) else preferred, area)
    QWidget.resize(widget, size)
    top_left = area.center() - QPoint(size.width() // 2, size.height() // 2)
    # QWidget.move itself: a view may define a move() of its own (the adjudication's).
    QWidget.move(
        widget,
        QPoint(
            max(area.left(), top_left.x()),
            max(area.top(), top_left.y() - FRAME_MARGIN.height() // 2),
        ),
    )


def clamp(widget: QWidget) -> None:
    """Move and shrink ``widget`` so that all of it lies on its screen's available area."""
    area = available_rect(widget)
    size = fitted_size(widget.size(), area)
    if size != widget.size():
        QWidget.resize(widget, size)
    frame = widget.frameGeometry()
    x = min(max(frame.left(), area.left()), area.right() - frame.width() + 1)
    y = min(max(frame.top(), area.top()), area.bottom() - frame.height() + 1)
    if (x, y) != (frame.left(), frame.top()):
        QWidget.move(widget, QPoint(max(area.left(), x), max(area.top(), y)))


def restore(widget: QWidget, geometry: QByteArray, preferred: tuple[int, int]) -> None:
    """The saved geometry when there is one, clamped to the screen; else ``preferred``."""
    if geometry.isEmpty() or not widget.restoreGeometry(geometry):
        place(widget, preferred)
        return
    clamp(widget)
