"""The lead's agreement view on a real project (the demo articles) coded by three coders."""

from __future__ import annotations

import math
import re

import pytest
from PySide6.QtCore import Qt

from desktop.core import store, team
from desktop.core.agreement import compute_agreement, filter_labels
from desktop.core.agreement.compute import DEFAULT_SEED
from desktop.core.agreement.text import fmt
from desktop.ui.agreement_models import CodedUnitRole, ValueRole
from desktop.ui.agreement_view import AgreementView, SummaryModel, default_report_path

CODERS = ("ak", "bm", "cl")
CODED_UNITS = 24
ALPHA = SummaryModel.HEADERS.index("α")
CI = SummaryModel.HEADERS.index("95% CI")


def code_project(path) -> list[str]:
    """Three coders code the first units; every fourth unit they disagree on every
    dimension. bm notes and cl flags the first unit, whose stance the lead decides."""
    db = store.open_project(path)
    try:
        scheme = store.current_scheme(db)
        seqs = store.coded_unit_seqs(db)[:CODED_UNITS]
        units = [store.get_unit_by_seq(db, seq).id for seq in seqs]
        for coder in CODERS:
            store.ensure_coder(db, coder)
        for i, unit_id in enumerate(units):
            for j, coder in enumerate(CODERS):
                for dimension in scheme.dimensions:
                    shift = j if i % 4 == 0 else 0
                    codes = dimension.codes
                    store.set_label(
                        db, unit_id, coder, dimension.id, codes[(i + shift) % len(codes)]
                    )
        store.set_note(db, units[0], "bm", "reads as conditional talks")
        store.set_unsure(db, units[0], "cl", True)
        team.set_gold(db, units[0], "stance", "pressure", "ak")
    finally:
        db.close()
    return units


@pytest.fixture
def coded_path(project_path):
    code_project(project_path)
    return project_path


@pytest.fixture
def view(qtbot, coded_path):
    widget = AgreementView(coded_path)
    qtbot.addWidget(widget)
    return widget


def computed(qtbot, view: AgreementView):
    with qtbot.waitSignal(view.computed, timeout=5_000) as blocker:
        assert view.compute()
    qtbot.waitUntil(lambda: view.task is None)
    return blocker.args[0]


def direct_report(path, coders=None, unit_ids=None, bootstrap=1000):
    db = store.open_project(path, readonly=True)
    try:
        labels = filter_labels(store.labels_frame(db), coders=coders, unit_ids=unit_ids)
        return compute_agreement(
            labels,
            store.current_scheme(db),
            coders=coders,
            bootstrap=bootstrap,
            seed=DEFAULT_SEED,
            articles=store.unit_articles(db),
        )
    finally:
        db.close()


def test_compute_shows_the_same_alpha_and_interval_as_the_core(qtbot, view, coded_path):
    assert view.busy.isHidden()
    result = computed(qtbot, view)
    assert view.busy.isHidden() and view.compute_button.text() == "Compute"
    expected = direct_report(coded_path)
    model = view.summary
    assert model.rowCount() == len(expected.dimensions) == 3
    for row, d in enumerate(expected.dimensions):
        alpha = model.data(model.index(row, ALPHA), ValueRole)
        assert math.isclose(alpha, d.alpha, rel_tol=1e-12)
        assert model.data(model.index(row, ALPHA)) == fmt(d.alpha)
        assert model.data(model.index(row, CI), ValueRole) == pytest.approx(d.alpha_ci95)
    assert result.report.coders == CODERS
    assert "3 coders" in view.status.text()


def test_charts_paint_for_every_dimension_and_before_computing(qtbot, view):
    charts = (view.heatmap, view.coincidence, view.drift)
    view.resize(1024, 700)
    for chart in charts:  # before Compute: a message in place of the chart
        assert not chart.grab().isNull()
    computed(qtbot, view)
    for row in range(view.summary.rowCount()):
        view.summary_view.selectRow(row)
        d = view.current_dimension()
        assert view.heatmap.kappa(0, 1) == d.pairs[0].cohen_kappa
        assert view.coincidence.value(0, 0) == d.coincidence.matrix[0, 0]
        for mode in range(view.drift_combo.count()):
            view.drift_combo.setCurrentIndex(mode)
            for chart in charts:
                image = chart.grab().toImage()
                assert not image.isNull() and image.width() > 100
    assert view.coder_model.rowCount() == len(CODERS)


def test_disagreement_list_holds_every_disputed_unit_and_dimension(qtbot, view, coded_path):
    computed(qtbot, view)
    db = store.open_project(coded_path, readonly=True)
    expected = [(u.unit_id, u.dimension) for u in team.list_disagreements(db)]
    db.close()
    model = view.disagreements
    rows = [model.data(model.index(r, 0), CodedUnitRole) for r in range(model.rowCount())]
    assert [(u.unit_id, u.dimension) for u in rows] == expected
    assert len(expected) == (CODED_UNITS // 4) * 3
    assert view.tabs.tabText(1) == f"Disagreements ({len(expected)})"
    # One of them has a gold value; the dimension filter keeps one dimension.
    view.undecided_box.setChecked(True)
    assert model.rowCount() == len(expected) - 1
    view.dimension_filter.setCurrentIndex(view.dimension_filter.findData("china_role"))
    assert model.rowCount() == CODED_UNITS // 4
    assert {model.data(model.index(r, 1), ValueRole) for r in range(model.rowCount())} == {
        "china_role"
    }


def test_the_comparison_shows_each_coders_value_flag_and_note(qtbot, view, coded_path):
    computed(qtbot, view)
    model = view.disagreements
    first = model.data(model.index(0, 0), CodedUnitRole)
    assert first.dimension == "stance" and first.gold == "pressure"
    assert model.data(model.index(0, 3)) == "1  Pressure"  # ak's column
    assert model.data(model.index(0, 4)) == "2  Pressure and engagement ✎"
    dialog = view.open_comparison(0)
    qtbot.addWidget(dialog)
    assert {c: label.text() for c, label in dialog.value_labels.items()} == {
        "ak": "1  Pressure",
        "bm": "2  Pressure and engagement",
        "cl": "3  Engagement",
    }
    assert "conditional talks" in dialog.note_labels["bm"].text()
    assert "Pressure" in dialog.gold_label.text()
    assert [c for c, label in dialog.unsure_labels.items() if label.isVisibleTo(dialog)] == ["cl"]
    assert first.text in dialog.body.toPlainText()


def test_html_export_writes_one_file_with_the_same_alpha(qtbot, view, tmp_path, coded_path):
    assert view.export_report(tmp_path / "report.html") is None  # nothing computed yet
    computed(qtbot, view)
    path = view.export_report(tmp_path / "report.html")
    text = path.read_text(encoding="utf-8")
    assert "<script" not in text and "src=" not in text
    expected = direct_report(coded_path)
    for d in expected.dimensions:
        row = re.search(
            rf'<td class="text">{d.id}</td><td class="text">\w+</td><td>([^<]+)</td>', text
        )
        assert row and row.group(1) == fmt(d.alpha)
    assert default_report_path(coded_path) == (
        coded_path.parent / "sample exports" / "sample-agreement.html"
    )


def test_a_subset_of_coders_and_the_reliability_sample(qtbot, view, coded_path):
    view.coders.set_checked(["ak", "bm"])
    view.bootstrap_combo.setCurrentIndex(view.bootstrap_combo.findData(0))
    result = computed(qtbot, view)
    assert result.report.coders == ("ak", "bm")
    expected = direct_report(coded_path, coders=["ak", "bm"], bootstrap=0)
    assert view.summary.data(view.summary.index(0, ALPHA), ValueRole) == pytest.approx(
        expected.dimensions[0].alpha
    )
    assert view.summary.data(view.summary.index(0, CI)) == "n/a"
    # Without a sample, the reason shows as one line.
    view.sample_box.setChecked(True)
    assert view.compute()
    qtbot.waitUntil(lambda: view.task is None)
    assert "no reliability sample" in view.error and "Traceback" not in view.status.text()
    db = store.open_project(coded_path)
    team.draw_reliability_sample(db, ["ak", "bm"], count=12, seed=3)
    sample = set(store.corpus.reliability_unit_ids(db))
    db.close()
    result = computed(qtbot, view)
    expected = direct_report(coded_path, coders=["ak", "bm"], unit_ids=sample, bootstrap=0)
    for got, want in zip(result.report.dimensions, expected.dimensions, strict=True):
        assert got.alpha == pytest.approx(want.alpha, nan_ok=True)
    assert all(u.unit_id in sample for u in result.disagreements)


def test_compute_needs_two_coders(view):
    view.coders.set_checked(["ak"])
    assert not view.compute_button.isEnabled()
    assert not view.compute()
    view.coders.set_checked(None)
    assert view.compute_button.isEnabled()


def test_everything_fits_a_1024_by_700_window(qtbot, view):
    view.resize(1024, 700)
    view.show()
    qtbot.waitExposed(view)
    computed(qtbot, view)
    view.summary_view.selectRow(0)
    assert not view.grab().isNull()
    assert not view.summary_view.horizontalScrollBar().isVisible()
    assert not view.summary_view.verticalScrollBar().isVisible()
    for chart in (view.heatmap, view.coincidence, view.drift):
        assert chart.width() >= 250 and chart.height() >= 160


def test_summary_flags_a_thin_interval_and_says_how_many_resamples_counted(qtbot):
    # Issue 18, points 4 and 5: 30 pairable units (fewer than 100) get the warning mark
    # and its reason in the tooltip, with the usable resamples out of those drawn.
    import pandas as pd

    from desktop.core.resources import default_scheme_path
    from desktop.core.scheme import load_scheme

    rows = [
        (f"u{i}", coder, "china_role", ("constructive", "obstructive", "mixed")[i % 3])
        for i in range(30)
        for coder in ("ana", "ben")
    ]
    rows[1] = ("u0", "ben", "china_role", "mixed")
    labels = pd.DataFrame(rows, columns=["unit_id", "coder", "dimension", "value"])
    report = compute_agreement(labels, load_scheme(default_scheme_path()), bootstrap=200)
    model = SummaryModel()
    model.set_report(report)
    row = [d.id for d in report.dimensions].index("china_role")
    d = report.dimensions[row]
    assert d.alpha_units == 30 and d.alpha_ci95_warning.startswith("only 30 pairable units")
    ci = model.index(row, 3)
    assert model.data(ci).endswith(" !")
    tip = model.data(ci, Qt.ItemDataRole.ToolTipRole)
    assert f"{d.bootstrap_usable:,} of 200 bootstrap resamples of units usable" in tip
    assert d.alpha_ci95_warning in tip


def test_each_dimension_shows_the_planners_answer(qtbot, view, coded_path):
    # Issue 21: the view says, per dimension, what the planner (the same function as
    # `stancecoder plan`) says about the sample size.
    from desktop.core.agreement.planner import plan_agreement, plan_summary

    computed(qtbot, view)
    db = store.open_project(coded_path, readonly=True)
    try:
        expected = {
            p.dimension: p for p in plan_agreement(store.labels_frame(db), store.current_scheme(db))
        }
    finally:
        db.close()
    for row in range(view.summary.rowCount()):
        view.summary_view.selectRow(row)
        d = view.current_dimension()
        assert view.plan_label.text() == plan_summary(expected[d.id])
        assert view.plan_label.text().startswith("Sample size: ")
        assert view.plan_label.toolTip() == expected[d.id].reason


def test_the_exported_report_shows_the_planners_line_of_the_view(qtbot, view):
    # Issue 21: the HTML report carries, per dimension, the line the view shows.
    computed(qtbot, view)
    page = view.report_html()
    for row in range(view.summary.rowCount()):
        view.summary_view.selectRow(row)
        d = view.current_dimension()
        section = page.split(f'<h2 id="dim-{d.id}">', 1)[1].split("<h2", 1)[0]
        assert f'<p class="plan">{view.plan_label.text()}</p>' in section


def test_the_view_computes_over_the_overlap_the_sample_or_both(qtbot, tmp_path, scheme):
    # Issue 21: the view's choice of units, as `agreement --units overlap|sample|both`.
    from desktop.core.corpus.importer import import_paths
    from desktop.core.resources import demo_articles_dir

    path = tmp_path / "demo.stance"
    db = store.create_project(path, scheme)
    import_paths(db, [demo_articles_dir()])
    for coder in ("ak", "bm"):
        store.ensure_coder(db, coder)
    sample = set(
        u for u, _ in team_store_round(db, team.draw_reliability_sample(db, ["ak", "bm"], count=8))
    )
    team.split_remaining(db, ["ak", "bm"], overlap=0.1, seed=6)
    overlap = set(team.overlap_unit_ids(db))
    for unit in sample | overlap:
        for coder in ("ak", "bm"):
            store.set_label(db, unit, coder, "stance", "pressure")
    db.close()
    view = AgreementView(path)
    qtbot.addWidget(view)
    view.bootstrap_combo.setCurrentIndex(view.bootstrap_combo.findData(0))
    expected = {(False, True): overlap, (True, False): sample, (True, True): sample | overlap}
    for (sample_only, overlap_only), units in expected.items():
        view.sample_box.setChecked(sample_only)
        view.overlap_box.setChecked(overlap_only)
        result = computed(qtbot, view)
        assert result.report.dimension("stance").units == len(units)
        assert any(f"Only the {len(units)} units" in n for n in result.report.notes)
    assert len(overlap) == round(0.1 * 119) == 12


def team_store_round(db, round_id):
    from desktop.core.store import team as team_store

    return team_store.round_assignments(db, round_id)
