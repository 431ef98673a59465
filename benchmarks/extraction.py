"""Which HTML extraction settings keep the article and leave out the page's furniture.

Measured on public sets of real saved news pages with annotated body text, kept outside
the repository (never committed) in the folder named by ``--data`` or the environment
variable ``STANCECODER_EXTRACTION_DATA``:

``trafilatura-eval/``
    trafilatura's own evaluation set (github.com/adbar/trafilatura, ``tests/eval/*.html``
    and ``tests/evaldata.json``): per page, up to six passages that belong to the article
    ("with") and up to six that are boilerplate ("without").
``article-extraction-benchmark/``
    Zyte's article extraction benchmark (github.com/scrapinghub/article-extraction-
    benchmark, ``html/*.html.gz`` and ``ground-truth.json``): per page, the whole article
    body; scored with that project's own measure (token 4-gram shingles).

For each candidate, the text that becomes coding units is what counts: the page goes
through the extraction, then through the importer (clutter rules, sentence units); only
units that are not excluded are kept. The library's own default settings are scored on
their raw output, as a user calling ``trafilatura.extract(html)`` would get it.

    .venv/bin/python -m benchmarks.extraction --data /path/to/data

A set that is absent is reported as absent; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

DATA_ENV = "STANCECODER_EXTRACTION_DATA"
_TOKEN = re.compile(r"\w+", re.UNICODE)


def _norm(text: str) -> str:
    return " ".join(text.split())


def _defaults(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html) or ""


def _settings(dissolve: bool = True, **options) -> Callable[[str], str]:
    """Coded text of our pipeline with trafilatura ``options`` in place of ours."""

    def run(html: str) -> str:
        from desktop.core.corpus import readers

        return coded_text(
            readers.document_from_html(html, "page.html", options=options, dissolve=dissolve)
        )

    return run


def _ours(html: str) -> str:
    from desktop.core.corpus import readers

    return coded_text(readers.document_from_html(html, "page.html"))


def coded_text(document) -> str:
    """The text of the units of ``document`` that would be coded, one per line."""
    from desktop.core.corpus.clutter import load_rules
    from desktop.core.corpus.importer import prepare_article

    if document is None:
        return ""
    article = prepare_article(document, _RULES.setdefault("rules", load_rules()))
    return "\n".join(u.text for u in article.units if not u.excluded)


_RULES: dict = {}

CANDIDATES: dict[str, Callable[[str], str]] = {
    "trafilatura defaults (raw output)": _defaults,
    "v1 (favor_precision, no tables, inline kept)": _settings(
        False, include_comments=False, favor_precision=True, include_tables=False
    ),
    "ours, inline elements kept": _settings(False, include_comments=False),
    "ours without tables": _settings(include_comments=False, include_tables=False),
    "ours with favor_recall": _settings(include_comments=False, favor_recall=True),
    "stancecoder (ours)": _ours,
}


def _safely(extract: Callable[[str], str], html: str) -> str:
    from desktop.core.errors import InputError

    try:
        return extract(html)
    except InputError:  # a page with no text at all: nothing becomes a unit
        return ""


def _read_html(path: Path) -> str:
    from desktop.core.corpus.decode import decode_bytes

    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return decode_bytes(raw, path).text


def score_trafilatura_eval(folder: Path, extract: Callable[[str], str]) -> dict:
    """Share of annotated body passages kept and boilerplate passages let through."""
    data = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    found_with = total_with = found_without = total_without = pages = 0
    for item in data.values():
        path = folder / "eval" / item["file"]
        if not path.is_file():
            path = folder / "cache" / item["file"]
        if not path.is_file():
            continue
        pages += 1
        text = _norm(_safely(extract, _read_html(path)))
        for passage in item["with"]:
            total_with += 1
            found_with += _norm(passage) in text
        for passage in item["without"]:
            total_without += 1
            found_without += _norm(passage) in text
    return {
        "pages": pages,
        "body_kept": found_with / max(total_with, 1),
        "body_passages": total_with,
        "boilerplate_kept": found_without / max(total_without, 1),
        "boilerplate_passages": total_without,
    }


def _shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text.lower())
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))


def score_article_benchmark(folder: Path, extract: Callable[[str], str]) -> dict:
    """Shingle precision and recall against the annotated article bodies (Zyte's measure)."""
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    tp = fp = fn = 0
    pages = 0
    for key, item in truth.items():
        path = folder / "html" / f"{key}.html.gz"
        if not path.is_file():
            continue
        pages += 1
        gold, pred = _shingles(item["articleBody"]), _shingles(_safely(extract, _read_html(path)))
        for shingle in gold.keys() | pred.keys():
            g, p = gold.get(shingle, 0), pred.get(shingle, 0)
            tp += min(g, p)
            fp += max(0, p - g)
            fn += max(0, g - p)
    return {
        "pages": pages,
        "recall": tp / max(tp + fn, 1),
        "precision": tp / max(tp + fp, 1),
        "boilerplate_share": fp / max(tp + fp, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=os.environ.get(DATA_ENV))
    parser.add_argument("--set", dest="only_set", help="measure only this set")
    parser.add_argument(
        "--candidate", action="append", help="measure only these candidates (repeatable)"
    )
    args = parser.parse_args(argv)
    root = args.data
    sets = {
        "trafilatura-eval": score_trafilatura_eval,
        "article-extraction-benchmark": score_article_benchmark,
    }
    for name, scorer in sets.items():
        if args.only_set and name != args.only_set:
            continue
        folder = root / name if root else None
        if folder is None or not folder.is_dir():
            print(f"{name}: absent (looked in {folder or f'${DATA_ENV}'}); not measured\n")
            continue
        print(f"## {name}\n")
        for label, extract in CANDIDATES.items():
            if args.candidate and label not in args.candidate:
                continue
            result = scorer(folder, extract)
            figures = ", ".join(
                f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in result.items()
            )
            print(f"{label}: {figures}", flush=True)
        print()


if __name__ == "__main__":
    main()
