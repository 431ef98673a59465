"""The command line: real commands on real files; errors are one line with exit code 2."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from desktop.cli import main


def run(*args: str) -> subprocess.CompletedProcess:
    """Run ``python -m desktop`` in a child process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args], capture_output=True, text=True, timeout=120
    )


def test_new_import_info_export_round(tmp_path, corpus_dir, capsys):
    project = tmp_path / "study.db"
    assert main(["new", str(project)]) == 0
    assert main(["import", str(project), str(corpus_dir)]) == 0
    out = capsys.readouterr().out
    # The five demo articles: 127 sentences to code (counted in tests/core/test_import.py).
    assert "Imported 5 articles, 127 sentences to code" in out
    assert "5 photo credit" in out and "8 navigation" in out
    assert main(["import", str(project), str(corpus_dir)]) == 0
    assert "5 already present" in capsys.readouterr().out
    assert main(["info", str(project), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["articles"], info["units"], info["labels"]) == (5, 127, 0)
    assert info["scheme"]["id"] == "korea_alliance"

    out_csv = tmp_path / "units.csv"
    assert (
        main(["export", str(project), "--layout", "units", "--format", "csv", "-o", str(out_csv)])
        == 0
    )
    with out_csv.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 127
    assert list(rows[0]) == [
        "unit_id",
        "article_id",
        "article_title",
        "paragraph",
        "sentence",
        "text",
    ]
    meta = json.loads((tmp_path / "units.csv.meta.json").read_text())
    assert meta["rows"] == 127 and meta["scheme"]["id"] == "korea_alliance"


def test_export_to_stdout_as_jsonl(corpus_project, tmp_path, capsys):
    corpus_project.close()
    assert (
        main(
            [
                "export",
                str(tmp_path / "project.stance"),
                "--layout",
                "units",
                "--format",
                "jsonl",
                "-o",
                "-",
            ]
        )
        == 0
    )
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(records) == 127  # the demo articles' sentences
    assert {"unit_id", "article_id", "article_title", "paragraph", "sentence", "text"} <= set(
        records[0]
    )


def test_two_exports_are_identical(corpus_project, tmp_path):
    corpus_project.close()
    project = str(tmp_path / "project.stance")
    for name in ("a.jsonl", "b.jsonl"):
        assert (
            main(
                [
                    "export",
                    project,
                    "--layout",
                    "units",
                    "--format",
                    "jsonl",
                    "-o",
                    str(tmp_path / name),
                ]
            )
            == 0
        )
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_codebook_export(empty_project, tmp_path):
    empty_project.close()
    out = tmp_path / "codebook.csv"
    assert (
        main(
            [
                "export",
                str(tmp_path / "project.stance"),
                "--layout",
                "codebook",
                "--format",
                "csv",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["dimension"], r["category"], r["key"]) for r in rows][:2] == [
        ("stance", "pressure", "1"),
        ("stance", "mixed", "2"),
    ]


def test_scheme_check_ok_and_broken(tmp_path, capsys):
    from desktop.core.resources import default_scheme_path

    assert main(["scheme", "check", str(default_scheme_path())]) == 0
    assert "OK — korea_alliance 1.0, 3 dimensions, 12 categories" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[scheme]\nid = "x"\ntitle = "X"\nversion = "1"\n'
        '[[dimensions]]\nid = "d"\nlabel = "D"\nlevel = "ordinal"\n'
        '[[dimensions.categories]]\ncode = "a"\nlabel = "A"\nkey = "1"\n'
        '[[dimensions.categories]]\ncode = "b"\nlabel = "B"\nkey = "1"\nvalue = 2\n'
    )
    assert main(["scheme", "check", str(bad)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert f"{bad}: dimension 'd', category 'a': missing 'value' on an ordinal scale" in err[0]
    assert any("key '1' is already used" in line for line in err)


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (None, ["info", "{tmp}/missing.stance"], "no such project file"),
        ("text", ["info", "{tmp}/file.txt"], "is not a Stance Coder project"),
        (None, ["new", "{tmp}/nofolder/p.stance"], "the folder for the project does not exist"),
        ("project", ["import", "{tmp}/p.stance", "{tmp}/nothing.txt"], "no such file or folder"),
        (
            "project",
            [
                "export",
                "{tmp}/p.stance",
                "--layout",
                "wrong",
                "--format",
                "csv",
                "-o",
                "{tmp}/x.csv",
            ],
            "unknown layout 'wrong'",
        ),
        (None, ["scheme", "check", "{tmp}/none.toml"], "no such file"),
        (None, ["new", "{tmp}/p.stance", "--scheme", "{tmp}/none.toml"], "no such file"),
    ],
)
def test_errors_are_one_line_with_exit_code_2(tmp_path, setup, args, message):
    if setup == "text":
        (tmp_path / "file.txt").write_text("just text\n" * 20)
    if setup == "project":
        assert run("new", str(tmp_path / "p.stance")).returncode == 0
    result = run(*[a.format(tmp=tmp_path) for a in args])
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr


def test_bad_import_leaves_project_unchanged_from_the_command_line(tmp_path, dump):
    project = tmp_path / "p.stance"
    assert run("new", str(project)).returncode == 0
    (tmp_path / "good.txt").write_text("A title\n\nOne sentence. Two sentences.\n")
    (tmp_path / "bad.jsonl").write_text('{"text": "ok."}\n{oops\n')
    before = dump(project)
    result = run("import", str(project), str(tmp_path / "good.txt"), str(tmp_path / "bad.jsonl"))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"stancecoder: error: {tmp_path / 'bad.jsonl'}: line 2 is not valid JSON "
        "(Expecting property name enclosed in double quotes)"
    )
    assert dump(project) == before


def test_unknown_command_is_one_line():
    result = run("frobnicate")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_demo_project_is_created_once(tmp_path, capsys):
    assert main(["demo"]) == 0
    path = capsys.readouterr().out.strip()
    assert main(["info", path, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["articles"] == 5 and info["units"] > 100
    assert main(["demo"]) == 0
    assert capsys.readouterr().out.strip() == path
