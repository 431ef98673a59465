"""The lead's team dialogs: coder packages and merges, and what every team dialog shares.

Every one takes the window's **project hub** (:class:`desktop.ui.hub.ProjectHub`). It
reads what it lists through ``hub.db``; its work reads or writes the whole project (a
package is a vacuumed copy, a merge reads whole files), so it runs on a worker thread with
its own connection on ``hub.path`` (:class:`TaskDialog` over
:class:`desktop.ui.workers.Task`). When the work has written, the dialog announces what
changed through the hub, so the window and every open view show it (no reload by hand),
and emits a signal with its result. The hub's coder is recorded with merges and left out
of the package dialog's default coder. Errors are shown as one line, never a traceback.

The reliability sample, progress and unlocking comparison are in
:mod:`desktop.ui.round_dialogs`; they share :class:`TaskDialog`, :func:`explanation` and
the questions (:func:`ask_yes_no`, :func:`tell`) kept here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.core import store, team
from desktop.core.project_changes import Changed
from desktop.core.team import FileMerge, MergeReport, PackageSummary
from desktop.ui import palette
from desktop.ui.dialogs import PROJECT_FILTER, PROJECT_SUFFIX
from desktop.ui.workers import Task

if TYPE_CHECKING:
    from desktop.ui.hub import ProjectHub

_CLOSE = QDialogButtonBox.StandardButton.Close
ERROR_STYLE = f"color: {palette.ERROR};"


# -- questions and messages (one place, so that tests can answer them) ---------------------


def ask_yes_no(parent: QWidget | None, title: str, text: str, yes: str = "Yes") -> bool:
    """A question with Yes (labelled ``yes``) and No; No is the default answer."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.button(QMessageBox.StandardButton.Yes).setText(yes)
    return box.exec() == QMessageBox.StandardButton.Yes


def tell(parent: QWidget | None, title: str, text: str) -> None:
    """A plain message with one OK button."""
    QMessageBox.information(parent, title, text)


def _busy_bar(parent: QWidget) -> QProgressBar:
    bar = QProgressBar(parent)
    bar.setObjectName("progressBar")
    bar.setTextVisible(False)
    bar.setRange(0, 0)
    bar.setFixedHeight(max(4, parent.fontMetrics().height() // 3))
    bar.hide()
    return bar


def explanation(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {palette.MUTED};")
    return label


class TaskDialog(QDialog):
    """A dialog that runs one piece of work at a time on a worker thread.

    ``hub`` is the open project (:class:`desktop.ui.hub.ProjectHub`): the work opens
    ``hub.path`` in its thread, and the dialog announces its changes through the hub.
    """

    def __init__(self, hub: ProjectHub, parent: QWidget | None):
        super().__init__(parent)
        self.hub = hub
        self.project_path = Path(hub.path)
        self.who = hub.coder
        self.task: Task | None = None
        self.error = ""
        self.busy = _busy_bar(self)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.hide()
        self.finished.connect(self._on_dialog_finished)

    def _action_buttons(self, text: str, slot) -> QPushButton:
        """Close and one default action button (``text``, calling ``slot``), as
        ``self.buttons``; returns the action button."""
        self.buttons = QDialogButtonBox(_CLOSE)
        button = self.buttons.addButton(text, QDialogButtonBox.ButtonRole.ActionRole)
        button.setDefault(True)
        button.clicked.connect(slot)
        self.buttons.rejected.connect(self.reject)
        return button

    @staticmethod
    def _result_label(name: str) -> QLabel:
        """The selectable label that reports what the work did."""
        label = QLabel()
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _run(self, work, on_finished) -> bool:
        if self.task is not None:
            return False
        self._show_error("")
        self.task = Task(self.project_path, work, readonly=False)
        self.task.finished.connect(on_finished)
        self.task.failed.connect(self._on_task_failed)
        self.task.done.connect(self._on_task_done)
        self.busy.show()
        self._update_controls()
        self.task.start()
        return True

    def _announce(self, what: Changed, reason: str) -> None:
        """The work wrote ``what``: the window and every other view show it now."""
        self.hub.announce(what, initiator=self, reason=reason)

    def _show_error(self, text: str) -> None:
        self.error = text
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def _on_task_failed(self, text: str) -> None:
        self._show_error(text)

    def _on_task_done(self) -> None:
        self.task = None
        self.busy.hide()
        self._update_controls()

    def _on_dialog_finished(self, _result: int) -> None:
        if self.task is not None:
            self.task.wait()

    def _update_controls(self) -> None:  # pragma: no cover - every dialog overrides it
        pass


# -- coder packages -------------------------------------------------------------------------


def default_package_path(project_path: Path, coder: str) -> Path:
    """``study.stance`` and coder ``bb`` -> ``study-bb.stance`` beside the project."""
    project_path = Path(project_path)
    return project_path.with_name(f"{project_path.stem}-{coder}{PROJECT_SUFFIX}")


def describe_package(summary: PackageSummary) -> str:
    """What went into a package, for the lead to read before sending it."""
    return (
        f"Wrote {Path(summary.path).name} for {summary.coder}: {summary.articles:,} articles, "
        f"{summary.units:,} units, {summary.labels:,} of {summary.coder}'s labels, "
        f"{summary.assignments:,} assignments.\n"
        f"The package contains no other coder's data: {summary.coder} codes blind. "
        "Merge it back with File › Merge coder files."
    )


class CreatePackageDialog(TaskDialog):
    """Write a blind project file for one coder (registering a new coder if typed).

    Parameters
    ----------
    hub
        The lead's open project; packaged on a worker thread with its own connection. Its
        coder is the lead: the coder offered first is another one.
    """

    created = Signal(object)  # PackageSummary

    def __init__(self, hub: ProjectHub, parent: QWidget | None = None):
        super().__init__(hub, parent)
        who = self.who
        self.setWindowTitle(f"Create coder package — {self.project_path.stem}")
        self.setObjectName("createPackageDialog")
        self.summary: PackageSummary | None = None
        self._custom_path = False
        self.known_coders = [row["id"] for row in store.list_coders(hub.db)]
        self._build()
        others = [c for c in self.known_coders if c != who]
        self.coder_box.setCurrentText(others[0] if others else "")
        self._on_coder_changed(self.coder_box.currentText())

    def _build(self) -> None:
        self.coder_box = QComboBox()
        self.coder_box.setEditable(True)
        self.coder_box.addItems(self.known_coders)
        self.coder_box.lineEdit().setPlaceholderText("a coder's id, or a new one")
        self.coder_box.currentTextChanged.connect(self._on_coder_changed)
        self.coder_note = QLabel()
        self.coder_note.setStyleSheet(f"color: {palette.MUTED};")
        self.path_edit = QLineEdit()
        self.path_edit.textEdited.connect(self._on_path_changed)
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._on_choose_clicked)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(choose)
        self.path_note = QLabel()
        self.path_note.setStyleSheet(f"color: {palette.WARNING};")
        form = QFormLayout()
        form.addRow("Coder", self.coder_box)
        form.addRow("", self.coder_note)
        form.addRow("Package file", path_row)
        form.addRow("", self.path_note)
        self.result_label = self._result_label("packageSummary")
        self.create_button = self._action_buttons("Create package", self.create)
        layout = QVBoxLayout(self)
        layout.addWidget(
            explanation(
                "A package is a project file for one coder: the articles, the scheme, that "
                "coder's assignments and own labels, and nothing of anybody else. The coder "
                "codes in it blind; you merge it back when it returns."
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.busy)
        layout.addWidget(self.error_label)
        layout.addWidget(self.result_label, 1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 96)

    @property
    def coder(self) -> str:
        return self.coder_box.currentText().strip()

    @property
    def output(self) -> Path:
        return Path(self.path_edit.text().strip()).expanduser()

    def create(self) -> bool:
        """Start writing the package; False if it cannot start (see the notes shown)."""
        if not self._can_create():
            return False
        coder, output = self.coder, self.output
        register = coder not in self.known_coders

        def work(db, progress):
            progress(0, 0)
            if register:
                store.ensure_coder(db, coder)
            return team.create_package(db, coder, output)

        self.result_label.clear()
        return self._run(work, self._on_package_created)

    def _can_create(self) -> bool:
        return (
            self.task is None
            and bool(self.coder)
            and bool(self.path_edit.text().strip())
            and not self.output.exists()
        )

    def _update_controls(self) -> None:
        self.create_button.setEnabled(self._can_create())
        for widget in (self.coder_box, self.path_edit):
            widget.setEnabled(self.task is None)

    def _on_coder_changed(self, text: str) -> None:
        coder = text.strip()
        if not coder:
            self.coder_note.setText("")
        elif coder in self.known_coders:
            self.coder_note.setText("A registered coder.")
        else:
            self.coder_note.setText(f"A new coder: {coder} is registered in the project first.")
        if not self._custom_path and coder:
            self.path_edit.setText(str(default_package_path(self.project_path, coder)))
        self._on_path_changed(self.path_edit.text(), custom=self._custom_path)

    def _on_path_changed(self, _text: str, *, custom: bool = True) -> None:
        self._custom_path = custom
        exists = bool(self.path_edit.text().strip()) and self.output.exists()
        just_written = self.summary is not None and Path(self.summary.path) == self.output
        note = "This file exists; choose a new name." if exists and not just_written else ""
        self.path_note.setText(note)
        self._update_controls()

    def _on_choose_clicked(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Package file", self.path_edit.text(), PROJECT_FILTER
        )
        if name:
            path = Path(name)
            self.path_edit.setText(str(path if path.suffix else path.with_suffix(PROJECT_SUFFIX)))
            self._on_path_changed(name)

    def _on_package_created(self, summary: PackageSummary) -> None:
        self.summary = summary
        if summary.coder not in self.known_coders:
            self.known_coders.append(summary.coder)
            self.coder_box.addItem(summary.coder)
        self.result_label.setText(describe_package(summary))
        self._on_path_changed(self.path_edit.text(), custom=self._custom_path)
        self._announce(Changed.TEAM, "package")  # a coder registered, the package recorded
        self.created.emit(summary)


# -- merges ---------------------------------------------------------------------------------


def file_merge_lines(f: FileMerge) -> list[tuple[str, str]]:
    """One file's part of a merge report as ``(kind, sentence)`` pairs.

    ``kind`` is ``file`` (the heading), ``fact``, ``conflict``, ``curated`` or ``note``.
    """
    lines = [("file", Path(f.path).name)]
    if not f.changed:
        lines.append(("fact", "Nothing new: everything in it is already in the project."))
        return lines
    coders = ", ".join(f.coders) or "none"
    new = f" ({f.coders_new} new)" if f.coders_new else ""
    lines.append(("fact", f"Coders: {coders}{new}."))
    remapped = f", {f.labels_remapped} mapped to the current scheme" if f.labels_remapped else ""
    lines.append(
        (
            "fact",
            f"Labels: {f.labels_new:,} new, {f.labels_updated:,} updated, "
            f"{f.labels_unchanged:,} unchanged{remapped}; {f.history_added:,} history rows.",
        )
    )
    if f.states_new or f.notes_updated or f.notes_older or f.flags_updated or f.times_updated:
        older = f", {f.notes_older} older notes not taken" if f.notes_older else ""
        lines.append(
            (
                "fact",
                f"Notes and flags: {f.states_new:,} new, {f.notes_updated:,} notes "
                f"updated{older}, {f.flags_updated:,} unsure flags, {f.times_updated:,} "
                "coding times.",
            )
        )
    if f.assignments_new or f.gold_new or f.gold_updated:
        lines.append(
            (
                "fact",
                f"Assignments: {f.assignments_new:,} new. Gold labels: {f.gold_new:,} new, "
                f"{f.gold_updated:,} updated.",
            )
        )
    noun = "conflict" if len(f.conflicts) == 1 else "conflicts"
    lines.append(("fact", f"{len(f.conflicts)} {noun}."))
    for c in f.conflicts:
        lines.append(
            (
                "conflict",
                f"{c.unit_id} ({c.coder}, {c.dimension}): kept {c.kept or 'no value'} from the "
                f"{c.kept_from} ({c.kept_at[:16].replace('T', ' ')}), not {c.lost or 'no value'} "
                f"({c.lost_at[:16].replace('T', ' ')}); the other value stays in the history.",
            )
        )
    for n in f.notes_replaced:
        lines.append(
            (
                "note",
                f"The note of {n['coder']} on {n['unit_id']} was replaced "
                "(the old text is kept in the merge record).",
            )
        )
    for line in f.curated:
        lines.append(
            ("curated", f"Changed by curation since the file was made: {line} — to be coded again.")
        )
    return lines


def merge_report_lines(report: MergeReport) -> list[tuple[str, str]]:
    """The whole report in words: a total, then each file (see :func:`file_merge_lines`)."""
    files = len(report.files)
    labels = sum(f.labels_new + f.labels_updated for f in report.files)
    total = (
        f"Merged {files} file{'s' * (files != 1)}: {labels:,} labels new or updated, "
        f"{len(report.conflicts)} conflict{'s' * (len(report.conflicts) != 1)}."
        if report.changed
        else f"Nothing new in {'these files' if files > 1 else 'this file'}: already merged."
    )
    lines = [("total", total)]
    for f in report.files:
        lines.extend(file_merge_lines(f))
    return lines


def merge_report_html(report: MergeReport) -> str:
    colours = {"conflict": palette.WARNING, "curated": palette.WARNING, "note": palette.MUTED}
    parts = []
    for kind, text in merge_report_lines(report):
        escaped = html.escape(text)
        if kind == "total":
            parts.append(f'<p style="color:{palette.TEAL};"><b>{escaped}</b></p>')
        elif kind == "file":
            parts.append(f'<p style="margin-top:10px; margin-bottom:2px;"><b>{escaped}</b></p>')
        elif kind == "fact":
            parts.append(f'<p style="margin:1px 0 1px 14px;">{escaped}</p>')
        else:
            label = {"conflict": "Conflict", "curated": "Curated", "note": "Note"}[kind]
            parts.append(
                f'<p style="margin:1px 0 1px 14px; color:{colours[kind]};">{label}: {escaped}</p>'
            )
    return "".join(parts)


class MergeDialog(TaskDialog):
    """Merge coder packages or copies of the project back into it, all files or none.

    Parameters
    ----------
    hub
        The open project to merge into; merged on a worker thread with its own
        connection. Its coder is recorded with the merge.
    """

    merged = Signal(object)  # MergeReport

    def __init__(self, hub: ProjectHub, parent: QWidget | None = None):
        super().__init__(hub, parent)
        self.setWindowTitle(f"Merge coder files — {self.project_path.stem}")
        self.setObjectName("mergeDialog")
        self.report: MergeReport | None = None
        self.files = QStringListModel(self)
        self._build()
        self._update_controls()

    def _build(self) -> None:
        self.file_view = QListView()
        self.file_view.setObjectName("mergeFiles")
        self.file_view.setModel(self.files)
        self.file_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.file_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.file_view.setMaximumHeight(self.fontMetrics().height() * 5 + 16)
        self.add_button = QPushButton("Add files…")
        self.add_button.clicked.connect(self._on_add_clicked)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self._on_remove_clicked)
        side = QVBoxLayout()
        side.addWidget(self.add_button)
        side.addWidget(self.remove_button)
        side.addStretch(1)
        files = QHBoxLayout()
        files.addWidget(self.file_view, 1)
        files.addLayout(side)
        self.report_view = QTextBrowser()
        self.report_view.setObjectName("mergeReport")
        self.report_view.setOpenLinks(False)
        self.report_view.setPlaceholderText("What came in is listed here after the merge.")
        self.merge_button = self._action_buttons("Merge", self.merge)
        layout = QVBoxLayout(self)
        layout.addWidget(
            explanation(
                "Coder packages (or copies of this project) coming back. Labels, notes, "
                "flags, times and assignments are matched by unit; a file from another "
                "corpus or scheme is refused before anything is written."
            )
        )
        layout.addLayout(files)
        layout.addWidget(self.busy)
        layout.addWidget(self.error_label)
        layout.addWidget(self.report_view, 1)
        layout.addWidget(self.buttons)
        em = self.fontMetrics().averageCharWidth()
        self.resize(90 * em, 30 * self.fontMetrics().height())

    def paths(self) -> list[Path]:
        return [Path(p) for p in self.files.stringList()]

    def set_files(self, paths: Sequence[str | Path]) -> None:
        """List ``paths`` to merge (each once, in order)."""
        self.files.setStringList(list(dict.fromkeys(str(p) for p in paths)))
        self._update_controls()

    def merge(self) -> bool:
        """Start merging the listed files; False if there is nothing to merge."""
        paths, who = self.paths(), self.who
        if not paths:
            return False

        def work(db, progress):
            progress(0, 0)
            return team.merge_files(db, paths, who=who)

        self.report_view.clear()
        return self._run(work, self._on_merged)

    def _update_controls(self) -> None:
        idle = self.task is None
        self.merge_button.setEnabled(idle and bool(self.files.stringList()))
        for button in (self.add_button, self.remove_button):
            button.setEnabled(idle)

    def _on_add_clicked(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self, "Coder files to merge", str(self.project_path.parent), PROJECT_FILTER
        )
        if names:
            self.set_files([*self.files.stringList(), *names])

    def _on_remove_clicked(self) -> None:
        rows = {i.row() for i in self.file_view.selectionModel().selectedRows()}
        kept = [p for row, p in enumerate(self.files.stringList()) if row not in rows]
        self.set_files(kept)

    def _on_merged(self, report: MergeReport) -> None:
        self.report = report
        self.report_view.setHtml(merge_report_html(report))
        # Nothing new still records the merge; what came in may be any of these.
        everything = Changed.LABELS | Changed.UNITS | Changed.TEAM | Changed.GOLD
        self._announce(everything if report.changed else Changed.TEAM, "merge")
        self.merged.emit(report)
