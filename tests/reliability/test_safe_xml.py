"""XML in .docx and .html files is parsed safely: no external entity is ever read and no
entity is expanded (billion laughs); a .docx that unpacks to too much is refused."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

from desktop.core.corpus import readers
from desktop.core.corpus.importer import import_paths
from desktop.core.errors import InputError
from desktop.core.store.db import project_path

SECRET = "TOPSECRET-7c1f"
PLACEHOLDER = "PLACEHOLDER"

LAUGHS = "".join(
    f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
).replace("&lol0;", "lol")


def _doctype(root: str, secret: Path) -> str:
    return f'<!DOCTYPE {root} [\n<!ENTITY xxe SYSTEM "{secret.as_uri()}">\n{LAUGHS}\n]>\n'


@pytest.fixture
def secret(tmp_path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def _docx_with(tmp_path: Path, secret: Path, entity: str) -> Path:
    import docx

    plain = tmp_path / "plain.docx"
    document = docx.Document()
    document.add_paragraph(f"The envoys met in Seoul. {PLACEHOLDER} The talks went on.")
    document.save(plain)
    hostile = tmp_path / f"hostile-{entity}.docx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(hostile, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                text = data.decode("utf-8")
                head, sep, body = text.partition("?>")
                text = head + sep + "\n" + _doctype("w:document", secret) + body
                data = text.replace(PLACEHOLDER, f"&{entity};").encode("utf-8")
            target.writestr(item, data)
    return hostile


def _stored_text(db) -> str:
    return "\n".join(str(row) for row in db.conn.iterdump())


@pytest.mark.parametrize("entity", ["xxe", "lol9"])
def test_a_docx_declaring_entities_is_refused_unparsed(
    tmp_path, secret, entity, empty_project, dump
):
    path = _docx_with(tmp_path, secret, entity)
    project = project_path(empty_project)
    before = dump(project)
    with pytest.raises(InputError, match=r"declares XML entities in word/document\.xml") as info:
        import_paths(empty_project, [path])
    assert "\n" not in str(info.value)
    assert dump(project) == before


@pytest.mark.parametrize("entity", ["xxe", "lol9"])
def test_the_docx_parser_itself_neither_reads_files_nor_expands(tmp_path, secret, entity):
    """Even past our check, python-docx's parser (lxml, resolve_entities=False) is safe."""
    import docx

    path = _docx_with(tmp_path, secret, entity)
    started = time.monotonic()
    try:
        text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    except Exception as exc:  # lxml refuses the amplification outright
        assert "amplification" in str(exc)
        text = ""
    assert time.monotonic() - started < 10
    assert SECRET not in text
    assert "lollollol" not in text
    assert len(text) < 1000


@pytest.mark.parametrize("entity", ["xxe", "lol9"])
def test_html_with_entities_never_reads_files_or_expands(tmp_path, secret, entity, empty_project):
    path = tmp_path / f"hostile-{entity}.html"
    body = " ".join(["The envoys met in Seoul and talked about the alliance for hours."] * 8)
    path.write_text(
        _doctype("html", secret)
        + f"<html><head><title>Talks</title></head><body><article><p>{body}</p>"
        f"<p>Before &{entity}; after, and the talks went on.</p></article></body></html>"
    )
    started = time.monotonic()
    try:
        import_paths(empty_project, [path])
    except InputError as exc:
        assert "\n" not in str(exc)
    assert time.monotonic() - started < 10
    stored = _stored_text(empty_project)
    assert SECRET not in stored
    assert "lollollol" not in stored


def test_a_docx_that_unpacks_to_too_much_is_refused_unread(tmp_path, monkeypatch, secret):
    path = _docx_with(tmp_path, secret, "xxe")
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/image1.bin", b"\0" * 3_000_000)  # 3 MB, ~3 KB packed
    monkeypatch.setattr(readers, "MAX_DOCX_UNPACKED_BYTES", 2_000_000)
    with pytest.raises(InputError, match=r"unpacks to \d+ MB; archives over 2 MB are refused"):
        readers.read_docx(path)


def test_a_docx_that_is_no_zip_is_one_line(tmp_path):
    path = tmp_path / "fake.docx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    with pytest.raises(InputError, match=r"is not a valid \.docx file"):
        readers.read_docx(path)
