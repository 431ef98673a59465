"""Item 3 of issue 15: import-labels and merge check codes under the write lock.

A scheme change (dropping the code "mixed") is committed while an import or a merge
waits for the write lock, after it has read its file. Before, both had checked the codes
before taking the lock and wrote labels with the dropped code, exit 0; `check` said OK.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

from desktop.core import store, team
from desktop.core.errors import InputError
from desktop.core.labels_io import import_labels
from desktop.core.scheme import parse_scheme
from desktop.core.team.merge import MergeRefused

WAIT_FOR_LOCK_S = 1.5  # long enough for the other thread to read its file and wait


def _without_mixed(scheme):
    text = re.sub(
        r'\[\[dimensions\.categories\]\]\ncode = "mixed".*?(?=\n\[\[)',
        "",
        scheme.source,
        flags=re.S,
    )
    text = text.replace('version = "1.0"', 'version = "2.0"', 1)
    new = parse_scheme(text)
    assert "mixed" not in new.dimension("stance").codes
    return new


def _race(project: Path, scheme, work) -> BaseException | None:
    """Run ``work(db)`` in a thread while another connection holds the write lock and
    commits a scheme change dropping "mixed"; returns what ``work`` raised."""
    holder = store.open_project(project)
    holder.conn.execute("BEGIN IMMEDIATE")
    outcome: list[BaseException | None] = []

    def run() -> None:
        db = store.open_project(project)
        try:
            work(db)
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)
        finally:
            db.close()

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(WAIT_FOR_LOCK_S)
    team.change_scheme(holder, _without_mixed(scheme), who="lead")
    holder.conn.execute("COMMIT")
    holder.close()
    thread.join(timeout=60)
    return outcome[0]


def _mixed_labels(project: Path) -> int:
    db = store.open_project(project, readonly=True)
    try:
        return db.execute("SELECT count(*) FROM labels WHERE value = 'mixed'").fetchone()[0]
    finally:
        db.close()


def _units(project: Path) -> list[str]:
    db = store.open_project(project, readonly=True)
    try:
        return [r[0] for r in db.execute("SELECT id FROM units WHERE excluded = 0 ORDER BY seq")]
    finally:
        db.close()


def test_import_labels_refuses_a_code_dropped_while_it_waited(demo_project, scheme, tmp_path):
    csv = tmp_path / "labels.csv"
    rows = "".join(f"{u},ml,stance,mixed\n" for u in _units(demo_project)[:20])
    csv.write_text("unit_id,coder,dimension,value\n" + rows, encoding="utf-8")
    raised = _race(demo_project, scheme, lambda db: import_labels(db, csv))
    assert isinstance(raised, InputError) and "unknown category for stance" in str(raised)
    assert _mixed_labels(demo_project) == 0


def test_merge_refuses_a_code_dropped_while_it_waited(demo_project, scheme, tmp_path):
    db = store.open_project(demo_project)
    store.ensure_coder(db, "ann")
    package = tmp_path / "ann.stance"
    team.create_package(db, "ann", package)
    db.close()
    pkg = store.open_project(package)
    for unit in _units(package)[:20]:
        store.set_label(pkg, unit, "ann", "stance", "mixed")
    pkg.close()
    raised = _race(demo_project, scheme, lambda db: team.merge_files(db, [package]))
    assert isinstance(raised, MergeRefused) and "stance=mixed" in str(raised)
    assert _mixed_labels(demo_project) == 0


def test_check_finds_labels_whose_code_the_scheme_lacks(demo_project, scheme, run):
    db = store.open_project(demo_project)
    unit = _units(demo_project)[0]
    db.execute(
        "INSERT INTO labels (unit_id, coder_id, dimension, value, changed_at, seconds) "
        "VALUES (?, 'ra', 'china_role', 'no_such_code', '2026-01-01T00:00:00.000000Z', 0)",
        [unit],
    )
    db.close()
    code, _, err = run("check", demo_project)
    assert code == 2 and err.count("\n") == 1
    assert "1 labels with china_role=no_such_code" in err


def test_a_concurrent_duplicate_import_is_one_line(demo_project, tmp_path):
    """Two imports of one file at once: the one that waited for the lock finds the
    article stored meanwhile; SQLite refuses the duplicate, and that is one line."""
    from desktop.core.corpus.importer import import_paths
    from desktop.core.store.failures import explain

    article = tmp_path / "fresh.txt"
    article.write_text("Fresh talks\n\nThe envoys met again. Nobody agreed.\n", "utf-8")
    holder = store.open_project(demo_project)
    holder.conn.execute("BEGIN IMMEDIATE")
    outcome: list[BaseException | None] = []

    def run() -> None:
        db = store.open_project(demo_project)
        try:
            import_paths(db, [article])
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)
        finally:
            db.close()

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(WAIT_FOR_LOCK_S)
    import_paths(holder, [article])
    holder.conn.execute("COMMIT")
    holder.close()
    thread.join(timeout=60)
    (raised,) = outcome
    if raised is None:  # the thread had not read the project yet: it saw the duplicate
        return
    told = explain(raised, demo_project)
    assert told is not None and "\n" not in str(told)
    assert "changed by another program at the same moment" in str(told)
    db = store.open_project(demo_project, readonly=True)
    try:
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 6
    finally:
        db.close()
