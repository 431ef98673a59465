"""Fixtures of the reliability tests that need no ../shared: the demo articles."""

from __future__ import annotations

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
