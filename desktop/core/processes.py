"""Worker processes: how many cores there are, and how to start a process safely.

Processes are started with the ``spawn`` method everywhere: forking a process that runs
Qt's threads is unsafe, and ``spawn`` is what macOS and Windows use anyway. A spawned
process imports the program's main module again (as ``__mp_main__``), so every entry
point keeps its work under ``if __name__ == "__main__"``.
"""

from __future__ import annotations

import multiprocessing
import os
from multiprocessing.context import SpawnContext


def usable_cpus() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def spawn_context() -> SpawnContext:
    return multiprocessing.get_context("spawn")
