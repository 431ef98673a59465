"""Clutter rules: which lines of an article are web furniture rather than text to code.

The rules are data (resources/clutter_rules.toml); this module only loads and applies them.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from desktop.core.errors import InputError
from desktop.core.resources import clutter_rules_path

TAIL_LINES = 8

# The import's worker processes import this module to apply the rules; the store (and
# sqlite-utils with it, a seventh of a worker's start) is imported only when the project's
# rules are read, or when another module takes these two names from here.
_FROM_STORE = ("RULES_META_KEY", "project_rules_text")


def __getattr__(name: str):
    if name in _FROM_STORE:
        from desktop.core.store import curation

        return getattr(curation, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class LineRule:
    name: str
    regex: re.Pattern
    max_length: int | None = None
    scope: str = "line"  # line | block
    where: str = "anywhere"  # anywhere | tail
    # lowercase pieces of text of which a line must hold one to be tried (a fast test)
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class InlineRule:
    name: str
    regex: re.Pattern
    where: str = "anywhere"  # anywhere | start | end


#: An inline rule with ``where = "end"`` looks at this many last characters of a line.
END_CHARS = 120


@dataclass(frozen=True)
class ClutterRules:
    lines: tuple[LineRule, ...]
    inline: tuple[InlineRule, ...]
    origin: str = ""


@dataclass(frozen=True)
class LineVerdict:
    excluded: bool
    rule: str = ""


_KEPT = LineVerdict(False)

PROJECT_RULES = "the project's clutter rules"


def parse_rules(text: str, origin: str = PROJECT_RULES) -> ClutterRules:
    """Parse clutter rules TOML text; errors name ``origin`` and the malformed rule."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"TOML syntax error: {exc}", origin) from None
    line_rules, inline_rules = [], []
    for index, raw in enumerate(data.get("line", []), start=1):
        name = raw.get("name") or f"line rule {index}"
        flags = re.IGNORECASE if raw.get("ignore_case", True) else 0
        try:
            regex = re.compile(raw["pattern"], flags)
        except (KeyError, re.error) as exc:
            raise InputError(f"rule '{name}': bad or missing pattern ({exc})", origin) from None
        scope = raw.get("scope", "line")
        where = raw.get("where", "anywhere")
        if scope not in ("line", "block") or where not in ("anywhere", "tail"):
            raise InputError(
                f"rule '{name}': scope must be line|block, where anywhere|tail", origin
            )
        requires = raw.get("requires", [])
        if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
            raise InputError(f"rule '{name}': requires must be a list of strings", origin)
        line_rules.append(
            LineRule(
                name,
                regex,
                raw.get("max_length"),
                scope,
                where,
                tuple(r.casefold() for r in requires),
            )
        )
    for index, raw in enumerate(data.get("inline", []), start=1):
        name = raw.get("name") or f"inline rule {index}"
        flags = re.IGNORECASE if raw.get("ignore_case", True) else 0
        try:
            regex = re.compile(raw["pattern"], flags)
        except (KeyError, re.error) as exc:
            raise InputError(f"rule '{name}': bad or missing pattern ({exc})", origin) from None
        where = raw.get("where", "anywhere")
        if where not in ("anywhere", "start", "end"):
            raise InputError(f"inline rule '{name}': where must be anywhere|start|end", origin)
        inline_rules.append(InlineRule(name, regex, where))
    return ClutterRules(tuple(line_rules), tuple(inline_rules), origin)


def load_rules(path: str | Path | None = None) -> ClutterRules:
    """Load clutter rules from ``path`` (default: the shipped resources/clutter_rules.toml);
    ``rules test --rules FILE`` and the extraction benchmark read them this way.

    Raises
    ------
    InputError
        Naming the file and the rule that is malformed.
    """
    path = Path(path) if path is not None else clutter_rules_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such clutter rules file", path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot be read ({exc})", path) from None
    return parse_rules(text, str(path))


def project_rules(db) -> ClutterRules:
    """The project's clutter rules, parsed (for imports, splits and re-applying)."""
    from desktop.core.store.curation import project_rules_text

    return parse_rules(project_rules_text(db))


def _matches(rule: LineRule, line: str, folded: str = "") -> bool:
    if rule.max_length is not None and len(line) > rule.max_length:
        return False
    if rule.requires and not any(r in (folded or line.casefold()) for r in rule.requires):
        return False
    return rule.regex.fullmatch(line) is not None


def classify_lines(lines: list[str], rules: ClutterRules) -> list[LineVerdict]:
    """Decide for each line (paragraph) whether it is clutter, and by which rule.

    ``lines`` may contain empty strings (blank lines), which delimit blocks. Rules with
    ``where = "tail"`` run last, over the last lines that no other rule excluded, so that
    a footer of navigation links does not hide an author's bio above it.
    """
    verdicts = [_KEPT] * len(lines)  # one shared verdict: they are frozen
    anywhere = [r for r in rules.lines if r.where == "anywhere"]
    tail_rules = [r for r in rules.lines if r.where == "tail"]
    _apply(lines, range(len(lines)), anywhere, verdicts)
    if tail_rules:
        kept = [i for i, line in enumerate(lines) if line.strip() and not verdicts[i].excluded]
        _apply(lines, kept[-TAIL_LINES:], tail_rules, verdicts)
    return verdicts


def _apply(lines, indices, rules, verdicts) -> None:
    for i in indices:
        line = lines[i].strip()
        if not line or verdicts[i].excluded:
            continue
        size = len(line)
        folded = line.casefold() if size <= 600 else ""
        for rule in rules:
            # the cheap tests of _matches first, here: most lines fail them
            if rule.max_length is not None and size > rule.max_length:
                continue
            if not _matches(rule, line, folded):
                continue
            verdicts[i] = LineVerdict(True, rule.name)
            if rule.scope == "block":
                j = i - 1
                while j >= 0 and lines[j].strip():
                    verdicts[j] = LineVerdict(True, rule.name)
                    j -= 1
            break


def inline_spans(line: str, rules: ClutterRules) -> list[tuple[int, int, str]]:
    """Spans ``(start, end, rule name)`` of inline clutter tokens within ``line``."""
    spans = []
    for rule in rules.inline:
        if rule.where == "start":
            found = rule.regex.match(line)
            if found and found.end() > found.start():
                spans.append((found.start(), found.end(), rule.name))
        elif rule.where == "end":
            found = rule.regex.search(line, max(0, len(line) - END_CHARS))
            if found and found.end() > found.start():
                spans.append((found.start(), found.end(), rule.name))
        else:
            spans.extend((m.start(), m.end(), rule.name) for m in rule.regex.finditer(line))
    return sorted(spans)
