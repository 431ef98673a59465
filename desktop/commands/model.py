"""``stancecoder model ...``: machine coders trained, prompted or imported, listed, removed."""

from __future__ import annotations

import argparse
import json
import sys

from desktop.commands import emit_report, split_list
from desktop.core.wording import counted


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

    q = model_sub.add_parser("llm", help="code units with an LLM (OpenAI-compatible endpoint)")
    q.add_argument("project")
    q.add_argument("--name", required=True, help="the model coder's name")
    q.add_argument("--endpoint", required=True, help="e.g. http://localhost:11434/v1")
    q.add_argument("--model", required=True, help="the model the endpoint serves")
    q.add_argument("--units", default="reliability", help="reliability (default), gold, all or N")
    q.add_argument("--runs", type=int, default=1, help="code every unit K times")
    q.add_argument("--template", help="prompt template (default: exports/llm_prompt.txt)")
    q.add_argument("--temperature", type=float, default=0.0)
    q.add_argument("--concurrency", type=int, default=4, help="requests at a time")
    q.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    q.add_argument("--retries", type=int, default=4)
    q.add_argument(
        "--api-key-env",
        default="STANCECODER_API_KEY",
        help="environment variable holding the API key (never stored)",
    )
    q.add_argument("--price-in", type=float, default=0.0, help="price per million prompt tokens")
    q.add_argument(
        "--price-out", type=float, default=0.0, help="price per million completion tokens"
    )
    q.add_argument(
        "--no-json-schema",
        action="store_true",
        help="do not ask the endpoint for schema-constrained answers",
    )
    q.add_argument("--seed", type=int, default=0, help="seed of the --units N sample")
    q.add_argument("--replace", action="store_true", help="replace a model of the same name")
    q.add_argument("--who", help="your name, for the change log")
    q.set_defaults(func=cmd_llm)

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


def cmd_llm(args: argparse.Namespace) -> int:
    from desktop.core import store
    from desktop.core.errors import UsageError
    from desktop.core.machine.llm import LlmSettings, chat_url, run_llm, select_units
    from desktop.core.machine.prompt import read_template

    if args.runs < 1 or args.concurrency < 1 or args.timeout <= 0 or args.retries < 0:
        raise UsageError("--runs and --concurrency must be 1 or more, --timeout positive")
    chat_url(args.endpoint)  # refuse a malformed URL before opening the project
    template = read_template(args.template)
    settings = LlmSettings(
        endpoint=args.endpoint,
        model=args.model,
        temperature=args.temperature,
        concurrency=args.concurrency,
        timeout=args.timeout,
        retries=args.retries,
        api_key_env=args.api_key_env,
        price_in=args.price_in,
        price_out=args.price_out,
        json_schema=not args.no_json_schema,
    )
    show = None
    if sys.stderr.isatty():

        def show(p) -> None:
            sys.stderr.write("\r" + p.line()[:100].ljust(100))
            sys.stderr.flush()

    db = store.open_project(args.project)
    try:
        units = select_units(db, args.units, seed=args.seed)
        result = run_llm(
            db,
            args.name.strip(),
            settings,
            units=units,
            runs=args.runs,
            template=template,
            replace=args.replace,
            progress=show,
            who=args.who or "",
        )
    finally:
        db.close()
        if show is not None:
            sys.stderr.write("\n")
    print(
        f"Coded {result.units} units x {counted(result.runs, 'run')} with {args.model} "
        "as the model "
        f"'{result.coder}': {result.asked} asked, {result.cached} from the cache, "
        f"{result.invalid} invalid answers (missing); prompt sha256 {result.prompt_hash[:12]}"
        + (f"; cost {result.cost:.4f}" if result.cost else "")
    )
    for reason, n in sorted(result.reasons.items(), key=lambda kv: -kv[1])[:5]:
        print(f"  missing x{n}: {reason}")
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
            f"{m.labels} labels, {counted(m.runs, 'run')}  {m.created_at[:16].replace('T', ' ')}"
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
    emit_report(args, report, mreport, "models report")
    return 0
