"""Curation fixtures: the two sample articles imported into a real project file."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core import store


@pytest.fixture
def project(corpus_project, tmp_path):
    """``(db, path)`` of the corpus project, with coders ak and bb registered."""
    store.ensure_coder(corpus_project, "ak")
    store.ensure_coder(corpus_project, "bb")
    return corpus_project, tmp_path / "project.stance"


@pytest.fixture
def articles(corpus_project) -> dict[str, str]:
    """Article ids by file stem: {"hill_paal_korea_talks": ..., "hill_sneider_...": ...}."""
    return {Path(a.origin).stem: a.id for a in store.list_articles(corpus_project)}


@pytest.fixture
def paal(articles) -> str:
    return articles["hill_paal_korea_talks"]


@pytest.fixture
def sneider(articles) -> str:
    return articles["hill_sneider_alliance_management"]
