"""``stancecoder agreement`` and ``stancecoder import-labels``."""

from __future__ import annotations

import argparse

from desktop.commands import emit_report, split_list


def register(sub, parser_class) -> None:
    p = sub.add_parser("agreement", help="inter-coder agreement report")
    p.add_argument("project")
    p.add_argument("--format", default="table", choices=("table", "json", "html"))
    p.add_argument("-o", "--output", help="write to this file (default: standard output)")
    p.add_argument("--bootstrap", type=int, default=1000, help="resamples for the 95%% CI")
    p.add_argument("--seed", type=int, default=None, help="bootstrap seed (reproducible)")
    p.add_argument("--coders", help="comma-separated coder ids (default: all)")
    p.add_argument("--articles", help="comma-separated article ids (default: all)")
    p.add_argument("--since", help="only labels changed at or after this date/time (UTC)")
    p.add_argument("--until", help="only labels changed before this date/time (UTC)")
    p.add_argument(
        "--reliability-sample", action="store_true", help="only the units of the reliability sample"
    )
    p.add_argument(
        "--units",
        default="all",
        choices=("sample", "overlap", "both", "all"),
        help="the reliability sample, the hidden overlap of the split rounds, both, or every "
        "unit (default)",
    )
    p.add_argument("--no-drift", action="store_true", help="skip agreement over time")
    p.add_argument(
        "--resample",
        default="articles",
        choices=("articles", "units"),
        help="what the bootstrap resamples: whole articles (default; the sentences of an "
        "article are not independent) or single units",
    )
    p.add_argument(
        "--models",
        action="store_true",
        help="score the model coders against the humans (--coders picks models)",
    )
    p.add_argument("--epsilon", type=float, default=0.2, help="alt-test epsilon (--models)")
    p.set_defaults(func=cmd_agreement)

    p = sub.add_parser("import-labels", help="import labels from a long CSV")
    p.add_argument("project")
    p.add_argument("file", help="CSV with unit_id, coder, dimension, value")
    p.add_argument("--who", help="your name, for the change log")
    p.set_defaults(func=cmd_import_labels)


def agreement_report(db, args: argparse.Namespace):
    """The report for the command's options (the app's agreement view builds the same)."""
    from desktop.core.project_report import ReportFilters, as_tuple, project_report

    filters = ReportFilters(
        coders=as_tuple(split_list(args.coders)),
        articles=as_tuple(split_list(args.articles)),
        since=args.since,
        until=args.until,
        units="sample" if args.reliability_sample else getattr(args, "units", "all"),
        bootstrap=args.bootstrap,
        seed=args.seed,
        drift=not args.no_drift,
        resample=getattr(args, "resample", "articles"),
        plan=getattr(args, "plan", True),
    )
    return project_report(db, filters, name=args.project).report


def cmd_agreement(args: argparse.Namespace) -> int:
    from desktop.core import agreement, store
    from desktop.core.store.guard import refuse_project_output

    refuse_project_output(args.output or "-", args.project)
    if getattr(args, "models", False):
        from desktop.commands.model import cmd_models_report

        return cmd_models_report(args)

    db = store.open_project(args.project)
    try:
        report = agreement_report(db, args)
    finally:
        db.close()
    emit_report(args, report, agreement, "agreement report")
    return 0


def cmd_import_labels(args: argparse.Namespace) -> int:
    from desktop.core import store
    from desktop.core.labels_io import import_labels

    db = store.open_project(args.project)
    try:
        result = import_labels(db, args.file, who=args.who or "")
    finally:
        db.close()
    print(
        f"Imported {result.rows} label rows from {args.file}: {result.added} new, "
        f"{result.updated} changed, {result.unchanged} already present; "
        f"coders: {', '.join(result.coders)}"
    )
    return 0
