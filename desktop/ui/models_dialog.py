"""Team > Models…: train a model, code with an LLM or import predictions, with progress
and cancel; list and remove the project's models.

The work runs in the core (:mod:`desktop.core.machine`) on a worker thread with its own
connection on the hub's path (:class:`desktop.ui.workers.Task`), the same functions the
command line calls; when it ends (or a model is removed) the dialog announces the model's
labels through the window's project hub. Models see the team's labels, so the dialog is
for the lead (as the agreement view).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core import store
from desktop.core.errors import StanceError
from desktop.core.project_changes import Changed
from desktop.core.store import machine as mstore
from desktop.core.wording import counted
from desktop.ui import dialogs
from desktop.ui.workers import Task

if TYPE_CHECKING:
    from desktop.ui.hub import ProjectHub
    from desktop.ui.main_window import MainWindow


def open_dialog(window: MainWindow) -> ModelsDialog | None:
    from desktop.ui.team_menu import may_compare

    if not may_compare(window):
        return None
    dialog = ModelsDialog(window.hub, window)
    dialog.show()
    return dialog


def model_rows(db: store.Database) -> list[str]:
    """One line per model for the list."""
    return [
        f"[model] {m.id} — {m.method}, basis {m.basis or '—'}, {m.labels} labels, "
        f"{counted(m.runs, 'run')}"
        for m in mstore.list_model_coders(db)
    ]


class ModelsDialog(QDialog):
    """Create and manage the project's machine coders."""

    def __init__(self, hub: ProjectHub, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Models — Stance Coder")
        self.setObjectName("modelsDialog")
        self.hub = hub
        self.project_path = Path(hub.path)
        self.task: Task | None = None
        self.started = 0.0
        self.detail = ""  # the latest progress line of an LLM run (set on the worker thread)
        self.message = ""
        humans = mstore.human_coder_ids(hub.db)
        rows = model_rows(hub.db)
        self.models = QListWidget()
        self.models.setObjectName("modelList")
        self.models.addItems(rows)
        self.remove_button = QPushButton("Remove model")
        self.remove_button.clicked.connect(self._on_remove_clicked)

        self.name = QLineEdit()
        self.name.setPlaceholderText("a name for the model, e.g. clf-gold or llama3-run")
        self.tabs = QTabWidget()
        self.tabs.addTab(self._train_tab(humans), "Train")
        self.tabs.addTab(self._llm_tab(), "LLM")
        self.tabs.addTab(self._import_tab(), "Import")

        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("startButton")
        self.start_button.clicked.connect(self._on_start_clicked)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.progress = QProgressBar()
        self.progress.setObjectName("modelProgress")
        self.status = QLabel("")
        self.status.setObjectName("modelStatus")
        self.status.setWordWrap(True)

        name_row = QFormLayout()
        name_row.addRow("Model name", self.name)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Models of this project (never in the human figures):"))
        layout.addWidget(self.models)
        layout.addWidget(self.remove_button)
        layout.addLayout(name_row)
        layout.addWidget(self.tabs)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.resize(640, 560)

    # -- tabs -----------------------------------------------------------------------

    def _train_tab(self, humans: list[str]) -> QWidget:
        widget = QWidget()
        form = QFormLayout(widget)
        self.basis = QComboBox()
        self.basis.addItem("Gold labels", "gold")
        self.basis.addItem("Majority of the coders", "majority")
        for coder in humans:
            self.basis.addItem(f"Coder {coder}", f"coder:{coder}")
        form.addRow("Learn from", self.basis)
        form.addRow(
            QLabel(
                "TF-IDF word and character n-grams, class-weighted logistic "
                "regression; units it learnt from are coded out of fold."
            )
        )
        return widget

    def _llm_tab(self) -> QWidget:
        widget = QWidget()
        form = QFormLayout(widget)
        self.endpoint = QLineEdit("http://localhost:11434/v1")
        self.llm_model = QLineEdit()
        self.llm_model.setPlaceholderText("e.g. llama3.1:8b")
        self.units = QComboBox()
        for text, value in (
            ("Reliability sample", "reliability"),
            ("Gold units", "gold"),
            ("All units", "all"),
        ):
            self.units.addItem(text, value)
        self.runs = QSpinBox()
        self.runs.setRange(1, 20)
        self.concurrency = QSpinBox()
        self.concurrency.setRange(1, 64)
        self.concurrency.setValue(4)
        self.key_env = QLineEdit("STANCECODER_API_KEY")
        self.key_env.setToolTip(
            "The environment variable holding the API key; the key itself is never stored"
        )
        self.price_in = QDoubleSpinBox()
        self.price_in.setRange(0, 1000)
        self.price_in.setDecimals(3)
        form.addRow("Endpoint", self.endpoint)
        form.addRow("Model", self.llm_model)
        form.addRow("Units", self.units)
        form.addRow("Runs", self.runs)
        form.addRow("Requests at a time", self.concurrency)
        form.addRow("API key variable", self.key_env)
        form.addRow("Price per million tokens", self.price_in)
        return widget

    def _import_tab(self) -> QWidget:
        widget = QWidget()
        form = QFormLayout(widget)
        self.file = QLineEdit()
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._on_browse_clicked)
        row = QHBoxLayout()
        row.addWidget(self.file, 1)
        row.addWidget(browse)
        form.addRow("Predictions (CSV or JSONL)", row)
        form.addRow(QLabel("Columns: unit_id, dimension, value; optional p_<category>, run."))
        return widget

    def _on_browse_clicked(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Predictions", "", "Predictions (*.csv *.jsonl *.ndjson);;All files (*)"
        )
        if name:
            self.file.setText(name)

    # -- running --------------------------------------------------------------------

    def work(self):
        """The core call for the current tab, as ``work(db, progress)`` for a Task."""
        name = self.name.text().strip()
        tab = self.tabs.currentIndex()
        if tab == 0:
            basis = self.basis.currentData()

            def train(db, progress):
                from desktop.core.machine.train import save_trained, train_model

                cancel = threading.Event()
                mstore.check_model_name(db, name)

                def report(done, total, _what):
                    if not progress(done, total):
                        cancel.set()

                result = train_model(db, name, basis=basis, progress=report, cancel=cancel)
                written = save_trained(db, result)
                return f"Trained '{name}' on the {basis} labels: {written} labels."

            return train
        if tab == 1:
            from desktop.core.machine.llm import LlmSettings

            settings = LlmSettings(
                endpoint=self.endpoint.text().strip(),
                model=self.llm_model.text().strip(),
                concurrency=self.concurrency.value(),
                api_key_env=self.key_env.text().strip(),
                price_in=self.price_in.value(),
                price_out=self.price_in.value(),
            )
            which, runs = self.units.currentData(), self.runs.value()

            def code(db, progress):
                from desktop.core.machine.llm import chat_url, run_llm, select_units
                from desktop.core.machine.prompt import read_template

                chat_url(settings.endpoint)
                cancel = threading.Event()

                def report(p):
                    self.detail = p.line()
                    if not progress(p.done, p.total):
                        cancel.set()

                result = run_llm(
                    db,
                    name,
                    settings,
                    units=select_units(db, which),
                    runs=runs,
                    template=read_template(),
                    progress=report,
                    cancel=cancel,
                )
                return (
                    f"Coded with {settings.model} as '{name}': {result.asked} asked, "
                    f"{result.cached} from the cache, {result.invalid} invalid answers."
                )

            return code
        path = self.file.text().strip()

        def load(db, progress):
            from desktop.core.machine.predictions import import_predictions

            progress(0, 0)
            result = import_predictions(db, path, name=name)
            return f"Imported {result.rows} predictions as '{name}'."

        return load

    def start(self) -> bool:
        """Start the current tab's work; False (with a message) if it cannot start."""
        if self.task is not None:
            return False
        if not self.name.text().strip():
            self.status.setText("Give the model a name first.")
            return False
        self.task = Task(self.project_path, self.work(), readonly=False)
        self.task.progress.connect(self._on_progress)
        self.task.finished.connect(self._on_finished)
        self.task.failed.connect(self._on_failed)
        self.task.cancelled.connect(self._on_cancelled)
        self.task.done.connect(self._on_done)
        self.started = time.monotonic()
        self.detail = ""
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText("Working…")
        self.task.start()
        return True

    def _on_start_clicked(self) -> None:
        self.start()

    def _on_cancel_clicked(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.status.setText("Stopping… (answers received so far are kept)")

    def _on_progress(self, done: int, total: int) -> None:
        self.hub.acknowledge()  # the run's commits so far: announced once it ends
        self.progress.setRange(0, max(total, 0))
        self.progress.setValue(done)
        if self.detail:
            self.status.setText(self.detail)
        elif total and done:
            elapsed = time.monotonic() - self.started
            eta = elapsed / done * (total - done)
            self.status.setText(f"{done}/{total}, about {eta:.0f} s left")

    def _on_finished(self, message: str) -> None:
        self.message = message
        self.status.setText(message)
        self.progress.setRange(0, 1)
        self.progress.setValue(1)

    def _on_failed(self, message: str) -> None:
        self.message = message
        self.status.setText(message)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)

    def _on_cancelled(self) -> None:
        self.message = "Cancelled; what was stored stays, and starting again resumes."
        self.status.setText(self.message)
        self.progress.setRange(0, 1)

    def _on_done(self) -> None:
        self.task = None
        self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self._announce()
        self.reload()

    def _announce(self) -> None:
        """A model's labels (a coder of their own) were written or removed."""
        self.hub.announce(Changed.LABELS | Changed.TEAM, initiator=self, reason="models")

    def reload(self) -> None:
        """Re-read the list of models."""
        rows = model_rows(self.hub.db)
        self.models.clear()
        self.models.addItems(rows)

    def _on_remove_clicked(self) -> None:
        item = self.models.currentItem()
        if item is None or self.task is not None:
            return
        name = item.text().split(" — ")[0].removeprefix("[model] ")
        answer = QMessageBox.question(
            self, "Remove model", f"Remove the model '{name}' and its labels?"
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            mstore.delete_model_coder(self.hub.db, name)
        except (StanceError, sqlite3.Error) as error:
            dialogs.show_error(self, error)
            return
        self._announce()
        self.reload()

    def closeEvent(self, event) -> None:
        if self.task is not None:
            self.task.cancel()
        super().closeEvent(event)
