"""The lead's article view on a real project of the demo articles (resources/demo), offscreen.

Modal dialogs are answered from a timer while they run, as a lead would answer them, so
the real dialogs are exercised; error boxes are recorded instead of shown.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QToolTip

from desktop.core import curation, store
from desktop.core.curation import ConfirmationRequired
from desktop.core.errors import StanceError
from desktop.ui import dialogs
from desktop.ui.article_view import ArticleView, Command
from desktop.ui.curation_dialogs import (
    EXCLUDING,
    ArticleDetailsDialog,
    ReapplyRulesDialog,
    RuleFromLineDialog,
    SplitDialog,
    confirmation_text,
)

CTRL = Qt.KeyboardModifier.ControlModifier
OK = QDialogButtonBox.StandardButton.Ok


@pytest.fixture
def db(project_path):
    connection = store.open_project(project_path)
    store.ensure_coder(connection, "ak")
    yield connection
    connection.close()


@pytest.fixture
def errors(monkeypatch):
    """Error boxes the view would show (recorded, so that a test never blocks on one)."""
    shown: list[BaseException] = []
    monkeypatch.setattr(dialogs, "show_error", lambda _parent, error: shown.append(error))
    return shown


@pytest.fixture
def view(qtbot, db, errors):
    widget = ArticleView(db, "lead")
    qtbot.addWidget(widget)
    widget.resize(1024, 700)
    widget.show()
    qtbot.waitExposed(widget)

    def unexpected(question, _consequence):
        raise AssertionError(f"unexpected confirmation: {question}")

    widget.confirm = unexpected
    return widget


def article_id(db, name: str) -> str:
    return next(a.id for a in store.list_articles(db) if name in a.origin)


def find_unit(layout, text: str):
    return next(u for u in layout.units if text in u.text)


def answer(dialog_type, handler):
    """Call ``handler(dialog)`` on the next modal ``dialog_type`` once it runs."""
    seen: list = []

    def attempt(tries: int = 0) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, dialog_type):
            if tries < 300:
                QTimer.singleShot(10, lambda: attempt(tries + 1))
            return
        seen.append(dialog)
        try:
            handler(dialog)
        except BaseException as error:  # reported by the test, never left hanging
            seen.append(error)
            dialog.reject()

    QTimer.singleShot(0, attempt)
    return seen


def answered(seen, dialog_type) -> None:
    assert seen and isinstance(seen[0], dialog_type), "the dialog did not appear"
    failures = [item for item in seen[1:] if isinstance(item, BaseException)]
    if failures:
        raise failures[0]


# The second demo article, resources/demo/02_pressure_is_working.txt: a two-sentence title,
# a photo credit, an author box of three lines, 24 sentences to code, a republication footer.
PRESSURE = "02_pressure_is_working"
CREDIT = "Photo: Reuters/Kenji Halvorsen"
LEDE = "The North Korean regime did not suddenly discover"
SECOND = "It came to the table because sanctions are biting."
# The second of the four sentences of its seventh paragraph.
INNER = "South Korean officials have floated"


def show_pressure(view, db):
    view.show_article(article_id(db, PRESSURE))
    return view.shown


def test_the_view_lists_the_demo_articles_with_their_counts(view, db):
    model = view.articles
    assert model.rowCount() == 5
    titles = [model.index(row, model.TITLE).data() for row in range(2)]
    assert titles == [
        "Seoul's talks gamble is worth taking",
        "Maximum pressure is working. Don't let up now.",
    ]
    assert [model.index(1, c).data() for c in (model.TO_CODE, model.EXCLUDED)] == [24, 7]
    assert view.table.isColumnHidden(model.SOURCE)  # no article has a source yet
    assert view.article_id == article_id(db, "01_seoul")
    view.table.selectRow(1)
    assert view.article_id == article_id(db, PRESSURE)
    assert "24 sentences to code, 7 excluded" in view.meta.text()


def test_the_photo_credit_line_is_shown_excluded_and_names_photo_credit(view, db):
    layout = show_pressure(view, db)
    credit = next(p for p in layout.paragraphs if p.text == CREDIT)
    assert credit.excluded and credit.excluded_by == "photo credit"
    assert view.text.paragraph_text(credit.idx).split() == [*CREDIT.split(), "photo", "credit"]
    unit_format = view.text.unit_format(credit.units[0].id)
    assert unit_format.fontItalic()
    coded = find_unit(layout, LEDE)
    assert not view.text.unit_format(coded.id).fontItalic()
    assert "photo" not in view.text.paragraph_text(coded.paragraph)


def test_a_paragraph_goes_out_and_back_in_with_the_mouse_and_the_keys(qtbot, view, db):
    layout = show_pressure(view, db)
    getty = find_unit(layout, CREDIT)
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    qtbot.mouseClick(
        view.text.viewport(), Qt.MouseButton.LeftButton, pos=view.text.unit_point(getty.id)
    )
    assert view.selected_unit.id == getty.id
    point = view.text.unit_point(getty.id)
    assert view.text.unit_at(point, exact=True) == getty.id
    hover = QHelpEvent(QEvent.Type.ToolTip, point, view.text.viewport().mapToGlobal(point))
    QApplication.sendEvent(view.text.viewport(), hover)
    assert QToolTip.text().startswith(f"Sentence {getty.id}")
    assert "Excluded (photo credit)" in QToolTip.text()
    assert view.action(Command.TOGGLE_PARAGRAPH).text() == "Include paragraph"

    view.action(Command.TOGGLE_PARAGRAPH).trigger()
    stored = curation.article_layout(db, view.article_id)
    line = next(p for p in stored.paragraphs if p.idx == getty.paragraph)
    assert not line.excluded and not line.units[0].excluded and line.units[0].manual
    assert "photo credit" not in view.text.paragraph_text(getty.paragraph)
    assert view.action(Command.TOGGLE_PARAGRAPH).text() == "Exclude paragraph"
    assert view.articles.index(1, view.articles.TO_CODE).data() == 25

    qtbot.keyClick(view.text, Qt.Key.Key_E, CTRL)
    stored = curation.article_layout(db, view.article_id)
    line = next(p for p in stored.paragraphs if p.idx == getty.paragraph)
    assert line.excluded and line.units[0].excluded_by == curation.MANUAL_REASON
    assert "excluded by hand" in view.text.paragraph_text(getty.paragraph)


def test_one_sentence_can_be_excluded_alone_and_included_again(view, db):
    layout = show_pressure(view, db)
    unit = find_unit(layout, INNER)
    view.select_unit(unit.id)
    view.action(Command.TOGGLE_UNIT).trigger()
    after = curation.article_layout(db, view.article_id)
    assert find_unit(after, INNER).excluded
    paragraph = next(p for p in after.paragraphs if p.idx == unit.paragraph)
    assert [u.excluded for u in paragraph.units] == [False, True, False, False]
    assert "excluded by hand" in view.text.paragraph_text(unit.paragraph)
    assert view.action(Command.TOGGLE_UNIT).text() == "Include sentence"
    view.action(Command.TOGGLE_UNIT).trigger()
    assert not find_unit(curation.article_layout(db, view.article_id), INNER).excluded


def test_merge_with_next_then_split_at_a_chosen_position(view, db):
    layout = show_pressure(view, db)
    first = find_unit(layout, LEDE)
    second = find_unit(layout, SECOND)
    view.select_unit(first.id)
    view.action(Command.MERGE_NEXT).trigger()
    merged = curation.article_layout(db, view.article_id)
    assert second.id not in {u.id for u in merged.units}
    assert find_unit(merged, LEDE).text == f"{first.text} {second.text}"
    assert view.selected_unit.id == first.id

    def split_after_first_sentence(dialog: SplitDialog) -> None:
        dialog.set_at(len(first.text) + 1)
        assert dialog.first.text() == first.text
        assert dialog.second.text() == second.text
        dialog.buttons.button(OK).click()

    seen = answer(SplitDialog, split_after_first_sentence)
    view.action(Command.SPLIT).trigger()
    answered(seen, SplitDialog)
    split = curation.article_layout(db, view.article_id)
    assert find_unit(split, LEDE).text == first.text
    tail = find_unit(split, SECOND)
    assert tail.text == second.text and tail.id not in (first.id, second.id)
    assert "Split" in view.notice.text()


def test_changing_a_coded_sentence_asks_first_and_keeps_its_labels(view, db):
    layout = show_pressure(view, db)
    first = find_unit(layout, LEDE)
    store.set_label(db, first.id, "ak", "stance", "pressure")
    view.refresh()
    asked = []

    def confirm(question, consequence):
        asked.append((question, consequence))
        return True

    view.confirm = confirm
    view.select_unit(first.id)
    view.action(Command.MERGE_NEXT).trigger()
    ((question, consequence),) = asked
    assert question.coded == {first.id: {"ak": 1}}
    assert "ak" in confirmation_text(question, consequence)
    assert "labels are kept" in confirmation_text(question, consequence)
    merged = find_unit(curation.article_layout(db, view.article_id), LEDE)
    assert merged.needs_recoding == ("ak",) and merged.kept_labels == 1
    assert store.unit_labels(db, first.id, "ak") == {"stance": "pressure"}
    assert "ak will code it again" in view.notice.text()


def test_saying_no_to_the_question_changes_nothing(view, db, project_path, dump):
    layout = show_pressure(view, db)
    first = find_unit(layout, LEDE)
    store.set_label(db, first.id, "ak", "stance", "pressure")
    before = dump(project_path)
    view.confirm = lambda _question, _consequence: False
    view.select_unit(first.id)
    for command in (Command.MERGE_NEXT, Command.TOGGLE_PARAGRAPH, Command.TOGGLE_ARTICLE):
        view.action(command).trigger()
    assert dump(project_path) == before
    assert view.notice.text() == "Nothing changed."


def test_the_confirmation_box_names_the_coders_and_yes_goes_ahead(view, db):
    layout = show_pressure(view, db)
    unit = find_unit(layout, INNER)
    store.set_label(db, unit.id, "ak", "stance", "mixed")
    view.confirm = view._ask
    view.select_unit(unit.id)

    def say_yes(box: QMessageBox) -> None:
        assert unit.id in box.text() and "ak (1 label)" in box.text()
        assert "labels are kept" in box.text()
        box.button(QMessageBox.StandardButton.Yes).click()

    seen = answer(QMessageBox, say_yes)
    view.action(Command.TOGGLE_UNIT).trigger()
    answered(seen, QMessageBox)
    assert find_unit(curation.article_layout(db, view.article_id), INNER).excluded
    assert store.unit_labels(db, unit.id, "ak") == {"stance": "mixed"}


def test_the_split_point_follows_clicks_in_text_with_wide_characters(qtbot):
    text = "Fans cheered 😀 loudly. Then they left."
    dialog = SplitDialog("x-0001", text)
    qtbot.addWidget(dialog)
    cursor = dialog.editor.textCursor()
    cursor.setPosition(len(text.encode("utf-16-le")) // 2 - len(" Then they left."))
    dialog.editor.setTextCursor(cursor)  # as a click just after "loudly."
    assert dialog.at == text.index(" Then")
    assert dialog.parts() == ("Fans cheered 😀 loudly.", "Then they left.")
    dialog.set_at(2)
    assert dialog.editor.textCursor().position() == 2
    dialog.set_at(len(text) - 1)
    assert dialog.parts() == ("Fans cheered 😀 loudly. Then they left", ".")


def test_article_details_are_edited_and_stored(view, db):
    show_pressure(view, db)

    def fill_in(dialog: ArticleDetailsDialog) -> None:
        dialog.fields["source"].setText("Pacific Ledger")
        dialog.fields["author"].setText("Mary K. Lindqvist")
        dialog.fields["date"].setText("2018-01-08")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()

    seen = answer(ArticleDetailsDialog, fill_in)
    view.action(Command.EDIT_ARTICLE).trigger()
    answered(seen, ArticleDetailsDialog)
    article = store.get_article(db, view.article_id)
    assert (article.source, article.author, article.date) == (
        "Pacific Ledger",
        "Mary K. Lindqvist",
        "2018-01-08",
    )
    assert "Pacific Ledger · Mary K. Lindqvist · 2018-01-08" in view.meta.text()
    assert not view.table.isColumnHidden(view.articles.SOURCE)


def test_a_whole_article_is_excluded_greyed_and_included_again(view, db):
    show_pressure(view, db)
    view.action(Command.TOGGLE_ARTICLE).trigger()
    assert store.get_article(db, view.article_id).excluded
    assert view.banner.isVisibleTo(view)
    assert view.articles.index(1, 0).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert view.action(Command.TOGGLE_ARTICLE).text() == "Include article"
    view.action(Command.TOGGLE_ARTICLE).trigger()
    assert not store.get_article(db, view.article_id).excluded
    assert not view.banner.isVisibleTo(view)


def test_a_rule_from_a_line_is_previewed_and_applied_only_when_confirmed(view, db):
    layout = show_pressure(view, db)
    lede = find_unit(layout, LEDE)
    paragraph = next(p for p in layout.paragraphs if p.idx == lede.paragraph)
    view.select_unit(lede.id)

    def look_and_cancel(dialog: RuleFromLineDialog) -> None:
        assert dialog.line.text() == paragraph.text
        dialog.reject()

    seen = answer(RuleFromLineDialog, look_and_cancel)
    view.action(Command.RULE_FROM_LINE).trigger()
    answered(seen, RuleFromLineDialog)
    assert "lede" not in curation.project_rules_text(db)

    preview = []

    def name_and_apply(dialog: RuleFromLineDialog) -> None:
        dialog.name.setText("lede")
        dialog.refresh_preview()
        model = dialog.changes
        preview.extend(
            [model.index(row, col).data() for col in range(model.columnCount())]
            for row in range(model.rowCount())
        )
        dialog.buttons.button(OK).click()

    seen = answer(RuleFromLineDialog, name_and_apply)
    view.action(Command.RULE_FROM_LINE).trigger()
    answered(seen, RuleFromLineDialog)
    assert preview == [[layout.article.title, paragraph.text, "coded", "excluded · lede", ""]]
    stored = curation.article_layout(db, view.article_id)
    line = next(p for p in stored.paragraphs if p.idx == paragraph.idx)
    assert line.excluded and {u.excluded_by for u in line.units} == {"lede"}
    assert "lede" in view.text.paragraph_text(paragraph.idx)
    assert curation.reapply_rules(db, preview=True).changes == ()


def test_reapplying_the_rules_on_a_fresh_import_previews_nothing(view, db, project_path, dump):
    before = dump(project_path)

    def look(dialog: ReapplyRulesDialog) -> None:
        assert dialog.changes.rowCount() == 0
        assert "Nothing would change" in dialog.summary.text()
        assert not dialog.buttons.button(OK).isEnabled()
        dialog.reject()

    seen = answer(ReapplyRulesDialog, look)
    view.action(Command.REAPPLY_RULES).trigger()
    answered(seen, ReapplyRulesDialog)
    assert dump(project_path) == before


def test_a_refused_step_is_a_one_line_message(view, db, errors):
    layout = show_pressure(view, db)
    view.select_unit(find_unit(layout, "More >").id)
    view.action(Command.MERGE_NEXT).trigger()  # an excluded line with a coded sentence
    (error,) = errors
    assert isinstance(error, StanceError) and not isinstance(error, ConfirmationRequired)
    assert "\n" not in str(error) and "include or exclude it first" in str(error)
    assert view.shown is not None  # still drawn from a fresh layout


def test_every_action_shows_its_keys_and_is_in_the_context_menu(view):
    menu = view.context_menu()
    listed = {a.text() for a in menu.actions() if not a.isSeparator()}
    assert listed == {view.action(c).text() for c in Command}
    for command in Command:
        action = view.action(command)
        assert action.shortcut().toString() in action.toolTip()
    assert EXCLUDING.startswith("Their labels are kept")
