"""Clutter rules and sentence segmentation of a large import in worker processes.

Applying the clutter rules and segmenting are most of an import's time and a pure
function of each article's text, so a large import sends batches of articles
(:func:`desktop.core.corpus.split.split_texts`) to a small pool of processes (one per
usable core, at most :data:`MAX_WORKERS`) while this process reads the next files, and
stores the articles in order as the batches come back; whenever it waits for a batch,
it segments the next one no worker has started (:meth:`LineSegmenter.take_back`). A
small import is segmented here: starting the workers would cost more than it saves.

The pool is started with the ``spawn`` method (see :mod:`desktop.core.processes`). If
the pool cannot start or a worker dies, the batch is segmented in
this process instead, and so is any batch whose segmentation raised, so that the error
is the one a serial import gives. The result never depends on the pool.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from desktop.core.corpus.segment import spans_of_lines
from desktop.core.processes import spawn_context, usable_cpus

#: Below this many bytes of input files an import is segmented in this process
#: (about a second of segmentation; starting a worker takes about a tenth of that).
PARALLEL_MIN_BYTES = 2_000_000
MAX_WORKERS = 4
#: Lines per batch sent to a worker: large enough that sending them costs little,
#: small enough that the last batches keep every worker busy.
BATCH_LINES = 400
#: Environment variable that fixes the number of worker processes (1: none).
WORKERS_ENV = "STANCECODER_IMPORT_WORKERS"


def choose_workers(total_bytes: int, requested: int | None = None) -> int:
    """How many processes segment an import of ``total_bytes`` (1: this one alone)."""
    if requested is None:
        fixed = os.environ.get(WORKERS_ENV, "").strip()
        requested = int(fixed) if fixed.isdigit() else None
    if requested is not None:
        return max(1, requested)
    if total_bytes < PARALLEL_MIN_BYTES:
        return 1
    return max(1, min(usable_cpus(), MAX_WORKERS))


class _Done:
    """A batch done in this process, shaped like a future."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def done(self) -> bool:
        return True


class LineSegmenter:
    """Runs ``work`` (by default :func:`spans_of_lines`) on batches in ``workers``
    processes (and here, for the batches its caller takes back, :meth:`take_back`), or
    all here when ``workers`` is 1. ``work`` must be a module-level function of a module
    that imports nothing heavy (the workers import it).

    Use as a context manager: leaving it stops the workers, also when the import is
    cancelled or fails half way (batches not yet started are dropped).
    """

    def __init__(self, workers: int, work=spans_of_lines) -> None:
        self._work = work
        self._pool: ProcessPoolExecutor | None = None
        if workers > 1:
            try:
                self._pool = ProcessPoolExecutor(workers, mp_context=spawn_context())
            except (OSError, ValueError, NotImplementedError):
                self._pool = None

    @property
    def parallel(self) -> bool:
        return self._pool is not None

    @staticmethod
    def started(pending: Future | _Done) -> bool:
        """Whether a worker has taken ``pending`` (or it is done): too late to take back."""
        return not isinstance(pending, Future) or pending.running() or pending.done()

    def submit(self, *args) -> Future | _Done:
        """Start ``work(*args)``; its result comes from :meth:`result`."""
        if self._pool is not None:
            try:
                return self._pool.submit(self._work, *args)
            except (BrokenProcessPool, RuntimeError, OSError):
                self._give_up_pool()
        return _Done(self._work(*args))

    def take_back(self, pending: Future | _Done, *args) -> Future | _Done:
        """Do ``pending`` here if no worker has started it yet (so that this process
        works while it waits for an earlier batch); else return it unchanged."""
        if isinstance(pending, Future) and pending.cancel():
            return _Done(self._work(*args))
        return pending

    def result(self, pending: Future | _Done, *args) -> Any:
        """``work(*args)``, which was submitted as ``pending`` (done here if its worker
        died or it raised there)."""
        if isinstance(pending, _Done):
            return pending.value
        try:
            return pending.result()
        except (BrokenProcessPool, OSError):
            self._give_up_pool()
        except Exception:
            pass  # doing it here raises it again, as a serial import does
        return self._work(*args)

    def _give_up_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> LineSegmenter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
