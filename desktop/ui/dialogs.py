"""Small dialogs: the coder's name, project files, importing with progress, errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QVBoxLayout,
    QWidget,
)

from desktop.core.corpus.importer import ImportSummary, import_paths
from desktop.core.corpus.readers import READERS
from desktop.core.errors import StanceError
from desktop.core.store import Database

PROJECT_FILTER = "Stance Coder projects (*.stance);;All files (*)"
PROJECT_SUFFIX = ".stance"


class CoderDialog(QDialog):
    """Asks for the coder's name or initials (first run, or switching coder)."""

    def __init__(self, current: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Who is coding?")
        self.setObjectName("coderDialog")
        explanation = QLabel(
            "Your name or initials. Your labels are kept under it, and other coders' "
            "labels stay hidden from you."
        )
        explanation.setWordWrap(True)
        self.name = QLineEdit(current)
        self.name.setPlaceholderText("e.g. AK")
        self.name.setMaxLength(40)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.name.textChanged.connect(self._on_name_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addWidget(self.name)
        layout.addWidget(self.buttons)
        self._on_name_changed(current)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 48)

    def _on_name_changed(self, text: str) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(text.strip()))


def ask_coder(parent: QWidget | None = None, current: str = "") -> str | None:
    """The coder's name or initials, or None if the coder cancelled."""
    dialog = CoderDialog(current, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.name.text().strip() or None


def show_error(parent: QWidget | None, error: BaseException) -> None:
    """One line in a message box; never a traceback."""
    if isinstance(error, StanceError):
        text = str(error)
    elif isinstance(error, sqlite3.Error):
        text = f"The project file could not be written or read: {error}"
    else:
        text = f"{type(error).__name__}: {error}"
    QMessageBox.critical(parent, "Stance Coder", text)


def choose_new_project(parent: QWidget) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(parent, "New project", "", PROJECT_FILTER)
    if not name:
        return None
    path = Path(name)
    return path if path.suffix else path.with_suffix(PROJECT_SUFFIX)


def choose_project(parent: QWidget) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, "Open project", "", PROJECT_FILTER)
    return Path(name) if name else None


def choose_articles(parent: QWidget) -> list[Path]:
    patterns = " ".join(f"*{suffix}" for suffix in sorted(READERS))
    names, _ = QFileDialog.getOpenFileNames(
        parent, "Import articles", "", f"Articles ({patterns});;All files (*)"
    )
    return [Path(n) for n in names]


def choose_article_folder(parent: QWidget) -> Path | None:
    name = QFileDialog.getExistingDirectory(parent, "Import a folder of articles")
    return Path(name) if name else None


class ImportCancelled(Exception):
    """The coder pressed Cancel; the import writes nothing (it is all or nothing)."""


def import_with_progress(
    parent: QWidget, db: Database, paths: list[Path], who: str
) -> ImportSummary | None:
    """Import ``paths`` showing a progress dialog; None if cancelled.

    Raises
    ------
    StanceError
        From the importer, for the first file that cannot be read (nothing is written).
    """
    dialog = QProgressDialog("Reading articles…", "Cancel", 0, 1, parent)
    dialog.setWindowTitle("Import articles")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)

    def progress(done: int, total: int, what: str) -> None:
        if dialog.wasCanceled():
            raise ImportCancelled
        dialog.setMaximum(max(total, 1))
        dialog.setValue(done)
        dialog.setLabelText(f"{Path(what).name}  ({done} of {total})")
        QApplication.processEvents()

    try:
        return import_paths(db, paths, who=who, progress=progress)
    except ImportCancelled:
        return None
    finally:
        dialog.close()


def describe_import(summary: ImportSummary) -> str:
    parts = [f"Imported {len(summary.added)} article(s) with {summary.units:,} sentences."]
    if summary.duplicates:
        parts.append(f"{len(summary.duplicates)} already in the project, skipped.")
    excluded = sum(summary.excluded_lines.values())
    if excluded:
        parts.append(f"{excluded} clutter line(s) kept as greyed context.")
    parts.extend(f"Warning: {warning}" for warning in summary.warnings[:5])
    parts.extend(summary.notices[:5])
    return "\n".join(parts)
