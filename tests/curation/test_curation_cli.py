"""The units, articles and rules commands through desktop.cli.main, on a real project."""

from __future__ import annotations

import json

import pytest

from desktop.core import store


@pytest.fixture
def cli(monkeypatch, capsys):
    """``cli(*args) -> (exit code, stdout, stderr)`` with the curation commands wired in."""
    import desktop.cli

    modules = tuple(dict.fromkeys((*desktop.cli.COMMAND_MODULES, "desktop.commands.curation")))
    monkeypatch.setattr(desktop.cli, "COMMAND_MODULES", modules)

    def run(*args) -> tuple[int, str, str]:
        try:
            code = desktop.cli.main([str(a) for a in args])
        except SystemExit as exc:  # argparse's own errors, as for the built-in commands
            code = exc.code
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def closed(project, articles):
    """The project's path, with the fixture's connection closed as a user's CLI would find it."""
    db, path = project
    db.close()
    return path


def reopen(path):
    return store.open_project(path)


def test_units_lists_an_article_with_ids_and_states(cli, closed, beijing):
    code, out, _ = cli("units", closed, "--article", beijing)
    assert code == 0
    assert f"{beijing}-0002  excluded (photo credit)" in out
    # resources/demo/03_beijing_plays_both_sides.txt: a title, a credit, 23 sentences in
    # ten paragraphs, four navigation lines and a tag list.
    assert f"{beijing}-0003  code" in out and "30 units: 23 to code, 7 excluded" in out
    code, out, _ = cli("units", closed, "--article", beijing, "--json")
    (layout,) = json.loads(out)
    assert layout["paragraphs"][1]["units"][0]["excluded_by"] == "photo credit"


def test_units_merge_split_exclude_include(cli, closed, seoul):
    code, out, _ = cli("units", "merge", closed, f"{seoul}-0015", f"{seoul}-0016", "--who", "lead")
    assert code == 0 and f"Merged {seoul}-0016 into {seoul}-0015" in out
    code, out, _ = cli("units", "split", closed, f"{seoul}-0015", "--at", "40")
    assert code == 0 and f"is now {seoul}-0034" in out  # the op-ed has 33 units
    code, out, _ = cli("units", "exclude", "--paragraph", closed, f"{seoul}-0003")
    assert code == 0 and f"Excluded 3 units: {seoul}-0003 {seoul}-0004 {seoul}-0005" in out
    code, out, _ = cli("units", "include", closed, f"{seoul}-0004", f"{seoul}-0002")
    assert code == 0 and "Included 2 units" in out
    db = reopen(closed)
    actions = [(e["action"], e["who"]) for e in store.change_log(db)[-4:]]
    db.close()
    assert actions == [
        ("merge_units", "lead"),
        ("split_unit", ""),
        ("exclude_units", ""),
        ("include_units", ""),
    ]


def test_coded_units_need_confirm_on_the_command_line(cli, closed, seoul, dump):
    db = reopen(closed)
    store.set_label(db, f"{seoul}-0007", "ak", "stance", "pressure")
    db.close()
    snapshot = dump(closed)
    code, out, err = cli("units", "merge", closed, f"{seoul}-0007", f"{seoul}-0008")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "ak 1" in err and "add --confirm" in err
    assert dump(closed) == snapshot
    code, out, _ = cli("units", "merge", closed, f"{seoul}-0007", f"{seoul}-0008", "--confirm")
    assert code == 0 and f"ak is asked to code {seoul}-0007 again" in out


def test_usage_errors_are_one_line(cli, closed, seoul):
    code, _, err = cli("units", "split", closed, f"{seoul}-0007")
    assert code == 2 and "--at" in err and err.count("\n") == 1
    code, _, err = cli("units", "merge", closed, f"{seoul}-0003", f"{seoul}-0005")
    assert code == 2 and "not neighbours" in err
    code, _, err = cli("articles", "edit", closed, seoul)
    assert code == 2 and "say what to change" in err


def test_articles_edit_exclude_include(cli, closed, seoul):
    code, out, _ = cli("articles", "edit", closed, seoul, "--title", "Korea talks")
    assert code == 0 and f"Updated article {seoul}" in out
    assert cli("articles", "exclude", closed, seoul)[0] == 0
    code, out, _ = cli("articles", closed)
    assert "Korea talks  (excluded)" in out
    assert cli("articles", "include", closed, seoul)[0] == 0
    code, out, _ = cli("articles", closed, "--json")
    assert not next(a for a in json.loads(out) if a["id"] == seoul)["excluded"]


def test_rules_add_preview_and_reapply(cli, closed, seoul, beijing, tmp_path, dump):
    rules = tmp_path / "rules.toml"
    rules.write_text('[[line]]\nname = "photo credit"\npattern = "getty images"\n')
    code, out, _ = cli("rules", "load", closed, rules)
    assert code == 0 and "rules reapply --preview" in out
    snapshot = dump(closed)
    code, out, _ = cli("rules", "reapply", closed, "--preview")
    assert code == 0 and "Would change" in out and "excluded (navigation) -> coded" in out
    code, out, _ = cli("rules", "add", closed, "Most Popular", "--name", "popular", "--preview")
    assert code == 0 and r"Would add the rule 'popular': Most\s+Popular" in out
    assert dump(closed) == snapshot
    assert cli("rules", "add", closed, "Most Popular", "--name", "popular")[0] == 0
    code, out, _ = cli("rules", "reapply", closed)
    assert code == 0 and "Changed" in out
    code, out, _ = cli("units", closed, "--article", beijing)
    assert f"{beijing}-0028  excluded (popular)" in out
    code, out, _ = cli("units", closed, "--article", seoul)
    assert f"{seoul}-0002  excluded (photo credit)" in out  # "Getty Images"
    code, out, _ = cli("rules", closed)
    assert out.splitlines() == ["photo credit: getty images", r"popular: Most\s+Popular"]


def test_rules_test_shows_what_each_rule_would_exclude_before_an_import(cli, tmp_path):
    """Files not yet imported: every excluded line with its rule, pieces taken out of
    lines, and nothing written anywhere."""
    page = tmp_path / "ferry.txt"
    page.write_text(
        "Ferries return\n\nLONDON — Ferry crossings resumed on Monday after the storm.\n\n"
        "Read more: Why ferry fares keep rising\n\nSubscribe now\n\n"
        "A ferry leaves the harbour at dawn. Photo: Example Agency\n",
        encoding="utf-8",
    )
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = cli("rules", "test", page)
    assert (code, err) == (0, "")
    assert f"{page}: Ferries return" in out
    assert "5 lines, 2 sentences to code; 3 lines excluded" in out
    assert "excluded (title): Ferries return" in out
    assert "excluded (read more): Read more: Why ferry fares keep rising" in out
    assert "excluded (navigation): Subscribe now" in out
    assert "taken out of a line (dateline): LONDON —" in out
    assert "taken out of a line (caption credit): Photo: Example Agency" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_rules_test_uses_a_rules_file_and_names_a_bad_file(cli, tmp_path):
    page = tmp_path / "a.txt"
    page.write_text("Harbour news\n\nFerries run again.\n\nBuy tickets today\n", encoding="utf-8")
    rules = tmp_path / "rules.toml"
    rules.write_text('[[line]]\nname = "tickets"\npattern = "buy tickets.*"\n', encoding="utf-8")
    code, out, _ = cli("rules", "test", page, "--rules", rules)
    assert code == 0 and "excluded (tickets): Buy tickets today" in out
    code, out, err = cli("rules", "test", tmp_path / "missing.txt")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "missing.txt" in err
