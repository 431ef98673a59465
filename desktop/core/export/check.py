"""Check an export before it replaces anything, and say in one line why a write failed.

A writer may report success for a file it could not write: pyreadstat ignores a full
disk and leaves an empty or truncated file. So every export is flushed to disk and read
back under its temporary name before the rename: its size, and for the binary formats
the header and the number of rows as the format's own reader sees them. On any doubt
the temporary file is removed and the previous export stays as it was.
"""

from __future__ import annotations

import errno
import os
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from desktop.core.errors import StanceError

__all__ = ["ExportFailed", "verify", "write_failure"]


class ExportFailed(StanceError):
    """An export could not be written completely; the previous file is untouched."""


def _flush(path: Path) -> int:
    """Force the file to disk (a full disk may only show here) and return its size."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        return os.fstat(fd).st_size
    finally:
        os.close(fd)


def _rows_of_stats_file(fmt: str, path: Path) -> int | None:
    """The rows the header declares, once the last of them (first column only) reads:
    a file cut short keeps a whole header."""
    import pyreadstat

    reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    _frame, meta = reader(str(path), metadataonly=True)
    rows = meta.number_rows
    if rows:
        last, _ = reader(str(path), row_offset=rows - 1, row_limit=1, usecols=meta.column_names[:1])
        if len(last) != 1:
            raise ExportFailed("its last row does not read back")
    return rows


def _zip_entries(path: Path) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(path)
    bad = archive.testzip()
    if bad is not None:
        archive.close()
        raise ExportFailed(f"entry {bad} is damaged")
    return archive


def _count_codings(archive: zipfile.ZipFile) -> int:
    count = 0
    with archive.open("project.qde") as handle:
        for _event, element in ET.iterparse(handle, events=("end",)):
            if element.tag.endswith("}Coding"):
                count += 1
            if element.tag.endswith(("}TextSource", "}Notes")):
                element.clear()
    return count


def _check(fmt: str, path: Path, rows: int) -> str | None:
    """Why ``path`` is not a complete ``fmt`` file of ``rows`` rows (None when it is)."""
    size = _flush(path)
    if size == 0 and (rows or fmt not in ("jsonl",)):  # only JSON Lines of nothing is empty
        return "the written file is empty"
    if fmt == "parquet":
        import pyarrow.parquet as pq

        found = pq.ParquetFile(path).metadata.num_rows
    elif fmt in ("sav", "dta"):
        found = _rows_of_stats_file(fmt, path)
    elif fmt == "xlsx":
        with _zip_entries(path) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                return "the workbook has no xl/workbook.xml"
        return None
    elif fmt == "qdpx":
        with _zip_entries(path) as archive:
            found = _count_codings(archive)
    elif fmt == "qdc":
        ET.parse(path)
        return None
    else:
        return None  # text formats: every write was checked by the file object
    if found != rows:
        return f"read back {found} rows, wrote {rows}"
    return None


def verify(fmt: str, path: Path, rows: int, target: Path) -> None:
    """Raise :class:`ExportFailed` unless ``path`` reads back as ``rows`` rows of ``fmt``.

    Parameters
    ----------
    path
        The temporary file just written.
    target
        The name the file will get (named in the message).
    """
    try:
        reason = _check(fmt, path, rows)
    except ExportFailed as exc:
        reason = exc.message
    except OSError as exc:
        raise write_failure(exc, target) from exc
    except Exception as exc:  # any reader's complaint means the file is not sound
        reason = f"it does not read back ({exc.__class__.__name__}: {exc})"
    if reason:
        raise ExportFailed(f"not written: {reason}; the previous file is kept", target)


def write_failure(exc: BaseException, target: Path) -> ExportFailed:
    """The one-line error for a writer's exception (full disk, read-only folder, a
    ReadStat refusal)."""
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            cause = "disk full while writing"
        elif exc.errno in (errno.EROFS,):
            cause = "the folder is read-only"
        elif exc.errno in (errno.EACCES, errno.EPERM):
            cause = "permission denied while writing"
        else:
            cause = exc.strerror or str(exc)
        return ExportFailed(f"not written: {cause}; the previous file is kept", target)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    cause = f"{exc.__class__.__name__}: {text}"
    if _disk_full(target):  # ReadStat says only "Unable to write data"
        cause = f"disk full while writing ({cause})"
    return ExportFailed(f"not written: {cause}; the previous file is kept", target)


def _disk_full(target: Path) -> bool:
    """Whether the folder of ``target`` has (almost) no room left."""
    import shutil

    try:
        return shutil.disk_usage(target.parent).free < 64 * 1024
    except OSError:
        return False
