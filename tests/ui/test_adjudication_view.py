"""The lead's adjudication view on a real project where three coders disagree."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop.core import store, team
from desktop.core.store import team as team_store
from desktop.ui import team_dialogs
from desktop.ui.adjudication_view import AdjudicationView, Phase, Shown

LEAD = "lead"

# (unit index, dimension, {coder: value}); notes and unsure flags are per unit and coder.
LABELS = [
    (0, "stance", {"ak": "pressure", "bb": "mixed", "cc": "pressure"}),  # majority
    (0, "alliance_trust", {"ak": "solid", "bb": "solid", "cc": "solid"}),  # unanimous
    (1, "stance", {"ak": "engagement", "bb": "engagement", "cc": "engagement"}),
    (1, "china_role", {"ak": "constructive", "bb": "obstructive", "cc": "mixed"}),  # no majority
    (2, "alliance_trust", {"ak": "strained", "bb": "ambivalent"}),  # two coders, no majority
    (3, "stance", {"ak": "none", "bb": "none"}),  # two coders agree
]


@pytest.fixture
def coded(project_path):
    """The corpus project coded by ak, bb and cc, lead registered; (db, unit ids)."""
    db = store.open_project(project_path)
    for coder in ("ak", "bb", "cc", LEAD):
        store.ensure_coder(db, coder)
    team.set_lead(db, LEAD)
    units = [unit_id for unit_id, _, _ in team_store.codable_units(db)][:4]
    for index, dimension, values in LABELS:
        for coder, value in values.items():
            store.set_label(db, units[index], coder, dimension, value)
    store.set_unsure(db, units[0], "bb", True)
    store.set_note(db, units[0], "bb", "hedged: both at once?")
    store.set_note(db, units[1], "cc", "China mediates and blocks")
    yield db, units
    db.close()


@pytest.fixture
def open_view(qtbot, coded):
    db, _ = coded

    def _open() -> AdjudicationView:
        view = AdjudicationView(db, LEAD)
        qtbot.addWidget(view)
        view.show()
        qtbot.waitExposed(view)
        view.activateWindow()
        qtbot.waitUntil(view.isActiveWindow)
        qtbot.waitUntil(lambda: view.focusWidget() is view.table)
        return view

    return _open


def listed(view) -> list[tuple[str, str]]:
    return [(u.unit_id, u.dimension) for u in view.model.rows()]


def shown(view) -> tuple[str, str]:
    unit = view.current_unit()
    return unit.unit_id, unit.dimension


def gold(db, unit_id, dimension):
    return team_store.get_gold(db, unit_id, dimension)


def test_lists_exactly_the_disagreements_of_the_core(open_view, coded):
    db, units = coded
    view = open_view()
    expected = [(units[0], "stance"), (units[1], "china_role"), (units[2], "alliance_trust")]
    core = [(u.unit_id, u.dimension) for u in team.list_disagreements(db, undecided_only=True)]
    assert listed(view) == core == expected
    assert shown(view) == expected[0]
    assert "3 disagreements listed, 3 without gold" in view.count_label.text()
    view.dimension_combo.setCurrentIndex(view.dimension_combo.findData("china_role"))
    assert listed(view) == [(units[1], "china_role")]
    assert shown(view) == (units[1], "china_role")


def test_each_coders_value_note_and_unsure_flag_side_by_side(open_view, coded):
    db, units = coded
    view = open_view()
    assert list(view.cards) == ["ak", "bb", "cc"]
    assert view.cards["ak"].value.text() == "1  Pressure"
    assert view.cards["bb"].value.text() == "2  Pressure and engagement"
    assert not view.cards["bb"].unsure.isHidden()
    assert view.cards["ak"].unsure.isHidden()
    assert view.cards["bb"].note_text == "hedged: both at once?"
    assert view.cards["ak"].note_text == ""
    assert view.sentence_view.current_text() == store.get_unit(db, units[0]).text
    # The gold buttons of the row's dimension, with who chose each category.
    assert view.gold_buttons[("stance", "pressure")].property("coders") == ["ak", "cc"]
    assert view.gold_pages.currentWidget() is view._page_of["stance"]
    view.move(+1)
    assert view.cards["cc"].note_text == "China mediates and blocks"
    assert view.cards["bb"].value.text() == "S  Obstructive"


def test_a_category_key_sets_gold_and_moves_to_the_next_undecided(qtbot, press, open_view, coded):
    db, units = coded
    view = open_view()
    press(view, "1")
    change = gold(db, units[0], "stance")
    assert change["value"] == "pressure"
    assert change["adjudicator"] == LEAD
    assert change["method"] == "adjudicated"
    assert change["decided_at"]
    assert view.gold_buttons[("stance", "pressure")].isChecked()
    press(view, "2")  # while the decision shows, a second key decides nothing
    qtbot.waitUntil(lambda: shown(view) == (units[1], "china_role"))
    assert gold(db, units[1], "china_role") is None
    press(view, "q")  # a key of another dimension says so and writes nothing
    assert gold(db, units[1], "china_role") is None
    assert "Alliance trust" in view.summary_label.text()
    press(view, "s")
    assert gold(db, units[1], "china_role")["value"] == "obstructive"
    qtbot.waitUntil(lambda: shown(view) == (units[2], "alliance_trust"))
    assert "1 without gold" in view.count_label.text()
    # The decided rows stay listed (shown decided) until the list is read again.
    assert view.model.unit(0).gold == "pressure"


def test_rationale_is_typed_without_triggering_keys_and_stored(qtbot, press, open_view, coded):
    db, units = coded
    view = open_view()
    press(view, "/")
    assert view.focusWidget() is view.rationale
    qtbot.keyClicks(view.rationale, "1 and 3 agree; 2 hedges")
    assert view.rationale.text() == "1 and 3 agree; 2 hedges"
    assert gold(db, units[0], "stance") is None
    assert shown(view) == (units[0], "stance")
    press(view.rationale, "Return")
    assert view.focusWidget() is view.table
    press(view, "1")
    stored = gold(db, units[0], "stance")
    assert (stored["value"], stored["rationale"]) == ("pressure", "1 and 3 agree; 2 hedges")
    qtbot.waitUntil(lambda: shown(view) == (units[1], "china_role"))
    assert view.rationale.text() == ""
    # Back on the decided row, a changed rationale is stored with its gold value.
    press(view, "k")
    assert view.rationale.text() == "1 and 3 agree; 2 hedges"
    press(view, "/")
    view.rationale.clear()
    qtbot.keyClicks(view.rationale, "majority")
    press(view.rationale, "Return")
    assert gold(db, units[0], "stance")["rationale"] == "majority"
    assert "majority" in view.gold_state.text()


def test_bulk_accept_writes_gold_for_agreed_units(monkeypatch, open_view, coded):
    db, units = coded
    asked = []
    monkeypatch.setattr(
        team_dialogs, "ask_yes_no", lambda _parent, _title, text, _yes: asked.append(text) or True
    )
    view = open_view()
    view.accept_unanimous.click()
    assert "gold value of 3 unit-dimensions" in asked[0]
    assert gold(db, units[0], "alliance_trust")["value"] == "solid"
    assert gold(db, units[1], "stance")["method"] == "unanimous"
    assert gold(db, units[3], "stance")["value"] == "none"
    assert gold(db, units[0], "stance") is None
    assert view.summary_label.text().startswith("Accepted 3 unanimous values")

    view.accept_majority.click()
    assert "gold value of 1 unit-dimension?" in asked[1]
    majority = gold(db, units[0], "stance")
    assert (majority["value"], majority["method"], majority["adjudicator"]) == (
        "pressure",
        "majority",
        LEAD,
    )
    assert listed(view) == [(units[1], "china_role"), (units[2], "alliance_trust")]
    view.shown_combo.setCurrentIndex(view.shown_combo.findData(Shown.ALL))
    assert len(listed(view)) == 3
    assert view.model.unit(0).gold == "pressure"


def test_declining_the_question_accepts_nothing(monkeypatch, open_view, coded):
    db, _ = coded
    monkeypatch.setattr(team_dialogs, "ask_yes_no", lambda *_args: False)
    view = open_view()
    view.accept_majority.click()
    assert team_store.gold_values(db) == {}


def test_withdrawing_gold_and_an_empty_list(qtbot, press, open_view, coded):
    db, units = coded
    view = open_view()
    for key in ("1", "s", "q"):
        current = shown(view)
        press(view, key)
        if any(u.gold is None for u in view.session.rows):
            qtbot.waitUntil(lambda c=current: shown(view) != c)
    assert len(team_store.gold_values(db)) == 3
    qtbot.waitUntil(lambda: view.phase is Phase.SHOWING)
    assert "Every disagreement listed has a gold value" in view.summary_label.text()
    view.withdraw_button.click()
    assert gold(db, units[2], "alliance_trust") is None
    view.reload()
    assert listed(view) == [(units[2], "alliance_trust")]
    press(view, "w")
    view.reload()
    assert listed(view) == []
    assert view.centre_stack.currentIndex() == 0
    assert "Every one has a gold value" in view.empty_label.text()
    assert not view.rationale.isEnabled()


def test_the_view_reads_at_1024_by_700(open_view):
    view = open_view()
    view.resize(1024, 700)
    assert view.width() <= 1024
    assert view.sentence_view.width() > 250
    assert all(card.width() > 100 for card in view.cards.values())
    assert not view.grab().isNull()


@pytest.mark.parametrize("rule", ["1", "Return"])
def test_keys_reach_the_view_not_the_list(qtbot, press, open_view, coded, rule):
    """Typing in the list (type-ahead search) never swallows a category or move key."""
    db, units = coded
    view = open_view()
    view.table.setFocus(Qt.FocusReason.OtherFocusReason)
    press(view.table, rule)
    if rule == "1":
        assert gold(db, units[0], "stance")["value"] == "pressure"
    else:  # Return: the next undecided row
        assert shown(view) == (units[1], "china_role")


def test_labels_kept_from_before_curation_are_shown(open_view, coded):
    """Merging two coded sentences keeps both sentences' labels for the adjudicator."""
    from desktop.core import curation

    db, units = coded
    curation.merge_units(db, units[0], units[1], who=LEAD, confirm=True)
    view = open_view()
    assert shown(view) == (units[0], "stance")
    assert not view.kept_label.isHidden()
    text = view.kept_label.text()
    assert f"on {units[1]}" in text
    assert "3  Engagement" in text  # what the coders gave the sentence merged in
    view.dimension_combo.setCurrentIndex(view.dimension_combo.findData("alliance_trust"))
    assert listed(view) == [(units[2], "alliance_trust")]
    assert view.kept_label.isHidden()


def test_ctrl_z_takes_back_the_decision_and_shows_its_row_again(qtbot, press, open_view, coded):
    db, units = coded
    view = open_view()
    press(view, "1")
    qtbot.waitUntil(lambda: shown(view) == (units[1], "china_role"))
    press(view, "z", modifier=Qt.KeyboardModifier.ControlModifier)
    assert gold(db, units[0], "stance") is None
    assert shown(view) == (units[0], "stance")
    assert view.model.unit(0).gold is None
    assert not view.gold_buttons[("stance", "pressure")].isChecked()
    assert "3 without gold" in view.count_label.text()
