"""Partly coded sentences are unmistakable in the window (issue 14.2)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.ui.models import UnitIdRole


def icon_image(window, row):
    index = window.sidebar.units.index(row, 0)
    return index.data(Qt.ItemDataRole.DecorationRole).pixmap(12, 12).toImage()


def test_the_list_marks_uncoded_partial_and_coded_sentences_differently(qtbot, press, demo_window):
    window = demo_window()
    seqs = window.session.seqs
    press(window, "1")  # first: partly coded
    press(window, "right")
    press(window, "2", "w", "s")  # second: coded
    qtbot.waitUntil(lambda: window.session.unit.seq == seqs[2])
    rows = [window.sidebar.units.row_of_seq(s) for s in seqs[:3]]
    assert window.sidebar.units.index(rows[0], 0).data(UnitIdRole)
    partial, coded, uncoded = (icon_image(window, row) for row in rows)
    assert partial != coded and partial != uncoded and coded != uncoded  # three markers
    tip = window.sidebar.units.index(rows[0], 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "1 of 3 dimensions coded" in tip


def test_enter_on_a_partial_sentence_names_what_is_open_in_one_line(qtbot, press, demo_window):
    window = demo_window()
    first = window.session.unit.id
    press(window, "1")
    qtbot.waitUntil(lambda: not window.after_frame.pending)  # the status bar: after the frame
    assert "Partly coded" in window.unit_state_label.text()
    assert "Alliance" in window.unit_state_label.text()
    assert "1 partly coded" in window.progress_label.text()
    press(window, "return")
    assert window.session.unit.id == first  # stays: the notice, not a dialog
    assert window.open_notice.isVisible()
    assert "Still open" in window.open_notice.text()
    assert window.open_notice.text().count("\n") == 0
    press(window, "return")
    assert window.session.unit.id != first
    assert not window.open_notice.isVisible()
    qtbot.waitUntil(lambda: not window.after_frame.pending)
    assert window.unit_state_label.text() == ""


def test_n_goes_to_a_partly_coded_sentence(press, demo_window):
    window = demo_window()
    seqs = window.session.seqs
    press(window, "1", "right", "right")
    window.session.go_to_seq(seqs[-1])
    press(window, "n")
    assert window.session.unit.seq == seqs[0]
