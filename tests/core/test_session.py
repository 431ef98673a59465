"""The coding session state machine, without a display."""

from __future__ import annotations

import pytest

from desktop.core import store
from desktop.core.session import CodingSession, Phase
from desktop.core.store import coding_queries

CODER = "ak"


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def session(corpus_project, clock):
    store.ensure_coder(corpus_project, CODER)
    s = CodingSession(corpus_project, CODER, clock=clock)
    yield s
    s.close()


def code_fully(session, keys=("1", "Q", "A")):
    last = None
    for key in keys:
        last = session.press_key(key)
    return last


def test_session_starts_on_the_first_codable_sentence(session, corpus_project):
    first = store.coded_unit_seqs(corpus_project)[0]
    assert session.phase is Phase.SHOWING
    assert session.unit.seq == first
    assert not session.unit.excluded
    total = len(store.coded_unit_seqs(corpus_project))  # 127 (test_import)
    assert session.position == (1, total)
    assert session.progress == (0, total)


def test_a_category_key_sets_and_pressing_it_again_clears(session, corpus_project):
    unit = session.unit.id
    update = session.press_key("1")
    assert update.changes[0].new == "pressure"
    assert store.unit_labels(corpus_project, unit, CODER) == {"stance": "pressure"}
    session.press_key("2")
    assert session.labels == {"stance": "mixed"}
    update = session.press_key("2")
    assert update.changes[0].new is None
    assert store.unit_labels(corpus_project, unit, CODER) == {}


def test_lower_case_keys_work_and_unknown_keys_do_nothing(session):
    assert session.press_key("q").changes[0].new == "strained"
    assert session.press_key("Z").ignored


def test_completing_a_unit_starts_a_transition_that_moves_on(session):
    first = session.unit.seq
    update = code_fully(session)
    assert session.phase is Phase.TRANSITIONING
    assert update.transition is not None
    assert update.coded_delta == 1
    assert session.progress == (1, len(store.coded_unit_seqs(session.db)))
    moved = session.finish_transition(update.transition)
    assert moved.moved
    assert session.phase is Phase.SHOWING
    assert session.unit.seq > first


def test_keys_during_a_transition_never_write(session, corpus_project):
    unit = session.unit.id
    update = code_fully(session)
    again = session.press_key("A")
    assert again.ignored
    assert session.toggle_unsure().ignored
    history = store.label_history(corpus_project, unit_id=unit)
    assert len(history) == 3
    session.finish_transition(update.transition)
    assert session.unit.id != unit
    assert store.unit_labels(corpus_project, session.unit.id, CODER) == {}


def test_a_stale_transition_does_not_move_the_next_unit(session):
    update = code_fully(session)
    session.confirm()  # Enter during the transition: moves once
    second = session.unit.seq
    assert session.finish_transition(update.transition).ignored
    assert session.unit.seq == second


def test_auto_advance_can_be_switched_off(session):
    session.auto_advance = False
    update = code_fully(session)
    assert update.transition is None
    assert session.phase is Phase.SHOWING


def test_moving_skips_excluded_clutter(session, corpus_project):
    # Seq 30 is the Seoul op-ed's last sentence; 31-39 are its tag list and comments
    # notice, then the next op-ed's title, credit and author box; 40 is its first sentence.
    session.go_to_seq(29)
    seen = []
    for _ in range(6):
        seen.append(session.unit)
        session.move(+1)
    assert all(not unit.excluded for unit in seen)
    assert [unit.seq for unit in seen] == [29, 30, 40, 41, 42, 43]


def test_moving_stops_at_both_ends(session):
    assert "first" in session.move(-1).message
    session.go_to_seq(store.coded_unit_seqs(session.db)[-1])
    assert "last" in session.move(+1).message


def test_next_uncoded_jumps_over_coded_sentences(session):
    session.auto_advance = False
    first = session.unit.seq
    session.move(+1)
    code_fully(session)
    second = session.unit.seq
    session.go_to_seq(first)
    code_fully(session)
    session.next_uncoded()
    assert session.unit.seq > second


def test_undo_and_redo_follow_the_change_across_sentences(session, corpus_project):
    first = session.unit.id
    update = code_fully(session)
    session.finish_transition(update.transition)
    assert session.unit.id != first
    undone = session.undo()
    assert undone.moved
    assert session.unit.id == first
    assert session.labels == {"stance": "pressure", "alliance_trust": "strained"}
    assert undone.coded_delta == -1
    assert session.progress == (0, len(store.coded_unit_seqs(corpus_project)))
    redone = session.redo()
    assert redone.coded_delta == 1
    assert store.unit_labels(corpus_project, first, CODER)["china_role"] == "constructive"


def test_undo_survives_a_new_session(session, corpus_project, clock):
    first = session.unit.id
    session.press_key("1")
    session.close()
    later = CodingSession(corpus_project, CODER, clock=clock)
    assert later.undo().changes[0].unit_id == first
    assert store.unit_labels(corpus_project, first, CODER) == {}
    later.close()


def test_unsure_and_note_are_stored_per_sentence(session, corpus_project):
    unit = session.unit.id
    session.toggle_unsure()
    session.save_note(unit, "check the second clause")
    assert store.unit_state(corpus_project, unit, CODER)["unsure"] is True
    assert store.unit_state(corpus_project, unit, CODER)["note"] == "check the second clause"
    assert session.save_note(unit, "check the second clause").ignored


def test_time_on_a_sentence_is_recorded_while_the_window_is_active(session, corpus_project, clock):
    unit = session.unit.id
    clock.now += 5
    session.pause()
    clock.now += 100  # away from the window: not counted
    session.resume()
    clock.now += 2
    session.press_key("1")
    assert store.label_history(corpus_project, unit_id=unit)  # written
    label_seconds = corpus_project.execute(
        "SELECT seconds FROM labels WHERE unit_id = ?", [unit]
    ).fetchone()[0]
    assert label_seconds == pytest.approx(7)
    session.move(+1)
    assert store.unit_state(corpus_project, unit, CODER)["seconds"] == pytest.approx(7)


def _commits(db) -> list[str]:
    """Records the COMMITs of the project's connection (SQLite's own trace)."""
    seen: list[str] = []
    db.conn.set_trace_callback(lambda sql: seen.append(sql) if sql == "COMMIT" else None)
    return seen


def test_the_key_that_completes_a_unit_commits_its_time_with_the_label(
    session, corpus_project, clock
):
    unit = session.unit.id
    clock.now += 3
    session.press_key("1")
    session.press_key("Q")
    clock.now += 4
    commits = _commits(corpus_project)
    update = session.press_key("A")  # completes the unit: label and 7 s in one commit
    assert len(commits) == 1
    assert store.unit_state(corpus_project, unit, CODER)["seconds"] == pytest.approx(7)
    clock.now += 0.25  # the transition: the app's moment, not the coder's
    session.finish_transition(update.transition)
    corpus_project.conn.set_trace_callback(None)
    assert len(commits) == 1  # moving on wrote nothing more
    assert session.unit.id != unit
    assert store.unit_state(corpus_project, unit, CODER)["seconds"] == pytest.approx(7)


def test_a_coder_who_stays_during_the_transition_keeps_the_clock_running(
    session, corpus_project, clock
):
    unit = session.unit.id
    clock.now += 5
    code_fully(session)  # stored 5 s
    clock.now += 1
    session.stay()  # writing a note, say
    clock.now += 2
    session.move(+1)
    assert store.unit_state(corpus_project, unit, CODER)["seconds"] == pytest.approx(8)


def test_a_read_only_session_refuses_every_write(corpus_project, clock):
    store.ensure_coder(corpus_project, CODER)
    s = CodingSession(corpus_project, CODER, readonly=True, clock=clock)
    assert s.press_key("1").ignored
    assert s.toggle_unsure().ignored
    assert s.undo().ignored
    clock.now += 10
    s.move(+1)
    assert store.label_history(corpus_project) == []
    assert store.unit_state(corpus_project, s.unit.id, CODER)["seconds"] == 0


def test_a_project_without_sentences_is_empty(empty_project):
    store.ensure_coder(empty_project, CODER)
    s = CodingSession(empty_project, CODER)
    assert s.phase is Phase.EMPTY
    assert s.press_key("1").ignored
    assert s.move(+1).ignored


def test_other_coders_labels_are_never_read(session, corpus_project):
    store.ensure_coder(corpus_project, "bo")
    store.set_label(corpus_project, session.unit.id, "bo", "stance", "engagement")
    assert session.go_to_unit(session.unit.id) is not None
    fresh = CodingSession(corpus_project, CODER)
    assert fresh.labels == {}
    assert fresh.progress == (0, len(store.coded_unit_seqs(corpus_project)))
    fresh.close()


def test_queue_filters_and_search(session, corpus_project):
    dims = session.dimensions
    unit = session.unit
    session.toggle_unsure()
    session.save_note(unit.id, "odd")
    code_fully(session)
    assert coding_queries.filter_unit_seqs(
        corpus_project, CODER, coding_queries.UnitFilter.UNSURE, dims
    ) == [unit.seq]
    assert coding_queries.filter_unit_seqs(
        corpus_project, CODER, coding_queries.UnitFilter.NOTED, dims
    ) == [unit.seq]
    uncoded = coding_queries.filter_unit_seqs(
        corpus_project, CODER, coding_queries.UnitFilter.UNCODED, dims
    )
    assert (
        unit.seq not in uncoded and len(uncoded) == len(store.coded_unit_seqs(corpus_project)) - 1
    )
    found = coding_queries.filter_unit_seqs(
        corpus_project, CODER, coding_queries.UnitFilter.ALL, dims, text="COLLECTIVE shrug"
    )
    assert len(found) == 1
    # LIKE wildcards are searched for literally: no sentence of the corpus has a "%".
    assert (
        coding_queries.filter_unit_seqs(
            corpus_project, CODER, coding_queries.UnitFilter.ALL, dims, text="%"
        )
        == []
    )
    # the Seoul op-ed has 28 sentences to code
    assert coding_queries.article_progress(corpus_project, CODER, unit.article_id, dims) == (1, 28)
