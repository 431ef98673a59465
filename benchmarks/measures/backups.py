"""backup_bytes: five backups of the project, 200 labels changed between each (issue 24).

On a working copy of the labelled project, five backups are made with the real
``make_backup`` (deduplicated blocks, :mod:`desktop.core.store.blockstore`), a coder
setting 200 labels with the real ``store.set_label`` on random units before each of the
last four. Reported: the bytes of the backups folder against five times the project file
(what five full copies took before), and the time of one backup against a plain
``shutil.copyfile`` of the same file into the same folder, timed just before it in the
same run (the floor any full copy pays). Every backup runs ``PRAGMA quick_check`` on its
snapshot (beside the hashing, in a thread): it is timed alone as well, and so is the
previous version's backup (SQLite's backup API into a new file, then ``quick_check``).

The time target compares one backup with a *checked* copy: ``copyfile`` plus
``quick_check`` of the file, both timed in the same run. The check is kept on purpose (a
damaged project must never push good backups out of the rotation), so a bare copy is not
a fair floor; the ratio to the bare copy is reported beside it.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.harness import Result, rounded

BACKUPS = 5
CHANGES = 200
TARGET_BYTES_RATIO = 2.0  # the five backups together, against one project file
TARGET_TIME_RATIO = 2.0  # one backup, against a plain copy of the file


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def _change_labels(project: Path, count: int, rng) -> None:
    from desktop.core import store

    db = store.open_project(project)
    try:
        seqs = store.coded_unit_seqs(db)
        coder = store.list_coders(db)[0]["id"]
        dimensions = store.current_scheme(db).dimensions
        for n, i in enumerate(rng.choice(len(seqs), size=count)):
            unit = store.get_unit_by_seq(db, seqs[i]).id
            dimension = dimensions[n % len(dimensions)]
            code = dimension.codes[int(rng.integers(len(dimension.codes)))]
            store.set_label(db, unit, coder, dimension.id, code, seconds=3.0)
    finally:
        db.close()


def _quick_check(project: Path) -> None:
    conn = sqlite3.connect(f"{project.resolve().as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA quick_check").fetchall()
    finally:
        conn.close()


def _previous_backup(project: Path, target: Path) -> None:
    """What a backup cost before issue 24: a full copy by the backup API, checked."""
    source = sqlite3.connect(f"{project.resolve().as_uri()}?mode=ro", uri=True)
    copy = sqlite3.connect(target, isolation_level=None)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")
        if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise RuntimeError("the previous backup's copy failed quick_check")
    finally:
        copy.close()
        source.close()


def backup_figures(project: Path, data: Path, *, seed: int = 11, previous: bool = True) -> dict:
    """Make the five backups of ``project`` with the data folder at ``data``; the figures."""
    os.environ["STANCECODER_DATA_DIR"] = str(data)
    from desktop.core.store import backup

    rng = np.random.default_rng(seed)
    scratch = data / "copy.stance"
    data.mkdir(parents=True, exist_ok=True)
    copies, backups, made = [], [], []
    for n in range(BACKUPS):
        if n:
            _change_labels(project, CHANGES, rng)
        copies.append(_timed(lambda: shutil.copyfile(project, scratch)))
        scratch.unlink()
        backups.append(_timed(lambda: made.append(backup.make_backup(project))))
    figures = {
        "project_bytes": project.stat().st_size,
        "backups_bytes": _folder_bytes(data / "backups"),
        "first_backup_s": backups[0],
        "backup_s": statistics.median(backups[1:]),
        "copyfile_s": statistics.median(copies[1:]),
        "first_copyfile_s": copies[0],
    }
    figures["quick_check_s"] = _timed(lambda: _quick_check(project))  # part of each backup
    if previous:
        figures["previous_backup_s"] = _timed(lambda: _previous_backup(project, scratch))
        scratch.unlink()
    figures["bytes_ratio"] = figures["backups_bytes"] / figures["project_bytes"]
    figures["copy_ratio"] = figures["backup_s"] / figures["copyfile_s"]
    figures["time_ratio"] = figures["backup_s"] / (figures["copyfile_s"] + figures["quick_check_s"])
    figures["blocks"] = len(json.loads(made[-1].read_text(encoding="utf-8"))["blocks"])
    return figures


def measure_backups(project: Path, workdir: Path) -> Result:
    """Judge :func:`backup_figures` on a working copy of the labelled project."""
    saved = os.environ.get("STANCECODER_DATA_DIR")
    data = workdir / "backup-data"
    try:
        f = backup_figures(project, data)
    finally:
        if saved is None:
            os.environ.pop("STANCECODER_DATA_DIR", None)
        else:
            os.environ["STANCECODER_DATA_DIR"] = saved
        shutil.rmtree(data, ignore_errors=True)
    met = f["bytes_ratio"] <= TARGET_BYTES_RATIO and f["time_ratio"] <= TARGET_TIME_RATIO
    return Result(
        "backup_bytes",
        f"{BACKUPS} backups, {CHANGES} labels set between each (store.set_label)",
        float(f["backups_bytes"]),
        "bytes",
        f"<= {TARGET_BYTES_RATIO:g} x the project file (five full copies: 5 x); one backup "
        f"<= {TARGET_TIME_RATIO:g} x a checked copy (shutil.copyfile + PRAGMA quick_check)",
        bool(met),
        rounded(f),
        summary=f"{f['backups_bytes'] / 1e6:,.0f} MB for {BACKUPS} of a "
        f"{f['project_bytes'] / 1e6:,.0f} MB project ({f['bytes_ratio']:.2f} x one file; "
        f"5 full copies: {5 * f['project_bytes'] / 1e6:,.0f} MB); one backup "
        f"{f['backup_s']:.2f} s = {f['time_ratio']:.2f} x a checked copy (copyfile "
        f"{f['copyfile_s']:.2f} s + quick_check {f['quick_check_s']:.2f} s; "
        f"{f['copy_ratio']:.1f} x the bare copy); first backup "
        f"{f['first_backup_s']:.2f} s; previous version's backup "
        f"{f.get('previous_backup_s', float('nan')):.2f} s)",
        details={
            "changes": "random units, the first coder, dimensions in turn, as label_commit_ms",
            "times": "median of the last four backups and of the copies just before them",
        },
    )


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks.measures.backups PROJECT DATA_FOLDER``: the figures as JSON
    (for a project too large for ``make bench``; PROJECT is changed, use a copy)."""
    args = sys.argv[1:] if argv is None else argv
    print(json.dumps(rounded(backup_figures(Path(args[0]), Path(args[1]))), indent=2))


if __name__ == "__main__":
    main()
