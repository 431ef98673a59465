"""The adjudication session without a display: the queue, the keys' effects, undo, blindness.

A real project of the demo articles where three coders disagree in known ways (the same
cases as the window's tests in tests/ui/test_adjudication_view.py).
"""

from __future__ import annotations

import pytest

from desktop.core import store, team
from desktop.core.adjudication import AdjudicationSession, Phase, Shown, may_adjudicate
from desktop.core.errors import UsageError
from desktop.core.store import team as team_store
from desktop.core.team import GoldMethod, calibration

LEAD = "lead"

# (unit index, dimension, {coder: value})
LABELS = [
    (0, "stance", {"ak": "pressure", "bb": "mixed", "cc": "pressure"}),  # majority
    (0, "alliance_trust", {"ak": "solid", "bb": "solid", "cc": "solid"}),  # unanimous
    (1, "stance", {"ak": "engagement", "bb": "engagement", "cc": "engagement"}),
    (1, "china_role", {"ak": "constructive", "bb": "obstructive", "cc": "mixed"}),  # no majority
    (2, "alliance_trust", {"ak": "strained", "bb": "ambivalent"}),  # two coders, no majority
    (3, "stance", {"ak": "none", "bb": "none"}),  # two coders agree
]


@pytest.fixture
def coded(corpus_project):
    """The demo project coded by ak, bb and cc, the lead marked; (db, unit ids)."""
    db = corpus_project
    for coder in ("ak", "bb", "cc", LEAD):
        store.ensure_coder(db, coder)
    team.set_lead(db, LEAD)
    units = [unit_id for unit_id, _, _ in team_store.codable_units(db)][:6]
    for index, dimension, values in LABELS:
        for coder, value in values.items():
            store.set_label(db, units[index], coder, dimension, value)
    return db, units


def queue(session: AdjudicationSession) -> list[tuple[str, str]]:
    return [(u.unit_id, u.dimension) for u in session.rows]


def current(session: AdjudicationSession) -> tuple[str, str]:
    unit = session.current_unit()
    return unit.unit_id, unit.dimension


def test_the_queue_is_the_cores_disagreements_and_starts_at_the_first(coded):
    db, units = coded
    session = AdjudicationSession(db, LEAD)
    expected = [(units[0], "stance"), (units[1], "china_role"), (units[2], "alliance_trust")]
    assert queue(session) == expected
    assert current(session) == expected[0]
    assert session.phase is Phase.SHOWING
    assert session.count_text() == "3 disagreements listed, 3 without gold"
    assert session.chosen_by() == {"pressure": ["ak", "cc"], "mixed": ["bb"]}
    session.set_filter(Shown.UNDECIDED, "china_role")
    assert queue(session) == [(units[1], "china_role")]
    assert current(session) == (units[1], "china_role")


def test_a_decision_writes_gold_shows_and_then_moves_to_the_next_undecided(coded):
    db, units = coded
    session = AdjudicationSession(db, LEAD)
    update = session.decide("stance", "pressure")
    (change,) = update.changes
    assert (change.unit_id, change.old, change.new) == (units[0], None, "pressure")
    assert update.transition and session.phase is Phase.TRANSITION
    gold = team_store.get_gold(db, units[0], "stance")
    assert (gold["value"], gold["method"], gold["adjudicator"]) == (
        "pressure",
        "adjudicated",
        LEAD,
    )
    # A second key while the decision shows writes nothing: a double press decides one row.
    assert session.decide("stance", "mixed").ignored
    assert team_store.get_gold(db, units[0], "stance")["value"] == "pressure"
    assert current(session) == (units[0], "stance")
    assert session.finish_transition().moved
    assert current(session) == (units[1], "china_role")
    assert session.phase is Phase.SHOWING
    # The decided row stays listed, decided, until the queue is read again.
    assert session.rows[0].gold == "pressure"
    assert session.count_text() == "3 disagreements listed, 2 without gold"
    session.reload()
    assert queue(session) == [(units[1], "china_role"), (units[2], "alliance_trust")]


def test_a_key_of_another_dimension_says_so_and_writes_nothing(coded):
    db, _ = coded
    session = AdjudicationSession(db, LEAD, dimension="china_role")
    update = session.decide("alliance_trust", "solid")
    assert update.ignored
    labels = {d.id: d.label for d in session.scheme.dimensions}  # the shipped scheme's
    assert update.message == (
        f"That key belongs to {labels['alliance_trust']}; this row is about {labels['china_role']}."
    )
    assert team_store.gold_values(db) == {}


def test_undo_restores_the_gold_row_as_it_was(coded):
    db, units = coded
    team.set_gold(db, units[1], "china_role", "mixed", "ak", "first reading")
    before = team_store.get_gold(db, units[1], "china_role")
    session = AdjudicationSession(db, LEAD, shown=Shown.ALL)
    assert session.undo().message == "Nothing to undo."
    session.decide("stance", "pressure")
    session.finish_transition()
    assert current(session) == (units[2], "alliance_trust")  # units[1] is decided already
    session.move(-1)
    session.set_draft("bb's reading")
    session.decide("china_role", "obstructive")
    assert team_store.get_gold(db, units[1], "china_role")["adjudicator"] == LEAD

    update = session.undo()  # during the transition: it ends, and the row shows again
    assert update.moved and session.phase is Phase.SHOWING
    assert current(session) == (units[1], "china_role")
    assert team_store.get_gold(db, units[1], "china_role") == before
    assert session.rows[1].gold == "mixed"
    assert session.rationale() == "first reading"
    session.undo()
    assert team_store.get_gold(db, units[0], "stance") is None
    assert current(session) == (units[0], "stance")
    assert session.rows[0].gold is None


def test_rationale_drafts_stay_with_their_row_and_are_stored_with_the_decision(coded):
    db, units = coded
    session = AdjudicationSession(db, LEAD)
    session.set_draft("ak and cc agree")
    session.move(+1)
    assert session.rationale() == ""
    session.move(-1)
    assert session.rationale() == "ak and cc agree"
    session.decide("stance", "pressure")
    assert team_store.get_gold(db, units[0], "stance")["rationale"] == "ak and cc agree"
    session.finish_transition()
    session.go_to(0)
    assert session.save_rationale("majority of three").changes
    assert team_store.get_gold(db, units[0], "stance")["rationale"] == "majority of three"
    assert session.save_rationale("majority of three").ignored  # unchanged: no write
    session.move(+1)  # no gold on this row: a rationale alone is not stored
    assert session.save_rationale("nothing yet").ignored


def test_withdrawing_stays_on_the_row_and_the_last_decision_says_every_row_is_decided(coded):
    db, units = coded
    session = AdjudicationSession(db, LEAD)
    for code, dimension in (("pressure", "stance"), ("mixed", "china_role")):
        session.decide(dimension, code)
        session.finish_transition()
    session.decide("alliance_trust", "strained")
    update = session.finish_transition()
    assert update.message == "Every disagreement listed has a gold value."
    assert current(session) == (units[2], "alliance_trust")
    update = session.withdraw()
    assert not update.transition and update.changes[0].new is None
    assert team_store.get_gold(db, units[2], "alliance_trust") is None
    assert current(session) == (units[2], "alliance_trust")
    session.reload()
    assert queue(session) == [(units[2], "alliance_trust")]
    session.decide("alliance_trust", "ambivalent")
    session.reload()
    assert session.rows == [] and session.current is None and session.phase is Phase.EMPTY
    assert session.decide("stance", "pressure").ignored
    assert "Every one has a gold value" in session.empty_text()


def test_bulk_acceptance_previews_what_it_then_decides(coded):
    db, units = coded
    session = AdjudicationSession(db, LEAD)
    preview = session.preview_accept(GoldMethod.MAJORITY)
    # Unanimous: units 0/alliance_trust, 1/stance, 3/stance; majority: 0/stance.
    assert (preview.accept, preview.already_decided, preview.left) == (4, 0, 2)
    summary = session.accept(GoldMethod.MAJORITY)
    assert (summary.accepted, summary.already_decided, summary.undecided) == (4, 0, 2)
    assert len(team_store.gold_values(db)) == 4
    assert queue(session) == [(units[1], "china_role"), (units[2], "alliance_trust")]


def test_blind_coding_a_coder_may_not_adjudicate_until_the_lead_unlocks(coded):
    db, _ = coded
    assert not may_adjudicate(db, "ak")
    with pytest.raises(UsageError, match="comparison is locked"):
        AdjudicationSession(db, "ak")
    team.unlock_comparison(db, LEAD)
    assert may_adjudicate(db, "ak")
    assert len(AdjudicationSession(db, "ak").rows) == 3


def test_calibration_codings_are_not_disagreements(coded):
    """Issue 21: a coder's labels on a gold unit placed for calibration test the coder
    against decided gold; they are not independent codings and dispute nothing."""
    db, units = coded
    for dimension, value in (("stance", "mixed"), ("alliance_trust", "solid")):
        team.set_gold(db, units[4], dimension, value, LEAD)
    team.set_gold(db, units[4], "china_role", "mixed", LEAD)
    store.set_label(db, units[4], "ak", "stance", "mixed")
    store.set_label(db, units[4], "bb", "stance", "mixed")
    calibration.place_gold_calibration(db, ["cc"], 1, seed=1, who=LEAD)
    (placed,) = {u for u, c in team_store.kind_assignments(db, calibration.GOLD_KIND)}
    assert placed == units[4]
    store.set_label(db, units[4], "cc", "stance", "pressure")  # cc misses gold
    session = AdjudicationSession(db, LEAD, shown=Shown.ALL)
    assert (units[4], "stance") not in queue(session)
    (unit,) = [u for u in team.coded_units(db) if (u.unit_id, u.dimension) == (units[4], "stance")]
    assert [v.coder for v in unit.values] == ["ak", "bb"]
