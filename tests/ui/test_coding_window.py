"""The coding window driven with the keyboard, on a real project of the demo articles."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.core import store
from desktop.core.session import Phase
from desktop.core.store import coding_queries

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier

# The demo articles (resources/demo) have 127 sentences to code, 28 in the first
# (counted in tests/core/test_import.py).
SENTENCES = 127
FIRST_ARTICLE = 28

FULL_RUNS = [("1", "q", "a"), ("2", "w", "s"), ("3", "e", "d")]
VALUES = [
    {"stance": "pressure", "alliance_trust": "strained", "china_role": "constructive"},
    {"stance": "mixed", "alliance_trust": "ambivalent", "china_role": "obstructive"},
    {"stance": "engagement", "alliance_trust": "solid", "china_role": "mixed"},
]


def wait_showing(qtbot, window):
    qtbot.waitUntil(lambda: window.session.phase is Phase.SHOWING)


def code_run(qtbot, press, window, runs=FULL_RUNS):
    """Code one sentence per run of keys, waiting for each auto-advance; their ids."""
    ids = []
    for keys in runs:
        ids.append(window.session.unit.id)
        press(window, *keys)
        qtbot.waitUntil(lambda first=ids[-1]: window.session.unit.id != first)
    return ids


def checked(window) -> dict[str, str]:
    return {d: c for (d, c), b in window.coding_panel.buttons.items() if b.isChecked()}


def test_scheme_keys_code_a_run_of_sentences_and_advance(qtbot, press, open_window, project_path):
    window = open_window()
    ids = code_run(qtbot, press, window)
    assert len(set(ids)) == 3
    # Committed at once: a second connection (as after a crash) sees every label.
    other = store.open_project(project_path, readonly=True)
    for unit_id, values in zip(ids, VALUES, strict=True):
        assert store.unit_labels(other, unit_id, "ak") == values
    other.close()
    assert window.session.position == (4, SENTENCES)
    assert f"3 of {SENTENCES}" in window.progress_label.text()
    assert "Saved" in window.saved_label.text()
    assert window.sidebar.articles.progress(window.session.unit.article_id) == (3, FIRST_ARTICLE)


def test_pressing_a_chosen_key_again_clears_it(press, open_window):
    window = open_window()
    unit = window.session.unit.id
    press(window, "2")
    assert checked(window) == {"stance": "mixed"}
    press(window, "2")
    assert checked(window) == {}
    assert store.unit_labels(window.db, unit, "ak") == {}
    assert window.session.unit.id == unit


def test_moving_back_shows_the_values_already_given(qtbot, press, open_window):
    window = open_window()
    ids = code_run(qtbot, press, window, FULL_RUNS[:2])
    press(window, "k")
    assert window.session.unit.id == ids[1]
    assert checked(window) == VALUES[1]
    press(window, "left")
    assert window.session.unit.id == ids[0]
    assert checked(window) == VALUES[0]
    press(window, "right", "j")
    assert checked(window) == {}
    press(window, " ")
    assert window.session.position == (4, SENTENCES)


def test_undo_and_redo_go_back_across_sentences(qtbot, press, open_window):
    window = open_window()
    ids = code_run(qtbot, press, window, FULL_RUNS[:2])
    press(window, "z", modifier=CTRL)
    assert window.session.unit.id == ids[1]
    assert checked(window) == {"stance": "mixed", "alliance_trust": "ambivalent"}
    press(window, "z", modifier=CTRL)
    press(window, "z", modifier=CTRL)
    press(window, "z", modifier=CTRL)
    assert window.session.unit.id == ids[0]
    assert checked(window) == {"stance": "pressure", "alliance_trust": "strained"}
    press(window, "z", modifier=CTRL_SHIFT)
    assert checked(window) == VALUES[0]
    assert store.unit_labels(window.db, ids[1], "ak") == {}
    assert window.session.progress == (1, SENTENCES)


def test_everything_is_as_it_was_after_closing_and_reopening(qtbot, press, open_window):
    window = open_window()
    ids = code_run(qtbot, press, window, FULL_RUNS[:2])
    press(window, "1", "u", "/")
    qtbot.keyClicks(window.coding_panel.note, "ask the lead")
    window.close()

    again = open_window()
    assert again.session.unit.id != ids[0]  # back where the coder stopped
    current = again.session.unit.id
    assert checked(again) == {"stance": "pressure"}
    assert again.coding_panel.unsure.isChecked()
    assert again.coding_panel.note.text() == "ask the lead"
    state = store.unit_state(again.db, current, "ak")
    assert state["unsure"] and state["note"] == "ask the lead"
    for unit_id, values in zip(ids, VALUES, strict=False):
        assert store.unit_labels(again.db, unit_id, "ak") == values
    # The undo history survives the restart too.
    press(again, "z", modifier=CTRL)
    assert store.unit_labels(again.db, current, "ak") == {}


def test_a_key_pressed_twice_quickly_writes_once_on_each_sentence(qtbot, press, open_window):
    window = open_window()
    unit = window.session.unit.id
    press(window, "1", "q")
    press(window, "a", "a")  # the second press lands during the transition: type-ahead
    qtbot.waitUntil(lambda: window.session.unit.id != unit and not window.session.pending)
    history = store.label_history(window.db, unit_id=unit)
    assert [(h["dimension"], h["new"]) for h in history] == [
        ("stance", "pressure"),
        ("alliance_trust", "strained"),
        ("china_role", "constructive"),
    ]
    assert window.session.unit.id != unit
    assert store.unit_labels(window.db, window.session.unit.id, "ak") == {
        "china_role": "constructive"
    }


def test_without_a_pause_the_completing_key_shows_the_next_sentence_before_any_frame(
    qtbot, press, open_window
):
    from desktop.ui import settings

    settings.put(settings.TRANSITION_MS, 0)
    window = open_window()
    first = window.session.unit
    press(window, "1", "q")
    painted = []
    window.sentence_view.show_unit = lambda unit, *rest: painted.append(unit.id)
    window.coding_panel.set_labels = lambda labels: painted.append(dict(labels))
    press(window, "a")  # completes the sentence: no event loop turn before the move
    assert window.session.phase is Phase.SHOWING
    assert window.session.unit.seq > first.seq
    # The sentence left was not drawn again with its last value; the next one was drawn.
    assert painted == [window.session.unit.id, {}]
    assert store.unit_labels(window.db, first.id, "ak") == VALUES[0]
    # The article list's count is drawn in the frame after the next sentence's.
    assert window.sidebar.articles.progress(first.article_id)[0] == 0
    qtbot.waitUntil(lambda: not window.after_frame.pending)
    assert window.sidebar.articles.progress(first.article_id)[0] == 1


def test_typing_in_the_note_field_triggers_no_shortcut(qtbot, press, open_window):
    window = open_window()
    unit = window.session.unit.id
    press(window, "/")
    note = window.coding_panel.note
    assert note.hasFocus()
    qtbot.keyClicks(note, "n1 ju? Q")
    qtbot.keyClick(note, Qt.Key.Key_Left)
    qtbot.keyClick(note, Qt.Key.Key_Return)
    assert window.session.unit.id == unit
    assert store.unit_labels(window.db, unit, "ak") == {}
    assert store.unit_state(window.db, unit, "ak")["note"] == "n1 ju? Q"
    assert not window.help_overlay.isVisible()
    assert window.focusWidget() is window.centre
    press(window, "1")  # the keys work again once the note is left
    assert store.unit_labels(window.db, unit, "ak") == {"stance": "pressure"}


def test_escape_leaves_the_note_and_keeps_what_was_typed(qtbot, press, open_window):
    window = open_window()
    unit = window.session.unit.id
    press(window, "/")
    qtbot.keyClicks(window.coding_panel.note, "unclear")
    qtbot.keyClick(window.coding_panel.note, Qt.Key.Key_Escape)
    assert window.focusWidget() is window.centre
    press(window, "right")
    assert store.unit_state(window.db, unit, "ak")["note"] == "unclear"
    assert window.coding_panel.note.text() == ""


def test_excluded_clutter_never_becomes_the_current_sentence(press, open_window):
    window = open_window()
    seen = []
    for _ in range(SENTENCES):
        unit = window.session.unit
        seen.append(unit.id)
        assert not unit.excluded
        assert window.sentence_view.current_text() == unit.text
        press(window, "right")
    assert len(set(seen)) == SENTENCES
    # The clutter is still shown, greyed, as context.
    press(window, "v")
    assert "Getty Images" in window.sentence_view.plain_text()  # the last op-ed's credit


def test_next_uncoded_skips_what_is_coded(qtbot, press, open_window):
    window = open_window()
    first = window.session.unit.id
    press(window, "right")
    code_run(qtbot, press, window, FULL_RUNS[:1])
    press(window, "left", "left")
    assert window.session.unit.id == first
    press(window, "n")
    assert window.session.position == (3, SENTENCES)


def test_search_goes_to_the_sentence_found(qtbot, press, open_window):
    window = open_window()
    press(window, "f", modifier=CTRL)
    assert window.sidebar.search.hasFocus()
    qtbot.keyClicks(window.sidebar.search, "healthy alliance")
    qtbot.keyClick(window.sidebar.search, Qt.Key.Key_Return)
    assert "healthy alliance" in window.session.unit.text
    assert window.sidebar.units.rowCount() == 1
    assert window.focusWidget() is window.centre


def test_the_filter_lists_unsure_sentences(press, open_window):
    window = open_window()
    press(window, "u")
    unsure = window.session.unit.seq
    combo = window.sidebar.filter
    combo.setCurrentIndex(combo.findData(coding_queries.UnitFilter.UNSURE))
    assert window.sidebar.units.seqs() == [unsure]


def test_clicking_an_article_goes_to_its_first_uncoded_sentence(qtbot, open_window):
    window = open_window()
    view = window.sidebar.article_view
    rect = view.visualRect(window.sidebar.articles.index(1, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.session.article.title.startswith("Maximum pressure")


def test_text_size_keys_grow_and_shrink_the_sentence(press, open_window):
    window = open_window()
    body = window.sentence_view._body
    before = body.font().pointSizeF()
    press(window, "=", modifier=CTRL)
    assert body.font().pointSizeF() > before
    press(window, "-", modifier=CTRL)
    press(window, "-", modifier=CTRL)
    assert body.font().pointSizeF() < before


def test_a_read_only_window_writes_nothing(press, open_window, project_path):
    window = open_window(readonly=True)
    press(window, "1", "u", "right")
    assert "read-only" in window.windowTitle()
    assert store.label_history(window.db) == []
    assert window.session.position == (2, SENTENCES)


def test_the_article_list_keeps_marking_the_shown_article_as_sentences_go_by(
    qtbot, press, open_window
):
    window = open_window()
    articles, view = window.sidebar.articles, window.sidebar.article_view
    first = window.session.unit.article_id
    code_run(qtbot, press, window)  # three sentences of the same article
    qtbot.waitUntil(lambda: not window.after_frame.pending)  # the lists: after the frame
    assert window.session.unit.article_id == first
    assert articles.current == first
    assert view.selectionModel().isRowSelected(articles.row_of(first))
    view.clearSelection()  # as a click elsewhere in the list might leave it
    press(window, "right")
    qtbot.waitUntil(lambda: not window.after_frame.pending)
    assert view.selectionModel().isRowSelected(articles.row_of(first))
    rect = view.visualRect(articles.index(1, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    other = window.session.unit.article_id
    assert other != first
    qtbot.waitUntil(lambda: not window.after_frame.pending)
    assert articles.current == other
    assert view.selectionModel().isRowSelected(articles.row_of(other))
    assert not view.selectionModel().isRowSelected(articles.row_of(first))


def test_new_text_in_a_scrolled_view_is_laid_out_without_the_scroll_bar_flickering(qtbot):
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QTextBrowser

    from desktop.ui.sentence_view import set_html_steadily

    browser = QTextBrowser()
    qtbot.addWidget(browser)
    browser.resize(300, 120)
    browser.show()
    qtbot.waitExposed(browser)
    long = "<p>" + "A sentence that wraps over many lines of the view. " * 30 + "</p>"
    browser.setHtml(long)
    bar = browser.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.isVisibleTo(browser))

    resizes = []

    class Resizes(QObject):
        def eventFilter(self, watched, event):
            if event.type() == QEvent.Type.Resize:
                resizes.append(event.size().width())
            return False

    watcher = Resizes()
    browser.viewport().installEventFilter(watcher)
    set_html_steadily(browser, long.replace("sentence", "clause"))
    assert "clause" in browser.toPlainText()
    assert bar.isVisibleTo(browser)
    assert resizes == []  # laid out once, at the width it keeps
    set_html_steadily(browser, "<p>Short.</p>")
    assert browser.toPlainText() == "Short."
    assert not bar.isVisibleTo(browser)  # a text that fits still loses the scroll bar
    assert browser.verticalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAsNeeded
    assert len(resizes) == 1


def test_the_sentence_list_scrolls_by_drawing_only_the_rows_that_come_into_view(qtbot, open_window):
    from PySide6.QtCore import QEvent, QObject

    window = open_window(size=(1000, 560))
    view = window.sidebar.unit_view
    viewport = view.viewport()
    assert viewport.autoFillBackground()  # set again after the style sheet's polish
    assert window.sidebar.article_view.viewport().autoFillBackground()
    painted = []

    class Paints(QObject):
        def eventFilter(self, watched, event):
            if event.type() == QEvent.Type.Paint:
                painted.append(event.region().boundingRect().height())
            return False

    watcher = Paints()
    viewport.installEventFilter(watcher)
    bar = view.verticalScrollBar()
    assert bar.maximum() > 0  # 127 sentences do not fit
    bar.setValue(bar.value() + 1)
    qtbot.waitUntil(lambda: bool(painted))
    row = view.rowHeight(0)
    assert max(painted) <= 2 * row < viewport.height()


def test_the_sentence_list_cuts_text_to_what_a_row_can_show(open_window):
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QStyleOptionViewItem

    window = open_window()
    units = window.sidebar.units
    delegate = window.sidebar.unit_view.itemDelegate()
    for row in range(units.rowCount()):
        index = units.index(row, 0)
        text = units.data(index, Qt.ItemDataRole.DisplayRole)  # the whole sentence
        if len(text) > 60:
            break
    assert text == store.get_unit_by_seq(window.db, units.seqs()[row]).text
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, 100, 20)
    delegate.initStyleOption(option, index)
    assert option.text == text[:51] + "…"  # 100 px hold at most 50 characters of 2 px
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, 4000, 20)
    delegate.initStyleOption(option, index)
    assert option.text == text


def test_the_window_leaves_checkpoints_to_a_thread_and_stops_it_on_closing(open_window):
    from desktop.core.store import checkpoints

    window = open_window()
    background = window._checkpoints
    assert background.running
    assert checkpoints.autocheckpoint(window.db) == 0
    window.close()
    assert not background.running
    assert open_window(readonly=True)._checkpoints is None  # a read-only window writes nothing


def _runs(view) -> list[tuple]:
    """The body's text as runs of (text, background, colour, italic): what is drawn."""
    from PySide6.QtGui import QTextFormat

    runs: list[tuple] = []
    block = view._body.document().begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            fmt = fragment.charFormat()
            painted = fmt.hasProperty(QTextFormat.Property.BackgroundBrush)
            background = fmt.background().color().name() if painted else None
            key = (background, fmt.foreground().color().name(), fmt.fontItalic())
            if runs and runs[-1][1:] == key:
                runs[-1] = (runs[-1][0] + fragment.text(), *key)
            else:
                runs.append((fragment.text(), *key))
            iterator += 1
        runs.append(("\n", None, "", False))
        block = block.next()
    return runs


def test_the_next_sentence_of_a_paragraph_is_highlighted_in_place_exactly_as_drawn_anew(
    qtbot, corpus_project
):
    from desktop.core.store import coding_queries
    from desktop.ui.sentence_view import SentenceView

    codable = [
        store.get_unit_by_seq(corpus_project, s) for s in store.coded_unit_seqs(corpus_project)
    ]
    first = next(
        u
        for u, v, w in zip(codable, codable[1:], codable[2:], strict=False)
        if u.paragraph == v.paragraph == w.paragraph
        and u.article_id == v.article_id == w.article_id
    )
    article = store.get_article(corpus_project, first.article_id)
    context = coding_queries.context_units(corpus_project, first.article_id, first.paragraph)
    paragraph = [u for u in context if u.paragraph == first.paragraph and not u.excluded]
    view = SentenceView()
    qtbot.addWidget(view)
    view.resize(700, 400)
    view.show()
    layouts = []
    view._body.setHtml = lambda text: (
        layouts.append(text),
        type(view._body).setHtml(view._body, text),
    )
    view.show_unit(paragraph[0], article, context, "here")
    assert len(layouts) == 1
    for unit in paragraph[1:3]:
        view.show_unit(unit, article, context, "here")
        assert len(layouts) == 1  # recoloured in place, not laid out again
        fresh = SentenceView()
        qtbot.addWidget(fresh)
        fresh.show_unit(unit, article, context, "here")
        assert _runs(view) == _runs(fresh)
        assert view.current_text() == unit.text
    view.show_unit(paragraph[0], article, context[:-1], "here")  # other units: drawn anew
    assert len(layouts) == 2


def test_an_article_title_is_shown_as_written_not_as_markup(qtbot, corpus_project):
    import dataclasses

    from desktop.core.store import coding_queries
    from desktop.ui.sentence_view import SentenceView

    unit = store.get_unit_by_seq(corpus_project, store.coded_unit_seqs(corpus_project)[0])
    article = store.get_article(corpus_project, unit.article_id)
    title = "Seoul's talks <b>gamble</b> & the alliance"
    context = coding_queries.context_units(corpus_project, unit.article_id, unit.paragraph)
    view = SentenceView()
    qtbot.addWidget(view)
    view.show_unit(unit, dataclasses.replace(article, title=title), context, "here")
    label = view._title
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert label.text() == title  # drawn as these characters, not "Seoul&#x27;s"


def test_the_saved_mark_stays_fresh_while_coding_and_fades_after(qtbot, press, open_window):
    window = open_window()
    label = window.saved_label
    press(window, "1")
    qtbot.waitUntil(lambda: not window.after_frame.pending)  # "Saved": after the frame
    assert label.property("fresh") is True
    first = label.text()
    press(window, "q")
    qtbot.waitUntil(lambda: not window.after_frame.pending)
    assert label.property("fresh") is True
    assert label.text().startswith("✓ Saved") and first.startswith("✓ Saved")
    qtbot.waitUntil(lambda: label.property("fresh") is False, timeout=10_000)
