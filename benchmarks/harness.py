"""What every measure shares: the result record, percentiles, child processes, the machine.

A measure returns a :class:`Result`: one headline ``value`` (the figure the target is
judged on), the other ``figures`` (all numbers), the ``target`` in words, ``met`` (True,
False, or None when the entry is only reported), and free-form ``details``.
"""

from __future__ import annotations

import json
import math
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
NOT_AVAILABLE = "not available yet"


@dataclass
class Result:
    """One row of the results table."""

    key: str
    what: str
    value: float | None
    unit: str
    target: str
    met: bool | None
    figures: dict[str, float] = field(default_factory=dict)
    details: dict = field(default_factory=dict)
    summary: str = ""  # the figure as the table shows it

    def as_json(self) -> dict:
        out = asdict(self)
        del out["key"]
        out["value"] = _finite(self.value)
        out["figures"] = {k: _finite(v) for k, v in self.figures.items()}
        return out


def _finite(value):
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def failed(key: str, what: str, unit: str, target: str, error: BaseException | str) -> Result:
    """A measure that could not run: reported as missed, with the reason."""
    return Result(key, what, None, unit, target, False, details={"error": str(error)})


def percentiles(samples: Sequence[float], points: Sequence[int] = (50, 95, 99)) -> dict:
    """``{"p50": ..., ...}`` of ``samples`` (linear interpolation, as numpy)."""
    values = np.asarray(samples, dtype=float)
    return {f"p{p}": float(np.percentile(values, p)) for p in points}


def rounded(figures: dict, digits: int = 3) -> dict:
    return {k: (round(v, digits) if isinstance(v, float) else v) for k, v in figures.items()}


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (2**20 bytes).

    On Linux this is ``VmHWM`` of /proc/self/status, the high-water mark of this
    program's own memory: ``ru_maxrss`` would also count the parent's memory at the
    moment it forked this process, which survives ``exec``.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a measuring child: offscreen Qt, the repository importable."""
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.update(extra or {})
    return env


def run_child(module: str, args: Sequence[str], *, timeout: float = 600) -> dict:
    """Run ``python -m module args`` and return the JSON object it prints last.

    Raises
    ------
    RuntimeError
        With the child's error output when it fails or prints no JSON.
    """
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=timeout,
        cwd=REPO,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-12:]
        raise RuntimeError(f"{module} exited with {done.returncode}: " + " | ".join(tail))
    return json.loads(lines[-1])


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def _memory_gb() -> float | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _git_commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=10,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "?"
    commit = done.stdout.strip() or "?"
    return commit + ("+changes" if dirty.stdout.strip() else "")


def machine() -> dict:
    """What the figures were measured on."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": _cpu_model(),
        "memory_gb": _memory_gb(),
        "load_average_at_start": [round(x, 2) for x in load] if load else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "packages": {
            name: _version(name)
            for name in (
                "stancecoder",
                "PySide6-Essentials",
                "numpy",
                "pandas",
                "pyarrow",
                "krippendorff",
                "sqlite-utils",
                "syntok",
                "pysbd",
                "blingfire",
            )
        },
        "git": _git_commit(),
    }


def speed_gauge(repeats: int = 5) -> float:
    """Seconds for a fixed piece of plain Python work (best of ``repeats``).

    The machine is shared, and the same commit runs up to twice as slow in one hour as in
    another; this gauge, taken at the start and the end of a run, says how fast the
    machine was while the figures were taken (lower is faster).
    """
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        rows = [(i % 97, f"c{i % 5}", i * 0.5) for i in range(200_000)]
        index = {row: n for n, row in enumerate(rows)}
        text = ",".join(map(repr, sorted(rows, key=lambda r: (r[1], r[0]))))
        if not text or len(index) != len(rows):  # keeps the work from being skipped
            raise RuntimeError("speed gauge: unexpected result")
        best = min(best, time.perf_counter() - start)
    return best
