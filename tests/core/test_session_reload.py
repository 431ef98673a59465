"""Issue 24: a session re-reads only what a change announced, and a large project's
list and counts come from another connection after a reload, as after opening.

Every count here is checked against a fresh count of the file (coding_queries), made
on the same connection after the fact.
"""

from __future__ import annotations

import pytest

from desktop.core import store
from desktop.core.corpus.importer import import_paths
from desktop.core.project_changes import OUTSIDE, Changed
from desktop.core.resources import demo_articles_dir
from desktop.core.session import CodingSession, count_progress
from desktop.core.store import coding_queries
from desktop.core.team.assign import draw_reliability_sample

CODER = "ak"
ARTICLE = (
    "A new article\n\n"
    "The ministers met in Seoul on Monday. They spoke about the alliance for an hour.\n\n"
    "Nobody said what was agreed. A second meeting is planned for the spring.\n"
)


@pytest.fixture
def project(tmp_path, scheme):
    path = tmp_path / "reload.stance"
    db = store.create_project(path, scheme)
    import_paths(db, [demo_articles_dir()])
    store.ensure_coder(db, CODER)
    seqs = store.coded_unit_seqs(db)
    unit = store.get_unit_by_seq(db, seqs[3]).id
    for dimension, value in (("stance", "pressure"), ("alliance_trust", "solid")):
        store.set_label(db, unit, CODER, dimension, value)
    store.set_label(db, unit, CODER, "china_role", "mixed")  # one unit fully coded
    yield path, db
    db.close()


def fresh(db) -> tuple[int, int]:
    dims = store.current_scheme(db).dimension_ids
    return coding_queries.coded_count(db, CODER, dims), coding_queries.partial_count(
        db, CODER, dims
    )


def code_elsewhere(path, seqs, value: str = "mixed") -> None:
    """Another program (a second connection) codes every dimension of ``seqs``."""
    other = store.open_project(path)
    for seq in seqs:
        unit = store.get_unit_by_seq(other, seq).id
        for dimension in ("stance", "alliance_trust", "china_role"):
            store.set_label(other, unit, CODER, dimension, value)
    other.close()


def later_counts(path, session: CodingSession):
    """What a window's background count reads, on a connection of its own."""
    other = store.open_project(path, readonly=True)
    try:
        return count_progress(
            other,
            CODER,
            session.dimensions,
            assigned_only=session.assigned_only,
            with_seqs=session.seqs is None,
        )
    finally:
        other.close()


def test_a_change_of_labels_recounts_but_keeps_the_list_and_the_shown_unit(project):
    path, db = project
    session = CodingSession(db, CODER)
    seqs = session.seqs
    session.go_to_seq(seqs[10])
    code_elsewhere(path, seqs[20:22])
    update = session.reload(Changed.LABELS)
    assert update.moved and session.unit.seq == seqs[10]
    assert session.seqs is seqs  # not read again
    assert (session.progress[0], session.partial) == fresh(db) == (3, 0)
    session.close()


def test_the_shown_units_labels_written_elsewhere_are_shown_after_a_reload(project):
    path, db = project
    session = CodingSession(db, CODER)
    shown = session.unit.seq
    code_elsewhere(path, [shown], "pressure")
    session.reload(Changed.LABELS)
    assert session.unit.seq == shown
    assert session.labels["stance"] == "pressure"
    session.close()


def test_a_change_of_gold_values_alone_changes_nothing_in_the_session(project):
    _, db = project
    session = CodingSession(db, CODER)
    seqs, shown = session.seqs, session.unit
    update = session.reload(Changed.GOLD)
    assert update.ignored and not update.moved
    assert session.seqs is seqs and session.unit is shown
    session.close()


def test_a_team_change_reads_the_assignments_and_keeps_a_list_of_every_unit(project, tmp_path):
    _, db = project
    session = CodingSession(db, CODER)
    seqs = session.seqs
    session.reload(Changed.TEAM)  # nothing assigned: every codable unit, as before
    assert session.seqs is seqs and not session.assigned_only
    store.ensure_coder(db, "bo")
    draw_reliability_sample(db, [CODER, "bo"], count=6, seed=3, who=CODER)
    session.reload(Changed.TEAM)
    assigned = store.team.assigned_seqs(db, CODER)
    assert session.assigned_only and session.seqs == assigned
    dims = session.dimensions
    assert session.progress == (coding_queries.assigned_coded_count(db, CODER, dims), len(assigned))
    session.close()


def test_a_large_projects_reload_leaves_list_and_counts_to_another_connection(project, tmp_path):
    path, db = project
    session = CodingSession(db, CODER, count_later=True)
    session.adopt_counts(later_counts(path, session))
    listed = session.seqs
    session.go_to_seq(listed[30])
    article = tmp_path / "new.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    other = store.open_project(path)
    import_paths(other, [article])  # another program adds units
    other.close()
    session.reload(OUTSIDE, count_later=True)
    assert session.unit.seq == listed[30]  # the current sentence stays
    assert not session.counted and session.seqs is None
    assert session.position == (None, None)
    # Keys typed before the count's snapshot: in the snapshot, not counted twice.
    for key in ("1", "Q", "A"):
        session.press_key(key)
    session.settle()
    counts = later_counts(path, session)
    # Keys typed after it: added to it.
    session.press_key("2")
    assert session.adopt_counts(counts)
    assert (session.progress[0], session.partial) == fresh(db) == (2, 1)
    assert session.seqs == store.coded_unit_seqs(db) and len(session.seqs) > len(listed)
    assert session.position[0] == session.seqs.index(session.unit.seq) + 1
    session.close()


def test_a_labels_reload_of_a_large_project_keeps_its_list_and_counts_later(project):
    path, db = project
    session = CodingSession(db, CODER, count_later=True)
    session.adopt_counts(later_counts(path, session))
    listed = session.seqs
    code_elsewhere(path, listed[40:43])
    session.reload(Changed.LABELS, count_later=True)
    assert session.seqs is listed and not session.counted
    assert session.position[1] == len(listed)  # the list is still there to move in
    session.press_key("1")
    assert session.adopt_counts(later_counts(path, session))
    assert (session.progress[0], session.partial) == fresh(db) == (4, 1)
    session.close()
