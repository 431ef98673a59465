"""Issue 24: the line above the sentence (source, date, place) changes with every key;
a new text of as many lines is painted without fitting the view's layout again, and a
text that needs more lines still shows whole, wrapped as a label would."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QLabel, QTextBrowser, QVBoxLayout, QWidget

from desktop.ui import settings
from desktop.ui.sentence_view import InfoLine


class _LayoutRequests(QObject):
    def __init__(self):
        super().__init__()
        self.count = 0

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def test_the_place_changing_with_a_key_does_not_lay_the_view_out_again(qtbot, press, demo_window):
    settings.put(settings.TRANSITION_MS, 0)
    window = demo_window()
    view = window.sentence_view
    meta = view._meta
    qtbot.waitUntil(lambda: not window.after_frame.pending)
    before = (meta.text(), meta.height(), view._body.geometry())
    # The next sentence of the same article: another place, as many lines.
    unit = window.session.unit
    press(window, "1", "q", "a")
    qtbot.waitUntil(lambda: window.session.unit.id != unit.id)
    assert window.session.unit.article_id == unit.article_id
    in_article, total = window.session.article_position
    assert meta.text() != before[0]
    assert f"sentence {in_article} of {total} in this article" in meta.text()
    assert (meta.height(), view._body.geometry()) == before[1:]


def _shown_in_a_layout(qtbot, line):
    """``line`` above a text field in a shown container, laid out; the container's
    layout requests counted from now on."""
    container = QWidget()
    qtbot.addWidget(container)
    layout = QVBoxLayout(container)
    layout.addWidget(line)
    layout.addWidget(QTextBrowser())
    container.resize(500, 300)
    container.show()
    qtbot.waitExposed(container)
    QApplication.processEvents()
    requests = _LayoutRequests()
    container.installEventFilter(requests)
    requests.container = container  # kept alive with the count
    return requests


def test_a_new_text_of_as_many_lines_asks_no_layout_where_a_wrapping_label_did(qtbot):
    texts = ("Source · 2024-03-01 · sentence 3 of 50", "Source · 2024-03-01 · sentence 4 of 50")
    line = InfoLine()
    line.setText(texts[0])
    requests = _shown_in_a_layout(qtbot, line)
    height = line.height()
    line.setText(texts[1])
    QApplication.processEvents()
    assert (line.text(), line.height(), requests.count) == (texts[1], height, 0)
    # The same run's reference: the wrapping label the line replaces asks each time.
    label = QLabel(texts[0])
    label.setWordWrap(True)
    label_requests = _shown_in_a_layout(qtbot, label)
    label.setText(texts[1])
    QApplication.processEvents()
    assert label_requests.count >= 1


def test_a_text_longer_than_the_line_wraps_whole_and_a_short_one_takes_one_line(qtbot):
    line = InfoLine()
    qtbot.addWidget(line)
    line.resize(200, 10)
    line.show()
    one = line.fontMetrics().height()
    line.setText("Source · 2024-03-01")
    assert line.height() == one
    long = " · ".join(["The Extremely Long Name of a Newspaper"] * 4)
    line.setText(long)
    assert line.text() == long  # the whole text, nothing elided
    assert line.height() >= 3 * one  # wrapped onto as many lines as it needs
    # Wider, it needs fewer lines: the height follows the width.
    wrapped = line.height()
    line.resize(2000, line.height())
    qtbot.waitUntil(lambda: line.height() < wrapped)
    assert line.height() == one
