"""The export dialog: layout and format, coders and articles, a destination, progress.

The same choices as ``stancecoder export``. Pairs that make no sense (a codebook as SPSS)
are greyed out with the core's reason (:func:`desktop.core.export.refusal`). The export
itself runs on a worker thread with its own connection on the hub's path
(:class:`~desktop.ui.workers.Task`); Cancel makes the progress callback return False, and
the core then leaves no file behind. The lists and the row estimate read the window's
project hub (``hub.db``); an export writes nothing to the project, so it announces
nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core import store
from desktop.core.errors import StanceError
from desktop.core.export import (
    FORMATS,
    LAYOUTS,
    ExportResult,
    Filters,
    default_export_path,
    estimate_rows,
    export,
    refusal,
)
from desktop.core.store import coding_queries
from desktop.ui import palette
from desktop.ui.workers import Task

if TYPE_CHECKING:
    from desktop.ui.hub import ProjectHub

MUTED_STYLE = f"color: {palette.MUTED};"
WARNING_STYLE = f"color: {palette.WARNING};"
ERROR_STYLE = f"color: {palette.ERROR};"
IdRole = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex


class CheckListModel(QAbstractListModel):
    """Ids with a check box each (coders, articles); all checked at first.

    ``chosen()`` is None while every item is checked, meaning "no filter", so that an
    export of everything does not list every id in its sidecar.
    """

    checks_changed = Signal()

    def __init__(self, items: Sequence[tuple[str, str]], parent=None):
        super().__init__(parent)
        self._ids = [item_id for item_id, _ in items]
        self._texts = [text for _, text in items]
        self._checked = set(self._ids)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        item_id = self._ids[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts[index.row()]
        if role == Qt.ItemDataRole.CheckStateRole:
            checked = item_id in self._checked
            return Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        if role == IdRole:
            return item_id
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{self._texts[index.row()]}\n{item_id}"
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable

    def setData(self, index: _Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.CheckStateRole:
            return False
        item_id = self._ids[index.row()]
        if Qt.CheckState(value) == Qt.CheckState.Checked:
            self._checked.add(item_id)
        else:
            self._checked.discard(item_id)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.checks_changed.emit()
        return True

    def ids(self) -> list[str]:
        return list(self._ids)

    def checked(self) -> list[str]:
        """The checked ids, in list order."""
        return [i for i in self._ids if i in self._checked]

    def chosen(self) -> tuple[str, ...] | None:
        """The checked ids, or None when all are checked (no filter)."""
        if len(self._checked) == len(self._ids):
            return None
        return tuple(self.checked())

    def set_checked(self, ids: Sequence[str] | None) -> None:
        """Check exactly ``ids`` (None: all)."""
        self._checked = set(self._ids) if ids is None else set(ids) & set(self._ids)
        if self._ids:
            self.dataChanged.emit(
                self.index(0), self.index(len(self._ids) - 1), [Qt.ItemDataRole.CheckStateRole]
            )
        self.checks_changed.emit()


def check_list(model: CheckListModel, rows: int, object_name: str) -> QListView:
    """A compact list view of check boxes about ``rows`` rows tall."""
    view = QListView()
    view.setObjectName(object_name)
    view.setModel(model)
    view.setUniformItemSizes(True)
    view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
    view.setMaximumHeight(view.fontMetrics().height() * rows + 16)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    return view


def _compact(widget: QWidget) -> QHBoxLayout:
    """``widget`` at its own width in a form row that otherwise grows."""
    row = QHBoxLayout()
    row.addWidget(widget)
    row.addStretch(1)
    return row


def coder_items(db: store.Database) -> list[tuple[str, str]]:
    """(id, shown text) of every registered coder."""
    items = []
    for coder in store.list_coders(db):
        name = coder["name"] if coder["name"] and coder["name"] != coder["id"] else ""
        text = f"{coder['id']}  ({name})" if name else coder["id"]
        items.append((coder["id"], text + ("  · lead" if coder["is_lead"] else "")))
    return items


class ExportDialog(QDialog):
    """Export one layout in one format, for chosen coders and articles, with progress."""

    def __init__(self, hub: ProjectHub, parent: QWidget | None = None):
        super().__init__(parent)
        self.hub = hub
        self.project_path = Path(hub.path)
        self.setWindowTitle(f"Export data — {self.project_path.stem}")
        self.setObjectName("exportDialog")
        self.task: Task | None = None
        self.result: ExportResult | None = None
        self._custom_name = False
        # The hub's connection for the lists and the row estimate (cheap counts); the
        # export itself opens its own in the worker thread.
        self._db = hub.db
        coders = coder_items(self._db)
        articles = [
            (a.id, a.title or "(untitled)") for a in coding_queries.article_headers(self._db)
        ]
        self._folder = default_export_path(self.project_path, "long", "csv").parent
        self._build(coders, articles)
        self._on_layout_changed()

    # -- building -------------------------------------------------------------------

    def _build(self, coders: list[tuple[str, str]], articles: list[tuple[str, str]]) -> None:
        em = self.fontMetrics().averageCharWidth()
        self.layout_combo = QComboBox()
        self.layout_combo.setObjectName("layoutCombo")
        for name, layout in LAYOUTS.items():
            self.layout_combo.addItem(name, name)
            self.layout_combo.setItemData(
                self.layout_combo.count() - 1, layout.help, Qt.ItemDataRole.ToolTipRole
            )
        self.layout_help = QLabel()
        self.layout_help.setStyleSheet(MUTED_STYLE)
        self.format_combo = QComboBox()
        self.format_combo.setObjectName("formatCombo")
        for name in FORMATS:
            self.format_combo.addItem(name, name)
        # The format's help, or in its place why the pair is refused.
        self.format_help = QLabel()
        self.format_help.setObjectName("formatHelp")
        self.format_help.setWordWrap(True)
        self.format_help.setMinimumHeight(2 * self.fontMetrics().lineSpacing())
        self.format_help.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        self.coders = CheckListModel(coders, self)
        self.coder_list = check_list(self.coders, 4, "coderFilter")
        self.articles = CheckListModel(articles, self)
        self.article_list = check_list(self.articles, 6, "articleFilter")
        self.article_box = article_box = QWidget()
        article_layout = QVBoxLayout(article_box)
        article_layout.setContentsMargins(0, 0, 0, 0)
        article_layout.setSpacing(2)
        article_layout.addWidget(self.article_list)
        toggles = QHBoxLayout()
        for text, ids in (("All", None), ("None", ())):
            button = QPushButton(text)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, ids=ids: self.articles.set_checked(ids))
            toggles.addWidget(button)
        toggles.addStretch(1)
        article_layout.addLayout(toggles)

        self.destination = QLineEdit()
        self.destination.setObjectName("destinationEdit")
        self.destination.textEdited.connect(self._on_destination_changed)
        browse = QPushButton("Browse…")
        browse.setAutoDefault(False)
        browse.clicked.connect(self._browse)
        destination_row = QHBoxLayout()
        destination_row.addWidget(self.destination, 1)
        destination_row.addWidget(browse)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Layout", _compact(self.layout_combo))
        form.addRow("", self.layout_help)
        form.addRow("Format", _compact(self.format_combo))
        form.addRow("", self.format_help)
        form.addRow("Coders", self.coder_list)
        form.addRow("Articles", article_box)
        form.addRow("Save to", destination_row)

        self.estimate_label = QLabel()
        self.estimate_label.setStyleSheet(MUTED_STYLE)
        # The thin teal bar of the main window's status bar (same object name and style).
        self.progress = QProgressBar()
        self.progress.setObjectName("progressBar")
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(max(4, self.fontMetrics().height() // 3))
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress_text = QLabel()
        self.progress_text.setStyleSheet(MUTED_STYLE)
        self.result_label = QLabel()
        self.result_label.setObjectName("resultLabel")
        self.result_label.setWordWrap(True)
        self.result_label.setMinimumHeight(2 * self.fontMetrics().lineSpacing())
        self.result_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.export_button = QPushButton("Export")
        self.export_button.setObjectName("exportButton")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.cancel_export)
        self.close_button = QPushButton("Close")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.estimate_label, 1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.addLayout(form)
        layout.addSpacing(6)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.progress_text)
        layout.addLayout(progress_row)
        layout.addWidget(self.result_label)
        layout.addLayout(buttons)
        self.setMinimumWidth(96 * em)
        self.layout_combo.setMinimumWidth(16 * em)
        self.format_combo.setMinimumWidth(16 * em)

        self.layout_combo.currentIndexChanged.connect(self._on_layout_changed)
        self.format_combo.currentIndexChanged.connect(self._on_format_changed)
        self.coders.checks_changed.connect(self._on_filters_changed)
        self.articles.checks_changed.connect(self._on_filters_changed)

    # -- choices --------------------------------------------------------------------

    @property
    def layout_name(self) -> str:
        return self.layout_combo.currentData()

    @property
    def format_name(self) -> str:
        return self.format_combo.currentData()

    def set_choice(self, layout: str, fmt: str) -> None:
        """Select ``layout`` and ``fmt`` (as a user would in the two lists)."""
        self.layout_combo.setCurrentIndex(self.layout_combo.findData(layout))
        self.format_combo.setCurrentIndex(self.format_combo.findData(fmt))

    def format_enabled(self, fmt: str) -> bool:
        """Whether ``fmt`` can be chosen for the current layout (greyed out if not)."""
        model = self.format_combo.model()
        assert isinstance(model, QStandardItemModel)
        return model.item(self.format_combo.findData(fmt)).isEnabled()

    def filters(self) -> Filters:
        """The chosen coders and articles (None for a list the layout does not use)."""
        coders = self.coders.chosen() if self._uses_coders() else None
        articles = self.articles.chosen() if self._uses_articles() else None
        return Filters(coders=coders, articles=articles)

    def _uses_coders(self) -> bool:
        return self.layout_name not in ("units", "codebook")

    def _uses_articles(self) -> bool:
        return self.layout_name != "codebook"

    def _on_layout_changed(self) -> None:
        layout = self.layout_name
        self.layout_help.setText(LAYOUTS[layout].help.capitalize())
        model = self.format_combo.model()
        assert isinstance(model, QStandardItemModel)
        for row in range(self.format_combo.count()):
            fmt = self.format_combo.itemData(row)
            reason = refusal(layout, fmt)
            item = model.item(row)
            item.setEnabled(reason is None)
            item.setToolTip(reason or FORMATS[fmt].help)
        self._on_format_changed()

    def _on_format_changed(self) -> None:
        fmt = self.format_name
        reason = refusal(self.layout_name, fmt)
        self.format_help.setText(f"Not possible: {reason}." if reason else FORMATS[fmt].help)
        self.format_help.setStyleSheet(WARNING_STYLE if reason else MUTED_STYLE)
        if not self._custom_name:
            self._set_destination(
                self._folder / default_export_path(self.project_path, self.layout_name, fmt).name
            )
        else:
            # Keep the chosen name, but with the format's suffix.
            current = Path(self.destination.text())
            self._set_destination(current.with_suffix(FORMATS[fmt].suffix))
        self._on_filters_changed()

    def _on_filters_changed(self) -> None:
        self._update_estimate()
        self._update_buttons()

    def _on_destination_changed(self, text: str) -> None:
        self._custom_name = bool(text.strip())
        self._update_buttons()

    def _set_destination(self, path: Path) -> None:
        self.destination.setText(str(path))

    def _update_estimate(self) -> None:
        if self._problem():
            self.estimate_label.setText("")
            return
        try:
            rows = estimate_rows(self._db, self.layout_name, self.filters())
        except (StanceError, sqlite3.Error):
            self.estimate_label.setText("")
            return
        self.estimate_label.setText(f"About {rows:,} row{'s' if rows != 1 else ''}")

    def _problem(self) -> str:
        """Why Export is greyed out now ("" when it is not)."""
        reason = refusal(self.layout_name, self.format_name)
        if reason:
            return reason
        if self._uses_coders() and not self.coders.checked() and self.coders.ids():
            return "choose at least one coder"
        if self._uses_articles() and not self.articles.checked() and self.articles.ids():
            return "choose at least one article"
        if not self.destination.text().strip():
            return "choose where to save the file"
        return ""

    def _update_buttons(self) -> None:
        running = self.task is not None
        problem = self._problem()
        self.export_button.setEnabled(not running and not problem)
        self.export_button.setToolTip(problem.capitalize())
        self.cancel_button.setEnabled(running)
        self.close_button.setEnabled(not running)
        for widget in (self.layout_combo, self.format_combo, self.destination):
            widget.setEnabled(not running)
        self.coder_list.setEnabled(not running and self._uses_coders())
        self.article_box.setEnabled(not running and self._uses_articles())

    def _browse(self) -> None:
        suffix = FORMATS[self.format_name].suffix
        start = self.destination.text() or str(self._folder)
        if not Path(start).parent.is_dir():
            start = str(self.project_path.parent / Path(start).name)
        name, _ = QFileDialog.getSaveFileName(
            self, "Export to", start, f"{self.format_name} (*{suffix});;All files (*)"
        )
        if not name:
            return
        path = Path(name)
        if path.suffix.lower() != suffix:
            path = path.with_name(path.name + suffix)
        self._folder = path.parent
        self._custom_name = True
        self._set_destination(path)
        self._update_buttons()

    # -- exporting ------------------------------------------------------------------

    def start_export(self) -> bool:
        """Start the export on a worker thread; False when it could not start."""
        if self.task is not None or self._problem():
            return False
        target = Path(self.destination.text().strip()).expanduser()
        if not target.is_absolute():
            target = self.project_path.parent / target
        default_folder = default_export_path(self.project_path, "long", "csv").parent
        if target.parent == default_folder and not default_folder.exists():
            try:
                default_folder.mkdir()
            except OSError as error:
                self._show_result(f"Cannot create {default_folder}: {error.strerror}", error=True)
                return False
        if target.exists() and not self._confirm_overwrite(target):
            return False
        layout, fmt, filters = self.layout_name, self.format_name, self.filters()

        def work(db, progress):
            return export(db, layout, fmt, target, filters=filters, progress=progress)

        self.result = None
        self.task = Task(self.project_path, work)
        self.task.progress.connect(self._on_progress_changed)
        self.task.finished.connect(self._on_export_finished)
        self.task.failed.connect(self._on_export_failed)
        self.task.cancelled.connect(self._on_export_cancelled)
        self.task.done.connect(self._on_task_done)
        self.progress.setRange(0, 0)  # busy until the first report gives a total
        self._show_result(f"Exporting {layout} as {fmt}…")
        self.task.start()
        self._update_buttons()
        return True

    def cancel_export(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.cancel_button.setEnabled(False)
            self._show_result("Cancelling…")

    def _confirm_overwrite(self, target: Path) -> bool:
        answer = QMessageBox.question(
            self,
            "Export data",
            f"{target.name} already exists in {target.parent}. Replace it?",
        )
        return answer == QMessageBox.StandardButton.Yes

    def _on_progress_changed(self, done: int, total: int) -> None:
        total = max(total, done, 1)
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress_text.setText(f"{done:,} of {total:,} rows")

    def _on_export_finished(self, result: ExportResult) -> None:
        self.result = result
        self.progress.setRange(0, max(result.rows, 1))
        self.progress.setValue(max(result.rows, 1))
        self.progress_text.setText(f"{result.rows:,} of {result.rows:,} rows")
        rows = f"{result.rows:,} row{'s' if result.rows != 1 else ''}"
        path = Path(result.path)
        self._show_result(f"Wrote {rows} to {path.name} (in {path.parent})")
        self.result_label.setToolTip(str(path))

    def _on_export_failed(self, message: str) -> None:
        self._reset_progress()
        self._show_result(message, error=True)

    def _on_export_cancelled(self) -> None:
        self._reset_progress()
        self._show_result("Export cancelled; no file was written.")

    def _on_task_done(self) -> None:
        self.task = None
        self._update_buttons()

    def _reset_progress(self) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress_text.setText("")

    def _show_result(self, text: str, *, error: bool = False) -> None:
        self.result_label.setStyleSheet(ERROR_STYLE if error else "")
        self.result_label.setText(text)

    # -- closing --------------------------------------------------------------------

    def reject(self) -> None:
        if self.task is not None:
            # Escape while exporting cancels the export; the dialog stays.
            self.cancel_export()
            return
        super().reject()

    def closeEvent(self, event) -> None:
        if self.task is not None:
            self.cancel_export()
            event.ignore()
            return
        super().closeEvent(event)
