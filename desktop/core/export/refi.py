"""REFI-QDA exchange files, so that MAXQDA, ATLAS.ti, NVivo and QualCoder users can open
our work.

- ``.qdc``: the codebook (``urn:QDA-XML:codebook:1.0``). One non-codable code per
  dimension (its label; the question, level and id in the description) holding one
  codable code per category (its label; definition, examples, code, key and value in the
  description). Names are unique across the codebook (:func:`code_names`), as QualCoder
  merges codes of the same name.
- ``.qdpx``: a zip holding ``project.qde`` (``urn:QDA-XML:project:1.0``) and the article
  texts as ``sources/<guid>.txt``. One ``User`` per coder, the codebook, one
  ``TextSource`` per article and, per coded sentence, one ``PlainTextSelection`` per
  coder with the coder as its ``creatingUser`` (QualCoder, ATLAS.ti and MAXQDA take a
  coding's owner from its selection), holding one ``Coding`` per label. A coder's note
  on a sentence is a ``Note`` under ``Notes`` with its text (``PlainTextContent``) and
  span (``PlainTextSelection``), referred to by a ``NoteRef`` in the article's
  ``TextSource``: the standard's text annotation, which QualCoder imports as one.

Characters that XML cannot hold (most control characters, U+FFFE, U+FFFF) are dropped
from names, descriptions and notes; the article files keep the text as it is, so that
positions stay right.

Positions are offsets in Unicode characters into the article's text, the end exclusive.
Every guid is a UUID 5 of the project id (codes: of the scheme id) and the thing it
names, and every time is taken from the project, so two exports are identical. The XML
is built with :mod:`xml.etree.ElementTree` one article at a time and streamed into the
zip, so memory stays bounded by the largest article.

What REFI-QDA cannot carry: the unsure flag, the time spent, gold labels, the numeric
values of ordinal categories (they are in the code descriptions only) and which scheme
version was used (in the project's description).
"""

from __future__ import annotations

import itertools
import re
import uuid
import zipfile
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree as ET

from desktop import __version__
from desktop.core.export.formats import WriteContext
from desktop.core.export.layouts import Table
from desktop.core.export.tabular import stamp_time
from desktop.core.scheme import Scheme
from desktop.core.store import export_queries as q

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
_ROOT = uuid.uuid5(uuid.NAMESPACE_URL, "https://stancecoder.invalid/refi-qda")
# One colour per dimension (categories share it), from a palette safe for colour blindness.
_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
# Characters XML 1.0 cannot hold at all (not even escaped): C0 controls other than tab,
# line feed and carriage return, surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str | None) -> str:
    """``text`` without the characters XML cannot hold (the article files keep them)."""
    if not text:
        return text or ""
    return _NOT_XML.sub("", text)


def guid(*parts: str) -> str:
    """A deterministic GUID for the thing named by ``parts``."""
    return str(uuid.uuid5(_ROOT, "\x1f".join(parts)))


def code_guid(scheme: Scheme, dimension: str, category: str | None = None) -> str:
    """A code's GUID: from the scheme's id, not the project's, so that the codes of one
    scheme keep their GUIDs in every project and in the .qdc codebook."""
    parts = ("code", scheme.id, dimension) + ((category,) if category is not None else ())
    return guid(*parts)


def _dated(attrs: dict[str, str], when: str) -> dict[str, str]:
    """Add ``creationDateTime`` when known (our ISO-8601 UTC text is an xsd:dateTime)."""
    if when:
        attrs["creationDateTime"] = when
    return attrs


def _describe_category(category) -> str:
    lines = [category.definition] if category.definition else []
    if category.examples:
        lines.append("Examples: " + " | ".join(category.examples))
    value = "" if category.value is None else f"; value: {category.value:g}"
    na = "; not applicable" if category.not_applicable else ""
    lines.append(f"Code: {category.code}; key: {category.key}{value}{na}")
    return "\n".join(lines)


def code_names(scheme: Scheme) -> dict[tuple[str, str | None], str]:
    """A name for every code, unique across the whole codebook (QualCoder merges codes
    and categories of the same name): ``{(dimension, category or None): name}``.

    A dimension is named by its label and a category by its label; a label that
    repeats gets its dimension's label in brackets ("Mixed (China's role)"), and a name
    that still repeats gets the ids ("Mixed [china_role.mixed]").
    """
    first: dict[tuple[str, str | None], str] = {}
    for d in scheme.dimensions:
        first[(d.id, None)] = xml_text(d.label).strip() or d.id
        for c in d.categories:
            first[(d.id, c.code)] = xml_text(c.label).strip() or c.code
    seen = Counter(name.casefold() for name in first.values())
    second = {}
    for (dim, code), name in first.items():
        if code is not None and seen[name.casefold()] > 1:
            name = f"{name} ({first[(dim, None)]})"
        second[(dim, code)] = name
    seen = Counter(name.casefold() for name in second.values())
    names = {}
    for (dim, code), name in second.items():
        if seen[name.casefold()] > 1:
            name = f"{name} [{dim}.{code}]" if code is not None else f"{name} [{dim}]"
        names[(dim, code)] = name
    return names


def codes_element(scheme: Scheme) -> ET.Element:
    """The ``Codes`` element: a code per dimension, a child code per category, every
    name unique (:func:`code_names`).

    The project and codebook schemas give ``Code`` the same shape as used here.
    """
    names = code_names(scheme)
    codes = ET.Element("Codes")
    for i, d in enumerate(scheme.dimensions):
        color = _PALETTE[i % len(_PALETTE)]
        parent = ET.SubElement(
            codes,
            "Code",
            {"guid": code_guid(scheme, d.id), "name": names[(d.id, None)], "isCodable": "false"},
        )
        parent.set("color", color)
        about = [d.question] if d.question else []
        about.append(f"Dimension: {d.id}; level: {d.level}")
        if d.description:
            about.append(d.description)
        ET.SubElement(parent, "Description").text = xml_text("\n".join(about))
        for c in d.categories:
            child = ET.SubElement(
                parent,
                "Code",
                {
                    "guid": code_guid(scheme, d.id, c.code),
                    "name": names[(d.id, c.code)],
                    "isCodable": "true",
                    "color": color,
                },
            )
            ET.SubElement(child, "Description").text = xml_text(_describe_category(c))
    return codes


def write_qdc(path: Path, table: Table, ctx: WriteContext) -> int:
    """Write the codebook as REFI-QDA .qdc; returns the number of categories."""
    root = ET.Element("CodeBook", {"xmlns": CODEBOOK_NS, "origin": f"Stance Coder {__version__}"})
    root.append(codes_element(table.scheme))
    ET.indent(root)
    path.write_bytes(_DECLARATION + ET.tostring(root, encoding="utf-8", xml_declaration=False))
    ctx.advance(table.total, table.total)
    return table.total


# -- project (.qdpx) -----------------------------------------------------------------------


def _chunk(element: ET.Element, level: int) -> bytes:
    ET.indent(element, space="  ", level=level)
    return b"  " * level + ET.tostring(element, encoding="utf-8", xml_declaration=False) + b"\n"


class _Project:
    """Writes project.qde piece by piece into an open zip entry."""

    def __init__(self, ctx: WriteContext, table: Table):
        self.ctx = ctx
        self.table = table
        self.scheme = table.scheme
        self.pid = ctx.project_id
        self.filters = ctx.filters
        self.coders = list(table.coders)
        self.known = {(d.id, c.code) for d in self.scheme.dimensions for c in d.categories}
        self.codings = 0
        self.skipped = 0
        self.pending_notes: list[ET.Element] = []

    def user(self, coder: str) -> str:
        return guid(self.pid, "coder", coder)

    def source(self, article_id: str) -> str:
        return guid(self.pid, "article", article_id)

    def note(self, unit_id: str, coder: str) -> str:
        return guid(self.pid, "note", unit_id, coder)

    def user_names(self) -> dict[str, str]:
        """Each coder's name in ``<Users>``: the coder's name, or the id; unique (the
        importing program shows codings under it)."""
        names = q.coder_names(self.ctx.db)
        shown = {c: xml_text(names.get(c) or c).strip() or c for c in self.coders}
        repeats = Counter(name.casefold() for name in shown.values())
        return {
            c: f"{name} ({c})" if repeats[name.casefold()] > 1 and name != c else name
            for c, name in shown.items()
        }

    def head(self) -> bytes:
        when = stamp_time(self.ctx.data_as_of).strftime("%Y-%m-%dT%H:%M:%SZ")
        attrs = {
            "xmlns": PROJECT_NS,
            "name": xml_text(self.ctx.project_name),
            "origin": f"Stance Coder {__version__}",
            "creationDateTime": when,
            "modifiedDateTime": when,
        }
        empty = ET.tostring(ET.Element("Project", attrs), encoding="unicode")
        start = empty.removesuffix(" />") + ">"  # an empty element's tag, left open
        out = _DECLARATION + start.encode("utf-8") + b"\n"
        if self.coders:
            users = ET.Element("Users")
            for coder, name in self.user_names().items():
                ET.SubElement(
                    users, "User", {"guid": self.user(coder), "name": name, "id": xml_text(coder)}
                )
            out += _chunk(users, 1)
        book = ET.Element("CodeBook")
        book.append(codes_element(self.scheme))
        return out + _chunk(book, 1)

    def text_source(self, article: tuple) -> ET.Element:
        article_id, title, src, author, date, url, _text, imported_at = article
        source = ET.Element(
            "TextSource",
            _dated(
                {
                    "guid": self.source(article_id),
                    "name": xml_text(title) or article_id,
                    "plainTextPath": f"internal://{self.source(article_id)}.txt",
                },
                imported_at,
            ),
        )
        about = [f"Article {article_id}"] + [
            f"{k}: {v}" for k, v in (("Source", src), ("Author", author), ("Date", date)) if v
        ]
        if url:
            about.append(f"URL: {url}")
        ET.SubElement(source, "Description").text = xml_text("\n".join(about))
        dims = self.scheme.dimension_ids
        rows = q.iter_long(self.ctx.db, dims, self.filters.coders, [article_id])
        note_refs = []
        for (unit_id, coder), group in itertools.groupby(rows, key=lambda r: (r[1], r[9])):
            note_refs += self.selection(source, unit_id, coder, list(group))
        # Notes hang off the source (REFI-QDA's text annotations, as QualCoder, ATLAS.ti
        # and MAXQDA read them): a NoteRef here, the Note with its span under <Notes>.
        for target in note_refs:
            ET.SubElement(source, "NoteRef", {"targetGUID": target})
        return source

    def selection(self, source: ET.Element, unit_id: str, coder: str, rows: list) -> list[str]:
        """One coder's codings of one unit: a ``PlainTextSelection`` owned by the coder
        (readers take the owner from the selection). Returns the note GUIDs to refer to."""
        first = rows[0]
        start, end, note = str(first[7]), str(first[8]), first[13]
        codings = [r for r in rows if (r[10], r[11]) in self.known]
        self.skipped += len(rows) - len(codings)
        refs = []
        if note:
            self.pending_notes.append(self.note_element(unit_id, coder, note, rows, start, end))
            refs.append(self.note(unit_id, coder))
        if not codings:
            return refs
        when = max(r[15] or "" for r in codings)
        selection = ET.SubElement(
            source,
            "PlainTextSelection",
            _dated(
                {
                    "guid": guid(self.pid, "unit", unit_id, coder),
                    "name": unit_id,
                    "startPosition": start,
                    "endPosition": end,
                    "creatingUser": self.user(coder),
                },
                when,
            ),
        )
        for r in codings:
            dimension, value, changed_at = r[10], r[11], r[15]
            coding = ET.SubElement(
                selection,
                "Coding",
                _dated(
                    {
                        "guid": guid(self.pid, "label", unit_id, coder, dimension),
                        "creatingUser": self.user(coder),
                    },
                    changed_at,
                ),
            )
            target = code_guid(self.scheme, dimension, value)
            ET.SubElement(coding, "CodeRef", {"targetGUID": target})
            self.codings += 1
        return refs

    def note_element(self, unit_id, coder, text, rows, start, end) -> ET.Element:
        """A coder's note on a unit: its text and the span it is about."""
        when = max(r[15] or "" for r in rows)
        user = self.user(coder)
        attrs = {"guid": self.note(unit_id, coder), "name": xml_text(f"{coder} on {unit_id}")}
        attrs.update({"creatingUser": user, "modifyingUser": user})
        if when:
            attrs.update({"creationDateTime": when, "modifiedDateTime": when})
        note = ET.Element("Note", attrs)
        clean = xml_text(text)
        if clean != text:
            self.ctx.facts["notes_with_characters_xml_cannot_hold"] = (
                self.ctx.facts.get("notes_with_characters_xml_cannot_hold", 0) + 1
            )
        ET.SubElement(note, "PlainTextContent").text = clean
        ET.SubElement(
            note,
            "PlainTextSelection",
            {
                "guid": guid(self.pid, "note span", unit_id, coder),
                "startPosition": start,
                "endPosition": end,
                "creatingUser": user,
            },
        )
        return note

    def notes(self) -> ET.Element | None:
        """The ``Notes`` element of every note met so far (None when there is none)."""
        if not self.pending_notes:
            return None
        notes = ET.Element("Notes")
        notes.extend(self.pending_notes)
        return notes


def _entry(name: str, when) -> zipfile.ZipInfo:
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def write_qdpx(path: Path, table: Table, ctx: WriteContext) -> int:
    """Write a REFI-QDA project (.qdpx); returns the number of codings (labels)."""
    project = _Project(ctx, table)
    when = stamp_time(ctx.data_as_of)
    articles = ctx.filters.articles
    with zipfile.ZipFile(path, "w", allowZip64=True) as archive:
        for article in q.iter_articles(ctx.db, articles):
            name = f"sources/{project.source(article[0])}.txt"
            archive.writestr(_entry(name, when), article[6].encode("utf-8"))
        with archive.open(_entry("project.qde", when), "w", force_zip64=True) as out:
            out.write(project.head())
            any_source = False
            for article in q.iter_articles(ctx.db, articles):
                if not any_source:  # the schema wants at least one source in <Sources>
                    out.write(b"  <Sources>\n")
                    any_source = True
                before = project.codings
                out.write(_chunk(project.text_source(article), 2))
                ctx.advance(project.codings - before, table.total)
            if any_source:
                out.write(b"  </Sources>\n")
            notes = project.notes()
            if notes is not None:
                out.write(_chunk(notes, 1))
            description = ET.Element("Description")
            description.text = (
                f"Exported from Stance Coder {__version__}; scheme {table.scheme.id} "
                f"version {table.scheme.version}; data as of {ctx.data_as_of}."
            )
            out.write(_chunk(description, 1))
            out.write(b"</Project>\n")
    if project.skipped:
        ctx.facts["labels_with_codes_not_in_scheme"] = project.skipped
    ctx.facts["codings"] = project.codings
    return project.codings
