"""A session reads the scheme again when a change announces it (issue 24's closing note:
the dimensions read at open went stale): new dimensions and keys, the same unit, every
label kept, and the counts over the new dimensions."""

from __future__ import annotations

from desktop.core import store, team
from desktop.core.corpus.importer import import_paths
from desktop.core.project_changes import Changed
from desktop.core.resources import demo_articles_dir
from desktop.core.session import CodingSession
from desktop.core.store import coding_queries
from tests.team.team_helpers import scheme_variant

CODER = "ak"


def test_reload_reads_a_new_scheme_and_keeps_the_unit_and_its_labels(tmp_path, scheme):
    path = tmp_path / "scheme.stance"
    db = store.create_project(path, scheme)
    import_paths(db, [demo_articles_dir()])
    store.ensure_coder(db, CODER)
    session = CodingSession(db, CODER)
    session.press_key("2")
    session.press_key("W")
    session.press_key("S")  # complete: the session moves on after the transition
    coded = session.unit
    session.go_to_seq(coded.seq)
    labels = dict(session.labels)
    assert len(labels) == 3 and session.progress[0] == 1

    other = store.open_project(path)
    try:
        team.change_scheme(other, scheme_variant(scheme, "1.1", new_dimension=True))
    finally:
        other.close()
    assert session.dimensions == ("stance", "alliance_trust", "china_role")  # not yet
    update = session.reload(Changed.SCHEME)
    assert update.moved and not update.ignored
    assert session.scheme.version == "1.1"
    assert session.dimensions == ("stance", "alliance_trust", "china_role", "tone")
    assert session.unit.id == coded.id and session.labels == labels
    # the unit lacks the new dimension: no longer coded, counted over four dimensions
    assert session.progress[0] == 0
    assert session.progress[0] == coding_queries.coded_count(db, CODER, session.dimensions)
    assert session.open_dimensions == ["tone"]
    session.press_key("Z")  # the new dimension's key
    assert store.unit_labels(db, coded.id, CODER) == {**labels, "tone": "calm"}
    assert session.progress[0] == 1
    assert session.reload_scheme() is False  # the same scheme again: nothing new
    db.close()
