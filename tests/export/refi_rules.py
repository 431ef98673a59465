"""The REFI-QDA 1.0 schemas' reading rules, as data, and a checker that applies them.

The standard's XSDs (QDA-XML 1.0, 18 March 2019: ``Project.xsd`` for ``.qdpx`` and
``Codebook.xsd`` for ``.qdc``) are third-party files and stay outside the repository;
:mod:`benchmarks.refi_xsd` validates against them where ``REFI_QDA_XSD`` names a folder
holding them. What a reader of the standard relies on is written down here instead, for
every element our files use: its namespace, the children its ``xsd:sequence`` allows, in
that order and how often, its required and optional attributes, and the lexical form of
each attribute type (``GUIDType``, ``RGBType``, ``xsd:integer``, ``xsd:boolean``,
``xsd:dateTime``). Anything not listed is refused, so a new element in the writer must be
looked up in the standard and added here.
"""

from __future__ import annotations

import re
from typing import NamedTuple

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"

ONE, OPTIONAL, MANY, SOME = "1", "0..1", "0..n", "1..n"  # minOccurs..maxOccurs


class Shape(NamedTuple):
    """What the schema allows for one element type."""

    children: tuple[tuple[str, str], ...] = ()  # (tag, occurrence) in sequence order
    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()
    text: bool = False  # simple content (xsd:string); no children, no attributes


# The attribute types of the schemas, by attribute name (the same type wherever it occurs).
GUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}"
)
RGB = re.compile(r"#([A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})")
INTEGER = re.compile(r"[+-]?[0-9]+")
BOOLEAN = re.compile(r"true|false|1|0")
DATETIME = re.compile(
    r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?"
)
TYPES = {
    "guid": GUID,
    "targetGUID": GUID,
    "creatingUser": GUID,
    "modifyingUser": GUID,
    "creatingUserGUID": GUID,
    "modifyingUserGUID": GUID,
    "color": RGB,
    "startPosition": INTEGER,
    "endPosition": INTEGER,
    "isCodable": BOOLEAN,
    "creationDateTime": DATETIME,
    "modifiedDateTime": DATETIME,
}

_DATED = frozenset({"creatingUser", "creationDateTime", "modifyingUser", "modifiedDateTime"})
_TEXT = Shape(text=True)
_REF = Shape(required=frozenset({"targetGUID"}))
_TEXT_SOURCE = Shape(  # TextSourceType: a TextSource, and a Note
    (
        ("Description", OPTIONAL),
        ("PlainTextContent", OPTIONAL),
        ("PlainTextSelection", MANY),
        ("Coding", MANY),
        ("NoteRef", MANY),
        ("VariableValue", MANY),
    ),
    frozenset({"guid"}),
    frozenset({"name", "richTextPath", "plainTextPath"}) | _DATED,
)

PROJECT: dict[str, Shape] = {
    "Project": Shape(
        (
            ("Users", OPTIONAL),
            ("CodeBook", OPTIONAL),
            ("Variables", OPTIONAL),
            ("Cases", OPTIONAL),
            ("Sources", OPTIONAL),
            ("Notes", OPTIONAL),
            ("Links", OPTIONAL),
            ("Sets", OPTIONAL),
            ("Graphs", OPTIONAL),
            ("Description", OPTIONAL),
            ("NoteRef", MANY),
        ),
        frozenset({"name"}),
        frozenset(
            {
                "origin",
                "creatingUserGUID",
                "creationDateTime",
                "modifyingUserGUID",
                "modifiedDateTime",
                "basePath",
            }
        ),
    ),
    "Users": Shape((("User", SOME),)),
    "User": Shape((), frozenset({"guid"}), frozenset({"name", "id"})),
    "CodeBook": Shape((("Codes", ONE),)),
    "Codes": Shape((("Code", SOME),)),
    "Code": Shape(
        (("Description", OPTIONAL), ("NoteRef", MANY), ("Code", MANY)),
        frozenset({"guid", "name", "isCodable"}),
        frozenset({"color"}),
    ),
    "Description": _TEXT,
    "PlainTextContent": _TEXT,
    # SourcesType is an xsd:choice, unbounded: any mix of the five source kinds.
    "Sources": Shape((("TextSource", SOME),)),
    "TextSource": _TEXT_SOURCE,
    "PlainTextSelection": Shape(
        (("Description", OPTIONAL), ("Coding", MANY), ("NoteRef", MANY)),
        frozenset({"guid", "startPosition", "endPosition"}),
        frozenset({"name"}) | _DATED,
    ),
    "Coding": Shape(
        (("CodeRef", ONE), ("NoteRef", MANY)),
        frozenset({"guid"}),
        frozenset({"creatingUser", "creationDateTime"}),
    ),
    "CodeRef": _REF,
    "NoteRef": _REF,
    "Notes": Shape((("Note", SOME),)),
    "Note": _TEXT_SOURCE,
}

CODEBOOK: dict[str, Shape] = {
    "CodeBook": Shape((("Codes", ONE), ("Sets", OPTIONAL)), frozenset(), frozenset({"origin"})),
    "Codes": Shape((("Code", SOME),)),
    "Code": Shape(
        (("Description", OPTIONAL), ("Code", MANY)),
        frozenset({"guid", "name", "isCodable"}),
        frozenset({"color"}),
    ),
    "Description": _TEXT,
}


def problems(root, rules: dict[str, Shape], namespace: str, top: str) -> list[str]:
    """Every way ``root`` (an ElementTree element) breaks ``rules``; empty when none."""
    found: list[str] = []
    ns = f"{{{namespace}}}"
    if root.tag != ns + top:
        return [f"the root is {root.tag}, not {ns + top}"]
    _check(root, rules, ns, top, found)
    return found


def _check(element, rules: dict[str, Shape], ns: str, path: str, found: list[str]) -> None:
    tag = element.tag.removeprefix(ns)
    shape = rules.get(tag)
    if shape is None or not element.tag.startswith(ns):
        found.append(f"{path}: {element.tag} is not an element the schema allows here")
        return
    names = set(element.attrib)
    for missing in sorted(shape.required - names):
        found.append(f"{path}: required attribute {missing} is missing")
    for extra in sorted(names - shape.required - shape.optional):
        found.append(f"{path}: attribute {extra} is not in the schema")
    for name, value in element.attrib.items():
        pattern = TYPES.get(name)
        if pattern is not None and not pattern.fullmatch(value):
            found.append(f"{path}: {name}={value!r} is not a valid {name} value")
    children = list(element)
    if shape.text:
        if children:
            found.append(f"{path}: a text-only element has children")
        return
    if (element.text or "").strip():
        found.append(f"{path}: text where the schema allows only elements")
    order = {child: i for i, (child, _) in enumerate(shape.children)}
    counts: dict[str, int] = {}
    last = -1
    for child in children:
        name = child.tag.removeprefix(ns)
        position = order.get(name)
        if position is None:
            found.append(f"{path}: {child.tag} is not a child the schema allows here")
            continue
        if position < last:
            found.append(f"{path}: {name} comes after an element the sequence puts after it")
        last = max(last, position)
        counts[name] = counts.get(name, 0) + 1
        _check(child, rules, ns, f"{path}/{name}", found)
    for name, occurs in shape.children:
        n = counts.get(name, 0)
        if occurs in (ONE, SOME) and n == 0:
            found.append(f"{path}: {name} is required")
        if occurs in (ONE, OPTIONAL) and n > 1:
            found.append(f"{path}: {name} may occur once, found {n}")
