"""Lab server commands: ``lab init``, ``lab join``, ``lab sync``.

A thin client of :mod:`desktop.core.lab`; every user error is a StanceError that
``desktop.cli.main`` prints as one line with exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator

from desktop.core.wording import counted


@contextlib.contextmanager
def _project(path: str) -> Iterator:
    from desktop.core import store

    db = store.open_project(path)
    try:
        yield db
    finally:
        db.close()


def cmd_lab_init(args: argparse.Namespace) -> int:
    from desktop.core import lab

    with _project(args.project) as db:
        result = lab.init_lab(db, args.url, allow_plain=args.no_tls)
    applied = ", ".join(f"{v:04d}" for v in result.migrations) or "none (already up to date)"
    print(f"Lab ready at {result.server} (migrations applied: {applied}).")
    if result.password_file:
        print(f"Your password is in {result.password_file}, not in the project.")
    if not result.invites:
        print("No new coders: every coder already has a login.")
    for invite in result.invites:
        print(
            f"  {invite.coder}: stancecoder lab join '{invite.url}' --coder {invite.coder} "
            f"-o {invite.coder}.stance"
        )
    if result.invites:
        print("Give each coder their line privately; the password is shown only this once.")
    return 0


def cmd_lab_join(args: argparse.Namespace) -> int:
    from desktop.core import lab

    summary = lab.join_lab(args.url, args.output, coder=args.coder, allow_plain=args.no_tls)
    print(
        f"Wrote {summary.path} for {summary.coder}: {summary.units} units, "
        f"{summary.assignments} assignments, {summary.labels} labels already on the server. "
        f"Password stored in {lab.pgpass_path()}."
    )
    return 0


def cmd_lab_sync(args: argparse.Namespace) -> int:
    from desktop.core import lab

    with _project(args.project) as db:
        report = lab.sync(db, who=args.who or "")
    if report.role == "coder":
        pulled = report.corpus
        news = (
            f"pulled the lead's changes ({pulled.assignments} assignments, "
            f"{pulled.log_entries} log entries)"
            if pulled and pulled.pulled
            else "nothing new from the lead"
        )
        print(f"Pushed {counted(report.pushed, 'label change')}; {news}.")
        return 0
    published = "published the project's changes" if report.published else "nothing to publish"
    pulled = report.lead
    if pulled and pulled.coders:
        files = pulled.report.files if pulled.report else []
        labels = sum(f.labels_new + f.labels_updated for f in files)
        conflicts = sum(len(f.conflicts) for f in files)
        print(
            f"{published.capitalize()}; merged {', '.join(pulled.coders)}: "
            f"{counted(labels, 'label')} "
            f"new or updated, {counted(conflicts, 'conflict')} resolved as a merge resolves them."
        )
    else:
        print(f"{published.capitalize()}; no coder pushed since the last sync.")
    return 0


def register(sub, parser_class) -> None:
    """Add ``lab init / join / sync`` to the ``stancecoder`` subcommand parser ``sub``."""
    del parser_class
    lab = sub.add_parser("lab", help="share a project live on a PostgreSQL lab server")
    commands = lab.add_subparsers(dest="lab_command", metavar="{init,join,sync}")

    p = commands.add_parser("init", help="(lead) create the lab on a server, invite the coders")
    p.add_argument("project")
    p.add_argument("url", help="postgresql://lead@host:port/database (the role needs CREATEROLE)")
    p.add_argument(
        "--no-tls",
        action="store_true",
        help="allow an unencrypted connection to a server on another machine (not advised)",
    )
    p.set_defaults(func=cmd_lab_init)

    p = commands.add_parser("join", help="(coder) make your local project from the lab")
    p.add_argument("url", help="the postgresql://… line the lead gave you")
    p.add_argument("--coder", help="your coder id (checked against the server)")
    p.add_argument("-o", "--output", required=True, help="the new project file")
    p.add_argument("--no-tls", action="store_true", help="as the lead decided for this lab")
    p.set_defaults(func=cmd_lab_join)

    p = commands.add_parser("sync", help="push your labels and pull the lab's changes once")
    p.add_argument("project")
    p.add_argument("--who", help="your coder id, for the merge record (lead)")
    p.set_defaults(func=cmd_lab_sync)
