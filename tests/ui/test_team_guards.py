"""Team actions are guarded in the window (issue 14.4)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMenu, QMessageBox

from desktop.core import store, team
from desktop.core.store import team as team_store
from desktop.ui.dialogs import CoderDialog
from desktop.ui.round_dialogs import ReliabilitySampleDialog, unlock_comparison_action


def answer_next_box(qtbot, texts: list[str], button=QMessageBox.StandardButton.No):
    """When the next message box opens, note its text and press ``button``."""

    def close_it():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, close_it)
            return
        texts.append(box.text())
        box.button(button).click()

    QTimer.singleShot(20, close_it)


def test_switching_coder_offers_the_registered_coders_and_asks_about_a_new_name(qtbot):
    dialog = CoderDialog("AK", existing=["AK", "BK"])
    qtbot.addWidget(dialog)
    assert [dialog.choice.itemText(i) for i in range(dialog.choice.count())] == ["AK", "BK"]
    asked = []
    dialog.confirm = lambda question: asked.append(question) or False
    dialog.name.setText("Ak")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert asked == ["Add coder 'Ak'? Existing: AK, BK. Did you mean AK?"]
    assert dialog.result() != CoderDialog.DialogCode.Accepted and dialog.isVisible() is False
    dialog.choice.setCurrentIndex(1)  # picking a registered coder asks nothing
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert len(asked) == 1
    assert dialog.result() == CoderDialog.DialogCode.Accepted
    assert dialog.name.text() == "BK"


def lead_project(demo_path, lead="AK"):
    db = store.open_project(demo_path)
    for coder in ("AK", "BK", "CK"):
        store.ensure_coder(db, coder)
    team_store.set_lead(db, lead)
    db.close()


def test_lead_only_entries_are_disabled_for_another_coder(demo_window, demo_path):
    lead_project(demo_path)
    window = demo_window(coder="BK")
    team_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Team")
    team_menu.aboutToShow.emit()
    assert window.lead_only_actions
    for action in window.lead_only_actions:
        assert not action.isEnabled(), action.text()
        assert "lead (AK)" in action.toolTip()
    lead = demo_window(coder="AK")
    menu = next(a.menu() for a in lead.menuBar().actions() if a.text() == "&Team")
    assert isinstance(menu, QMenu)
    menu.aboutToShow.emit()
    assert all(action.isEnabled() for action in lead.lead_only_actions)


def test_after_a_draw_close_is_the_default_so_enter_twice_draws_once(qtbot, demo_path, hub_for):
    lead_project(demo_path)
    dialog = ReliabilitySampleDialog(hub_for(demo_path, "AK"))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.count_radio.setChecked(True)
    dialog.count_spin.setValue(5)
    assert dialog.draw_button.isDefault()
    with qtbot.waitSignal(dialog.drawn, timeout=10_000):
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert "seed" in dialog.result_label.text()  # the result is shown
    close = dialog.buttons.button(QDialogButtonBox.StandardButton.Close)
    assert close.isDefault() and not dialog.draw_button.isDefault()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    db = store.open_project(demo_path, readonly=True)
    try:
        assert len(team_store.list_rounds(db)) == 1
    finally:
        db.close()


def test_unlock_says_how_many_sample_assignments_are_uncoded(qtbot, demo_path):
    lead_project(demo_path)
    db = store.open_project(demo_path)
    try:
        team.draw_reliability_sample(db, ["BK", "CK"], count=3, seed=1, who="AK")
        texts: list[str] = []
        answer_next_box(qtbot, texts)
        assert not unlock_comparison_action(db, "AK")
        assert texts and texts[0].startswith("6 reliability-sample assignments are not coded yet")
        assert not team.comparison_unlocked(db)
    finally:
        db.close()


def test_no_other_program_notice_after_the_windows_own_sample(qtbot, demo_path):
    from desktop.ui import project_guard, team_menu

    lead_project(demo_path)
    window = project_guard.open_window(demo_path, "AK")
    qtbot.addWidget(window)
    window.show()
    db = store.open_project(demo_path)  # as the sample dialog's worker does
    team.draw_reliability_sample(db, ["BK", "CK"], count=3, seed=1, who="AK")
    db.close()
    team_menu.refresh(window)  # what the Team entry does after its dialog
    window.statusBar().clearMessage()
    window.guard._on_poll_due()
    assert "another program" not in window.statusBar().currentMessage()
    window.close()


def test_opening_the_coding_window_does_not_import_pandas():
    # The window's memory and cold start (make bench: open_rss_mb, cold_start_s) hold
    # only while the statistics stack loads on first use (agreement, gold, export).
    import subprocess
    import sys

    code = (
        "import sys; import desktop.ui.app, desktop.ui.main_window, desktop.ui.team_menu; "
        "print('pandas' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "False"
