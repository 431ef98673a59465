"""key_to_next_ms, cold_start_s and open_rss_mb: the real coding window, offscreen.

Each measure runs in a child process (:mod:`benchmarks.measures.window_child`) with
QSettings in a fresh folder, so the user's settings are never read or written and every
run starts alike.

key_to_next_ms
    On a working copy of the 100k project, coder ``c1`` codes units in order. On each
    unit the keys of the dimensions still open are pressed through the window's
    platform window (``QTest.keyClick`` on its ``QWindow``: the path of a real key, shortcut
    map included); the press that completes the unit is timed from just before the key
    event to the end of the frame that painted the next sentence (the main window's
    update request in which the sentence view's viewport painted while the session shows
    the next unit, timed when every widget of that frame is painted and flushed; what the
    window draws in later frames, the lists and the status bar, is not counted). The
    return of the event-loop pass that painted it, the end point before, is ``pass``. The
    coder's pause after completing a unit (``coding/transition_ms``, 160 ms by default,
    a deliberate moment to see the chosen value) is set to 0: what is measured is the
    app's own work. The other presses are timed to the paint of the chosen category's
    button (``feedback``).
key_burst_ms
    Typing ahead (issue 14): the keys of ``units`` units typed at 25 keys a second on a
    fixed schedule, through the same key path, with the coder's pause after each unit at
    its default (160 ms). A key typed during a pause waits for it (queued, in order). For
    every key: the time from its press to the first paint after its label was committed
    and applied to the views. The target is the pause plus one frame; ``excess_p99`` is
    the app's own part (from the later of the press and the pause's end), held to the
    one frame of key_to_next_ms.
key_while_loading_ms
    Issue 24: on a project large enough to open before its list of units and the
    coder's counts are read (desktop/ui/progress_count.py; the 1M project; smaller ones
    are made to load so with ``background``), the coder
    types from the moment the first sentence is shown: units are coded as in
    key_to_next_ms until the list and counts are in, then ``units`` more as the same
    run's reference. The window is opened ``opens`` times (a fresh process each); the
    completing presses made while loading are pooled. Reported beside the p99: the
    reference's p99, how long the loading took (first sentence to list and counts in)
    and its thread's CPU time, and how long the window's thread waited for a CPU (Linux
    schedstat) during a press, loading and after.
cold_start_s
    From spawning ``python`` to the first paint of the first sentence, through the real
    entry point (``desktop.cli.main(["gui", project, "--coder", coder])``), with the file
    in the operating system's cache (the usual case when a coder reopens the project).
open_rss_mb
    The peak resident memory of that process after it has also coded
    :data:`RSS_UNITS` units and scrolled the sentence list from top to bottom.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.harness import Result, child_env, percentiles, rounded, run_child

TARGET_FRAME_MS = 16.0
TARGET_KEY_100K_MS = 8.0  # issue 24: half a frame at 100k (16 ms, one frame, at 1M)
TARGET_COLD_S = 1.5
TARGET_RSS_MB = 400.0
RSS_UNITS = 20


# -- the parent's side -------------------------------------------------------------------


def measure_key_to_next(
    project: Path, workdir: Path, units: int, target_ms: float = TARGET_FRAME_MS
) -> Result:
    settings = workdir / "settings-keys"
    data = run_child(
        "benchmarks.measures.window_child",
        ["keys", str(project), "--coder", "c1", "--units", str(units), "--settings", str(settings)],
    )
    figures = percentiles(data["next_ms"], (50, 95, 99))
    figures["max"] = max(data["next_ms"])
    feedback = percentiles(data["feedback_ms"], (50, 99)) if data["feedback_ms"] else {}
    figures.update({f"feedback_{k}": v for k, v in feedback.items()})
    cpu = percentiles(data["next_cpu_ms"], (50, 99))
    figures.update({f"cpu_{k}": v for k, v in cpu.items()})
    for part in ("handled_ms", "moved_ms"):
        figures[f"{part[:-3]}_p50_ms"] = statistics.median(data[part])
    if data.get("pass_ms"):
        passes = percentiles(data["pass_ms"], (50, 99))
        figures.update({f"pass_{k}": v for k, v in passes.items()})
    return Result(
        "key_to_next_ms",
        "category key press to the next sentence drawn, real main window (offscreen)",
        figures["p99"],
        "ms (p99)",
        f"p99 <= {target_ms:g}" + (" (one frame)" if target_ms == TARGET_FRAME_MS else ""),
        bool(figures["p99"] <= target_ms),
        rounded(figures),
        summary=" · ".join(f"{p} {figures[p]:.1f}" for p in ("p50", "p95", "p99")) + " ms",
        details={
            "presses_timed": len(data["next_ms"]),
            "feedback_presses": len(data["feedback_ms"]),
            "key_path": data["key_path"],
            "transition_ms": "0 (the default 160 ms pause is a deliberate delay, not counted)",
            "parts": "handled: key event returned (label stored, fsync included); moved: the "
            "session shows the next unit (at the latest by the start of the frame that "
            "shows it); p99: the end of the frame that painted the next "
            "sentence (every widget of that frame painted and flushed; what the window draws "
            "after it, such as the lists and the status bar, is not counted); pass: the "
            "return of the event-loop pass that painted it (the end point before issue 24's "
            "second round, which counted the work done after the frame in the same pass); "
            "cpu: the window thread's CPU time up to the frame's end (the fsync's wait not "
            "included)",
            "window_open_s": round(data["open_s"], 3),
        },
    )


def measure_key_burst(project: Path, workdir: Path, units: int) -> Result:
    settings = workdir / "settings-burst"
    data = run_child(
        "benchmarks.measures.window_child",
        [
            "burst",
            str(project),
            "--coder",
            "c1",
            "--units",
            str(units),
            "--settings",
            str(settings),
        ],
    )
    pause = float(data["transition_ms"])
    target = pause + TARGET_FRAME_MS
    figures = percentiles(data["drawn_ms"], (50, 95, 99))
    figures["max"] = max(data["drawn_ms"])
    excess = percentiles(data["excess_ms"], (50, 99))
    figures.update({f"excess_{k}": v for k, v in excess.items()})
    met = figures["p99"] <= target and excess["p99"] <= TARGET_FRAME_MS
    return Result(
        "key_burst_ms",
        "typing ahead at 25 keys/s: key press to its label committed and drawn, real window",
        figures["p99"],
        "ms (p99)",
        f"p99 <= {target:g} (the {pause:g} ms pause + one frame); app's own part p99 <= "
        f"{TARGET_FRAME_MS:g}",
        bool(met),
        rounded(figures),
        summary=f"p50 {figures['p50']:.1f} · p99 {figures['p99']:.1f} ms "
        f"(app's own part p99 {excess['p99']:.1f} ms)",
        details={
            "keys": data["keys"],
            "units": data["units"],
            "keys_that_waited_for_a_pause": data["queued_keys"],
            "transition_ms": pause,
            "pace": "one key every 40 ms on a fixed schedule (25 keys/s)",
            "every_key_written": True,
        },
    )


def measure_key_while_loading(
    project: Path, workdir: Path, opens: int, units: int, *, background: bool = False
) -> Result:
    during: dict[str, list[float]] = {"next_ms": [], "next_cpu_ms": [], "next_runq_ms": []}
    after: dict[str, list[float]] = {k: [] for k in during}
    loading_s, loading_cpu_s, rows = [], [], set()
    for n in range(opens):
        data = run_child(
            "benchmarks.measures.window_child",
            [
                "loading",
                str(project),
                "--coder",
                "c1",
                "--units",
                str(units),
                "--settings",
                str(workdir / f"settings-loading-{n}"),
                *(["--background"] if background else []),
            ],
        )
        for key in during:
            during[key] += data["during"][key]
            after[key] += data["after"][key]
        loading_s.append(data["loading_s"])
        loading_cpu_s.append(data["loading_cpu_s"])
        rows.add(data["rows_listed"])
    what = "key press to the next sentence drawn while the project's list and counts load"
    target = f"p99 <= {TARGET_FRAME_MS:g} (one frame, as after loading)"
    if not during["next_ms"]:  # a small project: read before the first key could be pressed
        status = (
            f"the list and counts came {statistics.median(loading_s) * 1000:.0f} ms after "
            "the first sentence, before a unit was coded"
        )
        return Result(
            "key_while_loading_ms", what, None, "ms (p99)", target, None, summary=status,
            details={"status": status, "opens": opens, "background": background},
        )  # fmt: skip
    figures = percentiles(during["next_ms"], (50, 95, 99))
    figures["max"] = max(during["next_ms"])
    reference = percentiles(after["next_ms"], (50, 99))
    figures.update({f"after_{k}": v for k, v in reference.items()})
    figures["after_max"] = max(after["next_ms"])
    figures["ratio_p99"] = figures["p99"] / reference["p99"]
    figures.update({f"cpu_{k}": v for k, v in percentiles(during["next_cpu_ms"], (50, 99)).items()})
    for name, part in (("runq", during), ("after_runq", after)):
        if part["next_runq_ms"]:
            waits = percentiles(part["next_runq_ms"], (50, 99))
            figures.update({f"{name}_{k}": v for k, v in waits.items()})
    figures["loading_s"] = statistics.median(loading_s)
    figures["loading_cpu_s"] = statistics.median(loading_cpu_s)
    return Result(
        "key_while_loading_ms",
        what,
        figures["p99"],
        "ms (p99)",
        target,
        bool(figures["p99"] <= TARGET_FRAME_MS),
        rounded(figures),
        summary=f"p99 {figures['p99']:.1f} ms (after loading {reference['p99']:.1f} ms, same "
        f"runs) · loading {figures['loading_s']:.1f} s, {figures['loading_cpu_s']:.1f} s CPU",
        details={
            "opens": opens,
            "presses_while_loading": len(during["next_ms"]),
            "presses_after": len(after["next_ms"]),
            "loading_s_each": [round(x, 2) for x in loading_s],
            "rows_listed": sorted(rows),
            "start": "the first press as soon as the first sentence is shown and has the focus",
            "runq": "the window thread's wait for a CPU during a press (Linux schedstat)",
            "transition_ms": "0, as key_to_next_ms",
            "background": "the project's own size decides (above 200,000 units)"
            if not background
            else "forced: a project below 200,000 units read after the first sentence too",
        },
    )


def _cold_run(project: Path, settings: Path, units: int) -> dict:
    args = [
        sys.executable, "-m", "benchmarks.measures.window_child", "cold", str(project),
        "--coder", "c1", "--units", str(units), "--settings", str(settings),
    ]  # fmt: skip
    start = time.perf_counter()
    child = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env()
    )
    ready = None
    report = None
    for line in child.stdout:
        if line.startswith("READY") and ready is None:
            ready = time.perf_counter() - start
        elif line.startswith("{"):
            report = json.loads(line)
    error = child.stderr.read()
    child.wait(timeout=300)
    if child.returncode != 0 or ready is None or report is None:
        tail = " | ".join(error.strip().splitlines()[-8:])
        raise RuntimeError(f"the cold-start child failed ({child.returncode}): {tail}")
    report["ready_s"] = ready
    return report


def measure_cold_start(project: Path, workdir: Path, runs: int) -> list[Result]:
    reports = [_cold_run(project, workdir / f"settings-cold-{n}", RSS_UNITS) for n in range(runs)]
    ready = [r["ready_s"] for r in reports]
    inside = [r["inside_s"] for r in reports]
    cold = {
        "median": statistics.median(ready),
        "min": min(ready),
        "max": max(ready),
        "python_and_imports_s": statistics.median(r["imports_s"] for r in reports),
        "after_imports_s": statistics.median(inside),
    }
    peak = max(r["peak_rss_mb"] for r in reports)
    rss = {
        "peak": peak,
        "at_first_sentence": statistics.median(r["rss_at_ready_mb"] for r in reports),
        "after_imports": statistics.median(r["rss_after_imports_mb"] for r in reports),
    }
    return [
        Result(
            "cold_start_s",
            "process start to the first sentence ready to code, 100k project",
            cold["median"],
            "s (median)",
            f"<= {TARGET_COLD_S:g}",
            bool(cold["median"] <= TARGET_COLD_S),
            rounded(cold),
            summary=f"{cold['median']:.2f} s (median of {runs}; imports "
            f"{cold['python_and_imports_s']:.2f} s)",
            details={
                "runs": runs,
                "entry": 'desktop.cli.main(["gui", project, "--coder", "c1"])',
                "file_cache": "warm (the project file was just copied)",
                "runs_s": [round(x, 3) for x in ready],
            },
        ),
        Result(
            "open_rss_mb",
            "peak resident memory of the window with the 100k project open",
            peak,
            "MB",
            f"<= {TARGET_RSS_MB:g}",
            bool(peak <= TARGET_RSS_MB),
            rounded(rss, 1),
            summary=f"{peak:.0f} MB (at the first sentence {rss['at_first_sentence']:.0f} MB)",
            details={
                "use": f"opened, {RSS_UNITS} units coded, the sentence list scrolled through",
                "measured_as": "VmHWM, the child process's own high-water mark",
            },
        ),
    ]
