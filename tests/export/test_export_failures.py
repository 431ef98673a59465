"""A failed export never replaces a good one and says why in one line: a full disk (a
small tmpfs this test mounts; it skips, saying why, where it may not), a writer's refusal,
and a file the format's own reader cannot read back."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.core import store
from desktop.core.export import export
from desktop.core.export.check import ExportFailed, verify, write_failure

FORMATS = ("csv", "csv-excel", "jsonl", "parquet", "xlsx", "sav", "dta", "qdpx")
SUFFIX = {"csv-excel": "csv"}


@pytest.fixture
def small_disk(tmp_path):
    """A 256 KB tmpfs mounted for the test (root only; skipped where mounting is not
    allowed, as in an unprivileged container)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(folder: Path, leave: int = 4096) -> None:
    """Fill ``folder``'s file system, then free about ``leave`` bytes."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    with filler.open("r+b") as handle:
        handle.truncate(max(0, filler.stat().st_size - leave))


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".partial", ".raw")))


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_full_disk_keeps_the_previous_export_and_says_so_in_one_line(
    client_templates, tmp_path, small_disk, capsys, fmt
):
    project = tmp_path / "p.stance"
    shutil.copyfile(client_templates["default"], project)
    out = small_disk / f"labels.{SUFFIX.get(fmt, fmt)}"
    args = ["export", str(project), "--layout", "long", "--format", fmt, "-o", str(out)]
    assert main(args) == 0
    good = out.read_bytes()
    side = out.with_name(out.name + ".meta.json").read_bytes()
    capsys.readouterr()
    db = store.open_project(project)
    try:  # more data than the room left
        unit = next(iter(store.iter_units_rows(db)))["unit_id"]
        store.set_note(db, unit, "bo", "x" * 60_000)
    finally:
        db.close()
    _fill(small_disk)
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert str(out) in err[0] and "the previous file is kept" in err[0]
    assert "disk full while writing" in err[0]
    assert out.read_bytes() == good
    assert out.with_name(out.name + ".meta.json").read_bytes() == side
    assert _leftovers(small_disk) == []


def test_a_file_that_does_not_read_back_is_refused(tmp_path):
    # What pyreadstat leaves on a full disk while reporting success: a cut-off file.
    import pandas as pd
    import pyreadstat

    whole = tmp_path / "whole.sav"
    pyreadstat.write_sav(pd.DataFrame({"a": [1.0, 2.0, 3.0] * 1000}), str(whole))
    cut = tmp_path / "cut.sav"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    verify("sav", whole, 3000, whole)  # the whole file passes
    with pytest.raises(ExportFailed, match=r"not written: .*the previous file is kept"):
        verify("sav", cut, 3000, tmp_path / "labels.sav")
    with pytest.raises(ExportFailed, match="read back 3000 rows, wrote 2999"):
        verify("sav", whole, 2999, whole)
    empty = tmp_path / "empty.dta"
    empty.write_bytes(b"")
    with pytest.raises(ExportFailed, match="empty"):
        verify("dta", empty, 0, empty)


def test_write_failures_name_the_cause():
    target = Path("/data/labels.sav")
    full = write_failure(OSError(errno.ENOSPC, "No space left on device"), target)
    assert (
        str(full)
        == "/data/labels.sav: not written: disk full while writing; the previous file is kept"
    )
    read_only = write_failure(OSError(errno.EROFS, "Read-only file system"), target)
    assert "the folder is read-only" in str(read_only)
    other = write_failure(ValueError("A provided name is too long\nfor the file format"), target)
    assert str(other).count("\n") == 0 and "ValueError: A provided name is too long" in str(other)


def _as_nobody(work) -> tuple[int, str]:
    """Run ``work() -> exit code`` in a forked child that gave up root for ``nobody``:
    the child's exit code and what it wrote on standard error.

    The child cannot import what it has not loaded (the interpreter lives under root's
    home), so the caller runs the same work once before, as root, elsewhere.
    """
    import pwd

    nobody = pwd.getpwnam("nobody")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 99
        try:
            os.close(read)
            sys.stderr = open(write, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            code = work()
        except BaseException as error:  # a failure of the child itself, for the test to see
            os.write(write, f"child failed: {error!r}\n".encode())
        finally:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os._exit(code)
    os.close(write)
    with os.fdopen(read, encoding="utf-8") as stream:
        err = stream.read()
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), err


def _export_args(project: Path, target: Path) -> list[str]:
    return ["export", str(project), "--layout", "long", "-o", str(target)]


def test_an_export_into_a_read_only_folder_fails_in_one_line(client_templates, tmp_path, capsys):
    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o500)
        try:
            assert main(_export_args(client_templates["default"], folder / "x.csv")) == 2
            err = capsys.readouterr().err
        finally:
            folder.chmod(0o700)
        assert len(err.strip().splitlines()) == 1 and "x.csv" in err
        assert list(folder.iterdir()) == []
        return
    # Root writes into any folder: the export runs in a child that dropped root for
    # nobody, on a folder nobody may read but not write (root's, mode 555), as a user
    # would meet it. The project is nobody's own copy, outside root's private tmp_path.
    import pwd

    nobody = pwd.getpwnam("nobody")
    base = Path(tempfile.mkdtemp(prefix="stance-ro-"))
    try:
        base.chmod(0o755)
        home = base / "nobody"
        home.mkdir()
        project = home / "project.stance"
        shutil.copyfile(client_templates["default"], project)
        for path in (home, project):
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        folder = base / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        warm = base / "warm"  # root, once: loads every module the export needs
        warm.mkdir()
        shutil.copyfile(client_templates["default"], warm / "project.stance")
        assert main(_export_args(warm / "project.stance", warm / "x.csv")) == 0
        capsys.readouterr()

        def export_as_nobody() -> int:
            os.environ["STANCECODER_DATA_DIR"] = str(home / "data")
            return main(_export_args(project, folder / "x.csv"))

        code, err = _as_nobody(export_as_nobody)
        assert code == 2, err
        (line,) = err.strip().splitlines()
        assert str(folder / "x.csv") in line and "permission denied" in line, line
        assert list(folder.iterdir()) == []
        # nobody may write its own folder: the same export there succeeds (what failed
        # was the folder, not the child).
        code, err = _as_nobody(lambda: main(_export_args(project, home / "x.csv")))
        assert (code, err) == (0, "")
        assert (home / "x.csv").stat().st_uid == nobody.pw_uid
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_every_export_of_long_ids_succeeds(client_templates, tmp_path):
    # 32-character dimension ids and a 22-character coder id: every name fits everywhere.
    path = tmp_path / "long.stance"
    shutil.copyfile(client_templates["long"], path)
    db = store.open_project(path)
    try:
        for layout in ("long", "wide", "gold", "units"):
            for fmt in FORMATS[:-1]:
                suffix = SUFFIX.get(fmt, fmt)
                result = export(db, layout, fmt, tmp_path / f"{layout}-{fmt}.{suffix}")
                assert result.rows > 0
    finally:
        db.close()
