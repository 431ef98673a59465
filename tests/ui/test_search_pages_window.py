"""The sidebar's search loads the next page of matches as the coder scrolls near the end
of the list (keyset paging), and says honestly how many are listed: "200+" while more
are to load, the exact number once all are listed."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.core.store import search
from desktop.ui import article_list
from desktop.ui.models import SeqRole

CTRL = Qt.KeyboardModifier.ControlModifier
PAGE = 4


def _listed(window) -> list[int]:
    units = window.sidebar.units
    return [units.index(row, 0).data(SeqRole) for row in range(units.rowCount())]


def _scroll_to_end(qtbot, view) -> None:
    """Ctrl+End on the list, as a coder presses it (to the last row, scrolled there)."""
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)


def test_scrolling_to_the_end_loads_the_next_pages_until_all_are_listed(
    qtbot, press, open_window, monkeypatch
):
    monkeypatch.setattr(article_list, "SEARCH_LIMIT", PAGE)
    window = open_window(size=(1024, 600))
    every = [h.seq for h in search.search_units(window.db, "the", limit=10_000)]
    assert len(every) > 12 * PAGE  # many pages of four
    press(window, "f", modifier=CTRL)
    qtbot.keyClicks(window.sidebar.search, "the")
    view, count = window.sidebar.unit_view, window.sidebar.count
    units = window.sidebar.units
    # Qt asks for pages until the visible rows are filled (a pass of the event loop)
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() > 0 or not units.canFetchMore())
    listed = _listed(window)
    # the first page, and the pages Qt asked for to fill the visible rows
    assert listed == every[: len(listed)] and PAGE <= len(listed) < len(every)
    assert len(listed) % PAGE == 0
    assert count.text() == f"{len(listed)}+ sentences — scroll for more"
    rounds = 0
    while units.canFetchMore():
        before = len(_listed(window))
        _scroll_to_end(qtbot, view)
        qtbot.waitUntil(lambda b=before: units.rowCount() > b or not units.canFetchMore())
        rounds += 1
        assert rounds < len(every)
    assert _listed(window) == every
    assert count.text() == f"{len(every)} sentences"
    # a new search starts again from its first page
    field = window.sidebar.search
    field.clear()
    qtbot.keyClicks(field, "sanctions")
    sanctions = [h.seq for h in search.search_units(window.db, "sanctions", limit=10_000)]
    assert _listed(window) == sanctions[: len(_listed(window))]


def test_the_next_page_loads_before_the_very_end_is_reached(qtbot, press, open_window, monkeypatch):
    """Within one screen of the end the next page is already there (no wait at the end)."""
    monkeypatch.setattr(article_list, "SEARCH_LIMIT", 60)
    window = open_window(size=(1024, 600))
    press(window, "f", modifier=CTRL)
    qtbot.keyClicks(window.sidebar.search, "the")
    assert window.sidebar.units.rowCount() == 60 and window.sidebar.units.canFetchMore()
    bar = window.sidebar.unit_view.verticalScrollBar()
    bar.setValue(bar.maximum() - bar.pageStep() // 2)  # half a screen above the end
    assert window.sidebar.units.rowCount() > 60
    assert bar.value() < bar.maximum()  # the list grew below what the coder sees
