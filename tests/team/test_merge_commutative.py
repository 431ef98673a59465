"""Item 6 of issue 15: merge is order-independent (commutative).

Two packages of one coder with equal times and different values used to give different
results in the two merge orders. Ties are now broken by a content hash. A hypothesis
test merges random sets of packages (two coders, labels, clears, notes, unsure flags, at
times drawn from a small grid so that ties are common) in two random orders and compares
every label and every unit state.
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
from desktop.core.store.labels import write_label_row

CODERS = ("ann", "bob")
UNITS = 3
VALUES = ("pressure", "mixed", "engagement", None)  # None clears the label


def _t(second: int) -> str:
    return f"2026-03-01T10:00:{second:02d}.000000Z"


@pytest.fixture(scope="module")
def base(tmp_path_factory, request):
    """A lead project (one demo article) and one empty package per coder, made once."""
    from desktop.core.resources import default_scheme_path
    from desktop.core.scheme import load_scheme

    folder = tmp_path_factory.mktemp("commutative")
    path = folder / "lead.stance"
    db = store.create_project(path, load_scheme(default_scheme_path()))
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


# One edit: (unit index, value or None, note or None to leave it, unsure).
edit = st.tuples(
    st.integers(0, UNITS - 1),
    st.sampled_from(VALUES),
    st.one_of(st.none(), st.sampled_from(("", "check", "ask lead"))),
    st.booleans(),
)
package = st.tuples(
    st.sampled_from(CODERS),
    st.lists(st.tuples(st.integers(0, 5), edit), min_size=1, max_size=5),
)


def _make(base, spec, target: Path) -> Path:
    _, packages, units = base
    coder, edits = spec
    shutil.copyfile(packages[coder], target)
    db = store.open_project(target)
    try:
        # A coder's clock moves forward: the edits of one package at increasing times.
        second = 0
        with store.write_transaction(db):
            for step, (unit, value, note, unsure) in edits:
                second += step + 1
                u = units[unit]
                write_label_row(db, u, coder, "stance", value, "code", seconds=1.0, at=_t(second))
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
    finally:
        db.close()
    return target


def _merged(lead: Path, files: list[Path], target: Path) -> dict:
    shutil.copyfile(lead, target)
    db = store.open_project(target)
    try:
        team.merge_files(db, files)
    finally:
        db.close()
    conn = sqlite3.connect(target)
    try:
        return {
            "labels": sorted(conn.execute("SELECT * FROM labels").fetchall()),
            "states": sorted(conn.execute("SELECT * FROM unit_states").fetchall()),
        }
    finally:
        conn.close()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.lists(package, min_size=2, max_size=4), data=st.data())
def test_merge_gives_the_same_project_in_any_order(base, tmp_path_factory, specs, data):
    folder = tmp_path_factory.mktemp("orders")
    files = [_make(base, spec, folder / f"p{i}.stance") for i, spec in enumerate(specs)]
    order = data.draw(st.permutations(files))
    assert _merged(base[0], files, folder / "a.stance") == _merged(
        base[0], list(order), folder / "b.stance"
    )


def test_equal_times_and_different_values_merge_the_same_both_ways(base, tmp_path):
    one = _make(base, ("ann", [(0, (0, "pressure", None, False))]), tmp_path / "one.stance")
    two = _make(base, ("ann", [(0, (0, "engagement", None, False))]), tmp_path / "two.stance")
    forward = _merged(base[0], [one, two], tmp_path / "f.stance")
    backward = _merged(base[0], [two, one], tmp_path / "b.stance")
    assert forward == backward
    assert len(forward["labels"]) == 1
