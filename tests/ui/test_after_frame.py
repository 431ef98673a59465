"""Issue 24: a completing key draws the next sentence first; the lists, the progress, the
"Saved" mark and the feedback follow in the next frame (desktop/ui/after_frame.py).

What the views show once the event loop has run is checked against the store, read
independently; and keys typed before that deferred drawing ran still land on the
sentences they were typed for.
"""

from __future__ import annotations

import gc

from desktop.core import store
from desktop.core.project_changes import Changed
from desktop.core.session import Phase
from desktop.core.store import coding_queries
from desktop.ui import settings
from desktop.ui.models import StatusRole, UnitIdRole

COMPLETE = ("1", "q", "a")
COMPLETE_VALUES = {"stance": "pressure", "alliance_trust": "strained", "china_role": "constructive"}
OTHER = ("2", "w", "s")


def _row_status(window, unit):
    units = window.sidebar.units
    return units.index(units.row_of_seq(unit.seq), 0).data(StatusRole)


def _store_status(window, unit):
    return coding_queries.unit_status(window.db, "ak", unit.id, window.session.dimensions)


def _counts(window) -> tuple[int, int]:
    dims = window.session.dimensions
    return (
        coding_queries.coded_count(window.db, "ak", dims),
        coding_queries.partial_count(window.db, "ak", dims),
    )


def test_the_lists_and_the_status_bar_follow_the_next_sentence_in_the_next_frame(
    qtbot, press, demo_window
):
    settings.put(settings.TRANSITION_MS, 0)
    window = demo_window()
    qtbot.waitUntil(lambda: not window.after_frame.pending)
    first = window.session.unit
    progress_before = window.progress_label.text()
    press(window, *COMPLETE)  # no event-loop turn: as at the instant of the key
    assert window.session.phase is Phase.SHOWING
    second = window.session.unit
    assert second.seq > first.seq
    assert window.sentence_view.current_text() == second.text  # the sentence: at once
    assert store.unit_labels(window.db, first.id, "ak") == COMPLETE_VALUES  # committed
    # The rest waits for the event loop (the frame of the next sentence comes first).
    assert window.after_frame.pending
    assert window.progress_label.text() == progress_before
    qtbot.waitUntil(lambda: not window.after_frame.pending)
    coded, partial = _counts(window)
    assert (coded, partial) == (1, 0)
    total = window.session.progress[1]
    assert window.progress_label.text().startswith(f"{coded:,} of {total:,} sentences coded")
    assert window.saved_label.text().startswith("✓ Saved")
    assert _row_status(window, first) == _store_status(window, first)
    assert _row_status(window, first) == coding_queries.UnitStatus(3, False, False)
    assert window.sidebar.unit_view.currentIndex().data(UnitIdRole) == second.id
    articles = window.sidebar.articles
    assert articles.current == second.article_id
    assert (
        articles.progress(first.article_id)[0]
        == coding_queries.article_progress(
            window.db, "ak", first.article_id, window.session.dimensions
        )[0]
    )


def test_keys_typed_before_the_deferred_drawing_ran_land_on_their_sentences(
    qtbot, press, demo_window
):
    settings.put(settings.TRANSITION_MS, 0)
    window = demo_window()
    seqs = window.session.seqs
    start = window.session.position[0] - 1
    units = [store.get_unit_by_seq(window.db, seq) for seq in seqs[start : start + 3]]
    # Three sentences' keys in one go: nothing the window deferred has run in between.
    press(window, *COMPLETE, *OTHER, "3")
    assert window.after_frame.pending
    assert window.session.unit.id == units[2].id
    assert store.unit_labels(window.db, units[0].id, "ak") == COMPLETE_VALUES
    assert store.unit_labels(window.db, units[1].id, "ak") == {
        "stance": "mixed",
        "alliance_trust": "ambivalent",
        "china_role": "obstructive",
    }
    assert store.unit_labels(window.db, units[2].id, "ak") == {"stance": "engagement"}
    qtbot.waitUntil(lambda: not window.after_frame.pending)
    for unit in units:
        assert _row_status(window, unit) == _store_status(window, unit)
    assert [_row_status(window, u).labelled for u in units] == [3, 3, 1]
    coded, partial = _counts(window)
    assert (coded, partial) == (2, 1)
    assert f"{coded:,} of" in window.progress_label.text()
    assert f"{partial:,} partly coded" in window.progress_label.text()
    assert "Partly coded" in window.unit_state_label.text()
    assert window.sidebar.unit_view.currentIndex().data(UnitIdRole) == units[2].id


def test_typing_ahead_during_the_pause_with_drawing_deferred_keeps_every_key(
    qtbot, press, demo_window
):
    settings.put(settings.TRANSITION_MS, 160)  # the default pause: keys wait in order
    window = demo_window()
    seqs = window.session.seqs
    start = window.session.position[0] - 1
    units = [store.get_unit_by_seq(window.db, seq) for seq in seqs[start : start + 2]]
    press(window, *COMPLETE, *OTHER)
    assert window.after_frame.pending and len(window.session.pending) == 3
    qtbot.waitUntil(lambda: window.session.unit.id not in (units[0].id, units[1].id))
    qtbot.waitUntil(lambda: not window.after_frame.pending)
    assert store.unit_labels(window.db, units[0].id, "ak") == COMPLETE_VALUES
    assert store.unit_labels(window.db, units[1].id, "ak")["stance"] == "mixed"
    assert [_row_status(window, u) for u in units] == [_store_status(window, u) for u in units]
    assert _counts(window) == (2, 0)


def test_a_reload_applies_the_deferred_counts_once(qtbot, press, demo_window):
    settings.put(settings.TRANSITION_MS, 0)
    window = demo_window()
    first = window.session.unit
    articles = window.sidebar.articles
    articles.progress(first.article_id)  # read now, so that the key's delta applies to it
    press(window, *COMPLETE)
    assert window.after_frame.pending
    window.reload_project(Changed.LABELS)
    assert not window.after_frame.pending
    expected = coding_queries.article_progress(
        window.db, "ak", first.article_id, window.session.dimensions
    )
    assert expected[0] == 1
    assert articles.progress(first.article_id) == expected
    qtbot.wait(20)
    assert articles.progress(first.article_id) == expected


def test_the_objects_alive_when_the_window_opens_are_left_out_of_collections(demo_window):
    demo_window()
    assert gc.get_freeze_count() > 0  # a full pass no longer walks them during a key
