"""The team commands through desktop.cli.main: output a lead reads, one-line errors."""

from __future__ import annotations

from team_helpers import codable, scheme_variant

from desktop.core import store


def test_a_study_from_the_command_line(cli, tmp_path, corpus_dir, scheme):
    project = tmp_path / "study.stance"
    assert cli("new", project)[0] == 0
    assert cli("import", project, corpus_dir)[0] == 0
    code, out, _ = cli(
        "coders",
        project,
        "--add",
        "ann=Ann Lee",
        "--add",
        "bob",
        "--add",
        "lead",
        "--lead",
        "lead",
        "--allow-unassigned",
        "no",
    )
    assert code == 0 and "lead         lead  (lead)" in out and "may not code" in out
    code, out, _ = cli("sample", project, "--coders", "ann,bob", "--share", "0.2", "--seed", "5")
    # 25 of the 127 demo sentences, 5 from each article (see test_assign).
    assert code == 0 and "Round reliability-1: 25 units, seed 5" in out
    assert "per article: 2295475ef10a 5, 67a4d418c32f 5, a5cd3cfce159 5" in out
    code, out, _ = cli("split", project, "--coders", "ann,bob", "--seed", "5")
    assert "Round split-2: 102 units" in out and "per coder:   ann 51, bob 51" in out
    code, out, _ = cli("package", project, "--coder", "ann", "-o", tmp_path / "ann.stance")
    assert code == 0 and "76 assignments" in out  # 25 in the sample, 51 of the split

    db = store.open_project(project)
    unit = codable(db)[0]
    db.close()
    package = store.open_project(tmp_path / "ann.stance")
    store.set_label(package, unit, "ann", "stance", "mixed")
    package.close()
    code, out, _ = cli("merge", project, tmp_path / "ann.stance", "--who", "lead")
    assert code == 0 and "labels 1 new, 0 updated, 0 unchanged; 0 conflicts" in out
    code, out, _ = cli("merge", project, tmp_path / "ann.stance")
    assert "nothing new (already merged)" in out
    code, out, _ = cli("progress", project)
    assert code == 0 and "ann" in out and "reliability" in out

    db = store.open_project(project)
    store.set_label(db, unit, "bob", "stance", "pressure")
    db.close()
    code, out, _ = cli("adjudicate", project, "--accept", "unanimous", "--who", "lead", "--list")
    assert "Accepted 0 unanimous values" in out and "1 unit-dimensions still to adjudicate" in out
    assert f"{unit} stance          ann=mixed  bob=pressure" in out
    code, out, _ = cli("gold", project, unit, "stance", "mixed", "--who", "lead")
    assert code == 0 and "- -> mixed" in out
    assert cli("unlock", project, "--who", "lead")[1] == "Comparison unlocked.\n"

    newer = tmp_path / "v11.toml"
    newer.write_text(scheme_variant(scheme, "1.1", drop=("stance", "mixed")).source)
    code, _, err = cli("scheme-apply", project, newer)
    assert code == 2 and err.count("\n") == 1
    assert "category 'mixed' is removed but 2 labels use it" in err
    code, out, _ = cli("scheme-apply", project, newer, "--map", "stance:mixed=engagement")
    assert code == 0 and "removed category stance:mixed, 2 labels" in out
    assert "1 labels and 1 gold labels remapped." in out


def test_user_errors_are_one_line_with_exit_code_2(cli, tmp_path, corpus_project):
    project = tmp_path / "project.stance"
    code, _, err = cli("sample", project, "--coders", "zed")
    assert code == 2 and "unknown coder zed" in err and err.count("\n") == 1
    code, _, err = cli("merge", project, tmp_path / "missing.stance")
    assert code == 2 and "missing.stance: no such project file" in err
    code, _, err = cli("unlock", project, "--who", "x")
    assert code == 2 and "no lead is marked" in err
    code, _, err = cli("scheme-apply", project, tmp_path / "none.toml", "--map", "oops")
    assert code == 2 and err.count("\n") == 1
