"""REFI-QDA files read back by a reader written to the standard's reading rules (not by
our writer's code): a coding belongs to the user its ``PlainTextSelection`` names
(``creatingUser``), points at a code through ``CodeRef``, and covers the characters
``startPosition`` to ``endPosition`` of its source's plain text; a note on a source is a
``Note`` that a ``NoteRef`` under the source points at, with its text and its span.

The files also keep the schemas' structural rules (``tests/export/refi_rules.py``:
elements, their order and count, required attributes, GUIDs). The XSDs themselves are
third-party and stay outside the repository; ``python -m benchmarks.refi_xsd`` validates
against them where ``REFI_QDA_XSD`` names a folder holding ``Project.xsd`` and
``Codebook.xsd``.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import refi_rules
from client_project import CODERS, NAMES
from defusedxml import ElementTree as SafeET
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core import store
from desktop.core.export import export

P = "{urn:QDA-XML:project:1.0}"
C = "{urn:QDA-XML:codebook:1.0}"


class Coding(NamedTuple):
    owner: str  # the user's name
    dimension: str  # from the parent code's description
    category: str  # from the code's description
    code_name: str
    source: str  # the source's name
    span: str  # the characters the selection covers
    key: tuple  # QualCoder's unique key: code, source, positions, owner


class Note(NamedTuple):
    owner: str
    text: str
    span: str


class Refi(NamedTuple):
    users: dict[str, str]
    codes: dict[str, tuple[str, str, bool]]  # guid -> (name, description, codable)
    codings: list[Coding]
    notes: list[Note]


def _described(description: str, key: str) -> str:
    """The value after ``key: `` in one of our code descriptions' fact lines."""
    for line in description.splitlines():
        for part in line.split("; "):
            if part.startswith(f"{key}: "):
                return part[len(key) + 2 :]
    raise AssertionError(f"no {key} in {description!r}")


def read_qdpx(path: Path) -> Refi:
    """Read a .qdpx by the standard's rules (independent of the writer)."""
    with zipfile.ZipFile(path) as archive:
        root = SafeET.fromstring(archive.read("project.qde"))
        users = {u.get("guid"): u.get("name") for u in root.iter(f"{P}User")}
        codes: dict[str, tuple[str, str, bool]] = {}
        parent_of: dict[str, str] = {}
        for code in root.iter(f"{P}Code"):
            about = code.find(f"{P}Description")
            codable = code.get("isCodable", "true") == "true"
            codes[code.get("guid")] = (
                code.get("name"),
                about.text if about is not None else "",
                codable,
            )
            for child in code.findall(f"{P}Code"):
                parent_of[child.get("guid")] = code.get("guid")
        codings, notes, referred = [], [], {}
        for source in root.iter(f"{P}TextSource"):
            internal = source.get("plainTextPath").removeprefix("internal://")
            text = archive.read(f"sources/{internal}").decode("utf-8")
            for selection in source.findall(f"{P}PlainTextSelection"):
                start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
                owner = users[selection.get("creatingUser")]
                for coding in selection.findall(f"{P}Coding"):
                    target = coding.find(f"{P}CodeRef").get("targetGUID")
                    name, about, codable = codes[target]
                    assert codable
                    dimension = _described(codes[parent_of[target]][1], "Dimension")
                    category = _described(about, "Code")
                    key = (name, source.get("guid"), start, end, owner)
                    codings.append(
                        Coding(
                            owner,
                            dimension,
                            category,
                            name,
                            source.get("name"),
                            text[start:end],
                            key,
                        )
                    )
            for ref in source.findall(f"{P}NoteRef"):
                referred[ref.get("targetGUID")] = text
        for note in root.iter(f"{P}Note"):
            text = referred.pop(note.get("guid"))  # every note is referred to by a source
            span = note.find(f"{P}PlainTextSelection")
            start, end = int(span.get("startPosition")), int(span.get("endPosition"))
            owner = users[note.get("creatingUser")]
            notes.append(Note(owner, note.find(f"{P}PlainTextContent").text, text[start:end]))
        assert not referred, "a NoteRef points at no note"
    return Refi(users, codes, codings, notes)


def _project_labels(db) -> Counter:
    """Every label as (coder's name, dimension, category, article title, sentence)."""
    titles = dict(db.execute("SELECT id, title FROM articles").fetchall())
    units = {r["unit_id"]: r for r in store.iter_units_rows(db)}
    return Counter(
        (
            NAMES[r.coder],
            r.dimension,
            r.value,
            titles[units[r.unit_id]["article_id"]],
            units[r.unit_id]["text"],
        )
        for r in store.labels_frame(db).itertuples(index=False)
    )


def test_every_coding_reads_back_with_its_coder_code_and_span(client_db, tmp_path):
    out = tmp_path / "project.qdpx"
    result = export(client_db, "long", "qdpx", out)
    refi = read_qdpx(out)
    expected = _project_labels(client_db)
    got = Counter((c.owner, c.dimension, c.category, c.source, c.span) for c in refi.codings)
    assert got == expected
    assert result.rows == len(refi.codings) == sum(expected.values()) > 100
    # Every coder is a user under their name, and owns codings.
    assert sorted(refi.users.values()) == sorted(NAMES[c] for c in CODERS)
    assert {c.owner for c in refi.codings} == {NAMES[c] for c in CODERS}


def test_qualcoders_unique_key_keeps_every_coding(client_db, tmp_path):
    # QualCoder's code_text table is unique on (code, file, positions, owner): one coder
    # gives one code once per span, so no coding may collide with another.
    out = tmp_path / "project.qdpx"
    export(client_db, "long", "qdpx", out)
    keys = Counter(c.key for c in read_qdpx(out).codings)
    assert max(keys.values()) == 1


def test_code_names_are_unique_across_the_codebook_and_readable(client_db, tmp_path):
    out = tmp_path / "project.qdpx"
    export(client_db, "long", "qdpx", out)
    refi = read_qdpx(out)
    names = [name for name, _, _ in refi.codes.values()]
    assert len({n.casefold() for n in names}) == len(names)
    scheme = store.current_scheme(client_db)
    by_category = {(c.dimension, c.category): c.code_name for c in refi.codings}
    for (dimension, code), name in by_category.items():
        label = scheme.dimension(dimension).category(code).label
        assert name.startswith(label)  # readable: the label first
        if sum(1 for d in scheme.dimensions for c in d.categories if c.label == label) == 1:
            assert name == label  # a label used once is the name as it is


def test_notes_are_text_annotations_referred_to_from_the_source(client_db, tmp_path):
    out = tmp_path / "project.qdpx"
    export(client_db, "long", "qdpx", out)
    notes = Counter(read_qdpx(out).notes)
    units = {r["unit_id"]: r["text"] for r in store.iter_units_rows(client_db)}
    expected = Counter(
        Note(NAMES[coder], note, units[unit])
        for unit, coder, note in client_db.execute(
            "SELECT unit_id, coder_id, note FROM unit_states WHERE note != ''"
        )
    )
    assert notes == expected and len(expected) == 3


def test_the_qdc_codebook_has_the_same_unique_names(client_db, tmp_path):
    export(client_db, "long", "qdpx", tmp_path / "p.qdpx")
    export(client_db, "codebook", "qdc", tmp_path / "c.qdc")
    in_project = {g: n for g, (n, _, _) in read_qdpx(tmp_path / "p.qdpx").codes.items()}
    root = SafeET.fromstring((tmp_path / "c.qdc").read_bytes())
    in_codebook = {c.get("guid"): c.get("name") for c in root.iter(f"{C}Code")}
    assert in_codebook == in_project


# -- characters XML cannot hold ------------------------------------------------------------

_ANY = st.text(st.characters(codec="utf-8"), min_size=1, max_size=40)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=_ANY, note=_ANY)
def test_any_characters_in_titles_and_notes_give_well_formed_files(
    client_templates, tmp_path_factory, title, note
):
    """Every code point SQLite can store (controls, U+FFFE, U+FFFF, ...), in a title and
    in a note: the .qdpx parses, the note reads back without only the characters XML
    cannot hold, and the xlsx export opens in openpyxl."""
    import re
    import shutil

    import openpyxl

    folder = tmp_path_factory.mktemp("chars")
    path = folder / "p.stance"
    shutil.copyfile(client_templates["default"], path)
    db = store.open_project(path)
    try:
        with store.write_transaction(db):
            db.execute("UPDATE articles SET title = ?", [title])
        unit = next(iter(store.iter_units_rows(db)))["unit_id"]
        store.set_note(db, unit, "ann", note)
        export(db, "long", "qdpx", folder / "p.qdpx")
        export(db, "long", "xlsx", folder / "p.xlsx")
    finally:
        db.close()
    refi = read_qdpx(folder / "p.qdpx")
    not_xml = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
    # XML parsers read a carriage return as a line feed (XML 1.0, 2.11).
    kept = not_xml.sub("", note).replace("\r\n", "\n").replace("\r", "\n")
    mine = [n.text or "" for n in refi.notes if n.owner == NAMES["ann"]]
    assert kept in mine or (not kept.strip() and "" in mine)
    book = openpyxl.load_workbook(folder / "p.xlsx", read_only=True)
    assert book.sheetnames == ["data", "codebook", "about"]
    book.close()


# -- the standard's schemas, by their reading rules (tests/export/refi_rules.py) -----------
# The XSDs themselves stay outside the repository: `python -m benchmarks.refi_xsd` validates
# against them where REFI_QDA_XSD names a folder holding Project.xsd and Codebook.xsd.


def test_qdpx_keeps_the_project_schemas_rules(client_db, tmp_path):
    out = tmp_path / "project.qdpx"
    export(client_db, "long", "qdpx", out)
    with zipfile.ZipFile(out) as archive:
        root = SafeET.fromstring(archive.read("project.qde"))
    assert refi_rules.problems(root, refi_rules.PROJECT, refi_rules.PROJECT_NS, "Project") == []
    # What the schema says in a comment: a text source has its text inline or by path,
    # never both; and every GUID names one thing.
    for source in root.iter(f"{P}TextSource"):
        inline = source.find(f"{P}PlainTextContent") is not None
        assert inline != bool(source.get("plainTextPath"))
    guids = [e.get("guid") for e in root.iter() if e.get("guid")]
    assert len(guids) == len(set(guids)) > 0
    assert {"Coding", "Note", "NoteRef", "PlainTextSelection"} <= {
        e.tag.removeprefix(P) for e in root.iter()
    }  # the rules were applied to every kind of element we write


def test_qdc_keeps_the_codebook_schemas_rules(client_db, tmp_path):
    out = tmp_path / "codebook.qdc"
    export(client_db, "codebook", "qdc", out)
    root = SafeET.fromstring(out.read_bytes())
    assert refi_rules.problems(root, refi_rules.CODEBOOK, refi_rules.CODEBOOK_NS, "CodeBook") == []
    assert len(list(root.iter(f"{C}Code"))) > 3


def test_the_rules_checker_finds_what_the_schema_refuses():
    """The checker is not vacuous: each break of a rule in a small hand-written file is
    found (a missing required attribute, a child out of sequence, a repeated single
    child, a malformed GUID, an element the schema does not have)."""
    g = "0f0e0d0c-0b0a-4908-8706-050403020100"
    good = (
        f'<CodeBook xmlns="{refi_rules.CODEBOOK_NS}" origin="x"><Codes>'
        f'<Code guid="{g}" name="a" isCodable="true" color="#12ab34"><Description>d</Description>'
        "</Code></Codes></CodeBook>"
    )

    def found(text: str) -> list[str]:
        root = SafeET.fromstring(text)
        return refi_rules.problems(root, refi_rules.CODEBOOK, refi_rules.CODEBOOK_NS, "CodeBook")

    assert found(good) == []
    broken = {
        "required attribute isCodable is missing": good.replace(' isCodable="true"', ""),
        "Description comes after": good.replace(
            "<Description>d</Description></Code>",
            f'<Code guid="{g[:-1]}1" name="b" isCodable="1"/><Description>d</Description></Code>',
        ),
        "Codes may occur once": good.replace("</Codes>", "</Codes><Codes/>"),
        "is not a valid guid value": good.replace(g, "not-a-guid"),
        "is not a child the schema allows here": good.replace("</Codes>", "</Codes><Memo/>"),
        "is not a valid color value": good.replace("#12ab34", "teal"),
    }
    for expected, text in broken.items():
        assert any(expected in p for p in found(text)), (expected, found(text))
