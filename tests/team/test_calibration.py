"""Issue 21: gold units placed in coders' queues for calibration, blind to other coders."""

from __future__ import annotations

import json
import sqlite3

import pytest
from team_helpers import codable

from desktop.core import store, team
from desktop.core.errors import UsageError
from desktop.core.session import CodingSession
from desktop.core.store import team as team_store
from desktop.core.team import calibration

DIMS = ("stance", "alliance_trust", "china_role")
# Gold of four units, written by hand; no gold value is "none".
GOLD = [
    ("pressure", "strained", "constructive"),
    ("pressure", "solid", "obstructive"),
    ("engagement", "solid", "mixed"),
    ("mixed", "ambivalent", "mixed"),
]
# cyd's own labels: g0-g2 complete (final), g3 only stance (not final).
CYD = [
    ("pressure", "strained", "obstructive"),  # stance yes, trust yes, china no
    ("pressure", "solid", "obstructive"),  # yes, yes, yes
    ("mixed", "solid", "constructive"),  # no, yes, no
    ("mixed", None, None),
]
OTHER = "none"  # bob's value on every dimension: must never reach cyd


@pytest.fixture
def project(tmp_path, scheme):
    """Demo articles, coders ann, bob, cyd and lead; gold on four units; bob coded them."""
    from desktop.core.corpus.importer import import_paths
    from desktop.core.resources import demo_articles_dir

    path = tmp_path / "project.stance"
    db = store.create_project(path, scheme)
    import_paths(db, [demo_articles_dir()])
    for coder in ("ann", "bob", "cyd", "lead"):
        store.ensure_coder(db, coder)
    team.set_lead(db, "lead")
    units = codable(db)[:5]
    for i, values in enumerate(GOLD):
        for dimension, value in zip(DIMS, values, strict=True):
            team.set_gold(db, units[i], dimension, value, "lead", f"R{i} {dimension}")
            store.set_label(db, units[i], "bob", dimension, OTHER)
    yield db, path, units
    db.close()


def code_through_session(db, coder, unit, values):
    session = CodingSession(db, coder, auto_advance=False)
    session.go_to_unit(unit)
    assert session.unit.id == unit
    for dimension, value in zip(DIMS, values, strict=True):
        if value is not None:
            session.choose(dimension, value)
    session.close()


def placed(project_fixture):
    db, _, units = project_fixture
    round_id = calibration.place_gold_calibration(db, ["cyd", "ann"], 4, seed=3, who="lead")
    for unit, values in zip(units, CYD, strict=False):
        code_through_session(db, "cyd", unit, values)
    code_through_session(db, "ann", units[0], GOLD[0])
    return round_id


def test_gold_units_go_into_each_queue_hidden_among_the_rest(project):
    db, _, units = project
    team.split_remaining(db, ["ann", "cyd"], seed=1)
    round_id = calibration.place_gold_calibration(db, ["cyd"], 2, seed=3)
    # cyd was assigned two of the four gold units in the split; the other two remain.
    mine = {u for u, c in team_store.round_assignments(db, round_id)}
    free = set(units[:4]) - {u for u, c in team_store.kind_assignments(db, "split", "cyd")}
    assert mine == free and len(mine) == 2
    queue = team_store.coder_queue_seqs(db, "cyd")
    assert queue == sorted(queue)  # in project order, among the split units
    with pytest.raises(UsageError, match="coder cyd has 0 gold unit"):
        calibration.place_gold_calibration(db, ["cyd"], 1)


def test_a_coder_sees_only_her_own_agreement_with_gold(project):
    db, _, units = project
    placed(project)
    feedback = calibration.coder_feedback(db, "cyd")
    # Hand-computed from GOLD and CYD: three final units (g3 lacks two dimensions).
    scores = {s.dimension: (s.agree, s.units) for s in feedback.scores}
    assert scores == {"stance": (2, 3), "alliance_trust": (3, 3), "china_role": (1, 3)}
    assert feedback.summary() == "Gold check: stance 2/3, alliance_trust 3/3, china_role 1/3"
    assert set(feedback.units) == set(units[:3])  # not g3 before it is final
    (china,) = [v for v in feedback.units[units[0]] if v.dimension == "china_role"]
    assert (china.gold, china.own, china.rationale) == (
        "constructive",
        "obstructive",
        "R0 china_role",
    )
    # bob's labels on the same units are in the project but reach cyd nowhere.
    assert OTHER not in repr(feedback) and "bob" not in repr(feedback)
    assert calibration.coder_feedback(db, "bob").summary() == ""  # bob has no gold units


def test_a_package_carries_the_gold_of_its_coders_calibration_units_only(project, tmp_path):
    db, _, units = project
    placed(project)
    team.set_gold(db, units[4], "stance", "engagement", "lead", "SECRET-FIFTH")
    team.create_package(db, "cyd", tmp_path / "cyd.stance")
    conn = sqlite3.connect(tmp_path / "cyd.stance")
    try:
        gold = conn.execute("SELECT unit_id, adjudicator FROM gold_labels").fetchall()
        coders = {r[0] for r in conn.execute("SELECT coder_id FROM labels")}
        values = {r[0] for r in conn.execute("SELECT value FROM labels")}
    finally:
        conn.close()
    assert {u for u, _ in gold} == set(units[:4]) and {a for _, a in gold} == {""}
    assert coders == {"cyd"} and OTHER not in values
    assert b"SECRET-FIFTH" not in (tmp_path / "cyd.stance").read_bytes()
    # Offline feedback in the package equals the feedback in the lead's project.
    package = store.open_project(tmp_path / "cyd.stance")
    try:
        assert calibration.coder_feedback(package, "cyd") == calibration.coder_feedback(db, "cyd")
    finally:
        package.close()


def test_merging_a_package_back_never_changes_the_gold(project, tmp_path):
    db, _, _ = project
    placed(project)
    team.create_package(db, "cyd", tmp_path / "cyd.stance")
    tampered = sqlite3.connect(tmp_path / "cyd.stance")
    tampered.execute(
        "UPDATE gold_labels SET value = 'mixed', decided_at = '2999-01-01T00:00:00Z' "
        "WHERE dimension = 'stance'"
    )
    tampered.commit()
    tampered.close()
    before = team_store.gold_rows(db)
    team.merge_files(db, [tmp_path / "cyd.stance"], who="lead")
    assert team_store.gold_rows(db) == before


def test_the_lead_sees_accuracy_per_coder_category_and_month(project):
    db, _, _ = project
    placed(project)
    frame = calibration.calibration_frame(db)
    by_dim = calibration.accuracy_table(frame, ["coder", "dimension"])
    got = {(r.coder, r.dimension): (r.agree, r.units) for r in by_dim.itertuples()}
    assert got == {
        ("ann", "alliance_trust"): (1, 1),
        ("ann", "china_role"): (1, 1),
        ("ann", "stance"): (1, 1),
        ("cyd", "alliance_trust"): (3, 3),
        ("cyd", "china_role"): (1, 3),
        ("cyd", "stance"): (2, 3),
    }
    by_cat = calibration.accuracy_table(frame, ["coder", "dimension", "gold"])
    stance = {
        r.gold: (r.agree, r.units)
        for r in by_cat.itertuples()
        if (r.coder, r.dimension) == ("cyd", "stance")
    }
    assert stance == {"pressure": (2, 2), "engagement": (0, 1)}
    by_month = calibration.accuracy_table(frame, ["coder", "month"])
    (cyd,) = [r for r in by_month.itertuples() if r.coder == "cyd"]
    assert (cyd.agree, cyd.units, cyd.accuracy) == (6, 9, pytest.approx(6 / 9))


def test_calibration_codings_are_left_out_of_agreement_and_the_report_says_so(project, capsys):
    from desktop.cli import main

    db, path, _ = project
    placed(project)
    labels = store.labels_frame(db)
    kept, note = calibration.drop_calibration_labels(db, labels)
    # cyd's 4 units (9 + 1 labels) and ann's one unit (3 labels) leave; bob's 12 stay.
    assert len(labels) - len(kept) == 13 and set(kept["coder"]) == {"bob"}
    assert "5 codings of 4 gold units" in note
    capsys.readouterr()
    args = ["agreement", str(path), "--format", "json", "--bootstrap", "0", "--no-drift"]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert any(n.startswith("Gold calibration codings are excluded") for n in report["notes"])
    # No unit is pairable once the calibration codings are out: bob alone remains.
    assert all(d["units"] == 0 for d in report["dimensions"])
    rows = {(r["coder"], r["dimension"]): r["accuracy"] for r in report["calibration"]}
    assert rows[("cyd", "stance")] == pytest.approx(2 / 3)
    html = tmp_html(path, capsys)
    assert "<h2>Calibration against gold</h2>" in html and "Gold calibration codings" in html
    assert main(["calibration", str(path)]) == 0
    out = capsys.readouterr().out
    assert "cyd" in out and "2/3" in out


def tmp_html(path, capsys):
    from desktop.cli import main

    out = path.with_suffix(".html")
    args = ["agreement", str(path), "--format", "html", "-o", str(out), "--bootstrap", "0"]
    assert main(args) == 0
    capsys.readouterr()
    return out.read_text(encoding="utf-8")
