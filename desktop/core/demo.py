"""The demo project: created on first run in the user's data folder from resources/demo."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from platformdirs import user_data_dir

from desktop.core import store
from desktop.core.corpus.importer import import_paths
from desktop.core.errors import StanceError
from desktop.core.resources import default_scheme_path, demo_articles_dir
from desktop.core.scheme import load_scheme

DEMO_FILE = "demo.stance"


DATA_DIR_ENV = "STANCECODER_DATA_DIR"


class DataFolderError(StanceError):
    """The data folder cannot be created or written."""


def data_folder_path() -> Path:
    """Where the user's data folder is (``STANCECODER_DATA_DIR`` overrides it); not created."""
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override) if override else Path(user_data_dir("StanceCoder", appauthor=False))


def data_folder() -> Path:
    """The user's data folder for Stance Coder, created if needed.

    Raises
    ------
    DataFolderError
        If the folder cannot be created or is not writable: one line that names the
        folder, the reason and the way out (``STANCECODER_DATA_DIR``).
    """
    folder = data_folder_path()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _unwritable(folder, exc.strerror or str(exc)) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _unwritable(folder, "permission denied")
    return folder


def _unwritable(folder: Path, reason: str) -> DataFolderError:
    return DataFolderError(
        f"the data folder cannot be written ({reason.lower()}); Stance Coder keeps the demo "
        f"project and the backups there. Make it writable, or set {DATA_DIR_ENV} to a "
        "folder you can write",
        folder,
    )


def ensure_demo_project(folder: Path | None = None) -> Path:
    """Return the demo project's path, creating it first if it does not exist yet.

    The project is built under a temporary name and renamed into place, so an interrupted
    first run never leaves a half-made demo behind.
    """
    folder = folder or data_folder()
    path = folder / DEMO_FILE
    if path.exists():
        return path
    partial = folder / (DEMO_FILE + ".partial")
    for leftover in folder.glob(DEMO_FILE + ".partial*"):
        leftover.unlink()
    db = store.create_project(partial, load_scheme(default_scheme_path()), who="demo")
    try:
        import_paths(db, [demo_articles_dir()], who="demo")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(str(partial) + suffix).unlink()
    partial.replace(path)
    return path
