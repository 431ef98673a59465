"""The help overlay, the key table's reach, and the layout at the smallest supported size."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication

from desktop.core.keys import KEY_TABLE, Action
from desktop.ui.help_overlay import key_text


def test_the_help_overlay_lists_every_key(press, open_window):
    window = open_window()
    press(window, "?")
    assert window.help_overlay.isVisible()
    text = window.help_overlay.plain_text()
    for binding in KEY_TABLE:
        assert binding.label in text
        for key in binding.keys:
            assert key_text(key) in text, key
    for dimension in window.scheme.dimensions:
        assert dimension.label in text
        for category in dimension.categories:
            assert f"{key_text(category.key)}\t{category.label}" in text or (
                f"{key_text(category.key)}\n{category.label}" in text
            )
    press(window.help_overlay, "escape")
    assert not window.help_overlay.isVisible()
    assert window.focusWidget() is window.centre


def test_f1_toggles_the_help_overlay(press, open_window):
    window = open_window()
    press(window, "f1")
    assert window.help_overlay.isVisible()
    press(window, "f1")
    assert not window.help_overlay.isVisible()


def test_the_help_overlay_covers_the_window_when_it_is_resized_while_shown(press, open_window):
    window = open_window()
    press(window, "f1")
    overlay = window.help_overlay
    window.resize(1100, 700)
    QApplication.processEvents()
    assert overlay.geometry() == overlay.parentWidget().rect()
    press(window.help_overlay, "escape")
    window.resize(1280, 800)  # hidden: not followed, and shown again it covers the window
    QApplication.processEvents()
    press(window, "f1")
    assert overlay.isVisible()
    assert overlay.geometry() == overlay.parentWidget().rect()


def test_every_action_of_the_table_has_a_handler_and_a_shortcut(open_window):
    window = open_window()
    assert set(window._handlers) == set(Action)
    for binding in KEY_TABLE:
        action = window.keys.by_action[binding.action]
        assert [s.toString() for s in action.shortcuts()] == [
            key_text(k) for k in binding.keys
        ] or len(action.shortcuts()) == len(binding.keys)
    assert len(window.keys.by_category) == sum(len(d.categories) for d in window.scheme.dimensions)


def _inside(window, widget) -> bool:
    top_left = widget.mapTo(window, QPoint(0, 0))
    return window.rect().contains(QRect(top_left, widget.size()))


def test_nothing_is_clipped_at_1024_by_700(open_window, qtbot):
    window = open_window(size=(1024, 700))
    qtbot.waitUntil(lambda: window.width() == 1024)
    QApplication.processEvents()
    panel = window.coding_panel
    viewport = panel.viewport()
    for button in panel.buttons.values():
        assert button.isVisible()
        assert button.width() >= button.sizeHint().width(), button.text()
        assert _inside(window, button), button.text()
        # Inside the scroll area's visible part, not scrolled out of sight.
        top_left = button.mapTo(viewport, QPoint(0, 0))
        assert viewport.rect().contains(QRect(top_left, button.size())), button.text()
    for widget in (panel.unsure, panel.note, window.sentence_view, window.card):
        assert _inside(window, widget)
    assert window.sentence_view.width() >= window.fontMetrics().averageCharWidth() * 40
    # The three columns do not overlap.
    sidebar, centre, side = (
        w.geometry() for w in (window.sidebar, window.centre, window.coding_panel)
    )
    assert sidebar.right() < centre.left() and centre.right() < side.left()


def test_the_window_follows_the_system_font_size(qtbot, project_path):
    from desktop.ui.main_window import MainWindow

    app = QApplication.instance()
    original = app.font()
    sizes = []
    try:
        for points in (10, 14):
            font = app.font()
            font.setPointSize(points)
            app.setFont(font)
            window = MainWindow(project_path, "ak")
            qtbot.addWidget(window)
            sizes.append(window.sentence_view._body.font().pointSizeF())
            window.close()
    finally:
        app.setFont(original)
    assert sizes[1] > sizes[0]
