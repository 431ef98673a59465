"""Curation fixtures: the demo articles (resources/demo) imported into a real project file.

Unit numbers used by the tests, from resources/demo/01_seoul_talks_gamble.txt (a unit is
``<article>-<nnnn>``, numbered in text order from 1):

- 1 title, 2 "Getty Images" (photo credit), both excluded;
- paragraph 2: 3-5; 3: 6-9; 4: 10-14 (its line starts with "{mosads}"); 5: 15-17; 6: 18-20;
  7: 21-22; 8: 23-25; 9: 26-27; 10: 28-30 (the last sentence to code);
- 31 tag list, 32-33 comments notice, excluded; 33 units in all.

Navigation lines (the "navigation" clutter rule): paragraphs 11-14 of the Beijing analysis
(units 26-29: "More World News", "See all", "Most Popular", "Load more") and of the
conditional-deal op-ed (units 31-34: "See all Opinion", "See All", "Most Popular", "Load more").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core import store


@pytest.fixture
def project(corpus_project, tmp_path):
    """``(db, path)`` of the demo project, with coders ak and bb registered."""
    store.ensure_coder(corpus_project, "ak")
    store.ensure_coder(corpus_project, "bb")
    return corpus_project, tmp_path / "project.stance"


@pytest.fixture
def articles(corpus_project) -> dict[str, str]:
    """Article ids by file stem: {"01_seoul_talks_gamble": ..., ...}."""
    return {Path(a.origin).stem: a.id for a in store.list_articles(corpus_project)}


@pytest.fixture
def seoul(articles) -> str:
    """The op-ed for engagement: a photo credit, inline clutter, a tag list, comments notice."""
    return articles["01_seoul_talks_gamble"]


@pytest.fixture
def beijing(articles) -> str:
    """The news analysis on China: a photo credit and four navigation lines at the end."""
    return articles["03_beijing_plays_both_sides"]


@pytest.fixture
def conditional(articles) -> str:
    """The op-ed for a conditional deal: ends with four navigation lines (paragraphs 11-14)."""
    return articles["05_talk_but_keep_sanctions"]
