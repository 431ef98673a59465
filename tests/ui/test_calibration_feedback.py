"""Issue 21: the coder's own agreement with gold in the coding window's status bar."""

from __future__ import annotations

from desktop.core import store, team
from desktop.core.session import Phase
from desktop.core.store import team as team_store
from desktop.core.team.calibration import place_gold_calibration
from desktop.ui.main_window import MainWindow

GOLD = {"stance": "pressure", "alliance_trust": "solid", "china_role": "obstructive"}
MINE = {"stance": "pressure", "alliance_trust": "strained", "china_role": "obstructive"}


def test_after_coding_a_gold_unit_the_coder_sees_her_agreement_and_the_gold(
    qtbot, press, tmp_path, scheme
):
    from desktop.core.corpus.importer import import_paths
    from desktop.core.resources import demo_articles_dir

    path = tmp_path / "demo.stance"
    db = store.create_project(path, scheme)
    import_paths(db, [demo_articles_dir()])
    for coder in ("cy", "dd", "lead"):
        store.ensure_coder(db, coder)
    team.set_lead(db, "lead")
    team.split_remaining(db, ["cy", "dd"], seed=2)
    gold_unit = next(u for u, c in team_store.kind_assignments(db, "split", "dd"))
    for dimension, value in GOLD.items():
        team.set_gold(db, gold_unit, dimension, value, "lead", f"because {dimension}")
        store.set_label(db, gold_unit, "dd", dimension, "none")  # dd's label: never shown
    place_gold_calibration(db, ["cy"], 1, seed=1)
    db.close()

    window = MainWindow(path, "cy")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.waitUntil(lambda: window.focusWidget() is window.centre)
    feedback = window.calibration_feedback
    assert not feedback.isVisible()  # nothing coded yet: nothing to show
    window._perform(window.session.go_to_unit, gold_unit)
    qtbot.waitUntil(lambda: window.session.phase is Phase.SHOWING)
    keys = {(d.id, c.code): c.key for d in window.scheme.dimensions for c in d.categories}
    for dimension, value in MINE.items():
        press(window, keys[(dimension, value)])
    qtbot.waitUntil(feedback.isVisible)
    assert feedback.text() == "Gold check: stance 1/1, alliance_trust 0/1, china_role 1/1"
    tip = feedback.toolTip()
    assert "gold <b>solid</b>, yours strained" in tip and "because alliance_trust" in tip
    assert "none" not in tip and "dd" not in tip
    # A label on a unit that is not a gold unit changes no feedback; the tooltip goes
    # back to the summary's.
    qtbot.waitUntil(lambda: window.session.unit.id != gold_unit)
    press(window, "1")
    assert window.session.labels.get("stance") == "pressure"
    qtbot.waitUntil(lambda: not window.after_frame.pending)  # drawn after the frame
    assert feedback.text() == "Gold check: stance 1/1, alliance_trust 0/1, china_role 1/1"
    assert feedback.toolTip().startswith("Your own agreement with gold")
    window.close()
