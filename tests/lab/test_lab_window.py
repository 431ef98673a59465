"""The coding window with a lab: background sync, its status-bar text, and the lead's
views refreshed from a coder's label within a few seconds. Real windows offscreen, a
real PostgreSQL server."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import psycopg
import pytest
from conftest import LEAD
from PySide6.QtCore import QSettings

from desktop.core import lab, store
from desktop.core.lab.localserver import LocalServer

FEW_SECONDS_MS = 8000


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory, qapp):
    """QSettings in a fresh folder: never the user's, and no first-run dialog."""
    folder = tmp_path_factory.mktemp("settings")
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder / scope.name))
    from desktop.ui.app import application

    application()
    return folder


def _window(qtbot, path, coder):
    from desktop.ui.main_window import MainWindow

    window = MainWindow(path, coder)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _code_shown_unit(window) -> str:
    unit = window.session.unit
    for dim in window.scheme.dimensions:
        window._on_category_chosen(dim.id, dim.codes[0])
    return unit.id


def test_a_coders_label_reaches_the_leads_open_views_within_seconds(linked, tmp_path, qtbot):
    from desktop.ui.round_dialogs import ProgressDialog

    db, _, urls = linked
    db.close()
    ann = tmp_path / "ann.stance"
    lab.join_lab(urls["ann_q7"], ann, coder="ann_q7")
    lead = _window(qtbot, tmp_path / "lead.stance", LEAD)
    coder = _window(qtbot, ann, "ann_q7")
    assert coder.lab_sync is not None and lead.lab_sync is not None
    qtbot.waitUntil(lambda: coder.lab_sync.label.text() == "Lab: synced", timeout=FEW_SECONDS_MS)
    progress = ProgressDialog(lead.hub, lead)
    progress.show()
    before = progress.total_label.text()
    assert before.startswith("0 of ")

    unit = _code_shown_unit(coder)
    # the coder's window never waited: the labels are in its file at once
    assert len(store.unit_labels(coder.db, unit, "ann_q7")) == len(coder.scheme.dimensions)
    qtbot.waitUntil(
        lambda: len(store.unit_labels(lead.db, unit, "ann_q7")) == 3, timeout=FEW_SECONDS_MS
    )
    qtbot.waitUntil(lambda: progress.total_label.text().startswith("1 of "), timeout=2000)
    assert coder.lab_sync.label.text() == "Lab: synced"


def test_the_status_bar_says_offline_and_labels_waiting_then_catches_up(
    lead_project, tmp_path, qtbot
):
    db, _ = lead_project
    server = LocalServer()
    server.start()
    try:
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE lab")
        urls = {i.coder: i.url for i in lab.init_lab(db, server.url_for("lab")).invites}
        ann = tmp_path / "ann.stance"
        lab.join_lab(urls["ann_q7"], ann, coder="ann_q7")
        window = _window(qtbot, ann, "ann_q7")
        label = window.lab_sync.label
        qtbot.waitUntil(lambda: label.text() == "Lab: synced", timeout=FEW_SECONDS_MS)

        server.kill()
        _code_shown_unit(window)  # coding goes on without the server
        qtbot.waitUntil(
            lambda: (
                label.text().startswith("Lab: offline since ")
                and label.text().endswith(" · 3 labels waiting")
            ),
            timeout=FEW_SECONDS_MS,
        )
        server.start()
        qtbot.waitUntil(lambda: label.text() == "Lab: synced", timeout=FEW_SECONDS_MS * 2)
        with psycopg.connect(server.url_for("lab")) as conn:
            count = conn.execute("SELECT count(*) FROM stance.labels").fetchone()[0]
        assert count == 3
        window.close()
        assert not window.lab_sync._thread.isRunning()
    finally:
        server.stop()


def test_an_unlinked_project_has_no_lab_status(lead_project, qtbot, tmp_path):
    db, path = lead_project
    db.close()
    window = _window(qtbot, path, LEAD)
    assert getattr(window, "lab_sync", None) is None
    assert not window.findChildren(type(window.progress_label), "labSyncLabel")


def test_the_syncs_own_writes_are_not_taken_for_another_programs(linked, tmp_path, qtbot):
    """The lab sync writes the coder's file on its own connection (what was pushed); the
    window's 2-second poll must not announce that as "changed by another program" (a
    full reload of the window while the coder codes), while a real other program's
    write still is."""
    from desktop.core.project_changes import OUTSIDE

    db, _, urls = linked
    db.close()
    ann = tmp_path / "ann.stance"
    lab.join_lab(urls["ann_q7"], ann, coder="ann_q7")
    coder = _window(qtbot, ann, "ann_q7")
    coder.hub.watch(coder, None)  # the file watcher, as open_window starts it
    guard = coder.hub.guard
    seen = []
    coder.hub.changed.connect(seen.append)
    qtbot.waitUntil(lambda: coder.lab_sync.label.text() == "Lab: synced", timeout=FEW_SECONDS_MS)
    pushes = []
    coder.lab_sync.status_changed.connect(lambda s: s.wrote and pushes.append(s))
    for _ in range(2):
        before = len(pushes)
        _code_shown_unit(coder)
        qtbot.waitUntil(lambda b=before: len(pushes) > b, timeout=FEW_SECONDS_MS)
        guard._on_poll_due()  # what the timer does every 2 s
    assert [c for c in seen if c.initiator is guard] == []

    other = store.open_project(ann)  # another program writes to the coder's file
    store.set_note(other, coder.session.unit.id, "ann_q7", "written elsewhere")
    other.close()
    guard._on_poll_due()
    assert [c.what for c in seen if c.initiator is guard] == [OUTSIDE]
