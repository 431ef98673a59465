"""The child processes of :mod:`benchmarks.measures.window`: the real window, offscreen.

Only the standard library is imported at the top, so that the cold start measures the
app's imports and nothing of the benchmark's.

    python -m benchmarks.measures.window_child keys PROJECT --coder c1 --units 300 --settings DIR
    python -m benchmarks.measures.window_child cold PROJECT --coder c1 --units 20 --settings DIR
    python -m benchmarks.measures.window_child burst PROJECT --coder c1 --units 60 --settings DIR
    python -m benchmarks.measures.window_child loading PROJECT --coder c1 --units 40 --settings DIR

Each prints one JSON object on its last line; ``cold`` prints ``READY`` first, as soon
as the first sentence has been painted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

IDLE_MS = 20  # a pause between presses, so that each starts from a quiet event loop
SCROLL_STEPS = 100  # the sentence list is shown at this many places from top to bottom


def _guard_none() -> None:
    """Keep the measuring process alive despite a PySide6 bug.

    PySide6 6.12.0 drops a reference to None on every call that returns None, both ways
    (``widget.update()`` from Python, a Python ``eventFilter`` or ``paintEvent`` called
    by Qt); on Python 3.11, where None is not immortal, the interpreter aborts
    ("none_dealloc") once they run out, and the loops below call ``processEvents``
    hundreds of thousands of times. None's count is raised here (no memory, no time).
    6.11.3 does not have the bug; see benchmarks/README.md.
    """
    if sys.version_info < (3, 12):
        import ctypes

        ctypes.c_ssize_t.from_address(id(None)).value += 1 << 30


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (see benchmarks.harness)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _isolate_settings(folder: Path) -> None:
    from PySide6.QtCore import QSettings

    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder / scope.name))


def _qt_key(char: str):
    from PySide6.QtCore import Qt

    return getattr(Qt.Key, f"Key_{char.upper()}")


class _Painted:
    """Records paint events of some widgets: ``(time, unit id shown, widget)``; and the
    window's frames: ``(time, thread CPU time, index of the first paint after the frame)``
    at the end of each frame (every widget painted and the frame flushed)."""

    def __init__(self, window):
        from PySide6.QtCore import QEvent, QObject

        paint, update_request = QEvent.Type.Paint, QEvent.Type.UpdateRequest
        records = self.records = []
        frames = self.frames = []
        painted_starts = self.starts = []  # (the frame's start, the unit shown then)

        class Filter(QObject):
            def eventFilter(self, watched, event):
                if event.type() == paint:
                    unit = window.session.unit
                    records.append((time.perf_counter(), unit.id if unit else None, watched))
                elif event.type() == update_request and watched is window:
                    # The window's frame: delivered here, as Qt would, to time its end.
                    unit = window.session.unit
                    started = time.perf_counter()
                    watched.event(event)
                    frames.append((time.perf_counter(), time.thread_time(), len(records)))
                    painted_starts.append((started, unit.id if unit else None))
                    return True
                return False

        self.filter = Filter()
        window.installEventFilter(self.filter)

    def moved_by(self, before: str) -> float | None:
        """The start of the first frame drawn while a unit other than ``before`` shows."""
        return next((at for at, unit in self.starts if unit != before), None)

    def frame_of(self, viewport, before: str) -> tuple[float, float] | None:
        """``(time, thread CPU time)`` at the end of the first frame that painted
        ``viewport`` showing a unit other than ``before``."""
        for end, cpu, painted in self.frames:
            if any(w is viewport and u != before for _, u, w in self.records[:painted]):
                return end, cpu
        return None

    def watch(self, widget) -> None:
        widget.installEventFilter(self.filter)


def _plan(window, rng) -> list[tuple[str, str, str]]:
    """Keys to press on the shown unit: ``(dimension, code, key)``, the last completing it."""
    labels = window.session.labels
    scheme = window.scheme
    open_dims = [d for d in scheme.dimensions if d.id not in labels]
    if not open_dims:
        # Already complete: changing the last dimension's value completes it again.
        last = scheme.dimensions[-1]
        others = [c for c in last.categories if c.code != labels[last.id]]
        choice = others[int(rng.integers(len(others)))]
        return [(last.id, choice.code, choice.key)]
    plan = []
    for dimension in open_dims:
        choice = dimension.categories[int(rng.integers(len(dimension.categories)))]
        plan.append((dimension.id, choice.code, choice.key))
    return plan


def _open_window(project: str, coder: str):
    from PySide6.QtWidgets import QApplication, QTextBrowser

    from desktop.ui.main_window import MainWindow, keep_window

    app = QApplication.instance()
    window = MainWindow(Path(project), coder)
    keep_window(window)
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline and window.focusWidget() is not window.centre:
        app.processEvents()
    body = window.sentence_view.findChild(QTextBrowser, "sentenceBody")
    return app, window, body.viewport()


def _run_queue_ns() -> int | None:
    """How long this thread has waited for a CPU while ready to run (Linux schedstat),
    in ns; None where the system does not say."""
    import threading

    try:
        with open(f"/proc/self/task/{threading.get_native_id()}/schedstat") as handle:
            return int(handle.read().split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _pump_until(app, done, timeout: float = 5.0) -> bool:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        app.processEvents()
        if done():
            return True
    return False


def _idle(app, ms: int) -> None:
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)


def _press(app, window, key: str) -> str:
    """Press and release a key through the window's QWindow (or the widget, as a fallback)."""
    from PySide6.QtTest import QTest

    handle = window.windowHandle()
    if handle is not None:
        QTest.keyClick(handle, _qt_key(key))
        return "QTest.keyClick(QWindow)"
    QTest.keyClick(window, _qt_key(key))
    return "QTest.keyClick(QWidget)"


def _ready_to_press(window) -> None:
    """The measure's own first-time costs, before any press is timed: importing QTest
    and wrapping the window's QWindow in Python (its class's enums are made then) took
    5-7 ms of the first timed press, none of it the app's."""
    from PySide6.QtTest import QTest  # noqa: F401

    window.windowHandle()


def code_units(app, window, viewport, units: int, *, idle_ms: int = IDLE_MS, until=None) -> dict:
    """Code ``units`` units with the keyboard (fewer once ``until()`` is true before
    one); the timings of every press."""
    import numpy as np

    _ready_to_press(window)

    rng = np.random.default_rng(11)
    painted = _Painted(window)
    painted.watch(viewport)
    for button in window.coding_panel.buttons.values():
        painted.watch(button)
    out = {
        "next_ms": [],
        "pass_ms": [],
        "next_at_s": [],
        "next_cpu_ms": [],
        "feedback_ms": [],
        "handled_ms": [],
        "moved_ms": [],
        "next_runq_ms": [],
        "key_path": "",
    }
    for _ in range(units):
        if until is not None and until():
            break
        plan = _plan(window, rng)
        for position, (dimension, code, key) in enumerate(plan):
            before = window.session.unit.id
            button = window.coding_panel.buttons[(dimension, code)]
            completing = position == len(plan) - 1
            painted.records.clear()
            painted.frames.clear()
            painted.starts.clear()
            cpu = time.thread_time()
            waited = _run_queue_ns()
            start = time.perf_counter()
            out["key_path"] = _press(app, window, key)
            handled = time.perf_counter()
            if completing:
                moved = []

                def next_drawn(before=before, moved=moved):
                    unit = window.session.unit
                    if unit is not None and unit.id != before and not moved:
                        moved.append(time.perf_counter())
                    return painted.frame_of(viewport, before) is not None

                if not _pump_until(app, next_drawn):
                    raise RuntimeError(f"the next sentence was not drawn after unit {before}")
                end_pass = time.perf_counter()
                if waited is not None:
                    out["next_runq_ms"].append((_run_queue_ns() - waited) / 1e6)
                end, end_cpu = painted.frame_of(viewport, before)
                out["next_cpu_ms"].append((end_cpu - cpu) * 1000)
                out["next_at_s"].append(start)
                out["next_ms"].append((end - start) * 1000)
                out["pass_ms"].append((end_pass - start) * 1000)
                out["handled_ms"].append((handled - start) * 1000)
                # Moved: seen by the pump after the key returned, or by a frame before.
                seen = [t for t in (*moved, painted.moved_by(before)) if t is not None]
                out["moved_ms"].append((min(seen, default=end) - start) * 1000)
            else:
                if not _pump_until(
                    app, lambda b=button: any(w is b for _, _, w in painted.records)
                ):
                    raise RuntimeError(f"the chosen value was not drawn on unit {before}")
                out["feedback_ms"].append((time.perf_counter() - start) * 1000)
            _idle(app, idle_ms)
    return out


def _child_keys(args) -> dict:
    _isolate_settings(Path(args.settings))
    from desktop.ui import settings
    from desktop.ui.app import application

    application()
    settings.put(settings.TRANSITION_MS, 0)
    settings.put(settings.AUTO_ADVANCE, True)
    start = time.perf_counter()
    app, window, viewport = _open_window(args.project, args.coder)
    opened = time.perf_counter() - start
    # A large project's list and counts come from a thread after the first sentence
    # (desktop/ui/progress_count.py); coding is timed once they are in, and the wait is
    # reported (keys typed during it compete with that thread for the interpreter).
    # With --early the coder starts typing 0.2 s after the window opened, while the
    # thread reads; the presses made before the counts came are reported apart.
    counted_at = []
    if getattr(window.session, "counted", True):
        counted_at.append(time.perf_counter())
    else:
        original = window._count._counted

        def on_counted(listed, original=original):
            counted_at.append(time.perf_counter())
            original(listed)

        window._count._counted = on_counted  # the measure's probe; the window is unchanged
    if not args.early:
        _pump_until(app, lambda: bool(counted_at), timeout=300)
    _idle(app, 200)
    out = code_units(app, window, viewport, args.units)
    _pump_until(app, lambda: bool(counted_at), timeout=300)
    out["open_s"] = opened
    out["list_and_counts_s"] = counted_at[0] - start - opened
    out["during_count"] = [
        ms for ms, at in zip(out["next_ms"], out["next_at_s"], strict=True) if at < counted_at[0]
    ]
    window.close()
    return out


def _child_loading(args) -> dict:
    """Issue 24: the coder types from the first sentence on, while a large project's
    list of units and counts are read in the background; then ``--units`` more units
    after they came, as the same run's reference."""
    _isolate_settings(Path(args.settings))
    from desktop.ui import settings
    from desktop.ui.app import application

    application()
    settings.put(settings.TRANSITION_MS, 0)
    settings.put(settings.AUTO_ADVANCE, True)
    if args.background:  # a smaller project read as a 1M one is: after the first sentence
        from desktop.ui import progress_count

        progress_count.COUNT_LATER_ABOVE_UNITS = 0
    start = time.perf_counter()
    app, window, viewport = _open_window(args.project, args.coder)
    shown = time.perf_counter()  # the first sentence is on screen and has the focus
    # The other threads' CPU time while loading: the process's less the window's.
    process_cpu, window_cpu = time.process_time(), time.thread_time()
    count = window._count
    if count is None:
        raise SystemExit("the project's list and counts were read before the first sentence")
    counted_at = []
    original = count._counted

    def on_counted(listed, original=original):
        counted_at.append(time.perf_counter())
        others = (time.process_time() - process_cpu) - (time.thread_time() - window_cpu)
        counted_at.append(others)
        original(listed)

    count._counted = on_counted  # the measure's probe; the window is unchanged
    during = code_units(app, window, viewport, 1_000_000, until=lambda: bool(counted_at))
    _pump_until(app, lambda: bool(counted_at), timeout=300)
    _idle(app, 200)
    after = code_units(app, window, viewport, args.units)
    out = {
        "open_s": shown - start,
        "loading_s": counted_at[0] - shown,
        "loading_cpu_s": counted_at[1],
        "rows_listed": window.sidebar.units.rowCount(),
        "during": during,
        "after": after,
    }
    window.close()
    return out


BURST_INTERVAL_S = 0.040  # 25 keys a second: a practised coder typing ahead


def _burst_plan(window, units: int) -> list[str]:
    """The keys of ``units`` units from the shown one on, planned before typing (the
    screen lags behind a coder who types ahead): one key per dimension still open, or
    a changed last dimension on a unit already complete. Each key writes one label."""
    import numpy as np

    from desktop.core import store

    rng = np.random.default_rng(14)
    session, scheme = window.session, window.scheme
    start = session.position[0] - 1
    keys = []
    for seq in session.seqs[start : start + units]:
        unit = store.get_unit_by_seq(window.db, seq)
        labels = store.unit_labels(window.db, unit.id, session.coder)
        open_dims = [d for d in scheme.dimensions if d.id not in labels]
        if not open_dims:
            last = scheme.dimensions[-1]
            others = [c for c in last.categories if c.code != labels[last.id]]
            keys.append(others[int(rng.integers(len(others)))].key)
            continue
        for dimension in open_dims:
            keys.append(dimension.categories[int(rng.integers(len(dimension.categories)))].key)
    return keys


def burst_units(app, window, viewport, units: int) -> dict:
    """Type the keys of ``units`` units at 25 keys a second on a fixed schedule, with the
    coder's pause after each unit as it is by default; for every key, the time from its
    press to the first paint after its label was committed and applied to the views."""
    from PySide6.QtCore import QEvent, QObject

    keys = _burst_plan(window, units)
    _ready_to_press(window)
    applied: list[tuple[float, int, float | None]] = []  # (time, changes, pause's end)
    original_apply = window._apply
    ending = []

    def timed_apply(update):
        # The window applies a transition's update right after finish_transition returns.
        pause_end = ending.pop() if ending else None
        original_apply(update)
        applied.append((time.perf_counter(), len(update.changes), pause_end))

    window._apply = timed_apply  # the measure's probe; the window's code is unchanged
    original_finish = window.session.finish_transition

    def timed_finish(token):
        started = time.perf_counter()  # the pause is over: the queued keys apply from here
        update = original_finish(token)
        ending.clear()
        if not update.ignored:
            ending.append(started)
        return update

    window.session.finish_transition = timed_finish
    paints: list[float] = []
    paint = QEvent.Type.Paint

    class Filter(QObject):
        def eventFilter(self, watched, event):
            if event.type() == paint:
                paints.append(time.perf_counter())
            return False

    watcher = Filter()
    viewport.installEventFilter(watcher)
    for button in window.coding_panel.buttons.values():
        button.installEventFilter(watcher)
    sent = []
    start = time.perf_counter()
    for n, key in enumerate(keys):
        while time.perf_counter() < start + n * BURST_INTERVAL_S:
            app.processEvents()
        sent.append(time.perf_counter())
        _press(app, window, key)
    if not _pump_until(
        app, lambda: sum(c for _, c, _ in applied) >= len(keys) and not window.session.pending
    ):
        raise RuntimeError("not every key typed ahead was applied")
    _idle(app, 50)
    written = sum(c for _, c, _ in applied)
    if written != len(keys):
        raise RuntimeError(f"{len(keys)} keys typed, {written} labels written")
    # Key k's label is the k-th change; it is drawn by the first paint after its apply.
    drawn_ms, excess_ms, queued = [], [], 0
    key = 0
    for when, count, pause_end in applied:
        drawn = next((t for t in paints if t >= when), None)
        if drawn is None:
            raise RuntimeError("a label written while typing ahead was never drawn")
        for _ in range(count):
            drawn_ms.append((drawn - sent[key]) * 1000)
            # The app's own part: from the later of the press and the pause's end.
            excess_ms.append((drawn - max(sent[key], pause_end or sent[key])) * 1000)
            queued += pause_end is not None and pause_end > sent[key]
            key += 1
    window._apply = original_apply
    window.session.finish_transition = original_finish
    return {
        "keys": len(keys),
        "units": units,
        "drawn_ms": drawn_ms,
        "excess_ms": excess_ms,
        "queued_keys": queued,
        "transition_ms": None,
    }


def _child_burst(args) -> dict:
    _isolate_settings(Path(args.settings))
    from desktop.ui import settings
    from desktop.ui.app import application

    application()
    settings.put(settings.AUTO_ADVANCE, True)
    transition = settings.get(settings.TRANSITION_MS)  # the default pause, kept
    app, window, viewport = _open_window(args.project, args.coder)
    _idle(app, 200)
    # The plan reads the session's list, which a large project reads after opening.
    _pump_until(app, lambda: window.session.seqs is not None, timeout=300)
    out = burst_units(app, window, viewport, args.units)
    out["transition_ms"] = transition
    window.close()
    return out


def _child_cold(args, imports_started: float) -> dict:
    _isolate_settings(Path(args.settings))
    from PySide6.QtCore import QEvent, QObject, QTimer

    from desktop.ui import settings
    from desktop.ui.app import application

    imports_s = time.perf_counter() - imports_started
    rss_after_imports = peak_rss_mb()
    app = application()
    settings.put(settings.TRANSITION_MS, 0)
    report: dict = {"imports_s": imports_s, "rss_after_imports_mb": rss_after_imports}
    paint = QEvent.Type.Paint
    started = time.perf_counter()

    def after_first_sentence() -> None:
        from PySide6.QtWidgets import QAbstractItemView, QApplication, QTextBrowser

        from desktop.ui.main_window import MainWindow

        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
        window.activateWindow()
        viewport = window.sentence_view.findChild(QTextBrowser, "sentenceBody").viewport()
        _pump_until(app, lambda: window.focusWidget() is window.centre)
        code_units(app, window, viewport, args.units, idle_ms=0)
        # A large project's list and counts come from a thread after the first sentence
        # (desktop/ui/progress_count.py): the memory is measured with them in.
        _pump_until(app, lambda: window.session.counted, timeout=300)
        unit_list = window.sidebar.findChild(QAbstractItemView, "unitList")
        bar = unit_list.verticalScrollBar()
        for step in range(SCROLL_STEPS + 1):
            bar.setValue(bar.maximum() * step // SCROLL_STEPS)
            app.processEvents()
        report["peak_rss_mb"] = peak_rss_mb()
        window.close()

    class FirstSentence(QObject):
        seen = False

        def eventFilter(self, watched, event):
            if (
                not self.seen
                and event.type() == paint
                and watched.parent() is not None
                and watched.parent().objectName() == "sentenceBody"
            ):
                self.seen = True
                report["inside_s"] = time.perf_counter() - started
                QTimer.singleShot(0, self.ready)
            return False

        def ready(self):
            app.removeEventFilter(self)
            print("READY", flush=True)
            report["rss_at_ready_mb"] = peak_rss_mb()
            QTimer.singleShot(0, after_first_sentence)

    watcher = FirstSentence()
    app.installEventFilter(watcher)
    from desktop.cli import main

    code = main(["gui", args.project, "--coder", args.coder])
    if code != 0:
        raise SystemExit(f"the window exited with {code}")
    return report


def main(argv: list[str] | None = None) -> None:
    imports_started = time.perf_counter()
    parser = argparse.ArgumentParser(description="window measures (a child process)")
    parser.add_argument("what", choices=("keys", "cold", "burst", "loading"))
    parser.add_argument("project")
    parser.add_argument("--coder", default="c1")
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--settings", required=True)
    parser.add_argument("--early", action="store_true", help="keys: type from 0.2 s after opening")
    parser.add_argument(
        "--background", action="store_true", help="loading: read the list after the first sentence"
    )
    args = parser.parse_args(argv)
    _guard_none()
    if args.what == "burst":
        out = _child_burst(args)
    elif args.what == "loading":
        out = _child_loading(args)
    else:
        out = _child_keys(args) if args.what == "keys" else _child_cold(args, imports_started)
    print(json.dumps(out), flush=True)
    # Leave without tearing Qt down from Python: PySide6 6.12 can crash while finalizing
    # (none_dealloc) after the figures are out, which would lose nothing but the exit code.
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
