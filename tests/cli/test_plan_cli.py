"""``stancecoder plan`` on the shipped demo articles with labels written here."""

from __future__ import annotations

import csv
import json

import numpy as np

from desktop.cli import main
from desktop.core import store
from desktop.core.agreement.planner import krippendorff_minimum_units
from desktop.core.resources import demo_articles_dir


def make_project(tmp_path):
    project = tmp_path / "p.stance"
    assert main(["new", str(project)]) == 0
    assert main(["import", str(project), str(demo_articles_dir())]) == 0
    db = store.open_project(project)
    try:
        units = [store.get_unit_by_seq(db, s).id for s in store.coded_unit_seqs(db)]
    finally:
        db.close()
    rng = np.random.default_rng(11)
    codes = ["constructive", "obstructive", "mixed", "none"]
    path = tmp_path / "labels.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit_id", "coder", "dimension", "value"])
        for i, unit in enumerate(units):
            for coder in ("ana", "ben"):
                value = codes[i % 4] if rng.random() > 0.12 else codes[rng.integers(0, 4)]
                writer.writerow([unit, coder, "china_role", value])
    assert main(["import-labels", str(project), str(path)]) == 0
    return project


def test_plan_reports_the_rule_and_the_data_per_dimension(tmp_path, capsys):
    project = make_project(tmp_path)
    capsys.readouterr()
    assert main(["plan", str(project), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    plans = {d["dimension"]: d for d in document["dimensions"]}
    china = plans["china_role"]
    assert china["units"] == 127
    assert china["krippendorff_rule_target"] == krippendorff_minimum_units(
        0.8, china["smallest_share"]
    )
    # One label in eight is a guess: alpha is below .8, which no sample
    # size can fix; .667 is reachable.
    assert china["alpha"] < 0.8 and china["status"] == "cannot"
    assert china["needed_target"] is None and china["needed_lower"] is not None
    assert plans["stance"]["status"] == "no data"
    assert main(["plan", str(project)]) == 0
    table = capsys.readouterr().out
    assert "china_role: alpha so far" in table and "Krippendorff (2019)" in table


def test_plan_refuses_a_target_outside_zero_and_one_in_one_line(tmp_path, capsys):
    project = make_project(tmp_path)
    before = project.read_bytes()
    capsys.readouterr()
    assert main(["plan", str(project), "--target", "1.5"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--target must be between 0 and 1" in err
    assert project.read_bytes() == before
