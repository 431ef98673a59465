"""A program for tests to kill: it codes labels, or imports articles, and says what it did.

Run by tests/reliability/test_crash_kill.py, never collected itself.

``python killable_writer.py labels PROJECT``
    Imports the app once, prints ``ready``, then for every ``round SEED`` line on
    standard input forks a writer. The writer opens the project and calls
    ``store.set_label`` (the function the coding window's session calls) over and over,
    printing ``ack I`` after each call has returned; the test kills it with SIGKILL. The
    program prints ``pid N`` for each writer and ``end N`` once it is gone. Forking saves
    the half second of imports per kill; the writer is still a separate process that
    dies without any cleanup.

``python killable_writer.py import PROJECT FILE``
    Imports FILE with ``import_paths`` (what ``stancecoder import`` calls), printing
    ``reading`` as it starts, ``storing`` once every batch is stored (the commit comes
    next) and ``done`` after.

``python killable_writer.py merge PROJECT PACKAGE``
    Merges a coder package with ``merge_files`` (what ``stancecoder merge`` calls),
    printing ``merging`` before and ``done`` after.
"""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

CODER = "kill"

# The writes of one round: (unit_id, dimension, value or None to clear).
Write = tuple[str, str, str | None]


def plan(seed: int, units: Sequence[str], codes: dict[str, Sequence[str]]) -> Iterator[Write]:
    """The writes a round makes, in order: the same in the writer and in the test."""
    rng = random.Random(seed)
    dimensions = sorted(codes)
    while True:
        unit = rng.choice(units)
        dimension = rng.choice(dimensions)
        value = None if rng.random() < 0.15 else rng.choice(list(codes[dimension]))
        yield unit, dimension, value


def project_shape(db) -> tuple[list[str], dict[str, list[str]]]:
    """The codable units (in order) and the codes of each dimension."""
    from desktop.core import store

    units = [r[0] for r in db.execute("SELECT id FROM units WHERE excluded = 0 ORDER BY seq")]
    scheme = store.current_scheme(db)
    return units, {d.id: list(d.codes) for d in scheme.dimensions}


def _say(line: str) -> None:
    os.write(1, (line + "\n").encode())  # one write, no buffer: it is out once it returns


def _write_forever(project: Path, seed: int) -> None:
    from desktop.core import store

    db = store.open_project(project)
    units, codes = project_shape(db)
    for index, (unit, dimension, value) in enumerate(plan(seed, units, codes)):
        store.set_label(db, unit, CODER, dimension, value, seconds=1.5)
        _say(f"ack {index}")


def labels_main(project: Path) -> None:
    import desktop.core.store  # noqa: F401 - imported once, before forking

    _say("ready")
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command != "round":
            break
        pid = os.fork()
        if pid == 0:
            try:
                _write_forever(project, int(argument))
            finally:
                os._exit(0)
        _say(f"pid {pid}")
        os.waitpid(pid, 0)
        _say(f"end {pid}")


def import_main(project: Path, source: Path) -> None:
    from desktop.core import store
    from desktop.core.corpus.importer import import_paths

    db = store.open_project(project)

    def progress(done: int, total: int, what: str) -> None:
        if what == "storing":
            _say("storing")

    _say("reading")
    import_paths(db, [source], progress=progress)
    _say("done")


def merge_main(project: Path, package: Path) -> None:
    from desktop.core import store
    from desktop.core.team import merge_files

    db = store.open_project(project)
    _say("merging")
    merge_files(db, [package], who="lead")
    _say("done")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    if sys.argv[1] == "labels":
        labels_main(Path(sys.argv[2]))
    elif sys.argv[1] == "merge":
        merge_main(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        import_main(Path(sys.argv[2]), Path(sys.argv[3]))
