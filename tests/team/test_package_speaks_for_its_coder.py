"""Items 4 and 5 of issue 15: a package speaks only for its coder; times are checked.

A package made for ann, edited to carry bob's labels with a 2099 time, used to overwrite
bob's labels; it could also add gold labels, new coders and a 20 MB note, all exit 0;
import-labels took "zzzz" as a time, which then won every conflict.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop import cli
from desktop.core import store, team
from desktop.core.corpus.importer import import_paths
from desktop.core.errors import InputError
from desktop.core.labels_io import import_labels
from desktop.core.resources import demo_articles_dir
from desktop.core.store.team import list_merges

FUTURE = "2099-01-01T00:00:00.000000Z"


def _dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def _labels(path: Path, coder: str) -> dict[tuple, str]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT unit_id, dimension, value FROM labels WHERE coder_id = ?", [coder]
        ).fetchall()
    finally:
        conn.close()
    return {(u, d): v for u, d, v in rows}


@pytest.fixture
def lead(tmp_path, scheme):
    """A lead's project: bob coded ten units; ann has a package and coded three in it."""
    path = tmp_path / "lead.stance"
    db = store.create_project(path, scheme)
    import_paths(db, sorted(demo_articles_dir().glob("0*.txt")))
    for coder in ("ann", "bob", "lead"):
        store.ensure_coder(db, coder)
    team.set_lead(db, "lead")
    units = [r[0] for r in db.execute("SELECT id FROM units WHERE excluded = 0 ORDER BY seq")]
    for unit in units[:10]:
        store.set_label(db, unit, "bob", "stance", "pressure")
    package = tmp_path / "ann.stance"
    team.create_package(db, "ann", package)
    db.close()
    pkg = store.open_project(package)
    for unit in units[:3]:
        store.set_label(pkg, unit, "ann", "stance", "engagement")
    pkg.close()
    return path, package, units


def _tamper(package: Path, *statements: tuple[str, list]) -> None:
    conn = sqlite3.connect(package)  # foreign keys off in a bare connection, as an editor's
    for sql, params in statements:
        conn.execute(sql, params)
    conn.commit()
    conn.close()


def _bobs_labels(units):
    return [
        (
            "INSERT OR REPLACE INTO labels VALUES (?, 'bob', 'stance', 'engagement', ?, 1)",
            [u, FUTURE],
        )
        for u in units[:10]
    ]


TAMPERING = {
    "another coder's labels": lambda units: _bobs_labels(units),
    "gold labels": lambda units: [
        (
            "INSERT INTO gold_labels VALUES (?, 'stance', 'mixed', 'lead', 'ann', '', ?)",
            [units[0], "2026-01-01T00:00:00.000000Z"],
        )
    ],
    "a new coder": lambda units: [
        (
            "INSERT INTO coders (id, name, created_at) VALUES ('mallory', 'M', ?)",
            ["2026-01-01T00:00:00.000000Z"],
        )
    ],
    "a 20 MB note": lambda units: [
        (
            "INSERT OR REPLACE INTO unit_states (unit_id, coder_id, unsure, note, seconds, "
            "changed_at, needs_recoding) VALUES (?, 'ann', 0, ?, 0, ?, 0)",
            [units[5], "x" * 20_000_000, "2026-01-01T00:00:00.000000Z"],
        )
    ],
    "its own label from 2099": lambda units: [
        ("UPDATE labels SET changed_at = ? WHERE coder_id = 'ann'", [FUTURE])
    ],
    "a time that is no time": lambda units: [
        ("UPDATE labels SET changed_at = 'zzzz' WHERE coder_id = 'ann'", [])
    ],
}


@pytest.mark.parametrize("what", list(TAMPERING))
def test_a_tampered_package_is_refused_in_one_line(lead, what, capsys):
    path, package, units = lead
    _tamper(package, *TAMPERING[what](units))
    before = _dump(path)
    code = cli.main(["merge", str(path), str(package)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert "may not bring" in err and "nothing was merged" in err
    assert _dump(path) == before


def test_skip_foreign_merges_the_coders_own_labels_and_lists_the_rest(lead, capsys):
    path, package, units = lead
    _tamper(package, *TAMPERING["another coder's labels"](units), *TAMPERING["gold labels"](units))
    bob_before = _labels(path, "bob")
    code = cli.main(["merge", str(path), str(package), "--skip-foreign"])
    out = capsys.readouterr().out
    assert code == 0
    assert "left out (not this file's to bring): 10 labels of coder bob" in out
    assert "1 gold labels (only the lead adjudicates)" in out
    assert _labels(path, "bob") == bob_before
    assert _labels(path, "ann") == {(u, "stance"): "engagement" for u in units[:3]}
    db = store.open_project(path)
    try:
        assert db.execute("SELECT count(*) FROM gold_labels").fetchone()[0] == 0
        (record,) = list_merges(db)
    finally:
        db.close()
    assert "10 labels of coder bob" in record["report"]["skipped"]


def test_an_honest_package_still_merges(lead):
    path, package, units = lead
    db = store.open_project(path)
    try:
        report = team.merge_files(db, [package])
    finally:
        db.close()
    assert report.files[0].skipped == [] and report.files[0].labels_new == 3
    assert _labels(path, "ann") == {(u, "stance"): "engagement" for u in units[:3]}


@pytest.mark.parametrize(
    ("written", "problem"),
    [("zzzz", "a changed_at not a date and time"), ("2099-01-01", "a changed_at in the future")],
)
def test_import_labels_refuses_a_time_that_is_no_time(lead, tmp_path, written, problem):
    path, _, units = lead
    csv = tmp_path / "labels.csv"
    csv.write_text(
        f"unit_id,coder,dimension,value,changed_at\n{units[0]},cy,stance,mixed,{written}\n",
        encoding="utf-8",
    )
    db = store.open_project(path)
    try:
        with pytest.raises(InputError, match=f"{problem} on line 2"):
            import_labels(db, csv)
    finally:
        db.close()


def test_import_labels_stores_times_in_utc_as_the_app_writes_them(lead, tmp_path):
    path, _, units = lead
    csv = tmp_path / "labels.csv"
    csv.write_text(
        "unit_id,coder,dimension,value,changed_at\n"
        f"{units[0]},cy,stance,mixed,2026-01-02 10:00:00+02:00\n",
        encoding="utf-8",
    )
    db = store.open_project(path)
    try:
        import_labels(db, csv)
        (at,) = db.execute("SELECT changed_at FROM labels WHERE coder_id = 'cy'").fetchone()
    finally:
        db.close()
    assert at == "2026-01-02T08:00:00.000000Z"
