"""Small dialogs: the coder's name, project files, importing with progress, errors."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QVBoxLayout,
    QWidget,
)

from desktop.core.coder_names import resolve_coder
from desktop.core.corpus.importer import ImportSummary, import_paths
from desktop.core.corpus.readers import READERS
from desktop.core.errors import StanceError
from desktop.core.resources import schemes_dir
from desktop.core.scheme import Scheme, check_scheme_text, read_scheme_file
from desktop.core.store import Database

PROJECT_FILTER = "Stance Coder projects (*.stance);;All files (*)"
PROJECT_SUFFIX = ".stance"


class CoderDialog(QDialog):
    """Asks for the coder's name or initials (first run, or switching coder).

    With the project's registered coders given, they are offered to pick from, and a
    name that is not among them is added only after a confirmation (``confirm``, a
    yes/no question by default; tests replace it), so a typo never becomes a coder.
    """

    def __init__(
        self, current: str = "", parent: QWidget | None = None, existing: Sequence[str] = ()
    ):
        super().__init__(parent)
        self.setWindowTitle("Who is coding?")
        self.setObjectName("coderDialog")
        self.existing = list(existing)
        self.confirm = self._ask
        explanation = QLabel(
            "Your name or initials. Your labels are kept under it, and other coders' "
            "labels stay hidden from you."
            + (
                "\nPick yourself from the list; a new name is added after a question."
                if existing
                else ""
            )
        )
        explanation.setWordWrap(True)
        self.choice = QComboBox()
        self.choice.setObjectName("coderChoice")
        self.choice.setEditable(True)
        self.choice.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.choice.addItems(self.existing)
        self.name = self.choice.lineEdit()
        self.name.setPlaceholderText("e.g. AK")
        self.name.setMaxLength(40)
        self.name.setText(current)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.name.textChanged.connect(self._on_name_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addWidget(self.choice)
        layout.addWidget(self.buttons)
        self._on_name_changed(current)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 48)

    def _on_name_changed(self, text: str) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(text.strip()))

    def _ask(self, question: str) -> bool:
        answer = QMessageBox.question(
            self,
            "New coder",
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def accept(self) -> None:
        choice = resolve_coder(self.name.text(), self.existing)
        if not choice.coder:
            return
        if self.existing and choice.new and not self.confirm(choice.question):
            self.name.selectAll()
            self.name.setFocus()
            return  # back to the list: nothing is added
        super().accept()


def ask_coder(
    parent: QWidget | None = None, current: str = "", existing: Sequence[str] = ()
) -> str | None:
    """The coder's name or initials, or None if the coder cancelled (see CoderDialog)."""
    dialog = CoderDialog(current, parent, existing)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.name.text().strip() or None


def error_text(error: BaseException) -> str:
    """What went wrong in words, never a Python exception's name."""
    if isinstance(error, StanceError):
        return str(error)
    if isinstance(error, sqlite3.Error):
        return f"The project file could not be written or read: {error}"
    if isinstance(error, OSError):
        where = f" ({error.filename})" if getattr(error, "filename", None) else ""
        return f"A file could not be read or written{where}: {error.strerror or error}"
    detail = str(error).strip()
    return f"Something went wrong: {detail}" if detail else "Something went wrong."


def show_error(parent: QWidget | None, error: BaseException, title: str = "") -> None:
    """One line in a message box titled with what was being done; never a traceback."""
    what = title or (parent.windowTitle().split(" — ")[0] if parent is not None else "")
    QMessageBox.critical(
        parent, f"{what} — Stance Coder" if what else "Stance Coder", error_text(error)
    )


class SchemeDialog(QDialog):
    """The coding scheme of a new project: a bundled one, or one from a file, checked by
    the scheme validator (its messages are shown; OK waits for a valid scheme)."""

    FROM_FILE = "From a file…"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Coding scheme — New project")
        self.setObjectName("schemeDialog")
        self.scheme: Scheme | None = None
        self.choice = QComboBox()
        self.choice.setObjectName("schemeChoice")
        for path in sorted(schemes_dir().glob("*.toml")):
            scheme, errors = check_scheme_text(read_scheme_file(path))
            if scheme is not None and not errors:
                self.choice.addItem(f"{scheme.title} ({scheme.version})", scheme)
        self.choice.addItem(self.FROM_FILE, None)
        self.messages = QLabel()
        self.messages.setObjectName("schemeMessages")
        self.messages.setWordWrap(True)
        self.messages.setTextFormat(Qt.TextFormat.PlainText)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.choice.activated.connect(self._on_choice_activated)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("The scheme the coders code against (its dimensions and keys):"))
        layout.addWidget(self.choice)
        layout.addWidget(self.messages)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)
        self._on_choice_activated(0)

    def _on_choice_activated(self, index: int) -> None:
        if self.choice.itemText(index) == self.FROM_FILE and self.choice.itemData(index) is None:
            name, _ = QFileDialog.getOpenFileName(
                self, "Coding scheme", "", "Coding schemes (*.toml);;All files (*)"
            )
            if name:
                self.use_file(Path(name))
            return
        self._set(self.choice.itemData(index), [])

    def use_file(self, path: Path) -> None:
        """Check the scheme file at ``path``; offer it when valid, else list the problems."""
        try:
            scheme, errors = check_scheme_text(read_scheme_file(path))
        except StanceError as error:
            scheme, errors = None, [str(error)]
        if scheme is not None and not errors:
            self.choice.insertItem(self.choice.count() - 1, f"{scheme.title} — {path.name}", scheme)
            self.choice.setCurrentIndex(self.choice.count() - 2)
        self._set(scheme if not errors else None, [f"{path.name}: {e}" for e in errors])

    def _set(self, scheme: Scheme | None, errors: list[str]) -> None:
        self.scheme = scheme
        if errors:
            self.messages.setText("This scheme cannot be used:\n" + "\n".join(errors[:8]))
        elif scheme is not None:
            dimensions = ", ".join(d.label for d in scheme.dimensions)
            self.messages.setText(f"{len(scheme.dimensions)} dimensions: {dimensions}")
        else:
            self.messages.setText("Choose a scheme file.")
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(scheme is not None)


def choose_scheme(parent: QWidget | None) -> Scheme | None:
    """Ask which coding scheme a new project uses; None if cancelled."""
    dialog = SchemeDialog(parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.scheme


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
    # Wide enough for its title and a long file name (a narrow one cut the title).
    dialog.setMinimumWidth(dialog.fontMetrics().averageCharWidth() * 60)
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
    """The import's summary as the command line gives it: the headline (with the lines
    each clutter rule kept as context), the skipped duplicates, the notices."""
    parts = [summary.headline()]
    for origin, existing in summary.duplicates[:5]:
        parts.append(f"Skipped {Path(origin).name}: already in the project as {existing}.")
    parts.extend(f"Warning: {warning}" for warning in summary.warnings[:5])
    parts.extend(summary.notices[:5])
    return "\n".join(parts)
