"""Windows fit the screen they open on (issue 14.3): sized to the available geometry,
restored geometry clamped, every coding control in view at 1024x600 with large text."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, Qt
from PySide6.QtWidgets import QApplication, QWidget

from desktop.ui import screen_fit, settings

CTRL = Qt.KeyboardModifier.ControlModifier


def available() -> QRect:
    return QApplication.primaryScreen().availableGeometry()


def test_a_window_asking_for_more_than_the_screen_gets_the_screen(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    area = available()
    screen_fit.place(widget, (area.width() + 500, area.height() + 400))
    assert widget.width() <= area.width() and widget.height() <= area.height()
    assert area.contains(widget.geometry())


def test_a_geometry_saved_on_a_bigger_screen_is_clamped(qtbot):
    area = available()
    big = QWidget()
    qtbot.addWidget(big)
    big.setGeometry(area.right() + 400, area.bottom() + 300, area.width() * 2, area.height() * 2)
    saved = big.saveGeometry()
    widget = QWidget()
    qtbot.addWidget(widget)
    screen_fit.restore(widget, saved, (640, 480))
    widget.show()
    qtbot.waitExposed(widget)
    assert area.contains(widget.geometry())  # on the screen, not where it was saved


def test_no_saved_geometry_gives_the_preferred_size_centred(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    screen_fit.restore(widget, QByteArray(), (400, 300))
    assert (widget.width(), widget.height()) == (400, 300)
    assert abs(widget.geometry().center().x() - available().center().x()) <= 2


def test_the_main_window_opens_within_the_screen(demo_path, qtbot):
    from desktop.ui.main_window import MainWindow

    window = MainWindow(demo_path, "ak")
    qtbot.addWidget(window)
    area = available()
    assert window.width() <= area.width() and window.height() <= area.height()


def visible_in(widget: QWidget, container: QWidget) -> bool:
    """All of ``widget`` lies inside ``container``'s visible rectangle."""
    top_left = widget.mapTo(container, widget.rect().topLeft())
    return container.rect().contains(QRect(top_left, widget.size()))


def test_every_coding_control_is_in_view_at_1024x600_with_larger_text(demo_window, press):
    window = demo_window(size=(1024, 560))  # 600 less the desktop's panel and title bar
    press(window, "=", modifier=CTRL)
    press(window, "=", modifier=CTRL)
    assert window.sentence_view.zoom == 2
    panel = window.coding_panel
    for button in panel.buttons.values():
        assert visible_in(button, panel.viewport()), button.text()
    assert visible_in(panel.unsure, panel.viewport())
    assert visible_in(panel.note, panel.viewport())
    assert visible_in(window.statusBar(), window)
    body = window.sentence_view.findChild(QWidget, "sentenceBody")
    line = body.fontMetrics().lineSpacing()
    assert body.height() >= 3 * line  # never squeezed to two lines
    # Larger text is the whole window's, not only the article's.
    assert window.font().pointSizeF() > QApplication.font().pointSizeF()
    assert settings.get(settings.TEXT_ZOOM) == 2


def test_the_codebook_card_folds_away_and_stays_folded(demo_window, qtbot):
    window = demo_window()
    assert window.card.isVisible()
    before = window.sentence_view.height()
    window.codebook_toggle.click()
    qtbot.waitUntil(lambda: window.sentence_view.height() > before)
    assert not window.card.isVisible()
    assert settings.get(settings.CODEBOOK_VISIBLE) is False
    window.close()
    again = demo_window()
    assert not again.card.isVisible()


def test_the_sentence_keeps_a_readable_measure_on_a_wide_window(demo_window):
    window = demo_window(size=(2400, 900))
    body = window.sentence_view.findChild(QWidget, "sentenceBody")
    chars = body.lineWrapColumnOrWidth() / body.fontMetrics().averageCharWidth()
    assert 80 <= chars <= 100
    assert window.splitter.handleWidth() >= 5


def test_the_team_windows_fit_1024x600_and_remember_their_place(demo_window, qtbot):
    from desktop.core.store import team as team_store
    from desktop.ui import team_menu
    from desktop.ui.adjudication_view import AdjudicationView
    from desktop.ui.agreement_view import AgreementView
    from desktop.ui.article_view import ArticleView

    window = demo_window()
    team_store.set_lead(window.db, "ak")
    views = {
        settings.AGREEMENT_GEOMETRY: AgreementView(window.project_path, window),
        settings.ADJUDICATION_GEOMETRY: AdjudicationView(window.db, "ak", window),
        settings.CURATION_GEOMETRY: ArticleView(window.db, "ak", window),
    }
    area = available()
    for setting, view in views.items():
        team_menu._keep(window, view, (1100, 760), setting)
        qtbot.waitExposed(view)
        assert area.contains(view.geometry()), view.windowTitle()
        hint = view.minimumSizeHint()
        assert hint.width() <= 1024 and hint.height() <= 560, (view.windowTitle(), hint)
        view.resize(1000, 540)
        view.close()
        assert not settings.get(setting).isEmpty()


def test_the_article_filter_narrows_the_list_by_title(demo_window, qtbot):
    window = demo_window()
    sidebar = window.sidebar

    def titles() -> list[str]:
        return [
            str(sidebar.articles.index(r, 0).data()) for r in range(sidebar.articles.rowCount())
        ]

    every = titles()
    assert len(every) == 5
    qtbot.keyClicks(sidebar.article_filter, "SANCTIONS")
    shown = titles()
    assert shown and all("sanctions" in t.casefold() for t in shown)
    assert len(shown) < len(every)
    qtbot.keyClick(sidebar.article_filter, Qt.Key.Key_Escape)
    assert window.focusWidget() is window.centre
    sidebar.article_filter.clear()
    assert titles() == every


def test_larger_text_grows_the_sidebar_rows_too(demo_window, press):
    window = demo_window()
    rows = window.sidebar.unit_view.verticalHeader()
    before = rows.defaultSectionSize()
    for _ in range(6):
        press(window, "=", modifier=CTRL)
    assert window.sidebar.font().pointSizeF() > QApplication.font().pointSizeF()
    assert rows.defaultSectionSize() > before
    assert rows.defaultSectionSize() >= window.sidebar.fontMetrics().height()
