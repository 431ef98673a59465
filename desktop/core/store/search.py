"""Full-text search over the units' text (the FTS5 index of migration 0008) and the
article list's filter.

What a user types is never handed to FTS5 as syntax: every whitespace-separated piece
becomes a quoted phrase (FTS5's tokenizer splits it into words exactly as it split the
text), the pieces are ANDed, and the piece being typed (the last one, unless the text ends
in a space) matches as a prefix. So ``"``, ``*``, ``NEAR(``, ``AND``, ``)`` or any other
text is searched as words and never raises.

Matches come from the index in rowid order, which is import order: the corpus order of
every unit that was not split off another by curation (a split gives the new unit a new
rowid but a seq in the middle; seqs of the others shift, their order stays). Those few
split-off units are searched apart and merged in, so a page of results is exactly the first
``limit`` matches in corpus order, and a search stops after one page however many units
match.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Iterator
from typing import NamedTuple

from desktop.core.store.db import Database

# Marks around the matched words in SearchHit.marked (control characters never stored in
# a sentence's text as shown, so a view can split on them without escaping).
MARK_START = "\x02"
MARK_END = "\x03"

DEFAULT_LIMIT = 200


class SearchHit(NamedTuple):
    """One unit that matched: where it is and its text with the matches marked."""

    seq: int
    unit_id: str
    article_id: str
    article_title: str
    text: str
    marked: str  # text with MARK_START / MARK_END around each matched word
    excluded: bool


def _pieces(text: str) -> list[tuple[str, bool]]:
    """The words to look for in what a user typed: ``(piece, as_prefix)``."""
    # Control characters (NUL ends FTS5's reading of the string) separate words.
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    pieces = [p for p in text.split() if any(ch.isalnum() for ch in p)]
    typing = bool(text) and not text[-1].isspace()
    return [
        (piece.rstrip("*"), piece.endswith("*") or (typing and i == len(pieces) - 1))
        for i, piece in enumerate(pieces)
    ]


def fts_query(text: str) -> str:
    """The FTS5 query for what a user typed; ``""`` when it holds no word to look for.

    Each word (letters and digits, as the index's tokenizer splits them) of every
    whitespace-separated piece becomes a quoted term (``"`` doubled inside), the terms
    are ANDed (FTS5's implicit AND), and the last word of the last piece gets FTS5's
    prefix mark unless the text ends in whitespace (a finished word); so does the last
    word of a piece the user ended with ``*``. The index keeps no word positions
    (migration 0009, ``detail=none``), so a piece of several words ("jong-un") is not a
    phrase here: :func:`phrase_filter` keeps the units where its words follow each
    other. Pieces of punctuation alone are dropped. Control characters count as spaces.
    """
    terms = []
    for piece, prefix in _pieces(text):
        words = _WORD.findall(piece)
        for i, word in enumerate(words):
            last = prefix and i == len(words) - 1
            terms.append('"' + word.replace('"', '""') + '"' + ("*" if last else ""))
    return " ".join(terms)


def has_phrases(text: str) -> bool:
    """Whether what a user typed holds a piece of several words (a phrase to check)."""
    return any(len(_WORD.findall(piece)) > 1 for piece, _ in _pieces(text))


PHRASE_FUNCTION = "stance_phrases_match"


def phrase_filter(db: Database, typed: str) -> tuple[str, list]:
    """``(sql, params)``: a condition on ``u.text`` keeping the units where every piece
    of several words that ``typed`` holds occurs with its words in a row (as FTS5's
    phrase query did when the index kept positions); ``("", [])`` when there is none.

    Checked in Python by :func:`mark_matches`'s word matching (registered on the
    connection as an SQL function), only on the units the index found holding every word.
    """
    if not has_phrases(typed):
        return "", []
    db.conn.create_function(PHRASE_FUNCTION, 2, _phrases_match, deterministic=True)
    return f"{PHRASE_FUNCTION}(u.text, ?)", [typed]


def _phrases_match(text: str | None, typed: str) -> int:
    if text is None:
        return 0
    phrases = [p for p in _phrases(typed) if len(p[0]) > 1]
    tokens = [_fold(m.group()) for m in _WORD.finditer(text)]
    return int(all(_spans(tokens, words, prefix) for words, prefix in phrases))


_WORD = re.compile(r"[^\W_]+")


def _phrases(typed: str) -> list[tuple[list[str], bool]]:
    """The folded words of each piece of ``typed`` that holds any, with its prefix mark."""
    phrases = []
    for piece, prefix in _pieces(typed):
        words = [_fold(w) for w in _WORD.findall(piece)]
        if words:
            phrases.append((words, prefix))
    return phrases


def _spans(tokens: list[str], words: list[str], prefix: bool) -> list[int]:
    """Where ``words`` occur in a row in ``tokens`` (folded), the last one as a prefix
    when ``prefix``: the index of each first word."""
    n = len(words)
    return [
        i
        for i in range(len(tokens) - n + 1)
        if all(
            tokens[i + k].startswith(words[k])
            if prefix and k == n - 1
            else tokens[i + k] == words[k]
            for k in range(n)
        )
    ]


def _fold(word: str) -> str:
    """A word as the index's tokenizer keeps it: accents removed, case folded."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def mark_matches(text: str, typed: str) -> str | None:
    """``text`` with the words that the search ``typed`` matches marked (MARK_START /
    MARK_END), worked out in Python for a list of results: no query per row (a prefix
    of four letters or more makes FTS5 gather every word it begins, per query). None when
    ``typed`` holds no word. Words are split and folded as the index's tokenizer does
    (letters and digits; accents and case ignored) and a piece of several words
    ("jong-un") is marked where they follow each other, so the marks are FTS5's
    highlight()."""
    phrases = _phrases(typed)
    if not phrases:
        return None
    found = [(m.start(), m.end(), _fold(m.group())) for m in _WORD.finditer(text)]
    tokens = [t[2] for t in found]
    spans = []
    for words, prefix in phrases:
        for i in _spans(tokens, words, prefix):
            spans.append((found[i][0], found[i + len(words) - 1][1]))
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[str] = []
    last = 0
    for start, end in merged:
        out += [text[last:start], MARK_START, text[start:end], MARK_END]
        last = end
    out.append(text[last:])
    return "".join(out)


DEFERRED_KEY = "search_index_deferred"  # meta key read by migration 0008's insert trigger


@contextlib.contextmanager
def indexing_in_bulk(db: Database) -> Iterator[None]:
    """Index the units inserted in the block with one statement at its end, not one
    trigger per row (call inside the caller's write transaction).

    FTS5 writes its pending words out at the end of every statement, so an
    ``executemany`` of units with the per-row trigger took about ten times as long as the
    inserts themselves; one ``INSERT ... SELECT`` over the new rows does the same work at
    once. The flag that mutes the trigger lives in ``meta`` inside the same transaction:
    if the block fails the caller rolls everything back, flag included. New units take
    rowids above the largest before the block (a rowid table without AUTOINCREMENT).
    """
    first = db.execute("SELECT coalesce(max(rowid), 0) FROM units").fetchone()[0]
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, '1')", [DEFERRED_KEY])
    yield
    db.execute("DELETE FROM meta WHERE key = ?", [DEFERRED_KEY])
    db.execute(
        "INSERT INTO unit_search (rowid, text) SELECT rowid, text FROM units WHERE rowid > ?",
        [first],
    )


def has_search_index(db: Database) -> bool:
    """Whether the project holds the search index (migration 0008 applied)."""
    row = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'unit_search'"
    ).fetchone()
    return row is not None


def _displaced_rowids(db: Database) -> list[int]:
    """Rowids of units whose rowid order is not their corpus order (split off by curation)."""
    rows = db.execute(
        "SELECT u.rowid FROM unit_changes c JOIN units u ON u.id = c.unit_id "
        "WHERE c.event = 'split_off'"
    )
    return sorted({r[0] for r in rows})


def _article_rowid_range(db: Database, article_id: str) -> tuple[int, int] | None:
    row = db.execute(
        "SELECT min(rowid), max(rowid) FROM units WHERE article_id = ?", [article_id]
    ).fetchone()
    return None if row is None or row[0] is None else (row[0], row[1])


class PageKey(NamedTuple):
    """Where the next page of a search starts (keyset paging, no OFFSET): after the unit
    ``seq`` in corpus order, and after ``rowid`` in the index's order (the last unit of
    the pages so far that is in its import place; 0 for none)."""

    seq: int
    rowid: int


class Page(NamedTuple):
    """One page of matches: the rows, whether more follow, and where the next starts."""

    rows: list[tuple]
    more: bool
    after: PageKey | None


def match_page(
    db: Database,
    query: str,
    limit: int | None,
    *,
    columns: str,
    where: str = "",
    params: list | tuple = (),
    article: str | None = None,
    after: PageKey | None = None,
) -> Page:
    """The first ``limit`` rows (all when None) of ``columns`` over ``unit_search f``,
    ``units u`` and ``articles a`` whose unit matches the FTS5 ``query`` (as
    :func:`fts_query` writes it) and passes ``where``, in corpus order, after ``after``
    (a page's :attr:`Page.after`). ``columns`` must start with ``u.seq``.

    Each page is one range read of the index from where the last one stopped (rowid
    order is corpus order but for the few units split off by curation, searched apart
    and merged in by seq), so the thousandth page costs what the first does. ``more``
    is found by reading one row past the page.

    The index keeps no word positions (migration 0009): a piece of several words is
    checked by :func:`phrase_filter`'s condition, which callers put in ``where``.
    """
    return _page(query, db, limit, columns, where, params, article, after)


def _page_key(rows: list[tuple], before: PageKey | None, moved: set[int]) -> PageKey | None:
    """Where a page ending with ``rows`` (raw rows: rowid last) leaves off."""
    if not rows:
        return before
    in_place = [r[-1] for r in rows if r[-1] not in moved]
    return PageKey(rows[-1][0], in_place[-1] if in_place else (before.rowid if before else 0))


def _page(
    query: str,
    db: Database,
    limit: int | None,
    columns: str,
    where: str,
    params: list | tuple,
    article: str | None,
    after: PageKey | None,
) -> Page:
    if not query or (limit is not None and limit <= 0):
        return Page([], False, after)
    base = (
        f"SELECT {columns}, f.rowid FROM unit_search f "
        "JOIN units u ON u.rowid = f.rowid JOIN articles a ON a.id = u.article_id "
        "WHERE unit_search MATCH ?"
    )
    extra = ""
    args: list = [query]
    if article is not None:
        span = _article_rowid_range(db, article)
        if span is None:
            return Page([], False, after)
        extra += " AND f.rowid BETWEEN ? AND ? AND u.article_id = ?"
        args += [*span, article]
    if where:
        extra += f" AND ({where})"
    args += list(params)
    displaced = _displaced_rowids(db)
    moved = set(displaced)
    marks = ", ".join("?" * len(displaced))
    skip = f" AND f.rowid NOT IN ({marks})" if displaced else ""

    def fetch(cursor: PageKey | None, n: int) -> list[tuple]:
        """The first ``n`` (all for -1) matching rows after ``cursor``."""
        start = f" AND f.rowid > {int(cursor.rowid)}" if cursor is not None else ""
        rows = db.execute(
            f"{base}{extra}{skip}{start} ORDER BY f.rowid LIMIT ?", [*args, *displaced, n]
        ).fetchall()
        if displaced:
            later = f" AND u.seq > {int(cursor.seq)}" if cursor is not None else ""
            rows += db.execute(
                f"{base}{extra} AND f.rowid IN ({marks}){later}", [*args, *displaced]
            ).fetchall()
            rows.sort(key=lambda r: r[0])
            rows = rows if n < 0 else rows[:n]
        return rows

    rows = fetch(after, -1 if limit is None else limit + 1)
    more = limit is not None and len(rows) > limit
    rows = rows if limit is None else rows[:limit]
    return Page([r[:-1] for r in rows], more, _page_key(rows, after, moved))


def match_rows(
    db: Database,
    query: str,
    limit: int | None,
    *,
    columns: str,
    where: str = "",
    params: list | tuple = (),
    article: str | None = None,
) -> list[tuple]:
    """The rows of :func:`match_page`'s first page. Building block of the searches here
    and of the coding window's filtered list (coding_queries)."""
    return match_page(
        db, query, limit, columns=columns, where=where, params=params, article=article
    ).rows


def search_units(
    db: Database,
    text: str,
    limit: int = DEFAULT_LIMIT,
    article: str | None = None,
    *,
    include_excluded: bool = False,
) -> list[SearchHit]:
    """Units whose text holds every word typed in ``text`` (the last one as a prefix), in
    corpus order, at most ``limit`` of them; only ``article``'s when it is given.

    Case and accents are ignored ("seoul" finds "Séoul"). Excluded units (clutter, units
    retired by a merge, excluded articles) are left out, as they are never coded, unless
    ``include_excluded`` (the lead looking for what curation set aside). Only the units'
    text is returned: no coder's labels (blind coding).
    """
    query = fts_query(text)
    conditions = [] if include_excluded else ["u.excluded = 0 AND a.excluded = 0"]
    phrases, params = phrase_filter(db, text)
    if phrases:
        conditions.append(phrases)
    rows = match_rows(
        db,
        query,
        limit,
        columns=(
            "u.seq, u.id, u.article_id, a.title, u.text, "
            f"highlight(unit_search, 0, '{MARK_START}', '{MARK_END}'), "
            "u.excluded OR a.excluded"
        ),
        where=" AND ".join(conditions),
        params=params,
        article=article,
    )
    # FTS5's highlight() marks each word of a phrase wherever it occurs (the index keeps
    # no positions); mark_matches marks the phrases, as highlight() did with them.
    return [
        SearchHit(
            r[0], r[1], r[2], r[3], r[4], mark_matches(r[4], text) if phrases else r[5], bool(r[6])
        )
        for r in rows
    ]


def marked_parts(marked: str) -> list[tuple[str, bool]]:
    """``SearchHit.marked`` as ``(text, is_match)`` pieces, in order."""
    parts: list[tuple[str, bool]] = []
    for i, chunk in enumerate(marked.split(MARK_START)):
        if i == 0:
            if chunk:
                parts.append((chunk, False))
            continue
        hit, _, rest = chunk.partition(MARK_END)
        if hit:
            parts.append((hit, True))
        if rest:
            parts.append((rest, False))
    return parts


def snippet_parts(marked: str, *, before: int = 30) -> list[tuple[str, bool]]:
    """:func:`marked_parts` for a one-line list: when the first match starts more than
    ``before`` characters in, the text before it is cut to its last words, after "…", so
    that the match shows however narrow the row."""
    parts = marked_parts(marked)
    if not parts or parts[0][1] or len(parts[0][0]) <= before:
        return parts
    lead = parts[0][0]
    cut = lead.rfind(" ", 0, len(lead) - before)
    kept = lead[cut + 1 :] if cut >= 0 else lead[-before:]
    return [("…" + kept, False), *parts[1:]]


class ArticleFilter:
    """The article list's filter: which codable articles' title, source, author, date or
    url hold the typed text (case-insensitive, Unicode case folding).

    The five fields of every article are read once (from the ``articles_listing`` index,
    not the articles' rows with their text) and kept folded, so each key press is a scan
    of short strings in memory: a few ms for 20,000 articles, where a LIKE over the table
    took 30-50 ms. Make a new one when the articles change (an import, an exclusion).
    """

    def __init__(self, db: Database):
        rows = db.execute(
            "SELECT id, title, source, author, date, url FROM articles "
            "WHERE excluded = 0 ORDER BY position"
        )
        self._ids: list[str] = []
        self._haystacks: list[str] = []
        for row in rows:
            self._ids.append(row[0])
            # a separator no one types, so that a match never spans two fields
            self._haystacks.append("\x1f".join(row[1:]).casefold())

    def __len__(self) -> int:
        return len(self._ids)

    def matching(self, text: str) -> list[str] | None:
        """Ids of the articles holding ``text``, in project order; None when ``text`` is
        blank (no filter)."""
        if not text.strip():
            return None
        wanted = text.casefold()  # as typed: a space after a word ends the word
        return [i for i, hay in zip(self._ids, self._haystacks, strict=True) if wanted in hay]


def filter_article_ids(db: Database, text: str) -> list[str] | None:
    """Ids of the codable articles whose title, source, author, date or url holds ``text``
    (case-insensitive), in project order; None when ``text`` is blank (no filter). One-off
    form of :class:`ArticleFilter`."""
    return ArticleFilter(db).matching(text)
