"""The Models tab of the agreement view: every model scored against the human coders.

The figures come from :func:`desktop.core.machine.project.models_report` (the same entry
as ``stancecoder agreement --models``) computed on a worker thread, and are shown as the
report's HTML, where every model is marked as a model.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.core.machine.report import render_html
from desktop.ui.workers import Task

BOOTSTRAP = 500


class ModelsTab(QWidget):
    """Score the project's models and show the report."""

    def __init__(self, project_path: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.project_path = Path(project_path)
        self.task: Task | None = None
        self.report = None
        self.score_button = QPushButton("Score models")
        self.score_button.setObjectName("scoreModelsButton")
        self.score_button.clicked.connect(self._on_score_clicked)
        self.status = QLabel("Compare every model with each coder, the majority and gold.")
        self.status.setObjectName("modelsStatus")
        self.view = QTextBrowser()
        self.view.setObjectName("modelsReport")
        bar = QHBoxLayout()
        bar.addWidget(self.score_button)
        bar.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

    def score(self) -> bool:
        """Start scoring; False if a run is already going."""
        if self.task is not None:
            return False
        from desktop.core.machine.project import models_report

        def work(db, progress):
            progress(0, 0)
            return models_report(db, bootstrap=BOOTSTRAP)

        self.task = Task(self.project_path, work)
        self.task.finished.connect(self._on_scored)
        self.task.failed.connect(self._on_failed)
        self.task.done.connect(self._on_done)
        self.score_button.setEnabled(False)
        self.status.setText("Scoring the models…")
        self.task.start()
        return True

    def _on_score_clicked(self) -> None:
        self.score()

    def _on_scored(self, report) -> None:
        self.report = report
        models = len(report.models)
        self.status.setText(
            f"{models} model{'s' if models != 1 else ''} scored against "
            f"{', '.join(report.humans) or 'no human coder'}."
            if models
            else "This project has no models yet (Team > Models…)."
        )
        self.view.setHtml(render_html(report, project_name=self.project_path.stem))

    def _on_failed(self, message: str) -> None:
        self.status.setText(message)

    def _on_done(self) -> None:
        self.task = None
        self.score_button.setEnabled(True)

    def closeEvent(self, event) -> None:
        if self.task is not None:
            self.task.cancel()
        super().closeEvent(event)
