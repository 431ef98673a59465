"""The coding window follows a change of the scheme made while it is open.

The scheme can change under an open window when another program installs a new one
(``stancecoder team scheme-apply`` in a terminal, seen by the window's poll of the
file) or the lab server's sync brings the lead's; both are announced through the project
hub with ``Changed.SCHEME`` among what changed. The session reads the scheme again
(:meth:`~desktop.core.session.CodingSession.reload_scheme`) and stays on its unit; this
module makes the window draw from the new one: the category keys, the Code menu, the
coding panel's buttons, the key list (F1), the sidebar's counts and the status bar.
Labels are never touched: those of a dimension the scheme dropped stay in the project.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMenu

from desktop.core.menus import Menu


def apply_scheme(window) -> None:
    """Redraw ``window`` (a :class:`~desktop.ui.main_window.MainWindow`) from its
    session's scheme, which replaced the one it was built from."""
    scheme = window.session.scheme
    window.scheme = scheme
    window.hub.scheme = scheme
    window.keys.set_scheme(window, scheme)
    _rebuild_code_menu(window.menus[Menu.CODE], window, scheme)
    window.coding_panel.set_scheme(scheme)
    window.help_overlay.set_scheme(scheme)
    window.sidebar.set_dimensions(window.session.dimensions)


def _rebuild_code_menu(menu: QMenu, window, scheme) -> None:
    """The Code menu's submenu per dimension, replaced by the new scheme's (in place:
    between the named actions above and the auto-advance entry below)."""
    for action in menu.actions():
        if action.menu() is not None:
            menu.removeAction(action)
            action.menu().deleteLater()
    actions = menu.actions()
    auto = window.auto_advance_action
    below = actions.index(auto) if auto in actions else 0
    before = actions[below - 1] if below else None  # the separator above "Move on when…"
    for dimension in scheme.dimensions:
        submenu = QMenu(dimension.label, menu)
        for category in dimension.categories:
            submenu.addAction(window.keys.by_category[(dimension.id, category.code)])
        menu.insertMenu(before, submenu)
