"""The lead's article view: each article's full text with its paragraphs and sentences as
the import made them, and the curation steps that correct them.

The view draws what :func:`desktop.core.curation.article_layout` says and computes no
layout of its own. Every step is one small transaction in :mod:`desktop.core.curation`
on the caller's connection; afterwards the article is drawn again from a fresh layout and
:attr:`ArticleView.changed` carries the step's result to whoever else shows the project.
A step that would change coded sentences raises ``ConfirmationRequired``; the view asks
the lead (:attr:`ArticleView.confirm`) and repeats the step with ``confirm=True``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from PySide6.QtCore import (
    QModelIndex,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core import curation
from desktop.core.curation import (
    ArticleLayout,
    ConfirmationRequired,
    CurationAction,
    CurationResult,
    LayoutParagraph,
    LayoutUnit,
    RulesReport,
)
from desktop.core.errors import StanceError
from desktop.core.store import Database
from desktop.ui import curation_dialogs, dialogs, palette
from desktop.ui.article_text import (
    CODED_MARK,
    KEPT_MARK,
    RECODE_MARK,
    ArticleText,
    CurationArticleModel,
)
from desktop.ui.curation_dialogs import (
    CHANGING_TEXT,
    EXCLUDING,
    ArticleDetailsDialog,
    ReapplyRulesDialog,
    RuleFromLineDialog,
    SplitDialog,
    coded_losses,
)
from desktop.ui.help_overlay import key_text
from desktop.ui.models import ArticleIdRole
from desktop.ui.sentence_view import scaled_font

_Result = TypeVar("_Result", CurationResult, RulesReport)

STYLE = f"""
#articleView {{ background: {palette.PANEL}; }}
QToolButton#curationButton {{
    background: {palette.WHITE}; color: {palette.TEXT}; border: 1px solid {palette.BORDER};
    border-radius: 5px;
    padding: 4px 9px;
}}
QToolButton#curationButton:hover {{
    border: 1px solid {palette.TEAL}; background: {palette.TEAL_HOVER};
}}
QToolButton#curationButton:pressed {{ background: {palette.SELECTION}; }}
QToolButton#curationButton:disabled {{
    color: {palette.CLUTTER}; background: {palette.DISABLED_BACKGROUND};
    border: 1px solid {palette.GRID};
}}
QLabel#excludedBanner {{
    background: {palette.WARNING_BACKGROUND}; color: {palette.WARNING_TEXT}; border-radius: 4px;
    padding: 4px 8px;
}}
QLabel#curationNotice {{ color: {palette.TEAL}; }}
QLabel#selectionDetail {{ color: {palette.DETAIL}; }}
QLabel#legend {{ color: {palette.LEGEND}; }}
QTextBrowser#articleText {{ background: {palette.WHITE}; border: none; }}
"""


# -- the commands and their keys: one table for buttons, menu, shortcuts and tooltips ------


class Command(Enum):
    TOGGLE_PARAGRAPH = "toggle_paragraph"
    TOGGLE_UNIT = "toggle_unit"
    MERGE_NEXT = "merge_next"
    SPLIT = "split"
    RULE_FROM_LINE = "rule_from_line"
    REAPPLY_RULES = "reapply_rules"
    EDIT_ARTICLE = "edit_article"
    TOGGLE_ARTICLE = "toggle_article"


@dataclass(frozen=True)
class CommandSpec:
    command: Command
    keys: tuple[str, ...]
    label: str
    tip: str
    other_label: str = ""  # the label when the selection is already excluded


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        Command.TOGGLE_PARAGRAPH,
        ("Ctrl+E",),
        "Exclude paragraph",
        "Switch the selected sentence's paragraph (one line) between coded and excluded",
        "Include paragraph",
    ),
    CommandSpec(
        Command.TOGGLE_UNIT,
        ("Ctrl+Shift+E",),
        "Exclude sentence",
        "Switch the selected sentence alone between coded and excluded",
        "Include sentence",
    ),
    CommandSpec(
        Command.MERGE_NEXT,
        ("Ctrl+M",),
        "Merge with next",
        "Join the selected sentence and the one after it into one sentence",
    ),
    CommandSpec(
        Command.SPLIT,
        ("Ctrl+T",),
        "Split…",
        "Split the selected sentence in two at a position you choose (both parts shown first)",
    ),
    CommandSpec(
        Command.RULE_FROM_LINE,
        ("Ctrl+L",),
        "Exclude lines like this…",
        "Add a clutter rule made from the selected line and exclude every line like it, in "
        "every article, after a preview",
    ),
    CommandSpec(
        Command.REAPPLY_RULES,
        ("Ctrl+Shift+R",),
        "Re-apply rules…",
        "Run the project's clutter rules over every article again, after a preview",
    ),
    CommandSpec(
        Command.EDIT_ARTICLE,
        ("F2",),
        "Edit details…",
        "Edit the article's title, source, author, date and URL",
    ),
    CommandSpec(
        Command.TOGGLE_ARTICLE,
        ("Ctrl+Shift+X",),
        "Exclude article",
        "Take the whole article out of coding, or bring it back (labels are kept)",
        "Include article",
    ),
)
SPEC = {spec.command: spec for spec in COMMANDS}


def shortcut_text(keys: Sequence[str]) -> str:
    return ", ".join(key_text(k) for k in keys)


# -- the list of articles ------------------------------------------------------------------


def describe_result(result: CurationResult) -> str:
    """One line for the notice under the text after a step."""
    if not result.changed:
        return "Nothing needed changing."
    n = len(result.units)
    texts = {
        CurationAction.EXCLUDE_UNITS: f"Excluded {n} sentence{'s' * (n != 1)}.",
        CurationAction.INCLUDE_UNITS: f"Included {n} sentence{'s' * (n != 1)}.",
        CurationAction.MERGE_UNITS: (
            f"Merged {', '.join(result.retired_units)} into {', '.join(result.units)}."
        ),
        CurationAction.SPLIT_UNIT: (
            f"Split {', '.join(result.units)}; the second part is {', '.join(result.new_units)}."
        ),
        CurationAction.EDIT_ARTICLE: "Saved the article's details.",
        CurationAction.EXCLUDE_ARTICLE: "Excluded the article from coding.",
        CurationAction.INCLUDE_ARTICLE: "Included the article in coding again.",
        CurationAction.ADD_RULE: "Added the clutter rule.",
        CurationAction.REAPPLY_RULES: (
            f"Re-applied the clutter rules: {n} sentence{'s' * (n != 1)} changed."
        ),
    }
    text = texts.get(result.action, "Done.")
    coders = sorted({coder for _unit, coder in result.needs_recoding})
    if coders:
        text += f" {', '.join(coders)} will code it again; their labels are kept."
    return text


class ArticleView(QWidget):
    """Articles on the left; the chosen article's text in the centre with the curation
    steps above it. Uses the caller's connection on the UI thread.

    Attributes
    ----------
    confirm
        ``confirm(question, consequence) -> bool``: asked when a step would change coded
        sentences (a message box naming the coders by default; tests replace it).
    changed
        Signal carrying the :class:`~desktop.core.curation.CurationResult` of each step
        that changed something, for the other views of the project to refresh from.
    """

    changed = Signal(object)

    def __init__(self, db: Database, who: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.who = who
        self.confirm: Callable[[ConfirmationRequired, str], bool] = self._ask
        self.shown: ArticleLayout | None = None
        self._article_id: str | None = None
        self._selected: str | None = None
        self._selected_start = 0
        self._build()
        if self.articles.rowCount():
            self.show_article(self.articles.article_id(0))
        else:
            self.text.show_message("No articles yet. Import some first (File › Import articles…).")
            self._update_actions()

    # -- building -------------------------------------------------------------------------

    def _build(self) -> None:
        self.setObjectName("articleView")
        self.setWindowTitle("Curate articles — Stance Coder")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        em = self.fontMetrics().averageCharWidth()

        self.actions_by: dict[Command, QAction] = {}
        handlers: dict[Command, Callable[[], None]] = {
            Command.TOGGLE_PARAGRAPH: self.toggle_paragraph,
            Command.TOGGLE_UNIT: self.toggle_unit,
            Command.MERGE_NEXT: self.merge_with_next,
            Command.SPLIT: self.split_unit,
            Command.RULE_FROM_LINE: self.exclude_lines_like_this,
            Command.REAPPLY_RULES: self.reapply_rules,
            Command.EDIT_ARTICLE: self.edit_article,
            Command.TOGGLE_ARTICLE: self.toggle_article,
        }
        for spec in COMMANDS:
            action = QAction(spec.label, self)
            action.setShortcuts(
                [
                    QKeySequence.fromString(k, QKeySequence.SequenceFormat.PortableText)
                    for k in spec.keys
                ]
            )
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(f"{spec.tip}  ({shortcut_text(spec.keys)})")
            action.triggered.connect(lambda _=False, handler=handlers[spec.command]: handler())
            self.addAction(action)
            self.actions_by[spec.command] = action

        # Left: the articles.
        self.articles = CurationArticleModel(self.db, self)
        self.table = QTableView()
        self.table.setObjectName("articleList")
        self.table.setModel(self.articles)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().hide()
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 14)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(CurationArticleModel.TITLE, QHeaderView.ResizeMode.Stretch)
        for column in (
            CurationArticleModel.SOURCE,
            CurationArticleModel.DATE,
            CurationArticleModel.TO_CODE,
            CurationArticleModel.EXCLUDED,
        ):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_article_changed)
        self.article_count = QLabel()
        self.article_count.setObjectName("unitCount")
        sidebar = QWidget()
        sidebar.setObjectName("sidebar")
        sidebar_layout = QVBoxLayout(sidebar)
        sidebar_layout.setContentsMargins(10, 10, 6, 8)
        sidebar_layout.setSpacing(6)
        title = QLabel("Articles")
        title.setObjectName("sectionTitle")
        sidebar_layout.addWidget(title)
        sidebar_layout.addWidget(self.table, 1)
        sidebar_layout.addWidget(self.article_count)

        # Centre: the article's header, the steps, the text, what is selected.
        self.title = QLabel()
        self.title.setObjectName("articleTitle")
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setFont(scaled_font(1.2, bold=True))
        self.meta = QLabel()
        self.meta.setObjectName("articleMeta")
        self.meta.setWordWrap(True)
        self.meta.setTextFormat(Qt.TextFormat.PlainText)
        self.banner = QLabel(
            "Excluded: no sentence of this article is coded, and its labels are kept."
        )
        self.banner.setObjectName("excludedBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        heading = QVBoxLayout()
        heading.setSpacing(2)
        heading.addWidget(self.title)
        heading.addWidget(self.meta)
        heading.addWidget(self.banner)
        header_row = QHBoxLayout()
        header_row.addLayout(heading, 1)
        header_row.addSpacing(12)
        for command in (Command.EDIT_ARTICLE, Command.TOGGLE_ARTICLE, Command.REAPPLY_RULES):
            header_row.addWidget(self._button(command), 0, Qt.AlignmentFlag.AlignTop)

        steps_row = QHBoxLayout()
        steps_row.setSpacing(6)
        for command in (
            Command.TOGGLE_PARAGRAPH,
            Command.TOGGLE_UNIT,
            Command.MERGE_NEXT,
            Command.SPLIT,
            Command.RULE_FROM_LINE,
        ):
            steps_row.addWidget(self._button(command))
        steps_row.addStretch(1)

        self.text = ArticleText()
        self.text.unit_clicked.connect(self._on_unit_clicked)
        self.text.step_requested.connect(self._on_step_requested)
        self.text.menu_requested.connect(self._on_menu_requested)

        rule = QFrame()
        rule.setObjectName("rule")
        rule.setFrameShape(QFrame.Shape.HLine)
        self.detail = QLabel()
        self.detail.setObjectName("selectionDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.notice = QLabel()
        self.notice.setObjectName("curationNotice")
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        legend = QLabel(
            f"{CODED_MARK} has labels    {RECODE_MARK} to be coded again    "
            f"{KEPT_MARK} labels kept from a merge or split    grey italic: excluded"
        )
        legend.setObjectName("legend")
        legend.setWordWrap(True)

        self.centre = QFrame()
        self.centre.setObjectName("centre")
        centre_layout = QVBoxLayout(self.centre)
        centre_layout.setContentsMargins(22, 14, 22, 10)
        centre_layout.setSpacing(6)
        centre_layout.addLayout(header_row)
        centre_layout.addSpacing(4)
        centre_layout.addLayout(steps_row)
        centre_layout.addWidget(self.text, 1)
        centre_layout.addWidget(rule)
        centre_layout.addWidget(self.detail)
        centre_layout.addWidget(self.notice)
        centre_layout.addWidget(legend)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(sidebar)
        self.splitter.addWidget(self.centre)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        sidebar.setMinimumWidth(22 * em)
        self.centre.setMinimumWidth(60 * em)
        self.splitter.setSizes([46 * em, 120 * em])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self._show_columns()

    def _button(self, command: Command) -> QToolButton:
        button = QToolButton()
        button.setObjectName("curationButton")
        button.setDefaultAction(self.actions_by[command])
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        # The text keeps the keyboard focus, so that arrows and shortcuts keep working.
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        return button

    def _show_columns(self) -> None:
        for column in (CurationArticleModel.SOURCE, CurationArticleModel.DATE):
            self.table.setColumnHidden(column, not self.articles.has_values(column))
        total = self.articles.rowCount()
        excluded = self.articles.excluded_count()
        self.article_count.setText(
            f"{total} article{'s' * (total != 1)}" + (f" · {excluded} excluded" if excluded else "")
        )

    # -- what is shown ----------------------------------------------------------------------

    @property
    def article_id(self) -> str | None:
        return self._article_id

    @property
    def selected_unit(self) -> LayoutUnit | None:
        if self.shown is None or self._selected is None:
            return None
        return next((u for u in self.shown.units if u.id == self._selected), None)

    @property
    def selected_paragraph(self) -> LayoutParagraph | None:
        unit = self.selected_unit
        if unit is None or self.shown is None:
            return None
        return next((p for p in self.shown.paragraphs if p.idx == unit.paragraph), None)

    def action(self, command: Command) -> QAction:
        return self.actions_by[command]

    def show_article(self, article_id: str) -> None:
        """Show an article (its first sentence to code selected)."""
        self._article_id = article_id
        self._selected = None
        self._selected_start = 0
        row = self.articles.row_of(article_id)
        if row is not None:
            # The table reports the new current row back; the slot sees it is shown already.
            self.table.selectRow(row)
        self._render(keep_scroll=False)

    def select_unit(self, unit_id: str) -> None:
        """Select a sentence of the shown article (as a click on it does)."""
        if self.shown is None or all(u.id != unit_id for u in self.shown.units):
            return
        self._selected = unit_id
        self._render(keep_scroll=True)
        self.text.ensure_visible(unit_id)

    def refresh(self) -> None:
        """Read the shown article's layout and the article list again (after any change)."""
        self.articles.refresh()
        self._show_columns()
        if self._article_id is not None:
            self._render(keep_scroll=True)

    def _render(self, *, keep_scroll: bool) -> None:
        try:
            self.shown = curation.article_layout(self.db, self._article_id)
        except (StanceError, sqlite3.Error) as error:
            self.shown = None
            dialogs.show_error(self, error)
            self.text.show_message("")
            self._update_actions()
            return
        units = self.shown.units
        if self._selected not in {u.id for u in units}:
            # Keep the place: the first sentence at or after the one selected before, else
            # (a freshly shown article) its first sentence to code.
            if self._selected is None:
                candidates = [u for u in units if not u.excluded] or units
            else:
                candidates = [u for u in units if u.start >= self._selected_start] or units[-1:]
            self._selected = candidates[0].id if candidates else None
        unit = self.selected_unit
        if unit is not None:
            self._selected_start = unit.start
        self.text.show_layout(self.shown, self._selected, keep_scroll=keep_scroll)
        article = self.shown.article
        self.title.setText(article.title or "(untitled article)")
        to_code = sum(1 for u in units if not u.excluded)
        facts = [article.source, article.author, article.date, article.url]
        counts = f"{to_code} sentences to code, {len(units) - to_code} excluded"
        self.meta.setText(
            " · ".join([*(f for f in facts if f), counts])
            if any(facts)
            else f"No source, author or date yet ({key_text('F2')} to add them) · {counts}"
        )
        self.banner.setVisible(article.excluded)
        self._update_actions()

    def _update_actions(self) -> None:
        unit, shown = self.selected_unit, self.shown
        paragraph = self.selected_paragraph
        order = [u.id for u in shown.units] if shown else []
        has_next = unit is not None and order.index(unit.id) + 1 < len(order)
        paragraph_excluded = paragraph is not None and all(u.excluded for u in paragraph.units)
        states = {
            Command.TOGGLE_PARAGRAPH: (paragraph is not None, paragraph_excluded),
            Command.TOGGLE_UNIT: (unit is not None, unit is not None and unit.excluded),
            Command.MERGE_NEXT: (has_next, False),
            Command.SPLIT: (unit is not None and len(unit.text.split()) > 1, False),
            Command.RULE_FROM_LINE: (paragraph is not None, False),
            Command.REAPPLY_RULES: (self.articles.rowCount() > 0, False),
            Command.EDIT_ARTICLE: (shown is not None, False),
            Command.TOGGLE_ARTICLE: (
                shown is not None,
                shown is not None and shown.article.excluded,
            ),
        }
        for command, (enabled, other) in states.items():
            spec, action = SPEC[command], self.actions_by[command]
            label = spec.other_label if other and spec.other_label else spec.label
            action.setText(label)
            action.setIconText(label)  # buttons keep the "…" of steps that open a dialog
            tip = spec.tip if not other else f"{label}: bring it back into coding"
            action.setToolTip(f"{tip}  ({shortcut_text(spec.keys)})")
            action.setEnabled(enabled)
        self.detail.setText(self._describe_selection())

    def _describe_selection(self) -> str:
        unit = self.selected_unit
        if unit is None:
            return "Click a sentence to select it."
        parts = [f"Sentence {unit.id}", f"paragraph {unit.paragraph}, sentence {unit.sentence + 1}"]
        parts.append(f"excluded ({unit.excluded_by})" if unit.excluded else "to be coded")
        if unit.coded_by:
            parts.append(
                "labels by " + ", ".join(f"{c} ({n})" for c, n in sorted(unit.coded_by.items()))
            )
        if unit.needs_recoding:
            parts.append(f"to be coded again by {', '.join(unit.needs_recoding)}")
        if unit.kept_labels:
            parts.append(f"{unit.kept_labels} kept label{'s' * (unit.kept_labels != 1)}")
        if unit.manual:
            parts.append("decided by hand")
        return " · ".join(parts)

    def context_menu(self) -> QMenu:
        """The menu a right click on the text opens (the same actions as the buttons)."""
        menu = QMenu(self)
        for group in (
            (Command.TOGGLE_PARAGRAPH, Command.TOGGLE_UNIT),
            (Command.MERGE_NEXT, Command.SPLIT),
            (Command.RULE_FROM_LINE, Command.REAPPLY_RULES),
            (Command.EDIT_ARTICLE, Command.TOGGLE_ARTICLE),
        ):
            if menu.actions():
                menu.addSeparator()
            menu.addActions([self.actions_by[c] for c in group])
        return menu

    # -- slots ----------------------------------------------------------------------------

    def _on_current_article_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and current.data(ArticleIdRole) != self._article_id:
            self.show_article(current.data(ArticleIdRole))

    def _on_unit_clicked(self, unit_id: str) -> None:
        if unit_id != self._selected:
            self.select_unit(unit_id)

    def _on_step_requested(self, step: int) -> None:
        if self.shown is None or not self.shown.units:
            return
        order = [u.id for u in self.shown.units]
        row = order.index(self._selected) if self._selected in order else -step
        self.select_unit(order[max(0, min(len(order) - 1, row + step))])

    def _on_menu_requested(self, where: QPoint) -> None:
        menu = self.context_menu()
        menu.exec(where)
        menu.deleteLater()

    # -- the steps --------------------------------------------------------------------------

    def _ask(self, question: ConfirmationRequired, consequence: str) -> bool:
        return curation_dialogs.confirm_coded_change(self, question, consequence)

    def _run(
        self,
        step: Callable[[bool], _Result],
        consequence: str = EXCLUDING,
        *,
        confirmed: bool = False,
    ) -> _Result | None:
        """Run one core step; if coded sentences would change, ask and run it again with
        ``confirm=True``. Errors become one-line message boxes. Always redraws."""
        try:
            try:
                outcome = step(confirmed)
            except ConfirmationRequired as question:
                if confirmed or not self.confirm(question, consequence):
                    self.notice.setText("Nothing changed.")
                    return None
                outcome = step(True)
        except (StanceError, sqlite3.Error) as error:
            dialogs.show_error(self, error)
            return None
        finally:
            self.refresh()
        result = outcome.result if isinstance(outcome, RulesReport) else outcome
        if result is not None:
            self.notice.setText(describe_result(result))
            if result.changed:
                self.changed.emit(result)
        return outcome

    def toggle_paragraph(self) -> None:
        """Exclude the selected sentence's paragraph, or include it if all of it is."""
        paragraph, article_id = self.selected_paragraph, self._article_id
        if paragraph is None or article_id is None:
            return
        self._run(
            lambda confirm: curation.toggle_paragraph(
                self.db, article_id, paragraph.idx, who=self.who, confirm=confirm
            )
        )

    def toggle_unit(self) -> None:
        """Exclude the selected sentence alone, or include it again."""
        unit = self.selected_unit
        if unit is None:
            return
        if unit.excluded:
            self._run(lambda _confirm: curation.include_units(self.db, [unit.id], who=self.who))
        else:
            self._run(
                lambda confirm: curation.exclude_units(
                    self.db, [unit.id], who=self.who, confirm=confirm
                )
            )

    def merge_with_next(self) -> None:
        """Merge the selected sentence with the one after it in the article."""
        unit, shown = self.selected_unit, self.shown
        if unit is None or shown is None:
            return
        order = [u.id for u in shown.units]
        index = order.index(unit.id)
        if index + 1 >= len(order):
            return
        following = order[index + 1]
        self._run(
            lambda confirm: curation.merge_units(
                self.db, unit.id, following, who=self.who, confirm=confirm
            ),
            CHANGING_TEXT,
        )

    def split_unit(self) -> None:
        """Ask where to split the selected sentence (both parts previewed), then split."""
        unit = self.selected_unit
        if unit is None:
            return
        dialog = SplitDialog(unit.id, unit.text, self)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.parts() is None:
            return
        at = dialog.at
        self._run(
            lambda confirm: curation.split_unit(
                self.db, unit.id, at, who=self.who, confirm=confirm
            ),
            CHANGING_TEXT,
        )

    def edit_article(self) -> None:
        """Edit the shown article's title, source, author, date and URL."""
        if self.shown is None:
            return
        article_id = self.shown.article.id
        dialog = ArticleDetailsDialog(self.shown.article, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        values = dialog.values()
        self._run(
            lambda _confirm: curation.edit_article(self.db, article_id, who=self.who, **values)
        )

    def toggle_article(self) -> None:
        """Exclude the whole shown article, or include it again."""
        if self.shown is None:
            return
        article = self.shown.article
        if article.excluded:
            self._run(lambda _confirm: curation.include_article(self.db, article.id, who=self.who))
        else:
            self._run(
                lambda confirm: curation.exclude_article(
                    self.db, article.id, who=self.who, confirm=confirm
                )
            )

    def exclude_lines_like_this(self) -> None:
        """A clutter rule from the selected line: name it, see what it changes in every
        article, and only on "Add rule and apply" add it and re-apply the rules."""
        paragraph = self.selected_paragraph
        if paragraph is None:
            return
        dialog = RuleFromLineDialog(self.db, paragraph.text, self)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.report is None:
            return
        line, name = dialog.line.text(), dialog.rule_name
        digits = dialog.generalise_digits
        losing = coded_losses(dialog.report.changes)
        if losing and not self.confirm(ConfirmationRequired("the new rule", losing), EXCLUDING):
            self.notice.setText("Nothing changed.")
            return
        added = self._run(
            lambda _confirm: curation.add_rule_from_line(
                self.db, line, name, generalise_digits=digits, who=self.who
            )
        )
        if added is None:
            return
        self._run(
            lambda confirm: curation.reapply_rules(self.db, confirm=confirm, who=self.who),
            confirmed=bool(losing),
        )

    def reapply_rules(self) -> None:
        """Show what re-applying the project's rules would change; apply on "Apply"."""
        dialog = ReapplyRulesDialog(self.db, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self._run(lambda confirm: curation.reapply_rules(self.db, confirm=confirm, who=self.who))
