"""Readers: files of every supported kind to :class:`Document` objects (text plus metadata).

One reader per format; CSV and JSONL files give one document per row.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core.corpus.decode import MAX_FILE_BYTES, Decoded, decode_file, normalise_text
from desktop.core.errors import InputError

METADATA_COLUMNS = ("title", "source", "author", "date", "url")
# A .docx may unpack to this much (its parts are parsed in memory); more is a zip bomb.
MAX_DOCX_UNPACKED_BYTES = 2 * MAX_FILE_BYTES

# The csv module refuses fields over 128 KB, a long article; any field of a file that is
# small enough to import is fine (a process-wide setting, only ever raised).
csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))
_ID_COLUMNS = ("id", "article_id", "doc_id")
_TITLE_MAX = 200
_TITLE_MAX_WORDS_WITH_STOP = 10


@dataclass
class Document:
    """An article as read from a file, before cleaning and segmentation."""

    text: str
    origin: str
    title: str = ""
    source: str = ""
    author: str = ""
    date: str = ""
    url: str = ""
    metadata: dict = field(default_factory=dict)
    encoding: str = "utf-8"
    # True when the first line of ``text`` is the title (it is kept, but not coded).
    title_in_text: bool = False
    # Words a reader sees on the web page the text was extracted from (0: not a web page).
    visible_words: int = 0


def _title_from_name(path: Path) -> str:
    return re.sub(r"[_\-]+", " ", path.stem).strip()


def _leading_title(text: str) -> str:
    """The first line if it reads as a headline: short, followed by a blank line, no final
    full stop."""
    first, sep, rest = text.partition("\n")
    first = first.strip()
    if not first or not sep or (not rest.startswith("\n") and rest.strip()):
        return ""
    if len(first) > _TITLE_MAX:
        return ""
    # A headline may end with a full stop ("Pressure is working. Don't let up."), but a
    # longer line that does is more likely a one-sentence opening paragraph.
    if first.endswith((".", ",", ";", ":")) and len(first.split()) > _TITLE_MAX_WORDS_WITH_STOP:
        return ""
    return first


def read_text(path: Path) -> list[Document]:
    decoded = decode_file(path)
    text = normalise_text(decoded.text)
    if not text.strip():
        raise InputError("is empty", path)
    title = _leading_title(text)
    return [
        Document(
            text=text,
            origin=str(path),
            title=title or _title_from_name(path),
            encoding=decoded.encoding,
            title_in_text=bool(title),
        )
    ]


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
_MD_HEADING = re.compile(r"^#{1,6}\s+")


def read_markdown(path: Path) -> list[Document]:
    decoded = decode_file(path)
    lines = []
    for line in normalise_text(decoded.text).split("\n"):
        line = _MD_HEADING.sub("", line)
        line = _MD_LINK.sub(r"\1", line)
        line = _MD_EMPHASIS.sub(r"\2", line)
        lines.append(line)
    text = "\n".join(lines).strip("\n")
    if not text.strip():
        raise InputError("is empty", path)
    title = _leading_title(text)
    return [
        Document(
            text=text,
            origin=str(path),
            title=title or _title_from_name(path),
            encoding=decoded.encoding,
            title_in_text=bool(title),
        )
    ]


#: trafilatura's settings for saved news pages, chosen by measurement on public sets of
#: annotated pages (benchmarks/extraction.py, figures in benchmarks/README.md). Not
#: ``favor_precision``: it deletes every element whose class is "link" and every
#: <header>, so link text vanished from the middle of sentences and standfirsts were lost.
#: Web furniture that the defaults keep is left to the clutter rules, line by line.
#: Tables are kept (results, rosters and figures are annotated as article text); reader
#: comments are not the article.
HTML_SETTINGS: dict = {"include_comments": False, "include_tables": True}

#: Inline elements that never hold a paragraph of their own: their text is part of the
#: sentence around them, so they are dissolved into it before extraction (no rule of the
#: extractor can then delete "Joe Biden" out of "high for Joe Biden." or the "T" of a
#: drop cap). Links stay elements: their density tells navigation from prose.
_INLINE_TAGS = (
    "span", "em", "strong", "b", "i", "u", "small", "font", "mark", "abbr", "cite", "q",
    "dfn", "time", "bdi", "bdo", "ins", "s", "sub", "sup", "var", "data", "tt", "big",
)  # fmt: skip
_TEXT_BLOCKS = ("p", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption")

_CMS_TOKEN = re.compile(r"[a-z0-9][a-z0-9_.\-]*")


def _dissolve_inline(tree) -> None:
    """Merge inline elements inside text blocks into their text (in place)."""
    found = tree.xpath(
        " | ".join(f"//{block}//{tag}" for block in _TEXT_BLOCKS for tag in _INLINE_TAGS)
    )
    for element in reversed(found):  # innermost first
        if element.getparent() is not None:
            element.drop_tag()


def _visible_words(tree) -> int:
    """Words of the page a reader sees (text outside scripts, styles and templates)."""
    texts = tree.xpath(
        "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript "
        "or ancestor::template)]"
    )
    return sum(len(str(text).split()) for text in texts)


def _usable_title(title: str, generator: str) -> str:
    """The page's title unless it is a CMS's token ("escenic") rather than a headline."""
    title = " ".join(title.split())
    if not title or title.casefold() == generator.casefold():
        return ""
    if " " not in title and _CMS_TOKEN.fullmatch(title):
        return ""
    return title


def _looks_like_headline(line: str) -> bool:
    return (
        0 < len(line) <= _TITLE_MAX
        and len(line.split()) <= 2 * _TITLE_MAX_WORDS_WITH_STOP
        and not line.endswith((".", ",", ";", ":"))
    )


def document_from_html(
    html: str, origin: str, *, options: dict | None = None, dissolve: bool = True
) -> Document:
    """The article of one saved web page: its text, one paragraph per line, and metadata.

    ``options`` replaces :data:`HTML_SETTINGS` and ``dissolve=False`` leaves inline
    elements as they are (both for benchmarks/extraction.py). ``visible_words`` counts
    the page's words, for the importer's warning when too little of it is coded.

    Raises
    ------
    InputError
        When the page cannot be parsed or holds no article text at all.
    """
    import trafilatura  # imported here: it is slow to import and only HTML needs it
    from trafilatura.utils import load_html

    settings = HTML_SETTINGS if options is None else options
    try:
        # lxml's HTML parser never loads external entities nor expands entity
        # declarations (tests/reliability/test_safe_xml.py).
        tree = load_html(html)
        if tree is None:
            raise InputError("cannot be read as HTML", origin)
        generator = " ".join(tree.xpath("//meta[@name='generator']/@content"))
        visible = _visible_words(tree)
        if dissolve:
            _dissolve_inline(tree)
        result = trafilatura.bare_extraction(tree, with_metadata=True, **settings)
    except RecursionError:
        raise InputError("is nested too deeply to be read as HTML", origin) from None
    except InputError:
        raise
    except Exception as exc:  # lxml and trafilatura raise assorted errors on broken HTML
        raise InputError(f"cannot be read as HTML ({exc.__class__.__name__})", origin) from None
    result = result.as_dict() if result is not None else {}
    body = normalise_text(result.get("text") or "")
    if not body.strip():
        raise InputError("has no article text that could be extracted from the HTML", origin)
    # trafilatura separates paragraphs with single newlines; keep one paragraph per line.
    title = _usable_title(result.get("title") or "", generator)
    first_line = body.split("\n", 1)[0].strip()
    if not title and "\n" in body and _looks_like_headline(first_line):
        title = first_line
    return Document(
        text=body,
        origin=origin,
        title=title,
        author=(result.get("author") or "").strip(),
        date=(result.get("date") or "").strip(),
        url=(result.get("url") or "").strip(),
        source=(result.get("sitename") or "").strip(),
        title_in_text=bool(title) and first_line == title,
        visible_words=visible,
    )


def read_html(path: Path) -> list[Document]:
    decoded = decode_file(path)
    document = document_from_html(decoded.text, str(path))
    document.title = document.title or _title_from_name(path)
    document.encoding = decoded.encoding
    return [document]


# Every XML part of a .docx is parsed once, streaming, with defusedxml's forbidding
# settings before python-docx sees the file: a document type declaration (where entities,
# external files and "billion laughs" live) anywhere in any part refuses the file, so no
# long comment before it and no part named other than .xml can slip one through.
# A part may unpack to at most the text limit, all XML parts together too, and the whole
# package (images included, which python-docx holds in memory) to twice that.
MAX_DOCX_XML_BYTES = MAX_FILE_BYTES
_XML_NAMES = (".xml", ".rels", ".vml")
_XML_STARTS = (b"<", b"\xef\xbb\xbf<", b"\xff\xfe<", b"\xfe\xff\x00<")


def _content_types(archive: zipfile.ZipFile) -> tuple[dict[str, str], dict[str, str]]:
    """``({extension: type}, {part name: type})`` of ``[Content_Types].xml``."""
    from defusedxml.ElementTree import fromstring

    try:
        data = archive.read("[Content_Types].xml")
    except KeyError:
        return {}, {}
    root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    defaults, overrides = {}, {}
    for item in root:
        tag = item.tag.rsplit("}", 1)[-1]
        if tag == "Default":
            defaults[item.get("Extension", "").lower()] = item.get("ContentType", "")
        elif tag == "Override":
            overrides[item.get("PartName", "").lstrip("/")] = item.get("ContentType", "")
    return defaults, overrides


def _is_xml_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, types: tuple) -> bool:
    defaults, overrides = types
    name = info.filename
    declared = overrides.get(name) or defaults.get(name.rsplit(".", 1)[-1].lower(), "")
    if name.lower().endswith(_XML_NAMES) or declared.endswith("xml"):
        return True
    with archive.open(info) as part:
        head = part.read(64).lstrip(b" \t\r\n")
    return head.startswith(_XML_STARTS)


def _parse_xml_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Parse one part, streaming, with DTDs, entities and external references forbidden
    (memory stays small: each finished element is dropped)."""
    from defusedxml.ElementTree import iterparse

    with archive.open(info) as part:
        stack = []
        for event, element in iterparse(
            part,
            events=("start", "end"),
            forbid_dtd=True,
            forbid_entities=True,
            forbid_external=True,
        ):
            if event == "start":
                stack.append(element)
                continue
            stack.pop()
            element.clear()
            if stack:
                stack[-1].remove(element)


def _check_docx_package(path: Path) -> None:
    """Refuse a .docx that unpacks to too much, or any of whose XML parts declares a
    document type (entities) or is not well-formed, before python-docx parses it."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException

    from desktop.core.safezip import check_archive

    try:
        with zipfile.ZipFile(path) as archive:
            check_archive(archive, max_members=5_000, max_total_bytes=MAX_DOCX_UNPACKED_BYTES)
            types = _content_types(archive)
            parts = [i for i in archive.infolist() if not i.is_dir()]
            xml_parts = [i for i in parts if _is_xml_part(archive, i, types)]
            xml_bytes = sum(i.file_size for i in xml_parts)
            if xml_bytes > MAX_DOCX_XML_BYTES:
                raise InputError(
                    f"has XML parts that unpack to {xml_bytes / 1e6:.0f} MB; a .docx whose "
                    f"text parts exceed {MAX_DOCX_XML_BYTES / 1e6:.0f} MB is refused",
                    path,
                )
            for info in xml_parts:
                try:
                    _parse_xml_part(archive, info)
                except DefusedXmlException:
                    raise InputError(
                        f"declares XML entities in {info.filename} (a document type), which "
                        "Word never does; refused for safety",
                        path,
                    ) from None
                except ParseError as exc:
                    raise InputError(
                        f"has a part that is not well-formed XML ({info.filename}: {exc})", path
                    ) from None
    except DefusedXmlException:  # a ValueError: before the clause below
        raise InputError(
            "declares XML entities in [Content_Types].xml, which Word never does; refused "
            "for safety",
            path,
        ) from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
        raise InputError(f"is not a valid .docx file ({exc.__class__.__name__})", path) from None
    except ParseError as exc:
        raise InputError(f"has a part that is not well-formed XML ({exc})", path) from None
    except InputError as exc:
        raise InputError(exc.message, path) from None
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError) as exc:
        raise InputError(f"cannot be unpacked ({_one_line(exc)})", path) from None


def read_docx(path: Path) -> list[Document]:
    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError

    _check_docx_package(path)
    try:
        # python-docx parses with resolve_entities=False: no external entity is loaded
        # and no entity is expanded (tests/reliability/test_safe_xml.py).
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, PackageNotFoundError) as exc:
        raise InputError(f"is not a valid .docx file ({exc.__class__.__name__})", path) from None
    except Exception as exc:  # python-docx raises assorted errors on broken packages
        raise InputError(f"cannot be read as .docx ({_one_line(exc)})", path) from None
    try:
        title, lines = "", []
        for paragraph in document.paragraphs:
            text = paragraph.text.strip()
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            if not title and not lines and text and style.lower() in ("title", "heading 1"):
                title = text
            lines.append(text)
        props = document.core_properties
        author = (props.author or "").strip()
        created = props.created.date().isoformat() if props.created else ""
        title = title or (props.title or "").strip()
    except Exception as exc:  # broken styles or properties parts surface only here
        raise InputError(f"cannot be read as .docx ({_one_line(exc)})", path) from None
    text = normalise_text("\n".join(lines))
    if not text.strip():
        raise InputError("is empty", path)
    return [
        Document(
            text=text,
            origin=str(path),
            title=title or _title_from_name(path),
            author=author,
            date=created,
            title_in_text=bool(title) and text.split("\n", 1)[0].strip() == title,
        )
    ]


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _record_document(record: dict, origin: str, where: str, path: Path, encoding: str) -> Document:
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{where}: the 'text' is empty", path)
    fields = {}
    for name in METADATA_COLUMNS:
        value = record.get(name)
        fields[name] = "" if value is None else str(value).strip()
    metadata = {
        k: v
        for k, v in record.items()
        if k not in ("text", *METADATA_COLUMNS) and v not in ("", None)
    }
    for key in _ID_COLUMNS:
        if key in metadata:
            metadata["external_id"] = str(metadata.pop(key))
            break
    return Document(
        text=normalise_text(text),
        origin=origin,
        metadata=metadata,
        encoding=encoding,
        **fields,
    )


def _with_delimiter(delimiter: str) -> type[csv.Dialect]:
    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter
    return Dialect


def _csv_reader(text: str, dialect, path: Path) -> tuple[csv.DictReader, list[str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    try:
        return reader, [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise InputError(f"is not a readable CSV file ({exc})", path) from None


def read_csv(path: Path) -> list[Document]:
    decoded: Decoded = decode_file(path)
    sample = decoded.text[:20_000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except (csv.Error, RecursionError):
        dialect = csv.excel
    reader, header = _csv_reader(decoded.text, dialect, path)
    if "text" not in header:
        # The sniffer guesses from a sample and can be wrong; a delimiter that yields
        # a 'text' column in the header is right.
        for delimiter in ",;\t":
            candidate, names = _csv_reader(decoded.text, _with_delimiter(delimiter), path)
            if "text" in names:
                reader, header = candidate, names
                break
    if "text" not in header:
        found = ", ".join(header[:8]) or "none"
        raise InputError(f"has no 'text' column (columns found: {found})", path)
    reader.fieldnames = header
    documents = []
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                raise InputError(f"line {line}: more fields than the header has", path)
            if not any((v or "").strip() for v in row.values()):
                continue
            documents.append(
                _record_document(row, f"{path}:{line}", f"line {line}", path, decoded.encoding)
            )
    except csv.Error as exc:
        raise InputError(f"line {reader.line_num}: {exc}", path) from None
    if not documents:
        raise InputError("has no rows", path)
    return documents


def read_jsonl(path: Path) -> list[Document]:
    decoded = decode_file(path)
    documents = []
    # Records end at "\n" only: str.splitlines would also cut at U+2028, U+0085 and
    # other characters that JSON strings may hold as they are.
    for number, line in enumerate(decoded.text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"line {number} is not valid JSON ({exc.msg})", path) from None
        except RecursionError:
            raise InputError(f"line {number} is nested too deeply", path) from None
        except ValueError as exc:  # e.g. an integer of more than 4,300 digits
            raise InputError(f"line {number} cannot be read ({_one_line(exc)})", path) from None
        if not isinstance(record, dict):
            raise InputError(f"line {number} is not a JSON object", path)
        if "text" not in record:
            raise InputError(f"line {number} has no 'text' field", path)
        record = {str(k).lower(): v for k, v in record.items()}
        documents.append(
            _record_document(record, f"{path}:{number}", f"line {number}", path, decoded.encoding)
        )
    if not documents:
        raise InputError("has no records", path)
    return documents


READERS: dict[str, Callable[[Path], list[Document]]] = {
    ".txt": read_text,
    ".text": read_text,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".docx": read_docx,
    ".csv": read_csv,
    ".tsv": read_csv,
    ".jsonl": read_jsonl,
    ".ndjson": read_jsonl,
}


def supported(path: Path) -> bool:
    return path.suffix.lower() in READERS


def _walk(folder: Path, links: list[Path]) -> list[Path]:
    """The supported regular files under ``folder``; symbolic links (to files or folders,
    inside or outside it) are not followed but added to ``links``: a link could bring
    in, and send out in a coder package, a file from anywhere on the computer."""
    found = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        here = Path(root)
        for name in sorted(dirs):
            if (here / name).is_symlink():
                links.append(here / name)
        for name in files:
            path = here / name
            if path.is_symlink():
                if supported(path):
                    links.append(path)
            elif supported(path) and path.is_file():
                found.append(path)
    return sorted(found)


def expand_paths(paths: list[Path], links: list[Path] | None = None) -> Iterator[Path]:
    """Files named directly, and the supported files inside folders (sorted, recursive).

    Symbolic links inside folders are skipped and listed in ``links`` (when given).
    """
    links = [] if links is None else links
    for path in paths:
        if path.is_dir():
            found = _walk(path, links)
            if not found:
                raise InputError("contains no files that can be imported", path)
            yield from found
        elif not path.exists():
            raise InputError("no such file or folder", path)
        elif not supported(path):
            kinds = ", ".join(sorted(READERS))
            raise InputError(f"is not a supported kind of file (use {kinds})", path)
        else:
            yield path


def read_documents(path: Path) -> list[Document]:
    return READERS[path.suffix.lower()](path)
