"""``stancecoder model ...`` and ``agreement --models`` on a real project file."""

from __future__ import annotations

import json

import pytest

from desktop.cli import main
from desktop.core import store
from desktop.core.errors import UsageError
from desktop.core.store import machine as mstore


def _units(path):
    db = store.open_project(path)
    try:
        return [u.id for u in mstore.codable_unit_texts(db)]
    finally:
        db.close()


def _gold(path):
    db = store.open_project(path)
    try:
        from desktop.core.store.team import gold_frame

        return gold_frame(db)
    finally:
        db.close()


def _write_predictions_csv(path, gold, *, with_probabilities=True):
    lines = ["unit_id,dimension,value,p_pressure,p_mixed,p_engagement,p_none"]
    for row in gold.itertuples():
        if row.dimension == "stance" and with_probabilities:
            probs = {
                c: (0.7 if c == row.value else 0.1)
                for c in ("pressure", "mixed", "engagement", "none")
            }
            lines.append(
                f"{row.unit_id},{row.dimension},{row.value},"
                + ",".join(str(probs[c]) for c in ("pressure", "mixed", "engagement", "none"))
            )
        else:
            lines.append(f"{row.unit_id},{row.dimension},{row.value},,,,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_import_predictions_stores_a_model_with_probabilities(coded_path, tmp_path, capsys):
    predictions = tmp_path / "preds.csv"
    _write_predictions_csv(predictions, _gold(coded_path))
    assert main(["model", "import", str(coded_path), str(predictions), "--name", "bert"]) == 0
    assert "Imported 432 predictions" in capsys.readouterr().out
    db = store.open_project(coded_path)
    try:
        assert mstore.coder_kind(db, "bert") == "model"
        frame = mstore.model_labels_frame(db, coders=["bert"])
        assert len(frame) == 432
        stance = frame[frame["dimension"] == "stance"].iloc[0]
        probs = json.loads(stance["probabilities"])
        assert probs[stance["value"]] == 0.7 and sum(probs.values()) == pytest.approx(1.0)
        model = mstore.get_model_coder(db, "bert")
        assert model.method == "import" and len(model.basis_hash) == 64
        # Never a human coder: not listed, not packaged, no human may take its name.
        assert "bert" not in [c["id"] for c in store.list_coders(db)]
        with pytest.raises(UsageError):
            store.ensure_coder(db, "bert")
        from desktop.core.team.package import create_package

        with pytest.raises(UsageError):
            create_package(db, "bert", tmp_path / "bert.stancepkg")
    finally:
        db.close()


def test_import_jsonl_with_a_probabilities_object(coded_path, tmp_path):
    gold = _gold(coded_path)
    lines = [
        json.dumps(
            {
                "unit_id": r.unit_id,
                "dimension": r.dimension,
                "value": r.value,
                "probabilities": {r.value: 1.0},
            }
        )
        for r in gold.itertuples()
    ]
    predictions = tmp_path / "preds.jsonl"
    predictions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["model", "import", str(coded_path), str(predictions), "--name", "j"]) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("unit_id,dimension,value\nnot-a-unit,stance,pressure\n", "another corpus"),
        ("unit_id,dimension,value\n{u},stance,pressure\n{u},stance,mixed\n", "twice"),
        ("unit_id,dimension,value\n{u},stance,bogus\n", "unknown category for stance"),
        ("unit_id,dimension,value\n{u},nope,pressure\n", "unknown dimension"),
        ("unit_id,dimension,value,p_pressure\n{u},stance,pressure,1.7\n", "from 0 to 1"),
        ("unit_id,value\n{u},pressure\n", "lacks the column dimension"),
        ('{{"unit_id": "{u}", "dimension": "stance"\n', "not JSON"),
    ],
)
def test_bad_predictions_are_refused_in_one_line_and_change_nothing(
    coded_path, tmp_path, capsys, dump, content, message
):
    unit = _units(coded_path)[0]
    suffix = ".jsonl" if content.startswith("{") else ".csv"
    bad = tmp_path / f"bad{suffix}"
    bad.write_text(content.format(u=unit), encoding="utf-8")
    before = dump(coded_path)
    assert main(["model", "import", str(coded_path), str(bad), "--name", "m"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bad) in err and message in err
    assert dump(coded_path) == before


def test_a_model_stays_out_of_human_agreement_unless_named(coded_path, tmp_path, capsys):
    predictions = tmp_path / "preds.csv"
    _write_predictions_csv(predictions, _gold(coded_path), with_probabilities=False)
    assert main(["model", "import", str(coded_path), str(predictions), "--name", "bot"]) == 0
    capsys.readouterr()
    assert main(["agreement", str(coded_path), "--format", "json", "--bootstrap", "0"]) == 0
    humans_only = json.loads(capsys.readouterr().out)
    assert humans_only["coders"] == ["ana", "ben", "cho"]
    assert (
        main(
            [
                "agreement",
                str(coded_path),
                "--format",
                "json",
                "--bootstrap",
                "0",
                "--coders",
                "ana,bot",
            ]
        )
        == 0
    )
    asked = json.loads(capsys.readouterr().out)
    assert asked["coders"] == ["ana", "bot"]
    assert any("model coders included as asked: bot" in n for n in asked["notes"])


def test_agreement_models_scores_the_model_in_json_table_and_html(coded_path, tmp_path, capsys):
    predictions = tmp_path / "preds.csv"
    _write_predictions_csv(predictions, _gold(coded_path), with_probabilities=False)
    assert main(["model", "import", str(coded_path), str(predictions), "--name", "bot"]) == 0
    capsys.readouterr()
    assert (
        main(["agreement", str(coded_path), "--models", "--format", "json", "--bootstrap", "50"])
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    (model,) = report["models"]
    assert model["id"] == "bot" and model["kind"] == "model"
    stance = model["dimensions"][0]
    gold = next(c for c in stance["comparisons"] if c["reference"] == "gold")
    assert gold["accuracy"] == 1.0 and gold["alpha"] == 1.0  # the predictions are the gold
    assert main(["agreement", str(coded_path), "--models"]) == 0
    assert "[model] bot" in capsys.readouterr().out
    html = tmp_path / "models.html"
    assert (
        main(["agreement", str(coded_path), "--models", "--format", "html", "-o", str(html)]) == 0
    )
    assert "class='model'" in html.read_text(encoding="utf-8")


def test_train_codes_every_unit_out_of_fold_where_it_learnt(coded_path, capsys):
    assert (
        main(
            [
                "model",
                "train",
                str(coded_path),
                "--name",
                "clf",
                "--from",
                "gold",
                "--dimensions",
                "stance",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Trained the model 'clf'" in out and "5-fold by article" in out
    db = store.open_project(coded_path)
    try:
        frame = mstore.model_labels_frame(db, coders=["clf"])
        assert set(frame["dimension"]) == {"stance"}
        assert len(frame) == 144 and frame["out_of_fold"].all()  # gold covers every unit
        model = mstore.get_model_coder(db, "clf")
        assert model.basis == "gold" and "scikit-learn" in model.library_versions
        assert model.report["cross_validation"]["stance"]["folds"] == 5
    finally:
        db.close()
    # Same name again: refused before any work, one line, exit 2.
    assert main(["model", "train", str(coded_path), "--name", "clf"]) == 2
    assert "--replace" in capsys.readouterr().err
    assert main(["model", "train", str(coded_path), "--name", "ana"]) == 2
    assert "human coder" in capsys.readouterr().err


def test_list_and_remove(coded_path, tmp_path, capsys):
    predictions = tmp_path / "preds.csv"
    _write_predictions_csv(predictions, _gold(coded_path), with_probabilities=False)
    main(["model", "import", str(coded_path), str(predictions), "--name", "bot"])
    capsys.readouterr()
    assert main(["model", "list", str(coded_path)]) == 0
    assert "[model] bot  import" in capsys.readouterr().out
    assert main(["model", "remove", str(coded_path), "--name", "bot"]) == 0
    assert main(["model", "remove", str(coded_path), "--name", "bot"]) == 2


def test_info_lists_models_apart_from_the_coders(coded_path, tmp_path, capsys):
    predictions = tmp_path / "preds.csv"
    _write_predictions_csv(predictions, _gold(coded_path), with_probabilities=False)
    main(["model", "import", str(coded_path), str(predictions), "--name", "bot"])
    capsys.readouterr()
    assert main(["info", str(coded_path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["coder_ids"] == ["ana", "ben", "cho"] and info["coders"] == 3
    assert info["model_ids"] == ["bot"]
    assert main(["info", str(coded_path)]) == 0
    assert "Models    1: bot (machine coders)" in capsys.readouterr().out
