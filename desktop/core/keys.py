"""The one declarative table of named actions and their keys.

The window builds its shortcuts, menus and help overlay from this table; the scheme
checker refuses category keys that collide with it; the tests read it too. Keys are
written in Qt's portable text form (``QKeySequence.fromString`` understands them) but
this module imports no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Action(Enum):
    CONFIRM = "confirm"
    NEXT = "next"
    PREVIOUS = "previous"
    NEXT_UNCODED = "next_uncoded"
    TOGGLE_UNSURE = "toggle_unsure"
    FOCUS_NOTE = "focus_note"
    UNDO = "undo"
    REDO = "redo"
    SEARCH = "search"
    ZOOM_IN = "zoom_in"
    ZOOM_OUT = "zoom_out"
    SHOW_ARTICLE = "show_article"
    HELP = "help"


@dataclass(frozen=True)
class KeyBinding:
    action: Action
    keys: tuple[str, ...]
    label: str


KEY_TABLE: tuple[KeyBinding, ...] = (
    KeyBinding(Action.CONFIRM, ("Return", "Enter", "Space"), "Confirm and go to the next sentence"),
    KeyBinding(Action.NEXT, ("Right", "J"), "Next sentence"),
    KeyBinding(Action.PREVIOUS, ("Left", "K"), "Previous sentence"),
    KeyBinding(Action.NEXT_UNCODED, ("N",), "Next uncoded sentence"),
    KeyBinding(Action.TOGGLE_UNSURE, ("U",), "Mark or unmark as unsure"),
    KeyBinding(Action.FOCUS_NOTE, ("/",), "Write a note on this sentence"),
    KeyBinding(Action.UNDO, ("Ctrl+Z",), "Undo the last label change"),
    KeyBinding(Action.REDO, ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo"),
    KeyBinding(Action.SEARCH, ("Ctrl+F",), "Search sentences"),
    KeyBinding(Action.ZOOM_IN, ("Ctrl+=", "Ctrl++"), "Larger text"),
    KeyBinding(Action.ZOOM_OUT, ("Ctrl+-",), "Smaller text"),
    KeyBinding(Action.SHOW_ARTICLE, ("V",), "View the whole article"),
    KeyBinding(Action.HELP, ("F1", "?"), "Show this list of keys"),
)


def reserved_keys() -> frozenset[str]:
    """Single keys (no modifier) that the app uses and a scheme category may not take."""
    single = set()
    for binding in KEY_TABLE:
        for key in binding.keys:
            if "+" not in key or key == "+":
                single.add(key.upper())
    return frozenset(single)
