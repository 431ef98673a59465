"""Compare sentence segmenters on the hand-checked sample of news sentences.

The gold file (tests/data/segmentation_gold.txt) holds passages separated by lines of
``===``, one gold sentence per line. Each passage is joined with single spaces and given
to every segmenter; a boundary is the character offset, in that joined text, where a
sentence other than the first begins. The end of a passage is not counted as a boundary:
every segmenter gets it right, and counting it would flatter them all.

Speed is measured on one larger document: the passages as paragraphs separated by blank
lines, repeated until it holds at least 20,000 gold sentences. It is segmented twice: in a
single call, and one paragraph per call (as an importer that splits articles into
paragraphs first would do). The two differ a lot for segmenters whose running time grows
faster than the length of their input.

Public sets are scored too when they are present in ``benchmarks/public-data/`` (git-ignored;
or the folder named by ``$STANCECODER_PUBLIC_DATA``), as their projects publish them:
``pysbd/english_golden_rules.py`` (the English Golden Rules, from pysbd's repository) and
``gum/*.conllu`` (UD_English-GUM). The table says when a set is absent; nothing is
downloaded.

Run from the repository root::

    .venv/bin/python -m benchmarks.segmenters [GOLD_PATH] [--errors]

NLTK's punkt is included only when nltk and its punkt model are already installed; this
script never downloads anything.
"""

from __future__ import annotations

import argparse
import ast
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

GOLD_PATH = Path(__file__).resolve().parent.parent / "tests" / "data" / "segmentation_gold.txt"
SPEED_SENTENCES = 20_000
SEPARATOR = "==="

Segment = Callable[[str], list[str]]


class AlignmentError(ValueError):
    """A segmenter returned text whose characters differ from its input."""


@dataclass(frozen=True)
class Passage:
    """Gold sentences, and the text they were cut from (by default, joined by spaces)."""

    sentences: list[str]
    source: str = ""

    @property
    def text(self) -> str:
        return self.source or " ".join(self.sentences)

    @property
    def boundaries(self) -> frozenset[int]:
        if self.source:
            return boundaries_of(self.source, self.sentences)
        starts, offset = set(), 0
        for sentence in self.sentences[:-1]:
            offset += len(sentence) + 1
            starts.add(offset)
        return frozenset(starts)


@dataclass(frozen=True)
class Segmenter:
    name: str
    version: str
    segment: Segment


def load_gold(path: Path) -> list[Passage]:
    """Read the gold file: blocks separated by ``===`` lines, one sentence per line.

    Runs of whitespace inside a sentence are collapsed to one space; empty lines are
    ignored, and so are empty blocks.
    """
    passages: list[Passage] = []
    current: list[str] = []
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = " ".join(raw.split())
        if line == SEPARATOR:
            if current:
                passages.append(Passage(current))
            current = []
        elif line:
            current.append(line)
    if current:
        passages.append(Passage(current))
    return passages


#: Public test sets, kept outside the repository (never committed): this folder, or the
#: one named by the environment variable, holds them as their projects publish them.
PUBLIC_DATA = Path(__file__).resolve().parent / "public-data"
PUBLIC_DATA_ENV = "STANCECODER_PUBLIC_DATA"
GUM_WRITTEN = (
    "academic",
    "bio",
    "essay",
    "fiction",
    "letter",
    "news",
    "textbook",
    "voyage",
    "whow",
)


def public_data_folder() -> Path:
    return Path(os.environ.get(PUBLIC_DATA_ENV) or PUBLIC_DATA)


def load_golden_rules(folder: Path) -> list[Passage]:
    """The English Golden Rules (Kevin Dias' Pragmatic Segmenter, as pysbd ships them in
    ``benchmarks/english_golden_rules.py``): a literal list of (text, sentences)."""
    tree = ast.parse((folder / "pysbd" / "english_golden_rules.py").read_text("utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "GOLDEN_EN_RULES":
            rules = ast.literal_eval(node.value)
            break
    else:
        raise ValueError("no GOLDEN_EN_RULES in english_golden_rules.py")
    passages = []
    for text, sentences in rules:
        try:
            passages.append(Passage(list(sentences), text))
            passages[-1].boundaries  # noqa: B018 - the gold must align with its text
        except AlignmentError:
            passages.pop()  # a rule whose gold also cleans the text: not a boundary test
    return passages


def load_gum(folder: Path) -> list[Passage]:
    """Paragraphs of two or more sentences from the written genres of the GUM corpus
    (UD_English-GUM ``*.conllu``: ``# newpar`` starts a paragraph, ``# text =`` holds a
    sentence), each paragraph one passage."""
    passages: list[Passage] = []
    for path in sorted((folder / "gum").glob("*.conllu")):
        genre, paragraph = "", []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("# newdoc id"):
                genre = line.split("=", 1)[1].strip().split("_")[1]
            if line.startswith(("# newpar", "# newdoc")) and not line.startswith("# newpar_block"):
                if len(paragraph) > 1:
                    passages.append(Passage(paragraph))
                paragraph = []
            elif line.startswith("# text =") and genre in GUM_WRITTEN:
                paragraph.append(" ".join(line.split("=", 1)[1].split()))
        if len(paragraph) > 1:
            passages.append(Passage(paragraph))
    return passages


PUBLIC_SETS: dict[str, tuple[str, Callable[[Path], list[Passage]]]] = {
    "English Golden Rules (pysbd)": ("pysbd/english_golden_rules.py", load_golden_rules),
    "GUM written genres (UD)": ("gum", load_gum),
}


def boundaries_of(text: str, sentences: list[str]) -> frozenset[int]:
    """Return the offsets in ``text`` where each predicted sentence but the first begins.

    Sentences are aligned to ``text`` by their non-whitespace characters, so segmenters
    that trim, keep or re-space the whitespace between sentences are all scored alike.

    Raises
    ------
    AlignmentError
        If the sentences do not contain exactly the non-whitespace characters of ``text``.
    """
    positions = [i for i, char in enumerate(text) if not char.isspace()]
    pieces = ["".join(sentence.split()) for sentence in sentences]
    if "".join(pieces) != "".join(text.split()):
        raise AlignmentError(f"segmenter output does not match its input: {text[:60]!r}")
    starts, seen = set(), 0
    for piece in pieces:
        if not piece:
            continue
        if seen:
            starts.add(positions[seen])
        seen += len(piece)
    return frozenset(starts)


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "?"


def _pysbd() -> Segmenter:
    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False)
    return Segmenter("pysbd", _version("pysbd"), segmenter.segment)


def _syntok() -> Segmenter:
    from syntok.segmenter import analyze

    def segment(text: str) -> list[str]:
        return [
            "".join(token.spacing + token.value for token in sentence)
            for paragraph in analyze(text)
            for sentence in paragraph
        ]

    return Segmenter("syntok", _version("syntok"), segment)


def _blingfire() -> Segmenter:
    from blingfire import text_to_sentences

    def segment(text: str) -> list[str]:
        return text_to_sentences(text).split("\n")

    return Segmenter("blingfire", _version("blingfire"), segment)


def _nltk_punkt() -> Segmenter:
    import nltk

    # nltk >= 3.8.2 reads punkt_tab, older versions the pickled punkt; neither is fetched.
    for resource in ("tokenizers/punkt_tab/english/", "tokenizers/punkt/english.pickle"):
        try:
            nltk.data.find(resource)
            break
        except LookupError:
            continue
    else:
        raise LookupError("the punkt model is not installed (nltk.download is not run here)")
    return Segmenter("nltk punkt", _version("nltk"), nltk.sent_tokenize)


def _ours() -> Segmenter:
    from desktop import __version__
    from desktop.core.corpus.segment import sentence_spans

    def segment(text: str) -> list[str]:
        return [text[start:end] for start, end in sentence_spans(text)]

    return Segmenter("stancecoder (syntok + repairs, fast path)", __version__, segment)


FACTORIES: dict[str, Callable[[], Segmenter]] = {
    "stancecoder": _ours,
    "pysbd": _pysbd,
    "syntok": _syntok,
    "blingfire": _blingfire,
    "nltk punkt": _nltk_punkt,
}


def available_segmenters() -> tuple[list[Segmenter], dict[str, str]]:
    """Return the segmenters that load, and for the others the reason they were skipped."""
    loaded: list[Segmenter] = []
    skipped: dict[str, str] = {}
    for name, factory in FACTORIES.items():
        try:
            loaded.append(factory())
        except (ImportError, LookupError) as error:
            skipped[name] = str(error) or type(error).__name__
    return loaded, skipped


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else math.nan


def score(segmenter: Segmenter, passages: list[Passage]) -> dict:
    """Exact passages and boundary precision, recall and F1 of one segmenter."""
    exact = true_pos = false_pos = false_neg = 0
    misses: list[tuple[list[str], list[str]]] = []
    for passage in passages:
        text = passage.text
        predicted_sentences = segmenter.segment(text)
        predicted = boundaries_of(text, predicted_sentences)
        gold = passage.boundaries
        true_pos += len(predicted & gold)
        false_pos += len(predicted - gold)
        false_neg += len(gold - predicted)
        if predicted == gold:
            exact += 1
        else:
            misses.append((passage.sentences, [s.strip() for s in predicted_sentences]))
    precision = _ratio(true_pos, true_pos + false_pos)
    recall = _ratio(true_pos, true_pos + false_neg)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else math.nan
    return {
        "passages": len(passages),
        "exact": exact,
        "exact_pct": 100 * _ratio(exact, len(passages)),
        "true_pos": true_pos,
        "false_pos": false_pos,
        "false_neg": false_neg,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "misses": misses,
    }


def speed_document(passages: list[Passage], min_sentences: int) -> tuple[str, int]:
    """The passages as blank-line separated paragraphs, repeated to ``min_sentences``.

    Returns the document and the number of gold sentences it holds.
    """
    per_copy = sum(len(passage.sentences) for passage in passages)
    copies = max(1, math.ceil(min_sentences / per_copy))
    document = "\n\n".join(passage.text for passage in passages * copies)
    return document, per_copy * copies


def sentences_per_second(
    segmenter: Segmenter, document: str, sentences: int, *, per_paragraph: bool = False
) -> float:
    """Gold sentences in ``document`` divided by the time to segment it.

    The document is given in one call, or with ``per_paragraph`` one call per paragraph
    (paragraphs being separated by blank lines).
    """
    segmenter.segment("Warm up. Load whatever is loaded lazily.")
    chunks = document.split("\n\n") if per_paragraph else [document]
    start = time.perf_counter()
    for chunk in chunks:
        segmenter.segment(chunk)
    return sentences / (time.perf_counter() - start)


def compare(
    gold_path: Path | str = GOLD_PATH, *, speed_sentences: int = SPEED_SENTENCES
) -> list[dict]:
    """Score every available segmenter against the gold file.

    Returns one dict per segmenter, in a fixed order: ``name``, ``version``, ``skipped``
    (None, or why it did not run), the counts and ratios of :func:`score`, and
    ``sentences_per_second`` (one call on the whole speed document) and
    ``paragraph_sentences_per_second`` (one call per paragraph), both nan when
    ``speed_sentences`` is 0.
    """
    passages = load_gold(Path(gold_path))
    if not passages:
        raise ValueError(f"no passages in {gold_path}")
    loaded, skipped = available_segmenters()
    document, document_sentences = speed_document(passages, max(speed_sentences, 1))
    results: list[dict] = []
    for segmenter in loaded:
        row = {"name": segmenter.name, "version": segmenter.version, "skipped": None}
        row.update(score(segmenter, passages))
        for key, per_paragraph in (
            ("sentences_per_second", False),
            ("paragraph_sentences_per_second", True),
        ):
            row[key] = (
                sentences_per_second(
                    segmenter, document, document_sentences, per_paragraph=per_paragraph
                )
                if speed_sentences > 0
                else math.nan
            )
        row["speed_sentences"] = document_sentences if speed_sentences > 0 else 0
        results.append(row)
    for name, reason in skipped.items():
        results.append({"name": name, "version": "", "skipped": reason})
    return results


def _number(value: float, spec: str) -> str:
    return "n/a" if math.isnan(value) else format(value, spec)


def markdown_table(results: list[dict]) -> str:
    """Format the results of :func:`compare` as a markdown table."""
    lines = [
        "| segmenter | passages exact | boundary P | boundary R | boundary F1 "
        "| sentences/s, one call | sentences/s, per paragraph |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results:
        label = f"{row['name']} {row['version']}".strip()
        if row["skipped"]:
            lines.append(f"| {label} | skipped: {row['skipped']} | | | | | |")
            continue
        lines.append(
            f"| {label} "
            f"| {row['exact']}/{row['passages']} ({row['exact_pct']:.1f}%) "
            f"| {_number(row['precision'], '.3f')} "
            f"| {_number(row['recall'], '.3f')} "
            f"| {_number(row['f1'], '.3f')} "
            f"| {_number(row['sentences_per_second'], ',.0f')} "
            f"| {_number(row['paragraph_sentences_per_second'], ',.0f')} |"
        )
    return "\n".join(lines)


def public_tables(folder: Path | None = None) -> list[str]:
    """One accuracy table per public set found in ``folder`` (default
    :func:`public_data_folder`), or a line saying that a set is absent."""
    folder = folder or public_data_folder()
    loaded, _ = available_segmenters()
    out = []
    for name, (relative, loader) in PUBLIC_SETS.items():
        if not (folder / relative).exists():
            out.append(f"{name}: absent (no {folder / relative}); not measured.")
            continue
        passages = loader(folder)
        sentences = sum(len(p.sentences) for p in passages)
        rows = []
        for segmenter in loaded:
            row = {"name": segmenter.name, "version": segmenter.version, "skipped": None}
            row.update(score(segmenter, passages))
            row["sentences_per_second"] = row["paragraph_sentences_per_second"] = math.nan
            rows.append(row)
        table = markdown_table(rows).replace(
            " | sentences/s, one call | sentences/s, per paragraph |", " | | |"
        )
        out.append(f"{name}: {len(passages)} passages, {sentences} sentences.\n\n{table}")
    return out


def _print_misses(results: list[dict]) -> None:
    for row in results:
        if row["skipped"] or not row["misses"]:
            continue
        print(f"\n## {row['name']}: {len(row['misses'])} passages cut differently\n")
        for gold, predicted in row["misses"]:
            print("gold:      " + " | ".join(gold))
            print("predicted: " + " | ".join(predicted))
            print()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="?", type=Path, default=GOLD_PATH, help="gold file")
    parser.add_argument(
        "--speed-sentences",
        type=int,
        default=SPEED_SENTENCES,
        help="minimum sentences in the speed document (0 skips the speed test)",
    )
    parser.add_argument(
        "--errors", action="store_true", help="also list the passages each segmenter cut wrongly"
    )
    args = parser.parse_args(argv)
    results = compare(args.gold, speed_sentences=args.speed_sentences)
    passages = next((row["passages"] for row in results if not row["skipped"]), 0)
    sentences = sum(len(passage.sentences) for passage in load_gold(args.gold))
    speed = next((row["speed_sentences"] for row in results if not row["skipped"]), 0)
    print(
        f"Gold: {args.gold.name}, {passages} passages, {sentences} sentences; "
        f"speed on one document of {speed:,} sentences.\n"
    )
    print(markdown_table(results))
    print(f"\nPublic sets (from {public_data_folder()}, or ${PUBLIC_DATA_ENV}):\n")
    for table in public_tables():
        print(table + "\n")
    if args.errors:
        _print_misses(results)


if __name__ == "__main__":
    main()
