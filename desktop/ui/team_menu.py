"""The lead's menu entries in the coding window: export, packages and merges, agreement,
adjudication, curation, reliability samples, progress and the comparison unlock.

Blind coding: the views that show other coders' labels (agreement, adjudication) open
only for the project's lead or after the lead has unlocked comparison. A project without
a lead offers "Make me the lead", an explicit step recorded in the project.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from desktop.core.errors import StanceError
from desktop.core.menus import MENU_TABLE, Command, Menu, Who
from desktop.core.project_changes import OUTSIDE, Changed
from desktop.core.store import team as team_store
from desktop.ui import dialogs, screen_fit, settings

if TYPE_CHECKING:
    from desktop.ui.main_window import MainWindow

LEAD_ONLY = "Only the project's lead ({lead}) can open this; you are coding as {coder}."
NO_LEAD = (
    "This view shows every coder's labels, so it is for the project's lead. No coder is "
    "the lead yet: use Team > Make me the lead first."
)


def install(window: MainWindow) -> dict[Command, QAction]:
    """Add the File entries and the Team menu of :data:`MENU_TABLE` to ``window``.

    The actions are kept in ``window.menu_actions`` keyed by :class:`Command`, and the
    Team menu in ``window.menus``.
    """
    bar = window.menuBar()
    team = QMenu(Menu.TEAM.value, window)
    help_menu = window.menus.get(Menu.HELP)
    bar.insertMenu(help_menu.menuAction(), team) if help_menu else bar.addMenu(team)
    window.menus[Menu.TEAM] = team
    file_menu = window.menus[Menu.FILE]
    close = file_menu.actions()[-1]
    actions: dict[Command, QAction] = {}
    for entry in MENU_TABLE:
        action = QAction(entry.label, window)
        action.triggered.connect(lambda _=False, c=entry.command: HANDLERS[c](window))
        action.setEnabled(not (entry.writes and window.readonly))
        if entry.menu is Menu.FILE:
            file_menu.insertAction(close, action)
        else:
            if entry.separator_before:
                team.addSeparator()
            team.addAction(action)
        actions[entry.command] = action
    file_menu.insertSeparator(close)
    window.menu_actions = actions
    window.lead_only_actions = [actions[e.command] for e in MENU_TABLE if e.who is Who.LEAD]
    team.aboutToShow.connect(lambda: _on_menu_shown(window))
    return actions


def _on_menu_shown(window: MainWindow) -> None:
    lead = window.hub.lead()
    window.menu_actions[Command.MAKE_LEAD].setVisible(lead is None)
    allowed = not window.readonly and window.hub.may_lead()
    for action in window.lead_only_actions:
        action.setEnabled(allowed)
        action.setToolTip("" if allowed else f"For the project's lead ({lead})")


def is_lead_or_alone(window: MainWindow) -> bool:
    """Whether this coder may take a lead's step (sample, curation, unlock): the lead,
    or anyone while the project has no lead. Says why not in a message box."""
    if window.hub.may_lead():
        return True
    QMessageBox.information(
        window,
        "For the lead",
        f"Only the project's lead ({window.hub.lead()}) can do this; you are coding as "
        f"{window.coder}.",
    )
    return False


def may_compare(window: MainWindow) -> bool:
    """Whether this coder may see other coders' labels: the lead, or after the unlock."""
    if window.hub.may_compare():
        return True
    lead = window.hub.lead()
    text = NO_LEAD if lead is None else LEAD_ONLY.format(lead=lead, coder=window.coder)
    QMessageBox.information(window, "Blind coding", text)
    return False


def refresh(window: MainWindow, what: Changed = OUTSIDE, initiator: object = None) -> None:
    """Announce through the window's hub that the project changed (a dialog's own
    connection wrote to it): the window and every subscribed view show the new state."""
    window.hub.announce(what, initiator=initiator)


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

    ExportDialog(window.hub, window).exec()


# The package, merge and sample dialogs announce what they wrote through the hub.
def _package(window: MainWindow) -> None:
    from desktop.ui.team_dialogs import CreatePackageDialog

    CreatePackageDialog(window.hub, window).exec()


def _merge(window: MainWindow) -> None:
    from desktop.ui.team_dialogs import MergeDialog

    MergeDialog(window.hub, window).exec()


def _agreement(window: MainWindow) -> None:
    if not may_compare(window):
        return
    from desktop.ui.agreement_view import AgreementView

    def set_gold(unit_id: str, dimension: str, code: str) -> None:
        from desktop.core import team  # with pandas: only when a gold value is set

        team.set_gold(window.db, unit_id, dimension, code, window.coder)
        window.hub.announce(Changed.GOLD, initiator=view)

    writer = set_gold if not window.readonly and window.hub.may_lead() else None
    view = AgreementView(window.project_path, window, set_gold=writer)
    window.hub.subscribe(view, view.on_project_changed)
    _keep(window, view, (1100, 760), settings.AGREEMENT_GEOMETRY)
    view.compute()  # at once, on a worker thread: the window never opens empty


def _adjudicate(window: MainWindow) -> None:
    if not may_compare(window):
        return
    from desktop.ui.adjudication_view import AdjudicationView

    view = AdjudicationView(window.db, window.coder, window)
    view.gold_changed.connect(lambda _c: window.hub.announce(Changed.GOLD, initiator=view))
    view.accepted.connect(lambda _s: window.hub.announce(Changed.GOLD, initiator=view))
    window.hub.subscribe(view, lambda _change: view.reload())
    _keep(window, view, (1100, 760), settings.ADJUDICATION_GEOMETRY)


def _curate(window: MainWindow) -> None:
    if not is_lead_or_alone(window):
        return
    from desktop.ui.article_view import ArticleView

    view = ArticleView(window.db, window.coder, window)
    view.changed.connect(lambda _result: refresh(window, Changed.UNITS, initiator=view))
    _keep(window, view, (1100, 760), settings.CURATION_GEOMETRY, escape_closes=True)


def _sample(window: MainWindow) -> None:
    if not is_lead_or_alone(window):
        return
    from desktop.ui.round_dialogs import ReliabilitySampleDialog

    ReliabilitySampleDialog(window.hub, window).exec()


def _progress(window: MainWindow) -> None:
    from desktop.ui.round_dialogs import ProgressDialog

    ProgressDialog(window.hub, window).exec()


def _unlock(window: MainWindow) -> None:
    if not is_lead_or_alone(window):
        return
    from desktop.ui.round_dialogs import unlock_comparison_action

    if unlock_comparison_action(window.db, window.coder, window):
        refresh(window, Changed.TEAM)


def _make_lead(window: MainWindow) -> None:
    if window.hub.lead() is not None:
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
        return
    window.hub.announce(Changed.TEAM)


def _models(window: MainWindow) -> None:
    from desktop.ui.models_dialog import open_dialog

    open_dialog(window)


# What each entry of desktop.core.menus.MENU_TABLE does.
HANDLERS = {
    Command.EXPORT: _export,
    Command.PACKAGE: _package,
    Command.MERGE: _merge,
    Command.AGREEMENT: _agreement,
    Command.ADJUDICATE: _adjudicate,
    Command.CURATE: _curate,
    Command.SAMPLE: _sample,
    Command.PROGRESS: _progress,
    Command.UNLOCK: _unlock,
    Command.MAKE_LEAD: _make_lead,
    Command.MODELS: _models,
}
