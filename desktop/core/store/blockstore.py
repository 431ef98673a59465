"""Deduplicated backups on disk: a store of compressed blocks and one small manifest a backup.

A backup of a project is its file cut into page-aligned blocks (:data:`BLOCK_SIZE`); each
block is stored once, compressed with zstandard, under the SHA-256 of its content::

    <backup folder>/
        study-2026-12-06T051400Z.backup     the manifest: JSON, the block list and the facts
        blocks/3f/3fa9...e1                 one compressed block, named by its hash
        blocks.lock                         held while the store is written or read whole

SQLite rewrites only the pages that change, so the blocks of unchanged pages stay
byte-identical and five backups cost about one project plus what changed between them.
The manifest names the blocks in order, the page and file size, the project's id and
schema version, and ``file_hash``: the SHA-256 of the block hashes in order and the file
size (a hash tree over the whole file, checked when a backup is put back together).

Crash safety: blocks and manifests are written under ``.partial`` names, synced, then
renamed; a manifest is written only after all its blocks are on disk, so a killed backup
leaves no manifest (no backup is listed) and its blocks are swept as garbage. Garbage
collection deletes manifests first and then only blocks that no remaining manifest
names; it skips deleting blocks while any manifest cannot be read. Writers and the
collector hold ``blocks.lock`` (an exclusive ``flock``), so a collection never removes a
block that a backup being written is about to name.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import zstandard

from desktop.core import partial_files

# 64 pages of 4 KiB, a multiple of every SQLite page size. On the 100k-sentence project of
# `make bench` with 200 labels set on random units between backups, five backups took
# 0.67 x one project file in 1 MiB blocks, 0.40 x in 256 KiB blocks and 0.28 x in 64 KiB
# blocks, whose first backup took twice as long (7,200 files for 470 MB).
BLOCK_SIZE = 1 << 18
BACKUP_SUFFIX = ".backup"
BLOCKS = "blocks"
LOCK = "blocks.lock"
FORMAT = "stancecoder-backup"
FORMAT_VERSION = 1
HASH = "sha256"  # with the CPU's SHA extensions, twice as fast as blake2b here (make bench)
COMPRESSION = "zstd"
_LEVEL = 1  # 1.5% larger than level 3 on project pages, a third faster


class BackupDamaged(Exception):
    """A backup manifest or one of its blocks cannot be read or does not match its hash.

    The message is one phrase (``block 3 of 12 (3fa9e1c0) is missing``), to follow the
    backup's path.
    """


@dataclass
class Manifest:
    """The facts of one deduplicated backup (the JSON of its ``.backup`` file)."""

    project_id: str
    schema_version: int
    name: str  # the project's file name when it was backed up
    page_size: int
    file_size: int
    block_size: int
    blocks: list[str] = field(default_factory=list)  # hex digests, in file order
    file_hash: str = ""
    checked: str = "quick_check"  # how the snapshot was checked before it was kept
    format: str = FORMAT
    version: int = FORMAT_VERSION
    hash: str = HASH
    compression: str = COMPRESSION


def fsync_path(path: Path) -> None:
    """Flush a file or a folder to disk (best effort: some file systems cannot)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def is_manifest(path: Path) -> bool:
    """Whether ``path`` is named like a deduplicated backup's manifest."""
    return path.suffix == BACKUP_SUFFIX


def digest(data: bytes) -> str:
    """The hex digest a block is stored under."""
    return hashlib.sha256(data).hexdigest()


def tree_hash(digests: list[str], file_size: int) -> str:
    """The whole-file hash of a manifest: over the block digests in order and the size."""
    h = hashlib.sha256(f"{file_size}\n".encode())
    for d in digests:
        h.update(bytes.fromhex(d))
    return h.hexdigest()


def block_path(folder: Path, block: str) -> Path:
    """Where block ``block`` of the backup folder ``folder`` lives."""
    return folder / BLOCKS / block[:2] / block


@contextlib.contextmanager
def store_lock(folder: Path) -> Iterator[None]:
    """Hold the block store of ``folder`` (waits for another backup of the project)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = partial_files.hold(folder / LOCK)
    try:
        yield
    finally:
        partial_files.release(fd)


def store_block(folder: Path, block: str, data: bytes) -> int:
    """Store ``data`` under its digest ``block`` unless it is there; returns the bytes
    written (0 when the block was already stored). The file is synced before it is
    renamed into place; the caller syncs the folders before naming it in a manifest."""
    final = block_path(folder, block)
    if final.exists():
        return 0
    final.parent.mkdir(parents=True, exist_ok=True)
    packed = zstandard.ZstdCompressor(level=_LEVEL).compress(data)
    # Two threads may store the same block at once (two pages of zeros): each writes its
    # own partial file, and the second rename replaces the first with the same bytes.
    partial = final.with_name(f"{final.name}.{threading.get_ident()}.partial")
    try:
        with partial.open("wb") as out:
            out.write(packed)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return len(packed)


def load_block(folder: Path, block: str, index: int, count: int) -> bytes:
    """The content of block ``block`` (the ``index``-th of ``count``), checked against its
    hash.

    Raises
    ------
    BackupDamaged
        When it is missing, cannot be decompressed, or does not match its hash.
    """
    where = f"block {index + 1} of {count} ({block[:8]})"
    try:
        packed = block_path(folder, block).read_bytes()
    except FileNotFoundError:
        raise BackupDamaged(f"{where} is missing from {folder / BLOCKS}") from None
    except OSError as exc:
        raise BackupDamaged(f"{where} cannot be read ({exc.strerror})") from None
    try:
        data = zstandard.ZstdDecompressor().decompress(packed)
    except zstandard.ZstdError as exc:
        raise BackupDamaged(f"{where} is damaged ({exc})") from None
    if digest(data) != block:
        raise BackupDamaged(f"{where} is damaged (its content does not match its hash)")
    return data


def read_manifest(path: Path) -> Manifest:
    """The manifest of the backup at ``path``.

    Raises
    ------
    BackupDamaged
        When it cannot be read or is not a manifest this version understands.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("format") != FORMAT:
            raise ValueError("not a backup manifest")
        if raw.get("version", 0) > FORMAT_VERSION:
            raise BackupDamaged("was made by a newer Stance Coder; update to restore it")
        manifest = Manifest(**raw)
        if manifest.hash != HASH or manifest.compression != COMPRESSION:
            raise ValueError(f"unknown hash or compression {manifest.hash}/{manifest.compression}")
        if not all(isinstance(b, str) and len(b) == 64 for b in manifest.blocks):
            raise ValueError("a block name is not a digest")
    except OSError as exc:
        raise BackupDamaged(f"cannot be read ({exc.strerror})") from None
    except (ValueError, TypeError) as exc:
        raise BackupDamaged(f"is damaged (its manifest cannot be read: {exc})") from None
    return manifest


def write_manifest(path: Path, manifest: Manifest) -> None:
    """Write ``manifest`` at ``path`` all or nothing (a ``.partial`` file held while it is
    written, synced, renamed)."""
    partial = path.with_name(path.name + ".partial")
    held = partial_files.hold(partial)
    try:
        with partial.open("w", encoding="utf-8") as out:
            json.dump(asdict(manifest), out, separators=(",", ":"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        partial_files.release(held)
    fsync_path(path.parent)


def blocks_of(path: Path) -> Iterator[bytes]:
    """The blocks of the backup at ``path`` in file order, each checked against its hash;
    the whole-file hash is checked after the last.

    Raises
    ------
    BackupDamaged
        At the first block that is missing or damaged, or when the blocks do not add up
        to the file the manifest describes.
    """
    manifest = read_manifest(path)
    count, size = len(manifest.blocks), 0
    for index, block in enumerate(manifest.blocks):
        data = load_block(path.parent, block, index, count)
        size += len(data)
        yield data
    if size != manifest.file_size or tree_hash(manifest.blocks, size) != manifest.file_hash:
        raise BackupDamaged("is damaged (its blocks do not add up to the file it describes)")


def check_backup(path: Path) -> str | None:
    """Why the deduplicated backup at ``path`` cannot be restored, or None: every block is
    read and checked against its hash, and the whole-file hash against the manifest."""
    try:
        for _ in blocks_of(path):
            pass
    except BackupDamaged as exc:
        return str(exc)
    return None


def collect_garbage(folder: Path) -> list[Path]:
    """Delete the blocks of ``folder`` that no manifest names, and partial blocks left by
    killed backups; call it holding :func:`store_lock`. Returns the files deleted.

    Nothing is deleted while a manifest cannot be read (it may name any block).
    """
    store = folder / BLOCKS
    if not store.is_dir():
        return []
    named: set[str] = set()
    for path in folder.glob(f"*{BACKUP_SUFFIX}"):
        try:
            named.update(read_manifest(path).blocks)
        except BackupDamaged:
            return []
    removed = []
    for sub in store.iterdir():
        if not sub.is_dir():
            continue
        for path in sub.iterdir():
            if path.name.endswith(".partial") or path.name not in named:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed.append(path)
        with contextlib.suppress(OSError):
            sub.rmdir()  # only when empty
    return removed


def stored_bytes(folder: Path) -> int:
    """The bytes the block store of ``folder`` takes (the compressed blocks)."""
    store = folder / BLOCKS
    return sum(p.stat().st_size for p in store.glob("*/*")) if store.is_dir() else 0
