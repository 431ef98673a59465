"""`make bench-quick` runs end to end and writes a complete results file.

No timing is asserted here: the figures depend on the machine. What is checked is that
every measure ran and reported a number, a target and whether it was met.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
KEYS = (
    "import_sentences_per_s",
    "segmenter_baselines",
    "label_commit_ms",
    "key_to_next_ms",
    "key_burst_ms",
    "cold_start_s",
    "open_rss_mb",
    "agreement_s",
    "bootstrap_s",
    "agreement_ci_coverage",
    "planner_s",
    "planner_enough_share",
    "export_s",
    "model_train_s",  # issue 20
    "model_predict_units_per_s",
    "llm_overhead_ms",
    "backup_bytes",  # issue 24
    "search_ms",  # issue 24
    "key_while_loading_ms",  # issue 24
    "file_bytes_per_label",  # issue 24
)


@pytest.mark.slow
def test_quick_benchmark_reports_every_measure_with_figures_and_targets(tmp_path):
    out = tmp_path / "results-quick.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--out", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["mode"] == "quick"
    assert document["machine"]["cpus"] >= 1
    results = document["results"]
    assert list(results) == list(KEYS)
    for key, entry in results.items():
        assert "error" not in entry["details"], f"{key}: {entry['details'].get('error')}"
        if key == "key_while_loading_ms" and entry["value"] is None:
            # 5,000 sentences may be read before the first key: said so, no figure.
            assert entry["met"] is None and "before a unit was coded" in entry["summary"]
            continue
        assert isinstance(entry["value"], int | float) and math.isfinite(entry["value"]), key
        assert entry["figures"], key
        for name, figure in entry["figures"].items():
            assert isinstance(figure, int | float) and math.isfinite(figure), (key, name)
        assert isinstance(entry["target"], str) and entry["target"], key
        if key == "segmenter_baselines":
            assert entry["met"] is None  # reported, no target
        else:
            assert isinstance(entry["met"], bool), key
    assert "| key | figure | target | met |" in done.stdout
