"""``stancecoder export``: layouts x formats, with a sidecar JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop.commands import split_list
from desktop.core.errors import UsageError

# The format a file name implies when --format is left out.
_BY_SUFFIX = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".parquet": "parquet",
    ".xlsx": "xlsx",
    ".sav": "sav",
    ".dta": "dta",
    ".qdpx": "qdpx",
    ".qdc": "qdc",
}


def _tuple(items: list[str] | None) -> tuple[str, ...] | None:
    return tuple(items) if items else None


def register(sub, parser_class) -> None:
    from desktop.core.export import FORMATS, LAYOUTS

    p = sub.add_parser(
        "export",
        help="export labels, gold values, units or the codebook",
        description="Export a layout in a format; a .meta.json sidecar describes the file.",
    )
    p.add_argument("project")
    p.add_argument("--layout", required=True, help=", ".join(LAYOUTS))
    p.add_argument(
        "--format",
        help=f"{', '.join(FORMATS)} (default: from the output file's extension)",
    )
    p.add_argument("-o", "--output", required=True, help="output file, or - for standard output")
    p.add_argument("--coders", help="comma-separated coder ids (default: all)")
    p.add_argument("--articles", help="comma-separated article ids (default: all)")
    p.set_defaults(func=cmd_export)


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    implied = _BY_SUFFIX.get(Path(args.output).suffix.lower())
    if implied is None:
        raise UsageError(f"say which --format to write {args.output} in")
    return implied


def _progress_printer():
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        sys.stderr.write(f"\r[{'#' * filled}{' ' * (width - filled)}] {done:,}/{total:,} rows")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def cmd_export(args: argparse.Namespace) -> int:
    from desktop.core import store
    from desktop.core.export import export, refusal
    from desktop.core.export.layouts import Filters
    from desktop.core.store.guard import refuse_project_output

    refuse_project_output(args.output, args.project)
    fmt = _format(args)
    reason = refusal(args.layout, fmt)
    if reason:  # before opening the project: a senseless request changes nothing
        raise UsageError(reason)
    db = store.open_project(args.project)
    try:
        result = export(
            db,
            args.layout,
            fmt,
            args.output,
            filters=Filters(
                coders=_tuple(split_list(args.coders)), articles=_tuple(split_list(args.articles))
            ),
            progress=_progress_printer() if args.output != "-" else None,
        )
    finally:
        db.close()
    if result.path != "-":
        print(f"Wrote {result.rows:,} rows to {result.path} (details in {result.sidecar})")
    return 0
