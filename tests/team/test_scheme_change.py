"""Scheme changes mid-project: compatible versions, explicit mappings, merges across versions."""

from __future__ import annotations

import pytest
from team_helpers import codable, scheme_variant

from desktop.core import store, team
from desktop.core.team import DifferenceKind


@pytest.fixture
def labelled(study):
    db, path = study
    u = codable(db)
    store.set_label(db, u[0], "ann_q7", "china_role", "mixed")
    store.set_label(db, u[1], "bob_z3", "china_role", "mixed")
    store.set_label(db, u[1], "ann_q7", "stance", "pressure")
    team.set_gold(db, u[1], "china_role", "mixed", "lead_m2", "both roles")
    return db, path, u


def test_adding_categories_dimensions_and_relabelling_keep_every_label(labelled, scheme):
    db, _, _ = labelled
    new = scheme_variant(
        scheme,
        "1.1",
        add=("stance", "hedged", "5", 2.5),
        relabel=("stance", "none", "Neutral"),
        new_dimension=True,
    )
    before = store.labels_frame(db)
    result = team.change_scheme(db, new, who="lead_m2")
    kinds = {(d.kind, d.dimension, d.code) for d in result.differences}
    assert kinds == {
        (DifferenceKind.ADDED_CATEGORY, "stance", "hedged"),
        (DifferenceKind.CHANGED_CATEGORY, "stance", "none"),
        (DifferenceKind.ADDED_DIMENSION, "tone", ""),
    }
    assert (result.from_version, result.to_version, result.labels_remapped) == ("1.0", "1.1", 0)
    assert store.current_scheme(db).version == "1.1"
    assert store.labels_frame(db).equals(before)
    assert store.change_log(db)[-1]["action"] == "scheme_change"


def test_removing_a_used_category_needs_a_mapping(labelled, scheme, dump):
    db, path, _ = labelled
    new = scheme_variant(scheme, "1.1", drop=("china_role", "mixed"))
    before = dump(path)
    with pytest.raises(
        team.SchemeChangeRefused,
        match=r"dimension 'china_role': category 'mixed' is removed but 3 labels use it; "
        r"map it to another code \(--map china_role:mixed=NEW",
    ):
        team.change_scheme(db, new)
    with pytest.raises(team.SchemeChangeRefused, match="names no code of the new scheme"):
        team.change_scheme(db, new, {("china_role", "mixed"): "hedged"})
    with pytest.raises(team.SchemeChangeRefused, match=r"keeps its version 1\.0"):
        team.change_scheme(db, scheme_variant(scheme, "1.0", drop=("china_role", "mixed")))
    assert dump(path) == before


def test_a_mapping_remaps_labels_and_gold_in_one_recorded_change(labelled, scheme):
    db, _, u = labelled
    new = scheme_variant(scheme, "1.1", drop=("china_role", "mixed"))
    mapping = team.parse_mapping(["china_role:mixed=obstructive"])
    result = team.change_scheme(db, new, mapping, who="lead_m2")
    assert (result.labels_remapped, result.gold_remapped) == (2, 1)
    assert store.unit_labels(db, u[0], "ann_q7") == {"china_role": "obstructive"}
    last = store.label_history(db, unit_id=u[0], coder="ann_q7")[-1]
    assert (last["action"], last["old"], last["new"]) == ("remap", "mixed", "obstructive")
    assert team.gold_frame(db)["value"].tolist() == ["obstructive"]
    entry = store.change_log(db)[-1]
    assert entry["details"]["mapping"] == [["china_role", "mixed", "obstructive"]]


def test_a_package_from_before_the_change_maps_cleanly_on_merge(labelled, scheme, tmp_path):
    db, _, u = labelled
    out = tmp_path / "ann.stance"
    team.create_package(db, "ann_q7", out)
    package = store.open_project(out)
    store.set_label(package, u[2], "ann_q7", "china_role", "mixed")  # coded under 1.0
    package.close()
    new = scheme_variant(scheme, "1.1", drop=("china_role", "mixed"))
    team.change_scheme(db, new, {("china_role", "mixed"): "obstructive"}, who="lead_m2")
    (f,) = team.merge_files(db, [out]).files
    assert (f.labels_new, f.labels_remapped, f.conflicts) == (1, 2, [])
    assert store.unit_labels(db, u[2], "ann_q7") == {"china_role": "obstructive"}
    assert store.unit_labels(db, u[0], "ann_q7") == {"china_role": "obstructive"}
    assert not team.merge_files(db, [out]).changed
