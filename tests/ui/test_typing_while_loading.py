"""Issue 24: a coder opens a large project and types at once, while the window still
reads the list of units and the counts in the background. Every key lands on the
sentence it was meant for, durably, and the list, its filters and the counts are right
once the reading is done.

The loading is held open with the hook the loader exposes
(``progress_count.HOLD_RESULT``): the thread reads the real project, then holds what it
read until the test lets it go, as a million-sentence project's reading lasts seconds.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading

import pytest
from PySide6.QtCore import Qt

from desktop.core import store
from desktop.core.store import coding_queries
from desktop.ui import progress_count
from desktop.ui.models import SeqRole, StatusRole
from desktop.ui.workers import YIELDING_NICE, yield_to_the_window

CODER = "ak"


@pytest.fixture
def held(monkeypatch):
    """Every project loads in the background, and its loading lasts until released."""
    gate = threading.Event()
    monkeypatch.setattr(progress_count, "COUNT_LATER_ABOVE_UNITS", 0)
    monkeypatch.setattr(progress_count, "HOLD_RESULT", gate)
    yield gate
    gate.set()


def _keys_for(window, choice: int) -> dict[str, tuple[str, str]]:
    """``{dimension: (code, key)}``: the ``choice``-th category of each dimension."""
    out = {}
    for dimension in window.scheme.dimensions:
        category = dimension.categories[choice % len(dimension.categories)]
        out[dimension.id] = (category.code, category.key)
    return out


def _durable_labels(path, unit_id: str) -> dict[str, str]:
    """The unit's labels as another connection reads the file (committed, not pending)."""
    db = store.open_project(path, readonly=True)
    try:
        return store.unit_labels(db, unit_id, CODER)
    finally:
        db.close()


def test_keys_typed_while_the_list_loads_land_on_their_sentences(
    qtbot, press, open_window, project_path, held
):
    window = open_window(CODER)
    total = len(store.coded_unit_seqs(window.db))
    # Still loading: the coder sees that the list and the counts are being read.
    assert not window.session.counted
    assert window.sidebar.units.rowCount() == 0
    assert window.sidebar.count.text() == "Reading the sentences…"
    assert window.sidebar.unit_view.placeholder.startswith("Reading the list of sentences")
    assert window.progress_label.text() == "Counting the sentences coded…"
    assert window._count.task.is_running()

    expected: dict[str, dict[str, str]] = {}
    # Four sentences coded one after the other, each key on the sentence on screen.
    for n in range(4):
        unit = window.session.unit
        choices = _keys_for(window, n)
        for _code, key in choices.values():
            assert window.session.unit.id == unit.id  # the key is meant for this one
            press(window, key)
        expected[unit.id] = {d: code for d, (code, _key) in choices.items()}
        qtbot.waitUntil(lambda u=unit: window.session.unit.id != u.id)
    # Two more typed ahead without waiting for the screen: they go to the next two
    # sentences in order (the type-ahead), and a fifth sentence gets one dimension only.
    queue = [window.session.unit.id]
    seq = window.session.unit.seq
    for _ in range(2):
        seq = coding_queries.neighbour_codable_seq(window.db, seq, +1)
        queue.append(store.get_unit_by_seq(window.db, seq).id)
    for n, unit_id in enumerate(queue):
        choices = _keys_for(window, n + 1)
        if n == 2:
            choices = dict(list(choices.items())[:1])  # partly coded
        press(window, *(key for _code, key in choices.values()))
        expected[unit_id] = {d: code for d, (code, _key) in choices.items()}
    qtbot.waitUntil(lambda: window.session.unit.id == queue[2] and not window.session.pending)
    assert not window.session.counted  # all of it typed while the loading was held

    held.set()
    qtbot.waitUntil(lambda: window.session.counted, timeout=10_000)
    qtbot.waitUntil(lambda: window.sidebar.units.rowCount() == total)
    assert window.sidebar.unit_view.placeholder == ""
    assert window.sidebar.count.text() == f"{total:,} sentences"

    # Every key on the sentence it was meant for, committed to the file.
    for unit_id, labels in expected.items():
        assert _durable_labels(project_path, unit_id) == labels
    # The counts: what was read at opening plus the keys typed meanwhile.
    dims = window.session.dimensions
    assert window.session.progress == (6, total)
    assert window.session.partial == 1
    assert coding_queries.progress_counts(window.db, CODER, dims) == (6, 1)
    assert "6 of" in window.progress_label.text()
    assert "1 partly coded" in window.progress_label.text()
    # The list: every codable unit, in order, the shown one selected, states drawn.
    units = window.sidebar.units
    assert [units.index(r, 0).data(SeqRole) for r in range(units.rowCount())] == (
        store.coded_unit_seqs(window.db)
    )
    shown = window.session.unit
    assert window.sidebar.unit_view.currentIndex().data(SeqRole) == shown.seq
    row_of = {units.index(r, 0).data(SeqRole): r for r in range(units.rowCount())}
    for unit_id, labels in expected.items():
        seq = store.get_unit(window.db, unit_id).seq
        status = units.index(row_of[seq], 0).data(StatusRole)
        assert status.labelled == len(labels)
    qtbot.waitUntil(lambda: f"of {total:,} in the project" in window.sentence_view._meta.text())
    # The filters read the same states from the store.
    window.sidebar.filter.setCurrentIndex(
        window.sidebar.filter.findData(coding_queries.UnitFilter.PARTIAL)
    )
    partial_seq = store.get_unit(window.db, queue[2]).seq
    assert window.sidebar.units.seqs() == [partial_seq]
    window.sidebar.filter.setCurrentIndex(
        window.sidebar.filter.findData(coding_queries.UnitFilter.UNCODED)
    )
    assert window.sidebar.units.rowCount() == total - 6


def test_the_list_rows_show_the_states_written_while_loading(
    qtbot, press, open_window, project_path, held
):
    """A unit coded while loading is drawn as coded when the list comes (the rows are
    read a screenful at a time, after the writes)."""
    window = open_window(CODER)
    first = window.session.unit
    press(window, *(key for _code, key in _keys_for(window, 0).values()))
    qtbot.waitUntil(lambda: window.session.unit.id != first.id)
    held.set()
    qtbot.waitUntil(lambda: window.sidebar.units.rowCount() > 0, timeout=10_000)
    row = window.sidebar.units.row_of_seq(first.seq)
    index = window.sidebar.units.index(row, 0)
    assert index.data(StatusRole) == coding_queries.UnitStatus(3, False, False)
    assert index.data(Qt.ItemDataRole.DisplayRole) == first.text
    with sqlite3.connect(project_path) as other:  # committed: another reader sees it
        assert other.execute("SELECT count(*) FROM label_current").fetchone()[0] == 3


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_a_thread_that_yields_to_the_window_runs_at_a_lower_priority():
    """The loading thread's nice value is raised by YIELDING_NICE (capped at 19); the
    window's thread (this one) keeps its own."""
    seen = {}

    def work():
        tid = threading.get_native_id()
        seen["before"] = os.getpriority(os.PRIO_PROCESS, tid)
        yield_to_the_window()
        seen["after"] = os.getpriority(os.PRIO_PROCESS, tid)

    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen["after"] == min(19, seen["before"] + YIELDING_NICE)
    assert seen["after"] > seen["before"] or seen["before"] == 19
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine
