"""Opening the window: entry point, first run, errors, import, blind coding, the mouse."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QEnterEvent
from PySide6.QtWidgets import QApplication

from desktop.core import store
from desktop.ui import app, dialogs, settings


def test_without_a_coder_the_first_run_dialog_asks_and_cancelling_quits(monkeypatch, project_path):
    asked = []
    monkeypatch.setattr(dialogs, "ask_coder", lambda parent=None, current="": asked.append(1))
    assert app.run_app(project_path) == 1
    assert asked == [1]


def test_a_project_that_cannot_be_opened_is_one_line_in_a_message_box(monkeypatch, tmp_path):
    shown = []
    monkeypatch.setattr(dialogs, "show_error", lambda parent, error: shown.append(str(error)))
    not_a_project = tmp_path / "notes.stance"
    not_a_project.write_text("hello")
    assert app.run_app(not_a_project, "ak") == 2
    assert len(shown) == 1 and "\n" not in shown[0] and "notes.stance" in shown[0]


def test_without_a_project_the_last_one_or_else_the_demo_opens(project_path):
    demo = app._default_project()
    assert demo.name == "demo.stance" and demo.is_file()
    settings.remember_project(project_path)
    assert app._default_project() == project_path.resolve()
    assert settings.recent_projects()[0] == project_path.resolve()


def test_another_coder_sees_none_of_the_first_coders_labels(press, open_window):
    first = open_window("ak")
    unit = first.session.unit.id
    press(first, "1", "u")
    first.close()
    second = open_window("bo")
    assert second.session.unit.id == unit
    assert not any(b.isChecked() for b in second.coding_panel.buttons.values())
    assert not second.coding_panel.unsure.isChecked()
    assert second.session.progress == (0, 127)
    assert store.unit_labels(second.db, unit, "ak") == {"stance": "pressure"}


def test_importing_into_an_empty_project_shows_the_articles(qtbot, tmp_path, scheme, corpus_dir):
    from desktop.ui.main_window import MainWindow

    path = tmp_path / "empty.stance"
    store.create_project(path, scheme).close()
    window = MainWindow(path, "ak")
    qtbot.addWidget(window)
    window.show()
    assert window.session.unit is None
    assert "Nothing to code" in window.sentence_view._title.text()
    window.import_paths([corpus_dir], quiet=True)
    assert window.session.position == (1, 127)
    assert window.sidebar.articles.rowCount() == 5
    assert window.sidebar.units.rowCount() == 127  # the demo articles' sentences


def test_the_mouse_codes_too_and_hovering_shows_the_definition(qtbot, open_window):
    window = open_window()
    button = window.coding_panel.buttons[("china_role", "obstructive")]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.session.labels == {"china_role": "obstructive"}
    assert button.isChecked()
    qtbot.waitUntil(lambda: not window.after_frame.pending)  # the card: after the frame
    assert "China hinders" in window.card.toPlainText()
    other = window.coding_panel.buttons[("stance", "engagement")]
    point = QPointF(5, 5)
    QApplication.sendEvent(other, QEnterEvent(point, point, other.mapToGlobal(point)))
    assert "Favours dialogue" in window.card.toPlainText()
    QApplication.sendEvent(other, QEvent(QEvent.Type.Leave))
    assert "China hinders" in window.card.toPlainText()
