"""The demo project: created on first run in the user's data folder from resources/demo."""

from __future__ import annotations

import contextlib
from pathlib import Path

from desktop.core import store
from desktop.core.corpus.importer import import_paths
from desktop.core.paths import data_folder
from desktop.core.resources import default_scheme_path, demo_articles_dir
from desktop.core.scheme import load_scheme

DEMO_FILE = "demo.stance"


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
