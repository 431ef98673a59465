"""Output paths that must never be written: the project, its side files, its backups.

An export or a report written with ``-o`` onto the project itself (or ``././P``, a hard
link, a symbolic link to it, its ``-wal``/``-shm``/``.lock`` file, one of its backups or
any other Stance Coder project) would destroy it. :func:`refuse_project_output` is called
by every command that writes a file the user names, before anything is opened.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from desktop.core.errors import UsageError
from desktop.core.store.backup_files import list_backups
from desktop.core.store.fileformat import APPLICATION_ID, SQLITE_HEADER

_SIDE_FILES = ("-wal", "-shm", "-journal", ".lock")


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _is_project_file(path: Path) -> bool:
    """Whether ``path`` holds a Stance Coder project (a project, package or backup)."""
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError:
        return False
    return (
        len(header) == 100
        and header.startswith(SQLITE_HEADER)
        and int.from_bytes(header[68:72], "big") == APPLICATION_ID
    )


def protected_paths(project: str | Path) -> list[Path]:
    """The project file, its side files and its backups, resolved."""
    project = Path(os.path.abspath(project))
    found = [project, *(Path(f"{project}{side}") for side in _SIDE_FILES)]
    resolved = project.resolve()
    found += [Path(f"{resolved}{side}") for side in ("", *_SIDE_FILES)]
    # a folder of backups that cannot be listed protects nothing more
    with contextlib.suppress(Exception):
        found += [b.path for b in list_backups(project)]
    return found


def refuse_project_output(output: str | Path, project: str | Path) -> None:
    """Raise :class:`UsageError` when writing ``output`` could destroy ``project`` or any
    other project file; ``"-"`` (standard output) is always allowed.

    Paths are compared resolved (``./``, ``..`` and symbolic links followed) and by
    device and inode (hard links), so no spelling of the project gets through.
    """
    if str(output) == "-":
        return
    target = Path(os.path.abspath(output))
    resolved = target.resolve()
    identity = _identity(resolved)
    for path in protected_paths(project):
        same_name = resolved == path.resolve() or target == path
        same_file = identity is not None and identity == _identity(path)
        if same_name or same_file:
            raise UsageError(
                f"is the project {project}, one of its side files or a backup of it; "
                "refused, nothing was written: choose another output file",
                output,
            )
    if _is_project_file(resolved):
        raise UsageError(
            "is a Stance Coder project file; refused, nothing was written: choose another "
            "output file",
            output,
        )
