"""The article as the lead sees it while curating: the article list model and the text
widget that draws paragraphs, sentence boundaries and excluded clutter from a layout."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRectF,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QPainter,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QFrame,
    QTextBrowser,
    QToolTip,
)

from desktop.core import store
from desktop.core.curation import (
    ArticleLayout,
    LayoutParagraph,
    LayoutUnit,
)
from desktop.core.store import Article, Database
from desktop.ui import palette
from desktop.ui.models import ArticleIdRole
from desktop.ui.sentence_view import scaled_font

TEXT_SCALE = 1.15  # the article against the application font: the whole text, not one line
# Neighbouring sentences alternate between two tints, so every boundary shows.
MARKER_CODED = QColor(palette.TEAL)
MARKER_EXCLUDED = QColor(palette.MARKER_EXCLUDED)
MARKER_SELECTED = QColor(palette.MARKER_SELECTED)
GUTTER = 18  # left margin of each paragraph, where its marker is drawn
MARKER_WIDTH = 3

CODED_MARK, RECODE_MARK, KEPT_MARK = "●", "↻", "◆"

ArticleExcludedRole = Qt.ItemDataRole.UserRole + 21
_Index = QModelIndex | QPersistentModelIndex

# Colours and spacing of this view's own widgets; the rest comes from resources/style.qss


@dataclass(frozen=True)
class _ArticleRow:
    article: Article
    to_code: int
    excluded: int


class CurationArticleModel(QAbstractTableModel):
    """Every article (excluded ones greyed) with its sentences to code and excluded.

    Holds article ids; a row's article and counts are read when it is first shown and
    read again after :meth:`refresh`.
    """

    TITLE, SOURCE, DATE, TO_CODE, EXCLUDED = range(5)
    HEADERS = ("Article", "Source", "Date", "Code", "Excl.")
    HEADER_TIPS = ("", "", "", "Sentences to code", "Sentences excluded (clutter)")

    def __init__(self, db: Database, parent=None):
        super().__init__(parent)
        self._db = db
        self._ids: list[str] = []
        self._rows: dict[str, _ArticleRow] = {}
        self._filled: set[int] = set()
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        articles = store.list_articles(self._db)
        self._ids = [a.id for a in articles]
        self._rows = {}
        self._note_filled(articles)
        self.endResetModel()

    def refresh(self) -> None:
        """Curation changed counts or metadata: read the rows again when shown."""
        self._rows = {}
        self._note_filled(store.list_articles(self._db))
        if self._ids:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._ids) - 1, self.columnCount() - 1)
            )

    def _note_filled(self, articles: Sequence[Article]) -> None:
        self._filled = {
            column
            for column, name in ((self.SOURCE, "source"), (self.DATE, "date"))
            if any(getattr(a, name) for a in articles)
        }

    def has_values(self, column: int) -> bool:
        """Whether any article has a value in this metadata column (else it is hidden)."""
        return column in self._filled

    def article_id(self, row: int) -> str:
        return self._ids[row]

    def row_of(self, article_id: str) -> int | None:
        try:
            return self._ids.index(article_id)
        except ValueError:
            return None

    def excluded_count(self) -> int:
        return sum(1 for row in range(len(self._ids)) if self._row(self._ids[row]).article.excluded)

    def _row(self, article_id: str) -> _ArticleRow:
        if article_id not in self._rows:
            article = store.get_article(self._db, article_id)
            units = store.article_units(self._db, article_id)
            excluded = sum(1 for u in units if u.excluded)
            self._rows[article_id] = _ArticleRow(article, len(units) - excluded, excluded)
        return self._rows[article_id]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.HEADER_TIPS[section] or None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        article_id = self._ids[index.row()]
        if role == ArticleIdRole:
            return article_id
        row = self._row(article_id)
        article, column = row.article, index.column()
        if role == ArticleExcludedRole:
            return article.excluded
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.TITLE:
                return article.title or "(untitled)"
            if column == self.SOURCE:
                return article.source
            if column == self.DATE:
                return article.date
            return row.to_code if column == self.TO_CODE else row.excluded
        if role == Qt.ItemDataRole.ToolTipRole:
            facts = " · ".join(p for p in (article.source, article.author, article.date) if p)
            state = "\nExcluded: none of its sentences is coded" if article.excluded else ""
            return (
                f"{article.title or '(untitled)'}\n{facts or 'no source, author or date'}\n"
                f"{row.to_code} sentences to code, {row.excluded} excluded{state}"
            )
        if role == Qt.ItemDataRole.ForegroundRole and article.excluded:
            return QColor(palette.FAINT)
        if role == Qt.ItemDataRole.FontRole and article.excluded:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.TO_CODE, self.EXCLUDED):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


# -- the article's text ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    """Where one unit's text lies in the shown document (Qt positions)."""

    start: int
    end: int
    unit_id: str
    block: int


_LINE_BREAKS = re.compile(r"\s*\n\s*")


def _shown(text: str) -> str:
    # A sentence merged across a paragraph break keeps the break visible inside its block.
    return _LINE_BREAKS.sub("\u2028", text)


def unit_tooltip(unit: LayoutUnit, article_excluded: bool = False) -> str:
    """What hovering a sentence tells the lead: its id, state, coders and marks."""
    lines = [f"Sentence {unit.id}", f"paragraph {unit.paragraph}, sentence {unit.sentence + 1}"]
    if unit.excluded:
        lines.append(f"Excluded ({unit.excluded_by or 'clutter'})")
    else:
        lines.append("Excluded with its article" if article_excluded else "To be coded")
    if unit.manual:
        lines.append("Decided by hand: re-applying the rules leaves it")
    if unit.coded_by:
        who = ", ".join(f"{c} ({n})" for c, n in sorted(unit.coded_by.items()))
        lines.append(f"{CODED_MARK} Labels: {who}")
    if unit.needs_recoding:
        lines.append(f"{RECODE_MARK} To be coded again by {', '.join(unit.needs_recoding)}")
    if unit.kept_labels:
        lines.append(
            f"{KEPT_MARK} {unit.kept_labels} label{'s' * (unit.kept_labels != 1)} kept from "
            "before a merge or split"
        )
    return "\n".join(lines)


class ArticleText(QTextBrowser):
    """The article drawn from its layout: a block per paragraph with a marker in the
    margin, each sentence on its own tint, clutter greyed with the rule that excluded it."""

    unit_clicked = Signal(str)
    step_requested = Signal(int)  # +1 / -1: the next or previous sentence
    menu_requested = Signal(QPoint)  # global position

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("articleText")
        self.setOpenLinks(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.DefaultContextMenu)
        self._spans: list[_Span] = []
        self._starts: list[int] = []
        self._tooltips: dict[str, str] = {}
        self._markers: list[tuple[int, QColor, int]] = []  # block, colour, width
        self._paragraph_blocks: dict[int, int] = {}
        self.set_zoom(0)

    def set_zoom(self, steps: int) -> None:
        font = scaled_font(TEXT_SCALE * 1.1**steps)
        self.setFont(font)
        self.document().setDefaultFont(font)

    # -- drawing --------------------------------------------------------------------------

    def show_message(self, text: str) -> None:
        self._spans, self._starts, self._markers, self._paragraph_blocks = [], [], [], {}
        self.setPlainText(text)

    def show_layout(self, layout: ArticleLayout, selected: str | None, *, keep_scroll: bool):
        bar = self.verticalScrollBar()
        scroll = bar.value()
        document = self.document()
        document.clear()
        document.setDocumentMargin(10)
        self._spans, self._tooltips, self._markers, self._paragraph_blocks = [], {}, [], {}
        base = document.defaultFont().pointSizeF()
        cursor = QTextCursor(document)
        covered = 0
        article_excluded = layout.article.excluded
        selected_paragraph = next((u.paragraph for u in layout.units if u.id == selected), None)
        for number, paragraph in enumerate(layout.paragraphs):
            start = max(paragraph.start, covered)
            end = max([paragraph.end, *(u.end for u in paragraph.units)])
            if start >= end:
                continue  # its text now belongs to a sentence merged into the one above
            covered = end
            block_format = QTextBlockFormat()
            block_format.setLeftMargin(GUTTER)
            block_format.setBottomMargin(base * 0.75)
            block_format.setLineHeight(
                140, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value
            )
            if number:
                cursor.insertBlock(block_format, QTextCharFormat())
            else:
                cursor.setBlockFormat(block_format)
            block = cursor.block().blockNumber()
            self._paragraph_blocks[paragraph.idx] = block
            self._draw_paragraph(cursor, layout, paragraph, start, end, selected, base)
            coded = any(not u.excluded for u in paragraph.units) and not article_excluded
            here = paragraph.idx == selected_paragraph
            colour = MARKER_SELECTED if here else MARKER_CODED if coded else MARKER_EXCLUDED
            self._markers.append((block, colour, MARKER_WIDTH + 2 * here))
        self._starts = [s.start for s in self._spans]
        bar.setValue(scroll if keep_scroll else 0)
        self.viewport().update()

    def _draw_paragraph(
        self,
        cursor: QTextCursor,
        layout: ArticleLayout,
        paragraph: LayoutParagraph,
        start: int,
        end: int,
        selected: str | None,
        base: float,
    ) -> None:
        text = layout.text
        units = paragraph.units
        all_excluded = bool(units) and all(u.excluded for u in units)
        position = start
        for n, unit in enumerate(units):
            if unit.start > position:
                self._insert_gap(cursor, text[position : unit.start], base)
            span_start = cursor.position()
            cursor.insertText(
                _shown(text[max(unit.start, position) : unit.end]),
                self._unit_format(unit, n, unit.id == selected, layout.article.excluded),
            )
            self._spans.append(
                _Span(span_start, cursor.position(), unit.id, cursor.block().blockNumber())
            )
            self._tooltips[unit.id] = unit_tooltip(unit, layout.article.excluded)
            self._insert_marks(cursor, unit, base)
            after = units[n + 1] if n + 1 < len(units) else None
            if (
                unit.excluded
                and not all_excluded
                and (after is None or not after.excluded or after.excluded_by != unit.excluded_by)
            ):
                self._insert_tag(cursor, unit.excluded_by or "excluded", base)
            position = max(position, unit.end)
        if position < end:
            self._insert_gap(cursor, text[position:end], base)
        if all_excluded:
            reasons = dict.fromkeys(u.excluded_by or "excluded" for u in units)
            self._insert_tag(cursor, " · ".join(reasons), base)
        elif not units and paragraph.excluded:
            self._insert_tag(cursor, paragraph.excluded_by or "excluded", base)

    @staticmethod
    def _unit_format(unit: LayoutUnit, n: int, selected: bool, article_excluded: bool):
        char_format = QTextCharFormat()
        tints = palette.CLUTTER_TINTS if unit.excluded else palette.UNIT_TINTS
        char_format.setBackground(QColor(palette.HIGHLIGHT if selected else tints[n % 2]))
        greyed = unit.excluded or article_excluded
        char_format.setForeground(
            QColor(palette.FAINT if greyed and not selected else palette.TEXT)
        )
        char_format.setFontItalic(unit.excluded)
        return char_format

    @staticmethod
    def _insert_gap(cursor: QTextCursor, gap: str, base: float) -> None:
        if not gap.strip():
            cursor.insertText(" " if cursor.positionInBlock() else "", QTextCharFormat())
            return
        # Text in no sentence: inline clutter that the import took out of the sentence.
        char_format = QTextCharFormat()
        char_format.setForeground(QColor(palette.FAINT))
        char_format.setFontPointSize(base * 0.85)
        cursor.insertText(_shown(gap.strip()), char_format)

    @staticmethod
    def _insert_marks(cursor: QTextCursor, unit: LayoutUnit, base: float) -> None:
        marks = [
            (mark, colour)
            for present, mark, colour in (
                (unit.coded, CODED_MARK, palette.TEAL),
                (unit.needs_recoding, RECODE_MARK, palette.AMBER),
                (unit.kept_labels, KEPT_MARK, palette.KEPT),
            )
            if present
        ]
        if marks:
            cursor.insertText("\u2009", QTextCharFormat())
        for mark, colour in marks:
            char_format = QTextCharFormat()
            char_format.setForeground(QColor(colour))
            char_format.setFontPointSize(base * 0.85)
            char_format.setFontWeight(QFont.Weight.Bold)
            cursor.insertText(mark, char_format)

    @staticmethod
    def _insert_tag(cursor: QTextCursor, reason: str, base: float) -> None:
        cursor.insertText(" ", QTextCharFormat())
        char_format = QTextCharFormat()
        char_format.setBackground(QColor(palette.TAG_BACKGROUND))
        char_format.setForeground(QColor(palette.MUTED))
        char_format.setFontPointSize(base * 0.75)
        char_format.setFontItalic(False)
        cursor.insertText(f"\u00a0{reason}\u00a0", char_format)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self._markers:
            return
        painter = QPainter(self.viewport())
        dy = -self.verticalScrollBar().value()
        x = self.document().documentMargin() + 3 - self.horizontalScrollBar().value()
        for block_number, colour, width in self._markers:
            block = self.document().findBlockByNumber(block_number)
            layout = block.layout()
            if layout is None or layout.lineCount() == 0:
                continue
            top = layout.position().y() + layout.lineAt(0).y()
            last = layout.lineAt(layout.lineCount() - 1)
            bottom = layout.position().y() + last.y() + last.height()
            painter.fillRect(QRectF(x, top + dy + 2, width, bottom - top - 4), colour)
        painter.end()

    # -- where things are -----------------------------------------------------------------

    def paragraph_text(self, paragraph: int) -> str:
        """The shown text of one paragraph, rule tag included (for tests and a11y)."""
        block = self._paragraph_blocks.get(paragraph)
        if block is None:
            return ""
        return self.document().findBlockByNumber(block).text().replace("\u00a0", " ")

    def unit_format(self, unit_id: str) -> QTextCharFormat | None:
        """The character format a sentence is drawn with (for tests)."""
        for span in self._spans:
            if span.unit_id == unit_id:
                cursor = QTextCursor(self.document())
                cursor.setPosition(span.start + 1)
                return cursor.charFormat()
        return None

    def unit_point(self, unit_id: str) -> QPoint | None:
        """A viewport point inside the sentence (to click it)."""
        for span in self._spans:
            if span.unit_id == unit_id:
                cursor = QTextCursor(self.document())
                cursor.setPosition(span.start + 1)
                return self.cursorRect(cursor).center()
        return None

    def unit_at(self, point: QPoint, *, exact: bool = False) -> str | None:
        """The sentence at a viewport point: under it (``exact``) or the nearest one in
        the paragraph clicked."""
        if exact:
            offset = QPointF(self.horizontalScrollBar().value(), self.verticalScrollBar().value())
            position = (
                self.document()
                .documentLayout()
                .hitTest(QPointF(point) + offset, Qt.HitTestAccuracy.ExactHit)
            )
            if position < 0:
                return None
        else:
            position = self.cursorForPosition(point).position()
        row = bisect.bisect_right(self._starts, position) - 1
        if row >= 0 and self._spans[row].start <= position < self._spans[row].end:
            return self._spans[row].unit_id
        if exact:
            return None
        block = self.document().findBlock(position).blockNumber()
        near = [s for s in self._spans if s.block == block]
        if not near:
            return None
        return min(near, key=lambda s: min(abs(position - s.start), abs(position - s.end))).unit_id

    def ensure_visible(self, unit_id: str) -> None:
        for span in self._spans:
            if span.unit_id == unit_id:
                cursor = QTextCursor(self.document())
                cursor.setPosition(span.start)
                top = self.cursorRect(cursor)
                cursor.setPosition(span.end)
                bottom = self.cursorRect(cursor)
                bar = self.verticalScrollBar()
                height = self.viewport().height()
                if top.top() < 0:
                    bar.setValue(bar.value() + top.top() - 12)
                elif bottom.bottom() > height:
                    bar.setValue(bar.value() + bottom.bottom() - height + 12)
                return

    # -- events ---------------------------------------------------------------------------

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            unit = self.unit_at(event.position().toPoint())
            if unit is not None:
                self.unit_clicked.emit(unit)
        super().mousePressEvent(event)

    def contextMenuEvent(self, event) -> None:
        unit = self.unit_at(event.pos())
        if unit is not None:
            self.unit_clicked.emit(unit)
        self.menu_requested.emit(event.globalPos())

    def keyPressEvent(self, event) -> None:
        steps = {Qt.Key.Key_Down: 1, Qt.Key.Key_Right: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_Left: -1}
        if event.key() in steps and not event.modifiers():
            self.step_requested.emit(steps[event.key()])
            return
        super().keyPressEvent(event)

    def viewportEvent(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            unit = self.unit_at(event.pos(), exact=True)
            if unit is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(), self._tooltips[unit], self.viewport())
            return True
        return super().viewportEvent(event)


# -- the view ----------------------------------------------------------------------------------
