"""import-labels and agreement from the command line, checked against published values."""

from __future__ import annotations

import csv
import json
import re

import pytest

from desktop.cli import main
from desktop.core import store

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four
# observers, twelve units, missing data ("*"). Published: nominal .743, ordinal .815,
# interval .849, ratio .797.
K2011 = {
    "A": "1 2 3 3 2 1 4 1 2 * * *",
    "B": "1 2 3 3 2 2 4 1 2 5 * 3",
    "C": "* 3 3 3 2 3 4 2 2 5 1 *",
    "D": "1 2 3 3 2 4 4 1 2 5 1 *",
}
PUBLISHED = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}
KEYS = {"nominal": "12345", "ordinal": "QWERT", "interval": "ASDFG", "ratio": "ZXCBM"}


def four_level_scheme() -> str:
    parts = ['[scheme]\nid = "k2011"\ntitle = "Krippendorff 2011"\nversion = "1"\n']
    for level, keys in KEYS.items():
        parts.append(f'[[dimensions]]\nid = "{level}"\nlabel = "{level}"\nlevel = "{level}"\n')
        for value, key in zip(range(1, 6), keys, strict=True):
            parts.append(
                f'[[dimensions.categories]]\ncode = "v{value}"\nlabel = "Value {value}"\n'
                f'key = "{key}"\nvalue = {value}\n'
            )
    return "\n".join(parts)


@pytest.fixture
def k2011_project(tmp_path, corpus_dir):
    scheme = tmp_path / "k2011.toml"
    scheme.write_text(four_level_scheme())
    project = tmp_path / "k.stance"
    assert main(["new", str(project), "--scheme", str(scheme)]) == 0
    assert main(["import", str(project), str(corpus_dir)]) == 0
    db = store.open_project(project)
    units = [store.get_unit_by_seq(db, s).id for s in store.coded_unit_seqs(db)[:12]]
    db.close()
    labels = tmp_path / "labels.csv"
    with labels.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit_id", "coder", "dimension", "value"])
        for coder, row in K2011.items():
            for unit, value in zip(units, row.split(), strict=True):
                if value != "*":
                    for level in KEYS:
                        writer.writerow([unit, coder, level, f"v{value}"])
    return project, labels, units


def test_imported_labels_give_krippendorffs_published_alphas(k2011_project, tmp_path, capsys):
    project, labels, _ = k2011_project
    assert main(["import-labels", str(project), str(labels)]) == 0
    assert "Imported 164 label rows" in capsys.readouterr().out
    out = tmp_path / "report.json"
    assert (
        main(["agreement", str(project), "--format", "json", "-o", str(out), "--bootstrap", "200"])
        == 0
    )
    report = json.loads(out.read_text())
    by_id = {d["id"]: d for d in report["dimensions"]}
    for level, published in PUBLISHED.items():
        d = by_id[level]
        assert round(d["alpha"], 3) == published, level
        assert d["units"] == 11  # unit 12 has a single value: not pairable
        assert d["pairable_values"] == 40
        low, high = d["alpha_ci95"]
        assert low <= d["alpha"] <= high


def test_table_json_and_html_agree(k2011_project, tmp_path, capsys):
    project, labels, _ = k2011_project
    assert main(["import-labels", str(project), str(labels)]) == 0
    capsys.readouterr()
    assert (
        main(["agreement", str(project), "--format", "json", "--bootstrap", "100", "--seed", "7"])
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert (
        main(["agreement", str(project), "--format", "table", "--bootstrap", "100", "--seed", "7"])
        == 0
    )
    table = capsys.readouterr().out
    html_path = tmp_path / "r.html"
    assert (
        main(
            [
                "agreement",
                str(project),
                "--format",
                "html",
                "-o",
                str(html_path),
                "--bootstrap",
                "100",
                "--seed",
                "7",
            ]
        )
        == 0
    )
    html = html_path.read_text()
    for d in report["dimensions"]:
        shown = f"{d['alpha']:.3f}"
        assert shown in table, (d["id"], shown)
        assert shown.lstrip("0") in html or shown in html, (d["id"], shown)
    assert not re.search(r"""(src|href)=["']https?://""", html)


def test_import_labels_refuses_unknown_units_categories_and_dimensions(
    k2011_project, tmp_path, dump, capsys
):
    project, _, units = k2011_project
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "unit_id,coder,dimension,value\n"
        f"{units[0]},A,nominal,v1\n"
        "nope-0001,A,nominal,v1\n"
        f"{units[1]},A,nominal,v9\n"
        f"{units[2]},A,colour,v1\n"
    )
    before = dump(project)
    assert main(["import-labels", str(project), str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"stancecoder: error: {bad}: refused, nothing imported: unknown unit on line 3; "
        "unknown category for nominal on line 4; unknown dimension on line 5"
    )
    assert dump(project) == before


def test_import_labels_needs_the_columns(k2011_project, tmp_path, capsys):
    project, _, _ = k2011_project
    bad = tmp_path / "cols.csv"
    bad.write_text("unit,coder,value\nx,A,v1\n")
    assert main(["import-labels", str(project), str(bad)]) == 2
    assert "lacks the columns unit_id, dimension" in capsys.readouterr().err


def test_importing_the_same_labels_twice_changes_nothing(k2011_project, capsys):
    project, labels, _ = k2011_project
    assert main(["import-labels", str(project), str(labels)]) == 0
    assert main(["import-labels", str(project), str(labels)]) == 0
    assert "0 new, 0 changed, 164 already present" in capsys.readouterr().out


def test_agreement_with_one_coder_is_undefined_not_a_crash(k2011_project, capsys):
    project, labels, _ = k2011_project
    assert main(["import-labels", str(project), str(labels)]) == 0
    capsys.readouterr()
    assert (
        main(["agreement", str(project), "--format", "json", "--coders", "A", "--bootstrap", "0"])
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    for d in report["dimensions"]:
        assert d["alpha"] is None and d["alpha_reason"]


def test_agreement_on_unknown_coder_is_refused(k2011_project, capsys):
    project, labels, _ = k2011_project
    assert main(["import-labels", str(project), str(labels)]) == 0
    assert main(["agreement", str(project), "--coders", "A,Zed"]) == 2
    assert "no labels by coder Zed" in capsys.readouterr().err


def test_report_mentions_units_changed_after_coding_began(k2011_project, capsys):
    from desktop.core.curation import merge_units

    project, labels, units = k2011_project
    assert main(["import-labels", str(project), str(labels)]) == 0
    db = store.open_project(project)
    merge_units(db, units[0], units[1], who="lead", confirm=True)
    db.close()
    capsys.readouterr()
    assert main(["agreement", str(project), "--format", "json", "--bootstrap", "0"]) == 0
    notes = json.loads(capsys.readouterr().out)["notes"]
    assert any(
        n.startswith("Units were changed after coding began: 1 curation step") and "by lead" in n
        for n in notes
    ), notes


def test_agreement_for_some_articles_or_the_reliability_sample(k2011_project, capsys):
    project, labels, units = k2011_project
    assert main(["import-labels", str(project), str(labels)]) == 0
    article = units[0].split("-")[0]
    capsys.readouterr()
    assert (
        main(
            [
                "agreement",
                str(project),
                "--format",
                "json",
                "--bootstrap",
                "0",
                "--articles",
                article,
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["dimensions"][0]["units"] == 11  # all twelve units are in that article
    assert main(["agreement", str(project), "--reliability-sample"]) == 2
    assert "has no reliability sample" in capsys.readouterr().err
    assert (
        main(["sample", str(project), "--coders", "A,B,C,D", "--share", "1.0", "--seed", "3"]) == 0
    )
    capsys.readouterr()
    assert (
        main(
            [
                "agreement",
                str(project),
                "--format",
                "json",
                "--bootstrap",
                "0",
                "--reliability-sample",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["dimensions"][0]["units"] == 11
