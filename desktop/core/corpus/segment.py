"""Sentence segmentation with syntok, keeping character offsets into the paragraph.

syntok was chosen over pysbd and blingfire (see benchmarks/segmenters.py): it keeps
parentheses, quotes, initials, "U.S." and hyphenated names together like pysbd does, and
is three times faster than pysbd; blingfire is faster still but splits inside
parentheses.
"""

from __future__ import annotations

import re

from syntok import segmenter

# Titles that syntok takes for a sentence end when two follow each other ("Lt. Gen.
# Ruiz", "The Hon. Mark Ellery"); a span ending in one of them joins the next span.
_TITLE_AT_END = re.compile(
    r"(?:^|[\s(\"“])(?:Lt|Gen|Col|Maj|Capt|Cmdr|Adm|Sgt|Brig|Hon|Rev|Gov|Sen|Rep|Amb|Prof|Dr"
    r"|Mr|Mrs|Ms|Mt|St|Ft)\.$"
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the sentences of one paragraph of ``text``.

    Spans exclude surrounding whitespace and cover every non-blank character, in order.
    """
    if not text.strip():
        return []
    spans = []
    for paragraph in segmenter.analyze(text):
        for sentence in paragraph:
            if not sentence:
                continue
            first, last = sentence[0], sentence[-1]
            start, end = first.offset, last.offset + len(last.value)
            if end <= start:
                continue
            if spans and _TITLE_AT_END.search(text[spans[-1][0] : spans[-1][1]]):
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
    return spans


def spans_of_lines(lines: list[str]) -> list[list[tuple[int, int]]]:
    """:func:`sentence_spans` of each line, in order (the unit of work of an import's
    worker processes, so it lives here, in a module that imports nothing heavy)."""
    return [sentence_spans(line) for line in lines]
