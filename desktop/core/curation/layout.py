"""What the article view shows: the full text, its paragraphs (lines) and their units."""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop.core.errors import UsageError
from desktop.core.store import curation as cstore
from desktop.core.store.corpus import (
    Article,
    article_paragraphs,
    article_text,
    article_units,
    get_article,
)
from desktop.core.store.db import Database


@dataclass(frozen=True)
class LayoutUnit:
    """A live unit as the article view shows it.

    Attributes
    ----------
    start, end
        Offsets into the article's text (the sentence boundaries to draw).
    excluded_by
        The clutter rule (or "excluded by hand", "title", ...) when excluded.
    manual
        The lead decided this unit by hand; re-applying rules leaves it.
    coded_by
        ``{coder: number of labels}``; gold labels count under ``gold:<adjudicator>``.
    needs_recoding
        Coders asked to code it again after a curation step.
    kept_labels
        Labels kept from before a merge or split (see ``curation_labels``).
    """

    id: str
    seq: int
    paragraph: int
    sentence: int
    start: int
    end: int
    text: str
    excluded: bool
    excluded_by: str
    manual: bool
    coded_by: dict[str, int] = field(default_factory=dict)
    needs_recoding: tuple[str, ...] = ()
    kept_labels: int = 0

    @property
    def coded(self) -> bool:
        return bool(self.coded_by)


@dataclass(frozen=True)
class LayoutParagraph:
    """One paragraph (one non-blank line of the article) with its units in text order."""

    idx: int
    start: int
    end: int
    text: str
    excluded: bool
    excluded_by: str
    units: tuple[LayoutUnit, ...]


@dataclass(frozen=True)
class ArticleLayout:
    """An article's full text, metadata and paragraphs, for the article view."""

    article: Article
    text: str
    paragraphs: tuple[LayoutParagraph, ...]

    @property
    def units(self) -> list[LayoutUnit]:
        return [u for p in self.paragraphs for u in p.units]

    @property
    def boundaries(self) -> list[int]:
        """Sorted article offsets where a unit starts or ends."""
        return sorted({x for u in self.units for x in (u.start, u.end)})


def article_layout(db: Database, article_id: str) -> ArticleLayout:
    """The article view's data: paragraphs with their live units, flags and label counts.

    Retired (merged) units are left out. A unit merged across a paragraph break belongs
    to the paragraph where it starts.

    Raises
    ------
    UsageError
        If there is no such article.
    """
    article = get_article(db, article_id)
    if article is None:
        raise UsageError(f"no article {article_id} in this project")
    text = article_text(db, article_id)
    units = article_units(db, article_id)
    ids = [u.id for u in units]
    coded = cstore.label_counts(db, ids)
    recode = cstore.needs_recoding_coders(db, ids)
    kept = cstore.kept_label_counts(db, ids)
    manual = cstore.manual_unit_ids(db, article_id)
    by_paragraph: dict[int, list[LayoutUnit]] = {}
    for u in units:
        by_paragraph.setdefault(u.paragraph, []).append(
            LayoutUnit(
                id=u.id,
                seq=u.seq,
                paragraph=u.paragraph,
                sentence=u.sentence,
                start=u.start,
                end=u.end,
                text=u.text,
                excluded=u.excluded,
                excluded_by=u.excluded_by,
                manual=u.id in manual,
                coded_by=coded.get(u.id, {}),
                needs_recoding=tuple(recode.get(u.id, ())),
                kept_labels=kept.get(u.id, 0),
            )
        )
    paragraphs = tuple(
        LayoutParagraph(
            idx=p.idx,
            start=p.start,
            end=p.end,
            text=text[p.start : p.end],
            excluded=p.excluded,
            excluded_by=p.excluded_by,
            units=tuple(by_paragraph.get(p.idx, ())),
        )
        for p in article_paragraphs(db, article_id)
    )
    return ArticleLayout(article, text, paragraphs)
