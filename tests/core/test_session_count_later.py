"""Issue 24: a large project opens before the coder's progress is counted.

The session opened with ``count_later`` codes at once; the counts read by another
connection (in one snapshot) are adopted later, plus the session's own writes that the
snapshot did not hold, and then equal what a fresh count of the file says.
"""

from __future__ import annotations

import pytest

from desktop.core import store
from desktop.core.corpus.importer import import_paths
from desktop.core.resources import demo_articles_dir
from desktop.core.session import CodingSession, count_progress
from desktop.core.store import coding_queries

CODER = "ak"


@pytest.fixture
def project(tmp_path, scheme):
    path = tmp_path / "large.stance"
    db = store.create_project(path, scheme)
    import_paths(db, [demo_articles_dir()])
    store.ensure_coder(db, CODER)
    # Already coded before this session: two units fully, one partly.
    seqs = store.coded_unit_seqs(db)
    for seq in seqs[5:7]:
        unit = store.get_unit_by_seq(db, seq).id
        for dimension, value in (("stance", "pressure"), ("alliance_trust", "solid")):
            store.set_label(db, unit, CODER, dimension, value)
        store.set_label(db, unit, CODER, "china_role", "mixed")
    store.set_label(db, store.get_unit_by_seq(db, seqs[8]).id, CODER, "stance", "mixed")
    yield path, db
    db.close()


def fresh_counts(db) -> tuple[int, int]:
    dims = store.current_scheme(db).dimension_ids
    return (
        coding_queries.coded_count(db, CODER, dims),
        coding_queries.partial_count(db, CODER, dims),
    )


def test_counts_are_unknown_until_adopted_and_then_match_the_file(project):
    path, db = project
    session = CodingSession(db, CODER, count_later=True)
    assert not session.counted
    assert session.progress == (None, None)
    assert session.position == (None, None) and session.seqs is None
    assert session.partial is None
    other = store.open_project(path, readonly=True)
    counts = count_progress(other, CODER, session.dimensions, assigned_only=False, with_seqs=True)
    assert counts.seqs == store.coded_unit_seqs(db)
    assert (counts.coded, counts.partial) == (2, 1)
    # The coder goes on before the counts come: one sentence complete, one partly.
    for key in ("1", "Q", "A"):
        session.press_key(key)
    session.settle()
    session.press_key("2")
    assert session.adopt_counts(counts)
    assert session.counted
    assert (session.progress[0], session.partial) == fresh_counts(db) == (3, 2)
    assert session.seqs == counts.seqs
    assert session.position == (2, len(counts.seqs))
    # Later writes count as before.
    session.press_key("2")  # clears the only value: no longer partly coded
    assert (session.progress[0], session.partial) == fresh_counts(db) == (3, 1)
    other.close()
    session.close()


def test_writes_the_snapshot_already_held_are_not_counted_twice(project):
    path, db = project
    session = CodingSession(db, CODER, count_later=True)
    for key in ("1", "Q", "A"):
        session.press_key(key)
    other = store.open_project(path, readonly=True)
    counts = count_progress(other, CODER, session.dimensions, assigned_only=False)
    other.close()
    assert (counts.coded, counts.partial) == (3, 1)  # the snapshot saw the completed unit
    assert session.adopt_counts(counts)
    assert (session.progress[0], session.partial) == fresh_counts(db) == (3, 1)
    session.close()


def test_counts_that_come_after_a_reload_are_dropped(project):
    path, db = project
    session = CodingSession(db, CODER, count_later=True)
    other = store.open_project(path, readonly=True)
    stale = count_progress(other, CODER, session.dimensions, assigned_only=False)
    other.close()
    session.reload()  # counts again, on its own connection
    assert session.counted
    session.press_key("1")
    assert not session.adopt_counts(stale)
    assert (session.progress[0], session.partial) == fresh_counts(db) == (2, 2)
    session.close()


def test_a_session_without_count_later_counts_on_opening(project):
    _, db = project
    session = CodingSession(db, CODER)
    assert session.counted
    assert (session.progress[0], session.partial) == (2, 1)
    session.close()


def test_without_its_list_the_session_moves_as_it_does_with_it(project):
    _, db = project
    listed = store.coded_unit_seqs(db)
    excluded = next(
        u.seq for a in store.list_articles(db) for u in store.article_units(db, a.id) if u.excluded
    )
    session = CodingSession(db, CODER, count_later=True, start_seq=listed[-3])
    assert session.unit.seq == listed[-3]
    seen = [session.unit.seq]
    for _ in range(4):
        session.move(+1)
        seen.append(session.unit.seq)
    assert seen == [*listed[-3:], listed[-1], listed[-1]]
    assert "last sentence" in session.move(+1).message
    assert session.go_to_seq(listed[0]).moved
    assert "first sentence" in session.move(-1).message
    session.move(+1)
    assert session.unit.seq == listed[1]
    refused = session.go_to_seq(excluded)
    assert refused.ignored and session.unit.seq == listed[1]
    session.close()
    # A remembered place past the end starts on the last unit, as with the list.
    late = CodingSession(db, CODER, count_later=True, start_seq=listed[-1] + 1_000)
    assert late.unit.seq == listed[-1]
    late.close()
