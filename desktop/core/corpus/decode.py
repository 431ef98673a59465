"""Turn the bytes of a text file into text, or refuse with a clear reason.

UTF-8 (with or without a byte-order mark) and UTF-16 with a BOM are read as they are.
Anything else is identified with charset-normalizer; the encoding is reported to the user
so that Windows-1252 or Latin-1 files are decoded, never stored as mojibake.
"""

from __future__ import annotations

import codecs
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from desktop.core.errors import InputError

# Larger single files are refused before they are read: an import holds its whole batch
# in memory until it is written in one transaction (all or nothing), so a file is never
# streamed; several files of up to this size import together.
MAX_FILE_BYTES = 64 * 1024 * 1024
_MB = 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path``, refusing files over ``limit`` without reading them.

    Only regular files are read (a named pipe or a device such as ``/dev/zero`` would
    never end); a file that grows while it is read is still cut off at ``limit``.
    """
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise InputError("is a folder", path)
        if not stat.S_ISREG(info.st_mode):
            raise InputError("is not a regular file", path)
        if info.st_size > limit:
            raise _too_large(path, info.st_size, limit)
        with path.open("rb") as handle:
            # Ask for the size the file has (asking for ``limit`` would allocate that
            # much for every small file), then for the rest of one that grew meanwhile.
            raw = handle.read(info.st_size + 1)
            if len(raw) > info.st_size:
                raw += handle.read(limit + 1 - len(raw))
        if len(raw) > limit:
            raise _too_large(path, len(raw), limit)
        return raw
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except PermissionError:
        raise InputError("permission denied", path) from None
    except IsADirectoryError:
        raise InputError("is a folder", path) from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror})", path) from None


def _too_large(path: Path, size: int, limit: int) -> InputError:
    if path.suffix.lower() in (".csv", ".tsv", ".jsonl", ".ndjson"):
        advice = "split it into several files (they can be imported together)"
    else:
        advice = "split it, or use a CSV/JSONL file with one article per row"
    return InputError(
        f"is {size / _MB:.0f} MB; files over {limit / _MB:.0f} MB are not imported ({advice})",
        path,
    )


# Control characters (Unicode category Cc) other than line and page breaks and tabs.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")


def _looks_binary(text: str) -> bool:
    sample = text[:20_000]
    if not sample:
        return False
    return len(_CONTROL.findall(sample)) / len(sample) > 0.01


_HIGH_RUN = re.compile(rb"[\x80-\xff]{3,}")


def _western(raw: bytes) -> bool:
    """True when bytes above 127 stand alone (é, ’, —), as in Windows-1252 or Latin-1
    text; East Asian multi-byte encodings put them in runs."""
    high = sum(1 for b in raw if b >= 0x80)
    in_runs = sum(len(m) for m in _HIGH_RUN.findall(raw))
    return high > 0 and in_runs / high < 0.2


def _decode_legacy(raw: bytes, path: Path) -> tuple[str, str]:
    """Decode text that is not UTF-8: Windows-1252/Latin-1 when it looks Western,
    otherwise charset-normalizer's best guess."""
    if _western(raw):
        if any(0x80 <= b <= 0x9F for b in raw):
            try:
                return raw.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                pass
        else:
            return raw.decode("latin-1"), "latin-1"
    best = from_bytes(raw).best()
    if best is None:
        raise InputError("is a binary file or in an unknown text encoding", path)
    return str(best), best.encoding


def decode_bytes(raw: bytes, path: Path) -> Decoded:
    """Decode ``raw`` (the content of ``path``) to text.

    Raises
    ------
    InputError
        For an empty file, a binary file, or bytes that are no known text encoding.
    """
    if not raw.strip():
        raise InputError("is empty", path)
    for bom, name in _BOMS:
        if raw.startswith(bom):
            try:
                text = raw.decode(name)
            except UnicodeDecodeError:
                raise InputError(
                    f"starts with a {name} mark but is not {name} text", path
                ) from None
            break
    else:
        if b"\x00" in raw[:8192] and raw[:8192].count(b"\x00") > len(raw[:8192]) // 100:
            raise InputError("is a binary file, not text", path)
        try:
            text, name = raw.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, name = _decode_legacy(raw, path)
    if _looks_binary(text):
        raise InputError("is a binary file, not text", path)
    return Decoded(text, name)


def normalise_text(text: str) -> str:
    """One form for every article: NFC, ``\\n`` line ends, no trailing spaces on lines."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def decode_file(path: Path) -> Decoded:
    return decode_bytes(read_bytes(path), path)
