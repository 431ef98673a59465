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


def test_units_lists_an_article_with_ids_and_states(cli, closed, sneider):
    code, out, _ = cli("units", closed, "--article", sneider)
    assert code == 0
    assert f"{sneider}-0002  excluded (photo credit)" in out
    assert f"{sneider}-0003  code" in out and "57 units: 44 to code, 13 excluded" in out
    code, out, _ = cli("units", closed, "--article", sneider, "--json")
    (layout,) = json.loads(out)
    assert layout["paragraphs"][1]["units"][0]["excluded_by"] == "photo credit"


def test_units_merge_split_exclude_include(cli, closed, paal):
    code, out, _ = cli("units", "merge", closed, f"{paal}-0009", f"{paal}-0010", "--who", "lead")
    assert code == 0 and f"Merged {paal}-0010 into {paal}-0009" in out
    code, out, _ = cli("units", "split", closed, f"{paal}-0009", "--at", "40")
    assert code == 0 and f"is now {paal}-0030" in out
    code, out, _ = cli("units", "exclude", "--paragraph", closed, f"{paal}-0001")
    assert code == 0 and f"Excluded 3 unit(s): {paal}-0001 {paal}-0002 {paal}-0003" in out
    code, out, _ = cli("units", "include", closed, f"{paal}-0002", f"{paal}-0004")
    assert code == 0 and "Included 2 unit(s)" in out
    db = reopen(closed)
    actions = [(e["action"], e["who"]) for e in store.change_log(db)[-4:]]
    db.close()
    assert actions == [
        ("merge_units", "lead"),
        ("split_unit", ""),
        ("exclude_units", ""),
        ("include_units", ""),
    ]


def test_coded_units_need_confirm_on_the_command_line(cli, closed, paal, dump):
    db = reopen(closed)
    store.set_label(db, f"{paal}-0007", "ak", "stance", "pressure")
    db.close()
    snapshot = dump(closed)
    code, out, err = cli("units", "merge", closed, f"{paal}-0007", f"{paal}-0008")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "ak 1" in err and "add --confirm" in err
    assert dump(closed) == snapshot
    code, out, _ = cli("units", "merge", closed, f"{paal}-0007", f"{paal}-0008", "--confirm")
    assert code == 0 and f"ak is asked to code {paal}-0007 again" in out


def test_usage_errors_are_one_line(cli, closed, paal):
    code, _, err = cli("units", "split", closed, f"{paal}-0007")
    assert code == 2 and "--at" in err and err.count("\n") == 1
    code, _, err = cli("units", "merge", closed, f"{paal}-0001", f"{paal}-0003")
    assert code == 2 and "not neighbours" in err
    code, _, err = cli("articles", "edit", closed, paal)
    assert code == 2 and "say what to change" in err


def test_articles_edit_exclude_include(cli, closed, paal):
    code, out, _ = cli("articles", "edit", closed, paal, "--title", "Korea talks")
    assert code == 0 and f"Updated article {paal}" in out
    assert cli("articles", "exclude", closed, paal)[0] == 0
    code, out, _ = cli("articles", closed)
    assert "Korea talks  (excluded)" in out
    assert cli("articles", "include", closed, paal)[0] == 0
    code, out, _ = cli("articles", closed, "--json")
    assert not next(a for a in json.loads(out) if a["id"] == paal)["excluded"]


def test_rules_add_preview_and_reapply(cli, closed, sneider, tmp_path, dump):
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
    code, out, _ = cli("units", closed, "--article", sneider)
    assert f"{sneider}-0055  excluded (popular)" in out
    assert f"{sneider}-0002  excluded (photo credit)" in out
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
    assert "5 line(s), 2 sentence(s) to code; 3 line(s) excluded" in out
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
