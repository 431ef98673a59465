"""The app's menu entries beyond the coding keys, as one declarative table.

:data:`desktop.core.keys.KEY_TABLE` lists what a key press does in the coding loop; this
table lists the project and team entries (export, packages, merges, the lead's views) with
the menu that shows them and who may use them. The window builds its QActions from it
(desktop/ui/team_menu.py) and keeps them keyed by :class:`Command`, so nothing looks a
menu or an action up by its text.
"""

from __future__ import annotations

import enum
from typing import NamedTuple


class Menu(enum.Enum):
    """The window's menus, by their title."""

    FILE = "&File"
    CODE = "&Code"
    VIEW = "&View"
    TEAM = "&Team"
    HELP = "&Help"


class Command(enum.Enum):
    """A menu entry of the table (the coding keys are :class:`desktop.core.keys.Action`)."""

    EXPORT = "export"
    PACKAGE = "package"
    MERGE = "merge"
    AGREEMENT = "agreement"
    ADJUDICATE = "adjudicate"
    CURATE = "curate"
    SAMPLE = "sample"
    PROGRESS = "progress"
    UNLOCK = "unlock"
    MAKE_LEAD = "make_lead"
    MODELS = "models"


class Who(enum.Enum):
    """Who may use an entry: anyone, or only the project's lead (anyone while it has none)."""

    ANYONE = "anyone"
    LEAD = "lead"


class MenuEntry(NamedTuple):
    command: Command
    menu: Menu
    label: str
    writes: bool  # disabled in a read-only window
    who: Who = Who.ANYONE
    separator_before: bool = False


MENU_TABLE: tuple[MenuEntry, ...] = (
    MenuEntry(Command.EXPORT, Menu.FILE, "&Export data…", writes=False),
    MenuEntry(Command.PACKAGE, Menu.FILE, "Create coder &package…", writes=True),
    MenuEntry(Command.MERGE, Menu.FILE, "&Merge coder files…", writes=True),
    MenuEntry(Command.AGREEMENT, Menu.TEAM, "&Agreement…", writes=False),
    MenuEntry(Command.ADJUDICATE, Menu.TEAM, "A&djudicate disagreements…", writes=True),
    MenuEntry(
        Command.CURATE, Menu.TEAM, "&Curate articles…", True, Who.LEAD, separator_before=True
    ),
    MenuEntry(Command.SAMPLE, Menu.TEAM, "Draw a &reliability sample…", True, Who.LEAD),
    MenuEntry(Command.PROGRESS, Menu.TEAM, "&Progress of coders…", writes=False),
    MenuEntry(
        Command.UNLOCK, Menu.TEAM, "&Unlock comparison…", True, Who.LEAD, separator_before=True
    ),
    MenuEntry(Command.MAKE_LEAD, Menu.TEAM, "Make me the &lead", writes=True),
    MenuEntry(Command.MODELS, Menu.TEAM, "&Models…", writes=True),
)


def entries(menu: Menu) -> tuple[MenuEntry, ...]:
    """The table's entries of ``menu``, in order."""
    return tuple(e for e in MENU_TABLE if e.menu is menu)
