"""`make bench-lab` runs: a tiny load through the same code proves every part works (no
timing is asserted here; the figures are the benchmark's)."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_the_lab_benchmark_runs_and_loses_nothing_at_a_small_load(pg_server):
    del pg_server  # the benchmark starts its own server; this skips where none can run
    from benchmarks.lab import run

    result = run(coders=3, rate=2.0, minutes=0.15, processes=1)
    assert result["labels_committed"] == 3 * 2 * 9  # 3 coders x 2/s x 9 s
    assert (result["lost"], result["duplicated"], result["differing"]) == (0, 0, 0)
    assert result["never_seen_by_observer"] == 0
    assert set(result["commit_to_visible_s"]) == {"p50", "p95", "p99"}
