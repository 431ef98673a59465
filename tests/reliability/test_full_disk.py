"""Item 10 of issue 15: a full disk or a read-only file is one line, exit 2, and the
project stays as it was.

The project lives on a small tmpfs mounted by the test (root only: CI runs as root),
filled up to a few kilobytes before each command. Before, these ended in "unexpected
error: OperationalError ..." with exit 1.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from desktop.core import store, team
from desktop.core.resources import default_scheme_path
from tests.conftest import project_dump


def _fill(folder: Path, leave: int) -> Path:
    """Fill the file system of ``folder`` until ``leave`` bytes are free."""
    filler = folder / "filler.bin"
    stats = os.statvfs(folder)
    free = stats.f_bavail * stats.f_frsize
    with filler.open("wb") as out:
        out.write(b"\0" * max(free - leave, 0))
    return filler


def _big_article(path: Path) -> Path:
    lines = [f"The envoys met for round {i} and the alliance held for now." for i in range(40_000)]
    path.write_text("Long talks\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def _one_line(code: int, err: str, says: str) -> None:
    assert code == 2, err
    assert err.count("\n") == 1 and says in err, err
    assert "unexpected error" not in err and "Traceback" not in err


@pytest.fixture
def on_disk(demo_project, disk, tmp_path):
    """The demo project on the small disk, with ann's package and a labels file beside."""
    project = disk / demo_project.name
    shutil.copyfile(demo_project, project)
    db = store.open_project(project)
    store.ensure_coder(db, "ann")
    units = [r[0] for r in db.execute("SELECT id FROM units WHERE excluded = 0 ORDER BY seq")]
    package = tmp_path / "ann.stance"
    team.create_package(db, "ann", package)
    db.close()
    pkg = store.open_project(package)
    with store.write_transaction(pkg):
        for unit in units:
            for dim, value in (("stance", "mixed"), ("china_role", "none")):
                store.labels.write_label_row(pkg, unit, "ann", dim, value, "code", seconds=2.0)
    pkg.close()
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "unit_id,coder,dimension,value,note\n"
        + "".join(f"{u},cy,stance,pressure,{'n' * 200}\n" for u in units),
        encoding="utf-8",
    )
    scheme2 = tmp_path / "scheme2.toml"
    long_description = "Coding notes. " * 30_000  # a scheme change that writes 400 KB
    scheme2.write_text(
        default_scheme_path()
        .read_text(encoding="utf-8")
        .replace('version = "1.0"', 'version = "2.0"', 1)
        .replace('label = "Pressure"', 'label = "Pressure first"', 1)
        .replace('description = "', f'description = "{long_description}', 1),
        encoding="utf-8",
    )
    return project, {
        "import": ("import", project, _big_article(tmp_path / "long.txt")),
        "import-labels": ("import-labels", project, labels),
        "merge": ("merge", project, package),
        "scheme-apply": ("scheme-apply", project, scheme2),
        "units": ("units", "exclude", project, *units[:200], "--confirm"),
    }


@pytest.mark.parametrize("leave", [4096, 96 * 1024], ids=["on-open", "while-writing"])
@pytest.mark.parametrize("command", ["import", "import-labels", "merge", "scheme-apply", "units"])
def test_a_full_disk_is_one_line_and_changes_nothing(on_disk, command, leave, run):
    project, commands = on_disk
    before = project_dump(project)
    filler = _fill(project.parent, leave=leave)
    code, _, err = run(*commands[command])
    filler.unlink()
    _one_line(code, err, f"{project}: disk full")
    assert project_dump(project) == before


def test_the_commands_work_once_there_is_room(on_disk, run):
    _, commands = on_disk
    for command in ("import-labels", "merge", "units"):
        code, _, err = run(*commands[command])
        assert code == 0, err


def test_a_read_only_file_system_is_one_line(on_disk, run):
    project, commands = on_disk
    before = project_dump(project)
    subprocess.run(["mount", "-o", "remount,ro", str(project.parent)], check=True)
    try:
        code, _, err = run(*commands["import-labels"])
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(project.parent)], check=True)
    _one_line(code, err, "read-only")
    assert project_dump(project) == before


def test_an_immutable_project_file_is_one_line(demo_project, run, tmp_path):
    if os.geteuid() != 0 or shutil.which("chattr") is None:
        pytest.skip("chattr +i needs root and e2fsprogs")
    db = store.open_project(demo_project)
    unit = db.execute("SELECT id FROM units WHERE excluded = 0 ORDER BY seq").fetchone()[0]
    db.close()
    labels = tmp_path / "labels.csv"
    labels.write_text(f"unit_id,coder,dimension,value\n{unit},cy,stance,mixed\n", "utf-8")
    done = subprocess.run(["chattr", "+i", str(demo_project)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"this file system has no immutable flag ({done.stderr.strip()})")
    try:
        raw = demo_project.read_bytes()
        code, _, err = run("import-labels", demo_project, labels)
    finally:
        with contextlib.suppress(OSError):
            subprocess.run(["chattr", "-i", str(demo_project)], check=False)
    _one_line(code, err, "read-only")
    assert demo_project.read_bytes() == raw
