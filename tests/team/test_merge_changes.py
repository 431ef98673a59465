"""Issue 22: the lab merges only the keys a coder changed (``merge_changes``).

``merge_changes`` must leave the project exactly as ``merge_files`` leaves it on the
equivalent coder packages. A hypothesis test draws random packages (two coders, labels,
clears, undos, notes, unsure flags, at times from a small grid so that ties and conflicts
are common, the shapes of tests/team/test_merge_commutative.py), merges a first one into
the lead by ``merge_files`` so the project holds rows on keys the later ones do not touch,
then merges the rest once as package files and once as changes of their keys, split into
random groups of keys given in separate calls, and compares every label, history row and
unit state.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core import store, team
from desktop.core.corpus.importer import import_paths
from desktop.core.resources import demo_articles_dir
from desktop.core.store import team as team_store
from desktop.core.store.labels import undo, write_label_row
from desktop.core.team.merge import CoderChanges, MergeRefused, merge_changes

CODERS = ("ann", "bob")
UNITS = 3
DIMENSIONS = ("stance", "alliance_trust")
VALUES = {
    "stance": ("pressure", "mixed", "engagement", None),
    "alliance_trust": ("strained", "ambivalent", "solid", None),
}


def _t(second: int) -> str:
    return f"2026-03-01T10:00:{second:02d}.000000Z"


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A lead project (one demo article) and one empty package per coder, made once."""
    from desktop.core.resources import default_scheme_path
    from desktop.core.scheme import load_scheme

    folder = tmp_path_factory.mktemp("changes")
    path = folder / "lead.stance"
    scheme = load_scheme(default_scheme_path())
    assert {d.id for d in scheme.dimensions} >= set(DIMENSIONS)
    db = store.create_project(path, scheme)
    import_paths(db, [sorted(demo_articles_dir().glob("0*.txt"))[0]])
    for coder in CODERS:
        store.ensure_coder(db, coder)
    units = [r[0] for r in db.execute("SELECT id FROM units WHERE excluded = 0 ORDER BY seq")]
    packages = {}
    for coder in CODERS:
        packages[coder] = folder / f"{coder}.stance"
        team.create_package(db, coder, packages[coder])
    db.close()
    return path, packages, units[:UNITS]


# One edit: (seconds later, unit index, dimension, value index, note or None, unsure, undo).
edit = st.tuples(
    st.integers(0, 4),
    st.integers(0, UNITS - 1),
    st.sampled_from(DIMENSIONS),
    st.integers(0, 3),
    st.one_of(st.none(), st.sampled_from(("", "check", "ask lead"))),
    st.booleans(),
    st.booleans(),
)
package = st.tuples(st.sampled_from(CODERS), st.lists(edit, min_size=1, max_size=6))


def _make(base, spec, target: Path) -> Path:
    _, packages, units = base
    coder, edits = spec
    shutil.copyfile(packages[coder], target)
    db = store.open_project(target)
    try:
        second = 0
        with store.write_transaction(db):
            for step, unit, dimension, value, note, unsure, _undo in edits:
                second += step + 1
                u = units[unit]
                code = VALUES[dimension][value]
                write_label_row(db, u, coder, dimension, code, "code", seconds=1.0, at=_t(second))
                if note is not None:
                    # unit_states is a view (migration 0007): no UPSERT through it
                    db.execute(
                        "UPDATE unit_states SET unsure = ?, note = ?, changed_at = ? "
                        "WHERE unit_id = ? AND coder_id = ?",
                        [int(unsure), note, _t(second), u, coder],
                    )
                    db.execute(
                        "INSERT INTO unit_states (unit_id, coder_id, unsure, note, changed_at) "
                        "SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM unit_states "
                        "WHERE unit_id = ? AND coder_id = ?)",
                        [u, coder, int(unsure), note, _t(second), u, coder],
                    )
        if any(e[6] for e in edits):
            undo(db, coder)
    finally:
        db.close()
    return target


def _rows(path: Path) -> dict:
    """Labels, unit states and history (reverts named by the reverted row's content,
    ids left out: they number rows in insertion order, which the paths may differ in)."""
    conn = sqlite3.connect(path)
    try:
        history = conn.execute(
            "SELECT h.unit_id, h.coder_id, h.dimension, h.old_value, h.new_value, h.action, "
            "r.unit_id, r.changed_at, r.new_value, h.changed_at FROM label_history h "
            "LEFT JOIN label_history r ON r.id = h.reverts"
        ).fetchall()
        return {
            "labels": sorted(conn.execute("SELECT * FROM labels").fetchall()),
            "states": sorted(conn.execute("SELECT * FROM unit_states").fetchall()),
            "history": sorted(history, key=repr),
        }
    finally:
        conn.close()


def _changes(path: Path, keys: set | None = None) -> CoderChanges:
    """A package's rows as the lab server would give them: those of ``keys`` (all when
    None), and every unit state."""
    db = store.open_project(path, readonly=True)
    try:
        coder = store.get_meta(db, team_store.PACKAGE_CODER)
        labels = [r for r in team_store.label_rows(db) if keys is None or r[:3] in keys]
        history = [r for r in team_store.history_rows(db) if keys is None or r[1:4] in keys]
        return CoderChanges(coder, labels, history, team_store.state_rows(db))
    finally:
        db.close()


def _keys(path: Path) -> list[tuple]:
    db = store.open_project(path, readonly=True)
    try:
        return sorted({r[1:4] for r in team_store.history_rows(db)})
    finally:
        db.close()


def _start(base, first: Path, target: Path) -> Path:
    shutil.copyfile(base[0], target)
    db = store.open_project(target)
    try:
        team.merge_files(db, [first])
    finally:
        db.close()
    return target


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.lists(package, min_size=2, max_size=4), data=st.data())
def test_merging_changed_keys_gives_the_project_merge_files_gives(
    base, tmp_path_factory, specs, data
):
    folder = tmp_path_factory.mktemp("keys")
    files = [_make(base, spec, folder / f"p{i}.stance") for i, spec in enumerate(specs)]
    by_files = _start(base, files[0], folder / "files.stance")
    by_keys = _start(base, files[0], folder / "keys.stance")

    db = store.open_project(by_files)
    try:
        files_report = team.merge_files(db, files[1:])
    finally:
        db.close()

    db = store.open_project(by_keys)
    conflicts = []
    try:
        for path in files[1:]:
            keys = _keys(path)
            # The keys of one package in random groups, each merged on its own: a key is
            # decided on its own rows alone. Unit states come with the first group.
            groups = data.draw(st.lists(st.integers(0, 2), min_size=len(keys), max_size=len(keys)))
            for group in sorted(set(groups)) or [0]:
                chosen = {k for k, g in zip(keys, groups, strict=True) if g == group}
                change = _changes(path, chosen)
                if group != min(groups, default=0):
                    change = CoderChanges(change.coder, change.labels, change.history, ())
                conflicts += merge_changes(db, [change]).conflicts
    finally:
        db.close()

    assert _rows(by_keys) == _rows(by_files)
    assert sorted(conflicts, key=repr) == sorted(files_report.conflicts, key=repr)


def test_a_conflict_is_decided_the_same_way_on_both_paths(base, tmp_path):
    """Two packages of ann set the same label to different values at the same time: the
    content hash decides, and both paths keep the same value and report one conflict."""
    one = _make(base, ("ann", [(0, 0, "stance", 0, None, False, False)]), tmp_path / "1.stance")
    two = _make(base, ("ann", [(0, 0, "stance", 2, None, False, False)]), tmp_path / "2.stance")
    by_files = _start(base, one, tmp_path / "files.stance")
    by_keys = _start(base, one, tmp_path / "keys.stance")
    db = store.open_project(by_files)
    try:
        assert len(team.merge_files(db, [two]).conflicts) == 1
    finally:
        db.close()
    db = store.open_project(by_keys)
    try:
        report = merge_changes(db, [_changes(two)])
    finally:
        db.close()
    assert len(report.conflicts) == 1
    assert _rows(by_keys) == _rows(by_files)
    assert len(_rows(by_keys)["labels"]) == 1


def test_changes_holding_another_coders_rows_are_refused_and_write_nothing(base, tmp_path):
    path = _make(base, ("bob", [(0, 1, "stance", 1, None, False, False)]), tmp_path / "b.stance")
    target = shutil.copyfile(base[0], tmp_path / "lead.stance")
    before = _rows(target)
    change = _changes(path)
    db = store.open_project(target)
    try:
        with pytest.raises(MergeRefused, match="may not bring"):
            merge_changes(db, [CoderChanges("ann", change.labels, change.history, ())])
    finally:
        db.close()
    assert _rows(target) == before
