"""The coding window: sentence in context at the centre, coding panel at the side.

Every key and click goes through :meth:`MainWindow._perform`, which stores a pending
note, calls the Qt-free :class:`~desktop.core.session.CodingSession`, and refreshes the
views from the :class:`~desktop.core.session.Update` it returns. The window itself never
decides what a key writes.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QFont
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QSplitter,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop import __version__
from desktop.core import store
from desktop.core.about import about_lines
from desktop.core.errors import StanceError
from desktop.core.keys import Action
from desktop.core.menus import Menu
from desktop.core.project_changes import OUTSIDE, Changed, ProjectChange
from desktop.core.session import CodingSession, Keystroke, Phase, Update
from desktop.core.store.checkpoints import BackgroundCheckpoints
from desktop.ui import (
    calibration_feedback,
    dialogs,
    lab_sync,
    progress_count,
    project_guard,
    scheme_reload,
    screen_fit,
    settings,
    team_menu,
)
from desktop.ui.actions import KeyActions
from desktop.ui.after_frame import AfterFrame, freeze_once
from desktop.ui.article_list import Sidebar
from desktop.ui.coding_panel import CodingPanel
from desktop.ui.help_overlay import HelpOverlay
from desktop.ui.hub import ProjectHub
from desktop.ui.sentence_view import ZOOM_STEP, DefinitionCard, SentenceView, scaled_font

NOTE_SAVE_DELAY_MS = 600
SAVED_FADE_MS = 2_500

# Top-level windows opened from a menu (another project, another coder) are kept here
# so that Python does not collect them while they are on screen.
_OPEN_WINDOWS: list[MainWindow] = []


def keep_window(window: MainWindow) -> None:
    _OPEN_WINDOWS.append(window)


class MainWindow(QMainWindow):
    """One project, one coder.

    Raises
    ------
    StanceError
        If the project cannot be opened (the caller shows it; no window appears).
    """

    def __init__(self, project: Path, coder: str, *, readonly: bool = False, parent=None):
        super().__init__(parent)
        self.project_path = Path(project)
        self.coder = coder
        self.readonly = readonly
        self.db = store.open_project(self.project_path, readonly=readonly)
        try:
            if not readonly:
                store.ensure_coder(self.db, coder)
            self.session = CodingSession(
                self.db,
                coder,
                readonly=readonly,
                auto_advance=settings.get(settings.AUTO_ADVANCE),
                start_seq=settings.last_position(self.project_path, coder),
                count_later=progress_count.count_later(self.db),
            )
        except BaseException:
            self.db.close()
            raise
        self.scheme = self.session.scheme
        # The open project and the announcements of its changes (desktop/ui/hub.py).
        self.hub = ProjectHub(
            self.project_path, self.db, coder, self.scheme, readonly=readonly, parent=self
        )
        self.hub.subscribe(self, self._on_project_changed)
        # Commits of this window never checkpoint the WAL (up to a quarter of a second,
        # now and then, in the middle of a key press); a thread does it when they pause.
        self._checkpoints = None if readonly else BackgroundCheckpoints(self.db)
        self._closed = False
        self._hovered: tuple[str, str] | None = None
        self._chosen: tuple[str, str] | None = None  # the last category chosen, for the card
        self._note_unit: str | None = None
        self._note_dirty = False
        self._article_cache: tuple[str, list] | None = None
        self._build()
        self._render()
        self._count = None  # the coder's progress, counted off this thread (large projects)
        self._count_in_background()
        freeze_once()  # the collector's full passes leave what is open now alone

    # -- building -----------------------------------------------------------------------

    def _build(self) -> None:
        suffix = "  (read-only)" if self.readonly else ""
        self.setWindowTitle(f"{self.project_path.stem} — {self.coder} — Stance Coder{suffix}")
        self.setObjectName("mainWindow")
        self.keys = KeyActions(self, self.scheme)
        self.keys.action_triggered.connect(self._on_action_triggered)
        self.keys.category_triggered.connect(self._on_category_key)
        # Keys that act on the sentence go through the session's type-ahead (type_key):
        # typed during the pause after a completed sentence, they wait, in order.
        typed = lambda action: lambda: self._perform(self.session.type_key, Keystroke(action))  # noqa: E731
        self._handlers: dict[Action, Callable[[], None]] = {
            Action.CONFIRM: typed(Action.CONFIRM),
            Action.NEXT: typed(Action.NEXT),
            Action.PREVIOUS: typed(Action.PREVIOUS),
            Action.NEXT_UNCODED: typed(Action.NEXT_UNCODED),
            Action.TOGGLE_UNSURE: typed(Action.TOGGLE_UNSURE),
            Action.FOCUS_NOTE: self._focus_note,
            Action.UNDO: typed(Action.UNDO),
            Action.REDO: typed(Action.REDO),
            Action.SEARCH: self._focus_search,
            Action.ZOOM_IN: lambda: self._zoom(+1),
            Action.ZOOM_OUT: lambda: self._zoom(-1),
            Action.SHOW_ARTICLE: self._toggle_article,
            Action.HELP: lambda: self.help_overlay.toggle(),
        }

        self.sidebar = Sidebar(
            self.db,
            self.coder,
            self.session.dimensions,
            lambda: self.session.seqs,
            assigned_only=lambda: self.session.assigned_only,
        )
        self.sidebar.article_chosen.connect(self._on_article_chosen)
        self.sidebar.seq_chosen.connect(self._on_seq_chosen)
        self.sidebar.done.connect(self._return_focus)
        self.after_frame = AfterFrame(self.db, self.session, self.sidebar, self._after_frame, self)

        self.centre = QFrame()
        self.centre.setObjectName("centre")
        # The centre takes the focus back from text fields so that keys reach the shortcuts.
        self.centre.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.sentence_view = SentenceView()
        self.card = DefinitionCard()
        # The codebook card folds away (its title is a toggle) to give a short screen
        # to the sentence; the choice is remembered.
        card_title = QToolButton()
        card_title.setObjectName("codebookToggle")
        card_title.setText("Codebook")
        card_title.setCheckable(True)
        card_title.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        card_title.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        card_title.setAutoRaise(True)
        card_title.setToolTip("Show or hide the codebook card")
        card_title.toggled.connect(self._on_codebook_visible_changed)
        self.codebook_toggle = card_title
        centre_layout = QVBoxLayout(self.centre)
        centre_layout.setContentsMargins(28, 18, 28, 14)
        centre_layout.setSpacing(6)
        centre_layout.addWidget(self.sentence_view, 2)
        # One line naming the dimensions still open when the coder confirms a partly
        # coded sentence (not a modal dialog: the next key just goes on).
        self.open_notice = QLabel()
        self.open_notice.setObjectName("openNotice")
        self.open_notice.setTextFormat(Qt.TextFormat.PlainText)
        self.open_notice.hide()
        centre_layout.addWidget(self.open_notice)
        rule = QFrame()
        rule.setObjectName("rule")
        rule.setFrameShape(QFrame.Shape.HLine)
        centre_layout.addWidget(rule)
        centre_layout.addWidget(card_title, 0, Qt.AlignmentFlag.AlignLeft)
        centre_layout.addWidget(self.card, 1)
        self._centre_layout = centre_layout

        self.coding_panel = CodingPanel(self.scheme)
        self.coding_panel.category_clicked.connect(self._on_category_chosen)
        self.coding_panel.category_hovered.connect(self._on_category_hovered)
        self.coding_panel.unsure_clicked.connect(lambda: self._perform(self.session.toggle_unsure))
        self.coding_panel.note_edited.connect(self._on_note_changed)
        self.coding_panel.note_done.connect(self._on_note_done)
        self.coding_panel.set_readonly(self.readonly)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.centre)
        self.splitter.addWidget(self.coding_panel)
        self.splitter.setCollapsible(0, True)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        em = self.fontMetrics().averageCharWidth()
        panel_width = max(self.coding_panel.widget().sizeHint().width() + 24, 34 * em)
        self.coding_panel.setMinimumWidth(panel_width)
        self.sidebar.setMinimumWidth(22 * em)
        self.centre.setMinimumWidth(40 * em)
        # Wide screens give the sidebar room for whole titles; the centre takes the rest.
        width = screen_fit.available_rect(self).width()
        sidebar_width = max(30 * em, min(70 * em, width // 4))
        self.splitter.setSizes([sidebar_width, max(40 * em, width - sidebar_width), panel_width])
        self.splitter.setHandleWidth(6)
        # The overlay needs a parent that is not the splitter (a splitter makes every child
        # widget a pane), so the splitter sits in a plain container.
        container = QWidget()
        container_layout = QVBoxLayout(container)
        container_layout.setContentsMargins(0, 0, 0, 0)
        container_layout.addWidget(self.splitter)
        self.setCentralWidget(container)
        self.help_overlay = HelpOverlay(self.scheme, container)
        self.help_overlay.closed.connect(self._return_focus)

        self._note_timer = QTimer(self)
        self._note_timer.setSingleShot(True)
        self._note_timer.setInterval(NOTE_SAVE_DELAY_MS)
        self._note_timer.timeout.connect(self._flush_note)
        self._saved_timer = QTimer(self)
        self._saved_timer.setSingleShot(True)
        self._saved_timer.setInterval(SAVED_FADE_MS)
        self._saved_timer.timeout.connect(self._on_saved_faded)
        # The next sentence is laid out while the coder reads this one (issue 24).
        self.sentence_view.look_ahead(lambda: None if self._closed else self.session.next_in_line())

        self._build_menus()
        team_menu.install(self)
        lab_sync.install(self)  # background sync with the lab server, when linked
        self._build_status_bar()
        self._zoom(0, remember=False)
        card_title.setChecked(settings.get(settings.CODEBOOK_VISIBLE))
        self._on_codebook_visible_changed(card_title.isChecked())
        calibration_feedback.install(self)
        self.sidebar.setVisible(settings.get(settings.SIDEBAR_VISIBLE))
        self.sidebar_action.setChecked(self.sidebar.isVisible())
        area = screen_fit.available_rect(self)
        # 1280x800 or, on a larger screen, most of it (the space is the coder's).
        preferred = (max(1280, area.width() * 9 // 10), max(800, area.height() * 9 // 10))
        screen_fit.restore(self, settings.get(settings.WINDOW_GEOMETRY), preferred)
        splitter_state = settings.get(settings.SPLITTER_STATE)
        if not splitter_state.isEmpty():
            self.splitter.restoreState(splitter_state)
        QApplication.instance().focusChanged.connect(self._on_focus_changed)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(Menu.FILE.value)
        file_menu.addAction("&New project…", self._new_project)
        file_menu.addAction("&Open project…", self._open_project)
        self.recent_menu = file_menu.addMenu("&Recent projects")
        self.recent_menu.aboutToShow.connect(self._on_recent_menu_shown)
        file_menu.addSeparator()
        import_files = file_menu.addAction("&Import articles…", self._import_files)
        import_folder = file_menu.addAction("Import a &folder of articles…", self._import_folder)
        for action in (import_files, import_folder):
            action.setEnabled(not self.readonly)
        file_menu.addSeparator()
        file_menu.addAction("&Switch coder…", self._switch_coder)
        file_menu.addSeparator()
        file_menu.addAction("&Close", self.close)

        code_menu = bar.addMenu(Menu.CODE.value)
        code_menu.addActions(self.keys.menu_actions("code"))
        code_menu.addSeparator()
        for dimension in self.scheme.dimensions:
            submenu = code_menu.addMenu(dimension.label)
            for category in dimension.categories:
                submenu.addAction(self.keys.by_category[(dimension.id, category.code)])
        code_menu.addSeparator()
        self.auto_advance_action = QAction("&Move on when every dimension is coded", self)
        self.auto_advance_action.setCheckable(True)
        self.auto_advance_action.setChecked(self.session.auto_advance)
        self.auto_advance_action.toggled.connect(self._on_auto_advance_changed)
        code_menu.addAction(self.auto_advance_action)

        view_menu = bar.addMenu(Menu.VIEW.value)
        view_menu.addActions(self.keys.menu_actions("view"))
        view_menu.addSeparator()
        self.sidebar_action = QAction("&Article list", self)
        self.sidebar_action.setCheckable(True)
        self.sidebar_action.toggled.connect(self._on_sidebar_visible_changed)
        view_menu.addAction(self.sidebar_action)

        help_menu = bar.addMenu(Menu.HELP.value)
        help_menu.addActions(self.keys.menu_actions("help"))
        help_menu.addAction("&About Stance Coder", self._about)
        self.menus: dict[Menu, QMenu] = {
            Menu.FILE: file_menu,
            Menu.CODE: code_menu,
            Menu.VIEW: view_menu,
            Menu.HELP: help_menu,
        }

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        self.progress_label = QLabel()
        self.progress_label.setObjectName("progressLabel")
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("progressBar")
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setFixedWidth(self.fontMetrics().averageCharWidth() * 16)
        self.progress_bar.setFixedHeight(max(4, self.fontMetrics().height() // 3))
        self.coder_label = QLabel(f"Coder: {self.coder}")
        self.coder_label.setObjectName("coderLabel")
        self.unit_state_label = QLabel()
        self.unit_state_label.setObjectName("unitStateLabel")
        self.unit_state_label.hide()
        bar.addPermanentWidget(self.unit_state_label)
        self.saved_label = QLabel("Every change is saved as you go")
        self.saved_label.setObjectName("savedLabel")
        bar.addPermanentWidget(self.saved_label)
        bar.addPermanentWidget(self.coder_label)
        bar.addPermanentWidget(self.progress_bar)
        bar.addPermanentWidget(self.progress_label)

    # -- the one path from a key to the store -------------------------------------------

    def _perform(self, operation: Callable[..., Update], *args) -> Update | None:
        """Store a pending note, run one session operation, refresh from its update."""
        self._flush_note()
        try:
            update = operation(*args)
        except (StanceError, sqlite3.Error) as error:
            dialogs.show_error(self, error, "Coding")
            self._render()
            return None
        self._apply(update)
        return update

    def _apply(self, update: Update) -> None:
        if update.message:
            self.statusBar().showMessage(update.message, 5_000)
        if update.open_notice:
            self.open_notice.setText(update.message)
            self.open_notice.show()
        elif self.open_notice.isVisible() and (update.moved or update.changes):
            self.open_notice.hide()
        # The lists, the status bar and the feedback: in the frame after the next sentence's.
        self.after_frame.collect(update)
        token = update.transition
        pause = settings.get(settings.TRANSITION_MS) if token is not None else 0
        if update.moved:
            self._render()
        elif update.changes and not (token is not None and pause <= 0):
            self._render_state()
        if token is None:
            return
        if pause <= 0:
            # No pause: move on now. The sentence being left is not redrawn with its
            # last value first (a frame of its own, shown for no time).
            self._on_transition_due(token)
        else:
            QTimer.singleShot(pause, lambda: self._on_transition_due(token))

    def _after_frame(self, feedback_unit: str | None, saved: bool, where: bool) -> None:
        """The window's part of what :class:`AfterFrame` drew after the frame."""
        if saved:
            self._show_saved()
        if feedback_unit is not None:
            self.calibration_feedback.refresh(
                self.db, self.coder, feedback_unit, self.session.dimensions
            )
        if where:
            if self.session.unit is not None:
                self._render_card()
            self._render_progress()

    @property
    def guard(self):
        """The hub's file watcher and lock holder (None for a window opened without one)."""
        return self.hub.guard

    def reload_project(self, what: Changed = OUTSIDE) -> None:
        """Redraw from the store after ``what`` changed outside the coding loop; a large
        project's list and counts are read again off this thread (progress_count.py)."""
        self.after_frame.flush()  # the deltas collected apply to the counts read before
        update = self.session.reload(what, count_later=progress_count.count_later(self.db))
        if update.ignored:  # nothing the window shows (gold values: their own views)
            return
        if self.session.scheme is not self.scheme:  # a new scheme: its keys and buttons
            scheme_reload.apply_scheme(self)
        if what & (Changed.UNITS | Changed.SCHEME):
            self.sidebar.articles.reload()
        else:
            self.sidebar.articles.forget_progress()
        self.sidebar.refresh_units()
        self._article_cache = None
        self._apply(update)
        self.after_frame.flush()  # not a key: the lists and counts are drawn with the rest
        self._count_in_background()

    def _count_in_background(self) -> None:
        """Count the coder's progress off this thread when the session left it unknown
        (a count still running from before is dropped: its snapshot may be stale)."""
        if self._count is not None:
            self._count.stop(wait=False)
            self._count = None
        if not self.session.counted:
            self._count = progress_count.BackgroundCount(
                self.project_path, self.session, self._on_counted
            )
            self._count.failed.connect(self._on_counting_failed)

    def _on_project_changed(self, change: ProjectChange) -> None:
        # Blind coding: other coders' labels change nothing this window shows.
        if not self._closed and not change.only_others_labels(self.coder):
            self.reload_project(change.what)

    def _on_transition_due(self, token: int) -> None:
        if not self._closed:
            self._perform(self.session.finish_transition, token)

    # -- rendering ----------------------------------------------------------------------

    def _render(self) -> None:
        unit = self.session.unit
        self.coding_panel.set_enabled(unit is not None)
        if unit is None:
            self.sentence_view.show_empty(
                "This project has no sentences yet. Use File › Import articles… to add some."
            )
            self.card.clear()
            self.sidebar.show_current(None, None)
            self._render_progress()
            return
        if self.sentence_view.article_mode:
            if self._article_cache is None or self._article_cache[0] != unit.article_id:
                self._article_cache = (unit.article_id, self.session.article_units())
            units = self._article_cache[1]
        else:
            units = self.session.context()
        in_article, article_total = self.session.article_position
        index, total = self.session.position
        where = f"sentence {in_article} of {article_total} in this article"
        if index is not None:  # None: a large project's list is still being read
            where += f" · {index:,} of {total:,} in the project"
        if self.sentence_view.article_mode:
            where = f"Whole article (V returns to the sentence) · {where}"
        self.sentence_view.show_unit(unit, self.session.article, units, where)
        self._note_unit = unit.id
        self._chosen = None
        self.coding_panel.set_note(self.session.note)
        self._render_state()  # the lists mark the unit after the frame (after_frame.py)

    def _render_state(self) -> None:
        """The shown unit's values, flag and progress (after a write on the same unit)."""
        self.coding_panel.set_labels(self.session.labels)
        self.coding_panel.set_unsure(self.session.unsure)
        self.after_frame.where()  # the card and the progress: after the frame

    def _render_card(self) -> None:
        labels = self.session.labels
        target = self._hovered or self._chosen
        if target is not None:
            dimension = self.scheme.dimension(target[0])
            category = dimension.category(target[1])
            self.card.show_category(dimension, category, labels.get(target[0]) == target[1])
            return
        for dimension in self.scheme.dimensions:
            if dimension.id not in labels:
                self.card.show_dimension(dimension)
                return
        self.card.show_done()

    def _render_progress(self) -> None:
        coded, total = self.session.progress
        partial = self.session.partial
        if coded is None or total is None:  # counted in the background (a large project)
            self.progress_label.setText("Counting the sentences coded…")
        else:
            share = f" ({coded / total:.0%})" if total else ""
            self.progress_label.setText(
                f"{coded:,} of {total:,} sentences coded{share}"
                + (f" · {partial:,} partly coded" if partial else "")
            )
        unit_state = ""
        if self.session.unit is not None:
            open_dims = self.session.open_dimensions
            if 0 < len(open_dims) < len(self.session.dimensions):
                unit_state = f"Partly coded · open: {self.session.describe_open()}"
        if self.unit_state_label.text() != unit_state:
            self.unit_state_label.setText(unit_state)
            self.unit_state_label.setVisible(bool(unit_state))
        self.progress_bar.setMaximum(max(total or 0, 1))
        self.progress_bar.setValue(coded or 0)

    def _on_counted(self, listed: bool) -> None:
        """The background count came (``listed``: with the list of units)."""
        self.after_frame.flush()
        if listed:
            self.sidebar.refresh_units()
            # The place in the project is drawn in an event-loop turn of its own, so that
            # a key typed meanwhile waits for one piece of this work, not both (issue 24).
            QTimer.singleShot(0, lambda: None if self._closed else self._render())
        else:
            self._render_progress()

    def _on_counting_failed(self, message: str) -> None:
        if not self._closed:
            self.statusBar().showMessage(f"Progress could not be counted: {message}", 10_000)

    def _show_saved(self) -> None:
        self.saved_label.setText(f"✓ Saved {time.strftime('%H:%M:%S')}")
        if not self.saved_label.property("fresh"):  # restyling costs a quarter millisecond
            self.saved_label.setProperty("fresh", True)
            self._restyle(self.saved_label)
        self._saved_timer.start()

    def _on_saved_faded(self) -> None:
        self.saved_label.setProperty("fresh", False)
        self._restyle(self.saved_label)

    @staticmethod
    def _restyle(widget: QWidget) -> None:
        widget.style().unpolish(widget)
        widget.style().polish(widget)

    # -- slots --------------------------------------------------------------------------

    def _on_action_triggered(self, action: Action) -> None:
        self._handlers[action]()

    def _on_category_key(self, dimension: str, code: str) -> None:
        self._on_category_chosen(dimension, code, typed=True)

    def _on_category_chosen(self, dimension: str, code: str, *, typed: bool = False) -> None:
        """A category key (through the type-ahead) or a click (on the sentence shown)."""
        was = self._chosen
        self._chosen = (dimension, code)  # so that the card drawn after the write shows it
        if typed:
            update = self._perform(self.session.type_key, Keystroke.category(dimension, code))
        else:
            update = self._perform(self.session.click_category, dimension, code)
        if update is None or update.moved:
            return
        if update.queued or not update.changes:
            self._chosen = was
        elif update.changes[-1].new is None:
            self._chosen = None
        else:
            return
        self._render_card()

    def _on_category_hovered(self, dimension: str, code: str) -> None:
        self._hovered = (dimension, code) if dimension else None
        if self.session.unit is not None:
            self._render_card()

    def _on_article_chosen(self, article_id: str) -> None:
        self._perform(self.session.go_to_article, article_id)
        self._return_focus()

    def _on_seq_chosen(self, seq: int) -> None:
        self._perform(self.session.go_to_seq, seq)
        self._return_focus()

    def _on_note_changed(self, _text: str) -> None:
        self._note_dirty = True
        self._note_timer.start()

    def _on_note_done(self) -> None:
        self._flush_note()
        self.coding_panel.note.setCursorPosition(0)
        self._return_focus()

    def _flush_note(self) -> None:
        if not self._note_dirty or self._note_unit is None:
            return
        self._note_dirty = False
        self._note_timer.stop()
        try:
            update = self.session.save_note(self._note_unit, self.coding_panel.note.text())
        except (StanceError, sqlite3.Error) as error:
            dialogs.show_error(self, error, "Saving the note")
            return
        self._apply(update)

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        typing = (
            new is not None
            and isinstance(new, QLineEdit | QTextEdit | QPlainTextEdit)
            and not new.isReadOnly()
            and new.window() is self
        )
        self.keys.set_typing(typing)

    def _on_auto_advance_changed(self, on: bool) -> None:
        self.session.auto_advance = on
        settings.put(settings.AUTO_ADVANCE, on)

    def _on_sidebar_visible_changed(self, visible: bool) -> None:
        self.sidebar.setVisible(visible)
        settings.put(settings.SIDEBAR_VISIBLE, visible)

    def _on_recent_menu_shown(self) -> None:
        self.recent_menu.clear()
        paths = [p for p in settings.recent_projects() if p.exists()]
        if not paths:
            self.recent_menu.addAction("(none yet)").setEnabled(False)
        for path in paths:
            self.recent_menu.addAction(str(path), lambda p=path: self.open_other(p))

    # -- actions without a store write --------------------------------------------------

    def _return_focus(self) -> None:
        self.centre.setFocus(Qt.FocusReason.OtherFocusReason)

    def _focus_note(self) -> None:
        if self.session.phase is Phase.EMPTY:
            return
        # The note is for the sentence current once the keys typed before "/" are applied.
        self._perform(self.session.settle)
        self.coding_panel.note.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.coding_panel.note.end(False)

    def _focus_search(self) -> None:
        self.sidebar_action.setChecked(True)
        self.sidebar.focus_search()

    def _zoom(self, step: int, *, remember: bool = True) -> None:
        """Larger or smaller text: the sentence and the card, and the whole window with
        them (menus, lists, buttons, status line) at half the step."""
        base = settings.get(settings.TEXT_ZOOM) if not remember else self.sentence_view.zoom
        zoom = self.sentence_view.set_zoom(base + step)
        self.card.set_zoom(zoom)
        window_font = scaled_font(ZOOM_STEP ** (zoom / 2))
        # Each part is told (the style sheet keeps fonts from flowing down on their own).
        size = window_font.pointSizeF()
        parts = (self, self.menuBar(), self.sidebar, self.coding_panel, self.statusBar())
        for part in (*parts, *self.sidebar.findChildren(QWidget)):
            font = QFont(part.font())  # its own weight and capitals, the new size
            font.setPointSizeF(size)
            part.setFont(font)
        self.coding_panel.refit()
        if remember:
            settings.put(settings.TEXT_ZOOM, zoom)

    def _on_codebook_visible_changed(self, visible: bool) -> None:
        self.card.setVisible(visible)
        self.codebook_toggle.setArrowType(
            Qt.ArrowType.DownArrow if visible else Qt.ArrowType.RightArrow
        )
        # Folded, the card's share of the height goes to the sentence.
        self._centre_layout.setStretchFactor(self.card, 1 if visible else 0)
        settings.put(settings.CODEBOOK_VISIBLE, visible)

    def _toggle_article(self) -> None:
        self.sentence_view.article_mode = not self.sentence_view.article_mode
        self._article_cache = None
        self._render()
        if self.sentence_view.article_mode:
            self.statusBar().showMessage("Whole article (V returns to the sentence)", 4_000)

    def about_text(self) -> str:
        """The About box: version, project, scheme, and where the data and backups are."""
        folders = "\n".join(about_lines()[1:])  # the first line is the version
        return (
            f"Stance Coder {__version__}\n\nSentence-level stance coding for "
            "content-analysis teams.\nProject: "
            f"{self.project_path}\nScheme: {self.scheme.title} {self.scheme.version}"
            f"\n\n{folders}"
        )

    def _about(self) -> None:
        QMessageBox.about(self, "About Stance Coder", self.about_text())

    # -- projects, import, coder ---------------------------------------------------------

    def open_other(self, path: Path, coder: str | None = None) -> MainWindow | None:
        """Replace this window by one on ``path`` (and ``coder``); None if it failed."""
        self._flush_note()
        try:
            window = project_guard.open_window(path, coder or self.coder, parent=self)
        except (StanceError, sqlite3.Error) as error:
            dialogs.show_error(self, error, "Opening the project")
            return None
        if window is None:
            return None
        settings.remember_project(Path(path))
        if coder:
            settings.put(settings.CODER, coder)
        keep_window(window)
        window.show()
        self.close()
        guard = getattr(window, "guard", None)
        if guard is not None:
            guard.acknowledge()  # this window's last writes are not another program's
        return window

    def _new_project(self) -> None:
        path = dialogs.choose_new_project(self)
        if path is None:
            return
        scheme = dialogs.choose_scheme(self)
        if scheme is None:
            return
        try:
            db = store.create_project(path, scheme, who=self.coder)
            db.close()
        except StanceError as error:
            dialogs.show_error(self, error, "New project")
            return
        self.open_other(path)

    def _open_project(self) -> None:
        path = dialogs.choose_project(self)
        if path is not None:
            self.open_other(path)

    def _import_files(self) -> None:
        paths = dialogs.choose_articles(self)
        if paths:
            self.import_paths(paths)

    def _import_folder(self) -> None:
        folder = dialogs.choose_article_folder(self)
        if folder is not None:
            self.import_paths([folder])

    def import_paths(self, paths: list[Path], *, quiet: bool = False) -> None:
        """Import articles with a progress dialog and show them at once."""
        if self.readonly:
            self.statusBar().showMessage("The project is open read-only", 5_000)
            return
        self._flush_note()
        try:
            summary = dialogs.import_with_progress(self, self.db, paths, self.coder)
        except (StanceError, sqlite3.Error) as error:
            dialogs.show_error(self, error, "Import articles")
            return
        if summary is None:
            self.statusBar().showMessage("Import cancelled; nothing was added", 5_000)
            return
        self.reload_project(Changed.UNITS)
        self.hub.announce(Changed.UNITS, initiator=self, reason="import")
        if not quiet:
            QMessageBox.information(self, "Import articles", dialogs.describe_import(summary))

    def _switch_coder(self) -> None:
        existing = [row["id"] for row in store.list_coders(self.db)]
        coder = dialogs.ask_coder(self, self.coder, existing)
        if coder and coder != self.coder:
            self.open_other(self.project_path, coder)

    # -- window events ------------------------------------------------------------------

    def showEvent(self, event) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self._return_focus)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.ActivationChange and not self._closed:
            # Time on a sentence counts only while the window is in front.
            if self.isActiveWindow():
                self.session.resume()
            else:
                self.session.pause()
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closed:
            self._flush_note()
            self.after_frame.drop()
            self._closed = True
            unit = self.session.unit
            if unit is not None:
                settings.remember_position(self.project_path, self.coder, unit.seq)
            try:
                self.session.close()
            except (StanceError, sqlite3.Error) as error:
                dialogs.show_error(self, error, "Closing")
            settings.put(settings.WINDOW_GEOMETRY, self.saveGeometry())
            settings.put(settings.SPLITTER_STATE, self.splitter.saveState())
            QApplication.instance().focusChanged.disconnect(self._on_focus_changed)
            if self._checkpoints is not None:
                self._checkpoints.stop()
            if self._count is not None:
                self._count.stop()
            self.db.close()
            if self in _OPEN_WINDOWS:
                QTimer.singleShot(0, lambda: _OPEN_WINDOWS.remove(self))
        super().closeEvent(event)
