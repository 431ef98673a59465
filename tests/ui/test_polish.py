"""The polish list of issue 14.5: each defect seen in the screenshots, checked."""

from __future__ import annotations

import zipfile

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QWidget

from desktop.core import store, team
from desktop.core.corpus.importer import ImportSummary
from desktop.core.errors import InputError
from desktop.core.store import team as team_store
from desktop.ui import dialogs
from desktop.ui.models import ProgressRole


def test_the_import_summary_is_pluralised_and_lists_each_clutter_rule():
    summary = ImportSummary(
        files=2,
        added=[("a1", "One", 10), ("a2", "Two", 1)],
        duplicates=[("/x/three.txt", "a0")],
        excluded_lines={"photo credit": 2, "newsletter": 1},
    )
    text = dialogs.describe_import(summary)
    assert text.splitlines()[0] == (
        "Imported 2 articles, 11 sentences to code; 1 already present; lines kept as "
        "context, not coded: 1 newsletter, 2 photo credit."
    )
    assert "(s)" not in text
    assert "Skipped three.txt: already in the project as a0." in text
    one = ImportSummary(added=[("a1", "One", 1)])
    assert one.headline() == "Imported 1 article, 1 sentence to code."


def test_error_messages_name_no_python_exception():
    error = zipfile.BadZipFile("File is not a zip file")
    text = dialogs.error_text(error)
    assert "BadZipFile" not in text and "File is not a zip file" in text
    assert dialogs.error_text(InputError("not a package", "x.zip")).count("Error") == 0
    missing = FileNotFoundError(2, "No such file or directory", "/tmp/gone.stance")
    assert dialogs.error_text(missing) == (
        "A file could not be read or written (/tmp/gone.stance): No such file or directory"
    )


def test_a_new_project_offers_the_bundled_schemes_and_checks_a_file(qtbot, tmp_path):
    dialog = dialogs.SchemeDialog()
    qtbot.addWidget(dialog)
    labels = [dialog.choice.itemText(i) for i in range(dialog.choice.count())]
    assert labels[-1] == "From a file…" and len(labels) >= 2
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled() and dialog.scheme is not None
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "x"\nversion = "1"\n', encoding="utf-8")
    dialog.use_file(bad)
    assert not ok.isEnabled()
    assert "bad.toml:" in dialog.messages.text()
    from desktop.core.resources import default_scheme_path

    good = tmp_path / "mine.toml"
    good.write_text(default_scheme_path().read_text(encoding="utf-8"), encoding="utf-8")
    dialog.use_file(good)
    assert ok.isEnabled() and "mine.toml" in dialog.choice.currentText()


def test_read_only_says_so_on_a_category_key_and_disables_unsure_and_note(
    demo_window, demo_path, press
):
    window = demo_window(readonly=True)
    press(window, "1")
    assert "read-only" in window.statusBar().currentMessage()
    assert not window.coding_panel.unsure.isEnabled()
    assert not window.coding_panel.note.isEnabled()
    assert store.unit_labels(window.db, window.session.unit.id, "ak") == {}


def test_the_note_field_grows_with_its_text(demo_window, press, qtbot):
    window = demo_window()
    note = window.coding_panel.note
    one_line = note.height()
    press(window, "/")
    qtbot.keyClicks(note, "first line")
    qtbot.keyClick(note, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(note, "second line")
    assert note.height() > one_line
    qtbot.keyClick(note, Qt.Key.Key_Return)  # leaves the note and keeps it
    assert window.focusWidget() is window.centre
    assert note.text() == "first line\nsecond line"


def test_the_whole_article_view_looks_unlike_the_sentence_view(demo_window, press):
    window = demo_window()
    body = window.sentence_view.findChild(QWidget, "sentenceBody")
    assert not body.property("articleMode")
    press(window, "v")
    assert body.property("articleMode") is True
    meta = window.sentence_view._meta.text()
    assert meta.startswith("Whole article")
    press(window, "v")
    assert not body.property("articleMode")


def test_the_progress_dialog_draws_bars(qtbot, demo_path, hub_for):
    from desktop.ui.article_list import ProgressDelegate
    from desktop.ui.round_dialogs import ProgressDialog

    hub = hub_for(demo_path, "AK")
    for coder in ("AK", "BK"):
        store.ensure_coder(hub.db, coder)
    team.draw_reliability_sample(hub.db, ["AK", "BK"], count=4, seed=3)
    dialog = ProgressDialog(hub)
    qtbot.addWidget(dialog)
    assert isinstance(dialog.table.itemDelegateForColumn(5), ProgressDelegate)
    assert dialog.model.index(0, 5).data(ProgressRole) == (0, 4)


def test_escape_closes_curate(demo_window, qtbot):
    from desktop.ui import team_menu

    window = demo_window()
    team_menu._curate(window)
    view = next(w for w in window.findChildren(QWidget) if w.objectName() == "articleView")
    qtbot.waitExposed(view)
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    qtbot.keyClick(view.table, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not view.isVisible())


def test_an_assigned_coders_article_list_counts_what_the_status_bar_counts(
    demo_window, demo_path, press, qtbot
):
    db = store.open_project(demo_path)
    for coder in ("AK", "BK"):
        store.ensure_coder(db, coder)
    team.draw_reliability_sample(db, ["AK", "BK"], count=6, seed=5)
    db.close()
    window = demo_window(coder="AK")
    assigned = team_store.assigned_seqs(window.db, "AK")
    assert window.session.seqs == assigned
    first = window.session.unit
    press(window, "1", "q", "s")
    qtbot.waitUntil(lambda: window.session.unit.id != first.id)
    totals = [
        window.sidebar.articles.progress(window.sidebar.articles._headers[row].id)
        for row in range(window.sidebar.articles.rowCount())
    ]
    assert sum(total for _, total in totals) == len(assigned) == 6
    assert sum(coded for coded, _ in totals) == window.session.progress[0] == 1
    assert "1 of 6 sentences coded" in window.progress_label.text()


def test_agreement_computes_on_opening_and_names_categories_by_key_and_label(
    demo_window, demo_path, qtbot
):
    from desktop.ui import team_menu
    from desktop.ui.agreement_view import AgreementView

    db = store.open_project(demo_path)
    try:
        for coder in ("AK", "BK"):
            store.ensure_coder(db, coder)
        team_store.set_lead(db, "AK")
        seqs = store.coded_unit_seqs(db)[:8]
        for n, seq in enumerate(seqs):
            unit = store.get_unit_by_seq(db, seq).id
            store.set_label(db, unit, "AK", "stance", ("pressure", "mixed")[n % 2])
            store.set_label(db, unit, "BK", "stance", ("pressure", "mixed", "mixed")[n % 3])
    finally:
        db.close()
    window = demo_window(coder="AK")
    team_menu._agreement(window)
    view = next(w for w in window.findChildren(AgreementView))
    qtbot.waitUntil(lambda: view.result is not None, timeout=20_000)  # no Compute pressed
    view.summary_view.selectRow(0)
    title = view.detail_title.text()
    assert "κ with unweighted" not in title
    assert "Cohen's κ" in title
    chart = view.coincidence
    rows = [chart._row_name(i) for i in range(len(chart._labels))]
    columns = [chart._column_name(i) for i in range(len(chart._labels))]
    assert rows == [
        "1  Pressure",
        "2  Pressure and engagement",
        "3  Engagement",
        "4  No stance",
    ]
    assert columns == ["1", "2", "3", "4"]  # keys: short, never cut
    view.close()


def test_the_adjudication_list_shows_sentences_and_labels_not_ids_and_keys(scheme):
    from desktop.core.team.adjudicate import CodedUnit, CoderValue
    from desktop.ui.adjudication_parts import DisagreementTableModel

    unit = CodedUnit(
        unit_id="f7275a9c-0001",
        seq=12,
        article_id="a1",
        paragraph=2,
        text="Pressure alone has not slowed Pyongyang.",
        dimension="stance",
        values=(
            CoderValue("ak", "pressure", "", False),
            CoderValue("bb", "engagement", "", True),
        ),
        gold="mixed",
    )
    model = DisagreementTableModel(scheme)
    model.set_rows([unit])
    row = [model.index(0, c).data() for c in range(model.columnCount())]
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Sentence"
    assert row[0] == "Pressure alone has not slowed Pyongyang."
    assert row[2] == "ak Pressure · bb Engagement?"
    assert row[3] == "2  Pressure and engagement"  # not "3", not "Gold: 3"
    assert "f7275a9c-0001" in model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)


def test_the_comparison_dialog_sets_a_gold_value(demo_window, demo_path, qtbot):
    from desktop.ui import team_menu
    from desktop.ui.agreement_view import AgreementView

    db = store.open_project(demo_path)
    try:
        for coder in ("AK", "BK"):
            store.ensure_coder(db, coder)
        team_store.set_lead(db, "AK")
        unit = store.get_unit_by_seq(db, store.coded_unit_seqs(db)[0]).id
        store.set_label(db, unit, "AK", "stance", "pressure")
        store.set_label(db, unit, "BK", "stance", "engagement")
    finally:
        db.close()
    window = demo_window(coder="AK")
    team_menu._agreement(window)
    view = next(w for w in window.findChildren(AgreementView))
    qtbot.waitUntil(lambda: view.result is not None, timeout=20_000)
    dialog = view.open_comparison(0)
    assert dialog is not None and dialog.gold_buttons
    dialog.gold_buttons["mixed"].click()
    assert "Pressure and engagement" in dialog.gold_label.text()
    other = store.open_project(demo_path, readonly=True)
    try:
        gold = team_store.get_gold(other, unit, "stance")
    finally:
        other.close()
    assert gold["value"] == "mixed" and gold["adjudicator"] == "AK"
    dialog.close()
    view.close()


def test_a_dropdown_list_draws_its_current_choice(demo_window, qtbot):
    combo = demo_window().sidebar.filter
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    rect = view.visualRect(view.currentIndex())
    image = view.viewport().grab(rect).toImage()
    colours = {image.pixel(x, y) for x in range(image.width()) for y in range(image.height())}
    combo.hidePopup()
    # Text on its background: anti-aliased glyphs give many shades; a blank row gives one.
    assert len(colours) > 4
