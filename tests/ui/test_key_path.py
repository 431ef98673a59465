"""Issue 24's key path in the real window: the next sentence's text laid out while the
coder reads, and the list row of the shown unit drawn from the session's state; what the
coder sees is what a fresh render shows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument

from desktop.core import store
from desktop.core.session import Phase
from desktop.core.store import coding_queries
from desktop.ui import settings
from desktop.ui.models import StatusRole
from desktop.ui.sentence_view import render_units

COMPLETE = ("1", "q", "a")


def _fresh_html(window, unit) -> str:
    """The document a fresh render of ``unit`` in its context gives, as HTML."""
    document = QTextDocument()
    document.setDefaultFont(window.sentence_view._body.document().defaultFont())
    # The highlight is drawn over the text (an extra selection), not written into it.
    document.setHtml(render_units(window.session.context(), unit, highlight=False))
    return document.toHtml()


def _advance_to_paragraph_end(qtbot, press, window) -> None:
    """Code sentences until the next one starts another paragraph."""
    for _ in range(40):
        upcoming, _context = window.session.next_in_line()
        if upcoming.paragraph != window.session.unit.paragraph:
            return
        before = window.session.unit.id
        press(window, *COMPLETE)
        qtbot.waitUntil(lambda before=before: window.session.unit.id != before)
    raise AssertionError("no paragraph ended within 40 sentences")


def test_the_next_paragraph_is_laid_out_ahead_and_shown_as_a_fresh_render_would(
    qtbot, press, demo_window
):
    settings.put(settings.TRANSITION_MS, 0)
    window = demo_window()
    _advance_to_paragraph_end(qtbot, press, window)
    view = window.sentence_view
    # Once the sentence is drawn, the next paragraph's text is prepared (not shown yet).
    qtbot.waitUntil(lambda: view._prepared is not None)
    prepared = view._prepared[1]
    assert view._body.document() is not prepared
    press(window, *COMPLETE)
    assert window.session.phase is Phase.SHOWING
    unit = window.session.unit
    assert view._body.document() is prepared  # swapped in: no parsing, no layout
    assert view._body.document().toHtml() == _fresh_html(window, unit)
    assert view.current_text() == unit.text
    assert view._body.document().textWidth() == prepared.textWidth()


def test_a_text_prepared_for_another_sentence_is_never_shown(qtbot, press, demo_window):
    settings.put(settings.TRANSITION_MS, 0)
    window = demo_window()
    _advance_to_paragraph_end(qtbot, press, window)
    view = window.sentence_view
    qtbot.waitUntil(lambda: view._prepared is not None)
    prepared = view._prepared[1]
    # The coder jumps elsewhere (the list, another article): a fresh render is shown.
    target = window.session.seqs[-1]
    window._on_seq_chosen(target)
    unit = window.session.unit
    assert unit.seq == target
    assert view._body.document() is not prepared
    assert view._body.document().toHtml() == _fresh_html(window, unit)
    assert view.current_text() == unit.text


def test_a_larger_text_size_drops_what_was_prepared_at_the_old_one(qtbot, press, demo_window):
    settings.put(settings.TRANSITION_MS, 0)
    window = demo_window()
    _advance_to_paragraph_end(qtbot, press, window)
    view = window.sentence_view
    qtbot.waitUntil(lambda: view._prepared is not None)
    prepared = view._prepared[1]
    before = view._body.font().pointSizeF()
    press(window, "=", modifier=Qt.KeyboardModifier.ControlModifier)  # larger text
    assert view._body.font().pointSizeF() > before  # the prepared text has the old size
    press(window, *COMPLETE)
    unit = window.session.unit
    assert view._body.document() is not prepared
    assert view._body.document().defaultFont() == view._body.font()
    assert view.current_text() == unit.text


def test_the_list_row_of_a_coded_sentence_shows_what_the_store_holds(qtbot, press, demo_window):
    window = demo_window()
    first = window.session.unit
    press(window, "1", "u")  # one dimension and the unsure flag
    qtbot.waitUntil(lambda: not window.after_frame.pending)  # the row: after the frame
    units = window.sidebar.units
    row = units.row_of_seq(first.seq)
    status = units.index(row, 0).data(StatusRole)
    expected = coding_queries.unit_status(window.db, "ak", first.id, window.session.dimensions)
    assert status == expected == coding_queries.UnitStatus(1, True, False)
    press(window, "q", "a")
    qtbot.waitUntil(lambda: window.session.unit.id != first.id)
    status = units.index(row, 0).data(StatusRole)
    assert status == coding_queries.unit_status(
        window.db, "ak", first.id, window.session.dimensions
    )
    assert status.labelled == 3
    assert store.unit_labels(window.db, first.id, "ak") == {
        "stance": "pressure",
        "alliance_trust": "strained",
        "china_role": "constructive",
    }


def test_the_next_sentence_of_a_paragraph_is_highlighted_over_text_left_as_it_was(
    qtbot, press, demo_window
):
    from desktop.ui import palette

    settings.put(settings.TRANSITION_MS, 0)
    window = demo_window()
    view = window.sentence_view
    for _ in range(40):  # a sentence whose next one is in the same paragraph
        upcoming, _context = window.session.next_in_line()
        if upcoming.paragraph == window.session.unit.paragraph:
            break
        press(window, *COMPLETE)
    document = view._body.document()
    revision, text = document.revision(), document.toHtml()
    press(window, *COMPLETE)
    unit = window.session.unit
    assert unit.id == upcoming.id
    # No edit of the text (nothing laid out or shaped again): only the highlight moved.
    assert view._body.document() is document
    assert (document.revision(), document.toHtml()) == (revision, text)
    (selection,) = view._body.extraSelections()  # the one highlight, the old one gone
    assert selection.cursor.selectedText() == unit.text == view.current_text()
    assert selection.format.background().color().name() == palette.HIGHLIGHT
    assert selection.format.foreground().color().name() == palette.TEXT


def test_every_text_the_sentence_view_shows_is_its_own_and_is_deleted_once_replaced(
    qtbot, press, demo_window
):
    import shiboken6

    settings.put(settings.TRANSITION_MS, 0)
    window = demo_window()
    view = window.sentence_view
    # From the first sentence on, the document shown is the body's child, not one of
    # Qt's private text control (wrapping that one in Python the first time cost 28 ms
    # in the first key press that swapped a prepared text in).
    first = view._body.document()
    assert first.parent() is view._body
    _advance_to_paragraph_end(qtbot, press, window)
    qtbot.waitUntil(lambda: view._prepared is not None)
    replaced = view._body.document()
    prepared = view._prepared[1]
    press(window, *COMPLETE)
    assert view._body.document() is prepared
    assert prepared.parent() is view._body
    # The one replaced goes (deleted later, by the event loop), the one shown stays.
    qtbot.waitUntil(lambda: not shiboken6.isValid(replaced))
    assert view.current_text() == window.session.unit.text
