"""The terminal table, the JSON and the HTML report show the same numbers."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from desktop.core.agreement import compute_agreement, format_table, render_html, report_to_json
from desktop.core.agreement.html import TEMPLATE_NAME, colour
from desktop.core.agreement.methods import apa, apa_q, methods_paragraph
from desktop.core.resources import data_dir, default_scheme_path
from desktop.core.scheme import load_scheme

SCHEME = load_scheme(default_scheme_path())
CODERS = ("ana", "ben", "cho")


def synthetic_labels(n_units: int, seed: int = 0) -> pd.DataFrame:
    """Three coders who copy a true category 80 % of the time, over three weeks."""
    rng = np.random.default_rng(seed)
    rows = []
    start = pd.Timestamp("2026-11-09T08:00:00Z")
    for u in range(n_units):
        stamp = (start + pd.Timedelta(minutes=37 * u)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        for dimension in SCHEME.dimensions:
            codes = dimension.codes
            truth = rng.integers(0, len(codes))
            for coder in CODERS:
                if rng.random() < 0.1:
                    continue
                value = truth if rng.random() < 0.8 else rng.integers(0, len(codes))
                rows.append((f"s{u}", coder, dimension.id, codes[value], stamp))
    return pd.DataFrame(rows, columns=["unit_id", "coder", "dimension", "value", "changed_at"])


@pytest.fixture(scope="module")
def report():
    labels = synthetic_labels(400)
    # Leave china_role to one coder so that the report has undefined figures.
    only_ana = (labels.dimension != "china_role") | (labels.coder == "ana")
    return compute_agreement(labels[only_ana], SCHEME, bootstrap=300)


@pytest.fixture(scope="module")
def html(report):
    return render_html(
        report, project_name="Korea op-eds <2026>", notes=["sample of 400 sentences"]
    )


def test_json_is_strict_with_nan_as_null_and_the_reason_beside_it(report):
    data = report_to_json(report)
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    china = next(d for d in data["dimensions"] if d["id"] == "china_role")
    assert china["alpha"] is None and china["alpha_reason"].startswith("only one coder")
    assert china["alpha_ci95"] == [None, None] and china["alpha_ci95_reason"]
    assert china["p_alpha_below"] == {"0.8": None, "0.667": None}


def test_json_has_the_documented_shape(report):
    data = report_to_json(report)
    assert data["scheme"] == {
        "id": "korea_alliance",
        "title": "Korea alliance stance",
        "version": "1.0",
    }
    assert data["bootstrap"]["method"] == "units"
    assert data["bootstrap"]["resamples"] == 300 and data["bootstrap"]["seed"] == 20261122
    stance = data["dimensions"][0]
    for key in (
        "id", "level", "alpha", "alpha_reason", "alpha_ci95", "alpha_nominal_all",
        "p_alpha_below", "units", "pairable_values", "coders", "percent_agreement",
        "fleiss_kappa", "gwet_ac1", "pairs", "coincidence", "per_category",
        "leave_one_out", "majority_agreement", "drift",
    ):  # fmt: skip
        assert key in stance, key
    assert stance["level"] == "ordinal" and stance["coders"] == list(CODERS)
    assert set(stance["p_alpha_below"]) == {"0.8", "0.667"}
    pair = stance["pairs"][0]
    assert pair["coders"] == ["ana", "ben"] and pair["weights"] == "linear"
    assert stance["coincidence"]["categories"] == ["pressure", "mixed", "engagement", "none"]
    assert len(stance["coincidence"]["matrix"]) == 4
    assert set(stance["per_category"]) == {"pressure", "mixed", "engagement", "none"}
    assert set(stance["leave_one_out"]) == set(CODERS)
    assert stance["drift"]["by_week"][0]["label"] == "2026-W46"
    assert stance["alpha_ci95"][0] < stance["alpha"] < stance["alpha_ci95"][1]


def test_table_html_and_json_print_the_same_alpha(report, html):
    table = format_table(report)
    data = report_to_json(report)
    for d in data["dimensions"]:
        if d["alpha"] is None:
            continue
        shown = f"{d['alpha']:.3f}"
        low, high = (f"{x:.3f}" for x in d["alpha_ci95"])
        assert re.search(rf"^{d['id']}\s+{d['level']}\s+{shown}\s+\[{low}, {high}\]", table, re.M)
        assert f"<td>{shown}</td><td>[{low}, {high}]</td>" in html
        assert f"<td>{d['gwet_ac1']:.3f}</td>" in html
        assert f"{d['gwet_ac1']:.3f}" in table


def test_undefined_figures_show_their_reason_everywhere(report, html):
    table = format_table(report)
    assert "alpha undefined: only one coder (ana) coded this dimension" in table
    assert "alpha is undefined: only one coder (ana) coded this dimension" in html
    assert "For china_role (nominal), Krippendorff's alpha is undefined" in methods_paragraph(
        report
    )


def test_html_is_self_contained(html):
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    assert "@import" not in html
    assert "url(" not in html
    assert "http://" not in html and "https://" not in html
    assert html.count("<svg") >= 2 + 2 * 2  # two heatmaps, week and batch charts per dimension


def test_html_escapes_the_project_name_and_shows_notes(html):
    assert "Korea op-eds &lt;2026&gt;" in html
    assert "<li>sample of 400 sentences</li>" in html
    assert "$" not in html.replace("$$", "")


def test_methods_paragraph_reads_like_a_paper(report, html):
    stance = report.dimension("stance")
    text = methods_paragraph(report)
    expected = (
        f"Krippendorff's alpha (ordinal) for stance was {apa(stance.alpha)}, 95% CI "
        f"[{apa(stance.alpha_ci95[0])}, {apa(stance.alpha_ci95[1])}] ({stance.bootstrap_usable} "
        f"of 300 bootstrap resamples of units usable), based on the {stance.alpha_units:,} "
        "sentences with two or more applicable values"
    )
    assert expected in text
    assert "'none' (not applicable) was treated as missing" in text
    # Issue 18, point 7: what the supplementary coefficients count, said in words.
    assert "The first three count every category, not-applicable ones included" in text
    assert "by rank on ordinal, by value on interval and ratio dimensions" in text
    assert "The share of usable bootstrap resamples whose alpha fell below .8, q" in text
    assert "probability" not in text
    assert f"Fleiss' kappa rests on the {stance.fleiss_units:,} sentences" in text
    assert "KALPHA" in text
    assert expected.replace("'", "&#x27;") in html


def test_apa_numbers_drop_the_leading_zero():
    assert apa(0.8123) == ".81"
    assert apa(-0.123) == "-.12"
    assert apa(1.0) == "1.00"
    assert apa(math.nan) == "undefined"


def test_table_without_bootstrap_says_so():
    labels = synthetic_labels(50, seed=1)
    text = format_table(compute_agreement(labels, SCHEME, bootstrap=0))
    assert "no bootstrap" in text
    assert "n/a" in text


def test_template_ships_in_the_exports_folder():
    assert (data_dir("exports") / TEMPLATE_NAME).is_file()


def test_heatmap_colours_run_from_red_to_green():
    assert colour(0.0) == "#d73027"
    assert colour(1.0) == "#1a9850"
    assert colour(math.nan) == "#e5e7eb"


def test_q_is_bounded_by_the_number_of_resamples():
    assert apa_q(0.0, 1000) == "q < .001"
    assert apa_q(1.0, 1000) == "q > .999"
    assert apa_q(0.24, 1000) == "q = .24"
    assert apa_q(0.004, 1000) == "q = .004"
