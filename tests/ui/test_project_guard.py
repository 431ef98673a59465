"""Two windows, one file: the lock, read-only, and changes made by another program."""

from __future__ import annotations

import pytest

from desktop.core import store
from desktop.core.store.lock import acquire_window_lock
from desktop.ui import project_guard


@pytest.fixture
def guarded(qtbot, project_path):
    windows = []

    def open_(coder="ak", **kwargs):
        window = project_guard.open_window(project_path, coder, **kwargs)
        if window is not None:
            qtbot.addWidget(window)
            windows.append(window)
        return window

    yield open_
    for window in windows:
        window.close()


def test_a_second_window_is_told_and_may_open_read_only(guarded, project_path):
    first = guarded()
    asked = []
    second = guarded("bm", ask=lambda parent, error: asked.append(str(error)) or True)
    assert not first.readonly and second.readonly
    assert "is already open in Stance Coder by" in asked[0]
    assert guarded("cz", ask=lambda parent, error: False) is None


def test_closing_the_window_releases_the_lock(guarded, project_path):
    window = guarded()
    window.close()
    acquire_window_lock(project_path).release()


def test_switching_coder_hands_the_lock_over(guarded, project_path, qtbot):
    window = guarded()
    other = window.open_other(project_path, "bm")
    assert other is not None and not other.readonly
    qtbot.addWidget(other)
    other.close()


def test_a_merge_from_the_command_line_shows_up_in_the_window(guarded, project_path, qtbot):
    window = guarded()
    unit = window.session.unit
    db = store.open_project(project_path)  # another program: the command line
    store.ensure_coder(db, "ak")
    store.set_label(db, unit.id, "ak", "stance", "pressure")
    db.close()
    qtbot.waitUntil(
        lambda: window.session.labels.get("stance") == "pressure", timeout=project_guard.POLL_MS * 3
    )


def test_the_backup_on_opening_is_made_and_waited_for_off_the_window(project_path):
    from desktop.core.store.backup import list_backups

    thread = project_guard._backup_in_background(project_path)
    thread.join(120)
    assert not thread.is_alive()
    made = list_backups(project_path)
    assert len(made) == 1 and made[0].path.suffix == ".backup"


def test_the_backup_on_opening_waits_its_delay_and_is_skipped_when_none_is_due(project_path):
    """The window starts it BACKUP_DELAY_S after opening (its child process would
    otherwise start while the first sentence is drawn), and only when a backup is due."""
    from desktop.core.store.backup import backup_due, list_backups

    assert project_guard.BACKUP_DELAY_S > 0
    assert backup_due(project_path)
    first = project_guard._backup_in_background(project_path, 0.2)
    assert first.is_alive() and not list_backups(project_path)  # still waiting
    first.join(120)
    assert len(list_backups(project_path)) == 1 and not backup_due(project_path)
    again = project_guard._backup_in_background(project_path)
    again.join(120)
    assert len(list_backups(project_path)) == 1  # none was due: no child was started
