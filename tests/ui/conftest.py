"""The real coding window on a real project, offscreen, with settings in a temporary folder."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QSettings, Qt

FAST_TRANSITION_MS = 10

_KEYS = {
    "/": Qt.Key.Key_Slash,
    "?": Qt.Key.Key_Question,
    " ": Qt.Key.Key_Space,
    "=": Qt.Key.Key_Equal,
    "-": Qt.Key.Key_Minus,
}


def qt_key(char: str) -> Qt.Key:
    if char in _KEYS:
        return _KEYS[char]
    name = char.upper() if len(char) == 1 or char.lower().startswith("f") else char.title()
    return getattr(Qt.Key, f"Key_{name}")


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory, qapp):
    """QSettings in a fresh folder: never the user's, and no first-run dialog."""
    folder = tmp_path_factory.mktemp("settings")
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder / scope.name))
    from desktop.ui import settings
    from desktop.ui.app import application

    application()  # the style sheet and Fusion, as the app has them
    settings.put(settings.TRANSITION_MS, FAST_TRANSITION_MS)
    yield folder


@pytest.fixture
def project_path(tmp_path, corpus_dir, scheme):
    """A project file holding the five demo articles, closed and ready to open."""
    from desktop.core import store
    from desktop.core.corpus.importer import import_paths

    path = tmp_path / "sample.stance"
    db = store.create_project(path, scheme)
    import_paths(db, [corpus_dir])
    db.close()
    return path


def window_opener(qtbot, path):
    """``_open(coder="ak", size=(w, h), **options)``: a shown, active main window on ``path``."""
    from desktop.ui.main_window import MainWindow

    def _open(coder: str = "ak", size: tuple[int, int] = (1280, 800), **options):
        window = MainWindow(path, coder, **options)
        qtbot.addWidget(window)
        window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        qtbot.waitUntil(lambda: window.focusWidget() is window.centre)
        return window

    return _open


@pytest.fixture
def open_window(qtbot, project_path):
    """``open_window(coder="ak", size=(w, h))``: a shown, active main window."""
    return window_opener(qtbot, project_path)


@pytest.fixture
def press(qtbot):
    """``press(window, "1", "q", ...)``: key clicks as a coder types them."""

    def _press(widget, *keys: str, modifier=Qt.KeyboardModifier.NoModifier):
        for key in keys:
            qtbot.keyClick(widget, qt_key(key), modifier)

    return _press


# -- issue 14: a project of the demo articles shipped in resources/demo (no ../shared) ---


@pytest.fixture
def demo_path(tmp_path):
    """A closed project holding the five demo articles, with 100+ sentences to code."""
    from desktop.core import store
    from desktop.core.corpus.importer import import_paths
    from desktop.core.resources import default_scheme_path, demo_articles_dir
    from desktop.core.scheme import load_scheme

    path = tmp_path / "demo.stance"
    db = store.create_project(path, load_scheme(default_scheme_path()))
    import_paths(db, [demo_articles_dir()])
    db.close()
    return path


@pytest.fixture
def demo_window(qtbot, demo_path):
    """``demo_window(coder="ak", size=(w, h))``: a shown, active window on the demo project."""
    return window_opener(qtbot, demo_path)


@pytest.fixture
def hub_for(qapp):
    """``hub_for(path, coder)``: the project hub a window would give its dialogs, with a
    connection of its own (closed after the test)."""
    from desktop.ui.hub import ProjectHub

    hubs = []

    def _open(path, coder, **options):
        hub = ProjectHub.open(path, coder, **options)
        hubs.append(hub)
        return hub

    yield _open
    for hub in hubs:
        hub.close()
