"""Long work off the UI thread: a core function run with its own project connection.

SQLite connections must not cross threads, so a :class:`Task` never receives the
window's connection: it opens the project from its path inside the worker thread, hands
that connection to the function, and closes it there. The function reports progress
through the callback it is given; the callback returns False once Cancel was pressed,
which is exactly the convention of the core's exports (``progress(done, total)``
returning False raises ``ExportCancelled``)::

    task = Task(project_path, lambda db, progress: export(db, ..., progress=progress))
    task.progress.connect(self._on_export_progress_changed)
    task.finished.connect(self._on_export_finished)
    task.failed.connect(self._on_export_failed)
    task.start()

Signals are emitted from the worker thread and delivered in the UI thread (queued), so
slots may touch widgets. Errors arrive as one line of text, never a traceback.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from desktop.core import store
from desktop.core.errors import StanceError

log = logging.getLogger(__name__)

Progress = Callable[[int, int], bool]
Work = Callable[[store.Database, Progress], Any]

# Tasks whose thread is still running are kept here, so that closing the window that
# started one (and dropping the last reference) never destroys a running QThread.
_RUNNING: set[Task] = set()


def error_text(error: BaseException) -> str:
    """One line for the user (the same wording as :func:`desktop.ui.dialogs.show_error`)."""
    if isinstance(error, StanceError):
        return str(error)
    if isinstance(error, sqlite3.Error):
        return f"The project file could not be written or read: {error}"
    return f"{type(error).__name__}: {error}"


# How much lower than its process a worker thread that yields to the window runs (a
# nice value; issue 24: the window's thread waited behind the reading thread for the CPU).
YIELDING_NICE = 10


def yield_to_the_window() -> None:
    """Let the calling worker thread give way to the window's thread for the CPU.

    A key pressed while a thread reads a large project waits for a CPU as long as that
    thread runs at the window's priority (issue 24: several ms a key on 2 busy cores).
    On Linux each thread has a nice value of its own (set by its thread id), ``+10``
    from the process's here; elsewhere Qt's ``LowestPriority`` is honoured (on Linux it
    is not: every ordinary thread has priority 0). Call it in the worker thread; the
    thread keeps the priority until it ends, and a :class:`Task` thread is never reused.
    """
    if sys.platform.startswith("linux"):
        thread = threading.get_native_id()
        try:
            nice = os.getpriority(os.PRIO_PROCESS, thread)
            os.setpriority(os.PRIO_PROCESS, thread, min(19, nice + YIELDING_NICE))
        except OSError:
            log.debug("could not lower the worker thread's priority", exc_info=True)
    else:
        QThread.currentThread().setPriority(QThread.Priority.LowestPriority)


class _Thread(QThread):
    def __init__(self, task: Task):
        super().__init__()
        self._task = task

    def run(self) -> None:
        self._task._run()


class Task(QObject):
    """Run ``work(db, progress)`` once on a worker thread with its own connection.

    Parameters
    ----------
    project_path
        The project file; opened in the worker thread (read-only unless ``readonly``
        is False) and closed there when ``work`` returns or fails.
    work
        ``work(db, progress) -> result``. ``progress(done, total)`` emits
        :attr:`progress` and returns False once :meth:`cancel` was called; ``work``
        should then stop (by returning or raising). ``total`` 0 means "unknown".

    Exactly one of :attr:`finished`, :attr:`failed` or :attr:`cancelled` is emitted, then
    :attr:`done`.
    """

    progress = Signal(int, int)  # done, total (0: unknown)
    finished = Signal(object)  # what work returned
    failed = Signal(str)  # one line for the user
    cancelled = Signal()
    done = Signal()

    def __init__(self, project_path: Path, work: Work, *, readonly: bool = True):
        # No parent on purpose: a window closing while the work runs must not delete
        # the object the worker thread is still emitting from (``_RUNNING`` keeps it).
        super().__init__()
        self.project_path = Path(project_path)
        self._work = work
        self._readonly = readonly
        self._cancel = threading.Event()
        self._thread: _Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("a Task runs once; make a new one")
        self._thread = _Thread(self)
        self._thread.finished.connect(self._on_thread_finished)
        _RUNNING.add(self)
        self._thread.start()

    def cancel(self) -> None:
        """Ask the work to stop at its next progress report (results are then dropped)."""
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    def wait(self, msecs: int = 10_000) -> bool:
        """Block until the thread has ended (for closing windows and tests)."""
        return True if self._thread is None else self._thread.wait(msecs)

    def _report(self, done: int, total: int) -> bool:
        self.progress.emit(int(done), int(total))
        return not self._cancel.is_set()

    def _run(self) -> None:
        """The worker thread's body: open, work, close, and say how it went."""
        if self._cancel.is_set():
            self.cancelled.emit()
            self.done.emit()
            return
        db = None
        try:
            db = store.open_project(self.project_path, readonly=self._readonly)
            result = self._work(db, self._report)
        except Exception as error:  # every failure becomes one line, never a traceback
            if self._cancel.is_set():
                self.cancelled.emit()
            else:
                if not isinstance(error, StanceError | sqlite3.Error):
                    log.exception("background task failed")
                self.failed.emit(error_text(error))
        else:
            if self._cancel.is_set():
                self.cancelled.emit()
            else:
                self.finished.emit(result)
        finally:
            if db is not None:
                try:
                    db.close()
                except sqlite3.Error:
                    log.warning("could not close the worker's connection", exc_info=True)
        self.done.emit()

    def _on_thread_finished(self) -> None:
        _RUNNING.discard(self)
