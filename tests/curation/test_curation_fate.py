"""Coder packages made before a curation step still land, and are reported unit by unit."""

from __future__ import annotations

from desktop.core import curation, store, team
from desktop.core.curation import FateKind


def package_time(path) -> str:
    """When the package was made (its own change-log entry)."""
    db = store.open_project(path, readonly=True)
    try:
        return next(e["at"] for e in store.change_log(db) if e["action"] == "package")
    finally:
        db.close()


def test_fates_of_units_after_merge_split_and_exclusion(project, seoul):
    db, _ = project
    a, b, c = f"{seoul}-0012", f"{seoul}-0013", f"{seoul}-0015"
    curation.merge_units(db, a, b)
    curation.merge_units(db, f"{seoul}-0011", a)  # a is retired in turn: follow the chain
    new = curation.split_unit(db, c, 30).new_units[0]
    curation.exclude_units(db, [f"{seoul}-0020"])
    fates = {unit: curation.unit_fate(db, unit) for unit in (a, b, c, new)}
    assert str(fates[a]) == f"merged into {seoul}-0011"
    assert str(fates[b]) == f"merged into {seoul}-0011"  # not into a, which is gone too
    assert fates[c].kind is FateKind.SPLIT and fates[c].lands
    assert fates[new].events == ("split_off",)
    assert curation.unit_fate(db, f"{seoul}-0020").kind is FateKind.EXCLUDED
    assert curation.unit_fate(db, f"{seoul}-0003").kind is FateKind.UNCHANGED
    assert curation.unit_fate(db, "f00-0001").kind is FateKind.UNKNOWN
    later = store.utc_now()
    assert curation.unit_fate(db, c, since=later).kind is FateKind.UNCHANGED


def test_a_package_made_before_a_curation_step_lands_and_is_reported(project, seoul, tmp_path):
    db, _ = project
    a, b, c, other = (f"{seoul}-{n:04d}" for n in (12, 13, 15, 20))
    path = tmp_path / "ak.stance"
    team.create_package(db, "ak", path)
    package = store.open_project(path)
    for unit, value in ((a, "pressure"), (b, "engagement"), (c, "mixed"), (other, "none")):
        store.set_label(package, unit, "ak", "stance", value)
    package.close()

    # Meanwhile the lead curates units nobody has coded in the project: free.
    curation.merge_units(db, a, b)
    new = curation.split_unit(db, c, 30).new_units[0]
    ids_before = sorted(r[0] for r in db.execute("SELECT id FROM units"))

    merged = team.merge_files(db, [path], who="lead")

    # Every label landed on the unit id it was given on; no id changed.
    assert sorted(r[0] for r in db.execute("SELECT id FROM units")) == ids_before
    for unit, value in ((a, "pressure"), (b, "engagement"), (c, "mixed"), (other, "none")):
        assert store.unit_labels(db, unit, "ak") == {"stance": value}
    # The merge reports them unit by unit; the unchanged one is not in the report.
    assert merged.files[0].curated == [
        f"{a} (ak): merged",
        f"{b} (ak): merged into {a}",
        f"{c} (ak): split",
    ]
    # Merging the same package again changes nothing and reports nothing new.
    again = team.merge_files(db, [path], who="lead")
    assert not again.changed and again.files[0].curated == []
    # The coder sees the changed units again; the retired unit's label waits on its heir.
    assert curation.units_needing_recoding(db, "ak") == [a, c]
    kept = curation.curation_labels(db, a)
    assert [(k.from_unit, k.coder, k.value) for k in kept] == [(b, "ak", "engagement")]
    assert store.unit_labels(db, new, "ak") == {}
    assert store.change_log(db)[-1]["action"] == "reconcile_package"


def test_a_package_made_after_the_step_reports_nothing(project, seoul, tmp_path):
    db, _ = project
    curation.merge_units(db, f"{seoul}-0012", f"{seoul}-0013")
    path = tmp_path / "ak.stance"
    team.create_package(db, "ak", path)
    since = package_time(path)
    package = store.open_project(path)
    store.set_label(package, f"{seoul}-0012", "ak", "stance", "pressure")
    package.close()
    team.merge_files(db, [path])
    assert curation.reconcile_package_labels(db, [(f"{seoul}-0012", "ak")], since=since) == []
    assert curation.units_needing_recoding(db, "ak") == []
