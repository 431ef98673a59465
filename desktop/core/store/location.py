"""Where a project file lives: network shares and synced folders, which SQLite dislikes.

SQLite's locking relies on the operating system's file locks, which many network file
systems implement badly or not at all (https://www.sqlite.org/useovernet.html); two
computers writing one project over a share can damage it. Cloud-synced folders copy the
project file and its write-ahead log separately and can deliver a torn copy to another
computer. Both are reported as a warning when a project is opened; nothing is refused.

Detection is best effort: Linux reads ``/proc/self/mounts``, macOS asks ``mount``,
Windows recognises UNC paths and mapped network drives. Anything unknown counts as local.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path, PurePath

# File-system types (as Linux and macOS name them) that live on another machine.
REMOTE_FILESYSTEMS = frozenset(
    {
        "9p",
        "afs",
        "afpfs",
        "beegfs",
        "ceph",
        "cifs",
        "coda",
        "davfs",
        "fuse.davfs",
        "fuse.gvfsd-fuse",
        "fuse.rclone",
        "fuse.s3fs",
        "fuse.sshfs",
        "glusterfs",
        "gpfs",
        "lustre",
        "ncpfs",
        "nfs",
        "nfs4",
        "smb3",
        "smbfs",
        "sshfs",
        "webdav",
    }
)

# Folder names used by desktop sync clients (Dropbox, OneDrive, Google Drive, iCloud).
_SYNCED = (
    (re.compile(r"^Dropbox( \(.*\))?$"), "Dropbox"),
    (re.compile(r"^OneDrive( - .*)?$"), "OneDrive"),
    (re.compile(r"^(Google Drive|GoogleDrive|My Drive)$"), "Google Drive"),
    (re.compile(r"^(iCloud Drive|Mobile Documents)$"), "iCloud Drive"),
)

_DRIVE_REMOTE = 4  # GetDriveTypeW
_ESCAPED_SPACE = "\\040"


def _unescape_mount(field: str) -> str:
    """/proc/mounts writes spaces, tabs, newlines and backslashes as octal escapes."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def fstype_from_mounts(path: str | PurePath, mounts: str) -> str | None:
    """The file-system type of ``path`` according to a ``/proc/mounts`` text.

    The mount whose mount point is the longest prefix of ``path`` wins.
    """
    target = PurePath(path).parts
    best, best_len = None, -1
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = PurePath(_unescape_mount(fields[1])).parts
        if len(point) > best_len and target[: len(point)] == point:
            best, best_len = fields[2], len(point)
    return best


def _existing(path: Path) -> Path:
    """``path`` resolved, or its nearest existing parent (a project not yet created)."""
    path = Path(os.path.abspath(path))
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate.resolve()
    return path


def _linux(path: Path) -> str | None:
    try:
        mounts = Path("/proc/self/mounts").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    fstype = fstype_from_mounts(path, mounts)
    return fstype if fstype in REMOTE_FILESYSTEMS else None


def _macos(path: Path) -> str | None:
    try:
        output = subprocess.run(
            ["/sbin/mount"], capture_output=True, text=True, timeout=2, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    # "//user@server/share on /Volumes/share (smbfs, nodev, nosuid, mounted by user)"
    lines = []
    for line in output.splitlines():
        match = re.match(r"^.* on (.*) \(([^,)]+)", line)
        if match:
            point = match.group(1).replace(" ", _ESCAPED_SPACE)
            lines.append(f"x {point} {match.group(2)}")
    fstype = fstype_from_mounts(path, "\n".join(lines))
    return fstype if fstype in REMOTE_FILESYSTEMS else None


def is_unc(path: str) -> bool:
    r"""True for Windows network paths: ``\\server\share\...`` or ``\\?\UNC\...``."""
    text = path.replace("/", "\\")
    if text.upper().startswith("\\\\?\\UNC\\"):
        return True
    return text.startswith("\\\\") and not text.startswith(("\\\\?\\", "\\\\.\\"))


def _windows(path: Path) -> str | None:
    if is_unc(str(path)):
        return "network path"
    drive = path.drive
    if not drive:
        return None
    try:
        import ctypes

        kind = ctypes.windll.kernel32.GetDriveTypeW(drive + "\\")  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return None
    return "network drive" if kind == _DRIVE_REMOTE else None


def remote_filesystem(path: str | Path) -> str | None:
    """The kind of network file system ``path`` is on, or None when it is local.

    Returns a name such as ``"nfs4"``, ``"cifs"``, ``"smbfs"``, ``"network drive"``.
    """
    if sys.platform == "win32":
        return _windows(Path(os.path.abspath(path)))
    target = _existing(Path(path))
    if sys.platform.startswith("linux"):
        return _linux(target)
    if sys.platform == "darwin":
        return _macos(target)
    return None


def synced_folder(path: str | Path) -> str | None:
    """The sync service whose folder holds ``path`` (e.g. ``"Dropbox"``), or None."""
    for part in Path(os.path.abspath(path)).parts[:-1]:
        for pattern, service in _SYNCED:
            if pattern.match(part):
                return service
    return None


def location_warning(path: str | Path) -> str | None:
    """A one-line warning about where ``path`` lives, or None when it is safe."""
    remote = remote_filesystem(path)
    if remote:
        return (
            f"is on a network share ({remote}); SQLite files can be damaged over a network: "
            "copy the project to a local folder to work on it, and back when you are done"
        )
    service = synced_folder(path)
    if service:
        return (
            f"is in a {service} folder; never open it on two computers at once, and let "
            "the sync finish before opening it elsewhere"
        )
    return None
