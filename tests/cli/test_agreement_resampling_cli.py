"""Issue 18 through the command line: Gwet's AC1, usable resamples, the small-sample
warning and resampling by article, on the shipped demo articles (5 articles, 127
sentences) with labels written here."""

from __future__ import annotations

import csv
import json

import pytest

from desktop.cli import main
from desktop.core import store
from desktop.core.resources import demo_articles_dir

# Gwet (2014), Handbook of Inter-Rater Reliability, 4th ed.: 4 raters, 12 units, 5
# categories, missing ratings (irrCAC raw_4raters). AC1 = 0.77544, published, and
# reproduced by irrCAC 0.4.4 for Python (CAC(raw_4raters()).gwet()).
GWET = {
    "r1": "1 2 3 3 2 1 4 1 2 * * *",
    "r2": "1 2 3 3 2 2 4 1 2 5 * *",
    "r3": "* 3 3 3 2 3 4 2 2 5 1 3",
    "r4": "1 2 3 3 2 4 4 1 2 5 1 *",
}
SCHEME = "\n".join(
    ['[scheme]\nid = "five"\ntitle = "Five categories"\nversion = "1"\n']
    + ['[[dimensions]]\nid = "topic"\nlabel = "Topic"\nlevel = "nominal"\n']
    + [
        f'[[dimensions.categories]]\ncode = "c{i}"\nlabel = "C{i}"\nkey = "{i}"\n'
        for i in range(1, 6)
    ]
)


@pytest.fixture
def demo(tmp_path):
    scheme = tmp_path / "five.toml"
    scheme.write_text(SCHEME)
    project = tmp_path / "demo.stance"
    assert main(["new", str(project), "--scheme", str(scheme)]) == 0
    assert main(["import", str(project), str(demo_articles_dir())]) == 0
    db = store.open_project(project)
    try:
        units = [store.get_unit_by_seq(db, s).id for s in store.coded_unit_seqs(db)]
        articles = store.unit_articles(db)
    finally:
        db.close()
    return project, units, articles


def write_labels(path, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit_id", "coder", "dimension", "value"])
        writer.writerows(rows)
    return path


def agreement_json(project, capsys, *extra) -> dict:
    capsys.readouterr()
    assert main(["agreement", str(project), "--format", "json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_ac1_of_gwets_example_through_the_command_line_is_the_published_value(
    demo, tmp_path, capsys
):
    project, units, _ = demo
    rows = [
        (units[u], coder, "topic", f"c{token}")
        for coder, line in GWET.items()
        for u, token in enumerate(line.split())
        if token != "*"
    ]
    assert main(["import-labels", str(project), str(write_labels(tmp_path / "g.csv", rows))]) == 0
    (d,) = agreement_json(project, capsys, "--bootstrap", "200")["dimensions"]
    assert round(d["gwet_ac1"], 5) == 0.77544  # not the 0.77515 of the old basis
    assert d["gwet_ac1_pi_units"] == 12 and d["gwet_ac1_units"] == 11
    # Krippendorff (2011) publishes nominal alpha .743 for the same reliability data.
    assert round(d["alpha"], 3) == 0.743
    # 11 pairable units from the first article: one article cannot be resampled, and
    # the interval is flagged in every output.
    assert d["bootstrap_method"] == "units" and d["bootstrap_clusters"] == 0
    assert "every pairable unit comes from one article" in d["alpha_ci95_warning"]
    assert "only 11 pairable units" in d["alpha_ci95_warning"]


def spread_labels(units, n_units):
    """Three coders on the first ``n_units`` units: agreement with a fixed pattern of
    disagreements, over all five categories."""
    rows = []
    for i, unit in enumerate(units[:n_units]):
        truth = i % 5 + 1
        for c, coder in enumerate(("ana", "ben", "cho")):
            value = truth if (i + c) % 4 else (truth % 5) + 1
            rows.append((unit, coder, "topic", f"c{value}"))
    return rows


def test_articles_are_resampled_by_default_and_every_output_says_so(demo, tmp_path, capsys):
    project, units, articles = demo
    rows = spread_labels(units, len(units))
    assert main(["import-labels", str(project), str(write_labels(tmp_path / "s.csv", rows))]) == 0
    report = agreement_json(project, capsys)
    (d,) = report["dimensions"]
    assert report["bootstrap"]["method"] == "articles"
    assert d["bootstrap_method"] == "articles"
    assert d["bootstrap_clusters"] == len(set(articles.values())) == 5
    assert d["bootstrap_resamples"] == 1000
    assert d["bootstrap_usable"] == 1000 - d["bootstrap_undefined"]
    # 127 pairable units, but only 5 articles: the interval is flagged.
    assert "only 5 articles" in d["alpha_ci95_warning"]
    assert "pairable units:" not in d["alpha_ci95_warning"]  # 127 units are enough

    capsys.readouterr()
    assert main(["agreement", str(project), "--format", "table"]) == 0
    table = capsys.readouterr().out
    assert "resamples of articles" in table and "warning (95% CI, marked !)" in table
    assert f"{d['bootstrap_usable']:,}/1,000" in table
    html = tmp_path / "r.html"
    assert main(["agreement", str(project), "--format", "html", "-o", str(html)]) == 0
    page = html.read_text()
    assert "Warning on the 95% CI" in page
    assert "resamples articles with replacement" in page
    assert f"{d['bootstrap_usable']:,} of 1,000 bootstrap resamples of articles usable; 5 " in page

    units_report = agreement_json(project, capsys, "--resample", "units")
    (u,) = units_report["dimensions"]
    assert units_report["bootstrap"]["method"] == "units" and u["bootstrap_clusters"] == 0
    assert u["alpha"] == d["alpha"] and u["alpha_ci95_warning"] == ""
    # Resampling whole articles gives a different interval from resampling sentences.
    assert u["alpha_ci95"] != d["alpha_ci95"]


def test_small_samples_are_flagged_in_json_table_html_and_methods(demo, tmp_path, capsys):
    project, units, _ = demo
    rows = spread_labels(units, 40)
    assert main(["import-labels", str(project), str(write_labels(tmp_path / "s.csv", rows))]) == 0
    (d,) = agreement_json(project, capsys, "--resample", "units")["dimensions"]
    assert d["alpha_units"] == 40
    warning = d["alpha_ci95_warning"]
    assert warning.startswith("only 40 pairable units: below 100")
    capsys.readouterr()
    assert main(["agreement", str(project), "--resample", "units"]) == 0
    assert warning in capsys.readouterr().out
    html = tmp_path / "r.html"
    args = ["agreement", str(project), "--format", "html", "-o", str(html), "--resample", "units"]
    assert main(args) == 0
    assert f"Caution: {warning}." in html.read_text().replace("&#x27;", "'")


def test_json_keeps_every_key_it_had_and_adds_the_new_ones(demo, tmp_path, capsys):
    project, units, _ = demo
    rows = spread_labels(units, 60)
    assert main(["import-labels", str(project), str(write_labels(tmp_path / "s.csv", rows))]) == 0
    (d,) = agreement_json(project, capsys, "--bootstrap", "100")["dimensions"]
    before = {
        "id", "label", "level", "alpha", "alpha_reason", "alpha_ci95", "alpha_ci95_reason",
        "alpha_nominal_all", "alpha_nominal_all_reason", "p_alpha_below", "bootstrap_mean",
        "bootstrap_undefined", "missing_categories", "units", "alpha_units",
        "pairable_values", "coders", "percent_agreement", "percent_agreement_reason",
        "fleiss_kappa", "fleiss_kappa_reason", "fleiss_units", "gwet_ac1", "gwet_ac1_reason",
        "pairs", "coincidence", "per_category", "leave_one_out", "majority_agreement",
        "drift", "notes",
    }  # fmt: skip
    added = {
        "bootstrap_resamples", "bootstrap_usable", "bootstrap_method", "bootstrap_clusters",
        "alpha_ci95_warning", "gwet_ac1_units", "gwet_ac1_pi_units",
    }  # fmt: skip
    assert before | added <= set(d)
    assert set(d["pairs"][0]) >= {"coders", "units", "cohen_kappa", "weights", "weights_by"}
