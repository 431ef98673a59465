"""Fixtures of the reliability tests that need no ../shared: the demo articles."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import cli
from desktop.core.resources import demo_articles_dir


@pytest.fixture
def demo_project(tmp_path, scheme) -> Path:
    """A closed project of the five demo articles, with five labels by "ra"."""
    from desktop.core import store
    from desktop.core.corpus.importer import import_paths

    path = tmp_path / "study.stance"
    db = store.create_project(path, scheme)
    try:
        import_paths(db, sorted(demo_articles_dir().glob("0*.txt")))
        store.ensure_coder(db, "ra")
        units = [r[0] for r in db.execute("SELECT id FROM units WHERE excluded = 0 ORDER BY seq")]
        for unit in units[:5]:
            store.set_label(db, unit, "ra", "stance", "engagement")
    finally:
        db.close()
    return path


@pytest.fixture
def run(capsys):
    """``run(*argv)`` runs the real command line: (exit code, stdout, stderr)."""

    def run_cli(*argv) -> tuple[int, str, str]:
        code = cli.main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run_cli


NEEDS_ROOT = "mounting a small tmpfs needs root on Linux (CI runs as root)"


@pytest.fixture
def disk(tmp_path):
    """A 16 MB tmpfs at tmp_path/disk, unmounted afterwards."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip(NEEDS_ROOT)
    point = tmp_path / "disk"
    point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(point)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
    yield point
    subprocess.run(["umount", "-l", str(point)], check=False)
