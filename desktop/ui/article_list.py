"""The left panel: articles with progress, and a filtered, searchable list of sentences."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QModelIndex, QObject, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.core.store import Database, coding_queries, search
from desktop.ui import palette
from desktop.ui.models import (
    ArticleIdRole,
    ArticleTableModel,
    MarkedRole,
    ProgressRole,
    SeqRole,
    UnitListModel,
)

# A search lists its matches in corpus order a page at a time, the next page loaded as
# the coder scrolls near the end of the list (keyset paging over the full-text index).
SEARCH_LIMIT = 200


class ProgressDelegate(QStyledItemDelegate):
    """ "12/25" over a thin bar, so progress reads at a glance down the column."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().paint(painter, option, index)
        coded, total = index.data(ProgressRole) or (0, 0)
        if not total:
            return
        rect: QRect = option.rect.adjusted(6, option.rect.height() - 5, -6, -2)
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(palette.TRACK))
        painter.drawRoundedRect(rect, 1.5, 1.5)
        done = QRect(rect)
        done.setWidth(round(rect.width() * coded / total))
        painter.setBrush(QColor(palette.TEAL))
        if done.width():
            painter.drawRoundedRect(done, 1.5, 1.5)
        painter.restore()


# No character of the list's font is drawn narrower than this (an "i" is about 3 px).
_NARROWEST_CHAR_PX = 2


class OneLineDelegate(QStyledItemDelegate):
    """Rows as wide as the list, so long sentences end in "…" instead of a scroll bar."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return QSize(1, super().sizeHint(option, index).height() + 4)

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        """Cut the text to what the row can show before Qt elides it: eliding lays out
        the whole text, and every row is drawn again when the list scrolls."""
        super().initStyleOption(option, index)
        room = option.rect.width() // _NARROWEST_CHAR_PX + 1
        if option.rect.width() > 0 and len(option.text) > room:
            option.text = option.text[:room] + "…"


class MarkedDelegate(OneLineDelegate):
    """Search results: the words that matched in bold, the text cut to show the first."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        marked = index.data(MarkedRole)
        if not marked:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, opt.widget)
        rect = rect.adjusted(3, 0, -3, 0)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        plain, bold = QFont(opt.font), QFont(opt.font)
        bold.setBold(True)
        room = rect.width() // _NARROWEST_CHAR_PX + 1
        x = rect.left()
        painter.save()
        painter.setClipRect(rect)
        painter.setPen(opt.palette.color(role))
        for text, hit in search.snippet_parts(marked):
            text = text.replace("\n", " ")[:room]
            font = bold if hit else plain
            advance = QFontMetrics(font).horizontalAdvance(text)
            painter.setFont(font)
            painter.drawText(
                QRect(x, rect.top(), advance + 1, rect.height()),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                text,
            )
            x += advance
            if x > rect.right():
                break
        painter.restore()


class UnitTable(QTableView):
    """The sentence list: a table of one column, with a line drawn across its middle
    while it is empty for a reason the coder should know (a large project's list still
    being read: an empty white box looked like a project without sentences)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._placeholder = ""

    @property
    def placeholder(self) -> str:
        return self._placeholder

    def set_placeholder(self, text: str) -> None:
        if text != self._placeholder:
            self._placeholder = text
            self.viewport().update()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        model = self.model()
        if self._placeholder and (model is None or model.rowCount() == 0):
            painter = QPainter(self.viewport())
            painter.setPen(QColor(palette.MUTED))
            painter.drawText(
                self.viewport().rect().adjusted(8, 8, -8, -8),
                int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                self._placeholder,
            )
            painter.end()


class Sidebar(QWidget):
    """Articles (click to go to one) above sentences (filter, search, click to go)."""

    article_chosen = Signal(str)
    seq_chosen = Signal(int)
    done = Signal()  # Escape in the search field

    def __init__(
        self,
        db: Database,
        coder: str,
        dimensions: Sequence[str],
        all_seqs: Callable[[], list[int]],
        parent=None,
        assigned_only: Callable[[], bool] = lambda: False,
    ):
        super().__init__(parent)
        self.setObjectName("sidebar")
        self._all_seqs = all_seqs  # the unfiltered list is the session's, not read twice
        self._db = db
        self._coder = coder
        self._dimensions = tuple(dimensions)

        self.articles = ArticleTableModel(db, coder, dimensions, self, assigned_only)
        self.article_view = QTableView()
        self.article_view.setObjectName("articleList")
        self.article_view.setModel(self.articles)
        self.article_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.article_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.article_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.article_view.setShowGrid(False)
        self.article_view.setWordWrap(False)
        self.article_view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.article_view.verticalHeader().hide()
        self.article_view.setItemDelegateForColumn(
            ArticleTableModel.PROGRESS, ProgressDelegate(self.article_view)
        )
        header = self.article_view.horizontalHeader()
        header.setSectionResizeMode(ArticleTableModel.TITLE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(ArticleTableModel.PROGRESS, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(
            ArticleTableModel.PROGRESS, self.fontMetrics().horizontalAdvance("88888/88888") + 16
        )
        header.setHighlightSections(False)
        rows = self.article_view.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 14)
        self.article_view.clicked.connect(self._on_article_clicked)

        # Narrows the article list by title (many articles on a wide screen).
        self.article_filter = QLineEdit()
        self.article_filter.setObjectName("articleFilter")
        self.article_filter.setPlaceholderText("Filter articles (title, source, date, url)")
        self.article_filter.setClearButtonEnabled(True)
        self.article_filter.textChanged.connect(self._on_article_filter_changed)
        self.article_filter.installEventFilter(self)

        self.filter = QComboBox()
        self.filter.setObjectName("unitFilter")
        for unit_filter in coding_queries.UnitFilter:
            self.filter.addItem(unit_filter.label, unit_filter)
        self.filter.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.filter.currentIndexChanged.connect(self._on_filter_changed)

        self.search = QLineEdit()
        self.search.setObjectName("searchEdit")
        self.search.setPlaceholderText("Search sentences  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.installEventFilter(self)
        # Each key press searches at once: the full-text index answers a page of matches
        # in a few ms even at 1M sentences (benchmarks: search_ms), so no delay is needed.
        self.search.textEdited.connect(self._on_search_edited)
        self.search.returnPressed.connect(self._on_search_return)

        self.units = UnitListModel(db, coder, dimensions, self)
        # A one-column table with fixed row heights, not a QListView: a list view lays out
        # every row again on each dataChanged (Qt asks Python for 100,000 rows, ~230 ms a
        # key press on the benchmark project); a table with fixed sections does not.
        self.unit_view = UnitTable()
        self.unit_view.setObjectName("unitList")
        self.unit_view.setModel(self.units)
        self.unit_view.horizontalHeader().hide()
        self.unit_view.horizontalHeader().setStretchLastSection(True)
        self.unit_view.verticalHeader().hide()
        unit_rows = self.unit_view.verticalHeader()
        unit_rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        unit_rows.setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.unit_view.setShowGrid(False)
        self.unit_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.unit_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.unit_view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.unit_view.setWordWrap(False)
        self.unit_view.setItemDelegate(MarkedDelegate(self.unit_view))
        self.unit_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.unit_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.unit_view.clicked.connect(self._on_unit_clicked)
        self.unit_view.verticalScrollBar().valueChanged.connect(self._on_unit_list_scrolled)
        self.units.rowsInserted.connect(self._show_count)
        self.count = QLabel()
        self.count.setObjectName("unitCount")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 6, 8)
        layout.setSpacing(6)
        articles_title = QLabel("Articles")
        articles_title.setObjectName("sectionTitle")
        layout.addWidget(articles_title)
        layout.addWidget(self.article_filter)
        layout.addWidget(self.article_view, 3)
        layout.addSpacing(8)
        sentences_title = QLabel("Sentences")
        sentences_title.setObjectName("sectionTitle")
        layout.addWidget(sentences_title)
        layout.addWidget(self.filter)
        layout.addWidget(self.search)
        layout.addWidget(self.unit_view, 4)
        layout.addWidget(self.count)
        self.refresh_units()

    # -- lists --------------------------------------------------------------------------

    @property
    def unit_filter(self) -> coding_queries.UnitFilter:
        return self.filter.currentData()

    def refresh_units(self) -> None:
        """Re-run the filter and the search (the list does not change under the coder)."""
        text = self.search.text()
        self.unit_view.set_placeholder("")
        if self.unit_filter is coding_queries.UnitFilter.ALL and not text.strip():
            seqs = self._all_seqs()
            if seqs is None:  # a large project's list, still being read
                self.units.set_seqs([])
                self.count.setText("Reading the sentences…")
                self.unit_view.set_placeholder(
                    "Reading the list of sentences…\nCode on: every key is saved, "
                    "and the list appears here when it is read."
                )
                return
            self.units.set_seqs(seqs)
        elif text.strip():  # a search: one page now, the next ones as the coder scrolls
            page = coding_queries.search_unit_page(
                self._db, self._coder, self.unit_filter, self._dimensions, text, SEARCH_LIMIT
            )
            more = self._pages(text, self.unit_filter, page.after) if page.more else None
            self.units.set_seqs(page.seqs, text, more)
        else:
            seqs = coding_queries.filter_unit_seqs(
                self._db, self._coder, self.unit_filter, self._dimensions
            )
            self.units.set_seqs(seqs)
        self._show_count()

    def _pages(self, text: str, unit_filter, after) -> Callable[[], tuple[list[int], bool]]:
        """The next pages of the search ``text`` (keyset paging: each starts where the
        last one stopped), for the list to load as the coder scrolls."""

        def next_page() -> tuple[list[int], bool]:
            nonlocal after
            page = coding_queries.search_unit_page(
                self._db, self._coder, unit_filter, self._dimensions, text, SEARCH_LIMIT, after
            )
            after = page.after
            return page.seqs, page.more

        return next_page

    def _show_count(self) -> None:
        """ "1,234 sentences", or "200+ sentences" while more of a search are to load:
        a search is never counted whole (at a million sentences a common word's count
        would cost more than a key press may)."""
        shown = self.units.rowCount()
        more = self.units.canFetchMore()
        noun = "sentence" if shown == 1 and not more else "sentences"
        text = f"{shown:,}+ {noun} — scroll for more" if more else f"{shown:,} {noun}"
        self.count.setText(text)

    def _on_unit_list_scrolled(self, value: int) -> None:
        """Load the search's next page when the list is within a screen of its end."""
        bar = self.unit_view.verticalScrollBar()
        if value >= bar.maximum() - bar.pageStep() and self.units.canFetchMore():
            self.units.fetchMore()

    def set_dimensions(self, dimensions: Sequence[str]) -> None:
        """Count and filter over ``dimensions`` (the scheme changed while the window is
        open); the caller refreshes the lists."""
        self._dimensions = tuple(dimensions)
        self.articles.set_dimensions(dimensions)
        self.units.set_dimensions(dimensions)

    def show_current(self, article_id: str | None, seq: int | None) -> None:
        """Mark the shown unit's article and, if listed, the unit itself."""
        row = self.articles.row_of(article_id) if article_id else None
        if (
            row is None
            or article_id != self.articles.current
            or not self.article_view.selectionModel().isRowSelected(row)
        ):  # the next sentence of the same article leaves the article list as it is
            self.articles.set_current(article_id)
            if row is not None:
                self.article_view.selectRow(row)
                self.article_view.scrollTo(self.articles.index(row, 0))
        unit_row = self.units.row_of_seq(seq) if seq is not None else None
        if unit_row is None:
            self.unit_view.clearSelection()
        else:
            index = self.units.index(unit_row, 0)
            self.unit_view.setCurrentIndex(index)
            self.unit_view.scrollTo(index)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._opaque_lists()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.StyleChange:
            self._opaque_lists()
        elif event.type() == QEvent.Type.FontChange:
            # Larger text: rows grow with it (their heights are fixed for speed).
            height = self.fontMetrics().height()
            self.article_view.verticalHeader().setDefaultSectionSize(height + 14)
            self.unit_view.verticalHeader().setDefaultSectionSize(height + 6)
            self.article_view.horizontalHeader().resizeSection(
                ArticleTableModel.PROGRESS, self.fontMetrics().horizontalAdvance("88888/88888") + 16
            )

    def _opaque_lists(self) -> None:
        """Fill the lists' backgrounds from their palette (the style sheet's colour).

        An opaque list scrolls by moving what is drawn and drawing only the rows that
        come into view; with the style sheet drawing its background, every row was
        drawn again at each step, once per sentence while coding. Polishing resets it,
        so it is set once the lists are polished.
        """
        for view in (self.article_view, self.unit_view):
            view.viewport().setAutoFillBackground(True)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    # -- slots --------------------------------------------------------------------------

    def _on_article_clicked(self, index: QModelIndex) -> None:
        self.article_chosen.emit(index.data(ArticleIdRole))

    def _on_unit_clicked(self, index: QModelIndex) -> None:
        self.seq_chosen.emit(index.data(SeqRole))

    def _on_article_filter_changed(self, text: str) -> None:
        current = self.articles.current
        self.articles.set_filter(text)
        row = self.articles.row_of(current) if current else None
        if row is not None:  # the shown sentence's article stays marked if listed
            self.article_view.selectRow(row)
            self.article_view.scrollTo(self.articles.index(row, 0))

    def _on_search_edited(self, _text: str) -> None:
        self.refresh_units()

    def _on_filter_changed(self, _index: int) -> None:
        self.refresh_units()

    def _on_search_return(self) -> None:
        self.refresh_units()
        if self.units.rowCount():
            self.seq_chosen.emit(self.units.index(0, 0).data(SeqRole))
        self.done.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.article_filter and event.type() == QEvent.Type.FocusIn:
            self.articles.prepare_filter()  # read the articles' fields before the first key
        if (
            watched in (self.search, self.article_filter)
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Escape
        ):
            self.done.emit()
            return True
        return super().eventFilter(watched, event)
