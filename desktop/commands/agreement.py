"""``stancecoder agreement`` and ``stancecoder import-labels``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from desktop.commands import split_list
from desktop.core.errors import UsageError


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
    """Compute the report for the command's filters (shared with the app's export)."""
    from desktop.core import agreement, store, team
    from desktop.core.agreement.compute import DEFAULT_SEED
    from desktop.core.store.machine import agreement_labels_frame, model_coder_ids

    scheme = store.current_scheme(db)
    coders = split_list(args.coders)
    labels = agreement_labels_frame(db, coders)  # a model only when named in --coders
    known = set(labels["coder"]) if len(labels) else set()
    if coders:
        unknown = [c for c in coders if c not in known]
        if unknown:
            raise UsageError(f"no labels by coder {', '.join(unknown)} in {args.project}")
    unit_ids = None
    if args.articles:
        unit_ids = set(store.unit_ids_of_articles(db, split_list(args.articles)))
    which = "sample" if args.reliability_sample else getattr(args, "units", "all")
    selected = team.agreement_units(db, which, name=args.project)
    if selected is not None:
        unit_ids = selected if unit_ids is None else unit_ids & selected
    try:
        labels = agreement.filter_labels(
            labels, coders=coders, unit_ids=unit_ids, since=args.since, until=args.until
        )
    except (ValueError, TypeError) as exc:
        raise UsageError(f"cannot read the date range ({exc})") from None
    from desktop.core.team import calibration

    labels, calibration_note = calibration.drop_calibration_labels(db, labels)
    report = agreement.compute_agreement(
        labels,
        scheme,
        coders=coders,
        bootstrap=max(0, args.bootstrap),
        seed=DEFAULT_SEED if args.seed is None else args.seed,
        drift=not args.no_drift,
        articles=store.unit_articles(db),
        resample=getattr(args, "resample", "articles"),
    )
    report.notes.extend(curation_notes(db))
    if calibration_note:
        report.notes.append(calibration_note)
        report.calibration = calibration.lead_summary(db)
    if which != "all":
        report.notes.append(
            {
                "sample": f"Only the {len(selected):,} units of the reliability sample.",
                "overlap": f"Only the {len(selected):,} overlap units of the split rounds.",
                "both": f"Only the {len(selected):,} units of the reliability sample and the "
                "overlap of the split rounds.",
            }[which]
        )
    if getattr(args, "plan", True):
        from desktop.core.agreement.planner import plan_agreement

        report.plans = plan_agreement(labels, scheme, coders=coders)
    named_models = sorted(set(coders or ()) & set(model_coder_ids(db)))
    if named_models:
        report.notes.append(f"model coders included as asked: {', '.join(named_models)}")
    return report


def curation_notes(db) -> list[str]:
    """Say in the report when the lead changed units after coding began."""
    from desktop.core.curation import changes_after_coding

    changes = changes_after_coding(db)
    if not changes:
        return []
    first = changes[0]
    return [
        f"Units were changed after coding began: {len(changes)} curation step"
        f"{'s' if len(changes) > 1 else ''} (merges, splits, exclusions), the first on "
        f"{first['at'][:16].replace('T', ' ')} UTC ({first['action']}"
        f"{' by ' + first['who'] if first['who'] else ''}); see the project's change log."
    ]


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
    if args.format == "json":
        text = json.dumps(agreement.report_to_json(report), indent=2, ensure_ascii=False) + "\n"
    elif args.format == "html":
        text = agreement.render_html(report, project_name=Path(args.project).stem)
    else:
        text = agreement.format_table(report) + "\n"
    if args.output and args.output != "-":
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"Wrote the {args.format} agreement report to {args.output}")
    else:
        sys.stdout.write(text)
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
