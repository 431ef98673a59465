"""Adjudication: disagreements side by side, gold values, bulk acceptance, unlocking."""

from __future__ import annotations

import pytest
from team_helpers import THREE, codable

from desktop.core import store, team
from desktop.core.errors import UsageError


@pytest.fixture
def coded(study):
    """Three coders on four units: unanimous, 2-1, 1-1-1, and only one coder."""
    db, _ = study
    u = codable(db)
    plan = {
        u[0]: ("pressure", "pressure", "pressure"),
        u[1]: ("pressure", "pressure", "mixed"),
        u[2]: ("pressure", "mixed", "engagement"),
        u[3]: ("none", None, None),
    }
    for unit, values in plan.items():
        for coder, value in zip(THREE, values, strict=True):
            if value:
                store.set_label(db, unit, coder, "stance", value)
    store.set_note(db, u[1], "cyd_k9", "reads the second clause as talks")
    store.set_unsure(db, u[1], "cyd_k9", True)
    return db, u


def test_disagreements_show_each_coders_value_note_and_flag(coded):
    db, u = coded
    disputed = team.list_disagreements(db)
    assert [(d.unit_id, d.dimension) for d in disputed] == [(u[1], "stance"), (u[2], "stance")]
    first = disputed[0]
    assert [(v.coder, v.value, v.unsure) for v in first.values] == [
        ("ann_q7", "pressure", False),
        ("bob_z3", "pressure", False),
        ("cyd_k9", "mixed", True),
    ]
    assert first.values[2].note == "reads the second clause as talks"
    assert first.text == store.get_unit(db, u[1]).text and first.gold is None
    pair = team.list_disagreements(db, coders=["ann_q7", "bob_z3"])
    assert [d.unit_id for d in pair] == [u[2]]  # ann and bob agree on u[1]


def test_the_lead_sets_gold_with_a_rationale_and_it_is_kept_in_history(coded):
    db, u = coded
    change = team.set_gold(db, u[2], "stance", "mixed", "lead_m2", "weighs both")
    assert (change.old, change.new, change.method) == (None, "mixed", "adjudicated")
    change = team.set_gold(db, u[2], "stance", "engagement", "lead_m2", "second look")
    assert (change.old, change.new) == ("mixed", "engagement")
    frame = team.gold_frame(db)
    assert frame.to_dict("records") == [
        {
            "unit_id": u[2],
            "dimension": "stance",
            "value": "engagement",
            "method": "adjudicated",
            "adjudicator": "lead_m2",
            "rationale": "second look",
            "decided_at": frame["decided_at"][0],
        }
    ]
    history = db.execute("SELECT old_value, new_value FROM gold_history ORDER BY id").fetchall()
    assert history == [(None, "mixed"), ("mixed", "engagement")]
    assert team.list_disagreements(db, undecided_only=True)[0].unit_id == u[1]
    with pytest.raises(UsageError, match="'hedged' is not a code of stance"):
        team.set_gold(db, u[2], "stance", "hedged", "lead_m2")
    with pytest.raises(UsageError, match="no unit 'nope'"):
        team.set_gold(db, "nope", "stance", "mixed", "lead_m2")


def test_unanimous_values_are_accepted_in_bulk_and_majority_on_request(coded):
    db, u = coded
    team.set_gold(db, u[2], "stance", "mixed", "lead_m2")
    summary = team.accept_agreed(db, "lead_m2", rule="unanimous")
    assert (summary.accepted, summary.already_decided, summary.undecided) == (1, 1, 1)
    summary = team.accept_agreed(db, "lead_m2", rule="majority")
    assert (summary.accepted, summary.already_decided, summary.undecided) == (1, 2, 0)
    gold = team.gold_frame(db).set_index("unit_id")
    assert gold.loc[u[0], "method"] == "unanimous" and gold.loc[u[1], "method"] == "majority"
    assert gold.loc[u[2], "value"] == "mixed"  # never overwritten
    assert u[3] not in gold.index  # one coder is not agreement


def test_only_the_lead_unlocks_comparison(coded):
    db, _ = coded
    assert not team.comparison_unlocked(db)
    with pytest.raises(UsageError, match=r"only the lead \(lead_m2\)"):
        team.unlock_comparison(db, "ann_q7")
    assert team.unlock_comparison(db, "lead_m2").changed
    assert team.comparison_unlocked(db)
    assert store.change_log(db)[-1]["action"] == "unlock_comparison"
