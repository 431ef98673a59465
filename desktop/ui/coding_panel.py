"""The coding panel: one group per dimension, a button per category, unsure and note.

The panel only reports what the coder did (signals) and shows what it is told
(``set_labels`` and friends); it never writes. Buttons take no keyboard focus so that
Space and Enter always reach the window's shortcuts.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.core.scheme import Scheme
from desktop.ui.sentence_view import scaled_font


class CategoryButton(QPushButton):
    """A category: its key and label; checked when it is this sentence's value.

    ``hovered`` carries True when the pointer enters it, False when it leaves (from the
    event handlers, not an event filter: a filter would call Python for every paint).
    """

    hovered = Signal(bool)

    def __init__(self, dimension: str, code: str, key: str, label: str, parent=None):
        super().__init__(f"{key}     {label}", parent)
        self.dimension = dimension
        self.code = code
        self.key = key
        self.setObjectName("categoryButton")
        self.setCheckable(True)
        self.setAutoDefault(False)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip(f"Key {key}")

    def enterEvent(self, event) -> None:
        super().enterEvent(event)
        self.hovered.emit(True)

    def leaveEvent(self, event) -> None:
        super().leaveEvent(event)
        self.hovered.emit(False)


class NoteEdit(QPlainTextEdit):
    """The note field: one line when empty, growing with its text up to ``MAX_LINES``
    (then it scrolls). Return or Escape leaves it (``done``); Shift+Return breaks a
    line. ``edited`` carries the text after each change the coder makes."""

    MAX_LINES = 4
    edited = Signal(str)
    done = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._programmatic = False
        self.textChanged.connect(self._on_text_changed)
        self.document().documentLayout().documentSizeChanged.connect(self.fit_height)
        self.fit_height()

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:
        self._programmatic = True
        try:
            self.setPlainText(text)
        finally:
            self._programmatic = False

    def setCursorPosition(self, position: int) -> None:
        cursor = self.textCursor()
        cursor.setPosition(min(position, len(self.toPlainText())))
        self.setTextCursor(cursor)

    def end(self, _mark: bool = False) -> None:
        self.moveCursor(QTextCursor.MoveOperation.End)

    def _on_text_changed(self) -> None:
        if not self._programmatic:
            self.edited.emit(self.toPlainText())

    def fit_height(self, *_args) -> None:
        """One to ``MAX_LINES`` lines high, as the text needs (a scroll bar only beyond)."""
        lines = max(1, int(self.document().size().height()))
        self.setVerticalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAsNeeded
            if lines > self.MAX_LINES
            else Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        )
        line = self.fontMetrics().lineSpacing()
        margins = self.contentsMargins()
        frame = int(self.document().documentMargin() * 2) + margins.top() + margins.bottom()
        self.setFixedHeight(min(lines, self.MAX_LINES) * line + frame + 4)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.fit_height()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
            event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        ):
            self.done.emit()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.done.emit()
            return
        super().keyPressEvent(event)


class CodingPanel(QScrollArea):
    """Dimensions and categories of the scheme; unsure flag; note field."""

    category_clicked = Signal(str, str)  # dimension, code
    category_hovered = Signal(str, str)  # dimension, code ("" when the pointer leaves)
    unsure_clicked = Signal()
    note_edited = Signal(str)
    note_done = Signal()  # Return or Escape in the note field

    def __init__(self, scheme: Scheme, parent=None):
        super().__init__(parent)
        self.setObjectName("codingPanel")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.buttons: dict[tuple[str, str], CategoryButton] = {}
        self._compact = False
        self._gaps: dict[int, int] = {}  # layout index of each gap: its full height
        self._full_height = 0  # what the panel needs when not compact
        body = QWidget()
        body.setObjectName("codingPanelBody")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(4)
        self._body_layout = layout
        self._readonly = False
        self._dimension_items = self._add_dimensions(scheme)  # the layout's first items
        layout.addSpacing(14)
        self.unsure = QCheckBox("Unsure   (U)")
        self.unsure.setObjectName("unsureBox")
        self.unsure.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.unsure.clicked.connect(lambda _=False: self.unsure_clicked.emit())
        layout.addWidget(self.unsure)
        layout.addSpacing(6)
        note_label = QLabel("Note on this sentence   ( / )")
        note_label.setObjectName("noteLabel")
        layout.addWidget(note_label)
        self.note = NoteEdit()
        self.note.setObjectName("noteEdit")
        self.note.setPlaceholderText("Why unsure, what to discuss…")
        self.note.edited.connect(self.note_edited)
        self.note.done.connect(self.note_done)
        layout.addWidget(self.note)
        layout.addStretch(1)
        self.setWidget(body)

    def _add_dimensions(self, scheme: Scheme) -> int:
        """Titles and buttons of ``scheme``'s dimensions at the top of the panel; returns
        how many layout items they take."""
        layout = self._body_layout
        at = 0
        for number, dimension in enumerate(scheme.dimensions):
            if number:
                layout.insertSpacing(at, 10)
                at += 1
            title = QLabel(dimension.label)
            title.setObjectName("dimensionTitle")
            title.setFont(scaled_font(1.05, bold=True))
            title.setWordWrap(True)
            title.setToolTip(dimension.question)
            layout.insertWidget(at, title)
            at += 1
            for category in dimension.categories:
                button = CategoryButton(dimension.id, category.code, category.key, category.label)
                button.clicked.connect(
                    lambda _=False, d=dimension.id, c=category.code: self.category_clicked.emit(
                        d, c
                    )
                )
                button.hovered.connect(
                    lambda inside, d=dimension.id, c=category.code: self.category_hovered.emit(
                        d if inside else "", c if inside else ""
                    )
                )
                self.buttons[(dimension.id, category.code)] = button
                layout.insertWidget(at, button)
                at += 1
        return at

    def set_scheme(self, scheme: Scheme) -> None:
        """Show ``scheme``'s dimensions and categories instead (it changed while the
        window is open); the unsure box and the note stay as they are."""
        self.set_compact(False)  # every gap back to its full size before the layout changes
        layout = self._body_layout
        for _ in range(self._dimension_items):
            item = layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.buttons = {}
        self._gaps = {}
        self._full_height = 0
        self._dimension_items = self._add_dimensions(scheme)
        self.set_readonly(self._readonly)
        self._fit()

    # -- showing state ------------------------------------------------------------------

    def set_labels(self, labels: dict[str, str]) -> None:
        for (dimension, code), button in self.buttons.items():
            with QSignalBlocker(button):
                button.setChecked(labels.get(dimension) == code)

    def set_unsure(self, unsure: bool) -> None:
        with QSignalBlocker(self.unsure):
            self.unsure.setChecked(unsure)

    def set_note(self, text: str) -> None:
        if self.note.text() != text:
            with QSignalBlocker(self.note):
                self.note.setText(text)
                self.note.setCursorPosition(0)  # a long note reads from its start

    def set_readonly(self, readonly: bool) -> None:
        self._readonly = readonly
        for button in self.buttons.values():
            button.setEnabled(not readonly)
        self.unsure.setEnabled(not readonly)
        self.note.setReadOnly(readonly)
        self.note.setEnabled(not readonly)
        if readonly:
            self.note.setPlaceholderText("Read-only: notes cannot be written")

    # -- fitting a small screen ------------------------------------------------------------

    @property
    def compact(self) -> bool:
        return self._compact

    def set_compact(self, compact: bool) -> None:
        """Slimmer buttons and gaps, so that every category, the unsure box and the note
        stay in view on a short screen (1024x600) without scrolling."""
        if compact == self._compact:
            return
        self._compact = compact
        layout = self._body_layout
        layout.setSpacing(1 if compact else 4)
        for button in self.buttons.values():
            button.setProperty("compact", compact)
            button.style().unpolish(button)
            button.style().polish(button)
        for index in range(layout.count()):
            spacer = layout.itemAt(index).spacerItem()
            if spacer is None or spacer.expandingDirections():
                continue  # the stretch at the end stays a stretch
            full = self._gaps.setdefault(index, spacer.sizeHint().height())
            spacer.changeSize(0, max(2, full // 3) if compact else full)
        layout.invalidate()

    def refit(self) -> None:
        """Measure again (the text size changed): buttons re-read their size from the
        style sheet with the new font, then the panel decides whether it must be compact."""
        self.set_compact(False)
        for button in self.buttons.values():
            button.style().unpolish(button)
            button.style().polish(button)
            button.updateGeometry()
        self.note.fit_height()
        self._fit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        # What the full layout needs: measured while it is shown, remembered when compact.
        needed = self._full_height if self._compact else self.widget().sizeHint().height()
        if not self._compact and needed > self.viewport().height():
            self._full_height = needed
            self.set_compact(True)
        elif self._compact and needed and needed <= self.viewport().height():
            self.set_compact(False)

    def set_enabled(self, enabled: bool) -> None:
        """Nothing to code (an empty project): grey everything out."""
        self.widget().setEnabled(enabled)
