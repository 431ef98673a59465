"""The lead's menu entries in the coding window: export, packages and merges, agreement,
adjudication, curation, reliability samples, progress and the comparison unlock.

Blind coding: the views that show other coders' labels (agreement, adjudication) open
only for the project's lead or after the lead has unlocked comparison. A project without
a lead offers "Make me the lead", an explicit step recorded in the project.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from desktop.core.errors import StanceError
from desktop.core.store import team as team_store
from desktop.ui import dialogs, screen_fit, settings

if TYPE_CHECKING:
    from desktop.ui.main_window import MainWindow

LEAD_ONLY = "Only the project's lead ({lead}) can open this; you are coding as {coder}."
NO_LEAD = (
    "This view shows every coder's labels, so it is for the project's lead. No coder is "
    "the lead yet: use Team > Make me the lead first."
)


def install(window: MainWindow) -> None:
    """Add the File entries and the Team menu to ``window``'s menu bar."""
    bar = window.menuBar()
    file_menu = next((a.menu() for a in bar.actions() if a.menu() and a.text() == "&File"), None)
    if file_menu is not None:
        close = file_menu.actions()[-1]
        file_menu.insertAction(close, _action(window, "&Export data…", lambda: _export(window)))
        package = _action(window, "Create coder &package…", lambda: _package(window))
        merge = _action(window, "&Merge coder files…", lambda: _merge(window))
        for action in (package, merge):
            action.setEnabled(not window.readonly)
            file_menu.insertAction(close, action)
        file_menu.insertSeparator(close)

    menu = QMenu("&Team", window)
    help_action = next((a for a in bar.actions() if a.text() == "&Help"), None)
    bar.insertMenu(help_action, menu) if help_action else bar.addMenu(menu)
    menu.addAction("&Agreement…", lambda: _agreement(window))
    writing = [menu.addAction("A&djudicate disagreements…", lambda: _adjudicate(window))]
    menu.addSeparator()
    curate = menu.addAction("&Curate articles…", lambda: _curate(window))
    sample = menu.addAction("Draw a &reliability sample…", lambda: _sample(window))
    writing += [curate, sample]
    menu.addAction("&Progress of coders…", lambda: _progress(window))
    menu.addSeparator()
    unlock = menu.addAction("&Unlock comparison…", lambda: _unlock(window))
    writing.append(unlock)
    window.lead_only_actions = [curate, sample, unlock]
    writing.append(menu.addAction("Make me the &lead", lambda: _make_lead(window)))
    for action in writing:
        action.setEnabled(not window.readonly)
    menu.aboutToShow.connect(lambda: _on_menu_shown(window, menu))


def _action(window: QWidget, text: str, slot):
    from PySide6.QtGui import QAction

    action = QAction(text, window)
    action.triggered.connect(slot)
    return action


def _on_menu_shown(window: MainWindow, menu: QMenu) -> None:
    lead = team_store.lead(window.db)
    for action in menu.actions():
        if action.text() == "Make me the &lead":
            action.setVisible(lead is None)
    allowed = not window.readonly and (lead is None or lead == window.coder)
    for action in window.lead_only_actions:
        action.setEnabled(allowed)
        action.setToolTip("" if allowed else f"For the project's lead ({lead})")


def is_lead_or_alone(window: MainWindow) -> bool:
    """Whether this coder may take a lead's step (sample, curation, unlock): the lead,
    or anyone while the project has no lead. Says why not in a message box."""
    lead = team_store.lead(window.db)
    if lead is None or lead == window.coder:
        return True
    QMessageBox.information(
        window,
        "For the lead",
        f"Only the project's lead ({lead}) can do this; you are coding as {window.coder}.",
    )
    return False


def may_compare(window: MainWindow) -> bool:
    """Whether this coder may see other coders' labels: the lead, or after the unlock."""
    lead = team_store.lead(window.db)
    if window.coder == lead or team_store.comparison_unlocked(window.db):
        return True
    text = NO_LEAD if lead is None else LEAD_ONLY.format(lead=lead, coder=window.coder)
    QMessageBox.information(window, "Blind coding", text)
    return False


def refresh(window: MainWindow) -> None:
    """Redraw the coding window after the project changed under it (merge, curation)."""
    guard = getattr(window, "guard", None)
    if guard is not None:
        guard.acknowledge()  # the change is known: no "changed by another program" notice
    update = window.session.reload()
    window.sidebar.articles.reload()
    window.sidebar.refresh_units()
    window._article_cache = None
    window._apply(update)


class _GeometryKeeper(QObject):
    """Saves a team window's geometry when it closes (restored, clamped, when it opens)."""

    def __init__(self, widget: QWidget, setting: settings.Setting):
        super().__init__(widget)
        self._setting = setting

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close:
            settings.put(self._setting, watched.saveGeometry())
        return False


def _keep(
    window: MainWindow,
    widget: QWidget,
    size: tuple[int, int],
    setting: settings.Setting,
    *,
    escape_closes: bool = False,
) -> None:
    """Show ``widget`` as a window of its own: at its last geometry or ``size``, always
    within the screen's available area (Escape closes it when ``escape_closes``)."""
    widget.setWindowFlag(Qt.WindowType.Window)
    widget.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    screen_fit.restore(widget, settings.get(setting), size)
    widget.installEventFilter(_GeometryKeeper(widget, setting))
    if escape_closes:
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), widget)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(widget.close)
    widget.show()


def _export(window: MainWindow) -> None:
    from desktop.ui.export_dialog import ExportDialog

    ExportDialog(window.project_path, window).exec()


def _package(window: MainWindow) -> None:
    from desktop.ui.team_dialogs import CreatePackageDialog

    CreatePackageDialog(window.project_path, window.coder, window).exec()
    refresh(window)  # the dialog's own connection wrote to the file


def _merge(window: MainWindow) -> None:
    from desktop.ui.team_dialogs import MergeDialog

    MergeDialog(window.project_path, window.coder, window).exec()
    refresh(window)


def _agreement(window: MainWindow) -> None:
    if not may_compare(window):
        return
    from desktop.ui.agreement_view import AgreementView

    def set_gold(unit_id: str, dimension: str, code: str) -> None:
        from desktop.core import team  # with pandas: only when a gold value is set

        team.set_gold(window.db, unit_id, dimension, code, window.coder)

    lead = team_store.lead(window.db)
    writer = set_gold if not window.readonly and lead in (None, window.coder) else None
    view = AgreementView(window.project_path, window, set_gold=writer)
    _keep(window, view, (1100, 760), settings.AGREEMENT_GEOMETRY)
    view.compute()  # at once, on a worker thread: the window never opens empty


def _adjudicate(window: MainWindow) -> None:
    if not may_compare(window):
        return
    from desktop.ui.adjudication_view import AdjudicationView

    _keep(
        window,
        AdjudicationView(window.db, window.coder, window),
        (1100, 760),
        settings.ADJUDICATION_GEOMETRY,
    )


def _curate(window: MainWindow) -> None:
    if not is_lead_or_alone(window):
        return
    from desktop.ui.article_view import ArticleView

    view = ArticleView(window.db, window.coder, window)
    view.changed.connect(lambda _result: refresh(window))
    _keep(window, view, (1100, 760), settings.CURATION_GEOMETRY, escape_closes=True)


def _sample(window: MainWindow) -> None:
    if not is_lead_or_alone(window):
        return
    from desktop.ui.round_dialogs import ReliabilitySampleDialog

    ReliabilitySampleDialog(window.project_path, window.coder, window).exec()
    refresh(window)


def _progress(window: MainWindow) -> None:
    from desktop.ui.round_dialogs import ProgressDialog

    ProgressDialog(window.db, window.coder, window).exec()


def _unlock(window: MainWindow) -> None:
    if not is_lead_or_alone(window):
        return
    from desktop.ui.round_dialogs import unlock_comparison_action

    if unlock_comparison_action(window.db, window.coder, window):
        refresh(window)


def _make_lead(window: MainWindow) -> None:
    if team_store.lead(window.db) is not None:
        return
    answer = QMessageBox.question(
        window,
        "Make me the lead",
        f"Make {window.coder} the lead of this project? The lead sees every coder's "
        "labels (agreement, adjudication) and can unlock comparison for everyone.",
    )
    if answer != QMessageBox.StandardButton.Yes:
        return
    try:
        team_store.set_lead(window.db, window.coder)
    except StanceError as error:
        dialogs.show_error(window, error)
