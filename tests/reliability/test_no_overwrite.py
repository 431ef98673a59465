"""Item 1 of issue 15: no export or report is ever written over the project.

`export P -o P` used to print "Wrote 762 rows" and leave a CSV where the project was.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop.core.store import backup
from tests.conftest import project_dump


def _spellings(project: Path, tmp_path: Path) -> list[str]:
    os.chdir(project.parent)
    link = tmp_path / "link.csv"
    link.symlink_to(project)
    hard = tmp_path / "hard.csv"
    os.link(project, hard)
    return [
        str(project),
        f"./././{project.name}",
        f"../{project.parent.name}/{project.name}",
        str(link),
        str(hard),
        f"{project}-wal",
        f"{project}-shm",
        f"{project}.lock",
    ]


@pytest.mark.parametrize(
    "command",
    [
        ("export", "{p}", "--layout", "long", "--format", "csv", "-o", "{o}"),
        ("agreement", "{p}", "--format", "html", "--bootstrap", "0", "-o", "{o}"),
    ],
    ids=["export", "agreement"],
)
def test_an_output_that_is_the_project_or_its_files_is_refused(
    demo_project, tmp_path, run, command, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    before = project_dump(demo_project)
    raw = demo_project.read_bytes()
    for output in _spellings(demo_project, tmp_path):
        argv = [part.format(p=demo_project, o=output) for part in command]
        code, out, err = run(*argv)
        assert code == 2, (output, out, err)
        assert err.count("\n") == 1 and "refused, nothing was written" in err, err
        assert demo_project.read_bytes() == raw
    assert project_dump(demo_project) == before


def test_a_backup_or_another_project_is_never_an_output(demo_project, tmp_path, run):
    made = backup.make_backup(demo_project)
    kept = made.read_bytes()
    code, _, err = run("export", demo_project, "--layout", "long", "--format", "csv", "-o", made)
    assert code == 2 and "refused" in err
    assert made.read_bytes() == kept
    other = tmp_path / "other.stance"
    other.write_bytes(demo_project.read_bytes())
    code, _, err = run("agreement", demo_project, "--bootstrap", "0", "-o", other)
    assert code == 2 and "is a Stance Coder project file" in err
    assert other.read_bytes() == demo_project.read_bytes()


def test_an_ordinary_output_is_still_written(demo_project, tmp_path, run):
    code, _, _ = run(
        "export", demo_project, "--layout", "long", "--format", "csv", "-o", tmp_path / "l.csv"
    )
    assert code == 0 and (tmp_path / "l.csv").read_text(encoding="utf-8").startswith("unit_id")
