"""The centre of the window: the current sentence inside its paragraph, and the codebook.

Text sizes are multiples of the application font, so the view follows the system font
size; the coder's zoom steps multiply on top.
"""

from __future__ import annotations

import html
import sqlite3
from collections.abc import Callable, Sequence
from itertools import groupby

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPalette,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QSizePolicy,
    QTextBrowser,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.core.scheme import Category, Dimension
from desktop.core.store import Article, Unit
from desktop.ui import palette

SENTENCE_SCALE = 1.6  # the sentence text against the application font (16 pt on 10 pt)
TITLE_SCALE = 1.2
ZOOM_STEP = 1.1
ZOOM_RANGE = (-4, 8)
MEASURE_CHARS = 90  # a readable line: about 90 characters, however wide the window
MIN_SENTENCE_LINES = 3  # the sentence in view is never squeezed below three lines
# The next sentence's text is laid out this long after a sentence is drawn (the coder
# reads it; the pause after a completed sentence is 160 ms by default), so that the key
# that moves on swaps it in: after the frame, out of its way.
PREPARE_NEXT_MS = 10


def scaled_font(scale: float, *, bold: bool = False) -> QFont:
    font = QFont(QApplication.font())
    font.setPointSizeF(max(6.0, QApplication.font().pointSizeF() * scale))
    font.setBold(bold)
    return font


def _anchor(unit: Unit) -> str:
    return f"unit-{unit.id}"


def _unit_html(unit: Unit, current_id: str | None, colour: str) -> str:
    text = f'<a name="{html.escape(_anchor(unit))}"></a>{html.escape(unit.text)}'
    if unit.id == current_id:
        style = f"background-color:{palette.HIGHLIGHT}; color:{palette.TEXT};"
        return f'<span style="{style}">{text}</span>'
    if unit.excluded:
        return f'<span style="color:{palette.CLUTTER}; font-style:italic;">{text}</span>'
    return f'<span style="color:{colour};">{text}</span>'


def render_units(units: Sequence[Unit], current: Unit, *, highlight: bool = True) -> str:
    """HTML of paragraphs of units, the current one highlighted, clutter greyed.

    With ``highlight=False`` the current sentence is written as its neighbours are (the
    sentence view draws its highlight over the text, :func:`highlight_format`)."""
    parts = []
    for paragraph, group in groupby(units, key=lambda u: u.paragraph):
        members = list(group)
        here = paragraph == current.paragraph
        colour = palette.NEIGHBOUR if here else palette.MUTED
        current_id = current.id if highlight else None
        body = " ".join(_unit_html(u, current_id, colour) for u in members)
        if all(u.excluded for u in members):
            reason = html.escape(members[0].excluded_by or "clutter")
            body += (
                f' <span style="color:{palette.CLUTTER}; font-size:small;">'
                f"&nbsp;— not coded ({reason})</span>"
            )
        parts.append(f'<p style="line-height:145%; margin-bottom:0.7em;">{body}</p>')
    return "".join(parts)


class SentenceView(QWidget):
    """Title, source and date; then the sentence in its paragraph (or the whole article).

    The current sentence's highlight is drawn over the text (an extra selection), not
    written into it: moving it to the next sentence of the same paragraph changes no
    text, so nothing is laid out or shaped again.

    With :meth:`look_ahead`, the next sentence's text is laid out after each sentence
    is drawn (:meth:`prepare`), so that moving on to it costs no parsing or layout.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("sentenceView")
        self._zoom = 0
        self.article_mode = False
        self._title = QLabel()
        self._title.setObjectName("articleTitle")
        self._title.setWordWrap(True)
        self._title.setTextFormat(Qt.TextFormat.PlainText)  # titles are text, not markup
        self._meta = InfoLine()
        self._meta.setObjectName("articleMeta")
        self._body = QTextBrowser()
        self._body.setObjectName("sentenceBody")
        self._body.setOpenLinks(False)
        self._body.setFrameShape(QFrame.Shape.NoFrame)
        # No keyboard focus: arrows, Space and letters must reach the window's shortcuts.
        self._body.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A document of the view's own in place of the one Qt made: every document the body
        # shows is then a child of the body (set_document_steadily asks for the parent),
        # never of Qt's private text control, whose first wrapping in Python cost 28 ms
        # (PySide6 resolving a class it does not know) in a key press after opening.
        self._body.setDocument(QTextDocument(self._body))
        self._body.document().setUndoRedoEnabled(False)  # showing text is not an edit to undo
        self._shown: tuple | None = None  # what render_units last drew, and for which unit
        # Where the text shown has its sentences, read once per text (a walk over every
        # fragment through Qt costs more than the rest of a key press's highlight move):
        # the highlighted sentence's (start, end) and each sentence's by anchor.
        self._highlight: tuple[int, int] | None = None
        self._anchors: dict[str, tuple[int, int]] | None = None
        # The next sentence's text, laid out ahead while the coder reads (prepare):
        # ((what it shows, the unit, article mode), its document).
        self._prepared: tuple[tuple, QTextDocument] | None = None
        self._measure = 0
        self._body.installEventFilter(self)
        self._body.viewport().installEventFilter(self)
        self._awaiting_frame = False  # a sentence was shown and not painted yet
        self._upcoming: Callable[[], tuple[Unit, Sequence[Unit]] | None] | None = None
        self._prepare_timer = QTimer(self)
        self._prepare_timer.setSingleShot(True)
        self._prepare_timer.setInterval(PREPARE_NEXT_MS)
        self._prepare_timer.timeout.connect(self._prepare_upcoming)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self._title)
        layout.addWidget(self._meta)
        layout.addSpacing(6)
        layout.addWidget(self._body, 1)
        self._apply_fonts()

    @property
    def zoom(self) -> int:
        return self._zoom

    def set_zoom(self, steps: int) -> int:
        self._zoom = max(ZOOM_RANGE[0], min(ZOOM_RANGE[1], steps))
        self._apply_fonts()
        self._scroll_to_current()
        return self._zoom

    def _apply_fonts(self) -> None:
        factor = ZOOM_STEP**self._zoom
        self._title.setFont(scaled_font(TITLE_SCALE * factor, bold=True))
        self._meta.setFont(scaled_font(0.95))
        self._body.setFont(scaled_font(SENTENCE_SCALE * factor))
        self._body.document().setDefaultFont(scaled_font(SENTENCE_SCALE * factor))
        metrics = QFontMetricsF(self._body.font())
        # Lines are 145 % of the font's height (render_units); a little room for margins.
        self._body.setMinimumHeight(int(metrics.lineSpacing() * 1.45 * MIN_SENTENCE_LINES + 12))
        self._measure = int(metrics.averageCharWidth() * MEASURE_CHARS)
        self._apply_measure()

    def _apply_measure(self) -> None:
        """Wrap the text at a readable measure when the view is wider than that."""
        # The body's own width: the filter sees its resize before the viewport follows.
        wide = self._body.width() - self._body.verticalScrollBar().sizeHint().width() > (
            self._measure
        )
        mode = (
            QTextEdit.LineWrapMode.FixedPixelWidth if wide else QTextEdit.LineWrapMode.WidgetWidth
        )
        if self._body.lineWrapMode() != mode:
            self._body.setLineWrapMode(mode)
        if wide and self._body.lineWrapColumnOrWidth() != self._measure:
            self._body.setLineWrapColumnOrWidth(self._measure)

    def show_unit(
        self,
        unit: Unit,
        article: Article | None,
        units: Sequence[Unit],
        where: str,
    ) -> None:
        """Show ``unit`` among ``units`` (its paragraph's neighbours or the whole article)."""
        if self._body.property("articleMode") != self.article_mode:
            # The whole article reads on tinted paper, unlike the sentence in its paragraph.
            self._body.setProperty("articleMode", self.article_mode)
            self._body.style().unpolish(self._body)
            self._body.style().polish(self._body)
        title = article.title if article and article.title else "(untitled article)"
        self._title.setText(title)
        facts = [article.source, article.date] if article else []
        self._meta.setText(" · ".join([*(f for f in facts if f), where]))
        shown = _shown_key(units)
        if not self._move_highlight(shown, unit):
            # The highlight holds a cursor on the text it is drawn over: off first, before
            # that text is replaced (and its document, maybe, deleted).
            self._body.setExtraSelections([])
            document = self._take_prepared(shown, unit)
            if document is not None:
                set_document_steadily(self._body, document)
            else:
                set_html_steadily(self._body, render_units(units, unit, highlight=False))
            self._shown = (shown, unit)
            self._anchors = None
            self._highlight = self._span_of(unit)
            self._draw_highlight()
        self._scroll_to_current()
        self._awaiting_frame = True

    def look_ahead(self, upcoming: Callable[[], tuple[Unit, Sequence[Unit]] | None]) -> None:
        """After each sentence is drawn, :meth:`prepare` the one ``upcoming`` names
        (the unit a completed sentence moves on to, with its context; None: none)."""
        self._upcoming = upcoming

    def _prepare_upcoming(self) -> None:
        if self._upcoming is None or self.article_mode:
            return
        try:
            upcoming = self._upcoming()
        except sqlite3.Error:
            return  # only a head start: the key that moves on reads it again
        if upcoming is not None:
            self.prepare(*upcoming)

    def prepare(self, unit: Unit, units: Sequence[Unit]) -> None:
        """Lay out, ahead of time, the text that :meth:`show_unit` will show for
        ``unit`` among ``units`` (the next sentence, while the coder reads this one), so
        that the key that moves on swaps a finished document in instead of parsing and
        laying out the text. Nothing is prepared when moving there only moves the
        highlight. What is prepared is used only if the same text is asked for."""
        shown = _shown_key(units)
        key = (shown, unit.id, self.article_mode)
        if (
            self._prepared is not None
            and self._prepared[0] == key
            and self._fits(self._prepared[1])
        ):
            return
        if self._can_move_highlight(shown, unit):
            return
        self._drop_prepared()
        current = self._body.document()
        document = QTextDocument(self._body)  # replaced by the next: deleted with it
        document.setUndoRedoEnabled(False)
        document.setDefaultFont(current.defaultFont())
        document.setDefaultTextOption(current.defaultTextOption())
        document.setDocumentMargin(current.documentMargin())
        document.setDefaultStyleSheet(current.defaultStyleSheet())
        document.setHtml(render_units(units, unit, highlight=False))
        document.setTextWidth(current.textWidth())
        document.size()  # lays the text out now
        self._prepared = (key, document)

    def _take_prepared(self, shown: tuple, unit: Unit) -> QTextDocument | None:
        """The prepared document when it shows ``shown`` with ``unit`` highlighted, in
        the fonts and width in force; None otherwise (and whatever was prepared is
        dropped: it was for another sentence)."""
        prepared, self._prepared = self._prepared, None
        if prepared is None:
            return None
        key, document = prepared
        if key != (shown, unit.id, self.article_mode) or not self._fits(document):
            document.deleteLater()
            return None
        return document

    def _fits(self, document: QTextDocument) -> bool:
        """Whether ``document`` was laid out in the font and width now in force."""
        current = self._body.document()
        return (
            document.defaultFont() == current.defaultFont()
            and document.textWidth() == current.textWidth()
        )

    def _drop_prepared(self) -> None:
        if self._prepared is not None:
            self._prepared[1].deleteLater()
            self._prepared = None

    def _can_move_highlight(self, shown: tuple, unit: Unit) -> bool:
        """Whether showing ``unit`` among ``shown`` only moves the highlight."""
        if self._shown is None:
            return False
        before_shown, before = self._shown
        return (
            shown == before_shown
            and unit.paragraph == before.paragraph
            and not unit.excluded
            and not before.excluded
        )

    def _move_highlight(self, shown: tuple, unit: Unit) -> bool:
        """Move the highlight to ``unit`` in the text already shown, when only that
        changes (the next sentence of the same paragraph): the text stays as it is laid
        out and only the highlight drawn over it moves. False when the text must be
        rendered anew."""
        if not self._can_move_highlight(shown, unit):
            return False
        if unit.id == self._shown[1].id:
            return True
        span = self._span_of(unit)
        if span is None:
            return False
        self._shown = (shown, unit)
        self._highlight = span
        self._draw_highlight()
        return True

    def _span_of(self, unit: Unit) -> tuple[int, int] | None:
        """Where ``unit``'s sentence is in the text shown: ``(start, end)``."""
        return self._sentence_spans().get(_anchor(unit))

    def _draw_highlight(self) -> None:
        selections = []
        if self._highlight is not None:
            selection = QTextEdit.ExtraSelection()
            selection.cursor = self._cursor_over(self._highlight)
            selection.format = highlight_format()
            selections.append(selection)
        self._body.setExtraSelections(selections)

    def _cursor_over(self, span: tuple[int, int]) -> QTextCursor:
        cursor = QTextCursor(self._body.document())
        cursor.setPosition(span[0])
        cursor.setPosition(span[1], QTextCursor.MoveMode.KeepAnchor)
        return cursor

    def _sentence_spans(self) -> dict[str, tuple[int, int]]:
        """Every sentence of the text shown, by anchor: ``(start, end)``, from its anchor
        up to the next sentence's anchor or a change of colour (the space between two
        sentences). Read once per text: a walk over the fragments through Qt costs more
        than the rest of moving the highlight."""
        if self._anchors is None:
            spans: dict[str, tuple[int, int]] = {}
            block = self._body.document().begin()
            while block.isValid():
                open_name, colour = None, None
                for fragment in _fragments(block):
                    fmt = fragment.charFormat()
                    names = fmt.anchorNames()
                    here = fmt.foreground().color().name()
                    end = fragment.position() + fragment.length()
                    if names:
                        open_name, colour = names[0], here
                        for name in names:
                            spans.setdefault(name, (fragment.position(), end))
                    elif open_name is not None and here == colour:
                        spans[open_name] = (spans[open_name][0], end)
                    else:
                        open_name = None
                block = block.next()
            self._anchors = spans
        return self._anchors

    def _scroll_to_current(self) -> None:
        """Scroll so that the sentence shows with as much of what leads to it as fits.

        The top of the previous paragraph, or else of the sentence's own paragraph, goes
        at the top of the view when the whole sentence still fits in the upper two
        thirds (leaving the sentences after it in view); otherwise the sentence starts a
        quarter of the way down.
        """
        if self._highlight is None:
            return
        start, end = self._highlight
        document = self._body.document()
        bar = self._body.verticalScrollBar()
        cursor = QTextCursor(document)
        cursor.setPosition(start)
        sentence_top = bar.value() + self._body.cursorRect(cursor).top()
        cursor.setPosition(end)
        sentence_bottom = bar.value() + self._body.cursorRect(cursor).bottom()
        height = self._body.viewport().height()
        block = document.findBlock(start)
        layout = document.documentLayout()
        for candidate in (block.previous(), block):
            if not candidate.isValid():
                continue
            top = layout.blockBoundingRect(candidate).top()
            if sentence_bottom - top <= height * 2 // 3:
                bar.setValue(int(top))
                return
        # Start the view on a whole line, not half-way through one.
        wanted = sentence_top - height // 4
        line = self._body.cursorForPosition(QPoint(4, wanted - bar.value()))
        bar.setValue(int(bar.value() + self._body.cursorRect(line).top() - 2))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._scroll_to_current()

    def eventFilter(self, watched, event) -> bool:
        if watched is self._body and event.type() == QEvent.Type.Resize:
            self._apply_measure()
        elif self._awaiting_frame and event.type() == QEvent.Type.Paint:
            # The frame is being painted: the next text is laid out after it.
            self._awaiting_frame = False
            if self._upcoming is not None:
                self._prepare_timer.start()
        return super().eventFilter(watched, event)

    def show_empty(self, message: str) -> None:
        self._shown = None
        self._drop_prepared()
        self._highlight = None
        self._anchors = None
        self._title.setText("Nothing to code yet")
        self._meta.setText("")
        self._body.setExtraSelections([])
        self._body.setHtml(f'<p style="color:{palette.MUTED};">{html.escape(message)}</p>')

    def plain_text(self) -> str:
        return self._body.toPlainText()

    def current_text(self) -> str:
        """The highlighted sentence, as shown (for tests and accessibility)."""
        if self._highlight is None:
            return ""
        return self._cursor_over(self._highlight).selectedText()


class InfoLine(QWidget):
    """Plain text that wraps as a label's (the source, date and place above the sentence),
    whose height changes only when its number of lines does: a new text of as many lines
    is painted, not laid out. The place changes with every key, and a wrapping QLabel
    asked the view's layout to fit it again each time (about half a millisecond of a key
    press)."""

    _FLAGS = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap

    def __init__(self, parent=None):
        super().__init__(parent)
        self._text = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._fit_height()

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self._fit_height()
            self.update()

    def sizeHint(self) -> QSize:
        return QSize(0, self.minimumHeight())

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_height()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit_height()

    def _fit_height(self) -> None:
        """As high as the text's lines at the width it has (one line when empty)."""
        metrics = self.fontMetrics()
        width = self.contentsRect().width()
        height = metrics.height()
        if self._text and width > 0:
            area = QRect(0, 0, width, 1 << 20)
            height = max(height, metrics.boundingRect(area, int(self._FLAGS), self._text).height())
        if height != self.minimumHeight() or height != self.maximumHeight():
            self.setFixedHeight(height)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        self.style().drawItemText(
            painter,
            self.contentsRect(),
            int(self._FLAGS),
            self.palette(),
            self.isEnabled(),
            self._text,
            QPalette.ColorRole.WindowText,
        )


def _shown_key(units: Sequence[Unit]) -> tuple:
    """What :func:`render_units` draws of ``units`` (apart from the highlight)."""
    return tuple((u.id, u.paragraph, u.excluded, u.excluded_by, u.text) for u in units)


def set_document_steadily(browser: QTextBrowser, document: QTextDocument) -> None:
    """``browser.setDocument(document)`` with the scroll bar held as
    :func:`set_html_steadily` holds it; the document replaced is deleted when the
    browser owned it."""
    old = browser.document()
    # Qt deletes a document of its own (one the browser made); one given is deleted here.
    owned = old is not document and old.parent() is browser
    policy = browser.verticalScrollBarPolicy()
    steady = browser.verticalScrollBar().isVisibleTo(browser)
    if steady:
        browser.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
    browser.setDocument(document)
    if steady:
        browser.setVerticalScrollBarPolicy(policy)
    if owned:
        old.deleteLater()


def set_html_steadily(browser: QTextBrowser, text: str) -> None:
    """``browser.setHtml(text)``, laying the text out once instead of up to three times.

    ``setHtml`` empties the document first: a scroll bar shown as needed hides for the
    empty document and shows again for the new one, and each change of the viewport's
    width lays the whole text out again. A shown scroll bar is held on while the text is
    replaced, so that it changes at most once, when the new text no longer needs it.
    """
    if not browser.verticalScrollBar().isVisibleTo(browser):
        browser.setHtml(text)
        return
    policy = browser.verticalScrollBarPolicy()
    browser.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
    browser.setHtml(text)
    browser.setVerticalScrollBarPolicy(policy)


def highlight_format() -> QTextCharFormat:
    """How the current sentence is drawn over the text: as :func:`render_units` writes
    a highlighted sentence."""
    fmt = QTextCharFormat()
    fmt.setBackground(QColor(palette.HIGHLIGHT))
    fmt.setForeground(QColor(palette.TEXT))
    return fmt


def _fragments(block):
    iterator = block.begin()
    while not iterator.atEnd():
        fragment = iterator.fragment()
        if fragment.isValid():
            yield fragment
        iterator += 1


class DefinitionCard(QTextBrowser):
    """The codebook at hand: the hovered or chosen category, or the open question."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("definitionCard")
        self.setOpenLinks(False)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._html: str | None = None
        self.set_zoom(0)

    def _put(self, text: str) -> None:
        """Show ``text`` unless it is already shown (a key press asks for the card up to
        three times, and laying out rich text again costs half a millisecond)."""
        if text != self._html:
            set_html_steadily(self, text)
            self._html = text

    def clear(self) -> None:
        super().clear()
        self._html = None

    def set_zoom(self, steps: int) -> None:
        font = scaled_font(1.05 * ZOOM_STEP ** (steps / 2))
        self.setFont(font)
        self.document().setDefaultFont(font)

    def show_category(self, dimension: Dimension, category: Category, chosen: bool) -> None:
        state = "chosen" if chosen else "definition"
        examples = "".join(f"<li>{html.escape(e)}</li>" for e in category.examples)
        self._put(
            f'<p style="color:{palette.MUTED};">{html.escape(dimension.label)} · {state}</p>'
            f'<p><b><span style="color:{palette.TEAL};">{html.escape(category.key)}</span>'
            f"&nbsp;&nbsp;{html.escape(category.label)}</b></p>"
            f"<p>{html.escape(category.definition)}</p>"
            + (
                f'<p style="color:{palette.MUTED}; margin-bottom:0;">For example</p>'
                f'<ul style="margin-top:2px; color:{palette.NEIGHBOUR};">{examples}</ul>'
                if examples
                else ""
            )
        )

    def show_dimension(self, dimension: Dimension) -> None:
        """The question of a dimension still open, with each category's definition."""
        rows = "".join(
            f'<p style="margin-top:4px;"><b><span style="color:{palette.TEAL};">'
            f"{html.escape(c.key)}</span>&nbsp;&nbsp;{html.escape(c.label)}</b> — "
            f"{html.escape(c.definition)}</p>"
            for c in dimension.categories
        )
        self._put(
            f'<p style="color:{palette.MUTED};">{html.escape(dimension.label)} · still open</p>'
            f"<p><b>{html.escape(dimension.question or dimension.label)}</b></p>{rows}"
        )

    def show_done(self) -> None:
        self._put(
            f'<p style="color:{palette.MUTED};">Every dimension has a value. Enter or Space moves '
            "on; hover a category to read its definition.</p>"
        )
