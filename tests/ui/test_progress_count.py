"""Issue 24: on a large project the window opens first and counts the progress after."""

from __future__ import annotations

from desktop.core import store
from desktop.core.store import coding_queries
from desktop.ui import progress_count


def test_a_large_project_opens_counting_and_shows_the_counts_with_the_keys_typed_meanwhile(
    qtbot, press, open_window, project_path, monkeypatch
):
    monkeypatch.setattr(progress_count, "COUNT_LATER_ABOVE_UNITS", 0)  # every project is large
    window = open_window()
    total = len(store.coded_unit_seqs(window.db))
    assert "Counting" in window.progress_label.text() or window.session.counted
    first = window.session.unit.id
    press(window, "1", "q", "a")  # one sentence coded while the count may still run
    qtbot.waitUntil(lambda: window.session.counted and window.session.unit.id != first)
    press(window, "2")
    qtbot.waitUntil(lambda: not window.after_frame.pending)  # the status bar: after the frame
    dims = window.session.dimensions
    coded = coding_queries.coded_count(window.db, "ak", dims)
    partial = coding_queries.partial_count(window.db, "ak", dims)
    assert (coded, partial) == (1, 1)
    assert window.session.progress == (coded, total)
    # The list came with the counts: the sentence list and the place in the project.
    assert window.sidebar.units.rowCount() == total
    assert f"2 of {total:,} in the project" in window.sentence_view._meta.text()
    assert f"{coded:,} of {total:,} sentences coded" in window.progress_label.text()
    assert "1 partly coded" in window.progress_label.text()
    assert store.unit_labels(window.db, first, "ak") == {
        "stance": "pressure",
        "alliance_trust": "strained",
        "china_role": "constructive",
    }


def test_closing_while_counting_stops_the_count(open_window, monkeypatch):
    monkeypatch.setattr(progress_count, "COUNT_LATER_ABOVE_UNITS", 0)
    window = open_window()
    count = window._count
    assert count is not None
    window.close()
    assert not count.task.is_running()
