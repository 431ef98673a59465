"""`stancecoder search PROJECT QUERY`: the sentences that hold every word of QUERY."""

from __future__ import annotations

import argparse
import json
import sys

from desktop.core.errors import UsageError

MAX_LIMIT = 100_000


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--limit must be a whole number, not {text!r}") from None
    if not 1 <= value <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"--limit must be between 1 and {MAX_LIMIT:,}")
    return value


def _one_line(text: str) -> str:
    return " ".join(text.split())


def cmd_search(args: argparse.Namespace) -> int:
    from desktop.core import store
    from desktop.core.store import search

    if not search.fts_query(args.query):
        raise UsageError(f"nothing to search for in {args.query!r} (type a word)")
    db = store.open_project(args.project)
    try:
        if args.article and store.get_article(db, args.article) is None:
            raise UsageError(f"{args.project}: no article {args.article!r}")
        hits = search.search_units(
            db,
            args.query + " ",  # whole words, as typed; a trailing * asks for a prefix
            limit=args.limit + 1,  # one more than printed: whether more match
            article=args.article,
            include_excluded=args.all,
        )
    finally:
        db.close()
    more_match = len(hits) > args.limit
    hits = hits[: args.limit]
    if args.json:
        rows = [
            {
                "unit": h.seq,
                "unit_id": h.unit_id,
                "article_id": h.article_id,
                "article": h.article_title,
                "text": h.text,
                "excluded": h.excluded,
            }
            for h in hits
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for hit in hits:
        flag = "  (excluded)" if hit.excluded else ""
        title = _one_line(hit.article_title) or hit.article_id
        print(f"{hit.seq}\t{title}\t{_one_line(hit.text)}{flag}")
    more = " (the first ones: more match; --limit shows more)" if more_match else ""
    noun = "sentence" if len(hits) == 1 else "sentences"
    print(f"{len(hits):,} {noun}{more}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction, parser_class: type) -> None:
    """Add ``search`` to the ``stancecoder`` command line."""
    p = sub.add_parser(
        "search",
        help="list the sentences that hold every word of a query (case and accents ignored)",
        description="Print the sentences holding every word of QUERY, in corpus order: unit "
        "number, article, text (tab-separated). Words match whole; end one with * to match "
        "it as a prefix (alli* finds alliance). Excluded sentences are left out unless --all.",
    )
    p.add_argument("project")
    p.add_argument("query")
    p.add_argument("--article", metavar="ID", help="only this article's sentences")
    p.add_argument("--limit", type=_limit, default=200, help="at most this many (default 200)")
    p.add_argument("--all", action="store_true", help="include excluded sentences")
    p.add_argument("--json", action="store_true", help="print JSON instead of lines")
    p.set_defaults(func=cmd_search)
