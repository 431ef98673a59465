"""Issue 24: the session's order of units answers the same with or without its list."""

from __future__ import annotations

from desktop.core import store
from desktop.core.unit_queue import UnitQueue


def test_the_store_answers_as_the_list_does_for_every_unit(corpus_project):
    db = corpus_project
    listed = store.coded_unit_seqs(db)
    with_list, without = UnitQueue(db, listed), UnitQueue(db, None)
    assert without.length() is None and without.index(listed[0]) is None
    every = [u.seq for a in store.list_articles(db) for u in store.article_units(db, a.id)]
    excluded = sorted(set(every) - set(listed))
    assert excluded  # the demo articles have titles and bylines that are not coded
    for seq in every:
        for step in (+1, -1):
            assert without.step(seq, step) == with_list.step(seq, step), (seq, step)
        assert without.contains(seq) == with_list.contains(seq) == (seq in listed)
        assert without.at_or_after(seq) == with_list.at_or_after(seq)
    assert with_list.step(listed[-1], +1) is None and with_list.step(listed[0], -1) is None
    assert without.at_or_after(listed[-1] + 100) == listed[-1]
    without.adopt(listed)
    assert without.loaded and without.length() == len(listed)
    assert without.index(listed[3]) == 3


def test_an_empty_project_has_nowhere_to_start(empty_project):
    assert UnitQueue(empty_project, None).at_or_after(0) is None
    assert UnitQueue(empty_project, []).at_or_after(0) is None
