"""The entry points of the desktop bundle (built by PyInstaller from packaging/).

The bundle holds one frozen script, :func:`bundle_main`, as two programs sharing one
folder; the program's name chooses between:

``gui_main``
    The program a research assistant double-clicks (``Stance Coder``, ``Stance
    Coder.exe``, ``Stance Coder.app``): it opens the window; its arguments are those of
    ``stancecoder gui`` (a project file, ``--coder NAME``). On Windows and macOS it has
    no console, so an error that would go to standard error is shown in a message box.
``cli_main``
    The ``stancecoder`` command inside the bundle, the same command as the installed one.

Both start with :func:`multiprocessing.freeze_support`: a large import segments sentences
in spawned worker processes, which in a bundle are this executable started again. Before
Qt is loaded, a machine that cannot show a window (X libraries missing) gets one line
naming what to install, from :mod:`desktop.platform_check` when that module is present.

``STANCECODER_STARTUP_PROBE=1`` prints ``READY`` on standard output when the first
sentence has been painted (``=quit`` then closes the window as a user would): how
``make dist-check`` times the cold start of the bundle against the venv's.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import sys
from pathlib import Path

try:
    from desktop.platform_check import qt_platform_problem
except ImportError:  # the platform check ships with another change; run without it
    qt_platform_problem = None

PROBE_ENV = "STANCECODER_STARTUP_PROBE"
EXIT_NO_DISPLAY = 2


#: The command line's program name in the bundle; the window's is "Stance Coder".
CLI_PROGRAM = "stancecoder"


def bundle_main() -> int:
    """The bundle's one script: ``stancecoder[.exe]`` is the command line, any other
    program name (``Stance Coder[.exe]``, the .app's) the window."""
    if Path(sys.executable).stem.lower() == CLI_PROGRAM:
        return cli_main()
    return gui_main()


def gui_main() -> int:
    """Open the window (the bundle's double-clicked program)."""
    multiprocessing.freeze_support()
    argv = [a for a in sys.argv[1:] if not a.startswith("-psn_")]  # old macOS Finder adds one
    if argv and argv[0] in ("--version", "-h", "--help"):
        return _run(argv)
    return _run(["gui", *argv])


def cli_main() -> int:
    """The ``stancecoder`` command inside the bundle."""
    multiprocessing.freeze_support()
    return _run(sys.argv[1:])


def _opens_window(argv: list[str]) -> bool:
    return not argv or argv[0] == "gui"


def _run(argv: list[str]) -> int:
    captured = None
    if sys.stderr is None:  # a windowed program on Windows/macOS has no standard streams
        captured = io.StringIO()
        sys.stdout = sys.stderr = captured
    if _opens_window(argv):
        problem = qt_platform_problem() if qt_platform_problem is not None else None
        if problem:
            print(f"stancecoder: {problem}", file=sys.stderr)
            return EXIT_NO_DISPLAY
        if os.environ.get(PROBE_ENV):
            _install_probe(quit_after=os.environ[PROBE_ENV] == "quit")
    from desktop.cli import main

    code = main(argv)
    if captured is not None and code and captured.getvalue().strip():
        _show_message(captured.getvalue().strip())
    return code


def _show_message(text: str) -> None:
    """Show what would have gone to standard error in a message box (windowed programs)."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    _app = QApplication.instance() or QApplication(sys.argv[:1])
    QMessageBox.critical(None, "Stance Coder", text)


def _install_probe(*, quit_after: bool) -> None:
    """Print ``READY`` at the first paint of the sentence's text (see the module's doc)."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.ui.app import application

    app = application()
    paint = QEvent.Type.Paint

    class FirstSentence(QObject):
        def eventFilter(self, watched, event):
            if event.type() == paint:
                parent = watched.parent()
                if parent is not None and parent.objectName() == "sentenceBody":
                    app.removeEventFilter(self)
                    print("READY", flush=True)
                    if quit_after:
                        QTimer.singleShot(0, QApplication.closeAllWindows)
            return False

    probe = FirstSentence(app)
    app.installEventFilter(probe)


if __name__ == "__main__":
    raise SystemExit(bundle_main())
