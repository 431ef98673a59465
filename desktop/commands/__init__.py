"""Command-line commands by feature. Each module has ``register(sub, parser_class)``,
which adds its subcommands to the ``stancecoder`` parser; desktop.cli lists the modules."""

import json
import sys
from pathlib import Path


def split_list(text: str | None) -> list[str] | None:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``; None for an absent option."""
    if not text:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def emit_report(args, report, renderer, what: str) -> None:
    """Write ``report`` as ``args.format`` (json, html or a table) to ``args.output`` or
    standard output; ``renderer`` is the module with ``report_to_json``, ``render_html``
    and ``format_table`` for it, ``what`` names the report in the confirmation line."""
    if args.format == "json":
        text = json.dumps(renderer.report_to_json(report), indent=2, ensure_ascii=False) + "\n"
    elif args.format == "html":
        text = renderer.render_html(report, project_name=Path(args.project).stem)
    else:
        text = renderer.format_table(report) + "\n"
    if args.output and args.output != "-":
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"Wrote the {args.format} {what} to {args.output}")
    else:
        sys.stdout.write(text)
