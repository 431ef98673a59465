"""``stancecoder export``: layouts x formats, with a sidecar JSON."""

from __future__ import annotations

import argparse


def _split_list(text: str | None) -> tuple[str, ...] | None:
    if not text:
        return None
    return tuple(part.strip() for part in text.split(",") if part.strip())


def register(sub, parser_class) -> None:
    from desktop.core.export import FORMATS, LAYOUTS

    p = sub.add_parser("export", help="export units, labels or the codebook")
    p.add_argument("project")
    p.add_argument("--layout", required=True, help=", ".join(LAYOUTS))
    p.add_argument("--format", required=True, help=", ".join(FORMATS))
    p.add_argument("-o", "--output", required=True, help="output file, or - for standard output")
    p.add_argument("--coders", help="comma-separated coder ids")
    p.add_argument("--articles", help="comma-separated article ids")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from desktop.core import store
    from desktop.core.export import export
    from desktop.core.export.layouts import Filters

    db = store.open_project(args.project)
    try:
        result = export(
            db,
            args.layout,
            args.format,
            args.output,
            filters=Filters(coders=_split_list(args.coders), articles=_split_list(args.articles)),
        )
    finally:
        db.close()
    if result.path != "-":
        print(f"Wrote {result.rows} rows to {result.path} (details in {result.sidecar})")
    return 0
