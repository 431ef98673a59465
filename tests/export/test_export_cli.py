"""``stancecoder export`` from the command line: every pair that makes no sense is refused
in one line with exit code 2, before the project is touched."""

from __future__ import annotations

import json

import pytest

from desktop.cli import main
from desktop.core.export import FORMATS, LAYOUTS, refusal

REFUSED = [(la, fm) for la in LAYOUTS for fm in FORMATS if refusal(la, fm)]
REASONS = {
    "qdc": "a .qdc file holds only a codebook; use --layout codebook",
    "qdpx": "a REFI-QDA project holds each coder's codings; use --layout long",
    "sav": "the codebook travels inside SPSS files as value labels",
    "dta": "the codebook travels inside Stata files as value labels",
}


@pytest.mark.parametrize(("layout", "fmt"), REFUSED, ids=[f"{la}-{fm}" for la, fm in REFUSED])
def test_senseless_pairs_are_refused_in_one_line(project_path, tmp_path, capsys, dump, layout, fmt):
    before = dump(project_path)
    out = tmp_path / f"x{FORMATS[fmt].suffix}"
    args = ["export", str(project_path), "--layout", layout, "--format", fmt, "-o", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"stancecoder: error: the {layout} layout cannot be written as {fmt}")
    assert REASONS[fmt] in err[0]
    assert not out.exists() and dump(project_path) == before


def test_refused_pairs_are_exactly_the_documented_ones():
    assert sorted(REFUSED) == sorted(
        [(la, "qdc") for la in ("long", "wide", "gold", "units")]
        + [(la, "qdpx") for la in ("wide", "gold", "units", "codebook")]
        + [("codebook", "sav"), ("codebook", "dta")]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--layout", "long", "--format", "parquet", "-o", "-"], "parquet cannot go to standard"),
        (["--layout", "long", "-o", "{tmp}/x.txt"], "say which --format to write"),
        (["--layout", "long", "--format", "csv", "-o", "{tmp}/no/x.csv"], "does not exist"),
        (["--layout", "long", "--format", "csv", "-o", "{tmp}"], "is a folder"),
        (["--layout", "long", "--format", "xml", "-o", "{tmp}/x.xml"], "unknown format 'xml'"),
        (["--layout", "long", "-o", "{tmp}/x.csv", "--coders", "zed"], "no coder zed"),
    ],
)
def test_bad_requests_are_one_line_errors(project_path, tmp_path, capsys, args, message):
    argv = ["export", str(project_path), *[a.format(tmp=tmp_path) for a in args]]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_format_follows_the_file_extension(project_path, tmp_path, capsys):
    for suffix, fmt in ((".parquet", "parquet"), (".sav", "sav"), (".qdpx", "qdpx")):
        out = tmp_path / f"long{suffix}"
        assert main(["export", str(project_path), "--layout", "long", "-o", str(out)]) == 0
        assert json.loads((tmp_path / f"long{suffix}.meta.json").read_text())["format"] == fmt
    assert "Wrote 276 rows to" in capsys.readouterr().out


def test_gold_to_standard_output_as_jsonl(project_path, capsys):
    argv = ["export", str(project_path), "--layout", "gold", "--format", "jsonl", "-o", "-"]
    assert main(argv) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 131  # 127 demo sentences and 4 of the formula article
    assert (rows[0]["stance"], rows[0]["stance_source"]) == ("mixed", "adjudicated")
