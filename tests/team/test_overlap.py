"""Issue 21: a hidden overlap in the split, and agreement over the sample, the overlap or both."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter

import pytest
from team_helpers import THREE, codable, table_rows

from desktop.core import store, team
from desktop.core.errors import UsageError
from desktop.core.store import team as team_store

CORPUS_TABLES = {"articles", "paragraphs", "units", "schemes"}


@pytest.fixture
def study(tmp_path, scheme):
    """The shipped demo articles with three coders and a lead (not ../shared)."""
    from team_helpers import CODERS

    from desktop.core.corpus.importer import import_paths
    from desktop.core.resources import demo_articles_dir

    db = store.create_project(tmp_path / "project.stance", scheme)
    import_paths(db, [demo_articles_dir()])
    for coder, name in CODERS.items():
        store.ensure_coder(db, coder, name)
    store.ensure_coder(db, "lead_m2", "Mara Lindqvist")
    team.set_lead(db, "lead_m2")
    yield db, tmp_path / "project.stance"
    db.close()


def test_a_share_of_the_split_goes_to_two_coders_and_the_load_stays_even(study):
    db, _ = study
    round_id = team.split_remaining(db, THREE, overlap=0.1, min_coders=2, seed=5)
    pairs = team_store.round_assignments(db, round_id)
    per_unit = Counter(u for u, _ in pairs)
    n = len(codable(db))
    assert len(per_unit) == n == 127
    # round(0.1 * 127) = 13 units go to two coders, the other 114 to one: 140 assignments.
    assert Counter(per_unit.values()) == {1: 114, 2: 13}
    assert len(pairs) == 140
    per_coder = Counter(c for _, c in pairs)
    assert max(per_coder.values()) - min(per_coder.values()) <= 1
    shared = {u for u, n in per_unit.items() if n == 2}
    assert team.overlap_unit_ids(db) == dict.fromkeys(shared, round_id)
    # The two coders of an overlap unit differ (the primary key would refuse otherwise).
    for unit in shared:
        assert len({c for u, c in pairs if u == unit}) == 2


def test_overlap_units_sit_at_random_places_in_each_queue(study):
    db, _ = study
    team.split_remaining(db, THREE, overlap=0.2, min_coders=3, seed=9)
    shared = set(team.overlap_unit_ids(db))
    assert len(shared) == round(0.2 * 127) == 25
    seq_of = {store.get_unit(db, u).seq: u for u in codable(db)}
    for coder in THREE:
        queue = team_store.coder_queue_seqs(db, coder)
        # Every coder codes all 25 (three coders each), in project order among the rest:
        # neither a block at the start nor at the end of the queue.
        positions = [i for i, seq in enumerate(queue) if seq_of[seq] in shared]
        assert len(positions) == 25
        assert queue == sorted(queue)
        assert positions != list(range(25))
        assert positions != list(range(len(queue) - 25, len(queue)))


def test_split_refuses_a_bad_overlap_and_leaves_the_project_unchanged(study):
    db, _ = study
    with pytest.raises(UsageError, match="between 0 and 1"):
        team.split_remaining(db, THREE, overlap=1.5)
    with pytest.raises(UsageError, match="min-coders must be between 2 and the number"):
        team.split_remaining(db, THREE, overlap=0.1, min_coders=4)
    assert team_store.list_rounds(db) == []


def _unit_ids_in(row: tuple, units: set[str]) -> set[str]:
    return {v for v in row if isinstance(v, str) and v in units}


def test_a_package_does_not_tell_overlap_units_from_the_others(study, tmp_path):
    db, _ = study
    team.draw_reliability_sample(db, THREE, count=6, seed=3)
    split = team.split_remaining(db, THREE, overlap=0.25, min_coders=2, seed=3)
    shared = set(team.overlap_unit_ids(db))
    lead_tables = table_rows(team_store.database_path(db))
    for coder in THREE:
        path = tmp_path / f"{coder}.stance"
        team.create_package(db, coder, path)
        mine = {u for u, c in team_store.round_assignments(db, split) if c == coder}
        hidden, single = mine & shared, mine - shared
        assert hidden and single
        tables = table_rows(path)
        # The corpus is the lead's corpus, unit for unit: nothing added or dropped.
        for name in CORPUS_TABLES & set(tables):
            if name != "schemes":
                assert sorted(tables[name]) == sorted(lead_tables[name])
        # Every other table, every column: the values on rows about overlap units are
        # values that rows about the coder's single-coded units of the round take too,
        # and an overlap unit has as many rows in each table as a single one.
        for name, rows in tables.items():
            if name in CORPUS_TABLES:
                continue
            about_hidden = [r for r in rows if _unit_ids_in(r, hidden)]
            about_single = [r for r in rows if _unit_ids_in(r, single)]
            for column in range(len(rows[0]) if rows else 0):
                hidden_values = {r[column] for r in about_hidden} - hidden
                single_values = {r[column] for r in about_single} - single
                assert hidden_values <= single_values, (name, column)
            counts_hidden = Counter(u for r in about_hidden for u in _unit_ids_in(r, hidden))
            counts_single = Counter(u for r in about_single for u in _unit_ids_in(r, single))
            assert set(counts_hidden.values()) <= set(counts_single.values()) | {0}, name
        # The assignments come back in key order (a WITHOUT ROWID table): the order in
        # which the split dealt them is not in the file.
        assignments = tables["assignments"]
        assert assignments == sorted(assignments)
        # Nothing names the overlap or the other coders anywhere in the raw bytes.
        raw = path.read_bytes()
        others = [c.encode() for c in THREE if c != coder]
        # (the round details would write "overlap": and overlap_units)
        for word in (b'"overlap"', b"overlap_units", b"min_coders", *others):
            assert word not in raw, word
        conn = sqlite3.connect(path)
        try:
            rounds = conn.execute("SELECT id, kind, details, seed FROM rounds").fetchall()
        finally:
            conn.close()
        # No details, and no seed: with it a coder could re-run the split's draw.
        assert {(k, d, s) for _, k, d, s in rounds} <= {
            ("reliability", "{}", None),
            ("split", "{}", None),
        }


def test_the_lead_keeps_the_overlap_in_the_round_details(study):
    db, _ = study
    round_id = team.split_remaining(db, THREE, overlap=0.1, seed=1, who="lead_m2")
    (info,) = [r for r in team_store.list_rounds(db) if r["id"] == round_id]
    assert info["details"]["overlap_units"] == 13 and info["details"]["min_coders"] == 2
    (entry,) = [e for e in store.change_log(db) if e["action"] == "assign"]
    assert entry["details"]["overlap"] == 0.1


def test_agreement_units_selects_the_sample_the_overlap_or_both(study):
    db, _ = study
    with pytest.raises(UsageError, match="no reliability sample"):
        team.agreement_units(db, "sample")
    sample_round = team.draw_reliability_sample(db, THREE, count=6, seed=2)
    with pytest.raises(UsageError, match="no overlap units"):
        team.agreement_units(db, "overlap")
    team.split_remaining(db, THREE, overlap=0.1, seed=2)
    sample = {u for u, _ in team_store.round_assignments(db, sample_round)}
    overlap = set(team.overlap_unit_ids(db))
    assert len(sample) == 6 and len(overlap) == round(0.1 * 121) == 12
    assert team.agreement_units(db, "sample") == sample
    assert team.agreement_units(db, "overlap") == overlap
    assert team.agreement_units(db, "both") == sample | overlap
    assert team.agreement_units(db, "all") is None
    assert not sample & overlap


def test_agreement_over_the_sample_the_overlap_or_both_from_the_command_line(study, capsys):
    from desktop.cli import main

    db, path = study
    sample_round = team.draw_reliability_sample(db, THREE[:2], count=10, seed=4)
    team.split_remaining(db, THREE[:2], overlap=0.1, seed=4)
    sample = {u for u, _ in team_store.round_assignments(db, sample_round)}
    overlap = set(team.overlap_unit_ids(db))
    assert len(overlap) == round(0.1 * 117) == 12
    for unit in codable(db):
        for coder in THREE[:2]:
            if unit in sample or unit in overlap or coder == THREE[0]:
                store.set_label(db, unit, coder, "stance", "pressure")
    capsys.readouterr()
    expected = {"sample": 10, "overlap": 12, "both": 22, "all": 22}
    for which, units in expected.items():
        args = ["agreement", str(path), "--units", which, "--format", "json", "--bootstrap", "0"]
        assert main([*args, "--no-drift"]) == 0
        report = json.loads(capsys.readouterr().out)
        (stance,) = [d for d in report["dimensions"] if d["id"] == "stance"]
        assert stance["units"] == units, which
        assert any(f"Only the {units} " in n for n in report["notes"]) == (which != "all")


def test_agreement_over_a_missing_overlap_is_one_line_and_exit_2(study, capsys):
    from desktop.cli import main

    _, path = study
    before = path.read_bytes()
    capsys.readouterr()
    assert main(["agreement", str(path), "--units", "overlap"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "has no overlap units (split with --overlap first)" in err
    assert path.read_bytes() == before
