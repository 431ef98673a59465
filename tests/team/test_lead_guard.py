"""Lead-only steps and the coder-name check (issue 14.4), without a display."""

from __future__ import annotations

import pytest

from desktop.core import store, team
from desktop.core.coder_names import resolve_coder
from desktop.core.corpus.importer import import_paths
from desktop.core.errors import UsageError
from desktop.core.resources import demo_articles_dir
from desktop.core.store import team as team_store


@pytest.fixture
def demo(empty_project):
    import_paths(empty_project, [demo_articles_dir()])
    for coder in ("AK", "BK", "CK"):
        store.ensure_coder(empty_project, coder)
    return empty_project


def test_a_typo_of_a_registered_coder_is_new_and_asked_about():
    assert resolve_coder("AK", ["AK", "BK"]) == ("AK", False, "")
    choice = resolve_coder("Ak", ["AK", "BK"])
    assert choice.new
    assert choice.question == "Add coder 'Ak'? Existing: AK, BK. Did you mean AK?"
    assert resolve_coder("ZZ", []).question == "Add coder 'ZZ'?"


def test_only_the_lead_draws_samples_splits_and_calibrates(demo):
    team_store.set_lead(demo, "AK")
    before = team_store.list_rounds(demo)
    with pytest.raises(UsageError, match=r"only the lead \(AK\) can draw a reliability sample"):
        team.draw_reliability_sample(demo, ["AK", "BK"], count=4, seed=1, who="BK")
    with pytest.raises(UsageError, match="split"):
        team.split_remaining(demo, ["AK", "BK"], seed=1, who="BK")
    with pytest.raises(UsageError, match="calibration"):
        team.draw_calibration_batch(demo, ["AK", "BK"], 3, seed=1, who="BK")
    assert team_store.list_rounds(demo) == before  # nothing was assigned
    assert team.draw_reliability_sample(demo, ["BK", "CK"], count=4, seed=1, who="AK")


def test_without_a_lead_or_without_who_the_steps_are_not_refused(demo):
    assert team.draw_reliability_sample(demo, ["AK", "BK"], count=4, seed=1, who="BK")
    team_store.set_lead(demo, "AK")
    assert team.split_remaining(demo, ["AK", "BK"], seed=1)  # the command line, no --who


def test_uncoded_reliability_assignments_are_counted_until_coded(demo):
    dimensions = store.current_scheme(demo).dimension_ids
    round_id = team.draw_reliability_sample(demo, ["AK", "BK"], count=3, seed=7)
    pairs = team_store.round_assignments(demo, round_id)
    assert team_store.uncoded_reliability_assignments(demo, dimensions) == len(pairs) == 6
    unit, coder = pairs[0]
    store.set_label(demo, unit, coder, dimensions[0], "pressure")  # partly: still uncoded
    assert team_store.uncoded_reliability_assignments(demo, dimensions) == 6
    for dimension, code in zip(dimensions[1:], ("strained", "constructive"), strict=True):
        store.set_label(demo, unit, coder, dimension, code)
    assert team_store.uncoded_reliability_assignments(demo, dimensions) == 5
