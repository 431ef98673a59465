"""Opening zip archives (.docx, REFI-QDA .qdpx, coder packages) without trusting them.

:func:`check_archive` refuses archives whose declared content is too large (zip bombs;
Python's zipfile never inflates a member past its declared size, so the declared sizes
are a true bound). :func:`safe_extract` writes members only inside the target folder:
absolute paths, drive letters, ``..`` components, symbolic links and special files are
refused before anything is written ("zip slip"), and a failed extraction removes what it
wrote.
"""

from __future__ import annotations

import contextlib
import shutil
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from desktop.core.errors import InputError

MAX_MEMBERS = 10_000
MAX_TOTAL_BYTES = 1024 * 1024 * 1024  # uncompressed
_CHUNK = 1024 * 1024


def _archive_name(archive: zipfile.ZipFile) -> str:
    return str(archive.filename or "<archive>")


def check_archive(
    archive: zipfile.ZipFile,
    *,
    max_members: int = MAX_MEMBERS,
    max_total_bytes: int = MAX_TOTAL_BYTES,
) -> None:
    """Refuse an archive with too many members or too much uncompressed content.

    Raises
    ------
    InputError
        One line naming the archive and the limit.
    """
    where = _archive_name(archive)
    members = archive.infolist()
    if len(members) > max_members:
        raise InputError(f"holds {len(members)} files; at most {max_members} are read", where)
    total = sum(m.file_size for m in members)
    if total > max_total_bytes:
        raise InputError(
            f"unpacks to {total / 1e6:.0f} MB; archives over {max_total_bytes / 1e6:.0f} MB "
            "are refused",
            where,
        )


def member_path(name: str, where: str = "<archive>") -> PurePosixPath:
    """The relative path a member may be written to, or :class:`InputError`.

    Backslashes count as separators (archives made on Windows); absolute paths, drive
    letters and ``..`` are refused.
    """
    text = name.replace("\\", "/")
    if "\x00" in text:
        raise InputError(f"holds a file with a NUL byte in its name ({name!r})", where)
    path = PurePosixPath(text)
    if text.startswith("/") or (len(text) > 1 and text[1] == ":") or path.is_absolute():
        raise InputError(f"holds a file with an absolute path ({name!r}); refused", where)
    if any(part == ".." for part in path.parts):
        raise InputError(f"holds a file that points outside its folder ({name!r}); refused", where)
    parts = [p for p in path.parts if p not in ("", ".")]
    if not parts:
        raise InputError(f"holds a file without a name ({name!r})", where)
    return PurePosixPath(*parts)


def _kind(info: zipfile.ZipInfo) -> int:
    return stat.S_IFMT(info.external_attr >> 16) if info.create_system == 3 else 0


def safe_extract(
    archive: zipfile.ZipFile | str | Path,
    target: str | Path,
    *,
    max_members: int = MAX_MEMBERS,
    max_total_bytes: int = MAX_TOTAL_BYTES,
) -> list[Path]:
    """Extract every member of ``archive`` into ``target`` and nowhere else.

    Existing files are never overwritten (extract into a new folder).

    Returns
    -------
    list of Path
        The files written, in archive order.

    Raises
    ------
    InputError
        For an unsafe, oversized or broken archive; then nothing stays written.
    """
    if not isinstance(archive, zipfile.ZipFile):
        try:
            with zipfile.ZipFile(archive) as opened:
                return safe_extract(
                    opened, target, max_members=max_members, max_total_bytes=max_total_bytes
                )
        except (zipfile.BadZipFile, OSError) as exc:
            raise InputError(f"is not a readable zip archive ({exc})", archive) from None
    where = _archive_name(archive)
    check_archive(archive, max_members=max_members, max_total_bytes=max_total_bytes)
    root = Path(target).resolve()
    plan: list[tuple[zipfile.ZipInfo, Path]] = []
    seen: set[str] = set()
    for info in archive.infolist():
        relative = member_path(info.filename, where)
        kind = _kind(info)
        if kind == stat.S_IFLNK:
            raise InputError(f"holds a symbolic link ({info.filename!r}); refused", where)
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise InputError(f"holds a special file ({info.filename!r}); refused", where)
        destination = root.joinpath(*relative.parts)
        if not destination.resolve().is_relative_to(root):
            raise InputError(f"holds a file that leaves its folder ({info.filename!r})", where)
        key = str(relative).casefold()  # two names for one file on Windows and macOS
        if key in seen and not info.is_dir():
            raise InputError(f"holds {info.filename!r} twice; refused", where)
        seen.add(key)
        plan.append((info, destination))
    root.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for info, destination in plan:
            if info.is_dir() or _kind(info) == stat.S_IFDIR:
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            if not destination.parent.resolve().is_relative_to(root):
                raise InputError(f"holds a path that leaves its folder ({info.filename!r})", where)
            with archive.open(info) as source, destination.open("xb") as sink:
                written.append(destination)
                shutil.copyfileobj(source, sink, _CHUNK)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        _remove(written)
        raise InputError(f"cannot be unpacked ({exc})", where) from None
    except BaseException:
        _remove(written)
        raise
    return written


def _remove(paths: list[Path]) -> None:
    for path in reversed(paths):
        with contextlib.suppress(OSError):
            path.unlink()
