"""``stancecoder model ...``: machine coders trained, prompted or imported, listed, removed."""

from __future__ import annotations

import argparse
import json
import sys

from desktop.commands import split_list


def register(sub, parser_class) -> None:
    p = sub.add_parser("model", help="machine coders: train, llm, import, list, remove")
    model_sub = p.add_subparsers(dest="model_command", metavar="ACTION", parser_class=parser_class)

    q = model_sub.add_parser("train", help="train a classifier on the project's labels")
    q.add_argument("project")
    q.add_argument("--name", required=True, help="the model coder's name")
    q.add_argument(
        "--from", dest="basis", default="gold", help="gold (default), majority or coder:NAME"
    )
    q.add_argument("--dimensions", help="comma-separated dimensions (default: all)")
    q.add_argument("--replace", action="store_true", help="replace a model of the same name")
    q.add_argument("--who", help="your name, for the change log")
    q.set_defaults(func=cmd_train)

    q = model_sub.add_parser("import", help="import predictions (CSV or JSONL) as a model")
    q.add_argument("project")
    q.add_argument("file", help="unit_id, dimension, value, optional p_<category> and run")
    q.add_argument("--name", required=True, help="the model coder's name")
    q.add_argument("--replace", action="store_true", help="replace a model of the same name")
    q.add_argument("--who", help="your name, for the change log")
    q.set_defaults(func=cmd_import)

    q = model_sub.add_parser("list", help="the project's models and their provenance")
    q.add_argument("project")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_list)

    q = model_sub.add_parser("remove", help="remove a model and its labels")
    q.add_argument("project")
    q.add_argument("--name", required=True)
    q.set_defaults(func=cmd_remove)


def _stderr_progress():
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int, what: str) -> None:
        sys.stderr.write(f"\r{done}/{total} {what[:50]:<50}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def cmd_train(args: argparse.Namespace) -> int:
    from desktop.core import store
    from desktop.core.machine.train import save_trained, train_model
    from desktop.core.store import machine as mstore

    db = store.open_project(args.project)
    try:
        mstore.check_model_name(db, args.name, replace=args.replace)
        result = train_model(
            db,
            args.name.strip(),
            basis=args.basis,
            dimensions=split_list(args.dimensions),
            progress=_stderr_progress(),
        )
        written = save_trained(db, result, replace=args.replace, who=args.who or "")
    finally:
        db.close()
    print(f"Trained the model '{result.coder}' on the {result.basis} labels: {written} labels")
    for fit in result.fits:
        if fit.reason:
            print(f"  {fit.dimension}: not trained ({fit.reason})")
            continue
        scores = ", ".join(f"alpha={c:g}: {f:.3f}" for c, f in fit.cv_macro_f1.items())
        print(
            f"  {fit.dimension}: {fit.trained_units} units from {fit.articles} articles, "
            f"{fit.folds}-fold by article; macro F1 {scores}; chose alpha={fit.chosen_alpha:g} "
            f"(accuracy {fit.cv_accuracy[fit.chosen_alpha]:.3f})"
        )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from desktop.core import store
    from desktop.core.machine.predictions import import_predictions

    db = store.open_project(args.project)
    try:
        result = import_predictions(
            db, args.file, name=args.name, replace=args.replace, who=args.who or ""
        )
    finally:
        db.close()
    print(
        f"Imported {result.rows} predictions from {args.file} as the model '{result.coder}' "
        f"({result.units} units, {result.runs} run{'s' if result.runs > 1 else ''})"
    )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from desktop.core import store
    from desktop.core.store import machine as mstore

    db = store.open_project(args.project, readonly=True)
    try:
        models = mstore.list_model_coders(db)
    finally:
        db.close()
    if args.json:
        rows = [{"kind": "model", **m._asdict()} for m in models]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not models:
        print("No models in this project.")
    for m in models:
        print(
            f"[model] {m.id}  {m.method}  basis {m.basis or '—'}  sha256 {m.basis_hash[:12]}  "
            f"{m.labels} labels, {m.runs} run(s)  {m.created_at[:16].replace('T', ' ')}"
        )
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from desktop.core import store
    from desktop.core.store import machine as mstore

    db = store.open_project(args.project)
    try:
        removed = mstore.delete_model_coder(db, args.name)
    finally:
        db.close()
    print(f"Removed the model '{args.name}' and its {removed} labels")
    return 0


def cmd_models_report(args: argparse.Namespace) -> int:
    """``stancecoder agreement PROJECT --models``."""
    from pathlib import Path

    from desktop.core import store
    from desktop.core.agreement.compute import DEFAULT_SEED
    from desktop.core.machine import report as mreport
    from desktop.core.machine.project import models_report

    db = store.open_project(args.project, readonly=True)
    try:
        unit_ids = None
        if args.reliability_sample:
            unit_ids = set(store.reliability_unit_ids(db))
        report = models_report(
            db,
            models=split_list(args.coders),
            bootstrap=max(0, args.bootstrap),
            seed=DEFAULT_SEED if args.seed is None else args.seed,
            epsilon=args.epsilon,
            unit_ids=unit_ids,
        )
    finally:
        db.close()
    if args.format == "json":
        text = json.dumps(mreport.report_to_json(report), indent=2, ensure_ascii=False) + "\n"
    elif args.format == "html":
        text = mreport.render_html(report, project_name=Path(args.project).stem)
    else:
        text = mreport.format_table(report) + "\n"
    if args.output and args.output != "-":
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"Wrote the {args.format} models report to {args.output}")
    else:
        sys.stdout.write(text)
    return 0
