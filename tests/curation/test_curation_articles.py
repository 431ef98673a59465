"""Article metadata and whole-article exclusion."""

from __future__ import annotations

import pytest

from desktop.core import curation, store
from desktop.core.curation import ConfirmationRequired
from desktop.core.errors import UsageError


def test_metadata_edits_are_logged_with_old_and_new_values(project, seoul):
    db, _ = project
    result = curation.edit_article(
        db, seoul, who="lead", title="Korea talks", source="The Hill", date="2018-01-08"
    )
    assert result.changed and result.articles == (seoul,)
    article = store.get_article(db, seoul)
    assert (article.title, article.source, article.author, article.date) == (
        "Korea talks",
        "The Hill",
        "",
        "2018-01-08",
    )
    entry = store.change_log(db)[-1]
    assert entry["action"] == "edit_article" and entry["who"] == "lead"
    assert entry["details"]["changes"] == {
        "title": ["Seoul's talks gamble is worth taking", "Korea talks"],
        "source": ["", "The Hill"],
        "date": ["", "2018-01-08"],
    }
    # The same values again: nothing to change, nothing logged.
    assert not curation.edit_article(db, seoul, title="Korea talks").changed
    assert store.change_log(db)[-1]["id"] == entry["id"]


def test_bad_metadata_edits_change_nothing(project, seoul, dump):
    db, path = project
    snapshot = dump(path)
    with pytest.raises(UsageError, match="title cannot be empty"):
        curation.edit_article(db, seoul, title="  ")
    with pytest.raises(UsageError, match="no article nope"):
        curation.edit_article(db, "nope", title="x")
    assert dump(path) == snapshot


def test_excluding_an_article_takes_its_units_out_and_including_brings_them_back(
    project, seoul, beijing, dump
):
    db, path = project
    total = store.counts(db)["units"]
    curation.exclude_article(db, beijing, who="lead")
    assert store.counts(db)["units"] == total - 23  # the Beijing analysis's sentences
    assert store.get_article(db, beijing).excluded
    assert curation.article_layout(db, beijing).article.excluded
    curation.include_article(db, beijing)
    assert store.counts(db)["units"] == total

    store.set_label(db, f"{seoul}-0003", "bb", "stance", "engagement")
    snapshot = dump(path)
    with pytest.raises(ConfirmationRequired, match=f"excluding article {seoul}.*bb 1"):
        curation.exclude_article(db, seoul)
    assert dump(path) == snapshot
    curation.exclude_article(db, seoul, confirm=True)
    assert store.labels_frame(db).empty
    assert store.unit_labels(db, f"{seoul}-0003", "bb") == {"stance": "engagement"}
    assert [e["action"] for e in curation.curation_log(db)] == [
        "exclude_article",
        "include_article",
        "exclude_article",
    ]
