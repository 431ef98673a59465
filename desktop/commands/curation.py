"""Corpus curation from the command line: ``units``, ``articles`` and ``rules``.

Each family has a default action that lists (``stancecoder units PROJECT --article ID``)
and named actions (``stancecoder units merge PROJECT UNIT_A UNIT_B``). The first word
after the family picks the action; each action has its own parser, so options may come
anywhere and ``stancecoder units split --help`` explains that action.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Callable

from desktop.core.errors import UsageError
from desktop.core.wording import counted

Runner = Callable[[argparse.Namespace], int]


def _who(p: argparse.ArgumentParser) -> None:
    p.add_argument("--who", default="", help="your name, for the project's change log")


def _confirm(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--confirm",
        action="store_true",
        help="go ahead although coded units change (their labels are kept)",
    )


def _open(path: str):
    from desktop.core import store

    return store.open_project(path)


def _run_step(step: Callable[[], object]) -> object:
    """Run a curation step, turning the confirmation question into a command-line hint."""
    from desktop.core.curation import ConfirmationRequired

    try:
        return step()
    except ConfirmationRequired as exc:
        raise UsageError(f"{exc.summary}; add --confirm to go ahead (no label is lost)") from None


def _print_result(result, done: str) -> None:
    if not result.changed:
        print("Nothing to change.")
        return
    print(done)
    for unit, coder in result.needs_recoding:
        print(f"  {coder} is asked to code {unit} again")
    if result.kept_labels:
        print(f"  {counted(result.kept_labels, 'label')} kept with the unit for adjudication")


# -- units ---------------------------------------------------------------------------------


def _short(text: str, width: int = 72) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def units_list(args: argparse.Namespace) -> int:
    from desktop.core import store
    from desktop.core.curation import article_layout

    db = _open(args.project)
    try:
        ids = [args.article] if args.article else [a.id for a in store.list_articles(db)]
        layouts = [article_layout(db, article_id) for article_id in ids]
    finally:
        db.close()
    if args.json:
        print(json.dumps([dataclasses.asdict(x) for x in layouts], ensure_ascii=False, indent=1))
        return 0
    for layout in layouts:
        units = layout.units
        coded = sum(1 for u in units if not u.excluded)
        out = " (article excluded)" if layout.article.excluded else ""
        print(f"{layout.article.id}  {layout.article.title}{out}")
        print(f"  {len(units)} units: {coded} to code, {len(units) - coded} excluded")
        for paragraph in layout.paragraphs:
            for u in paragraph.units:
                state = f"excluded ({u.excluded_by})" if u.excluded else "code"
                marks = ", ".join(f"{c} {n}" for c, n in sorted(u.coded_by.items()))
                extra = f"  [labels: {marks}]" if marks else ""
                if u.needs_recoding:
                    extra += f"  [re-code: {', '.join(u.needs_recoding)}]"
                print(f"  ¶{u.paragraph:<3} {u.id}  {state:<28} {_short(u.text)}{extra}")
    return 0


def units_merge(args: argparse.Namespace) -> int:
    from desktop.core.curation import merge_units

    db = _open(args.project)
    try:
        result = _run_step(
            lambda: merge_units(db, args.unit_a, args.unit_b, who=args.who, confirm=args.confirm)
        )
    finally:
        db.close()
    _print_result(result, f"Merged {result.retired_units[0]} into {result.units[0]}.")
    return 0


def units_split(args: argparse.Namespace) -> int:
    from desktop.core.curation import split_unit

    db = _open(args.project)
    try:
        result = _run_step(
            lambda: split_unit(db, args.unit, args.at, who=args.who, confirm=args.confirm)
        )
    finally:
        db.close()
    _print_result(result, f"Split {args.unit}: the rest of its text is now {result.new_units[0]}.")
    return 0


def _unit_ids(db, args: argparse.Namespace) -> list[str]:
    """The units named, or with --paragraph every unit of their paragraphs."""
    from desktop.core import store
    from desktop.core.curation import paragraph_unit_ids

    if not args.paragraph:
        return list(args.units)
    ids: list[str] = []
    for unit_id in args.units:
        unit = store.get_unit(db, unit_id)
        if unit is None:
            raise UsageError(f"no unit {unit_id} in this project")
        ids += paragraph_unit_ids(db, unit.article_id, unit.paragraph)
    return list(dict.fromkeys(ids))


def units_exclude(args: argparse.Namespace) -> int:
    from desktop.core.curation import exclude_units

    db = _open(args.project)
    try:
        ids = _unit_ids(db, args)
        result = _run_step(lambda: exclude_units(db, ids, who=args.who, confirm=args.confirm))
    finally:
        db.close()
    _print_result(
        result, f"Excluded {counted(len(result.units), 'unit')}: {' '.join(result.units)}"
    )
    return 0


def units_include(args: argparse.Namespace) -> int:
    from desktop.core.curation import include_units

    db = _open(args.project)
    try:
        ids = _unit_ids(db, args)
        result = include_units(db, ids, who=args.who)
    finally:
        db.close()
    _print_result(
        result, f"Included {counted(len(result.units), 'unit')}: {' '.join(result.units)}"
    )
    return 0


def _units_actions(parser_class) -> tuple[argparse.ArgumentParser, dict]:
    listing = parser_class(prog="stancecoder units", description="List units with their ids.")
    listing.add_argument("project")
    listing.add_argument("--article", help="only this article's units")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=units_list)

    merge = parser_class(
        prog="stancecoder units merge",
        description="Merge two neighbouring units; the earlier keeps its id.",
    )
    merge.add_argument("project")
    merge.add_argument("unit_a", metavar="UNIT_A")
    merge.add_argument("unit_b", metavar="UNIT_B")
    _confirm(merge)
    _who(merge)
    merge.set_defaults(run=units_merge)

    split = parser_class(
        prog="stancecoder units split",
        description="Split a unit in two; it keeps its id and its text up to --at.",
    )
    split.add_argument("project")
    split.add_argument("unit", metavar="UNIT")
    split.add_argument(
        "--at",
        type=int,
        required=True,
        metavar="N",
        help="character position in the unit's text (from 0) where the second part begins",
    )
    _confirm(split)
    _who(split)
    split.set_defaults(run=units_split)

    actions = {"merge": merge, "split": split}
    for name, run, verb in (
        ("exclude", units_exclude, "Exclude units from coding (kept as context)."),
        ("include", units_include, "Switch excluded units back to coded."),
    ):
        p = parser_class(prog=f"stancecoder units {name}", description=verb)
        p.add_argument("project")
        p.add_argument("units", nargs="+", metavar="UNIT")
        p.add_argument(
            "--paragraph", action="store_true", help="every unit of each unit's paragraph (line)"
        )
        if name == "exclude":
            _confirm(p)
        _who(p)
        p.set_defaults(run=run)
        actions[name] = p
    return listing, actions


# -- articles ------------------------------------------------------------------------------


def articles_list(args: argparse.Namespace) -> int:
    from desktop.core import store

    db = _open(args.project)
    try:
        articles = store.list_articles(db)
    finally:
        db.close()
    if args.json:
        print(json.dumps([dataclasses.asdict(a) for a in articles], ensure_ascii=False, indent=1))
        return 0
    for a in articles:
        mark = "  (excluded)" if a.excluded else ""
        print(f"{a.id}  {a.title}{mark}")
        meta = "  ".join(f"{k}: {getattr(a, k)}" for k in ("source", "author", "date", "url"))
        print(f"  {meta}")
    return 0


def articles_edit(args: argparse.Namespace) -> int:
    from desktop.core.curation import edit_article

    fields = {k: getattr(args, k) for k in ("title", "source", "author", "date", "url")}
    if all(v is None for v in fields.values()):
        raise UsageError("say what to change: --title, --source, --author, --date or --url")
    db = _open(args.project)
    try:
        result = edit_article(db, args.article, who=args.who, **fields)
    finally:
        db.close()
    _print_result(result, f"Updated article {args.article}.")
    return 0


def _articles_switch(args: argparse.Namespace, exclude: bool) -> int:
    from desktop.core.curation import exclude_article, include_article

    db = _open(args.project)
    try:
        for article_id in args.articles:
            if exclude:
                result = _run_step(
                    lambda a=article_id: exclude_article(db, a, who=args.who, confirm=args.confirm)
                )
            else:
                result = include_article(db, article_id, who=args.who)
            verb = "Excluded" if exclude else "Included"
            print(f"{verb} article {article_id}." if result.changed else f"{article_id}: as asked")
    finally:
        db.close()
    return 0


def _articles_actions(parser_class) -> tuple[argparse.ArgumentParser, dict]:
    listing = parser_class(prog="stancecoder articles", description="List articles.")
    listing.add_argument("project")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=articles_list)

    edit = parser_class(prog="stancecoder articles edit", description="Edit metadata.")
    edit.add_argument("project")
    edit.add_argument("article", metavar="ARTICLE")
    for name in ("title", "source", "author", "date", "url"):
        edit.add_argument(f"--{name}")
    _who(edit)
    edit.set_defaults(run=articles_edit)

    actions = {"edit": edit}
    for name, exclude in (("exclude", True), ("include", False)):
        p = parser_class(
            prog=f"stancecoder articles {name}", description=f"{name.title()} whole articles."
        )
        p.add_argument("project")
        p.add_argument("articles", nargs="+", metavar="ARTICLE")
        if exclude:
            _confirm(p)
        _who(p)
        p.set_defaults(run=lambda a, exclude=exclude: _articles_switch(a, exclude))
        actions[name] = p
    return listing, actions


# -- rules ---------------------------------------------------------------------------------


def _print_changes(report) -> None:
    for c in report.changes:
        before = f"excluded ({c.rule_before})" if c.excluded_before else "coded"
        after = f"excluded ({c.rule_after})" if c.excluded_after else "coded"
        coded = f"  [labelled: {', '.join(sorted(c.coded))}]" if c.coded else ""
        print(f"  {c.article_id} ¶{c.paragraph}: {before} -> {after}: {_short(c.line)}{coded}")


def rules_list(args: argparse.Namespace) -> int:
    from desktop.core.curation import project_rules, project_rules_text

    db = _open(args.project)
    try:
        if args.toml:
            print(project_rules_text(db), end="")
            return 0
        rules = project_rules(db)
    finally:
        db.close()
    for rule in rules.lines:
        print(f"{rule.name}: {rule.regex.pattern}")
    for rule in rules.inline:
        print(f"{rule.name} (inline): {rule.regex.pattern}")
    return 0


def rules_add(args: argparse.Namespace) -> int:
    from desktop.core.curation import add_rule_from_line

    db = _open(args.project)
    try:
        report = add_rule_from_line(
            db,
            args.line,
            args.name,
            generalise_digits=not args.keep_digits,
            preview=args.preview,
            who=args.who,
        )
    finally:
        db.close()
    verb = "Would add" if args.preview else "Added"
    print(f"{verb} the rule '{report.name}': {report.pattern}")
    print(f"Re-applying the rules would change {counted(len(report.changes), 'line')}:")
    _print_changes(report)
    if not args.preview and report.changes:
        print("Run `stancecoder rules reapply` to apply them.")
    return 0


def rules_reapply(args: argparse.Namespace) -> int:
    from desktop.core.curation import reapply_rules

    db = _open(args.project)
    try:
        report = _run_step(
            lambda: reapply_rules(db, preview=args.preview, confirm=args.confirm, who=args.who)
        )
    finally:
        db.close()
    verb = "Would change" if args.preview else "Changed"
    print(f"{verb} {counted(len(report.changes), 'line')}, {counted(len(report.units), 'unit')}.")
    _print_changes(report)
    return 0


def rules_load(args: argparse.Namespace) -> int:
    from pathlib import Path

    from desktop.core.curation import set_project_rules
    from desktop.core.errors import InputError

    try:
        text = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot be read ({exc})", args.file) from None
    db = _open(args.project)
    try:
        result = set_project_rules(db, text, who=args.who)
    finally:
        db.close()
    print(
        f"The project now uses the rules of {args.file}; run `stancecoder rules reapply "
        "--preview` to see what they change."
        if result.changed
        else "The project already uses these rules."
    )
    return 0


def rules_test(args: argparse.Namespace) -> int:
    from pathlib import Path

    from desktop.core.corpus.clutter import load_rules
    from desktop.core.curation import preview_files, project_rules

    if args.rules:
        rules = load_rules(Path(args.rules))
    elif args.project:
        db = _open(args.project)
        try:
            rules = project_rules(db)
        finally:
            db.close()
    else:
        rules = load_rules()
    reports = preview_files(args.files, rules)
    for report in reports:
        print(f"{report.origin}: {report.title}")
        print(
            f"  {counted(report.lines, 'line')}, "
            f"{counted(report.units_to_code, 'sentence')} to code; "
            f"{counted(sum(1 for e in report.excluded if not e.inline), 'line')} excluded"
        )
        if report.warning:
            print(f"  warning: {report.warning}")
        for excluded in report.excluded:
            kind = "taken out of a line" if excluded.inline else "excluded"
            print(f"  {kind} ({excluded.rule}): {_short(excluded.text)}")
    return 0


def _rules_actions(parser_class) -> tuple[argparse.ArgumentParser, dict]:
    listing = parser_class(prog="stancecoder rules", description="The project's clutter rules.")
    listing.add_argument("project")
    listing.add_argument("--toml", action="store_true", help="print the rules file itself")
    listing.set_defaults(run=rules_list)

    add = parser_class(
        prog="stancecoder rules add",
        description="Add a rule that excludes lines like LINE in every article.",
    )
    add.add_argument("project")
    add.add_argument("line", metavar="LINE")
    add.add_argument("--name", required=True, help="the rule's name, shown as the reason")
    add.add_argument(
        "--keep-digits", action="store_true", help="match digits literally (default: any number)"
    )
    add.add_argument("--preview", action="store_true", help="show what it would change only")
    _who(add)
    add.set_defaults(run=rules_add)

    reapply = parser_class(
        prog="stancecoder rules reapply", description="Re-apply the rules to the corpus."
    )
    reapply.add_argument("project")
    reapply.add_argument("--preview", action="store_true", help="show the changes only")
    _confirm(reapply)
    _who(reapply)
    reapply.set_defaults(run=rules_reapply)
    load = parser_class(
        prog="stancecoder rules load",
        description="Make a rules TOML file the project's clutter rules (changes no unit).",
    )
    load.add_argument("project")
    load.add_argument("file", metavar="FILE")
    _who(load)
    load.set_defaults(run=rules_load)
    test = parser_class(
        prog="stancecoder rules test",
        description="Show what each clutter rule would exclude from files not yet imported "
        "(nothing is stored).",
    )
    test.add_argument("files", nargs="+", metavar="FILE")
    test.add_argument("--project", help="use this project's rules (default: the shipped rules)")
    test.add_argument("--rules", help="use the rules of this TOML file")
    test.set_defaults(run=rules_test)
    return listing, {"add": add, "reapply": reapply, "load": load, "test": test}


# -- registration --------------------------------------------------------------------------

_FAMILIES = {
    "units": (
        _units_actions,
        "list, merge, split, exclude or include units",
        "stancecoder units PROJECT [--article ID] | units merge PROJECT UNIT_A UNIT_B | "
        "units split PROJECT UNIT --at N | units exclude|include PROJECT UNIT... "
        "(each action has --help)",
    ),
    "articles": (
        _articles_actions,
        "list articles, edit their metadata, exclude or include them",
        "stancecoder articles PROJECT | articles edit PROJECT ID --title ... | "
        "articles exclude|include PROJECT ID...",
    ),
    "rules": (
        _rules_actions,
        "the project's clutter rules: list, add from a line, re-apply, test on files",
        "stancecoder rules PROJECT [--toml] | rules add PROJECT LINE --name NAME [--preview] | "
        "rules reapply PROJECT [--preview] [--confirm] | rules load PROJECT FILE | "
        "rules test FILE... [--project PROJECT | --rules TOML]",
    ),
}


def _dispatch(build, parser_class) -> Runner:
    def run(args: argparse.Namespace) -> int:
        listing, actions = build(parser_class)
        words = list(args.words)
        parser = actions.get(words[0]) if words else None
        if parser is not None:
            words = words[1:]
        parsed = (parser or listing).parse_intermixed_args(words)
        return parsed.run(parsed)

    return run


def register(sub, parser_class) -> None:
    """Add the ``units``, ``articles`` and ``rules`` commands to the stancecoder parser."""
    for name, (build, help_text, usage) in _FAMILIES.items():
        p = sub.add_parser(name, help=help_text, description=usage)
        p.add_argument("words", nargs=argparse.REMAINDER, metavar="[ACTION] PROJECT ...")
        p.set_defaults(func=_dispatch(build, parser_class))
