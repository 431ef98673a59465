"""Team workflow commands: coders, samples and splits, packages, merges, adjudication.

A thin client of :mod:`desktop.core.team`; every user error is a StanceError that
``desktop.cli.main`` prints as one line with exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import json
from collections.abc import Callable, Iterator

from desktop.commands import split_list
from desktop.core.errors import UsageError


@contextlib.contextmanager
def _project(path: str) -> Iterator:
    from desktop.core import store

    db = store.open_project(path)
    try:
        yield db
    finally:
        db.close()


def _coders(text: str) -> list[str]:
    coders = split_list(text)
    if not coders:
        raise UsageError("--coders needs comma-separated coder ids")
    return coders


def _yes_no(text: str) -> bool:
    if text.lower() in ("yes", "on", "1", "true"):
        return True
    if text.lower() in ("no", "off", "0", "false"):
        return False
    raise argparse.ArgumentTypeError(f"say yes or no, not '{text}'")


# -- commands -----------------------------------------------------------------------------


def cmd_coders(args: argparse.Namespace) -> int:
    from desktop.core import store, team

    with _project(args.project) as db:
        for item in args.add or []:
            coder, _, name = item.partition("=")
            store.ensure_coder(db, coder, name.strip())
        if args.lead:
            team.set_lead(db, args.lead)
        if args.allow_unassigned is not None:
            team.set_allow_unassigned(db, args.allow_unassigned)
        for row in store.list_coders(db):
            mark = "  (lead)" if row["is_lead"] else ""
            print(f"{row['id']:<12} {row['name']}{mark}")
        allowed = "may" if team.allow_unassigned(db) else "may not"
        print(f"Coders {allowed} code units beyond their assignments.")
    return 0


def _print_round(db, round_id: str) -> None:
    from desktop.core import store
    from desktop.core.store import team as team_store

    pairs = team_store.round_assignments(db, round_id)
    units = {u for u, _ in pairs}
    per_coder: dict[str, int] = {}
    for _, coder in pairs:
        per_coder[coder] = per_coder.get(coder, 0) + 1
    per_article: dict[str, int] = {}
    for unit in sorted(units):
        article = store.get_unit(db, unit).article_id
        per_article[article] = per_article.get(article, 0) + 1
    (details,) = [r for r in team_store.list_rounds(db) if r["id"] == round_id]
    print(f"Round {round_id}: {len(units)} units, seed {details['seed']}")
    print("  per coder:   " + ", ".join(f"{c} {n}" for c, n in sorted(per_coder.items())))
    print("  per article: " + ", ".join(f"{a} {n}" for a, n in sorted(per_article.items())))


def cmd_sample(args: argparse.Namespace) -> int:
    from desktop.core import team

    with _project(args.project) as db:
        round_id = team.draw_reliability_sample(
            db,
            _coders(args.coders),
            share=args.share,
            count=args.count,
            k=args.k,
            seed=args.seed,
            who=args.who or "",
        )
        _print_round(db, round_id)
    return 0


def cmd_split(args: argparse.Namespace) -> int:
    from desktop.core import team

    with _project(args.project) as db:
        round_id = team.split_remaining(
            db,
            _coders(args.coders),
            overlap=args.overlap,
            min_coders=args.min_coders,
            seed=args.seed,
            who=args.who or "",
        )
        _print_round(db, round_id)
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from desktop.core import team

    with _project(args.project) as db:
        round_id = team.draw_calibration_batch(
            db, _coders(args.coders), args.size, seed=args.seed, who=args.who or ""
        )
        _print_round(db, round_id)
    return 0


def cmd_calibrate_gold(args: argparse.Namespace) -> int:
    from desktop.core.team.calibration import place_gold_calibration

    with _project(args.project) as db:
        round_id = place_gold_calibration(
            db, _coders(args.coders), args.size, seed=args.seed, who=args.who or ""
        )
        _print_round(db, round_id)
    return 0


def cmd_calibration(args: argparse.Namespace) -> int:
    from desktop.core.team.calibration import accuracy_table, calibration_frame

    with _project(args.project) as db:
        frame = calibration_frame(db)
    tables = {
        "by_dimension": accuracy_table(frame, ["coder", "dimension"]),
        "by_category": accuracy_table(frame, ["coder", "dimension", "gold"]),
        "by_month": accuracy_table(frame, ["coder", "month"]),
    }
    if args.format == "json":
        document = {name: table.to_dict(orient="records") for name, table in tables.items()}
        print(json.dumps(document, indent=2, default=str))
        return 0
    if frame.empty:
        print("No final codings of gold calibration units yet (stancecoder calibrate-gold).")
        return 0
    titles = {
        "by_dimension": "Accuracy against gold per coder and dimension",
        "by_category": "Per gold category",
        "by_month": "Over time (month of the coder's label, all dimensions)",
    }
    for name, table in tables.items():
        print(titles[name])
        for row in table.itertuples(index=False):
            *keys, units, agree, accuracy = row
            print(f"  {'  '.join(f'{k:<14}' for k in keys)}{agree:>5}/{units:<5}{accuracy:>7.3f}")
        print()
    return 0


def cmd_progress(args: argparse.Namespace) -> int:
    from desktop.core import team

    with _project(args.project) as db:
        rows = team.progress(db)
    if not rows:
        print("No assignments yet (stancecoder sample / split / calibrate).")
        return 0
    print(f"{'coder':<12} {'round':<16} {'kind':<12} {'coded':>6} / assigned")
    for row in rows:
        print(f"{row.coder:<12} {row.round_id:<16} {row.kind:<12} {row.coded:>6} / {row.assigned}")
    return 0


def cmd_package(args: argparse.Namespace) -> int:
    from desktop.core import team

    with _project(args.project) as db:
        summary = team.create_package(db, args.coder, args.output)
    print(
        f"Wrote {summary.path} for {summary.coder}: {summary.articles} articles, "
        f"{summary.units} units, {summary.assignments} assignments, {summary.labels} labels "
        "(nothing of the other coders)"
    )
    return 0


def print_merge_report(report, out: Callable[[str], None] = print) -> None:
    """The merge report as a user reads it: one block per file, then every conflict."""
    for f in report.files:
        for line in f.skipped:
            out(f"{f.path}: left out (not this file's to bring): {line}")
        if not f.changed:
            out(f"{f.path}: nothing new (already merged)")
            continue
        out(
            f"{f.path}: coders {', '.join(f.coders) or '-'}; labels {f.labels_new} new, "
            f"{f.labels_updated} updated, {f.labels_unchanged} unchanged; "
            f"{len(f.conflicts)} conflicts; {f.history_added} history rows"
        )
        out(
            f"  notes/flags/times: {f.states_new} new, {f.notes_updated} notes updated, "
            f"{f.flags_updated} flags, {f.times_updated} times; "
            f"{f.assignments_new} assignments, {f.gold_new + f.gold_updated} gold labels"
        )
        for c in f.conflicts:
            out(
                f"  conflict {c.unit_id} {c.coder} {c.dimension}: kept {c.kept} ({c.kept_at}, "
                f"{c.kept_from}), not {c.lost} ({c.lost_at}) — kept in the history"
            )
        for n in f.notes_replaced:
            out(f"  note of {n['coder']} on {n['unit_id']} replaced (old text in the merge record)")
        for line in f.curated:
            out(f"  changed by curation since the file was made: {line} — to be coded again")


def cmd_merge(args: argparse.Namespace) -> int:
    from desktop.core import team

    with _project(args.project) as db:
        report = team.merge_files(
            db, args.files, who=args.who or "", skip_foreign=args.skip_foreign
        )
    print_merge_report(report)
    return 0


def cmd_adjudicate(args: argparse.Namespace) -> int:
    from desktop.core import team

    with _project(args.project) as db:
        if args.accept:
            if not args.who:
                raise UsageError("--accept needs --who (the adjudicator)")
            summary = team.accept_agreed(db, args.who, rule=args.accept)
            print(
                f"Accepted {summary.accepted} {summary.rule} values as gold; "
                f"{summary.already_decided} already decided, {summary.undecided} to adjudicate."
            )
        disputed = team.list_disagreements(db, undecided_only=True)
        print(f"{len(disputed)} unit-dimensions still to adjudicate.")
        if args.list:
            for unit in disputed:
                values = "  ".join(
                    f"{v.coder}={v.value}{'?' if v.unsure else ''}" for v in unit.values
                )
                print(f"{unit.unit_id} {unit.dimension:<15} {values}  | {unit.text[:60]}")
    return 0


def cmd_gold(args: argparse.Namespace) -> int:
    from desktop.core import team

    with _project(args.project) as db:
        change = team.set_gold(
            db, args.unit, args.dimension, args.value, args.who, args.rationale or ""
        )
    print(f"Gold {change.unit_id} {change.dimension}: {change.old or '-'} -> {change.new}")
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    from desktop.core import team

    with _project(args.project) as db:
        change = team.unlock_comparison(db, args.who)
    print("Comparison unlocked." if change.changed else "Comparison was already unlocked.")
    return 0


def cmd_scheme_apply(args: argparse.Namespace) -> int:
    from desktop.core import team
    from desktop.core.scheme import load_scheme

    scheme = load_scheme(args.file)
    with _project(args.project) as db:
        result = team.change_scheme(
            db, scheme, team.parse_mapping(args.map or []), who=args.who or ""
        )
    print(f"Scheme {result.from_version} -> {result.to_version}:")
    for difference in result.differences:
        print(f"  {difference}")
    print(f"{result.labels_remapped} labels and {result.gold_remapped} gold labels remapped.")
    return 0


# -- parser -------------------------------------------------------------------------------


def register(sub, parser_class) -> None:
    """Add the team commands to the ``stancecoder`` subcommand parser ``sub``."""
    del parser_class  # the subparsers action already creates parsers of that class

    def who(p, required=False, text="your coder id, for the record"):
        p.add_argument("--who", required=required, help=text)

    p = sub.add_parser("coders", help="list, add coders, mark the lead")
    p.add_argument("project")
    p.add_argument("--add", action="append", metavar="ID[=NAME]", help="register a coder")
    p.add_argument("--lead", metavar="ID", help="mark this coder as the only lead")
    p.add_argument(
        "--allow-unassigned", type=_yes_no, metavar="yes|no", help="work beyond assignments"
    )
    p.set_defaults(func=cmd_coders)

    p = sub.add_parser("sample", help="draw the reliability sample that several coders code")
    p.add_argument("project")
    p.add_argument("--coders", required=True, help="comma-separated coder ids")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--share", type=float, help="share of unassigned units (default 0.2)")
    size.add_argument("--count", type=int, help="number of units")
    p.add_argument("--k", type=int, help="coders per unit (default: all)")
    p.add_argument("--seed", type=int, help="makes the draw reproducible")
    who(p)
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("split", help="split the unassigned units among coders")
    p.add_argument("project")
    p.add_argument("--coders", required=True, help="comma-separated coder ids")
    p.add_argument(
        "--overlap",
        type=float,
        default=0.0,
        help="share of the units also given to other coders, hidden in their queues (0.1)",
    )
    p.add_argument("--min-coders", type=int, default=2, help="coders per overlap unit (default 2)")
    p.add_argument("--seed", type=int)
    who(p)
    p.set_defaults(func=cmd_split)

    p = sub.add_parser("calibrate", help="draw a calibration batch coded by every coder")
    p.add_argument("project")
    p.add_argument("--coders", required=True, help="comma-separated coder ids")
    p.add_argument("--size", type=int, required=True, help="units in the batch")
    p.add_argument("--seed", type=int)
    who(p)
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser(
        "calibrate-gold", help="place gold units in coders' queues, hidden, for feedback"
    )
    p.add_argument("project")
    p.add_argument("--coders", required=True, help="comma-separated coder ids")
    p.add_argument("--size", type=int, required=True, help="gold units per coder")
    p.add_argument("--seed", type=int)
    who(p)
    p.set_defaults(func=cmd_calibrate_gold)

    p = sub.add_parser("calibration", help="per-coder accuracy against gold, over time")
    p.add_argument("project")
    p.add_argument("--format", default="table", choices=("table", "json"))
    p.set_defaults(func=cmd_calibration)

    p = sub.add_parser("progress", help="units assigned and coded per coder and round")
    p.add_argument("project")
    p.set_defaults(func=cmd_progress)

    p = sub.add_parser("package", help="write a blind project file for one coder")
    p.add_argument("project")
    p.add_argument("--coder", required=True)
    p.add_argument("-o", "--output", required=True, help="the new package file")
    p.set_defaults(func=cmd_package)

    p = sub.add_parser("merge", help="merge coder packages or copies of the project")
    p.add_argument("project")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument(
        "--skip-foreign",
        action="store_true",
        help="leave out and list what a package may not bring (other coders' rows, gold "
        "labels, future times) instead of refusing it",
    )
    who(p)
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser("adjudicate", help="count or list disagreements, accept agreed values")
    p.add_argument("project")
    p.add_argument("--accept", choices=("unanimous", "majority"), help="accept agreed values")
    p.add_argument("--list", action="store_true", help="list the disagreements")
    who(p, text="the adjudicator")
    p.set_defaults(func=cmd_adjudicate)

    p = sub.add_parser("gold", help="set the gold value of a unit on a dimension")
    p.add_argument("project")
    p.add_argument("unit")
    p.add_argument("dimension")
    p.add_argument("value")
    who(p, required=True, text="the adjudicator")
    p.add_argument("--rationale")
    p.set_defaults(func=cmd_gold)

    p = sub.add_parser("unlock", help="let the coding window compare coders (lead only)")
    p.add_argument("project")
    who(p, required=True, text="the lead")
    p.set_defaults(func=cmd_unlock)

    p = sub.add_parser("scheme-apply", help="install a new version of the project's scheme")
    p.add_argument("project")
    p.add_argument("file", help="the new scheme TOML")
    p.add_argument("--map", action="append", metavar="DIM:OLD=NEW", help="map a removed category")
    who(p)
    p.set_defaults(func=cmd_scheme_apply)
