"""REFI-QDA files, parsed with defusedxml and checked against the structure the REFI-QDA
schemas require (the XSDs are not reachable offline): namespaces, required attributes,
element order, and every reference pointing at something that exists."""

from __future__ import annotations

import re

from defusedxml import ElementTree as SafeET
from export_helpers import qdpx_members

from desktop.core import store
from desktop.core.export import export
from desktop.core.export.layouts import Filters

P = "{urn:QDA-XML:project:1.0}"
C = "{urn:QDA-XML:codebook:1.0}"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
PROJECT_ORDER = ["Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links",
                 "Sets", "Graphs", "Description", "NoteRef"]  # fmt: skip


def _codes(codes_element, ns: str) -> dict[str, tuple[str, bool]]:
    """Every code under ``codes_element``: ``{guid: (name, isCodable)}``, checked."""
    found = {}
    for code in codes_element.iter(f"{ns}Code"):
        assert GUID.match(code.get("guid")) and code.get("name")
        assert code.get("isCodable") in ("true", "false")
        assert COLOR.match(code.get("color"))
        children = [child.tag for child in code]
        # Description first, then NoteRefs (project only), then child codes.
        assert children == sorted(children, key=lambda t: t != f"{ns}Description")
        found[code.get("guid")] = (code.get("name"), code.get("isCodable") == "true")
    return found


def test_qdc_codebook_has_a_code_per_dimension_and_category(empty_project, tmp_path):
    out = tmp_path / "codebook.qdc"
    assert export(empty_project, "codebook", "qdc", out).rows == 12
    root = SafeET.fromstring(out.read_bytes())
    assert root.tag == f"{C}CodeBook" and root.get("origin").startswith("Stance Coder")
    (codes,) = list(root)
    assert codes.tag == f"{C}Codes"
    top = list(codes)
    scheme = store.current_scheme(empty_project)
    assert [c.get("name") for c in top] == [d.label for d in scheme.dimensions]
    assert all(c.get("isCodable") == "false" for c in top)
    stance = top[0]
    assert [c.get("name") for c in stance.findall(f"{C}Code")] == [
        "Pressure", "Pressure and engagement", "Engagement", "No stance",
    ]  # fmt: skip
    pressure = stance.find(f"{C}Code")
    assert "Code: pressure; key: 1; value: 1" in pressure.find(f"{C}Description").text
    assert len(_codes(codes, C)) == 15


def test_qdpx_project_holds_texts_codebook_and_codings_by_coder(coded_project, tmp_path):
    out = tmp_path / "project.qdpx"
    result = export(coded_project, "long", "qdpx", out)
    members = qdpx_members(out)
    root = SafeET.fromstring(members["project.qde"])
    assert root.tag == f"{P}Project" and root.get("name") == "project"
    tags = [child.tag.removeprefix(P) for child in root]
    assert tags == sorted(tags, key=PROJECT_ORDER.index)
    assert tags[:2] == ["Users", "CodeBook"] and "Sources" in tags and "Notes" in tags

    users = {u.get("guid"): u.get("id") for u in root.find(f"{P}Users")}
    assert sorted(users.values()) == ["Chloé K", "ann", "bo"]
    assert {u.get("name") for u in root.find(f"{P}Users")} >= {"Chloé Kim"}
    codes = _codes(root.find(f"{P}CodeBook/{P}Codes"), P)
    notes = {n.get("guid"): n for n in root.find(f"{P}Notes")}

    sources = root.findall(f"{P}Sources/{P}TextSource")
    assert len(sources) == len(store.list_articles(coded_project)) == 6  # 5 demo + formula
    texts = {
        a.id: store.article_text(coded_project, a.id) for a in store.list_articles(coded_project)
    }
    codings = 0
    seen_units = set()
    for source in sources:
        guid = source.get("guid")
        assert source.get("plainTextPath") == f"internal://{guid}.txt"
        text = members[f"sources/{guid}.txt"].decode("utf-8")
        assert text in texts.values()
        for selection in source.findall(f"{P}PlainTextSelection"):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            assert 0 <= start < end <= len(text)
            unit = store.get_unit(coded_project, selection.get("name"))
            assert text[start:end] == unit.text
            seen_units.add(unit.id)
            for coding in selection.findall(f"{P}Coding"):
                assert GUID.match(coding.get("guid"))
                assert coding.get("creatingUser") in users
                (ref,) = coding.findall(f"{P}CodeRef")
                assert codes[ref.get("targetGUID")][1]  # a category, not a dimension
                codings += 1
            for ref in selection.findall(f"{P}NoteRef"):
                assert ref.get("targetGUID") in notes
    assert codings == result.rows == 276
    assert len(seen_units) == 36
    note_texts = {n.find(f"{P}PlainTextContent").text for n in notes.values()}
    assert '=HYPERLINK("http://evil.example","open me")' in note_texts
    assert all(n.get("creatingUser") in users for n in notes.values())
    all_guids = [e.get("guid") for e in root.iter() if e.get("guid")]
    assert len(all_guids) == len(set(all_guids))


def test_qdpx_codings_name_the_coder_who_made_them(coded_project, tmp_path):
    out = tmp_path / "bo.qdpx"
    export(coded_project, "long", "qdpx", out, filters=Filters(coders=("bo",)))
    root = SafeET.fromstring(qdpx_members(out)["project.qde"])
    (user,) = root.find(f"{P}Users")
    assert user.get("id") == "bo"
    creators = {c.get("creatingUser") for c in root.iter(f"{P}Coding")}
    assert creators == {user.get("guid")}
    labels = store.labels_frame(coded_project, coders=["bo"])
    assert len(list(root.iter(f"{P}Coding"))) == len(labels)
