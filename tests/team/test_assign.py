"""Reliability samples, calibration batches, splits, progress and the coder's queue."""

from __future__ import annotations

from collections import Counter

import pytest
from team_helpers import THREE, codable

from desktop.core import store, team
from desktop.core.errors import UsageError
from desktop.core.store import team as team_store


def article_of(db, unit_id):
    return store.get_unit(db, unit_id).article_id


@pytest.mark.parametrize(
    ("sizes", "n", "expected"),
    [
        ([25, 44], 14, [5, 9]),  # 14 * 25/69 = 5.07, 14 * 44/69 = 8.93
        ([1, 100], 5, [1, 4]),  # one at least, then by quota
        ([10, 10, 10], 2, [1, 1, 0]),  # too small for one per article: first articles first
        ([3, 0, 7], 10, [3, 0, 7]),  # everything
    ],
)
def test_allocate_is_proportional_with_one_per_article(sizes, n, expected):
    assert team.allocate(sizes, n) == expected


def test_reliability_sample_is_stratified_and_assigned_to_every_coder(study):
    db, _ = study
    round_id = team.draw_reliability_sample(db, THREE, share=0.2, seed=7)
    pairs = team_store.round_assignments(db, round_id)
    units = sorted({u for u, _ in pairs})
    # The demo articles have 28, 24, 23, 25 and 27 sentences (127): 25 = round(0.2 * 127),
    # by largest remainder 5.51, 4.72, 4.53, 4.92, 5.31 -> 5 each.
    assert len(units) == round(0.2 * 127) == 25
    articles = [a.id for a in store.list_articles(db)]
    assert Counter(article_of(db, u) for u in units) == dict.fromkeys(articles, 5)
    assert Counter(c for _, c in pairs) == dict.fromkeys(THREE, 25)
    (info,) = team_store.list_rounds(db)
    assert (info["kind"], info["seed"], info["details"]["k"]) == ("reliability", 7, 3)


def test_the_same_seed_draws_the_same_sample_in_another_copy(study, tmp_path, scheme, corpus_dir):
    from desktop.core.corpus.importer import import_paths

    db, _ = study
    other = store.create_project(tmp_path / "other.stance", scheme)
    import_paths(other, [corpus_dir])
    for coder in THREE:
        store.ensure_coder(other, coder)
    first = team.draw_reliability_sample(db, THREE, count=10, seed=42)
    second = team.draw_reliability_sample(other, THREE, count=10, seed=42)
    third = team.draw_reliability_sample(other, THREE, count=10, seed=43)
    assert team_store.round_assignments(db, first) == team_store.round_assignments(other, second)
    assert team_store.round_assignments(other, third) != team_store.round_assignments(db, first)
    other.close()


def test_k_of_n_coders_are_balanced(study):
    db, _ = study
    round_id = team.draw_reliability_sample(db, THREE, count=12, k=2, seed=1)
    pairs = team_store.round_assignments(db, round_id)
    assert Counter(Counter(u for u, _ in pairs).values()) == {2: 12}
    assert Counter(c for _, c in pairs) == dict.fromkeys(THREE, 8)


def test_split_shares_the_rest_evenly_and_per_article(study):
    db, _ = study
    sample = team.draw_reliability_sample(db, THREE, share=0.2, seed=3)
    split = team.split_remaining(db, THREE, seed=3)
    pairs = team_store.round_assignments(db, split)
    assert len(pairs) == 127 - 25
    assert not {u for u, _ in pairs} & {u for u, _ in team_store.round_assignments(db, sample)}
    totals = Counter(c for _, c in pairs)
    assert max(totals.values()) - min(totals.values()) <= 1
    for article in (a.id for a in store.list_articles(db)):
        per = Counter(c for u, c in pairs if article_of(db, u) == article)
        assert max(per.values()) - min(per.values()) <= 1
    with pytest.raises(UsageError, match="already assigned"):
        team.split_remaining(db, THREE, seed=3)


def test_calibration_batch_comes_from_unassigned_units_and_goes_to_all(study):
    db, _ = study
    first = team.draw_calibration_batch(db, THREE, 6, seed=5)
    second = team.draw_calibration_batch(db, THREE, 6, seed=5)
    a = {u for u, _ in team_store.round_assignments(db, first)}
    b = {u for u, _ in team_store.round_assignments(db, second)}
    assert len(a) == len(b) == 6 and not a & b
    assert len(team_store.round_assignments(db, first)) == 18
    unit = sorted(a)[0]
    for coder, value in zip(THREE, ("pressure", "pressure", "mixed"), strict=True):
        store.set_label(db, unit, coder, "stance", value)
    frame = team.round_labels(db, first)
    assert sorted(frame["value"]) == ["mixed", "pressure", "pressure"]


def test_progress_counts_units_with_every_dimension_labelled(study):
    db, _ = study
    round_id = team.draw_reliability_sample(db, THREE, count=4, seed=2)
    units = sorted({u for u, _ in team_store.round_assignments(db, round_id)})
    for dimension in ("stance", "alliance_trust", "china_role"):
        store.set_label(db, units[0], "ann_q7", dimension, "none")
    store.set_label(db, units[1], "ann_q7", "stance", "none")  # not complete
    rows = {(r.coder, r.round_id): (r.assigned, r.coded) for r in team.progress(db)}
    assert rows[("ann_q7", round_id)] == (4, 1)
    assert rows[("bob_z3", round_id)] == (4, 0)


def test_queue_offers_assigned_units_first_and_the_rest_only_if_allowed(study):
    db, _ = study
    assert team.coder_queue_seqs(db, "ann_q7") == store.coded_unit_seqs(db)
    round_id = team.draw_reliability_sample(db, THREE, count=5, seed=9)
    assigned = sorted(
        store.get_unit(db, u).seq
        for u, c in team_store.round_assignments(db, round_id)
        if c == "ann_q7"
    )
    # By default a coder with assignments is kept to them ...
    assert team.coder_queue_seqs(db, "ann_q7") == assigned
    # ... and the lead may let coders go on to the rest, assigned units first.
    assert team.set_allow_unassigned(db, True).changed
    queue = team.coder_queue_seqs(db, "ann_q7")
    assert queue[:5] == assigned and len(queue) == 127


def test_unknown_coders_and_impossible_sizes_are_refused(study):
    db, _ = study
    with pytest.raises(UsageError, match=r"unknown coder.*zed"):
        team.draw_reliability_sample(db, ["ann_q7", "zed"], seed=1)
    with pytest.raises(UsageError, match="cannot draw 128 units: 127"):
        team.draw_reliability_sample(db, THREE, count=128, seed=1)
    with pytest.raises(UsageError, match="k must be between 2 and the number of coders"):
        team.draw_reliability_sample(db, THREE, k=4, seed=1)
    assert team_store.list_rounds(db) == []


def test_only_one_coder_is_lead(study):
    db, _ = study
    change = team.set_lead(db, "bob_z3")
    assert (change.old, change.new) == ("lead_m2", "bob_z3")
    assert [c["id"] for c in store.list_coders(db) if c["is_lead"]] == ["bob_z3"]
    assert codable(db)  # the corpus is there
