"""The project's clutter rules: add a rule from a line, re-apply the rules to the corpus.

The rules travel with the project: the first rule the lead adds copies the shipped
resources/clutter_rules.toml into the project (meta key ``clutter_rules``), and from then
on that copy is the project's rules. Re-applying runs the line rules over every article
again and switches each unit whose verdict changed, except units the lead decided by hand
and article titles; inline rules are not re-applied (a unit's text never changes here).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from desktop.core.corpus.clutter import (
    RULES_META_KEY,
    ClutterRules,
    classify_lines,
    parse_rules,
    project_rules,
    project_rules_text,
)
from desktop.core.corpus.split import TITLE_RULE
from desktop.core.curation.model import CurationAction, CurationResult, require_confirmation
from desktop.core.errors import UsageError
from desktop.core.store import curation as cstore
from desktop.core.store.corpus import (
    article_paragraphs,
    article_text,
    article_units,
    get_unit,
    list_articles,
)
from desktop.core.store.db import Database, get_meta, log_change, set_meta, write_transaction

_DIGITS = re.compile(r"\d+")


def rule_from_line(line: str, *, generalise_digits: bool = True) -> str:
    """A pattern that matches ``line`` and lines like it, for a ``[[line]]`` rule.

    The line is matched literally except that any run of whitespace matches any other
    and, with ``generalise_digits``, any run of digits matches any other ("12 comments"
    also matches "3 comments"). Rules match case-insensitively by default.
    """
    words = [re.escape(word) for word in line.split()]
    if generalise_digits:
        words = [_DIGITS.sub(r"\\d+", word) for word in words]
    return r"\s+".join(words)


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(c if c >= " " or c == "\t" else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'


@dataclass(frozen=True)
class RuleChange:
    """Units of one paragraph (line) whose verdict changes when the rules are re-applied.

    ``rule_before`` and ``rule_after`` are empty when the units are (or become) coded;
    ``coded`` is ``{unit_id: {coder: labels}}`` for the units that have labels.
    """

    article_id: str
    paragraph: int
    line: str
    units: tuple[str, ...]
    excluded_before: bool
    rule_before: str
    excluded_after: bool
    rule_after: str
    coded: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class RulesReport:
    """What re-applying rules changes (preview) or changed (``result`` set)."""

    changes: tuple[RuleChange, ...]
    result: CurationResult | None = None
    name: str = ""
    pattern: str = ""

    @property
    def units(self) -> list[str]:
        return [u for change in self.changes for u in change.units]


def _plan(db: Database, rules: ClutterRules) -> list[RuleChange]:
    changes = []
    for article in list_articles(db):
        text = article_text(db, article.id)
        lines = text.split("\n")
        verdicts, starts, offset = classify_lines(lines, rules), {}, 0
        for index, line in enumerate(lines):
            starts[offset] = index
            offset += len(line) + 1
        manual = cstore.manual_unit_ids(db, article.id)
        by_paragraph: dict[int, list] = {}
        for unit in article_units(db, article.id):
            if unit.id not in manual and unit.excluded_by != TITLE_RULE:
                by_paragraph.setdefault(unit.paragraph, []).append(unit)
        for paragraph in article_paragraphs(db, article.id):
            index = starts.get(paragraph.start)
            if index is None or paragraph.idx not in by_paragraph:
                continue
            verdict = verdicts[index]
            target = (verdict.excluded, verdict.rule if verdict.excluded else "")
            moving = [
                u
                for u in by_paragraph[paragraph.idx]
                if (u.excluded, u.excluded_by if u.excluded else "") != target
            ]
            if not moving:
                continue
            ids = [u.id for u in moving]
            changes.append(
                RuleChange(
                    article_id=article.id,
                    paragraph=paragraph.idx,
                    line=text[paragraph.start : paragraph.end],
                    units=tuple(ids),
                    excluded_before=moving[0].excluded,
                    rule_before=moving[0].excluded_by if moving[0].excluded else "",
                    excluded_after=target[0],
                    rule_after=target[1],
                    coded=cstore.label_counts(db, ids),
                )
            )
    return changes


def _apply(
    db: Database, changes: Sequence[RuleChange], who: str, confirm: bool, details: dict
) -> CurationResult:
    """Write planned changes (inside the caller's transaction)."""
    action = CurationAction.REAPPLY_RULES
    if not changes:
        return CurationResult(action, None)
    losing = [u for c in changes if c.excluded_after and not c.excluded_before for u in c.units]
    coded = require_confirmation(db, "re-applying the clutter rules", losing, confirm)
    excluded = [u for c in changes if c.excluded_after for u in c.units]
    included = [u for c in changes if not c.excluded_after for u in c.units]
    log_change(
        db,
        action.value,
        who,
        {
            **details,
            "excluded": excluded,
            "included": included,
            "coded_units": sorted(coded),
            "confirmed": bool(coded),
        },
    )
    change_id = cstore.last_change_id(db)
    for change in changes:
        if change.excluded_after != change.excluded_before:
            event = "excluded" if change.excluded_after else "included"
            for unit_id in change.units:
                cstore.record_unit_change(db, change_id, get_unit(db, unit_id), event)
        cstore.set_units_excluded(
            db, list(change.units), change.excluded_after, change.rule_after, manual=False
        )
        cstore.sync_paragraph(db, change.article_id, change.paragraph)
    return CurationResult(
        action,
        change_id,
        units=tuple(excluded + included),
        articles=tuple(dict.fromkeys(c.article_id for c in changes)),
    )


def reapply_rules(
    db: Database, *, preview: bool = False, confirm: bool = False, who: str = ""
) -> RulesReport:
    """Run the project's line rules over the corpus again.

    Parameters
    ----------
    preview
        Only report what would change; nothing is written.
    confirm
        Required when a coded unit would be excluded (its labels are kept).

    Returns
    -------
    RulesReport
        The changes, one per paragraph, and (unless previewing) the step's result.

    Raises
    ------
    ConfirmationRequired
        A coded unit would be excluded and ``confirm`` is False; nothing is changed.
    """
    rules = project_rules(db)
    if preview:
        return RulesReport(tuple(_plan(db, rules)))
    with write_transaction(db):
        changes = _plan(db, rules)
        result = _apply(db, changes, who, confirm, {"rules": [r.name for r in rules.lines]})
    return RulesReport(tuple(changes), result)


def add_rule_from_line(
    db: Database,
    line: str,
    name: str,
    *,
    generalise_digits: bool = True,
    preview: bool = False,
    who: str = "",
) -> RulesReport:
    """Add a ``[[line]]`` rule "exclude lines like this one" to the project's rules.

    Adding a rule changes no unit; the report lists what :func:`reapply_rules` would then
    change, so the lead sees it before anything changes.

    Parameters
    ----------
    line
        A line of an article, as shown (surrounding spaces do not matter).
    name
        The rule's name, shown as the reason for each line it excludes; must be new.
    preview
        Only report the pattern and what it would change; nothing is stored.

    Raises
    ------
    UsageError
        An empty line or name, or a name already used by a rule.
    """
    line, name = line.strip(), name.strip()
    if not line or "\n" in line:
        raise UsageError("a clutter rule is made from one non-empty line")
    if not name:
        raise UsageError("a clutter rule needs a name (shown as the reason for exclusion)")
    pattern = rule_from_line(line, generalise_digits=generalise_digits)
    if preview:
        text = _with_rule(db, line, name, pattern)
        return RulesReport(tuple(_plan(db, parse_rules(text))), None, name, pattern)
    with write_transaction(db):
        text = _with_rule(db, line, name, pattern)
        changes = tuple(_plan(db, parse_rules(text)))
        set_meta(db, RULES_META_KEY, text)
        log_change(
            db,
            CurationAction.ADD_RULE.value,
            who,
            {"name": name, "pattern": pattern, "line": line, "would_change": len(changes)},
        )
        result = CurationResult(CurationAction.ADD_RULE, cstore.last_change_id(db))
    return RulesReport(changes, result, name, pattern)


def _with_rule(db: Database, line: str, name: str, pattern: str) -> str:
    """The project's rules text with the new rule appended (checked to parse)."""
    current = project_rules_text(db)
    if name.casefold() in {r.name.casefold() for r in parse_rules(current).lines}:
        raise UsageError(f"there is already a clutter rule named '{name}'")
    text = (
        f"{current.rstrip()}\n\n# Added from the line {_toml_string(line)}.\n[[line]]\n"
        f"name = {_toml_string(name)}\npattern = {_toml_string(pattern)}\n"
    )
    parse_rules(text)
    return text


def set_project_rules(db: Database, text: str, *, who: str = "") -> CurationResult:
    """Make ``text`` (rules TOML) the project's clutter rules; no unit changes yet.

    Raises
    ------
    InputError
        If the text is not valid rules (nothing is stored then).
    """
    rules = parse_rules(text)
    with write_transaction(db):
        if get_meta(db, RULES_META_KEY) == text:
            return CurationResult(CurationAction.SET_RULES, None)
        set_meta(db, RULES_META_KEY, text)
        log_change(
            db,
            CurationAction.SET_RULES.value,
            who,
            {"line_rules": [r.name for r in rules.lines], "inline_rules": len(rules.inline)},
        )
        return CurationResult(CurationAction.SET_RULES, cstore.last_change_id(db))


@dataclass(frozen=True)
class ExcludedLine:
    """A line that a rule excludes (or, ``inline``, a piece a rule takes out of a line)."""

    rule: str
    text: str
    inline: bool = False


@dataclass(frozen=True)
class FileRulesReport:
    """What the rules would do to one article of a file that is not imported."""

    origin: str
    title: str
    lines: int
    units_to_code: int
    excluded: tuple[ExcludedLine, ...]
    warning: str = ""


def preview_files(paths: Sequence[str], rules: ClutterRules) -> list[FileRulesReport]:
    """Read files as an import would and report, per article, what each rule excludes.

    Nothing is stored: this is for checking a new source before importing it.

    Raises
    ------
    InputError
        For the first file that cannot be read, as an import would.
    """
    from pathlib import Path

    from desktop.core.corpus.clutter import inline_spans
    from desktop.core.corpus.importer import prepare_article, too_little_text
    from desktop.core.corpus.readers import expand_paths, read_documents

    reports = []
    for path in expand_paths([Path(p) for p in paths]):
        for document in read_documents(path):
            article = prepare_article(document, rules)
            excluded = []
            for paragraph in article.paragraphs:
                line = article.text[paragraph.start : paragraph.end]
                if paragraph.excluded:
                    excluded.append(ExcludedLine(paragraph.excluded_by, line.strip()))
                    continue
                for start, end, rule in inline_spans(line, rules):
                    excluded.append(ExcludedLine(rule, line[start:end].strip(), inline=True))
            reports.append(
                FileRulesReport(
                    origin=document.origin,
                    title=article.title,
                    lines=len(article.paragraphs),
                    units_to_code=sum(1 for u in article.units if not u.excluded),
                    excluded=tuple(excluded),
                    warning=too_little_text(document, article),
                )
            )
    return reports
