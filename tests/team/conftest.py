"""Team workflow fixtures: a study project with registered coders, packages, the CLI."""

from __future__ import annotations

import pytest
from team_helpers import CODERS

from desktop.core import store


@pytest.fixture
def study(corpus_project, tmp_path):
    """The corpus project with three coders and a lead; returns (db, path)."""
    db = corpus_project
    for coder, name in CODERS.items():
        store.ensure_coder(db, coder, name)
    store.ensure_coder(db, "lead_m2", "Mara Lindqvist")
    from desktop.core import team

    team.set_lead(db, "lead_m2")
    return db, tmp_path / "project.stance"


@pytest.fixture
def cli(monkeypatch, capsys):
    """``cli(*args) -> (exit code, stdout, stderr)`` through desktop.cli.main with our commands."""
    import desktop.cli

    monkeypatch.setattr(desktop.cli, "COMMAND_MODULES", ("desktop.commands.team",))

    def run(*args) -> tuple[int, str, str]:
        code = desktop.cli.main([str(a) for a in args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run
