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


def _plan_row(page: str, dimension: str) -> tuple[str, list[str]]:
    """The planner line and the cells of the planner table in a dimension's HTML section."""
    import re

    section = page.split(f'<h2 id="dim-{dimension}">', 1)[1].split("<h2", 1)[0]
    sample = section.split("<h3>Sample size</h3>", 1)[1].split("<h3>", 1)[0]
    line = re.search(r'<p class="plan">(.*?)</p>', sample).group(1)
    body = sample.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", body)
    return line, cells


def test_the_html_and_json_reports_show_the_planners_figures_of_the_command(tmp_path, capsys):
    # Issue 21: `stancecoder plan`, the agreement report (HTML and JSON) and the view
    # (tests/ui/test_agreement_view.py) show the same planner figures per dimension.
    project = make_project(tmp_path)
    capsys.readouterr()
    assert main(["plan", str(project), "--format", "json"]) == 0
    planned = {d["dimension"]: d for d in json.loads(capsys.readouterr().out)["dimensions"]}
    assert main(["agreement", str(project), "--format", "json", "--bootstrap", "0"]) == 0
    reported = {d["dimension"]: d for d in json.loads(capsys.readouterr().out)["plans"]}
    assert reported == planned
    page_path = tmp_path / "report.html"
    args = ["agreement", str(project), "--format", "html", "-o", str(page_path)]
    assert main([*args, "--bootstrap", "0"]) == 0
    page = page_path.read_text(encoding="utf-8")
    for dimension, plan in planned.items():
        line, cells = _plan_row(page, dimension)
        assert line.startswith("Sample size: ")

        def n(value):
            return "-" if value is None else f"{value:,}"

        assert cells[0] == f"{plan['units']:,}"
        assert cells[3:] == [
            n(plan["krippendorff_rule_target"]),
            n(plan["krippendorff_rule_lower"]),
            n(plan["needed_target"]),
            n(plan["needed_lower"]),
        ]
    assert _plan_row(page, "china_role")[0] == (
        "Sample size: more units cannot lift alpha to the target"
    )
    assert _plan_row(page, "stance")[0].startswith("Sample size: about ")
