"""The Models dialog and the agreement view's Models tab, offscreen, on a real project."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from chat_server import ChatServer

from desktop.core import store
from desktop.core.store import machine as mstore


@pytest.fixture
def hub(qapp, coded_path):
    """The lead's project hub, as the window gives it to the dialog."""
    from desktop.ui.hub import ProjectHub

    hub = ProjectHub.open(coded_path, "lead")
    yield hub
    hub.close()


def _models(path):
    db = store.open_project(path)
    try:
        return {m.id: m for m in mstore.list_model_coders(db)}
    finally:
        db.close()


def test_the_dialog_trains_a_model_with_progress(qtbot, coded_path, hub):
    from desktop.ui.models_dialog import ModelsDialog

    dialog = ModelsDialog(hub)
    qtbot.addWidget(dialog)
    dialog.name.setText("clf")
    dialog.tabs.setCurrentIndex(0)
    dialog.basis.setCurrentIndex(dialog.basis.findData("majority"))
    seen = []
    assert dialog.start()
    dialog.task.progress.connect(lambda done, total: seen.append((done, total)))
    assert not dialog.start_button.isEnabled() and dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.task is None, timeout=120_000)
    assert "Trained 'clf' on the majority labels: 432 labels" in dialog.status.text()
    assert seen and seen[-1][0] == seen[-1][1]
    assert dialog.models.count() == 1 and dialog.models.item(0).text().startswith("[model] clf")
    assert _models(coded_path)["clf"].basis == "majority"


def test_cancel_stops_an_llm_run_and_starting_again_resumes(qtbot, coded_path, hub):
    from desktop.ui.models_dialog import ModelsDialog

    dialog = ModelsDialog(hub)
    qtbot.addWidget(dialog)
    with ChatServer(delay=0.03) as server:
        dialog.name.setText("gpt")
        dialog.tabs.setCurrentIndex(1)
        dialog.endpoint.setText(server.url)
        dialog.llm_model.setText("tiny")
        dialog.units.setCurrentIndex(dialog.units.findData("all"))
        dialog.concurrency.setValue(2)
        assert dialog.start()
        qtbot.waitUntil(lambda: dialog.progress.value() >= 10, timeout=60_000)
        assert "units" in dialog.status.text() and "ETA" in dialog.status.text()
        dialog.cancel_button.click()
        qtbot.waitUntil(lambda: dialog.task is None, timeout=60_000)
        assert dialog.message.startswith("Cancelled")
        db = store.open_project(coded_path)
        try:
            kept = len(mstore.done_units(db, "gpt", 1))
        finally:
            db.close()
        assert 10 <= kept < 144
        asked = len(server.requests)
        assert dialog.start()
        qtbot.waitUntil(lambda: dialog.task is None, timeout=120_000)
    assert "from the cache" in dialog.status.text()
    assert len(server.requests) - asked <= 144 - kept + 2  # at most the two in flight again
    assert _models(coded_path)["gpt"].labels == 432


def test_an_unreachable_endpoint_is_one_line_in_the_dialog(qtbot, coded_path, hub):
    from desktop.ui.models_dialog import ModelsDialog

    dialog = ModelsDialog(hub)
    qtbot.addWidget(dialog)
    with ChatServer() as server:
        url = server.url
    dialog.name.setText("gpt")
    dialog.tabs.setCurrentIndex(1)
    dialog.endpoint.setText(url)
    dialog.llm_model.setText("tiny")
    dialog.units.setCurrentIndex(dialog.units.findData("all"))
    assert dialog.start()
    qtbot.waitUntil(lambda: dialog.task is None, timeout=120_000)
    assert "cannot reach it" in dialog.message and "\n" not in dialog.message
    assert _models(coded_path) == {}


def test_the_models_tab_scores_and_marks_models(qtbot, coded_path, tmp_path):
    from desktop.core.machine.predictions import import_predictions
    from desktop.core.store.team import gold_frame
    from desktop.ui.agreement_models_tab import ModelsTab

    db = store.open_project(coded_path)
    try:
        gold = gold_frame(db)
        predictions = tmp_path / "p.csv"
        predictions.write_text(
            "unit_id,dimension,value\n"
            + "".join(f"{r.unit_id},{r.dimension},{r.value}\n" for r in gold.itertuples()),
            encoding="utf-8",
        )
        import_predictions(db, predictions, name="bot")
    finally:
        db.close()
    tab = ModelsTab(coded_path)
    qtbot.addWidget(tab)
    assert tab.score()
    qtbot.waitUntil(lambda: tab.task is None, timeout=120_000)
    assert "1 model scored against ana, ben, cho" in tab.status.text()
    text = tab.view.toPlainText()
    assert "model bot" in text and "Alternative annotator test" in text
    tab.resize(900, 700)
    tab.grab().save(os.environ.get("MODELS_TAB_PNG", str(tmp_path / "models_tab.png")))


def test_cancelling_a_training_saves_nothing(qtbot, coded_path, dump, hub):
    from desktop.ui.models_dialog import ModelsDialog

    before = dump(coded_path)
    dialog = ModelsDialog(hub)
    qtbot.addWidget(dialog)
    dialog.name.setText("clf")
    dialog.tabs.setCurrentIndex(0)
    assert dialog.start()
    qtbot.waitUntil(lambda: dialog.progress.value() >= 2, timeout=120_000)  # folds running
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: dialog.task is None, timeout=120_000)
    assert dialog.message.startswith("Cancelled")
    assert dump(coded_path) == before
