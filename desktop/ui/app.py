"""The window's entry point: the command line calls :func:`run_app` and nothing else."""

from __future__ import annotations

import gc
import pathlib
import sqlite3
import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyleFactory

from desktop.core.errors import StanceError
from desktop.core.resources import data_dir
from desktop.ui import dialogs, project_guard, settings
from desktop.ui.main_window import keep_window


def application() -> QApplication:
    """The one QApplication (made here if nobody made it yet), styled."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    app.setOrganizationName(settings.ORGANISATION)
    app.setApplicationName(settings.APPLICATION)
    # One look everywhere, so that the style sheet below reads the same on every platform.
    if "Fusion" in QStyleFactory.keys():  # noqa: SIM118 (a Qt list, not a dict)
        app.setStyle("Fusion")
    app.setStyleSheet(stylesheet())
    icon = icon_path()
    if icon is not None:
        app.setWindowIcon(QIcon(str(icon)))
    return app


def icon_path() -> pathlib.Path | None:
    """The app's icon (resources/icons/stancecoder.png), or None if it is missing."""
    try:
        path = data_dir("resources") / "icons" / "stancecoder.png"
    except FileNotFoundError:
        return None
    return path if path.is_file() else None


def stylesheet() -> str:
    """The app's style sheet (colours and spacing only; font sizes follow the system)."""
    try:
        return (data_dir("resources") / "style.qss").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return ""


def _default_project() -> pathlib.Path:
    last = settings.get(settings.LAST_PROJECT)
    if last and pathlib.Path(last).is_file():
        return pathlib.Path(last)
    from desktop.core.demo import ensure_demo_project

    return ensure_demo_project()


def run_app(
    project: pathlib.Path | None, coder: str | None = None, *, readonly: bool = False
) -> int:
    """Open the coding window on ``project`` as ``coder`` and run until it closes.

    Without a project: the last one opened, or else the demo project. Without a coder:
    the one remembered, or else the coder is asked (cancelling quits). Returns the exit
    code: 0 after a normal close, 1 if the coder cancelled, 2 if the project could not
    be opened (the reason is shown in a message box, never as a traceback).
    """
    app = application()
    try:
        path = pathlib.Path(project) if project is not None else _default_project()
    except (StanceError, sqlite3.Error, OSError) as error:
        dialogs.show_error(None, error)
        return 2
    coder = (coder or "").strip() or settings.get(settings.CODER)
    if not coder:
        coder = dialogs.ask_coder(None)
        if not coder:
            return 1
    try:
        window = project_guard.open_window(path, coder, readonly=readonly)
    except (StanceError, sqlite3.Error) as error:
        dialogs.show_error(None, error)
        return 2
    if window is None:
        return 1
    settings.put(settings.CODER, coder)
    settings.remember_project(path)
    keep_window(window)
    window.show()
    # What the app holds once its window is open (modules, the scheme, the widgets'
    # wrappers) lives as long as the window: a full collection need not walk it again
    # (67 ms at 100k sentences, in the middle of a key press). A window opened later
    # unfreezes it first (project_guard.open_window), so a closed window is collected.
    QTimer.singleShot(0, gc.freeze)
    return app.exec()
