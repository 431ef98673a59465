"""An article's text into paragraphs and sentence units: clutter rules, then segmentation.

This is the unit of work of an import's worker processes (see :mod:`.parallel`): a pure
function of an article's text, its title flag and the clutter rules, returning plain
tuples (cheap to send back between processes). It imports nothing heavy, so that a
worker starts quickly; the importer turns the tuples into the store's rows.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from desktop.core.corpus.clutter import ClutterRules, classify_lines, inline_spans
from desktop.core.corpus.segment import sentence_spans

TITLE_RULE = "title"
_SPACES = re.compile(r"\s+")
_NOT_PLAIN_SPACE = re.compile(r"[^\S ]")


def _odd_spaces(text: str) -> bool:
    """Whether ``text`` holds whitespace other than single plain spaces: what
    ``\\s{2,}|[^\\S ]`` finds, in a third of its time (a scan for two spaces, then for
    one whitespace character that is not a space; an import tests every line)."""
    return "  " in text or _NOT_PLAIN_SPACE.search(text) is not None


class SplitArticle(NamedTuple):
    """One article's paragraphs and units, as the fields of ``NewParagraph`` and
    ``NewUnit`` in order, and the pieces each inline rule took out of coded lines."""

    paragraphs: list[tuple[int, int, bool, str]]  # start, end, excluded, excluded_by
    # paragraph, sentence, start, end, text, excluded, excluded_by
    units: list[tuple[int, int, int, int, str, bool, str]]
    inline: dict[str, int]


def clean_unit_text(line: str, start: int, end: int, spans) -> str:
    """The text of the sentence ``line[start:end]`` without the inline clutter ``spans``
    and with runs of whitespace made one space."""
    if not spans:
        text = line[start:end]
        # Most sentences hold only single plain spaces; only the others need collapsing.
        return _SPACES.sub(" ", text).strip() if _odd_spaces(text) else text
    pieces, cursor = [], start
    for s, e, _ in spans:
        if e <= cursor or s >= end:
            continue
        pieces.append(line[cursor : max(s, cursor)])
        cursor = max(cursor, e)
    pieces.append(line[cursor:end])
    return _SPACES.sub(" ", "".join(pieces)).strip()


def split_text(text: str, title_in_text: bool, rules: ClutterRules) -> SplitArticle:
    """Split an article's text into paragraphs (one per non-blank line) and sentences.

    Clutter lines stay in the text and become excluded paragraphs and units (the first
    line too, by the rule ``title``, when it is the headline); inline clutter stays in
    the text but is left out of the units' text and is blanked before segmenting.
    """
    lines = text.split("\n")
    verdicts = classify_lines(lines, rules)
    paragraphs: list[tuple[int, int, bool, str]] = []
    units: list[tuple[int, int, int, int, str, bool, str]] = []
    inline: dict[str, int] = {}
    has_inline = bool(rules.inline)
    offset = 0
    for index, line in enumerate(lines):
        line_start = offset
        offset += len(line) + 1
        if not line.strip():
            continue
        verdict = verdicts[index]
        excluded, rule = verdict.excluded, verdict.rule
        if index == 0 and title_in_text:
            excluded, rule = True, TITLE_RULE
        paragraph = len(paragraphs)
        paragraphs.append((line_start, line_start + len(line), excluded, rule))
        spans = inline_spans(line, rules) if has_inline else []
        masked = line
        if spans:
            if not excluded:
                for _, _, name in spans:
                    inline[name] = inline.get(name, 0) + 1
            for s, e, _ in spans:
                masked = masked[:s] + " " * (e - s) + masked[e:]
        if spans or _odd_spaces(line):
            for sentence, (s, e) in enumerate(sentence_spans(masked)):
                unit_text = clean_unit_text(line, s, e, spans)
                if unit_text:
                    units.append(
                        (
                            paragraph,
                            sentence,
                            line_start + s,
                            line_start + e,
                            unit_text,
                            excluded,
                            rule,
                        )
                    )
        else:
            # Only single plain spaces in the whole line: each sentence's text is its slice
            # (what clean_unit_text returns for it, without testing every sentence again).
            units += [
                (paragraph, sentence, line_start + s, line_start + e, line[s:e], excluded, rule)
                for sentence, (s, e) in enumerate(sentence_spans(masked))
            ]
    return SplitArticle(paragraphs, units, inline)


def split_texts(items: list[tuple[str, bool]], rules: ClutterRules) -> list[SplitArticle]:
    """:func:`split_text` of each ``(text, title_in_text)``, in order (one batch of an
    import's worker processes)."""
    return [split_text(text, title_in_text, rules) for text, title_in_text in items]
