"""Import articles into a project: read, clean, segment, store — all or nothing.

Batches of articles are stored as they are prepared, all inside one write transaction
that is committed only when every file is good. A bad file (or a cancel) therefore leaves
the project exactly as it was.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core import store
from desktop.core.corpus.clutter import (
    RULES_META_KEY,
    ClutterRules,
    parse_rules,
    project_rules,
)
from desktop.core.corpus.parallel import BATCH_LINES, LineSegmenter, choose_workers
from desktop.core.corpus.readers import Document, expand_paths, read_documents
from desktop.core.corpus.split import SplitArticle, split_text, split_texts
from desktop.core.errors import InputError
from desktop.core.store import NewArticle, NewParagraph, NewUnit
from desktop.core.store.corpus import ArticleWriter

#: Page cache of the import's connection, in KiB per KiB of input files, within bounds:
#: the units' indexes by id and by article grow at random places, and with SQLite's
#: default 2 MB cache a 1M-sentence import rewrote their pages to the WAL again and
#: again (units stored in 88 s, 48 s with 256 MB; benchmarks/README.md).
IMPORT_CACHE_PER_INPUT = 2
IMPORT_CACHE_KIB = (2_000, 256 * 1024)

#: Bytes of input files per sentence, at least (news text: about 120 with its clutter),
#: to tell an import at least as large as the project's units (stored as a bulk load,
#: see :class:`desktop.core.store.corpus.ArticleWriter`) from a small one.
BYTES_PER_SENTENCE = 250

#: A web page whose coded sentences hold fewer words than this, or less than this share
#: of the words the page shows, is imported with a warning (refused with ``strict``).
MIN_PAGE_WORDS = 40
MIN_PAGE_SHARE = 0.05

Progress = Callable[[int, int, str], None]


@dataclass
class ImportSummary:
    """What an import did, for the command line and the progress dialog."""

    files: int = 0
    added: list[tuple[str, str, int]] = field(default_factory=list)  # (id, title, units)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (origin, existing id)
    notices: list[str] = field(default_factory=list)
    excluded_lines: dict[str, int] = field(default_factory=dict)  # rule -> count
    # inline clutter rule -> pieces taken out of lines that stay coded (a caption's credit)
    inline_removed: dict[str, int] = field(default_factory=dict)
    # "<file>: <why its text may be incomplete>" (a web page with too little text)
    warnings: list[str] = field(default_factory=list)

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


@dataclass
class _Draft:
    """An article read and hashed, waiting for its paragraphs and units."""

    number: int  # of its file, 1-based
    document: Document
    article: NewArticle


def _new_article(document: Document) -> NewArticle:
    text = document.text
    return NewArticle(
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


def _finish_article(article: NewArticle, parts: SplitArticle) -> NewArticle:
    """The article with the paragraphs and units :func:`split_text` found."""
    article.paragraphs = list(map(NewParagraph._make, parts.paragraphs))
    article.units = list(map(NewUnit._make, parts.units))
    return article


def too_little_text(document: Document, article: NewArticle) -> str:
    """Why the coded text of a web page looks incomplete, or "" (not a page, or enough)."""
    if not document.visible_words:
        return ""
    words = sum(len(u.text.split()) for u in article.units if not u.excluded)
    if words >= MIN_PAGE_WORDS and words >= MIN_PAGE_SHARE * document.visible_words:
        return ""
    return (
        f"only {words} words to code were found among the {document.visible_words} words "
        "the page shows; check that the article was extracted"
    )


def prepare_article(document: Document, rules: ClutterRules) -> NewArticle:
    """Split a document into paragraphs (one per non-blank line) and sentence units."""
    return _finish_article(
        _new_article(document), split_text(document.text, document.title_in_text, rules)
    )


def _file_sizes(files: list[Path]) -> int:
    total = 0
    for path in files:
        with contextlib.suppress(OSError):  # reading it will say what is wrong, in order
            total += path.stat().st_size
    return total


@contextlib.contextmanager
def _page_cache(db: store.Database, total_bytes: int):
    """A page cache in proportion to the import (see :data:`IMPORT_CACHE_PER_INPUT`),
    the connection's own afterwards. It changes how often pages are written, never what
    is stored."""
    low, high = IMPORT_CACHE_KIB
    kib = min(high, max(low, IMPORT_CACHE_PER_INPUT * total_bytes // 1024))
    before = db.conn.execute("PRAGMA cache_size").fetchone()[0]
    db.conn.execute(f"PRAGMA cache_size = {-kib}")
    try:
        yield
    finally:
        db.conn.execute(f"PRAGMA cache_size = {before}")


def _prepare_all(
    db: store.Database,
    files: list[Path],
    rules: ClutterRules,
    summary: ImportSummary,
    progress: Progress | None,
    workers: int,
    strict: bool,
    store_batch: Callable[[list[NewArticle]], object],
) -> list[str]:
    """Read and prepare every file; duplicates and notices go into ``summary``.

    Files are read and hashed here, in order, while batches of articles get their
    clutter rules and sentences (:func:`.split.split_texts`, in worker processes for a
    large import, see :mod:`.parallel`); articles are finished in order as their batch
    comes back, and handed to ``store_batch`` (inside the import's write transaction,
    so that storing overlaps the workers' segmenting); then only their ids and their
    counts in ``summary`` are kept. Progress counts finished files. Returns the ids of
    the articles stored, in order.
    """
    prepared: list[str] = []
    seen: dict[str, str] = {}
    total = len(files)
    # Submitted batches, oldest first: (drafts, their (text, title flag), pending parts).
    # A batch holds whole articles.
    queue: deque[tuple[list[_Draft], list[tuple[str, bool]], object]] = deque()
    batch: list[_Draft] = []
    batch_texts: list[tuple[str, bool]] = []
    batch_lines = 0
    finished = 0

    def work_while_waiting() -> None:
        # While the oldest batch is not back, the next batches no worker has started,
        # oldest first, are done here (on a busy machine this process' share of the
        # work is not lost). Oldest first, so that what it segments is stored as soon as
        # the batches before it are back; the newest first left this process, at the
        # end, storing its own batches alone while the workers had nothing left to do.
        for i in range(1, len(queue)):
            if queue[0][2].done():
                return
            drafts, texts, pending = queue[i]
            if not pool.started(pending):
                queue[i] = (drafts, texts, pool.take_back(pending, texts, rules))

    def finish_oldest() -> None:
        nonlocal finished
        if pool.parallel:
            work_while_waiting()
        drafts, texts, pending = queue.popleft()
        done: list[NewArticle] = []
        for draft, parts in zip(drafts, pool.result(pending, texts, rules), strict=True):
            article = _finish_article(draft.article, parts)
            if not any(not u.excluded for u in article.units):
                summary.notices.append(f"{article.origin}: no sentences to code after cleaning")
            for name, count in parts.inline.items():
                summary.inline_removed[name] = summary.inline_removed.get(name, 0) + count
            short = too_little_text(draft.document, article)
            if short and strict:
                raise InputError(f"{short} (refused with --strict)", files[draft.number - 1])
            if short:
                summary.warnings.append(f"{article.origin}: {short}")
            done.append(article)
            finished = max(finished, draft.number - 1)
        store_batch(done)
        for article in done:
            prepared.append(article.id)
            codable = sum(1 for u in article.units if not u.excluded)
            summary.added.append((article.id, article.title, codable))
            for p in article.paragraphs:
                if p.excluded:
                    summary.excluded_lines[p.excluded_by] = (
                        summary.excluded_lines.get(p.excluded_by, 0) + 1
                    )
        if progress:
            progress(finished, total, str(files[finished]))

    def send() -> None:
        nonlocal batch, batch_texts, batch_lines
        if batch:
            queue.append((batch, batch_texts, pool.submit(batch_texts, rules)))
            batch, batch_texts, batch_lines = [], [], 0

    with LineSegmenter(workers, split_texts) as pool:
        for number, path in enumerate(files, start=1):
            if progress:
                progress(finished, total, str(path))
            for document in read_documents(path):
                if document.encoding not in ("utf-8", "utf-8-sig", "ascii"):
                    summary.notices.append(f"{path}: decoded as {document.encoding}")
                article = _new_article(document)
                digest = article.content_hash
                existing = store.article_id_by_hash(db, digest) or seen.get(digest)
                if existing:
                    summary.duplicates.append((document.origin, existing))
                    continue
                seen[digest] = article.id
                batch.append(_Draft(number, document, article))
                batch_texts.append((document.text, document.title_in_text))
                batch_lines += document.text.count("\n") + 1
                if batch_lines >= BATCH_LINES:
                    send()
            while queue and (not pool.parallel or queue[0][2].done()):
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
    strict: bool = False,
) -> ImportSummary:
    """Import files and folders into the project, all or nothing.

    Parameters
    ----------
    rules_text
        Clutter rules (TOML) to use and to keep as the project's rules from now on, in
        the same transaction; by default the project's own rules.
    workers
        Processes that apply the clutter rules and segment (1: this one alone); by default
        one per usable core for a large import (see :mod:`desktop.core.corpus.parallel`).
    strict
        Refuse a file whose text may be incomplete (a web page from which too little
        text was extracted) instead of importing it with a warning.

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
        # One transaction from the first batch stored to the log entry: a bad file or a
        # cancel rolls back every batch stored before it (all or nothing).
        total_bytes = _file_sizes(files)
        with _page_cache(db, total_bytes), store.write_transaction(db):
            if rules_text is not None and store.get_meta(db, RULES_META_KEY) != rules_text:
                store.set_meta(db, RULES_META_KEY, rules_text)
                store.log_change(db, "set-rules", who, {"origin": rules_origin})
            processes = choose_workers(total_bytes, workers)
            bulk = store.unit_seq_bound(db) <= total_bytes // BYTES_PER_SENTENCE
            # With worker processes the search index is filled as batches are stored,
            # while they segment; alone, once at the end (less work in all).
            writer = ArticleWriter(db, bulk=bulk, search_while_storing=processes > 1)
            prepared = _prepare_all(
                db, files, rules, summary, progress, processes, strict, writer.add
            )
            if progress:
                progress(len(files), len(files), "storing")
            writer.finish(
                (lambda what: progress(len(files), len(files), what)) if progress else None
            )
            if prepared or rules_text is not None:
                store.log_change(
                    db,
                    "import",
                    who,
                    {"articles": prepared, "files": [str(f) for f in files]},
                )
    finally:
        if collecting:
            gc.enable()
    return summary
