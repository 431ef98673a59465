"""QActions for every entry of the key table and every category key of the scheme.

The same actions carry the shortcuts, fill the menus and are listed by the help overlay,
so a key cannot work without being shown, or be shown without working.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from desktop.core.keys import KEY_TABLE, Action
from desktop.core.scheme import Scheme

_MODIFIERS = ("Ctrl+", "Alt+", "Meta+")
_FUNCTION_KEY = re.compile(r"^F[0-9]{1,2}$")

# Holding these keys down repeats them; holding a coding key must not toggle it back and forth.
REPEATING = frozenset({Action.NEXT, Action.PREVIOUS, Action.ZOOM_IN, Action.ZOOM_OUT})

# Which menu lists an action; an action added to the key table later lands in "code".
MENU_OF: dict[Action, str] = {
    Action.SEARCH: "view",
    Action.ZOOM_IN: "view",
    Action.ZOOM_OUT: "view",
    Action.SHOW_ARTICLE: "view",
    Action.HELP: "help",
}


def is_typing_key(key: str) -> bool:
    """A key that a text field needs for itself: a character, Space, Return, arrows...

    Keys with Ctrl, Alt or Meta, and the function keys, are not.
    """
    return not key.startswith(_MODIFIERS) and not _FUNCTION_KEY.match(key)


class KeyActions(QObject):
    """The window's keyboard: one QAction per table entry and per category."""

    action_triggered = Signal(object)  # desktop.core.keys.Action
    category_triggered = Signal(str, str)  # dimension, code

    def __init__(self, window: QWidget, scheme: Scheme):
        super().__init__(window)
        self.by_action: dict[Action, QAction] = {}
        self.by_category: dict[tuple[str, str], QAction] = {}
        self._keys: dict[QAction, tuple[str, ...]] = {}
        for binding in KEY_TABLE:
            action = self._make(window, binding.label, binding.keys)
            action.setAutoRepeat(binding.action in REPEATING)
            action.triggered.connect(
                lambda _=False, a=binding.action: self.action_triggered.emit(a)
            )
            self.by_action[binding.action] = action
        self._add_categories(window, scheme)

    def _add_categories(self, window: QWidget, scheme: Scheme) -> None:
        for dimension in scheme.dimensions:
            for category in dimension.categories:
                action = self._make(window, category.label, (category.key,))
                action.setAutoRepeat(False)
                action.triggered.connect(
                    lambda _=False, d=dimension.id, c=category.code: self.category_triggered.emit(
                        d, c
                    )
                )
                self.by_category[(dimension.id, category.code)] = action

    def set_scheme(self, window: QWidget, scheme: Scheme) -> None:
        """The scheme changed while the window is open: the category keys become the new
        scheme's (the table's named actions stay as they are)."""
        for action in self.by_category.values():
            window.removeAction(action)
            self._keys.pop(action, None)
            action.deleteLater()
        self.by_category = {}
        self._add_categories(window, scheme)

    def _make(self, window: QWidget, label: str, keys: tuple[str, ...]) -> QAction:
        action = QAction(label, window)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self._keys[action] = keys
        self._set_keys(action, keys)
        window.addAction(action)
        return action

    @staticmethod
    def _set_keys(action: QAction, keys: tuple[str, ...]) -> None:
        action.setShortcuts(
            [QKeySequence.fromString(k, QKeySequence.SequenceFormat.PortableText) for k in keys]
        )

    def set_typing(self, typing: bool) -> None:
        """While a text field has focus, the keys it needs belong to the field.

        Only those keys are taken away (F1 and Ctrl+Z still work in the note field).
        """
        for action, keys in self._keys.items():
            kept = tuple(k for k in keys if not (typing and is_typing_key(k)))
            self._set_keys(action, kept)

    def menu_actions(self, menu: str) -> list[QAction]:
        return [
            action
            for binding_action, action in self.by_action.items()
            if MENU_OF.get(binding_action, "code") == menu
        ]
