"""The lead's adjudication view: where coders disagree, side by side, and the gold value.

Left, the disagreements (one row per unit and dimension, from
:func:`desktop.core.team.list_disagreements`); in the centre, the sentence in its
paragraph as the coding window shows it, then one card per coder with the value, the
unsure flag and the note, and any labels kept from before a curation step; on the right,
the categories of the row's dimension with the scheme's keys, the rationale and the gold
value decided so far.

The keys are the coding window's: the scheme's category keys (only those of the row's
dimension decide; the others say whose they are) and the named actions of
:data:`desktop.core.keys.KEY_TABLE` that make sense here (:data:`ADJUDICATION_ACTIONS`).
A key sets the gold value, shows it for a moment and moves on to the next undecided row;
while it shows, further category keys are ignored, so a double press never decides two
rows. Typing in the rationale field never triggers a key.

The queue, the current row, its phase and every decision are the Qt-free
:class:`~desktop.core.adjudication.AdjudicationSession`'s; this view turns keys and clicks
into its calls and redraws from the :class:`~desktop.core.adjudication.AdjudicationUpdate`
each returns. It writes through the caller's connection on the UI thread: every write is
one gold row (:func:`~desktop.core.team.set_gold`) or one short transaction
(:func:`~desktop.core.team.accept_agreed`).
"""

from __future__ import annotations

import html
import sqlite3
from collections.abc import Callable, Sequence

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QSignalBlocker,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QCloseEvent, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.core import store
from desktop.core.adjudication import (
    AdjudicationSession,
    AdjudicationUpdate,
    Phase,
    Shown,
    describe_accept,
)
from desktop.core.curation import KeptLabel
from desktop.core.errors import StanceError
from desktop.core.keys import KEY_TABLE, Action
from desktop.core.scheme import Dimension
from desktop.core.store import coding_queries
from desktop.core.store.db import project_path
from desktop.core.team import AcceptSummary, CodedUnit, GoldChange, GoldMethod
from desktop.ui import dialogs, palette, settings, team_dialogs
from desktop.ui.actions import KeyActions
from desktop.ui.adjudication_parts import (
    VIEW_STYLE,
    CoderCard,
    DisagreementTableModel,
    muted_label,
    section_label,
    when_text,
)
from desktop.ui.agreement_models import value_text
from desktop.ui.coding_panel import CategoryButton
from desktop.ui.help_overlay import key_text
from desktop.ui.sentence_view import SentenceView, scaled_font

SENTENCE_ZOOM = -3  # the sentence a little smaller than in the coding window: more fits

# The named actions of the key table that work here, with what they do here. Every
# other entry of the table is disabled in this window (its key does nothing).
ADJUDICATION_ACTIONS: dict[Action, str] = {
    Action.CONFIRM: "Next undecided row",
    Action.NEXT_UNCODED: "Next undecided row",
    Action.NEXT: "Next row",
    Action.PREVIOUS: "Previous row",
    Action.FOCUS_NOTE: "Write the rationale",
    Action.ZOOM_IN: "Larger text",
    Action.ZOOM_OUT: "Smaller text",
    Action.SHOW_ARTICLE: "View the whole article",
    Action.UNDO: "Undo the last decision",
}


class AdjudicationView(QWidget):
    """Every disagreement, each coder's value side by side, and the lead's gold value.

    Parameters
    ----------
    db
        The project's connection (the caller's, used on the UI thread).
    adjudicator
        Who decides: stored with every gold value. Blind coding: the lead, or anyone
        once the lead has unlocked comparison (else :class:`UsageError`).
    parent
        The view is a window of its own (like the agreement view), kept with ``parent``.
    """

    gold_changed = Signal(object)  # GoldChange
    accepted = Signal(object)  # AcceptSummary

    def __init__(self, db: store.Database, adjudicator: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window)
        self.setObjectName("adjudicationView")
        self.db = db
        self.adjudicator = adjudicator
        self.session = AdjudicationSession(db, adjudicator)
        self.scheme = self.session.scheme
        path = project_path(db)
        stem = f" — {path.stem}" if path else ""
        self.setWindowTitle(f"Adjudication{stem} — Stance Coder")
        self.setStyleSheet(VIEW_STYLE)
        self._token = 0  # the pending end of a transition; a later draw cancels it
        self._build()
        self._watching_focus = False
        self._fitted = False
        self.reload()

    # -- building -----------------------------------------------------------------------

    def _build(self) -> None:
        self._build_keys()
        self.accept_unanimous = QPushButton("Accept unanimous…")
        self.accept_unanimous.setToolTip(
            "Make the value every coder chose the gold value, where none is decided yet"
        )
        self.accept_unanimous.clicked.connect(lambda: self.accept_agreed(GoldMethod.UNANIMOUS))
        self.accept_majority = QPushButton("Accept majority…")
        self.accept_majority.setToolTip(
            "As unanimous, and also where more than half of the coders chose one value"
        )
        self.accept_majority.clicked.connect(lambda: self.accept_agreed(GoldMethod.MAJORITY))
        for button in (self.accept_unanimous, self.accept_majority):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        title = QLabel("Adjudication")
        title.setFont(scaled_font(1.2, bold=True))
        who = muted_label(f"Adjudicator: {self.adjudicator}")
        who.setWordWrap(False)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("acceptSummary")
        self.summary_label.setWordWrap(True)
        toolbar = QHBoxLayout()
        toolbar.setSpacing(10)
        toolbar.addWidget(title)
        toolbar.addWidget(who)
        toolbar.addWidget(self.summary_label, 1)
        toolbar.addWidget(self.accept_unanimous)
        toolbar.addWidget(self.accept_majority)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self._build_list())
        self.splitter.addWidget(self._build_centre())
        self.gold_panel = self._build_gold_panel()
        self.splitter.addWidget(self.gold_panel)
        for pane, stretch in enumerate((0, 1, 0)):
            self.splitter.setStretchFactor(pane, stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        self.keys_hint = muted_label(self._keys_hint())
        self.keys_hint.setTextFormat(Qt.TextFormat.RichText)
        self.keys_hint.setWordWrap(True)  # all of the legend on a narrow window
        layout.addLayout(toolbar)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.keys_hint)
        self.resize(1024, 700)

    def _build_keys(self) -> None:
        self.keys = KeyActions(self, self.scheme)
        self._handlers: dict[Action, Callable[[], None]] = {
            Action.CONFIRM: self.next_undecided,
            Action.NEXT_UNCODED: self.next_undecided,
            Action.NEXT: lambda: self.move(+1),
            Action.PREVIOUS: lambda: self.move(-1),
            Action.FOCUS_NOTE: self.focus_rationale,
            Action.ZOOM_IN: lambda: self._zoom(+1),
            Action.ZOOM_OUT: lambda: self._zoom(-1),
            Action.SHOW_ARTICLE: self._toggle_article,
            Action.UNDO: self.undo,
        }
        for action, qaction in self.keys.by_action.items():
            qaction.setEnabled(action in self._handlers)
            if action in ADJUDICATION_ACTIONS:
                qaction.setText(ADJUDICATION_ACTIONS[action])
        self.keys.action_triggered.connect(self._on_action_triggered)
        self.keys.category_triggered.connect(self._on_category_chosen)

    def _build_list(self) -> QWidget:
        self.shown_combo = QComboBox()
        for shown in Shown:
            self.shown_combo.addItem(shown.label, shown)
        self.dimension_combo = QComboBox()
        self.dimension_combo.addItem("All dimensions", None)
        for dimension in self.scheme.dimensions:
            self.dimension_combo.addItem(dimension.label, dimension.id)
        for combo in (self.shown_combo, self.dimension_combo):
            combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(12)
            combo.currentIndexChanged.connect(self._on_filter_changed)
        self.count_label = muted_label()
        self.model = DisagreementTableModel(self.scheme, self)
        self.table = view = QTableView()
        view.setObjectName("disagreementList")
        view.setModel(self.model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setAlternatingRowColors(True)
        view.setWordWrap(False)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        view.verticalHeader().hide()
        view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = view.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        metrics = view.fontMetrics()
        longest_label = max(
            (f"{c.key}  {c.label}" for d in self.scheme.dimensions for c in d.categories),
            key=metrics.horizontalAdvance,
        )
        widths = {
            DisagreementTableModel.UNIT: metrics.averageCharWidth() * 10,
            DisagreementTableModel.DIMENSION: metrics.horizontalAdvance("Dimension") + 16,
            DisagreementTableModel.GOLD: min(
                metrics.horizontalAdvance(longest_label) + 16, metrics.averageCharWidth() * 10
            ),
        }
        for column, width in widths.items():
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            view.setColumnWidth(column, width)
        header.setSectionResizeMode(DisagreementTableModel.VALUES, QHeaderView.ResizeMode.Stretch)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        view.selectionModel().currentRowChanged.connect(self._on_current_row_changed)

        filters = QHBoxLayout()
        filters.setSpacing(6)
        filters.addWidget(self.shown_combo, 1)
        filters.addWidget(self.dimension_combo, 1)
        pane = QWidget()
        pane.setObjectName("sidebar")
        layout = QVBoxLayout(pane)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(6)
        layout.addLayout(filters)
        layout.addWidget(self.count_label)
        layout.addWidget(view, 1)
        return pane

    def _build_centre(self) -> QWidget:
        self.sentence_view = SentenceView()
        self.sentence_view.set_zoom(SENTENCE_ZOOM)
        self.question_label = QLabel()
        self.question_label.setWordWrap(True)
        self.cards_box = QWidget()
        self.cards_layout = QHBoxLayout(self.cards_box)
        self.cards_layout.setContentsMargins(0, 0, 0, 0)
        self.cards_layout.setSpacing(8)
        self.cards: dict[str, CoderCard] = {}
        self.kept_title = section_label("Kept from before curation")
        self.kept_label = QLabel()
        self.kept_label.setWordWrap(True)
        self.kept_label.setTextFormat(Qt.TextFormat.RichText)
        compare = QWidget()
        compare_layout = QVBoxLayout(compare)
        compare_layout.setContentsMargins(0, 0, 0, 0)
        compare_layout.setSpacing(6)
        compare_layout.addWidget(self.question_label)
        compare_layout.addWidget(self.cards_box)
        compare_layout.addWidget(self.kept_title)
        compare_layout.addWidget(self.kept_label)
        compare_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(compare)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        compare.setObjectName("centre")
        rule = QFrame()
        rule.setObjectName("rule")
        rule.setFrameShape(QFrame.Shape.HLine)
        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.setSpacing(6)
        content_layout.addWidget(self.sentence_view, 5)
        content_layout.addWidget(rule)
        content_layout.addWidget(section_label("Coders"))
        content_layout.addWidget(scroll, 4)
        self.empty_label = muted_label()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.centre_stack = QStackedWidget()
        self.centre_stack.addWidget(self.empty_label)
        self.centre_stack.addWidget(content)
        centre = QFrame()
        centre.setObjectName("centre")
        layout = QVBoxLayout(centre)
        layout.setContentsMargins(20, 14, 20, 12)
        layout.addWidget(self.centre_stack)
        return centre

    def _build_gold_panel(self) -> QWidget:
        self.dimension_title = QLabel()
        self.dimension_title.setObjectName("dimensionTitle")
        self.dimension_title.setFont(scaled_font(1.05, bold=True))
        self.dimension_title.setWordWrap(True)
        self.gold_pages = QStackedWidget()
        self.gold_buttons: dict[tuple[str, str], CategoryButton] = {}
        self._page_of: dict[str, QWidget] = {}
        for dimension in self.scheme.dimensions:
            page = QWidget()
            page_layout = QVBoxLayout(page)
            page_layout.setContentsMargins(0, 0, 0, 0)
            page_layout.setSpacing(4)
            for category in dimension.categories:
                button = CategoryButton(dimension.id, category.code, category.key, category.label)
                button.clicked.connect(
                    lambda _=False, d=dimension.id, c=category.code: self._on_category_chosen(d, c)
                )
                self.gold_buttons[(dimension.id, category.code)] = button
                page_layout.addWidget(button)
            page_layout.addStretch(1)
            self.gold_pages.addWidget(page)
            self._page_of[dimension.id] = page
        self.withdraw_button = QPushButton("Withdraw gold")
        self.withdraw_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.withdraw_button.setToolTip("Remove the gold value of this unit and dimension")
        self.withdraw_button.clicked.connect(self._on_withdraw_clicked)
        self.rationale = QLineEdit()
        self.rationale.setObjectName("rationaleEdit")
        self.rationale.setPlaceholderText("Why this value (Enter keeps it)")
        self.rationale.setClearButtonEnabled(True)
        self.rationale.textEdited.connect(self._on_rationale_changed)
        self.rationale.returnPressed.connect(self._on_rationale_done)
        self.rationale.installEventFilter(self)
        self.gold_state = QLabel()
        self.gold_state.setObjectName("goldState")
        self.gold_state.setWordWrap(True)
        self.gold_state.setTextFormat(Qt.TextFormat.RichText)
        self.gold_state.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

        body = QWidget()
        body.setObjectName("goldPanel")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(12, 0, 12, 8)
        layout.setSpacing(6)
        layout.addWidget(section_label("Gold value"))
        layout.addWidget(self.dimension_title)
        layout.addWidget(self.gold_pages)
        layout.addWidget(muted_label("Rationale   ( / )"))
        layout.addWidget(self.rationale)
        layout.addWidget(self.gold_state)
        layout.addWidget(self.withdraw_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("goldPanel")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        return scroll

    def _keys_hint(self) -> str:
        """The keys of this window, from the key table (as the coding window's help)."""
        rows = [
            ("Keys:  a category key", "sets the gold value and goes on"),
            *(
                (" ".join(key_text(k) for k in b.keys), ADJUDICATION_ACTIONS[b.action])
                for b in KEY_TABLE
                if b.action in ADJUDICATION_ACTIONS
            ),
        ]
        return "&nbsp;&nbsp;·&nbsp;&nbsp;".join(
            f'<b><span style="color:{palette.TEAL};">{html.escape(keys)}</span></b>&nbsp;'
            f"{html.escape(label.lower() if i else label)}"
            for i, (keys, label) in enumerate(rows)
        )

    # -- loading and showing --------------------------------------------------------------

    @property
    def phase(self) -> Phase:
        return self.session.phase

    @property
    def shown(self) -> Shown:
        return self.shown_combo.currentData()

    @property
    def dimension_filter(self) -> str | None:
        return self.dimension_combo.currentData()

    def current_unit(self) -> CodedUnit | None:
        return self.session.current_unit()

    def reload(self) -> None:
        """Read the disagreements again, keeping the current row when it is still listed."""
        self._apply(self.session.reload())

    def select_row(self, row: int) -> None:
        """Make ``row`` current and show it (again, if it already was)."""
        self._apply(self.session.go_to(row))

    def _apply(self, update: AdjudicationUpdate) -> None:
        """Redraw from what the session says changed."""
        if update.relisted:
            self.model.set_rows(self.session.rows)
        for change in update.changes:
            row = self.session.row_of(change.unit_id, change.dimension)
            if row is not None:
                self.model.set_gold(row, self.session.rows[row].gold)
        if update.relisted or update.changes:
            self.count_label.setText(self.session.count_text())
        if update.message:
            self.summary_label.setText(update.message)
        if update.moved:
            self._select(self.session.current)
        elif update.changes and self.session.current_unit() is not None:
            unit = self.session.current_unit()
            self._show_gold(unit, self.scheme.dimension(unit.dimension))
        if update.changes:
            self.gold_changed.emit(update.changes[-1])
        if update.transition:
            self._token += 1
            token = self._token
            QTimer.singleShot(
                settings.get(settings.TRANSITION_MS), lambda: self._on_transition_due(token)
            )

    def _select(self, row: int | None) -> None:
        """The list's current row follows the session's; the centre shows it."""
        if row is None:
            self._show_row(None)
            return
        index = self.model.index(row, 0)
        same = self.table.currentIndex().row() == row
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)
        if same:  # no currentRowChanged: show it here
            self._show_row(row)

    def _show_row(self, row: int | None) -> None:
        self._token += 1  # a pending move from an earlier decision no longer applies
        if row is None:
            self.empty_label.setText(self.session.empty_text())
            self.centre_stack.setCurrentIndex(0)
            self.gold_pages.setEnabled(False)
            self.rationale.setEnabled(False)
            self.withdraw_button.setEnabled(False)
            self.dimension_title.setText("")
            self.gold_state.setText("")
            return
        unit = self.session.rows[row]
        self.centre_stack.setCurrentIndex(1)
        self.gold_pages.setEnabled(True)
        self.rationale.setEnabled(True)
        dimension = self.scheme.dimension(unit.dimension)
        self._show_sentence(unit)
        self.question_label.setText(
            f"<b>{html.escape(dimension.label)}</b> — {html.escape(dimension.question)}"
        )
        self._show_cards(unit)
        self._show_kept()
        self.dimension_title.setText(dimension.label)
        self.gold_pages.setCurrentWidget(self._page_of[dimension.id])
        self._show_gold(unit, dimension)

    def _show_sentence(self, unit: CodedUnit) -> None:
        shown = store.get_unit(self.db, unit.unit_id)
        article = store.get_article(self.db, unit.article_id)
        if self.sentence_view.article_mode:
            context = store.article_units(self.db, unit.article_id)
        else:
            context = coding_queries.context_units(self.db, unit.article_id, unit.paragraph)
        where = f"sentence {unit.seq:,} · unit {unit.unit_id}"
        self.sentence_view.show_unit(shown, article, context, where)

    def _show_cards(self, unit: CodedUnit) -> None:
        while self.cards_layout.count():
            widget = self.cards_layout.takeAt(0).widget()
            if widget is not None:
                widget.hide()  # at once: deletion waits for the event loop
                widget.deleteLater()
        self.cards = {}
        for value in unit.values:
            card = CoderCard(
                value.coder,
                value_text(self.scheme, unit.dimension, value.value),
                value.unsure,
                value.note,
            )
            self.cards[value.coder] = card
            self.cards_layout.addWidget(card, 1)

    def _show_kept(self) -> None:
        unit = self.session.current_unit()
        kept = self.session.kept()
        self.kept_title.setVisible(bool(kept))
        self.kept_label.setVisible(bool(kept))
        self.kept_label.setText(self._kept_html(unit.dimension, kept))

    def _kept_html(self, dimension: str, kept: Sequence[KeptLabel]) -> str:
        lines = []
        for k in kept:
            who = "gold" if k.kind == "gold" else k.coder
            text = k.from_text if len(k.from_text) <= 90 else k.from_text[:89] + "…"
            value = value_text(self.scheme, dimension, k.value)
            lines.append(
                f"<b>{html.escape(who)}</b>: {html.escape(value)}"
                f' <span style="color:{palette.MUTED};">on {html.escape(k.from_unit)} '
                f"(“{html.escape(text)}”), {html.escape(when_text(k.at))}</span>"
            )
        return "<br>".join(lines)

    def _show_gold(self, unit: CodedUnit, dimension: Dimension) -> None:
        chosen_by = self.session.chosen_by()
        for category in dimension.categories:
            button = self.gold_buttons[(dimension.id, category.code)]
            coders = chosen_by.get(category.code, [])
            chosen = f"Chosen by {', '.join(coders)}. " if coders else "Chosen by nobody. "
            button.setToolTip(f"Key {category.key}. {chosen}{category.definition}".strip())
            button.setProperty("coders", coders)
            with QSignalBlocker(button):
                button.setChecked(unit.gold == category.code)
        gold = self.session.gold()
        self.withdraw_button.setEnabled(gold is not None)
        if gold is None:
            self.gold_state.setText(
                f'<span style="color:{palette.MUTED};">No gold value yet. '
                "Press a key above (or click) "
                "to decide; the rationale is stored with it.</span>"
            )
        else:
            rationale = (
                f"<br>“{html.escape(gold['rationale'])}”"
                if gold["rationale"]
                else f'<br><span style="color:{palette.MUTED};">no rationale</span>'
            )
            self.gold_state.setText(
                f"<b>{html.escape(value_text(self.scheme, unit.dimension, gold['value']))}</b>"
                f'<br><span style="color:{palette.MUTED};">{html.escape(gold["method"])} by '
                f"{html.escape(gold['adjudicator'])}, {html.escape(when_text(gold['decided_at']))}"
                f"</span>{rationale}"
            )
        text = self.session.rationale()
        if self.rationale.text() != text:
            with QSignalBlocker(self.rationale):
                self.rationale.setText(text)
                self.rationale.setCursorPosition(0)

    # -- deciding -------------------------------------------------------------------------

    def _run(self, step: Callable[[], AdjudicationUpdate]) -> AdjudicationUpdate | None:
        """Apply one step of the session; an error is shown to the lead (nothing written)."""
        try:
            update = step()
        except (StanceError, sqlite3.Error) as error:
            dialogs.show_error(self, error)
            return None
        self._apply(update)
        return update

    def choose(self, dimension: str, code: str | None) -> GoldChange | None:
        """Set (None: withdraw) the shown row's gold value; then move to the next undecided.

        Returns the change, or None when nothing was written (no row shown, a decision
        still showing, a key of another dimension, or an error shown to the lead).
        """
        text = self.rationale.text()
        update = self._run(lambda: self.session.decide(dimension, code, text))
        return update.changes[0] if update and update.changes else None

    def _on_transition_due(self, token: int) -> None:
        if token == self._token:
            self._apply(self.session.finish_transition())

    def next_undecided(self) -> None:
        """Go to the next row without gold (wrapping round); say so when there is none."""
        self._apply(self.session.next_undecided())

    def move(self, step: int) -> None:
        self._apply(self.session.move(step))

    def undo(self) -> None:
        """Take back the last decision made in this window."""
        self._run(self.session.undo)

    def save_rationale(self) -> GoldChange | None:
        """Store the rationale field with the shown row's gold value, if it has one."""
        text = self.rationale.text()
        update = self._run(lambda: self.session.save_rationale(text))
        return update.changes[0] if update and update.changes else None

    def accept_agreed(self, rule: GoldMethod) -> AcceptSummary | None:
        """Ask with the counts, then accept unanimous (or majority) values as gold."""
        preview = self.session.preview_accept(rule)
        if not preview.accept:
            self.summary_label.setText(
                f"Nothing to accept by {rule.value}: {preview.already_decided:,} already "
                f"decided, {preview.left:,} to adjudicate."
            )
            return None
        what = "every coder chose" if rule is GoldMethod.UNANIMOUS else "most coders chose"
        text = (
            f"Make the value {what} the gold value of {preview.accept:,} "
            f"unit-dimension{'s' * (preview.accept != 1)}?\n\n"
            f"{preview.already_decided:,} already have a gold value and stay as they are; "
            f"{preview.left:,} are left for you to adjudicate. The gold values are stored "
            f"as decided by {self.adjudicator} ({rule.value})."
        )
        if not team_dialogs.ask_yes_no(
            self, f"Accept {rule.value} values", text, f"Accept {preview.accept:,}"
        ):
            return None
        try:
            summary = self.session.accept(rule)
        except (StanceError, sqlite3.Error) as error:
            dialogs.show_error(self, error)
            return None
        self._apply(AdjudicationUpdate(moved=True, relisted=True))
        self.summary_label.setText(describe_accept(summary))
        self.accepted.emit(summary)
        return summary

    # -- slots ----------------------------------------------------------------------------

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        if current.row() == self.session.current:
            self._show_row(current.row())
        else:  # a click in the list
            self._apply(self.session.go_to(current.row()))

    def _on_filter_changed(self, _index: int) -> None:
        self._apply(self.session.set_filter(self.shown, self.dimension_filter))

    def _on_action_triggered(self, action: Action) -> None:
        handler = self._handlers.get(action)
        if handler is not None:
            handler()

    def _on_category_chosen(self, dimension: str, code: str) -> None:
        self.choose(dimension, code)

    def _on_withdraw_clicked(self) -> None:
        unit = self.current_unit()
        if unit is not None:
            self.choose(unit.dimension, None)

    def _on_rationale_changed(self, text: str) -> None:
        self.session.set_draft(text)

    def _on_rationale_done(self) -> None:
        self.save_rationale()
        self._return_focus()

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        typing = new is self.rationale
        self.keys.set_typing(typing)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.rationale
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Escape
        ):
            self._return_focus()
            return True
        return super().eventFilter(watched, event)

    # -- small actions --------------------------------------------------------------------

    def focus_rationale(self) -> None:
        if self.current_unit() is not None:
            self.rationale.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.rationale.end(False)

    def _return_focus(self) -> None:
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _zoom(self, step: int) -> None:
        self.sentence_view.set_zoom(self.sentence_view.zoom + step)

    def _toggle_article(self) -> None:
        self.sentence_view.article_mode = not self.sentence_view.article_mode
        unit = self.current_unit()
        if unit is not None:
            self._show_sentence(unit)

    def _fit_panes(self) -> None:
        """The gold panel as wide as its longest category, the list as its columns need,
        the centre the rest (measured once polished, when the style sheet's padding counts).
        """
        self.ensurePolished()
        body = self.gold_panel.widget()
        body.ensurePolished()
        scrollbar = self.gold_panel.verticalScrollBar().sizeHint().width()
        # A chosen category is bold: leave room for the widest label in bold too.
        plain = self.fontMetrics()
        bold_font = self.font()
        bold_font.setBold(True)
        bold = QFontMetrics(bold_font)
        extra = max(
            bold.horizontalAdvance(b.text()) - plain.horizontalAdvance(b.text())
            for b in self.gold_buttons.values()
        )
        gold = body.minimumSizeHint().width() + scrollbar + extra
        self.gold_panel.setMinimumWidth(gold)
        values = self.table.fontMetrics().horizontalAdvance("ak 1 · bb 2? · cc") + 12
        columns = (0, 1, 3)
        listing = sum(self.table.columnWidth(c) for c in columns) + values + scrollbar + 4
        centre = max(self.splitter.width() - listing - gold, 1)
        self.splitter.setSizes([listing, centre, gold])

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._fitted:
            self._fitted = True
            self._fit_panes()
        if not self._watching_focus:
            self._watching_focus = True
            QApplication.instance().focusChanged.connect(self._on_focus_changed)
        QTimer.singleShot(0, self._return_focus)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.rationale.hasFocus():
            self.save_rationale()
        self._token += 1
        if self._watching_focus:
            self._watching_focus = False
            QApplication.instance().focusChanged.disconnect(self._on_focus_changed)
        super().closeEvent(event)
