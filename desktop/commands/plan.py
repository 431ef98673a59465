"""``stancecoder plan``: how many doubly-coded units each dimension needs."""

from __future__ import annotations

import argparse
import json
import sys

from desktop.commands import split_list
from desktop.core.errors import UsageError


def register(sub, parser_class) -> None:
    p = sub.add_parser("plan", help="sample-size planner: units needed for a reliable alpha")
    p.add_argument("project")
    p.add_argument("--target", type=float, default=0.800, help="alpha to clear (default .800)")
    p.add_argument(
        "--lower", type=float, default=0.667, help="lowest acceptable alpha (default .667)"
    )
    p.add_argument("--confidence", type=float, default=0.95, help="of the interval (.95)")
    p.add_argument("--coders", help="comma-separated coder ids (default: all)")
    p.add_argument(
        "--reliability-sample", action="store_true", help="only the units of the reliability sample"
    )
    p.add_argument("--format", default="table", choices=("table", "json"))
    p.set_defaults(func=cmd_plan)


def _check(name: str, value: float) -> None:
    if not 0 < value < 1:
        raise UsageError(f"--{name} must be between 0 and 1, not {value:g}")


def plan_lines(plans, target: float, lower: float, confidence: float) -> list[str]:
    """The planner's table for the terminal."""
    p_value = f"{1 - confidence:.3g}"
    lines = [
        f"Sample-size planner: target alpha {target:.3f}, lowest acceptable {lower:.3f}, "
        f"{confidence:.0%} interval",
        "",
        f"{'dimension':<16}{'units':>7}{'alpha':>8}{'p_c':>7}"
        f"{'rule ' + f'{target:.3f}':>12}{'rule ' + f'{lower:.3f}':>12}"
        f"{'data ' + f'{target:.3f}':>12}{'data ' + f'{lower:.3f}':>12}",
    ]
    for p in plans:
        alpha = "n/a" if p.alpha != p.alpha else f"{p.alpha:.3f}"

        def n(value):
            return "-" if value is None else f"{value:,}"

        lines.append(
            f"{p.dimension:<16}{p.units:>7,}{alpha:>8}{p.smallest_share:>7.3f}"
            f"{n(p.rule_target):>12}{n(p.rule_lower):>12}"
            f"{n(p.needed_target):>12}{n(p.needed_lower):>12}"
        )
    lines.append("")
    for p in plans:
        lines.append(f"{p.dimension}: {p.reason}")
    lines += [
        "",
        f"rule: Krippendorff (2019) after Bloch & Kraemer (1989), p = {p_value}, from the share "
        "p_c of the least frequent category and the coders per unit; data: pairable units in "
        "all for the interval's lower bound to clear the threshold in 80% of bootstrap "
        "samples of the units coded so far ('-': cannot happen or no data).",
    ]
    return lines


def cmd_plan(args: argparse.Namespace) -> int:
    from desktop.core import agreement, store
    from desktop.core.agreement.planner import plan_agreement

    for name in ("target", "lower", "confidence"):
        _check(name, getattr(args, name))
    db = store.open_project(args.project)
    try:
        scheme = store.current_scheme(db)
        labels = store.labels_frame(db)
        coders = split_list(args.coders)
        from desktop.core.team.calibration import drop_calibration_labels

        # Gold calibration codings are left out, as in the agreement report.
        labels = drop_calibration_labels(db, labels)[0]
        unit_ids = None
        if args.reliability_sample:
            unit_ids = set(store.reliability_unit_ids(db))
            if not unit_ids:
                raise UsageError(f"{args.project} has no reliability sample (draw one first)")
    finally:
        db.close()
    if coders or unit_ids is not None:
        labels = agreement.filter_labels(labels, coders=coders, unit_ids=unit_ids)
    plans = plan_agreement(
        labels,
        scheme,
        coders=coders,
        target=args.target,
        lower=args.lower,
        confidence=args.confidence,
    )
    if args.format == "json":
        document = {
            "target": args.target,
            "lower": args.lower,
            "confidence": args.confidence,
            "dimensions": [p.to_json_dict() for p in plans],
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(plan_lines(plans, args.target, args.lower, args.confidence)))
        sys.stdout.write("\n")
    return 0
