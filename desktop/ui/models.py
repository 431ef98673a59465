"""Item models over ids for the lists that grow: articles and sentences.

Both hold only ids (article ids, unit seqs) and fetch what a visible row shows on demand
through the store, caching a bounded number of rows. Nothing is parsed back out of
display text: views read ids and numbers through the roles below.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Callable, Sequence

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

from desktop.core.store import Database, Unit, coding_queries, search
from desktop.core.store.corpus import units_by_seqs
from desktop.ui import palette

ArticleIdRole = Qt.ItemDataRole.UserRole + 1
ProgressRole = Qt.ItemDataRole.UserRole + 2  # (coded, total)
SeqRole = Qt.ItemDataRole.UserRole + 3
UnitIdRole = Qt.ItemDataRole.UserRole + 4
StatusRole = Qt.ItemDataRole.UserRole + 5  # coding_queries.UnitStatus
MarkedRole = Qt.ItemDataRole.UserRole + 6  # text with the search's matches marked, or None

_CACHE_ROWS = 2_000
_READ_ROWS = 64  # rows of the unit list read together (more than a screenful)
# The roles a unit row answers from its unit and status; Qt asks a row for about ten
# roles each time it is drawn, and the others are answered without looking the row up.
_UNIT_ROW_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ToolTipRole,
        UnitIdRole,
        StatusRole,
    }
)
_Index = QModelIndex | QPersistentModelIndex


class RowsTableModel(QAbstractTableModel):
    """A read-only table over ``self._rows`` with the column titles in ``HEADERS``.

    Subclasses fill ``_rows`` (with begin/endResetModel) and answer ``data``.
    """

    HEADERS: tuple[str, ...] = ()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None


class ArticleTableModel(QAbstractTableModel):
    """Articles with this coder's progress; progress is read per row when first shown."""

    TITLE, PROGRESS = 0, 1

    def __init__(
        self,
        db: Database,
        coder: str,
        dimensions: Sequence[str],
        parent=None,
        assigned_only: Callable[[], bool] = lambda: False,
    ):
        super().__init__(parent)
        self._db = db
        self._coder = coder
        self._dimensions = tuple(dimensions)
        # A coder with assignments counts those, as the status bar does.
        self._assigned_only = assigned_only
        self._all: list[coding_queries.ArticleHeader] = []
        self._by_id: dict[str, coding_queries.ArticleHeader] = {}
        self._headers: list[coding_queries.ArticleHeader] = []
        self._row_of: dict[str, int] = {}
        self._progress: dict[str, tuple[int, int]] = {}
        self._current: str | None = None
        self._finder: search.ArticleFilter | None = None
        self._filter_text = ""
        self._shown: list[str] | None = None  # the filter's articles; None: all
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._all = coding_queries.article_headers(self._db)
        self._by_id = {header.id: header for header in self._all}
        self._finder = None  # read again when next filtered
        self._progress = {}
        self._shown = self._matching(self._filter_text)
        self._apply_filter()
        self.endResetModel()

    def set_filter(self, text: str) -> None:
        """List only the articles whose title, source, author, date or url holds ``text``
        (all when it is blank); the list is reset only when what it shows changes."""
        self._filter_text = text
        shown = self._matching(text)
        if shown == self._shown:
            return
        self.beginResetModel()
        self._shown = shown
        self._apply_filter()
        self.endResetModel()

    def prepare_filter(self) -> None:
        """Read what the filter searches (tens of ms for 20,000 articles), if not yet read."""
        if self._finder is None:
            self._finder = search.ArticleFilter(self._db)

    def _matching(self, text: str) -> list[str] | None:
        if not text.strip():
            return None
        self.prepare_filter()
        return self._finder.matching(text)

    def _apply_filter(self) -> None:
        if self._shown is None:
            self._headers = self._all
        else:
            self._headers = [self._by_id[i] for i in self._shown if i in self._by_id]
        self._row_of = {header.id: row for row, header in enumerate(self._headers)}

    def set_dimensions(self, dimensions: Sequence[str]) -> None:
        """Count progress over ``dimensions`` (the scheme changed); read again when shown."""
        self._dimensions = tuple(dimensions)
        self.forget_progress()

    def forget_progress(self) -> None:
        """Read each row's progress again when it is next shown (labels or assignments
        changed; the articles did not)."""
        self._progress = {}
        if self._headers:
            last = len(self._headers) - 1
            self.dataChanged.emit(self.index(0, self.PROGRESS), self.index(last, self.PROGRESS))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 2

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return ("Article", "Coded")[section]
        return None

    def progress(self, article_id: str) -> tuple[int, int]:
        if article_id not in self._progress:
            self._progress[article_id] = coding_queries.article_progress(
                self._db,
                self._coder,
                article_id,
                self._dimensions,
                assigned_only=self._assigned_only(),
            )
        return self._progress[article_id]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        header = self._headers[index.row()]
        if role == ArticleIdRole:
            return header.id
        if role == ProgressRole:
            return self.progress(header.id)
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == self.TITLE:
                return header.title or "(untitled)"
            coded, total = self.progress(header.id)
            return f"{coded}/{total}"
        if role == Qt.ItemDataRole.ToolTipRole:
            details = " · ".join(part for part in (header.source, header.date) if part)
            return f"{header.title}\n{details}" if details else header.title
        if role == Qt.ItemDataRole.FontRole and header.id == self._current:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == self.PROGRESS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def row_of(self, article_id: str) -> int | None:
        return self._row_of.get(article_id)

    @property
    def current(self) -> str | None:
        """The article of the shown unit (drawn in bold)."""
        return self._current

    def set_current(self, article_id: str | None) -> None:
        rows = [self._row_of.get(a) for a in (self._current, article_id)]
        self._current = article_id
        for row in rows:
            if row is not None:
                self._row_changed(row)

    def apply_delta(self, article_id: str, delta: int) -> None:
        """One unit of the article became coded (+1) or incomplete (-1)."""
        if not delta or article_id not in self._row_of:
            return
        if article_id in self._progress:
            coded, total = self._progress[article_id]
            self._progress[article_id] = (coded + delta, total)
        self._row_changed(self._row_of[article_id])

    def _row_changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))


def _dot(colour: str, *, ring: bool | None = False) -> QIcon:
    """A filled dot (coded), a ring (not coded) or, for ``ring=None``, a ring half
    filled (partly coded: unmistakable next to both)."""
    pixmap = QPixmap(12, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if ring is None:
        painter.setPen(QColor(colour))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(2, 2, 8, 8)
        painter.setBrush(QColor(colour))
        painter.drawPie(2, 2, 8, 8, 90 * 16, 180 * 16)
    elif ring:
        painter.setPen(QColor(colour))
        painter.drawEllipse(2, 2, 8, 8)
    else:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colour))
        painter.drawEllipse(2, 2, 8, 8)
    painter.end()
    return QIcon(pixmap)


# A search's next page of units: ``(seqs, more follow)``.
NextPage = Callable[[], tuple[list[int], bool]]


class UnitListModel(QAbstractListModel):
    """A list of units (by seq) with this coder's state on each, read when shown."""

    def __init__(self, db: Database, coder: str, dimensions: Sequence[str], parent=None):
        super().__init__(parent)
        self._db = db
        self._coder = coder
        self._dimensions = tuple(dimensions)
        self._seqs: list[int] = []
        self._rows: OrderedDict[int, tuple[Unit, coding_queries.UnitStatus]] = OrderedDict()
        self._icons: dict[str, QIcon] = {}
        self._query = ""  # the search that listed these units ("" for none)
        self._marked: dict[int, str | None] = {}
        self._next_page: NextPage | None = None  # a search's next page, while there is one

    def set_seqs(self, seqs: list[int], query: str = "", next_page: NextPage | None = None) -> None:
        """List ``seqs``; ``query`` is the search that found them (its matches are marked).
        ``next_page()`` gives the units that follow and whether more follow them (a
        search's next page): the view asks for it through :meth:`fetchMore` as the coder
        scrolls to the end. None: ``seqs`` is the whole list, kept as it is (the model
        never changes it; copying a million-unit list held the window for 8 ms)."""
        self.beginResetModel()
        self._seqs = list(seqs) if next_page is not None or not isinstance(seqs, list) else seqs
        self._rows.clear()
        self._query = query if query.strip() else ""
        self._marked.clear()
        self._next_page = next_page
        self.endResetModel()

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._next_page is not None

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._next_page is None:
            return
        seqs, more = self._next_page()
        if not more:
            self._next_page = None
        if not seqs:
            return
        first = len(self._seqs)
        self.beginInsertRows(QModelIndex(), first, first + len(seqs) - 1)
        self._seqs.extend(seqs)
        self.endInsertRows()

    def set_dimensions(self, dimensions: Sequence[str]) -> None:
        """Show each unit's state over ``dimensions`` (the scheme changed)."""
        self._dimensions = tuple(dimensions)
        self._rows.clear()

    def seqs(self) -> list[int]:
        return list(self._seqs)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._seqs)

    def _row(self, seq: int, row: int) -> tuple[Unit, coding_queries.UnitStatus]:
        """The unit and state of ``seq`` (listed at ``row``); a row not yet read is read
        with the rows below it that are not either, in three queries: the view draws
        rows from the top down, and a screenful read a row at a time (three queries
        each) held the window 12 ms when a 1M project's list first came (issue 24)."""
        if seq not in self._rows:
            self._read_rows(row)
        self._rows.move_to_end(seq)
        return self._rows[seq]

    def _read_rows(self, row: int) -> None:
        seqs = [s for s in self._seqs[row : row + _READ_ROWS] if s not in self._rows]
        units = units_by_seqs(self._db, seqs)
        statuses = coding_queries.unit_statuses(
            self._db, self._coder, [u.id for u in units], self._dimensions
        )
        for unit in units:
            self._rows[unit.seq] = (unit, statuses[unit.id])
        while len(self._rows) > _CACHE_ROWS:
            self._rows.popitem(last=False)

    def _icon(self, status: coding_queries.UnitStatus) -> QIcon:
        if status.unsure:
            name, colour, ring = "unsure", palette.AMBER, False
        elif status.labelled >= len(self._dimensions):
            name, colour, ring = "coded", palette.TEAL, False
        elif status.labelled:
            name, colour, ring = "partial", palette.TEAL, None
        else:
            name, colour, ring = "uncoded", palette.UNCODED, True
        if name not in self._icons:
            self._icons[name] = _dot(colour, ring=ring)
        return self._icons[name]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        seq = self._seqs[index.row()]
        if role == SeqRole:
            return seq
        if role == MarkedRole:
            if not self._query:
                return None
            if seq not in self._marked:  # only the rows drawn are marked
                unit, _status = self._row(seq, index.row())
                self._marked[seq] = search.mark_matches(unit.text, self._query)
            return self._marked[seq]
        if role not in _UNIT_ROW_ROLES:
            return None
        unit, status = self._row(seq, index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            return unit.text
        if role == UnitIdRole:
            return unit.id
        if role == StatusRole:
            return status
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icon(status)
        if role == Qt.ItemDataRole.ToolTipRole:
            marks = []
            if status.labelled:
                marks.append(f"{status.labelled} of {len(self._dimensions)} dimensions coded")
            if status.unsure:
                marks.append("unsure")
            if status.noted:
                marks.append("has a note")
            return unit.text + (f"\n\n{', '.join(marks)}" if marks else "")
        return None

    def row_of_seq(self, seq: int) -> int | None:
        row = bisect.bisect_left(self._seqs, seq)
        return row if row < len(self._seqs) and self._seqs[row] == seq else None

    def refresh_seq(self, seq: int, status: coding_queries.UnitStatus | None = None) -> None:
        """The coder's state on this unit changed: re-read it when next shown, or take
        ``status`` when the caller knows it (the unit on screen: no query while drawing)."""
        cached = self._rows.pop(seq, None)
        if status is not None and cached is not None:
            self._rows[seq] = (cached[0], status)
        row = self.row_of_seq(seq)
        if row is not None:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index)
