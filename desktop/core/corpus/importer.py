"""Import articles into a project: read, clean, segment, store — all or nothing.

Everything is read and prepared in memory first; only when every file is good is the
whole batch written, in one transaction. A bad file therefore leaves the project exactly
as it was.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import re
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core import store
from desktop.core.corpus.clutter import (
    RULES_META_KEY,
    ClutterRules,
    classify_lines,
    inline_spans,
    parse_rules,
    project_rules,
)
from desktop.core.corpus.parallel import BATCH_LINES, LineSegmenter, choose_workers
from desktop.core.corpus.readers import Document, expand_paths, read_documents
from desktop.core.store import NewArticle, NewParagraph, NewUnit

TITLE_RULE = "title"
_SPACES = re.compile(r"\s+")
_ODD_SPACE = re.compile(r"\s{2,}|[^\S ]")

Progress = Callable[[int, int, str], None]


@dataclass
class ImportSummary:
    """What an import did, for the command line and the progress dialog."""

    files: int = 0
    added: list[tuple[str, str, int]] = field(default_factory=list)  # (id, title, units)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (origin, existing id)
    notices: list[str] = field(default_factory=list)
    excluded_lines: dict[str, int] = field(default_factory=dict)  # rule -> count

    @property
    def units(self) -> int:
        return sum(n for _, _, n in self.added)

    def headline(self) -> str:
        """One line: articles and sentences imported, skipped duplicates, and the lines
        each clutter rule kept as context (the command line and the window print it)."""
        articles = len(self.added)
        excluded = ", ".join(f"{n} {rule}" for rule, n in sorted(self.excluded_lines.items()))
        return (
            f"Imported {articles} article{'s' * (articles != 1)}, {self.units:,} "
            f"sentence{'s' * (self.units != 1)} to code"
            + (f"; {len(self.duplicates)} already present" if self.duplicates else "")
            + (f"; lines kept as context, not coded: {excluded}" if excluded else "")
            + "."
        )


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _clean_unit_text(line: str, start: int, end: int, spans) -> str:
    if not spans:
        text = line[start:end]
        # Most sentences hold only single plain spaces; only the others need collapsing.
        return _SPACES.sub(" ", text).strip() if _ODD_SPACE.search(text) else text
    pieces, cursor = [], start
    for s, e, _ in spans:
        if e <= cursor or s >= end:
            continue
        pieces.append(line[cursor : max(s, cursor)])
        cursor = max(cursor, e)
    pieces.append(line[cursor:end])
    return _SPACES.sub(" ", "".join(pieces)).strip()


@dataclass
class _Draft:
    """An article read and cleaned, waiting for its lines' sentence spans."""

    document: Document
    article: NewArticle
    # (line start, line, inline clutter spans) of each non-blank line, in order
    lines: list[tuple[int, str, list]]
    masked: list[str]  # the same lines with inline clutter blanked out: what is segmented


def _draft_article(document: Document, rules: ClutterRules) -> _Draft:
    """Split a document into paragraphs (one per non-blank line), ready to segment.

    Clutter lines are kept in the text and become excluded paragraphs and units; inline
    clutter tokens are kept in the text but left out of the units' text.
    """
    text = document.text
    lines = text.split("\n")
    verdicts = classify_lines(lines, rules)
    article = NewArticle(
        text=text,
        content_hash=content_hash(text),
        title=document.title,
        source=document.source,
        author=document.author,
        date=document.date,
        url=document.url,
        metadata=document.metadata,
        origin=document.origin,
        encoding=document.encoding,
    )
    draft = _Draft(document, article, [], [])
    offset = 0
    for index, line in enumerate(lines):
        line_start = offset
        offset += len(line) + 1
        if not line.strip():
            continue
        excluded, rule = verdicts[index].excluded, verdicts[index].rule
        if index == 0 and document.title_in_text:
            excluded, rule = True, TITLE_RULE
        article.paragraphs.append(NewParagraph(line_start, line_start + len(line), excluded, rule))
        spans = inline_spans(line, rules)
        masked = line
        for s, e, _ in spans:
            masked = masked[:s] + " " * (e - s) + masked[e:]
        draft.lines.append((line_start, line, spans))
        draft.masked.append(masked)
    return draft


def _finish_article(draft: _Draft, line_spans: list[list[tuple[int, int]]]) -> NewArticle:
    """The article with its sentence units, from the sentence spans of its lines."""
    article = draft.article
    for paragraph, ((line_start, line, spans), sentences) in enumerate(
        zip(draft.lines, line_spans, strict=True)
    ):
        stored = article.paragraphs[paragraph]
        excluded, rule = stored.excluded, stored.excluded_by
        for sentence, (s, e) in enumerate(sentences):
            unit_text = _clean_unit_text(line, s, e, spans)
            if not unit_text:
                continue
            article.units.append(
                NewUnit(
                    paragraph=paragraph,
                    sentence=sentence,
                    start=line_start + s,
                    end=line_start + e,
                    text=unit_text,
                    excluded=excluded,
                    excluded_by=rule,
                )
            )
    return article


def _file_sizes(files: list[Path]) -> int:
    total = 0
    for path in files:
        with contextlib.suppress(OSError):  # reading it will say what is wrong, in order
            total += path.stat().st_size
    return total


def _prepare_all(
    db: store.Database,
    files: list[Path],
    rules: ClutterRules,
    summary: ImportSummary,
    progress: Progress | None,
    workers: int | None,
) -> list[NewArticle]:
    """Read and prepare every file; duplicates and notices go into ``summary``.

    Files are read and cleaned here, in order, while their lines are segmented in
    batches (in worker processes for a large import, see :mod:`.parallel`); articles are
    finished in order as their batch comes back. Progress counts finished files.
    """
    prepared: list[NewArticle] = []
    seen: dict[str, str] = {}
    total = len(files)
    # Submitted batches, oldest first: (drafts with the number of their file, lines,
    # pending spans). A batch holds whole articles.
    queue: deque[tuple[list[tuple[int, _Draft]], list[str], object]] = deque()
    batch: list[tuple[int, _Draft]] = []
    batch_lines: list[str] = []
    finished = 0

    def finish_oldest() -> None:
        nonlocal finished
        drafts, lines, pending = queue.popleft()
        spans = segmenter.result(pending, lines)
        at = 0
        for number, draft in drafts:
            count = len(draft.masked)
            article = _finish_article(draft, spans[at : at + count])
            at += count
            if not any(not u.excluded for u in article.units):
                summary.notices.append(f"{article.origin}: no sentences to code after cleaning")
            prepared.append(article)
            finished = max(finished, number - 1)
        if progress:
            progress(finished, total, str(files[finished]))

    def send() -> None:
        nonlocal batch, batch_lines
        if batch:
            queue.append((batch, batch_lines, segmenter.submit(batch_lines)))
            batch, batch_lines = [], []

    with LineSegmenter(choose_workers(_file_sizes(files), workers)) as segmenter:
        for number, path in enumerate(files, start=1):
            if progress:
                progress(finished, total, str(path))
            for document in read_documents(path):
                if document.encoding not in ("utf-8", "utf-8-sig", "ascii"):
                    summary.notices.append(f"{path}: decoded as {document.encoding}")
                draft = _draft_article(document, rules)
                digest = draft.article.content_hash
                existing = store.article_id_by_hash(db, digest) or seen.get(digest)
                if existing:
                    summary.duplicates.append((document.origin, existing))
                    continue
                seen[digest] = draft.article.id
                batch.append((number, draft))
                batch_lines += draft.masked
                if len(batch_lines) >= BATCH_LINES:
                    send()
            while queue and (not segmenter.parallel or queue[0][2].done()):
                finish_oldest()
        send()
        while queue:
            finish_oldest()
    return prepared


def import_paths(
    db: store.Database,
    paths: Sequence[str | Path],
    *,
    rules_text: str | None = None,
    rules_origin: str = "",
    who: str = "",
    progress: Progress | None = None,
    workers: int | None = None,
) -> ImportSummary:
    """Import files and folders into the project, all or nothing.

    Parameters
    ----------
    rules_text
        Clutter rules (TOML) to use and to keep as the project's rules from now on, in
        the same transaction; by default the project's own rules.
    workers
        Processes that segment the sentences (1: this one alone); by default one per
        usable core for a large import (see :mod:`desktop.core.corpus.parallel`).

    Raises
    ------
    InputError
        For the first file that cannot be imported; nothing is written then.
    """
    rules: ClutterRules = (
        parse_rules(rules_text, rules_origin or "clutter rules")
        if rules_text is not None
        else project_rules(db)
    )
    links: list[Path] = []
    files = list(expand_paths([Path(p) for p in paths], links))
    summary = ImportSummary(files=len(files))
    summary.notices += [
        f"{link}: a symbolic link, skipped (links are not followed)" for link in links
    ]
    # The batch creates millions of small objects and frees none of them until the end:
    # the cyclic garbage collector would only rescan them (a tenth of the import time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        prepared = _prepare_all(db, files, rules, summary, progress, workers)
    finally:
        if collecting:
            gc.enable()
    if progress:
        progress(len(files), len(files), "storing")
    if prepared or rules_text is not None:
        with store.write_transaction(db):
            if rules_text is not None and store.get_meta(db, RULES_META_KEY) != rules_text:
                store.set_meta(db, RULES_META_KEY, rules_text)
                store.log_change(db, "set-rules", who, {"origin": rules_origin})
            store.add_articles(db, prepared)
            store.log_change(
                db,
                "import",
                who,
                {"articles": [a.id for a in prepared], "files": [str(f) for f in files]},
            )
    for article in prepared:
        codable = sum(1 for u in article.units if not u.excluded)
        summary.added.append((article.id, article.title, codable))
        for p in article.paragraphs:
            if p.excluded:
                summary.excluded_lines[p.excluded_by] = (
                    summary.excluded_lines.get(p.excluded_by, 0) + 1
                )
    return summary
