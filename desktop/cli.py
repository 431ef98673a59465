"""The command line: a thin client of desktop.core.

Every error a user can cause is reported as one line on standard error with exit code 2;
no traceback reaches a user (set STANCECODER_DEBUG=1 to see one).
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from desktop.core.about import VersionAction
from desktop.core.errors import StanceError

EXIT_USER_ERROR = 2

# Feature modules that add their own subcommands (see desktop/commands/__init__.py).
COMMAND_MODULES: tuple[str, ...] = (
    "desktop.commands.agreement",
    "desktop.commands.export",
    "desktop.commands.curation",
    "desktop.commands.team",
    "desktop.commands.backup",
    "desktop.commands.plan",
    "desktop.commands.lab",
    "desktop.commands.model",
    "desktop.commands.search",  # issue 24
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not the whole usage text
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message} (see --help)\n")


# -- commands -----------------------------------------------------------------------------


def cmd_gui(args: argparse.Namespace) -> int:
    from desktop.platform_check import qt_platform_problem

    problem = qt_platform_problem()  # before Qt, which would abort with a paragraph
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_USER_ERROR
    from desktop.ui.app import run_app  # Qt only when the window is wanted

    project = Path(args.project) if getattr(args, "project", None) else None
    return run_app(
        project, getattr(args, "coder", None), readonly=getattr(args, "read_only", False)
    )


def cmd_new(args: argparse.Namespace) -> int:
    from desktop.core import store
    from desktop.core.resources import default_scheme_path
    from desktop.core.scheme import load_scheme

    scheme = load_scheme(args.scheme or default_scheme_path())
    db = store.create_project(args.project, scheme, who=args.who or "")
    db.close()
    print(f"Created {args.project} with the scheme {scheme.id} {scheme.version}")
    return 0


def _progress_printer() -> Callable[[int, int, str], None] | None:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int, what: str) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        name = Path(what).name[:40]
        sys.stderr.write(f"\r[{'#' * filled}{' ' * (width - filled)}] {done}/{total} {name:<40}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def cmd_import(args: argparse.Namespace) -> int:
    from desktop.core import store
    from desktop.core.corpus.importer import import_paths
    from desktop.core.errors import InputError

    rules_text = None
    if args.rules:
        try:
            rules_text = Path(args.rules).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot be read ({exc})", args.rules) from None
    db = store.open_project(args.project)
    try:
        summary = import_paths(
            db,
            args.paths,
            rules_text=rules_text,
            rules_origin=args.rules or "",
            who=args.who or "",
            progress=_progress_printer(),
            strict=args.strict,
        )
    finally:
        db.close()
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for notice in summary.notices:
        print(f"note: {notice}")
    for origin, existing in summary.duplicates:
        print(f"skipped: {origin} is already in the project as article {existing}")
    for article_id, title, units in summary.added:
        print(f"added: {article_id}  {units:>4} sentences  {title}")
    print(summary.headline())
    if summary.inline_removed:
        removed = ", ".join(f"{n} {rule}" for rule, n in sorted(summary.inline_removed.items()))
        print(f"Taken out of coded lines (shown greyed in the article view): {removed}.")
    return 0


def cmd_scheme_check(args: argparse.Namespace) -> int:
    from desktop.core.scheme import check_scheme_text, read_scheme_file

    scheme, errors = check_scheme_text(read_scheme_file(args.file))
    if errors:
        for error in errors:
            print(f"{args.file}: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    assert scheme is not None
    categories = sum(len(d.categories) for d in scheme.dimensions)
    print(
        f"{args.file}: OK — {scheme.id} {scheme.version}, {len(scheme.dimensions)} dimensions, "
        f"{categories} categories"
    )
    for d in scheme.dimensions:
        keys = " ".join(f"{c.key}={c.code}" for c in d.categories)
        print(f"  {d.id} ({d.level}): {keys}")
    from desktop.core.scheme import repeated_labels

    for warning in repeated_labels(scheme):  # valid, but merged by programs keyed by name
        print(f"{args.file}: warning: {warning}", file=sys.stderr)
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from desktop.core import store
    from desktop.core.store.machine import model_coder_ids

    db = store.open_project(args.project)
    try:
        scheme = store.current_scheme(db)
        info = {
            "project": str(args.project),
            "project_id": store.get_meta(db, "project_id"),
            **store.counts(db),
            "coder_ids": [c["id"] for c in store.list_coders(db)],
            "model_ids": model_coder_ids(db),  # machine coders, never among coder_ids
            "scheme": {"id": scheme.id, "version": scheme.version, "title": scheme.title},
            "dimensions": [
                {"id": d.id, "level": d.level, "categories": list(d.codes)}
                for d in scheme.dimensions
            ],
        }
    finally:
        db.close()
    if args.json:
        print(json.dumps(info, indent=2, ensure_ascii=False))
        return 0
    print(f"Project   {info['project']}")
    print(f"Articles  {info['articles']}")
    excluded = info["excluded_units"]
    print(f"Units     {info['units']} to code ({excluded} excluded lines kept as context)")
    names = ", ".join(info["coder_ids"])
    print(f"Coders    {info['coders']}{': ' + names if names else ''}")
    print(f"Labels    {info['labels']}")
    if info["model_ids"]:
        print(
            f"Models    {len(info['model_ids'])}: {', '.join(info['model_ids'])} (machine coders)"
        )
    print(f"Scheme    {scheme.id} {scheme.version} — {scheme.title}")
    for d in info["dimensions"]:
        print(f"  {d['id']} ({d['level']}): {', '.join(d['categories'])}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from desktop.core.demo import ensure_demo_project

    print(ensure_demo_project())
    return 0


# Commands that change a project back it up first (at most every 10 minutes), as the window
# does when it opens one: a command gone wrong can always be undone with `backup restore`.
_BACKUP_FIRST = frozenset(
    {"import", "import-labels", "merge", "scheme-apply", "units", "articles", "rules"}
)


def _project_named(args: argparse.Namespace) -> str | None:
    words = [w for w in getattr(args, "words", None) or [] if os.path.isfile(w)]
    return getattr(args, "project", None) or (words[0] if words else None)


def _backup_first(args: argparse.Namespace) -> None:
    words = getattr(args, "words", None) or []
    if args.command == "rules" and words[:1] == ["test"]:
        return  # `rules test FILE...` reads articles not yet imported; it changes no project
    project = _project_named(args)
    if args.command in _BACKUP_FIRST and project and os.path.isfile(project):
        from desktop.core.store.backup import backup_on_open

        backup_on_open(project)


# -- parser -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="stancecoder",
        description="Sentence-level stance coding, agreement and adjudication. "
        "Without a command, opens the app on the last project (or the demo project).",
    )
    parser.add_argument("--version", action=VersionAction)  # version, data folder, backups
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("gui", help="open the coding window on a project")
    p.add_argument("project", nargs="?", help="project file (default: the last one, or the demo)")
    p.add_argument("--coder", help="code as this coder (name or initials)")
    p.add_argument("--read-only", action="store_true", help="open without changing anything")
    p.set_defaults(func=cmd_gui)

    p = sub.add_parser("new", help="create a project")
    p.add_argument("project", help="path of the new project file (any extension)")
    p.add_argument("--scheme", help="coding scheme TOML (default: korea_alliance)")
    p.add_argument("--who", help="your name, for the project's change log")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("import", help="import articles (.txt .md .html .docx .csv .jsonl)")
    p.add_argument("project")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    p.add_argument(
        "--rules",
        help="clutter rules TOML; they become the project's rules (default: the project's rules)",
    )
    p.add_argument("--who", help="your name, for the project's change log")
    p.add_argument(
        "--strict",
        action="store_true",
        help="refuse a web page from which too little text could be extracted",
    )
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("scheme", help="work with coding schemes")
    scheme_sub = p.add_subparsers(dest="scheme_command", metavar="ACTION", parser_class=_Parser)
    check = scheme_sub.add_parser("check", help="validate a scheme file")
    check.add_argument("file")
    check.set_defaults(func=cmd_scheme_check)

    p = sub.add_parser("info", help="articles, units, coders, labels and scheme of a project")
    p.add_argument("project")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("demo", help="create the demo project if needed and print its path")
    p.set_defaults(func=cmd_demo)

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub, _Parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Warnings from the core (a project on a network share, ...) print as one line.
    logging.basicConfig(format="stancecoder: %(message)s", level=logging.WARNING)
    logging.getLogger("trafilatura").setLevel(logging.ERROR)  # "discarding data: None"
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args.func = cmd_gui
    elif not hasattr(args, "func"):
        parser.parse_args([*(argv if argv is not None else sys.argv[1:]), "--help"])
    if args.func is not cmd_gui:  # the window checks large files through its backup
        from desktop.core.store.db import check_every_write_open

        check_every_write_open()  # a one-off command can afford to read a large file whole
        from desktop.core.store.db import report_upgrades_to
        from desktop.core.store.migration_steps import StreamProgress

        report_upgrades_to(StreamProgress())  # an older project's upgrade, on stderr
    try:
        _backup_first(args)
        return args.func(args)
    except StanceError as exc:
        print(f"stancecoder: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("stancecoder: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last line of defence: still one line, never a traceback
        if os.environ.get("STANCECODER_DEBUG"):
            raise
        from desktop.core.store.failures import explain  # full disk, read-only, damaged (issue 15)

        known = explain(exc, _project_named(args))
        if known is not None:
            print(f"stancecoder: error: {known}", file=sys.stderr)
            return EXIT_USER_ERROR
        print(
            f"stancecoder: unexpected error: {exc.__class__.__name__}: {exc} "
            "(set STANCECODER_DEBUG=1 for details, and please report it)",
            file=sys.stderr,
        )
        return 1
