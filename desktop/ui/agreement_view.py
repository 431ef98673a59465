"""The lead's agreement view: coefficients per dimension, charts, and the disagreements.

Compute runs :func:`desktop.core.agreement.compute_agreement` on a worker thread with
its own connection (a busy bar shows meanwhile); the results fill a summary table, the
detail of the chosen dimension (coder-pair heatmap, coincidence matrix, drift over time,
leave-one-out and per-category figures) and the list of disagreements, each of which
opens the sentence in a side-by-side comparison of the coders. "Export report…" writes
the same report as ``stancecoder agreement --format html``: one self-contained file.

This view shows every coder's labels: it is the lead's tool, and the window that opens
it decides who may (blind coders may not, until comparison is unlocked).
"""

from __future__ import annotations

import contextlib
import html
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import (
    QModelIndex,
    QSignalBlocker,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.core import store
from desktop.core.agreement import AgreementReport, DimensionAgreement, render_html
from desktop.core.agreement.planner import DimensionPlan, plan_summary
from desktop.core.agreement.text import fmt
from desktop.core.errors import StanceError, UsageError
from desktop.core.project_report import ReportFilters, as_tuple, project_report, unit_selection
from desktop.core.scheme import Scheme
from desktop.core.team import CodedUnit, list_disagreements
from desktop.ui import palette
from desktop.ui.agreement_charts import (
    CoincidenceChart,
    DriftChart,
    PairHeatmap,
)
from desktop.ui.agreement_models import (
    CoderModel,
    DisagreementModel,
    SummaryModel,
    value_text,
)
from desktop.ui.agreement_models_tab import ModelsTab
from desktop.ui.export_dialog import CheckListModel, check_list, coder_items
from desktop.ui.sentence_view import render_units, scaled_font
from desktop.ui.workers import Task, error_text

# The sidebar's list look (resources/style.qss styles only the coding window's lists).
TABLE_STYLE = (
    f"QTableView {{ background: {palette.LIST_BACKGROUND}; border: 1px solid {palette.GRID};"
    f" border-radius: 5px; selection-background-color: {palette.SELECTION};"
    f" selection-color: {palette.TEXT}; alternate-background-color: {palette.ALTERNATE};"
    f" gridline-color: {palette.GRIDLINE}; }}"
)
BOOTSTRAP_CHOICES = ((1000, "1,000 resamples"), (0, "none (faster, no interval)"))


@dataclass
class AgreementResult:
    """What one Compute produced (built in the worker thread, shown in the UI thread)."""

    report: AgreementReport
    scheme: Scheme
    disagreements: list[CodedUnit]
    coders: tuple[str, ...] | None
    reliability_only: bool
    filters: list[str]
    plans: dict[str, DimensionPlan] = field(default_factory=dict)


def compute_view(
    db: store.Database,
    progress,
    *,
    coders: Sequence[str] | None,
    bootstrap: int,
    reliability_only: bool,
    overlap_only: bool = False,
) -> AgreementResult:
    """The report and the disagreements for the view's choices (runs in the worker).

    ``reliability_only`` and ``overlap_only`` restrict the units to the reliability sample,
    the hidden overlap of the split rounds, or (both) their union.
    """
    progress(0, 0)
    filters = []
    if coders is not None:
        filters.append(f"Only the coders {', '.join(coders)}.")
    built = project_report(
        db,
        ReportFilters(
            coders=as_tuple(coders),
            units=unit_selection(reliability_only, overlap_only),
            bootstrap=bootstrap,
        ),
    )
    report, unit_ids = built.report, built.unit_ids
    plans = {p.dimension: p for p in report.plans}
    disagreements = list_disagreements(db, coders=coders)
    if unit_ids is not None:
        disagreements = [u for u in disagreements if u.unit_id in unit_ids]
    scheme = store.current_scheme(db)
    return AgreementResult(report, scheme, disagreements, coders, reliability_only, filters, plans)


def default_report_path(project_path: Path) -> Path:
    """``study.stance`` -> ``study exports/study-agreement.html`` beside the project."""
    project_path = Path(project_path)
    return (
        project_path.parent / f"{project_path.stem} exports" / f"{project_path.stem}-agreement.html"
    )


# -- the side-by-side comparison -------------------------------------------------------


class ComparisonDialog(QDialog):
    """One disputed sentence in its paragraph, and each coder's value, flag and note."""

    def __init__(
        self,
        unit: CodedUnit,
        scheme: Scheme,
        context: Sequence[store.Unit],
        article: store.Article | None = None,
        parent: QWidget | None = None,
        set_gold: Callable[[str, str, str], None] | None = None,
    ):
        super().__init__(parent)
        self.unit = unit
        self._scheme = scheme
        self._set_gold = set_gold
        dimension = scheme.dimension(unit.dimension)
        self.setWindowTitle(f"Compare coders — sentence {unit.seq}, {dimension.label}")
        self.setObjectName("comparisonDialog")
        title = QLabel(article.title if article and article.title else "(untitled)")
        title.setTextFormat(Qt.TextFormat.PlainText)  # a title is text, not markup
        title.setObjectName("articleTitle")
        title.setFont(scaled_font(1.1, bold=True))
        title.setWordWrap(True)
        self.body = body = QTextBrowser()
        body.setObjectName("sentenceBody")
        body.setOpenLinks(False)
        body.setFont(scaled_font(1.2))
        current = next((u for u in context if u.id == unit.unit_id), None)
        if current is not None:
            body.setHtml(render_units(context, current))
        else:
            body.setPlainText(unit.text)
        question = QLabel(
            f"<b>{html.escape(dimension.label)}</b> — {html.escape(dimension.question)}"
        )
        question.setWordWrap(True)

        self.value_labels: dict[str, QLabel] = {}
        self.note_labels: dict[str, QLabel] = {}
        self.unsure_labels: dict[str, QLabel] = {}
        cards = QHBoxLayout()
        cards.setSpacing(10)
        for value in unit.values:
            card = QFrame()
            card.setObjectName("coderCard")
            card.setStyleSheet(
                f"QFrame#coderCard {{ background: {palette.WHITE};"
                f" border: 1px solid {palette.BORDER}; border-radius: 6px; }}"
            )
            layout = QVBoxLayout(card)
            name = QLabel(value.coder)
            name.setStyleSheet(f"color: {palette.MUTED}; border: none;")
            shown = QLabel(value_text(scheme, unit.dimension, value.value))
            shown.setFont(scaled_font(1.15, bold=True))
            shown.setStyleSheet(f"color: {palette.TEAL}; border: none;")
            shown.setWordWrap(True)
            unsure = QLabel("Unsure" if value.unsure else "")
            unsure.setStyleSheet(f"color: {palette.WARNING}; font-weight: bold; border: none;")
            unsure.setVisible(value.unsure)
            note = QLabel(html.escape(value.note) if value.note else "<i>no note</i>")
            note.setWordWrap(True)
            note.setStyleSheet(
                "border: none;" + ("" if value.note else f" color: {palette.MUTED};")
            )
            for widget in (name, shown, unsure, note):
                layout.addWidget(widget)
            layout.addStretch(1)
            cards.addWidget(card, 1)
            self.value_labels[value.coder] = shown
            self.note_labels[value.coder] = note
            self.unsure_labels[value.coder] = unsure
        gold = (
            f"Gold value: <b>{html.escape(value_text(scheme, unit.dimension, unit.gold))}</b>"
            if unit.gold
            else "No gold value decided yet."
        )
        self.gold_label = QLabel(gold)
        # The lead decides here too: one button per category sets the gold value.
        self.gold_buttons: dict[str, QPushButton] = {}
        gold_row = QHBoxLayout()
        if set_gold is not None:
            gold_row.addWidget(QLabel("Set the gold value:"))
            for category in dimension.categories:
                button = QPushButton(f"{category.key}  {category.label}")
                button.setObjectName("goldChoice")
                button.setAutoDefault(False)
                button.clicked.connect(lambda _=False, code=category.code: self.choose_gold(code))
                gold_row.addWidget(button)
                self.gold_buttons[category.code] = button
            gold_row.addStretch(1)
        self.gold_error = QLabel()
        self.gold_error.setStyleSheet(f"color: {palette.ERROR};")
        self.gold_error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(body, 1)
        layout.addWidget(question)
        layout.addLayout(cards)
        layout.addWidget(self.gold_label)
        layout.addLayout(gold_row)
        layout.addWidget(self.gold_error)
        layout.addWidget(buttons)
        em = self.fontMetrics().averageCharWidth()
        self.resize(max(90 * em, 260 * len(unit.values)), 56 * self.fontMetrics().height() // 2)

    def choose_gold(self, code: str) -> bool:
        """Make ``code`` the unit's gold value on this dimension; False if it failed."""
        if self._set_gold is None:
            return False
        try:
            self._set_gold(self.unit.unit_id, self.unit.dimension, code)
        except (StanceError, sqlite3.Error) as error:
            self.gold_error.setText(error_text(error))
            self.gold_error.show()
            return False
        self.gold_error.hide()
        shown = value_text(self._scheme, self.unit.dimension, code)
        self.gold_label.setText(f"Gold value: <b>{html.escape(shown)}</b>")
        return True


# -- the view ---------------------------------------------------------------------------


def _table(model, name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.setWordWrap(False)
    view.horizontalHeader().setHighlightSections(False)
    return view


def _section(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


class AgreementView(QWidget):
    """Agreement of the project's coders: compute, read, drill down, export the report.

    A top-level window by default (give it a parent to keep it with the main window).
    """

    computed = Signal(object)  # AgreementResult

    def __init__(
        self,
        project_path: Path,
        parent: QWidget | None = None,
        *,
        set_gold: Callable[[str, str, str], None] | None = None,
    ):
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window)
        self.project_path = Path(project_path)
        # ``set_gold(unit_id, dimension, code)``: the lead's writer (the comparison sets
        # gold values with it); None keeps the view read-only.
        self.set_gold = set_gold
        self.setWindowTitle(f"Agreement — {self.project_path.stem} — Stance Coder")
        self.setObjectName("agreementView")
        self.result: AgreementResult | None = None
        self.task: Task | None = None
        self.error = ""
        db = store.open_project(self.project_path, readonly=True)
        try:
            coders = coder_items(db)
        finally:
            db.close()
        self.coders = CheckListModel(coders, self)
        self._build()
        self._update_controls()

    @property
    def report(self) -> AgreementReport | None:
        return self.result.report if self.result else None

    # -- building -------------------------------------------------------------------

    def _build(self) -> None:
        self.coder_list = check_list(self.coders, 3, "agreementCoders")
        self.coder_list.setMaximumWidth(self.fontMetrics().averageCharWidth() * 30)
        self.coders.checks_changed.connect(self._on_coders_changed)
        self.bootstrap_combo = QComboBox()
        for resamples, text in BOOTSTRAP_CHOICES:
            self.bootstrap_combo.addItem(text, resamples)
        self.sample_box = QCheckBox("Reliability sample only")
        self.sample_box.setToolTip("Only the units drawn for the reliability sample")
        self.overlap_box = QCheckBox("Overlap units")
        self.overlap_box.setObjectName("overlapUnits")
        self.overlap_box.setToolTip(
            "Only the units the split gave to several coders (with the sample: both)"
        )
        self.compute_button = QPushButton("Compute")
        self.compute_button.setObjectName("computeButton")
        self.compute_button.clicked.connect(self._on_compute_clicked)
        self.busy = QProgressBar()
        self.busy.setObjectName("progressBar")
        self.busy.setTextVisible(False)
        self.busy.setRange(0, 0)
        self.busy.setFixedHeight(max(4, self.fontMetrics().height() // 3))
        self.busy.setFixedWidth(self.fontMetrics().averageCharWidth() * 16)
        self.busy.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.export_button = QPushButton("Export report…")
        self.export_button.clicked.connect(lambda: self.export_report())

        options = QGridLayout()
        options.setHorizontalSpacing(10)
        options.setVerticalSpacing(4)
        options.addWidget(QLabel("Coders"), 0, 0, Qt.AlignmentFlag.AlignTop)
        options.addWidget(self.coder_list, 0, 1, 2, 1)
        options.addWidget(QLabel("Bootstrap"), 0, 2)
        options.addWidget(self.bootstrap_combo, 0, 3)
        options.addWidget(self.sample_box, 1, 2)
        options.addWidget(self.overlap_box, 1, 3)
        run = QHBoxLayout()
        run.setSpacing(10)
        run.addWidget(self.compute_button)
        run.addWidget(self.busy)
        run.addWidget(self.status, 1)
        run.addWidget(self.export_button)
        # The run row under the choices: beside them it made the window too wide for an
        # 800-pixel screen once the overlap choice came in.
        options.addLayout(run, 2, 0, 1, 5)
        options.setColumnStretch(4, 1)

        self.summary = SummaryModel(self)
        self.summary_view = _table(self.summary, "agreementSummary")
        header = self.summary_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.summary_view.selectionModel().currentRowChanged.connect(self._on_dimension_changed)

        # The chosen dimension in detail.
        self.detail_title = QLabel()
        self.detail_title.setFont(scaled_font(1.05, bold=True))
        self.heatmap = PairHeatmap()
        self.coincidence = CoincidenceChart()
        self.drift = DriftChart()
        self.drift_combo = QComboBox()
        self.drift_combo.addItem("per week", "week")
        self.drift_combo.addItem("per month", "month")
        self.drift_combo.addItem("per batch of units", "batch")
        self.drift_combo.currentIndexChanged.connect(self._on_drift_mode_changed)
        self.coder_model = CoderModel(self)
        self.coder_view = _table(self.coder_model, "coderDiagnostics")
        self.coder_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.category_label = QLabel()
        self.category_label.setWordWrap(True)
        self.category_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        drift_head = QHBoxLayout()
        drift_head.addWidget(_section("Alpha over time"))
        drift_head.addStretch(1)
        drift_head.addWidget(self.drift_combo)
        detail = QWidget()
        grid = QGridLayout(detail)
        grid.setContentsMargins(8, 8, 8, 8)
        self.plan_label = QLabel()
        self.plan_label.setObjectName("samplePlan")
        self.plan_label.setWordWrap(True)
        grid.addWidget(self.detail_title, 0, 0, 1, 2)
        grid.addWidget(self.plan_label, 0, 2)
        grid.addWidget(_section("Coder pairs (Cohen's κ)"), 1, 0)
        grid.addWidget(_section("Coincidences"), 1, 1)
        grid.addLayout(drift_head, 1, 2)
        grid.addWidget(self.heatmap, 2, 0)
        grid.addWidget(self.coincidence, 2, 1)
        grid.addWidget(self.drift, 2, 2)
        grid.addWidget(_section("Without each coder"), 3, 0, 1, 2)
        grid.addWidget(_section("Per category"), 3, 2)
        grid.addWidget(self.coder_view, 4, 0, 1, 2)
        grid.addWidget(self.category_label, 4, 2)
        grid.setRowStretch(2, 3)
        grid.setRowStretch(4, 2)
        for column in range(3):
            grid.setColumnStretch(column, 1)

        # The disagreements.
        self.disagreements = DisagreementModel(self)
        self.disagreement_view = _table(self.disagreements, "disagreements")
        self.disagreement_view.doubleClicked.connect(self._on_disagreement_activated)
        self.dimension_filter = QComboBox()
        self.dimension_filter.addItem("All dimensions", None)
        self.dimension_filter.currentIndexChanged.connect(self._on_disagreement_filter_changed)
        self.undecided_box = QCheckBox("Undecided only")
        self.undecided_box.toggled.connect(self._on_disagreement_filter_changed)
        self.compare_button = QPushButton("Compare side by side")
        self.compare_button.clicked.connect(self._on_compare_clicked)
        self.disagreement_count = QLabel()
        self.disagreement_count.setStyleSheet(f"color: {palette.MUTED};")
        bar = QHBoxLayout()
        bar.addWidget(self.dimension_filter)
        bar.addWidget(self.undecided_box)
        bar.addWidget(self.disagreement_count, 1)
        bar.addWidget(self.compare_button)
        listing = QWidget()
        listing_layout = QVBoxLayout(listing)
        listing_layout.setContentsMargins(8, 8, 8, 8)
        listing_layout.addLayout(bar)
        listing_layout.addWidget(self.disagreement_view, 1)

        self.tabs = QTabWidget()
        self.tabs.addTab(detail, "Dimension detail")
        self.tabs.addTab(listing, "Disagreements")
        self.models_tab = ModelsTab(self.project_path)  # models scored against the humans
        self.tabs.addTab(self.models_tab, "Models")

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.summary_view)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        row = self.fontMetrics().height() + 10
        splitter.setSizes([row * 5, row * 20])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.addLayout(options)
        layout.addWidget(splitter, 1)
        self.setStyleSheet(TABLE_STYLE)
        self.resize(1024, 700)
        self._show_dimension(None)

    # -- computing ------------------------------------------------------------------

    def compute(self) -> bool:
        """Start computing with the chosen coders and options; False if it cannot start."""
        if self.task is not None or not self._can_compute():
            return False
        coders = self.coders.chosen()
        bootstrap = int(self.bootstrap_combo.currentData())
        reliability_only = self.sample_box.isChecked()
        overlap_only = self.overlap_box.isChecked()

        def work(db, progress):
            return compute_view(
                db,
                progress,
                coders=coders,
                bootstrap=bootstrap,
                reliability_only=reliability_only,
                overlap_only=overlap_only,
            )

        self.error = ""
        self.task = Task(self.project_path, work)
        self.task.finished.connect(self._on_computed)
        self.task.failed.connect(self._on_compute_failed)
        self.task.cancelled.connect(self._on_compute_cancelled)
        self.task.done.connect(self._on_task_done)
        self._set_status("Computing agreement…")
        self.task.start()
        self._update_controls()
        return True

    def on_project_changed(self, change) -> None:
        """Another view or program changed the project: compute again while shown."""
        if self.isVisible() and self.result is not None:
            self.compute()

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self._set_status("Cancelling…")

    def _can_compute(self) -> bool:
        return len(self.coders.checked()) >= 2

    def _on_compute_clicked(self) -> None:
        if self.task is not None:
            self.cancel()
        else:
            self.compute()

    def _on_coders_changed(self) -> None:
        self._update_controls()

    def _update_controls(self) -> None:
        running = self.task is not None
        self.busy.setVisible(running)
        self.compute_button.setText("Cancel" if running else "Compute")
        self.compute_button.setEnabled(running or self._can_compute())
        self.compute_button.setToolTip(
            "" if running or self._can_compute() else "Choose two coders or more"
        )
        if not running and not self._can_compute() and len(self.coders.ids()) < 2:
            self._set_status("Agreement needs labels by two coders or more.")
        for widget in (self.coder_list, self.bootstrap_combo, self.sample_box, self.overlap_box):
            widget.setEnabled(not running)
        self.export_button.setEnabled(not running and self.result is not None)

    def _on_computed(self, result: AgreementResult) -> None:
        self.result = result
        row = max(0, self.summary_view.currentIndex().row())
        self.summary.set_report(result.report)
        self.disagreements.set_rows(result.disagreements, result.scheme)
        with QSignalBlocker(self.dimension_filter):
            current = self.dimension_filter.currentData()
            self.dimension_filter.clear()
            self.dimension_filter.addItem("All dimensions", None)
            for dimension in result.scheme.dimensions:
                self.dimension_filter.addItem(dimension.label, dimension.id)
            self.dimension_filter.setCurrentIndex(max(0, self.dimension_filter.findData(current)))
        self._on_disagreement_filter_changed()
        if self.summary.rowCount():
            self.summary_view.selectRow(min(row, self.summary.rowCount() - 1))
        report = result.report
        resamples = report.bootstrap.resamples
        boot = f"{resamples:,} bootstrap resamples" if resamples else "no bootstrap"
        self._set_status(f"{len(report.coders)} coders · {boot}")
        self.computed.emit(result)

    def _on_compute_failed(self, message: str) -> None:
        self.error = message
        self._set_status(message, error=True)

    def _on_compute_cancelled(self) -> None:
        self._set_status("Cancelled.")

    def _on_task_done(self) -> None:
        self.task = None
        self._update_controls()

    def _set_status(self, text: str, *, error: bool = False) -> None:
        self.status.setStyleSheet(
            f"color: {palette.ERROR};" if error else f"color: {palette.MUTED};"
        )
        self.status.setText(text)

    # -- showing --------------------------------------------------------------------

    def _on_dimension_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_dimension(
            self.summary.dimension_at(current.row()) if current.isValid() else None
        )

    def _show_dimension(self, d: DimensionAgreement | None) -> None:
        scheme = self.result.scheme if self.result else None
        self.heatmap.set_dimension(d)
        self.coincidence.set_dimension(d, scheme)
        self.coder_model.set_dimension(d)
        self._show_drift(d)
        if d is None:
            self.detail_title.setText("Compute, then choose a dimension in the table above.")
            self.category_label.setText("")
            self.plan_label.setText("")
            return
        kappa = (
            "unweighted"
            if d.level == "nominal"
            else f"with linear weights by {d.pairs[0].weights_by if d.pairs else 'rank'}"
        )
        plan = self.result.plans.get(d.id) if self.result else None
        self.plan_label.setText(plan_summary(plan) if plan else "")
        self.plan_label.setToolTip(plan.reason if plan else "")
        self.detail_title.setText(f"{d.label}  ·  {d.level}  ·  Cohen's κ {kappa}")
        rows = "".join(
            f"<tr><td>{html.escape(c.label)}</td>"
            f"<td align='right'>&nbsp;{fmt(c.alpha)}</td>"
            f"<td align='right' style='color:{palette.MUTED}'>&nbsp;{c.values:,} values</td></tr>"
            for c in d.per_category
        )
        head = (
            f"<tr style='color:{palette.MUTED}'><td>category</td>"
            "<td align='right'>&nbsp;α vs. rest</td>"
            "<td></td></tr>"
        )
        self.category_label.setText(f"<table cellspacing='2'>{head}{rows}</table>")

    def _show_drift(self, d: DimensionAgreement | None) -> None:
        if d is None:
            self.drift.set_points(())
            return
        if d.drift is None:
            self.drift.set_points((), "Drift was not computed.")
            return
        mode = self.drift_combo.currentData()
        by_week = mode in ("week", "month")
        points = {"week": d.drift.by_week, "month": d.drift.by_month}.get(mode, d.drift.by_batch)
        self.drift.set_points(points, d.drift.reason if not points else "")
        if by_week:
            self.drift.setToolTip(f"Time: {d.drift.time_basis}")
        else:
            self.drift.setToolTip(f"Batches of {d.drift.batch_size} units in coding order")

    def current_dimension(self) -> DimensionAgreement | None:
        index = self.summary_view.currentIndex()
        return self.summary.dimension_at(index.row()) if index.isValid() else None

    def _on_drift_mode_changed(self) -> None:
        self._show_drift(self.current_dimension())

    def _on_disagreement_filter_changed(self) -> None:
        self.disagreements.set_filter(
            self.dimension_filter.currentData(), self.undecided_box.isChecked()
        )
        shown = self.disagreements.rowCount()
        self.disagreement_count.setText(
            f"{shown:,} disagreement{'s' if shown != 1 else ''} · double-click one to compare"
        )
        self.tabs.setTabText(
            1,
            f"Disagreements ({len(self.result.disagreements):,})"
            if self.result
            else "Disagreements",
        )
        header = self.disagreement_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.compare_button.setEnabled(shown > 0)

    def _on_disagreement_activated(self, index: QModelIndex) -> None:
        self.open_comparison(index.row())

    def _on_compare_clicked(self) -> None:
        index = self.disagreement_view.currentIndex()
        self.open_comparison(index.row() if index.isValid() else 0)

    def open_comparison(self, row: int) -> ComparisonDialog | None:
        """Show row ``row`` of the disagreements side by side (non-modal)."""
        if self.result is None or not 0 <= row < self.disagreements.rowCount():
            return None
        unit = self.disagreements.coded_unit(row)
        try:
            # A short read in the UI thread: one paragraph and one article.
            db = store.open_project(self.project_path, readonly=True)
            try:
                context = store.paragraph_units(db, unit.article_id, unit.paragraph)
                article = store.get_article(db, unit.article_id)
            finally:
                db.close()
        except (StanceError, sqlite3.Error) as error:
            self._set_status(error_text(error), error=True)
            return None
        dialog = ComparisonDialog(
            unit, self.result.scheme, context, article, self, set_gold=self.set_gold
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    # -- the report file ------------------------------------------------------------

    def report_html(self) -> str:
        if self.result is None:
            raise UsageError("compute the agreement first")
        return render_html(
            self.result.report, project_name=self.project_path.stem, notes=self.result.filters
        )

    def export_report(self, path: Path | None = None) -> Path | None:
        """Write the HTML report to ``path`` (asked for when None); the path written."""
        if self.result is None:
            return None
        if path is None:
            path = self._ask_report_path()
            if path is None:
                return None
        try:
            Path(path).write_text(self.report_html(), encoding="utf-8")
        except OSError as error:
            self._set_status(f"Cannot write {path}: {error.strerror}", error=True)
            return None
        self._set_status(f"Wrote the report to {path}")
        return Path(path)

    def _ask_report_path(self) -> Path | None:
        default = default_report_path(self.project_path)
        created = False
        if not default.parent.exists():
            with contextlib.suppress(OSError):
                default.parent.mkdir()
                created = True
        name, _ = QFileDialog.getSaveFileName(
            self, "Export agreement report", str(default), "HTML files (*.html);;All files (*)"
        )
        if (
            created
            and not any(default.parent.iterdir())
            and (not name or Path(name).parent != default.parent)
        ):
            with contextlib.suppress(OSError):
                default.parent.rmdir()  # not used after all: leave no empty folder behind
        if not name:
            return None
        path = Path(name)
        return path if path.suffix else path.with_suffix(".html")

    # -- closing --------------------------------------------------------------------

    def closeEvent(self, event) -> None:
        if self.task is not None:
            self.task.cancel()  # the thread ends on its own; its result is dropped
        super().closeEvent(event)
