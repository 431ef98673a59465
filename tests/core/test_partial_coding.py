"""Partly coded sentences are visible (issue 14.2): counted, named on confirm, found by N."""

from __future__ import annotations

import pytest

from desktop.core import store
from desktop.core.corpus.importer import import_paths
from desktop.core.resources import demo_articles_dir
from desktop.core.session import CodingSession
from desktop.core.store import coding_queries

CODER = "ak"


@pytest.fixture
def session(empty_project):
    import_paths(empty_project, [demo_articles_dir()])
    store.ensure_coder(empty_project, CODER)
    s = CodingSession(empty_project, CODER)
    yield s
    s.close()


def test_confirm_on_a_partly_coded_sentence_names_the_open_dimensions_then_moves(session):
    first = session.unit.id
    session.press_key("1")
    update = session.confirm()
    assert not update.moved and update.open_notice
    assert session.unit.id == first
    assert "Alliance" in update.message and "China" in update.message
    assert "2 of 3" in update.message
    assert session.open_dimensions == ["alliance_trust", "china_role"]
    again = session.confirm()
    assert again.moved and session.unit.id != first


def test_confirm_on_an_untouched_sentence_moves_at_once(session):
    first = session.unit.id
    assert session.confirm().moved
    assert session.unit.id != first


def test_partial_count_follows_every_change_and_matches_the_store(session):
    assert session.partial == 0
    session.press_key("1")
    assert session.partial == 1
    session.press_key("Q")
    assert session.partial == 1
    session.press_key("A")  # complete: no longer partial
    assert session.partial == 0
    session.undo()
    assert session.partial == 1
    assert session.partial == coding_queries.partial_count(session.db, CODER, session.dimensions)
    session.press_key("Q")  # clears alliance_trust: still partial (stance only)
    session.press_key("1")  # clears stance too: untouched
    assert session.partial == 0
    assert coding_queries.partial_count(session.db, CODER, session.dimensions) == 0


def test_next_uncoded_treats_a_partly_coded_sentence_as_uncoded(session):
    seqs = session.seqs
    session.press_key("1")  # first sentence: partly coded
    session.go_to_seq(seqs[1])
    for key in "1QA":
        session.press_key(key)
    session.settle()
    session.go_to_seq(seqs[1])
    assert session.next_uncoded().moved
    assert session.unit.seq == seqs[2]
    session.go_to_seq(seqs[-1])
    session.next_uncoded()  # wraps round to the partly coded first sentence
    assert session.unit.seq == seqs[0]


def test_the_partly_coded_filter_lists_only_partial_sentences(session):
    seqs = session.seqs
    session.press_key("1")
    session.go_to_seq(seqs[3])
    for key in "2WS":
        session.press_key(key)
    listed = coding_queries.filter_unit_seqs(
        session.db, CODER, coding_queries.UnitFilter.PARTIAL, session.dimensions
    )
    assert listed == [seqs[0]]
    uncoded = coding_queries.filter_unit_seqs(
        session.db, CODER, coding_queries.UnitFilter.UNCODED, session.dimensions
    )
    assert seqs[0] in uncoded and seqs[3] not in uncoded
