"""Issue 24: on a large project a change announced by the hub (another program's write,
an import, the lab server's sync) is picked up without reading the list of units or
counting in the window's thread, and only what the change touched is read again."""

from __future__ import annotations

import pytest

from desktop.core import store
from desktop.core.corpus.importer import import_paths
from desktop.core.project_changes import OUTSIDE, Changed
from desktop.core.session import count_progress
from desktop.core.store import coding_queries
from desktop.ui import progress_count, project_guard

ARTICLE = (
    "A late article\n\n"
    "The delegation arrived in Tokyo on Tuesday. Talks on the base began at once.\n\n"
    "Both sides called them useful. No date was set for the next round.\n"
)


@pytest.fixture
def large(monkeypatch):
    """Every project counts as large: the window counts in the background."""
    monkeypatch.setattr(progress_count, "COUNT_LATER_ABOVE_UNITS", 0)


@pytest.fixture
def guarded(qtbot, project_path, large):
    """A window opened as the app opens one: lock, file watcher, backup."""
    windows = []

    def open_(coder="ak"):
        window = project_guard.open_window(project_path, coder)
        qtbot.addWidget(window)
        windows.append(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(lambda: window.focusWidget() is window.centre)
        qtbot.waitUntil(lambda: window.session.counted, timeout=10_000)
        return window

    yield open_
    for window in windows:
        window.close()


def fresh(db, coder="ak") -> tuple[int, int]:
    dims = store.current_scheme(db).dimension_ids
    return coding_queries.coded_count(db, coder, dims), coding_queries.partial_count(
        db, coder, dims
    )


def watch_reloads(window) -> list[tuple]:
    """What the window holds right after each announcement has been handled (the hub
    emits ``changed`` after its subscribers ran; a count finishing in its thread is
    delivered to this thread later)."""
    seen = []
    window.hub.changed.connect(
        lambda change: seen.append(
            (
                change.what,
                window.session.seqs is None,
                window.session.counted,
                window.session.unit.id,
                window.progress_label.text(),
            )
        )
    )
    return seen


def test_another_programs_import_is_read_in_the_background_and_the_keys_count_once(
    guarded, project_path, press, qtbot, tmp_path
):
    window = guarded()
    before = store.coded_unit_seqs(window.db)
    window._on_seq_chosen(before[12])  # a click in the sentence list
    current = window.session.unit.id
    seen = watch_reloads(window)
    article = tmp_path / "late.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    other = store.open_project(project_path)  # another program: the command line
    import_paths(other, [article])
    other.close()
    qtbot.waitUntil(lambda: bool(seen), timeout=project_guard.POLL_MS * 3)
    what, unlisted, counted, shown, status = seen[0]
    assert what == OUTSIDE
    assert unlisted and not counted  # neither read in the window's thread
    assert shown == current and "Counting" in status
    press(window, "1", "q", "a")  # the current sentence, coded while the count runs
    qtbot.waitUntil(lambda: window.session.counted and window.session.unit.id != current)
    total = len(store.coded_unit_seqs(window.db))
    assert total > len(before)
    assert window.session.progress == (fresh(window.db)[0], total) == (1, total)
    assert window.session.partial == fresh(window.db)[1] == 0
    assert window.sidebar.units.rowCount() == total
    assert store.unit_labels(window.db, current, "ak") == {
        "stance": "pressure",
        "alliance_trust": "strained",
        "china_role": "constructive",
    }
    assert f"14 of {total:,} in the project" in window.sentence_view._meta.text()


def test_the_lab_servers_labels_are_recounted_without_reading_the_list_again(
    guarded, project_path, qtbot
):
    window = guarded()
    listed = window.session.seqs
    article_id = window.session.unit.article_id
    window.sidebar.articles.progress(article_id)  # shown, so cached
    other = store.open_project(project_path)
    for seq in listed[1:3]:  # pulled from the lab server: the coder's own labels
        unit = store.get_unit_by_seq(other, seq).id
        for dimension in ("stance", "alliance_trust", "china_role"):
            store.set_label(other, unit, "ak", dimension, "mixed")
    other.close()
    window.guard.acknowledge()  # announced by the sync, not found by the file watcher
    seen = watch_reloads(window)
    window.hub.announce(Changed.LABELS, initiator=object(), coders=frozenset({"ak"}))
    assert seen[0][1:3] == (False, False)  # the list kept, the counts in the background
    assert window.session.seqs is listed
    qtbot.waitUntil(lambda: window.session.counted)
    assert (window.session.progress[0], window.session.partial) == fresh(window.db) == (2, 0)
    dims = window.session.dimensions
    assert window.sidebar.articles.progress(article_id) == coding_queries.article_progress(
        window.db, "ak", article_id, dims
    )
    assert window.sidebar.articles.progress(article_id)[0] == 2


def test_gold_values_alone_reload_nothing(guarded, qtbot):
    window = guarded()
    session_unit, count = window.session.unit, window._count
    window.hub.announce(Changed.GOLD, initiator=object())
    assert window.session.unit is session_unit  # not read again
    assert window._count is count and window.session.counted  # no new count


def test_a_count_begun_before_a_reload_is_dropped(guarded, project_path, qtbot):
    window = guarded()
    old_count = window._count
    other = store.open_project(project_path, readonly=True)
    stale = count_progress(other, "ak", window.session.dimensions, assigned_only=False)
    other.close()
    window.reload_project(OUTSIDE)
    assert not window.session.counted and window._count is not old_count
    old_count._on_finished(stale)  # what a count begun before the reload delivers late
    assert not window.session.counted  # dropped: the new count's is awaited
    qtbot.waitUntil(lambda: window.session.counted)
    assert (window.session.progress[0], window.session.partial) == fresh(window.db)
