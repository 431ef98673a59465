"""What the coding window asks the session on every key (issue 24's key path): the shown
unit's list-row state and the unit that comes next, answered without a query where the
session already knows, and equal to what the store says."""

from __future__ import annotations

import pytest

from desktop.core import store
from desktop.core.session import CodingSession
from desktop.core.store import coding_queries

CODER = "ak"


@pytest.fixture
def session(corpus_project):
    store.ensure_coder(corpus_project, CODER)
    s = CodingSession(corpus_project, CODER)
    yield s
    s.close()


def _store_status(session):
    return coding_queries.unit_status(session.db, CODER, session.unit.id, session.dimensions)


def test_the_shown_units_status_is_what_the_store_reads_after_each_kind_of_write(session):
    assert session.status() == _store_status(session) == coding_queries.UnitStatus(0, False, False)
    session.press_key("1")
    assert session.status() == _store_status(session) == coding_queries.UnitStatus(1, False, False)
    session.toggle_unsure()
    session.save_note(session.unit.id, "ask the lead")
    assert session.status() == _store_status(session) == coding_queries.UnitStatus(1, True, True)
    session.press_key("1")  # the same key again clears the value
    session.save_note(session.unit.id, "")
    assert session.status() == _store_status(session) == coding_queries.UnitStatus(0, True, False)


def test_the_status_counts_only_the_schemes_dimensions(session, corpus_project):
    # A label of a dimension no longer in the scheme does not make the unit look coded.
    store.set_label(corpus_project, session.unit.id, CODER, "retired_dimension", "x")
    session.reload()
    assert "retired_dimension" in store.unit_labels(corpus_project, session.unit.id, CODER)
    assert session.status() == _store_status(session)
    assert session.status().labelled == 0


def test_the_unit_next_in_line_is_the_one_a_completed_unit_moves_on_to(session):
    upcoming, context = session.next_in_line()
    assert upcoming.id in {u.id for u in context}
    assert [u.id for u in context] == [u.id for u in _context_of(session, upcoming)]
    shown = session.unit.id
    update = None
    for key in ("1", "Q", "A"):
        update = session.press_key(key)
    assert session.unit.id == shown  # the pause: still showing what was completed
    assert session.next_in_line()[0].id == upcoming.id
    session.finish_transition(update.transition)
    assert session.unit.id == upcoming.id


def test_nothing_is_next_after_the_last_unit(session):
    last = session.seqs[-1]
    session.go_to_seq(last)
    assert session.next_in_line() is None


def _context_of(session, unit):
    return coding_queries.context_units(session.db, unit.article_id, unit.paragraph, 1)
