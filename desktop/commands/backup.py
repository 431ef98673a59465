"""`stancecoder backup list|create|restore PROJECT` and `stancecoder check PROJECT`."""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop.core.wording import counted


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.0f} KB"


def cmd_backup_list(args: argparse.Namespace) -> int:
    from desktop.core.store.backup import disk_bytes, list_backups

    project = Path(args.project)
    backups = list_backups(project)
    if not backups:
        print(
            f"No backups of {project} yet (the window makes one when it opens the project; "
            f"`stancecoder backup create {project}` makes one now)."
        )
        return 0
    print(f"Backups of {project}, newest first:")
    for backup in backups:
        print(f"  {backup.when}  {_size(backup.size):>9}  {backup.path}")
    print(f"Together they take {_size(disk_bytes(backups))} (unchanged blocks are stored once).")
    return 0


def cmd_backup_create(args: argparse.Namespace) -> int:
    from desktop.core.store.backup import make_backup

    path = make_backup(Path(args.project))
    print(f"Backed up {args.project} to {path}")
    return 0


def cmd_backup_restore(args: argparse.Namespace) -> int:
    from desktop.core.store.backup import restore

    done = restore(Path(args.project), None if args.latest else Path(args.source), who=args.who)
    kept = f"; the replaced file is kept as {done.kept_as}" if done.kept_as else ""
    print(f"Restored {done.project} from {done.source}{kept}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from desktop.core import store
    from desktop.core.errors import ProjectError
    from desktop.core.store.db import damaged, integrity_check
    from desktop.core.store.lock import window_lock_owner
    from desktop.core.team.scheme_change import codes_outside_scheme

    project = Path(args.project)
    db = store.open_project(project, readonly=True)
    try:
        problems = integrity_check(db)
        if problems:
            raise damaged(project, f"{problems[0]}; {counted(len(problems), 'problem')} in all")
        outside = codes_outside_scheme(db)
        if outside:
            raise ProjectError(
                f"holds codes its scheme does not have: {'; '.join(outside[:3])}"
                f"{f' and {len(outside) - 3} more' if len(outside) > 3 else ''} "
                "(apply a scheme version with a mapping for them: stancecoder scheme-apply)",
                project,
            )
        counts = store.counts(db)
    finally:
        db.close()
    print(
        f"OK: {project} passed SQLite's integrity check ({counts['articles']} articles, "
        f"{counts['units']} sentences, {counts['labels']} labels; "
        f"{_size(project.stat().st_size)})"
    )
    owner = window_lock_owner(project)
    if owner is not None:
        print(f"note: it is open in Stance Coder {owner.describe()}")
    return 0


def register(sub: argparse._SubParsersAction, parser_class: type) -> None:
    """Add ``backup`` and ``check`` to the ``stancecoder`` command line."""
    p = sub.add_parser("backup", help="list, make and restore backups of a project")
    actions = p.add_subparsers(dest="backup_command", metavar="ACTION", parser_class=parser_class)
    q = actions.add_parser("list", help="the backups of a project, newest first")
    q.add_argument("project")
    q.set_defaults(func=cmd_backup_list)
    q = actions.add_parser("create", help="back a project up now")
    q.add_argument("project")
    q.set_defaults(func=cmd_backup_create)
    q = actions.add_parser(
        "restore", help="put a backup in place of the project (the current file is kept)"
    )
    q.add_argument("project")
    source = q.add_mutually_exclusive_group(required=True)
    source.add_argument("--from", dest="source", metavar="FILE", help="the backup file")
    source.add_argument("--latest", action="store_true", help="the newest good backup")
    q.add_argument("--who", default="", help="your name, for the project's change log")
    q.set_defaults(func=cmd_backup_restore)

    p = sub.add_parser("check", help="check a project file for damage (integrity check)")
    p.add_argument("project")
    p.set_defaults(func=cmd_check)
