"""Article metadata and whole-article exclusion, each step one logged transaction."""

from __future__ import annotations

from desktop.core.curation.model import CurationAction, CurationResult, require_confirmation
from desktop.core.errors import UsageError
from desktop.core.store import curation as cstore
from desktop.core.store.corpus import Article, get_article
from desktop.core.store.db import Database, log_change, write_transaction


def _article(db: Database, article_id: str) -> Article:
    article = get_article(db, article_id)
    if article is None:
        raise UsageError(f"no article {article_id} in this project")
    return article


def edit_article(
    db: Database,
    article_id: str,
    *,
    who: str = "",
    title: str | None = None,
    source: str | None = None,
    author: str | None = None,
    date: str | None = None,
    url: str | None = None,
) -> CurationResult:
    """Change an article's metadata; fields left as None stay as they are.

    The change log records each changed field's old and new value. Metadata never
    touches units or labels, so this needs no confirmation.

    Raises
    ------
    UsageError
        An unknown article, or an empty title.
    """
    wanted = {"title": title, "source": source, "author": author, "date": date, "url": url}
    wanted = {name: value.strip() for name, value in wanted.items() if value is not None}
    if wanted.get("title") == "":
        raise UsageError("an article's title cannot be empty")
    with write_transaction(db):
        article = _article(db, article_id)
        changed = {n: v for n, v in wanted.items() if getattr(article, n) != v}
        if not changed:
            return CurationResult(CurationAction.EDIT_ARTICLE, None)
        log_change(
            db,
            CurationAction.EDIT_ARTICLE.value,
            who,
            {
                "article": article_id,
                "changes": {n: [getattr(article, n), v] for n, v in changed.items()},
            },
        )
        cstore.update_article_fields(db, article_id, changed)
        change_id = cstore.last_change_id(db)
    return CurationResult(CurationAction.EDIT_ARTICLE, change_id, articles=(article_id,))


def _set_excluded(
    db: Database, article_id: str, excluded: bool, who: str, confirm: bool
) -> CurationResult:
    action = CurationAction.EXCLUDE_ARTICLE if excluded else CurationAction.INCLUDE_ARTICLE
    with write_transaction(db):
        article = _article(db, article_id)
        if article.excluded == excluded:
            return CurationResult(action, None)
        units = cstore.article_unit_ids(db, article_id)
        coded = (
            require_confirmation(db, f"excluding article {article_id}", units, confirm)
            if excluded
            else cstore.label_counts(db, units)
        )
        log_change(
            db,
            action.value,
            who,
            {
                "article": article_id,
                "coded_units": sorted(coded),
                "confirmed": bool(coded) and excluded,
            },
        )
        cstore.set_article_excluded(db, article_id, excluded)
        change_id = cstore.last_change_id(db)
    return CurationResult(action, change_id, articles=(article_id,))


def exclude_article(
    db: Database, article_id: str, *, who: str = "", confirm: bool = False
) -> CurationResult:
    """Take a whole article out of coding (its units and labels are kept).

    Raises
    ------
    UsageError
        An unknown article.
    ConfirmationRequired
        The article has labelled units and ``confirm`` is False.
    """
    return _set_excluded(db, article_id, True, who, confirm)


def include_article(db: Database, article_id: str, *, who: str = "") -> CurationResult:
    """Bring an excluded article back into coding (its labels come back with it).

    Raises
    ------
    UsageError
        An unknown article.
    """
    return _set_excluded(db, article_id, False, who, False)
