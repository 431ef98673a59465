"""Clutter rules that travel with the project: add from a line, preview, re-apply."""

from __future__ import annotations

import re

import pytest

from desktop.core import curation, store
from desktop.core.curation import ConfirmationRequired
from desktop.core.errors import InputError, UsageError
from desktop.core.resources import clutter_rules_path


def without_rule(name: str) -> str:
    """The shipped rules text without the ``[[line]]`` rule called ``name``."""
    head, *blocks = clutter_rules_path().read_text(encoding="utf-8").split("\n[[")
    kept = [b for b in blocks if f'name = "{name}"' not in b]
    assert len(kept) == len(blocks) - 1
    return "\n[[".join([head, *kept])


def codable(db) -> list[str]:
    return [store.get_unit_by_seq(db, s).id for s in store.coded_unit_seqs(db)]


@pytest.fixture
def no_navigation(project):
    """``(db, path)`` with the 8 navigation lines (4 in the Beijing analysis, 4 in the
    conditional-deal op-ed) switched to coded."""
    db, path = project
    curation.set_project_rules(db, without_rule("navigation"))
    curation.reapply_rules(db)
    return db, path


def test_re_applying_the_rules_of_the_import_changes_nothing(project):
    db, _ = project
    assert curation.reapply_rules(db, preview=True).changes == ()
    result = curation.reapply_rules(db).result
    assert result is not None and not result.changed
    assert curation.curation_log(db) == []


def test_a_rule_change_is_previewed_then_applied(project, beijing, conditional, dump):
    db, path = project
    curation.set_project_rules(db, without_rule("navigation"), who="lead")
    snapshot = dump(path)

    preview = curation.reapply_rules(db, preview=True)

    assert dump(path) == snapshot
    assert [(c.article_id, c.paragraph) for c in preview.changes] == [
        *((beijing, p) for p in range(11, 15)),
        *((conditional, p) for p in range(11, 15)),
    ]
    first = preview.changes[0]
    assert (first.line, first.excluded_before, first.rule_before) == (
        "More World News",
        True,
        "navigation",
    )
    assert (first.excluded_after, first.rule_after, first.coded) == (False, "", {})

    applied = curation.reapply_rules(db, who="lead")
    assert applied.changes == preview.changes
    assert set(preview.units) <= set(codable(db))
    entry = store.change_log(db)[-1]
    assert entry["action"] == "reapply_rules" and entry["details"]["included"] == preview.units
    assert curation.unit_fate(db, preview.units[0]).events == ("included",)


def test_re_applying_refuses_to_exclude_coded_units_unless_confirmed(no_navigation, beijing, dump):
    db, path = no_navigation
    more = f"{beijing}-0026"  # "More World News"
    store.set_label(db, more, "ak", "stance", "none")
    curation.set_project_rules(db, clutter_rules_path().read_text(encoding="utf-8"))
    preview = curation.reapply_rules(db, preview=True)
    assert preview.changes[0].coded == {more: {"ak": 1}}
    snapshot = dump(path)
    with pytest.raises(ConfirmationRequired, match=f"re-applying.*{more}"):
        curation.reapply_rules(db)
    assert dump(path) == snapshot

    curation.reapply_rules(db, confirm=True)
    layout = curation.article_layout(db, beijing)
    assert [p.excluded_by for p in layout.paragraphs[11:15]] == ["navigation"] * 4
    assert store.unit_labels(db, more, "ak") == {"stance": "none"}


def test_a_rule_from_a_line_is_previewed_added_and_applied(no_navigation, conditional, dump):
    db, path = no_navigation
    snapshot = dump(path)

    proposal = curation.add_rule_from_line(
        db, "  See all Opinion ", "see all opinion", preview=True
    )

    assert dump(path) == snapshot
    assert proposal.pattern == r"See\s+all\s+Opinion"
    # Only the line that is exactly like it; "See all" and "See All" are not.
    assert [(c.paragraph, c.line, c.rule_after) for c in proposal.changes] == [
        (11, "See all Opinion", "see all opinion")
    ]

    added = curation.add_rule_from_line(db, "See all Opinion", "see all opinion", who="lead")
    assert added.result.changed and added.changes == proposal.changes
    assert f"{conditional}-0031" in codable(db)  # adding a rule changes no unit
    assert 'name = "see all opinion"' in curation.project_rules_text(db)
    assert store.change_log(db)[-1]["details"]["would_change"] == 1

    curation.reapply_rules(db)
    assert f"{conditional}-0031" not in codable(db)
    line = curation.article_layout(db, conditional).paragraphs[11]
    assert (line.excluded, line.excluded_by) == (True, "see all opinion")


def test_the_rules_leave_lines_the_lead_decided_by_hand(project, seoul):
    db, _ = project
    curation.include_units(db, [f"{seoul}-0002"])  # "Getty Images", back in by hand
    assert curation.reapply_rules(db, preview=True).changes == ()
    curation.add_rule_from_line(db, "Getty Images", "getty")
    assert curation.reapply_rules(db, preview=True).changes == ()


def test_rule_from_line_escapes_and_generalises_numbers():
    pattern = curation.rule_from_line("12 comments (so far) $5")
    assert pattern == r"\d+\s+comments\s+\(so\s+far\)\s+\$\d+"
    assert re.fullmatch(pattern, "3 comments  (so far) $40")
    assert not re.fullmatch(pattern, "3 comments")
    literal = curation.rule_from_line("12 comments", generalise_digits=False)
    assert re.fullmatch(literal, "12 comments") and not re.fullmatch(literal, "3 comments")


def test_bad_rules_and_names_are_refused_without_a_change(project, dump):
    db, path = project
    snapshot = dump(path)
    with pytest.raises(UsageError, match="already a clutter rule named 'Navigation'"):
        curation.add_rule_from_line(db, "Go home", "Navigation")
    with pytest.raises(UsageError, match="non-empty line"):
        curation.add_rule_from_line(db, "   ", "blank")
    with pytest.raises(InputError, match=r"project's clutter rules.*'broken'"):
        curation.set_project_rules(db, '[[line]]\nname = "broken"\npattern = "("\n')
    assert dump(path) == snapshot
    # Quotes and backslashes in the line survive the TOML round trip.
    line = 'He said "no" \\ twice'
    report = curation.add_rule_from_line(db, line, "quote")
    rule = next(r for r in curation.project_rules(db).lines if r.name == "quote")
    assert rule.regex.fullmatch(line) and rule.regex.pattern == report.pattern
