"""The export dialog and the worker it runs on, on a real project coded by three coders."""

from __future__ import annotations

import json
import threading
import time
import xml.etree.ElementTree as ET
import zipfile

import pandas as pd
import pytest
from PySide6.QtWidgets import QMessageBox

from desktop.core import store
from desktop.core.errors import UsageError
from desktop.core.export import default_export_path, refusal
from desktop.core.team import set_gold
from desktop.ui import export_dialog
from desktop.ui.export_dialog import ExportDialog
from desktop.ui.workers import Task

CODERS = ("ak", "bm", "cl")
CODED_UNITS = 12


@pytest.fixture
def coded_path(project_path):
    """Three coders code the first units (differing on every fourth); the lead decides
    the stance of the first."""
    db = store.open_project(project_path)
    scheme = store.current_scheme(db)
    units = [store.get_unit_by_seq(db, s).id for s in store.coded_unit_seqs(db)[:CODED_UNITS]]
    for j, coder in enumerate(CODERS):
        store.ensure_coder(db, coder)
        for i, unit_id in enumerate(units):
            for dimension in scheme.dimensions:
                codes = dimension.codes
                value = codes[(i + (j if i % 4 == 0 else 0)) % len(codes)]
                store.set_label(db, unit_id, coder, dimension.id, value)
    set_gold(db, units[0], "stance", "pressure", "ak")
    db.close()
    return project_path


@pytest.fixture
def dialog(qtbot, coded_path, hub_for):
    widget = ExportDialog(hub_for(coded_path, "ak"))
    qtbot.addWidget(widget)
    return widget


def run_export(qtbot, dialog: ExportDialog, target=None) -> None:
    if target is not None:
        dialog.destination.setText(str(target))
    assert dialog.start_export()
    assert not dialog.export_button.isEnabled() and dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.task is None, timeout=5_000)


def read_back(path, fmt: str) -> pd.DataFrame:
    if fmt in ("csv", "csv-excel"):
        return pd.read_csv(path, encoding="utf-8-sig")
    if fmt == "jsonl":
        return pd.read_json(path, lines=True)
    if fmt == "parquet":
        return pd.read_parquet(path)
    if fmt == "xlsx":
        return pd.read_excel(path, sheet_name=0)
    if fmt == "dta":
        return pd.read_stata(path)
    raise AssertionError(fmt)


LABELS = CODED_UNITS * len(CODERS) * 3  # units x coders x dimensions


@pytest.mark.parametrize(
    ("layout", "fmt", "rows"),
    [
        ("long", "csv", LABELS),
        ("long", "dta", LABELS),
        ("wide", "parquet", 127),  # a row per demo sentence
        ("gold", "xlsx", 127),
        ("units", "jsonl", 127),
        ("codebook", "csv-excel", None),
    ],
)
def test_each_layout_and_format_writes_a_file_that_reads_back(
    qtbot, dialog, tmp_path, layout, fmt, rows
):
    dialog.set_choice(layout, fmt)
    target = tmp_path / f"out-{layout}{'.csv' if fmt == 'csv-excel' else '.' + fmt}"
    run_export(qtbot, dialog, target)
    result = dialog.result
    assert result is not None, dialog.result_label.text()
    frame = read_back(target, fmt)
    assert len(frame) == result.rows
    if rows is not None:
        assert result.rows == rows
    assert dialog.result_label.text() == (
        f"Wrote {result.rows:,} rows to {target.name} (in {tmp_path})"
    )
    assert json.loads((tmp_path / f"{target.name}.meta.json").read_text())["layout"] == layout
    if layout == "gold":
        decided = frame[frame["stance_source"] == "adjudicated"]
        assert decided["stance"].tolist() == ["pressure"]


def test_a_refi_codebook_is_xml(qtbot, dialog, tmp_path):
    dialog.set_choice("codebook", "qdc")
    run_export(qtbot, dialog, tmp_path / "scheme.qdc")
    assert ET.parse(tmp_path / "scheme.qdc").getroot().tag.endswith("CodeBook")
    dialog.set_choice("long", "qdpx")
    run_export(qtbot, dialog, tmp_path / "project.qdpx")
    assert "project.qde" in zipfile.ZipFile(tmp_path / "project.qdpx").namelist()


def test_invalid_pairs_are_greyed_out_with_the_reason(dialog):
    dialog.set_choice("codebook", "csv")
    for fmt in ("sav", "dta", "qdpx"):
        assert not dialog.format_enabled(fmt)
        row = dialog.format_combo.findData(fmt)
        assert dialog.format_combo.itemData(row, 3) == refusal("codebook", fmt)  # ToolTipRole
    assert dialog.format_enabled("qdc") and dialog.format_enabled("xlsx")
    dialog.set_choice("long", "csv")
    assert not dialog.format_enabled("qdc") and dialog.format_enabled("qdpx")
    # A refused pair chosen anyway (as the command line would) says why and cannot run.
    dialog.set_choice("wide", "qdpx")
    assert refusal("wide", "qdpx") in dialog.format_help.text()
    assert not dialog.export_button.isEnabled()
    assert not dialog.start_export()


def test_the_default_destination_is_a_folder_beside_the_project(qtbot, dialog, coded_path):
    assert dialog.destination.text() == str(default_export_path(coded_path, "long", "csv"))
    dialog.set_choice("wide", "xlsx")
    expected = default_export_path(coded_path, "wide", "xlsx")
    assert dialog.destination.text() == str(expected)
    assert expected.parent == coded_path.parent / f"{coded_path.stem} exports"
    assert not expected.parent.exists()
    run_export(qtbot, dialog)
    assert expected.is_file()


def test_coder_and_article_filters_limit_the_rows(qtbot, dialog, tmp_path, coded_path):
    dialog.coders.set_checked(["ak", "bm"])
    db = store.open_project(coded_path, readonly=True)
    first_article = store.list_articles(db)[0].id
    db.close()
    dialog.articles.set_checked([first_article])
    run_export(qtbot, dialog, tmp_path / "some.csv")
    frame = pd.read_csv(tmp_path / "some.csv")
    assert set(frame["coder"]) == {"ak", "bm"}
    assert set(frame["article_id"]) == {first_article}
    dialog.coders.set_checked([])
    assert not dialog.export_button.isEnabled()
    assert "coder" in dialog.export_button.toolTip()


def test_cancel_stops_the_export_and_leaves_no_file(qtbot, dialog, tmp_path, monkeypatch):
    entered, pressed = threading.Event(), threading.Event()
    real_export = export_dialog.export

    def held_export(db, *args, progress, **kwargs):
        def wait_for_cancel(done, total):
            entered.set()
            pressed.wait(5)  # hold the worker until the test has pressed Cancel
            return progress(done, total)

        return real_export(db, *args, progress=wait_for_cancel, **kwargs)

    monkeypatch.setattr(export_dialog, "export", held_export)
    out = tmp_path / "out"
    out.mkdir()
    dialog.destination.setText(str(out / "cancelled.csv"))
    assert dialog.start_export()
    assert entered.wait(5)  # the export is running in the worker
    dialog.cancel_button.click()
    assert "Cancelling" in dialog.result_label.text()
    pressed.set()
    qtbot.waitUntil(lambda: dialog.task is None, timeout=5_000)
    assert dialog.result is None
    assert dialog.result_label.text() == "Export cancelled; no file was written."
    assert list(out.iterdir()) == []  # neither the file nor a partial one
    assert dialog.export_button.isEnabled()


def test_an_error_is_one_line_and_nothing_is_overwritten_unasked(
    qtbot, dialog, tmp_path, monkeypatch
):
    run_export(qtbot, dialog, tmp_path / "missing folder" / "labels.csv")
    text = dialog.result_label.text()
    assert "folder does not exist" in text and "Traceback" not in text and "\n" not in text
    target = tmp_path / "labels.csv"
    target.write_text("keep me", encoding="utf-8")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    dialog.destination.setText(str(target))
    assert not dialog.start_export()
    assert target.read_text(encoding="utf-8") == "keep me"


# -- the worker helper -------------------------------------------------------------------


def test_a_task_works_on_its_own_connection_in_another_thread(qtbot, coded_path):
    seen = {}

    def work(db, progress):
        seen["thread"] = threading.get_ident()
        seen["db"] = db
        progress(1, 2)
        return len(store.labels_frame(db))

    task = Task(coded_path, work)
    progress = []
    task.progress.connect(lambda done, total: progress.append((done, total)))
    with qtbot.waitSignal(task.finished, timeout=5_000) as finished:
        task.start()
    assert task.wait()
    assert finished.args == [LABELS]
    assert progress == [(1, 2)]
    assert seen["thread"] != threading.get_ident()
    with pytest.raises(Exception, match="closed"):
        seen["db"].execute("SELECT 1")  # closed in the worker when the work ended


def test_cancelling_a_task_makes_progress_return_false(qtbot, coded_path):
    answers = []

    def work(db, progress):
        for step in range(1_000):
            answer = progress(step, 1_000)
            answers.append(answer)
            if not answer:
                return "stopped"
            time.sleep(0.002)
        return "ran to the end"

    task = Task(coded_path, work)
    task.progress.connect(lambda done, _total: done == 3 and task.cancel())
    finished = []
    task.finished.connect(finished.append)
    with qtbot.waitSignal(task.cancelled, timeout=5_000):
        task.start()
    assert task.wait()
    assert answers[-1] is False and answers.count(False) == 1
    assert finished == []


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (UsageError("no coder zz in this project"), "no coder zz in this project"),
        (ValueError("bad value"), "ValueError: bad value"),
    ],
)
def test_a_failing_task_reports_one_line(qtbot, coded_path, error, message):
    def work(db, progress):
        raise error

    task = Task(coded_path, work)
    with qtbot.waitSignal(task.failed, timeout=5_000) as failed:
        task.start()
    assert task.wait()
    assert failed.args == [message]
