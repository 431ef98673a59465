"""Sentence segmentation: syntok, then a few repairs, keeping character offsets.

syntok was chosen over pysbd and blingfire by measurement (benchmarks/segmenters.py,
figures in benchmarks/README.md): it keeps parentheses, quotes, initials, "U.S." and
hyphenated names together, and is several times faster than pysbd. Where it cuts news
text wrongly, a repair below puts the boundary where the English Golden Rules (the
Pragmatic Segmenter's, which pysbd follows) put it:

* a span ending in a title or a prepositive abbreviation ("Lt. Gen. Ruiz", "Re. “Prop.
  13 …”", "No. 5") joins the next one; so does a span of punctuation only (`.”` after an
  ellipsis);
* a sentence ends after an e-mail address or a URL, after a pronoun "I." ("you and I.
  Did …") and after "A.M."/"P.M." written in capitals before a capitalised word;
* a spaced ellipsis inside a sentence (". . . I didn't") is no boundary, and a four-dot
  ellipsis after a sentence opens the next one;
* numbered, lettered and bulleted list items run together in one paragraph ("1.) …
  2.) …", "a. … b. …", "• 9. … • 10. …") are one sentence each.

The repairs that split look at a paragraph only when a cheap test finds one of their
marks in it, so plain news paragraphs cost what syntok costs.
"""

from __future__ import annotations

import re

from syntok import segmenter


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that are never the last of a sentence when followed by more text: titles and
# prepositive abbreviations. A span ending in one of them joins the next span.
_TITLES = _words(
    "Lt Gen Col Maj Capt Cmdr Adm Sgt Brig Hon Rev Gov Sen Rep Amb Prof Dr Mr Mrs Ms Messrs Mt "
    "St Ft Re Prop Fig Figs Vol Art Sec Ch No Nos Nr N° Nº p pp"
)
_JOIN_AFTER = re.compile(r"(?:^|[\s(\"“‘'])(?:" + "|".join(_TITLES) + r")\.$")
# Abbreviations above that only join a following number ("No. 5", not "it was a no.").
_BEFORE_NUMBER = frozenset(("No", "Nos", "Nr", "N°", "Nº", "p", "pp", "Art", "Fig", "Vol"))
_NUMBER_START = re.compile(r"[\d(#]")
_HAS_WORD = re.compile(r"\w")
_TAIL = 12

# Cheap test for the rare marks the splitting repairs need.
_MAYBE = re.compile(r"@|://|www\.|\bI\.|\. \. \.|^\s*(?:[•⁃▪◦‣*-]|\(?(?:\d{1,2}|[a-zA-Z])[.)])")
_URL_OR_MAIL_END = re.compile(
    r"(?:\S+@[\w-]+(?:\.[\w-]+)+|(?:https?://|www\.)\S+?)\.(?=\s+[\"“‘(]?[A-Z])"
)
_PRONOUN_I_END = re.compile(r"\b[a-z]+\s+I\.(?=\s+[A-Z])")
_CAPITAL_TIME_END = re.compile(r"\b\d{1,2}(?::\d\d)?\s?[AP]\.M\.(?=\s+[A-Z])")
# "3 p.m. Reporters were …" ends a sentence; "5 a.m. Mr. Smith went", "3 p.m. Tuesday" and
# "3 p.m. ET" do not.
_TIME_END = re.compile(
    r"\b\d{1,2}(?::\d\d)?\s?[ap]\.m\.(?=\s+(?!(?:Mr|Mrs|Ms|Dr|Mon|Tue|Wed|Thu|Fri|Sat|Sun"
    r"|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Eastern|Pacific|Central|Mountain"
    r"|Greenwich|Korea|Seoul|Tokyo|Beijing|London|Washington|[A-Z]{2,4}\b))[A-Z])"
)
_INITIALISM = re.compile(r"\w\.\w\.")
# A multi-period abbreviation ("U.S.", "D.C.") ends a sentence before a word that starts
# sentences and seldom follows such an abbreviation inside one ("… the U.S. He …", not
# "the U.S. Government").
_INITIALISM_END = re.compile(
    r"\b(?:[A-Za-z]\.){2,}(?=\s+[\"“‘]?(?:A|An|The|This|That|These|Those|There|Then|He|She"
    r"|It|Its|They|We|I|You|His|Her|Their|Our|My|But|And|So|Yet|However|Still|Now|Meanwhile"
    r"|In|On|At|For|After|Before|When|While|If|As|What|Why|How|Who|Where|Many|Some|Most"
    r"|No|Not|Such|Both|Each|Every|All|One|Two|Being|Did|Does|Do|Is|Are|Was|Were)\b)"
)
_SPACED_ELLIPSIS_END = re.compile(r"(?<![.!?])\s\.\s\.\s\.$")
_FOUR_DOT_END = re.compile(r"(?<=[^\s.])\.(\s\.\s\.\s\.)$")
_LIST_MARKER = re.compile(
    r"(?:^|(?<=\s))(?P<bullet>[•⁃▪◦‣]\s*)?(?P<label>\d{1,2}|[a-zA-Z])(?P<punct>\.\)|\)|\.)(?=\s)"
)
_BULLET = re.compile(r"(?:^|(?<=\s))[•⁃▪◦‣](?=\s)")


try:  # syntok's own list, so that the fast path below cuts exactly where syntok would
    from syntok._segmentation_states import State as _SyntokState

    _ABBREVIATIONS: frozenset[str] | None = frozenset(
        _SyntokState.abbreviations | _SyntokState.months | _SyntokState.roman_numerals
    )
except (ImportError, AttributeError):  # pragma: no cover - a syntok that moved its list
    _ABBREVIATIONS = None

# The fast path: a paragraph whose every ".", "!", "?" and ";" is plainly a sentence end
# (after a word or number, before the end or a capitalised word) or plainly none (inside
# "U.S." or "3.5", after "Mr." before a name, "U.S." before a lowercase word) is cut without
# syntok, where syntok would cut it (most news paragraphs; syntok costs ten times more).
# Anything else goes to syntok.
_STOP = re.compile(r"[.!?;]")
_UNCLEAR = re.compile(r"[@…•⁃▪◦‣\[]|://|www\.|[.!?;][.!?;]")
_MONTHS = _words("Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec")
_CLOSERS = "\"”’'"
_OPENERS = "\"“‘'"
_INITIALS = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]")


def _pieces(text: str) -> list[tuple[int, int, bool]]:
    """The paragraph cut at its plain sentence ends: ``(start, end, hard)`` for each piece,
    ``hard`` when the piece holds a stop that only syntok can judge."""
    size = len(text)
    pieces: list[tuple[int, int, bool]] = []
    begin, hard = 0, False
    parentheses, depth, scanned = "(" in text, 0, 0
    for found in _STOP.finditer(text):
        at = found.start()
        stop = text[at]
        if parentheses:
            depth += text.count("(", scanned, at) - text.count(")", scanned, at)
            scanned = at
            if depth > 0:
                hard = True  # syntok never ends a sentence inside parentheses
                continue
        after = at + 1
        if after < size and not text[after].isspace():
            if text[after] in _CLOSERS:
                while after < size and text[after] in _CLOSERS:
                    after += 1
                if after < size and not text[after].isspace():
                    hard = True
                    continue
            elif stop == "." and text[after].isalnum() and at and text[at - 1].isalnum():
                continue  # inside a token: "3.5", "U.S", "example.com"
            elif stop == ";" or text[after] in ",:;":
                continue
            else:
                hard = True
                continue
        rest = text[after : after + 3].lstrip()
        following = rest.lstrip(_OPENERS)[:1]
        if stop == ";":
            if following.isupper():
                pieces.append((begin, after, hard))
                begin, hard = after, False
            continue
        start = at
        while start and not text[start - 1].isspace() and text[start - 1] not in _OPENERS:
            start -= 1
        token = text[start:at]
        if not token or not token[-1].isalnum():
            hard = True
        elif _INITIALS.fullmatch(token) or token in _ABBREVIATIONS or token in _TITLES:
            if stop == "." and (following.islower() or rest[:1] in (",", ";", ":")):
                continue
            if (
                stop == "."
                and following.isupper()
                and (token in _TITLES or (len(token) == 1 and token.isupper() and token != "I"))
            ):
                continue  # "Mr. Park", "Rachel E. Haskell"
            if stop == "." and following.isdigit() and token in _MONTHS:
                continue  # "Feb. 26"
            hard = hard or bool(rest)
        elif not rest or following.isupper() or (following.isdigit() and stop != "."):
            pieces.append((begin, after, hard))
            begin, hard = after, False
        else:
            hard = True
    if begin < size:
        pieces.append((begin, size, hard))
    return pieces


def _syntok_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for paragraph in segmenter.analyze(text):
        for sentence in paragraph:
            if not sentence:
                continue
            first, last = sentence[0], sentence[-1]
            start, end = first.offset, last.offset + len(last.value)
            if end > start:
                spans.append((start, end))
    return spans


def _joins_next(text: str, span: tuple[int, int], following: tuple[int, int]) -> bool:
    """Whether ``span`` must not end a sentence before ``following``."""
    start, end = span
    if text[end - 1] == ".":
        tail = text[max(start, end - _TAIL) : end]
        found = _JOIN_AFTER.search(tail)
        if found:
            word = found.group(0).lstrip(" \t(\"“‘'")[:-1]
            if word not in _BEFORE_NUMBER or _NUMBER_START.match(text, following[0]):
                return True
        if _SPACED_ELLIPSIS_END.search(tail) and not _FOUR_DOT_END.search(tail):
            return True
    return _HAS_WORD.search(text, following[0], following[1]) is None


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def _cut(text: str, spans: list[tuple[int, int]], cuts: set[int], joins: set[int]):
    """Spans with a boundary added at each offset of ``cuts`` and removed at each offset
    of ``joins`` (the start of a span that joins the one before)."""
    starts = {s for s, _ in spans[1:]}
    starts = (starts | cuts) - joins
    out, start = [], spans[0][0]
    end_all = spans[-1][1]
    for at in sorted(s for s in starts if spans[0][0] < s < end_all):
        piece = _trimmed(text, start, at)
        if piece:
            out.append(piece)
        start = at
    piece = _trimmed(text, start, end_all)
    if piece:
        out.append(piece)
    return out


def _list_items(text: str) -> tuple[set[int], set[int]] | None:
    """Boundaries before the items of a list run together in one paragraph, and the
    boundaries to remove right after each item's marker; None if the line is no list."""
    markers = list(_LIST_MARKER.finditer(text))
    if markers and not text[: markers[0].start()].strip():
        run = [markers[0]]
        for marker in markers[1:]:
            last = run[-1]
            if marker.group("punct") == last.group("punct") and _follows(
                last.group("label"), marker.group("label")
            ):
                run.append(marker)
        first = run[0].group("label")
        if len(run) > 1 and (run[0].group("bullet") or first in ("1", "a", "A")):
            return _around(text, [(m.start(), m.end()) for m in run])
    bullets = list(_BULLET.finditer(text))
    if len(bullets) > 1 and not text[: bullets[0].start()].strip():
        return _around(text, [(m.start(), m.end()) for m in bullets])
    return None


def _around(text: str, markers: list[tuple[int, int]]) -> tuple[set[int], set[int]]:
    cuts = {start for start, _ in markers}
    joins = set()
    for _, end in markers:
        at = end
        while at < len(text) and text[at].isspace():
            at += 1
        joins.add(at)
    return cuts, joins


def _follows(previous: str, label: str) -> bool:
    if previous.isdigit() and label.isdigit():
        return int(label) == int(previous) + 1
    return len(previous) == len(label) == 1 and ord(label) == ord(previous) + 1


def _repairs(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    cuts: set[int] = set()
    joins: set[int] = set()
    for pattern in (
        _URL_OR_MAIL_END,
        _PRONOUN_I_END,
        _CAPITAL_TIME_END,
        _TIME_END,
        _INITIALISM_END,
    ):
        for found in pattern.finditer(text):
            cuts.add(found.end())
    for start, end in spans[:-1]:
        tail = text[max(start, end - _TAIL) : end]
        four = _FOUR_DOT_END.search(tail)
        if four:
            cuts.add(max(start, end - _TAIL) + four.start(1))
            joins.add(next(s for s, _ in spans if s >= end))
    listed = _list_items(text)
    if listed:
        cuts |= listed[0]
        joins |= listed[1]
    if not cuts and not joins:
        return spans
    return _cut(text, spans, cuts, joins)


# The end of the sentence before, cut off by syntok after an ellipsis: `." The talks`.
_LEADING_CLOSER = re.compile(r"[.!?…]+[\"”’)\]]+(?=\s)")


def _syntok_and_repairs(text: str, maybe: bool) -> list[tuple[int, int]]:
    raw = _syntok_spans(text)
    if raw and (maybe or _INITIALISM.search(text)):
        raw = _repairs(text, raw)
    spans = raw[:1]
    for span in raw[1:]:
        closer = _LEADING_CLOSER.match(text, span[0], span[1])
        if closer:
            spans[-1] = (spans[-1][0], closer.end())
            span = _trimmed(text, closer.end(), span[1])
            if span is None:
                continue
        if _joins_next(text, spans[-1], span):
            spans[-1] = (spans[-1][0], span[1])
        else:
            spans.append(span)
    return spans


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the sentences of one paragraph of ``text``.

    Spans exclude surrounding whitespace and cover every non-blank character, in order.
    """
    if not text.strip():
        return []
    maybe = _MAYBE.search(text) is not None
    if maybe or _ABBREVIATIONS is None or _UNCLEAR.search(text):
        return _syntok_and_repairs(text, maybe)
    spans: list[tuple[int, int]] = []
    for start, end, hard in _pieces(text):
        if not hard:
            piece = _trimmed(text, start, end)
            if piece:
                spans.append(piece)
            continue
        spans += [(start + s, start + e) for s, e in _syntok_and_repairs(text[start:end], False)]
    return spans


def spans_of_lines(lines: list[str]) -> list[list[tuple[int, int]]]:
    """:func:`sentence_spans` of each line, in order (the unit of work of an import's
    worker processes, so it lives here, in a module that imports nothing heavy)."""
    return [sentence_spans(line) for line in lines]
