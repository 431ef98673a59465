"""The coding session follows the coder's assignments (team workflow)."""

from __future__ import annotations

from desktop.core import store, team
from desktop.core.session import CodingSession


def test_a_coder_with_assignments_codes_those_unless_the_lead_allows_more(corpus_project):
    db = corpus_project
    for coder in ("ak", "bm"):
        store.ensure_coder(db, coder)
    team.draw_reliability_sample(db, ["ak", "bm"], share=0.2, seed=11)
    assigned = team.coder_queue_seqs(db, "ak")
    all_units = store.coded_unit_seqs(db)
    assert 0 < len(assigned) < len(all_units)

    session = CodingSession(db, "ak")
    assert session.seqs == sorted(assigned)
    assert session.unit.seq in assigned
    assert session.progress[1] == len(assigned)

    team.set_allow_unassigned(db, True)
    assert CodingSession(db, "ak").seqs == all_units


def test_without_assignments_every_codable_unit_is_offered(corpus_project):
    store.ensure_coder(corpus_project, "ak")
    assert CodingSession(corpus_project, "ak").seqs == store.coded_unit_seqs(corpus_project)
