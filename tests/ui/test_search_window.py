"""The window's search (issue 24): results on every key, matches in bold, Enter or a
click goes to the sentence, the article list filters as you type; blind coding holds."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from desktop.core import store
from desktop.core.store import search
from desktop.ui.models import ArticleIdRole, MarkedRole, SeqRole, StatusRole

CTRL = Qt.KeyboardModifier.ControlModifier


def _listed(window) -> list[int]:
    units = window.sidebar.units
    return [units.index(row, 0).data(SeqRole) for row in range(units.rowCount())]


def test_each_key_lists_the_matches_at_once_with_the_words_marked(qtbot, press, open_window):
    window = open_window()
    press(window, "f", modifier=CTRL)
    field = window.sidebar.search
    assert field.hasFocus()
    typed = ""
    for char in "sanct":
        typed += char
        qtbot.keyClick(field, char)
        # no timer: the list is the search's answer as soon as the key is handled
        expected = [h.seq for h in search.search_units(window.db, typed, limit=200)]
        assert field.text() == typed
        assert expected and _listed(window) == expected
    units = window.sidebar.units
    for row in range(units.rowCount()):
        parts = search.marked_parts(units.index(row, 0).data(MarkedRole))
        hits = [text.lower() for text, is_match in parts if is_match]
        assert hits and all(h.startswith("sanct") for h in hits)
    assert window.sidebar.count.text() == f"{units.rowCount()} sentences"
    image = window.sidebar.unit_view.viewport().grab().toImage()  # the bold runs are drawn
    assert not image.isNull()
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_Backspace)  # an empty search lists every sentence again
    assert units.rowCount() == len(window.session.seqs)
    assert units.index(0, 0).data(MarkedRole) is None


def test_enter_goes_to_the_first_match_and_a_click_to_any(qtbot, press, open_window):
    window = open_window()
    press(window, "f", modifier=CTRL)
    field = window.sidebar.search
    qtbot.keyClicks(field, "pyongyang")
    listed = _listed(window)
    assert len(listed) >= 3
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert window.session.unit.seq == listed[0]
    assert window.focusWidget() is window.centre
    view = window.sidebar.unit_view
    index = window.sidebar.units.index(2, 0)
    centre = view.visualRect(index).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert window.session.unit.seq == listed[2]
    assert "pyongyang" in window.session.unit.text.lower()


def test_whatever_is_typed_in_the_field_never_breaks_the_list(qtbot, press, open_window):
    window = open_window()
    press(window, "f", modifier=CTRL)
    field = window.sidebar.search
    for typed in ('"', "NEAR(", "AND (", "*)", "^", "서울 ", "Séoul", "'; DROP TABLE units; --"):
        field.clear()
        for char in typed:  # key events carrying the text, as an input method sends them
            QApplication.sendEvent(
                field, QKeyEvent(QEvent.Type.KeyPress, 0, Qt.KeyboardModifier.NoModifier, char)
            )
        assert field.text() == typed
        assert _listed(window) == [h.seq for h in search.search_units(window.db, typed, limit=200)]
    assert store.counts(window.db)["units"] > 0


def test_search_shows_no_other_coders_labels(qtbot, press, project_path, open_window):
    """Another coder's labels on a found sentence never show: only this coder's state."""
    db = store.open_project(project_path)
    try:
        seq = search.search_units(db, "sanctions", limit=1)[0].seq
        unit = store.get_unit_by_seq(db, seq)
        store.ensure_coder(db, "zz")
        for dimension in store.current_scheme(db).dimensions:
            store.set_label(db, unit.id, "zz", dimension.id, dimension.categories[0].code)
    finally:
        db.close()
    window = open_window(coder="ak")
    press(window, "f", modifier=CTRL)
    qtbot.keyClicks(window.sidebar.search, "sanctions")
    units = window.sidebar.units
    row = _listed(window).index(seq)
    assert units.index(row, 0).data(StatusRole).labelled == 0
    tooltip = units.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip == unit.text  # the text alone: no "3 of 3 dimensions coded"


def _add_article_with_metadata(path) -> str:
    """An article with a source, author, date and url (the demo files have none)."""
    from desktop.core.corpus.importer import content_hash

    text = "Envoys met in Panmunjom on Friday. Both sides called the talks useful."
    article = store.NewArticle(
        text=text,
        content_hash=content_hash(text),
        title="Envoys meet at the border",
        source="Korea Herald",
        author="Mina Cho",
        date="2018-01-09",
        url="https://example.org/envoys",
        units=[
            store.NewUnit(0, 0, 0, 33, text[:33]),
            store.NewUnit(0, 1, 34, len(text), text[34:]),
        ],
        paragraphs=[store.NewParagraph(0, len(text))],
    )
    db = store.open_project(path)
    try:
        with store.write_transaction(db):
            return store.add_articles(db, [article])[0]
    finally:
        db.close()


def test_the_article_filter_matches_source_date_and_url_as_you_type(
    qtbot, project_path, open_window
):
    added = _add_article_with_metadata(project_path)
    window = open_window()
    sidebar = window.sidebar
    articles = [a for a in store.list_articles(window.db) if not a.excluded]

    def shown() -> list[str]:
        model = sidebar.articles
        return [model.index(r, 0).data(ArticleIdRole) for r in range(model.rowCount())]

    def expected(typed: str) -> list[str]:
        fields = {a.id: (a.title, a.source, a.author, a.date, a.url) for a in articles}
        return [i for i, f in fields.items() if any(typed.casefold() in x.casefold() for x in f)]

    sidebar.article_filter.setFocus()
    for query in ("KOREA HER", "2018-01", "example.org", "talks"):
        sidebar.article_filter.clear()
        typed = ""
        for char in query:
            typed += char
            qtbot.keyClick(sidebar.article_filter, char)
            assert shown() == expected(typed), typed
    sidebar.article_filter.clear()
    assert added in shown() and shown() == [a.id for a in articles]
    assert len(expected("KOREA HER")) == 1  # the source alone holds it
