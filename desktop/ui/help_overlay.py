"""The list of keys (F1 or ?), drawn over the window from the key table and the scheme."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QPainter, QTextDocument
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.core.keys import KEY_TABLE
from desktop.core.scheme import Scheme
from desktop.ui import palette
from desktop.ui.sentence_view import scaled_font


def key_text(key: str) -> str:
    """A key of the table as the platform writes it ("Ctrl+Shift+Z", "⌘⇧Z" on macOS)."""
    sequence = QKeySequence.fromString(key, QKeySequence.SequenceFormat.PortableText)
    text = sequence.toString(QKeySequence.SequenceFormat.NativeText)
    return text or key


def _rows(entries: list[tuple[str, str]]) -> str:
    cells = "".join(
        '<tr><td style="padding:3px 14px 3px 0; white-space:nowrap;">'
        f'<b><span style="color:{palette.TEAL};">{keys}</span></b></td>'
        f'<td style="padding:3px 0;">{html.escape(label)}</td></tr>'
        for keys, label in entries
    )
    return f"<table>{cells}</table>"


def _keys_html(keys: tuple[str, ...]) -> str:
    return "&nbsp;&nbsp;".join(html.escape(key_text(key)) for key in keys)


def _categories_html(scheme: Scheme) -> str:
    blocks = []
    for dimension in scheme.dimensions:
        entries = [(html.escape(key_text(c.key)), c.label) for c in dimension.categories]
        blocks.append(f"<p><b>{html.escape(dimension.label)}</b></p>{_rows(entries)}")
    return (
        "".join(blocks)
        + f'<p style="color:{palette.MUTED};">Pressing a chosen category again clears it.</p>'
    )


class HelpOverlay(QWidget):
    """A dimmed layer over the window with a card listing every key."""

    closed = Signal()

    def __init__(self, scheme: Scheme, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("helpOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        card = QFrame(self)
        card.setObjectName("helpCard")
        title = QLabel("Keys")
        title.setFont(scaled_font(1.3, bold=True))
        actions = [(_keys_html(b.keys), b.label) for b in KEY_TABLE]
        actions.append(("Esc", "Leave the note or search field; close this list"))
        self._actions = QLabel(_rows(actions))
        self._actions.setTextFormat(Qt.TextFormat.RichText)
        self._actions.setAlignment(Qt.AlignmentFlag.AlignTop)
        self._categories = QLabel(_categories_html(scheme))
        self._categories.setTextFormat(Qt.TextFormat.RichText)
        self._categories.setAlignment(Qt.AlignmentFlag.AlignTop)
        self._categories.setWordWrap(True)
        columns = QHBoxLayout()
        columns.setSpacing(32)
        columns.addWidget(self._actions, 3)
        columns.addWidget(self._categories, 2)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(28, 20, 28, 22)
        inner.addWidget(title)
        inner.addSpacing(6)
        inner.addLayout(columns)
        self._card = card
        self.hide()

    def set_scheme(self, scheme: Scheme) -> None:
        """List the keys of ``scheme`` (it changed while the window is open)."""
        self._categories.setText(_categories_html(scheme))

    def plain_text(self) -> str:
        """Everything the overlay lists, as plain text."""
        texts = []
        for label in (self._actions, self._categories):
            document = QTextDocument()
            document.setHtml(label.text())
            texts.append(document.toPlainText())
        return "\n".join(texts)

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
        else:
            self.show_over_parent()

    def show_over_parent(self) -> None:
        # The parent's resizes are followed only while the list is shown: a filter on
        # it for good would call Python for every event the window's centre gets.
        self.parentWidget().installEventFilter(self)
        self.setGeometry(self.parentWidget().rect())
        self._place_card()
        self.show()
        self.raise_()
        self.setFocus()

    def _place_card(self) -> None:
        hint = self._card.sizeHint()
        width = min(hint.width(), self.width() - 40)
        height = min(hint.height(), self.height() - 40)
        self._card.setGeometry(
            (self.width() - width) // 2, (self.height() - height) // 2, width, height
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
            self._place_card()
        return super().eventFilter(watched, event)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(*palette.SHADE_RGBA))
        painter.end()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.hide()
            event.accept()
            return
        super().keyPressEvent(event)

    def mousePressEvent(self, event) -> None:
        self.hide()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.parentWidget().removeEventFilter(self)
        self.closed.emit()
