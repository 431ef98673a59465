"""Type-ahead: every key typed is applied, in order, to the sentence that is current once
the keys before it have been applied (issue 14). Driven without a display, on the demo
articles shipped in resources/demo."""

from __future__ import annotations

import pytest

from desktop.core import store
from desktop.core.corpus.importer import import_paths
from desktop.core.keys import Action
from desktop.core.resources import demo_articles_dir
from desktop.core.session import CodingSession, Keystroke, Phase

CODER = "ak"
KEYS = {"1": "pressure", "2": "mixed", "3": "engagement"}


@pytest.fixture
def demo_project(empty_project):
    import_paths(empty_project, [demo_articles_dir()])
    store.ensure_coder(empty_project, CODER)
    return empty_project


@pytest.fixture
def session(demo_project):
    s = CodingSession(demo_project, CODER)
    yield s
    s.close()


def category(session, key: str) -> Keystroke:
    dimension, code = session.scheme.key_map()[key.upper()]
    return Keystroke.category(dimension, code)


def type_keys(session, keys: str) -> list:
    """Type space-free keys; ``>`` is Enter, ``<`` Left, ``z`` Ctrl+Z."""
    named = {">": Action.CONFIRM, "<": Action.PREVIOUS, "z": Action.UNDO, "u": Action.TOGGLE_UNSURE}
    return [
        session.type_key(Keystroke(named[k]) if k in named else category(session, k)) for k in keys
    ]


def labels_of(db, unit_id):
    return store.unit_labels(db, unit_id, CODER)


def test_keys_typed_during_the_pause_wait_and_land_on_the_next_sentences(session, demo_project):
    seqs = session.seqs[:3]
    first = session.unit.id
    updates = type_keys(session, "1qs3ef2wd")
    assert session.phase is Phase.TRANSITIONING  # still on the first sentence, moving on
    assert session.unit.id == first
    assert [u.queued for u in updates] == [False] * 3 + [True] * 6
    assert len(session.pending) == 6
    assert labels_of(demo_project, first) == {
        "stance": "pressure",
        "alliance_trust": "strained",
        "china_role": "obstructive",
    }
    done = session.finish_transition(updates[2].transition)
    # Both queued sentences are coded; the last key completed the third: a new pause.
    assert done.moved and done.transition is not None
    assert session.pending == ()
    assert [u for _, u in done.deltas] == [1, 1]
    session.finish_transition(done.transition)
    units = [store.get_unit_by_seq(demo_project, seq).id for seq in seqs]
    assert [labels_of(demo_project, unit)["stance"] for unit in units] == [
        "pressure",
        "engagement",
        "mixed",
    ]
    assert labels_of(demo_project, units[2]) == {
        "stance": "mixed",
        "alliance_trust": "ambivalent",
        "china_role": "mixed",
    }
    assert session.unit.seq == session.seqs[3]
    assert session.progress[0] == 3


def test_a_key_pressed_twice_quickly_writes_once_on_each_sentence(session, demo_project):
    first = session.unit.id
    updates = type_keys(session, "1qss")
    session.finish_transition(updates[2].transition)
    history = store.label_history(demo_project, unit_id=first)
    assert [(h["dimension"], h["new"]) for h in history] == [
        ("stance", "pressure"),
        ("alliance_trust", "strained"),
        ("china_role", "obstructive"),
    ]
    assert session.unit.id != first
    assert session.labels == {"china_role": "obstructive"}


def test_enter_after_the_completing_key_moves_once_not_twice(session):
    seqs = session.seqs
    updates = type_keys(session, "1qs>")
    assert not updates[3].queued
    assert updates[3].moved
    assert session.unit.seq == seqs[1]
    assert session.phase is Phase.SHOWING
    assert session.finish_transition(updates[2].transition).ignored  # the stale pause
    assert session.unit.seq == seqs[1]


def test_undo_during_the_pause_takes_back_exactly_the_completing_key(session, demo_project):
    first = session.unit.id
    type_keys(session, "1qsz")
    assert session.unit.id == first
    assert session.phase is Phase.SHOWING
    assert labels_of(demo_project, first) == {"stance": "pressure", "alliance_trust": "strained"}
    # Undo queued behind other keys undoes the last of them, one action.
    updates = type_keys(session, "s3z")
    session.finish_transition(updates[0].transition)
    second = store.get_unit_by_seq(demo_project, session.seqs[1]).id
    assert labels_of(demo_project, second) == {}
    assert labels_of(demo_project, first)["china_role"] == "obstructive"
    assert session.unit.id == second


def test_previous_typed_during_the_pause_returns_to_the_sentence_just_coded(session):
    first = session.unit.id
    updates = type_keys(session, "1qs<")
    assert updates[3].queued
    session.finish_transition(updates[2].transition)
    assert session.unit.id == first


def test_settle_applies_the_queue_and_closing_loses_no_key(demo_project):
    session = CodingSession(demo_project, CODER)
    seqs = session.seqs[:2]
    type_keys(session, "1qs2w")
    session.close()  # the window closed during the pause: the queued keys still count
    second = store.get_unit_by_seq(demo_project, seqs[1]).id
    assert labels_of(demo_project, second) == {"stance": "mixed", "alliance_trust": "ambivalent"}


def test_a_click_during_the_pause_changes_the_sentence_on_screen(session, demo_project):
    first = session.unit.id
    type_keys(session, "1qs")
    update = session.click_category("china_role", "mixed")
    assert update.changes[-1].unit_id == first
    assert labels_of(demo_project, first)["china_role"] == "mixed"
    assert session.phase is Phase.TRANSITIONING  # complete again: a fresh pause


def test_a_click_in_the_list_applies_the_queued_keys_first(session, demo_project):
    seqs = session.seqs
    type_keys(session, "1qs3")
    session.go_to_seq(seqs[5])
    second = store.get_unit_by_seq(demo_project, seqs[1]).id
    assert labels_of(demo_project, second) == {"stance": "engagement"}
    assert session.unit.seq == seqs[5]
    assert session.pending == ()
