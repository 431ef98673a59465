"""Shared fixtures: real project files in temporary folders, the real scheme and corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SHARED_CORPUS = REPO.parent / "shared" / "corpus"
NO_CORPUS = (
    "this test is about the two third-party sample op-eds of ../shared/corpus, "
    "which a newcomer's clone does not have (CI always has them)"
)


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory):
    """Never touch the user's real data folder (the demo project lives there).

    Its own MonkeyPatch, not the test's ``monkeypatch``: a fixture that calls
    ``monkeypatch.undo()`` (to build an older project file) would otherwise undo this
    too, and the backups of the upgrades that follow would land in the real folder.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STANCECODER_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        yield


DEMO_CORPUS = REPO / "resources" / "demo"


@pytest.fixture
def corpus_dir() -> Path:
    """Our own five demo op-eds (resources/demo): every clone has them."""
    return DEMO_CORPUS


@pytest.fixture
def sample_corpus_dir() -> Path:
    """The two third-party sample op-eds of ../shared/corpus, for tests whose subject they are."""
    if not SHARED_CORPUS.is_dir():
        pytest.skip(NO_CORPUS)
    return SHARED_CORPUS


@pytest.fixture
def scheme():
    from desktop.core.resources import default_scheme_path
    from desktop.core.scheme import load_scheme

    return load_scheme(default_scheme_path())


@pytest.fixture
def empty_project(tmp_path, scheme):
    from desktop.core import store

    path = tmp_path / "project.stance"
    db = store.create_project(path, scheme)
    yield db
    db.close()


@pytest.fixture
def corpus_project(empty_project, corpus_dir):
    """A project holding the five demo articles (resources/demo)."""
    from desktop.core.corpus.importer import import_paths

    import_paths(empty_project, [corpus_dir])
    return empty_project


@pytest.fixture
def sample_corpus_project(empty_project, sample_corpus_dir):
    """A project holding the two third-party sample op-eds of ../shared/corpus."""
    from desktop.core.corpus.importer import import_paths

    import_paths(empty_project, [sample_corpus_dir])
    return empty_project


def project_dump(path: Path) -> list[str]:
    """Every row of every table, to show that a failed operation changed nothing."""
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def dump():
    """``dump(path)`` lists every row of a project file (see :func:`project_dump`)."""
    return project_dump
