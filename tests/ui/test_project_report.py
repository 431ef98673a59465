"""The command line and the agreement view build one report for the same filters.

Both call :func:`desktop.core.project_report.project_report`; these tests hold them to it
on the shipped demo articles coded by three coders, with a reliability sample, an overlap
and curation and calibration notes left out or in.
"""

from __future__ import annotations

import json

import pytest
from test_agreement_view import CODERS, code_project

from desktop.core import store, team
from desktop.core.agreement import report_to_json
from desktop.core.errors import UsageError
from desktop.core.project_report import ReportFilters, project_report
from desktop.ui.agreement_view import compute_view


@pytest.fixture
def coded_path(project_path):
    code_project(project_path)
    db = store.open_project(project_path)
    try:
        team.draw_reliability_sample(db, list(CODERS), count=6, seed=3)
    finally:
        db.close()
    return project_path


def cli_report(path, capsys, *options) -> dict:
    from desktop.cli import main

    capsys.readouterr()
    assert main(["agreement", str(path), "--format", "json", *options]) == 0
    return json.loads(capsys.readouterr().out)


def view_report(path, **choices) -> dict:
    db = store.open_project(path, readonly=True)
    try:
        result = compute_view(db, lambda *_: None, **choices)
    finally:
        db.close()
    return json.loads(json.dumps(report_to_json(result.report)))


@pytest.mark.parametrize(
    ("options", "choices"),
    [
        ((), {"coders": None, "bootstrap": 1000, "reliability_only": False}),
        (
            ("--coders", "ak,bm", "--bootstrap", "0"),
            {"coders": ["ak", "bm"], "bootstrap": 0, "reliability_only": False},
        ),
        (
            ("--reliability-sample", "--bootstrap", "200"),
            {"coders": None, "bootstrap": 200, "reliability_only": True},
        ),
    ],
)
def test_the_command_line_and_the_view_give_one_report(coded_path, capsys, options, choices):
    from_cli = cli_report(coded_path, capsys, *options)
    from_view = view_report(coded_path, **choices)
    assert from_cli == from_view
    # Not empty: three dimensions with a coefficient, and the filter is in the notes.
    assert len(from_cli["dimensions"]) == 3
    assert all(d["units"] > 0 for d in from_cli["dimensions"])
    if choices["reliability_only"]:
        assert any("reliability sample" in n for n in from_cli["notes"])


def test_the_builder_names_an_unknown_coder(coded_path):
    db = store.open_project(coded_path, readonly=True)
    try:
        with pytest.raises(UsageError, match="no labels by coder zz in study"):
            project_report(db, ReportFilters(coders=("ak", "zz")), name="study")
        built = project_report(db, ReportFilters(units="sample", bootstrap=0))
        assert built.unit_ids is not None and len(built.unit_ids) == 6
        assert built.report.dimension("stance").units <= 6
    finally:
        db.close()
