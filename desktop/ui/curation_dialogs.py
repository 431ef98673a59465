"""The article view's dialogs: split a sentence, edit an article's details, preview and
apply clutter rules, and the question asked before a coded sentence changes.

Dialogs only read (previews come from the core's ``preview=True`` calls) and report what
the lead chose; the article view makes every write.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSignalBlocker,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QTableView,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.core import curation, store
from desktop.core.curation import ConfirmationRequired, RuleChange, RulesReport
from desktop.core.errors import StanceError
from desktop.core.store import Article, Database
from desktop.ui import palette
from desktop.ui.sentence_view import scaled_font

PREVIEW_DELAY_MS = 250
_Index = QModelIndex | QPersistentModelIndex
_OK = QDialogButtonBox.StandardButton.Ok
_CANCEL = QDialogButtonBox.StandardButton.Cancel

# Said after the list of coded sentences, for each kind of step.
EXCLUDING = (
    "Their labels are kept. The sentences leave coding, the agreement figures and the "
    "exports until they are included again; then the coders see them again, labels and all."
)
CHANGING_TEXT = (
    "Their labels are kept for adjudication, and each of these coders will see the changed "
    "sentence again to code it anew."
)


# -- the question before a coded sentence changes ----------------------------------------


def _coder_name(coder: str) -> str:
    return f"gold standard ({coder[5:]})" if coder.startswith("gold:") else coder


def coded_lines(coded: Mapping[str, Mapping[str, int]], limit: int = 8) -> list[str]:
    """``["183a85b33d7b-0003: ak (3 labels), bb (1 label)", ...]``, at most ``limit``."""
    lines = []
    for unit, by in list(coded.items())[:limit]:
        who = ", ".join(
            f"{_coder_name(c)} ({n} label{'s' * (n != 1)})" for c, n in sorted(by.items())
        )
        lines.append(f"{unit}: {who}")
    if len(coded) > limit:
        lines.append(
            f"… and {len(coded) - limit} more coded sentence{'s' * (len(coded) - limit != 1)}"
        )
    return lines


def confirmation_text(question: ConfirmationRequired, consequence: str) -> str:
    """What the lead reads before saying yes: who coded which sentence, and what happens."""
    coders = sorted({_coder_name(c) for by in question.coded.values() for c in by})
    listed = "\n".join(f"• {line}" for line in coded_lines(question.coded))
    return (
        f"This changes sentences that {', '.join(coders)} already coded:\n\n{listed}\n\n"
        f"{consequence}\n\nNo label is deleted. Go ahead?"
    )


def confirm_coded_change(
    parent: QWidget | None, question: ConfirmationRequired, consequence: str
) -> bool:
    """Ask before a step changes coded sentences; No is the default answer."""
    box = QMessageBox(parent)
    box.setObjectName("confirmCodedChange")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Change coded sentences?")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(confirmation_text(question, consequence))
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.button(QMessageBox.StandardButton.Yes).setText("Change them")
    box.button(QMessageBox.StandardButton.No).setText("Leave them")
    return box.exec() == QMessageBox.StandardButton.Yes


# -- split a sentence ---------------------------------------------------------------------


def utf16_to_index(text: str, position: int) -> int:
    """A Qt text position (UTF-16 code units) as an index into the Python string."""
    units = 0
    for index, char in enumerate(text):
        if units >= position:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text)


def index_to_utf16(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def split_parts(text: str, at: int) -> tuple[str, str] | None:
    """The two parts a split at ``at`` makes (as the core stores them), or None if one
    would hold only whitespace."""
    head, tail = text[:at].strip(), text[at:].strip()
    return (head, tail) if 0 < at < len(text) and head and tail else None


def default_split(text: str) -> int:
    """The space nearest the middle (else the middle): a sensible place to start from."""
    middle = len(text) // 2
    spaces = [i + 1 for i, c in enumerate(text) if c.isspace() and split_parts(text, i + 1)]
    if spaces:
        return min(spaces, key=lambda i: abs(i - middle))
    return max(1, middle)


class SplitDialog(QDialog):
    """The sentence's text: the lead clicks where it splits (or sets the position) and
    sees both parts before anything changes. ``at`` is the core's 0-based position."""

    def __init__(self, unit_id: str, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Split a sentence")
        self.setObjectName("splitDialog")
        self.unit_id = unit_id
        self.text = text
        explanation = QLabel(
            "Click in the sentence where the second part should begin, or set the position. "
            "The first part keeps the sentence's id and labels; the second becomes a new "
            "sentence."
        )
        explanation.setWordWrap(True)
        self.editor = QPlainTextEdit(text)
        self.editor.setObjectName("splitText")
        self.editor.setReadOnly(True)
        # Selectable by keyboard too, so that the cursor (the split point) is drawn.
        self.editor.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.editor.setFont(scaled_font(1.2))
        self.editor.setCursorWidth(2)
        lines = 5
        self.editor.setFixedHeight(self.editor.fontMetrics().lineSpacing() * lines + 16)
        self.position = QSpinBox()
        self.position.setObjectName("splitPosition")
        self.position.setRange(1, max(1, len(text) - 1))
        self.position.setSuffix(f"  of {len(text)}")
        position_row = QHBoxLayout()
        position_row.addWidget(QLabel("Second part begins at character"))
        position_row.addWidget(self.position)
        position_row.addStretch(1)
        self.first = self._part_label()
        self.second = self._part_label()
        self.first_title = QLabel(f"First part · keeps id {unit_id} and its labels")
        self.second_title = QLabel("Second part · a new sentence")
        for title in (self.first_title, self.second_title):
            title.setStyleSheet(f"color: {palette.MUTED};")
        self.buttons = QDialogButtonBox(_OK | _CANCEL)
        self.buttons.button(_OK).setText("Split")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addWidget(self.editor)
        layout.addLayout(position_row)
        layout.addSpacing(6)
        layout.addWidget(self.first_title)
        layout.addWidget(self.first)
        layout.addWidget(self.second_title)
        layout.addWidget(self.second)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)
        self.editor.cursorPositionChanged.connect(self._on_cursor_changed)
        self.position.valueChanged.connect(self._on_position_changed)
        self.set_at(default_split(text))

    def _part_label(self) -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setFrameShape(QFrame.Shape.StyledPanel)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setMargin(6)
        return label

    @property
    def at(self) -> int:
        return self.position.value()

    def set_at(self, at: int) -> None:
        """Put the split point at ``at`` (as if the lead had clicked there)."""
        self.position.setValue(at)
        self._on_position_changed(self.position.value())

    def parts(self) -> tuple[str, str] | None:
        return split_parts(self.text, self.at)

    def _on_cursor_changed(self) -> None:
        at = utf16_to_index(self.text, self.editor.textCursor().position())
        with QSignalBlocker(self.position):
            self.position.setValue(max(1, min(at, len(self.text) - 1)))
        self._show_parts()

    def _on_position_changed(self, at: int) -> None:
        with QSignalBlocker(self.editor):
            cursor = self.editor.textCursor()
            cursor.setPosition(index_to_utf16(self.text, at))
            self.editor.setTextCursor(cursor)
        self._show_parts()

    def _show_parts(self) -> None:
        at = index_to_utf16(self.text, self.at)
        first = QTextCursor(self.editor.document())
        first.setPosition(at, QTextCursor.MoveMode.KeepAnchor)
        second = QTextCursor(self.editor.document())
        second.setPosition(at)
        second.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        marks = []
        for cursor, colour in ((first, palette.SELECTION), (second, palette.HIGHLIGHT)):
            selection = QTextEdit.ExtraSelection()
            selection.cursor = cursor
            char_format = QTextCharFormat()
            char_format.setBackground(QColor(colour))
            selection.format = char_format
            marks.append(selection)
        self.editor.setExtraSelections(marks)
        parts = self.parts()
        ok = self.buttons.button(_OK)
        ok.setEnabled(parts is not None)
        if parts is None:
            self.first.setText("—")
            self.second.setText("— (both parts need some text; choose another position)")
            return
        self.first.setText(parts[0])
        self.second.setText(parts[1])
        self.first.setStyleSheet(f"background: {palette.SELECTION}; border-radius: 4px;")
        self.second.setStyleSheet(f"background: {palette.HIGHLIGHT}; border-radius: 4px;")


# -- an article's details -----------------------------------------------------------------

ARTICLE_FIELDS = (
    ("title", "Title"),
    ("source", "Source"),
    ("author", "Author"),
    ("date", "Date"),
    ("url", "URL"),
)


class ArticleDetailsDialog(QDialog):
    """Title, source, author, date and URL of one article; ``values()`` after Save."""

    def __init__(self, article: Article, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Article details")
        self.setObjectName("articleDetailsDialog")
        self.fields: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for name, label in ARTICLE_FIELDS:
            edit = QLineEdit(getattr(article, name))
            edit.setObjectName(f"{name}Edit")
            self.fields[name] = edit
            form.addRow(label, edit)
        self.fields["date"].setPlaceholderText("e.g. 2018-01-08")
        self.fields["url"].setPlaceholderText("https://…")
        origin = QLabel(f"Imported from {article.origin}" if article.origin else "")
        origin.setStyleSheet(f"color: {palette.MUTED};")
        origin.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | _CANCEL)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.fields["title"].textChanged.connect(self._on_title_changed)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(origin)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 70)
        self._on_title_changed(article.title)

    def _on_title_changed(self, text: str) -> None:
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(bool(text.strip()))

    def values(self) -> dict[str, str]:
        return {name: edit.text() for name, edit in self.fields.items()}


# -- clutter rules: what would change -----------------------------------------------------


def verdict_text(excluded: bool, rule: str) -> str:
    return f"excluded · {rule}" if excluded else "coded"


class RuleChangesModel(QAbstractTableModel):
    """The preview of a rules step: one row per line (paragraph) whose verdict changes."""

    ARTICLE, LINE, FROM, TO, CODED = range(5)
    HEADERS = ("Article", "Line", "From", "To", "Coded by")

    def __init__(self, db: Database, parent=None):
        super().__init__(parent)
        self._db = db
        self._changes: tuple[RuleChange, ...] = ()
        self._titles: dict[str, str] = {}

    def set_changes(self, changes: Sequence[RuleChange]) -> None:
        self.beginResetModel()
        self._changes = tuple(changes)
        self.endResetModel()

    def changes(self) -> tuple[RuleChange, ...]:
        return self._changes

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._changes)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def _title(self, article_id: str) -> str:
        if article_id not in self._titles:
            article = store.get_article(self._db, article_id)
            self._titles[article_id] = (article.title if article else "") or article_id
        return self._titles[article_id]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        change = self._changes[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.ARTICLE:
                return self._title(change.article_id)
            if column == self.LINE:
                return change.line
            if column == self.FROM:
                return verdict_text(change.excluded_before, change.rule_before)
            if column == self.TO:
                return verdict_text(change.excluded_after, change.rule_after)
            coders = sorted({c for by in change.coded.values() for c in by})
            return ", ".join(_coder_name(c) for c in coders)
        if role == Qt.ItemDataRole.ToolTipRole:
            units = ", ".join(change.units)
            coded = "\n".join(coded_lines(change.coded))
            return f"{change.line}\n\nParagraph {change.paragraph} · sentences {units}" + (
                f"\n\nCoded:\n{coded}" if coded else ""
            )
        if role == Qt.ItemDataRole.ForegroundRole and column == self.CODED and change.coded:
            return QColor(palette.WARNING)
        if role == Qt.ItemDataRole.FontRole and column == self.TO:
            font = QFont()
            font.setBold(True)
            return font
        return None


def _changes_table(model: RuleChangesModel) -> QTableView:
    table = QTableView()
    table.setObjectName("ruleChanges")
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    em = table.fontMetrics().averageCharWidth()
    for column, width in ((0, 24), (2, 16), (3, 22), (4, 12)):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(column, width * em)
    header.setSectionResizeMode(RuleChangesModel.LINE, QHeaderView.ResizeMode.Stretch)
    return table


def describe_changes(changes: Sequence[RuleChange]) -> str:
    if not changes:
        return "Nothing would change: every line already follows the rules."
    lines = len(changes)
    articles = len({c.article_id for c in changes})
    sentences = sum(len(c.units) for c in changes)
    coded = sum(len(c.coded) for c in changes)
    text = (
        f"{lines} line{'s' * (lines != 1)} in {articles} article{'s' * (articles != 1)} "
        f"would change ({sentences} sentence{'s' * (sentences != 1)})"
    )
    if coded:
        text += f", {coded} of them already coded (you will be asked to confirm)"
    return text + "."


def coded_losses(changes: Sequence[RuleChange]) -> dict[str, dict[str, int]]:
    """The coded sentences a rules step would exclude (those that need confirming)."""
    return {
        unit: by
        for change in changes
        if change.excluded_after and not change.excluded_before
        for unit, by in change.coded.items()
    }


class RuleFromLineDialog(QDialog):
    """ "Exclude lines like this in every article": name the rule, see what it would
    change across the corpus, then add it and apply it — or cancel and nothing changes."""

    def __init__(self, db: Database, line: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Exclude lines like this in every article")
        self.setObjectName("ruleFromLineDialog")
        self._db = db
        self.report: RulesReport | None = None
        self.line = QLineEdit(line.strip())
        self.line.setObjectName("ruleLine")
        self.line.setCursorPosition(0)
        self.name = QLineEdit()
        self.name.setObjectName("ruleName")
        self.name.setPlaceholderText("e.g. photo credit (shown as the reason for excluding)")
        self.digits = QCheckBox("Any number matches any number (“12 comments” = “3 comments”)")
        self.digits.setChecked(True)
        self.pattern = QLabel()
        self.pattern.setObjectName("rulePattern")
        self.pattern.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pattern.setWordWrap(True)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.pattern.setFont(mono)
        form = QFormLayout()
        form.addRow("Line", self.line)
        form.addRow("Rule name", self.name)
        form.addRow("", self.digits)
        form.addRow("Pattern", self.pattern)
        self.summary = QLabel()
        self.summary.setObjectName("ruleSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.changes = RuleChangesModel(db, self)
        self.table = _changes_table(self.changes)
        self.buttons = QDialogButtonBox(_OK | _CANCEL)
        self.buttons.button(_OK).setText("Add rule and apply")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        em = self.fontMetrics().averageCharWidth()
        self.resize(130 * em, 34 * self.fontMetrics().height())
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.refresh_preview)
        self.line.textEdited.connect(self._on_rule_changed)
        self.name.textEdited.connect(self._on_rule_changed)
        self.digits.toggled.connect(self._on_rule_changed)
        self.refresh_preview()

    @property
    def rule_name(self) -> str:
        return self.name.text().strip()

    @property
    def generalise_digits(self) -> bool:
        return self.digits.isChecked()

    def _on_rule_changed(self, *_args) -> None:
        self.buttons.button(_OK).setEnabled(False)
        self._timer.start()

    def refresh_preview(self) -> None:
        """Ask the core what the rule would change (nothing is stored)."""
        self._timer.stop()
        line = self.line.text().strip()
        self.pattern.setText(
            curation.rule_from_line(line, generalise_digits=self.generalise_digits)
        )
        try:
            self.report = curation.add_rule_from_line(
                self._db,
                line,
                self.rule_name or "new rule",
                generalise_digits=self.generalise_digits,
                preview=True,
            )
        except StanceError as error:
            self.report = None
            self.changes.set_changes(())
            self.summary.setText(
                f'<span style="color:{palette.ERROR_DARK};">{html.escape(str(error))}</span>'
            )
            self.buttons.button(_OK).setEnabled(False)
            return
        self.changes.set_changes(self.report.changes)
        hint = "" if self.rule_name else "  Name the rule to add it."
        self.summary.setText(html.escape(describe_changes(self.report.changes) + hint))
        self.buttons.button(_OK).setEnabled(bool(self.rule_name))


class ReapplyRulesDialog(QDialog):
    """What re-applying the project's clutter rules would change; Apply or Cancel."""

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Re-apply the clutter rules")
        self.setObjectName("reapplyRulesDialog")
        explanation = QLabel(
            "The project's line rules are run over every article again. Sentences you "
            "decided by hand and article titles are left as they are."
        )
        explanation.setWordWrap(True)
        self.report = curation.reapply_rules(db, preview=True)
        self.summary = QLabel(describe_changes(self.report.changes))
        self.summary.setObjectName("ruleSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.changes = RuleChangesModel(db, self)
        self.changes.set_changes(self.report.changes)
        self.table = _changes_table(self.changes)
        self.buttons = QDialogButtonBox(_OK | _CANCEL)
        self.buttons.button(_OK).setText("Apply")
        self.buttons.button(_OK).setEnabled(bool(self.report.changes))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        em = self.fontMetrics().averageCharWidth()
        self.resize(130 * em, 28 * self.fontMetrics().height())
